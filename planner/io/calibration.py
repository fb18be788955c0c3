"""Calibration profiles on disk: load one, find the newest per GPU in a folder, describe a CPU as a `Gpu`.

Turning a profile into efficiencies is pure and lives in `planner.core.efficiency`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from planner.errors import DataError, PlannerError, SpecError
from planner.io.files import ONE_LINE_HINT, read_structured, refuse_control_characters, validate
from planner.specs.calibration import CalibrationProfile
from planner.specs.hardware import Gpu


def load_profile(path: Path, error: type[PlannerError] = SpecError) -> CalibrationProfile:
    """Read and validate a calibration profile JSON.

    Raises:
        SpecError: (or `error`) The file is missing, malformed, or a field is invalid; the
            message names the field path.
    """
    data = read_structured(path, error)
    hint = "pass the JSON written by `planner calibrate -o profile.json`"
    if not isinstance(data, dict) or not {"schema_version", "device", "fitted"} <= set(data):
        # another JSON (a plan, a config): one line saying so, not one pydantic error per missing field
        raise error("not a calibration profile (no schema_version, device and fitted)", where=str(path), hint=hint)
    refuse_control_characters(data, str(path), error=error, hint=ONE_LINE_HINT)  # labels reach reports and plans
    return validate(CalibrationProfile, data, str(path), error)


def profiles_in(directory: Path) -> tuple[CalibrationProfile, ...]:
    """Every `*.json` profile in a directory (none if it does not exist).

    Raises:
        DataError: A profile is malformed; the message names the file and the field.
    """
    if not directory.is_dir():
        return ()
    return tuple(load_profile(path, DataError) for path in sorted(directory.glob("*.json")))


def cpu_gpu(profile: CalibrationProfile) -> Gpu:
    """A `Gpu` describing the CPU a profile was measured on, so the perf model can run on it.

    A CPU has no hardware_db file: its peaks are the best rates this run measured (GEMM
    TFLOP/s per precision, copy/read bytes/s), memory is the host RAM. `vendor: nvidia` and
    `architecture: ampere` are stand-ins that make runtime compatibility checks pass and mean
    what the perf model needs: 16-bit compute in bf16, no FP8. There is no interconnect; a
    single "GPU" is all it describes.
    """
    if profile.device.kind != "cpu":
        raise SpecError("only a CPU profile describes its own device", where="calibration", value=profile.gpu_id,
                        hint="GPU profiles are used with the hardware_db entry of that GPU")
    tflops = profile.peak.tflops
    sixteen = tflops.get("bf16") or tflops.get("fp16") or tflops["fp32"]
    bw = profile.peak.hbm_bw_bytes_per_s
    as_of = profile.created_at.date()
    measured = {"ref": f"planner calibrate on {profile.device.name} ({profile.label})", "as_of": as_of}
    placeholder = {"ref": "placeholder for a single host CPU: not used by the perf model", "as_of": as_of}
    return Gpu.model_validate({
        "id": "cpu", "name": f"CPU {profile.device.name} ({profile.device.threads or 1} threads)",
        "vendor": "nvidia", "architecture": "ampere", "form_factor": "host CPU",
        "memory_bytes": profile.device.memory_bytes or 2**34, "hbm_bw_bytes_per_s": bw, "tdp_watts": 1.0,
        "peak_dense_tflops": {"fp32": tflops.get("fp32", sixteen), "bf16": sixteen,
                              "fp16": tflops.get("fp16", sixteen)},
        "interconnect": {"kind": "pcie", "link_bidir_bw_bytes_per_s": bw, "pcie_gen": 4,
                         "pcie_bidir_bw_bytes_per_s": bw, "gpus_per_node": 1, "allreduce_latency_s": 1e-5},
        "sources": {"memory_bytes": measured, "hbm_bw_bytes_per_s": measured, "peak_dense_tflops": measured,
                    "tdp_watts": placeholder, "interconnect": placeholder},
    })


def newest_matching(profiles: list[CalibrationProfile], gpu_id: str) -> CalibrationProfile | None:
    """The most recently created profile for `gpu_id`, or None."""
    matching = [p for p in profiles if p.gpu_id == gpu_id]
    return max(matching, key=lambda p: _utc(p.created_at), default=None)


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def newest_profiles(directory: Path) -> dict[str, CalibrationProfile]:
    """The newest profile per GPU id among the `*.json` profiles of a directory (empty if it does not exist).

    Raises:
        DataError: A profile is malformed; the message names the file and the field.
    """
    profiles = list(profiles_in(directory))
    return {gpu_id: p for gpu_id in sorted({p.gpu_id for p in profiles})
            if (p := newest_matching(profiles, gpu_id)) is not None}
