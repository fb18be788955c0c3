"""Use a calibration profile: load it, describe a CPU as a `Gpu`, and turn it into an `Efficiency`."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from planner.core import formats as _quant
from planner.errors import DataError, PlannerError, SpecError
from planner.io.files import read_structured, validate
from planner.core.perf import Efficiency, default_efficiency
from planner.specs.calibration import CalibrationProfile, CurveDtype, GemmCurve
from planner.specs.deployment import Deployment
from planner.specs.hardware import Gpu


def load_profile(path: Path, error: type[PlannerError] = SpecError) -> CalibrationProfile:
    """Read and validate a calibration profile JSON.

    Raises:
        SpecError: (or `error`) The file is missing, malformed, or a field is invalid; the
            message names the field path.
    """
    return validate(CalibrationProfile, read_structured(path, error), str(path), error)


def profiles_in(directory: Path) -> tuple[CalibrationProfile, ...]:
    """Every `*.json` profile in a directory (none if it does not exist), cached while the files are unchanged.

    Raises:
        DataError: A profile is malformed; the message names the file and the field.
    """
    if not directory.is_dir():
        return ()
    files = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(directory.glob("*.json")))
    return _load_all(files)


@functools.lru_cache(maxsize=8)
def _load_all(files: tuple[tuple[str, int, int], ...]) -> tuple[CalibrationProfile, ...]:
    return tuple(load_profile(Path(name), DataError) for name, _, _ in files)


def _curve_for(profile: CalibrationProfile, dep: Deployment) -> tuple[CurveDtype, GemmCurve]:
    """The GEMM curve of the deployment's compute precision, else its 16-bit one."""
    compute = _quant.compute_dtype(dep.quant, dep.gpu.architecture)
    sixteen = _quant.sixteen_bit(dep.gpu.architecture)
    gemm = profile.fitted.gemm
    for dtype in (compute, sixteen, "bf16", "fp16"):
        if dtype in gemm:
            return dtype, gemm[dtype]
    dtype, curve = next(iter(gemm.items()))
    return dtype, curve


def efficiency_from_profile(dep: Deployment, profile: CalibrationProfile,
                            base: Efficiency | None = None) -> Efficiency:
    """Efficiencies of `dep` with the measured ones of `profile` in place of the defaults.

    Replaced: the GEMM curve of the deployment's compute precision (falling back to the
    16-bit curve where that precision was not measured), weight-streaming and KV-read
    bandwidth, prefill attention efficiency, and the all-reduce bandwidth fraction when
    more than one GPU was measured. The runtime's own overheads (scheduler, sampling,
    API server) stay from `base`, except in runtimes that execute eagerly (no CUDA graphs),
    where launches dominate: there the measured per-op overhead x the ops of a decoder layer
    becomes `per_layer_overhead_s`, the measured eager step overhead `step_overhead_s`, and
    the measured eager expert-loop efficiency `moe_factor`.

    Args:
        dep: The deployment; its GPU must be the one the profile calibrates.
        profile: A validated calibration profile.
        base: Efficiencies to start from (default: the runtime profile's).

    Raises:
        SpecError: The profile was measured on another GPU.
    """
    if profile.gpu_id != dep.gpu.id:
        raise SpecError(f"calibration profile is for {profile.gpu_id}, the deployment runs on {dep.gpu.id}",
                        where="--calibration", hint=f"use --gpu {profile.gpu_id}, or a profile measured on "
                                                   f"{dep.gpu.id}")
    base = base or default_efficiency(dep)
    fitted = profile.fitted
    dtype, curve = _curve_for(profile, dep)
    update: dict[str, object] = {
        "gemm_compute": curve.max_efficiency, "gemm_half_tokens": curve.half_rows, "gemm_curve": curve.points,
        "weight_bw": fitted.weight_bw, "kv_bw": fitted.kv_bw, "attention_compute": fitted.attention_compute,
    }
    if not dep.runtime.features.cuda_graphs:
        update.update(_eager_overheads(dep, profile))
    if fitted.allreduce is not None and fitted.allreduce.bw_fraction is not None:
        update["allreduce_bw"] = fitted.allreduce.bw_fraction
    update["source"] = f"calibration {profile.label}, {dtype} GEMM curve"
    return base.model_copy(update=update)


def _eager_overheads(dep: Deployment, profile: CalibrationProfile) -> dict[str, float]:
    """Overheads of an eager runtime from the measured per-op time and op counts.

    Per layer: per-op overhead x the ops of a dense or MoE layer (averaged over the model's
    layers). Per step: the measured step overhead outside the layers (embedding, final norm,
    lm_head, greedy sampling), which in eager execution is launches too. MoE: the measured
    eager expert-loop factor.
    """
    fitted = profile.fitted
    layers = dep.model.layers
    moe_ops = fitted.eager_ops_per_moe_layer or fitted.eager_ops_per_layer
    ops = sum(moe_ops if layer.moe else fitted.eager_ops_per_layer for layer in layers) / len(layers)
    out = {"per_layer_overhead_s": fitted.eager_op_overhead_s * ops,
           "step_overhead_s": fitted.eager_step_overhead_s}
    if fitted.moe_factor is not None:
        out["moe_factor"] = fitted.moe_factor
    return out


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
