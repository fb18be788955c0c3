"""Close the loop: predict measured prefill and decode steps with the calibrated planner.

The measured half (`_decode_bench`) times a random-weight decoder in PyTorch eager; this module
predicts the same points with the perf model for the transformers (eager) runtime profile,
using the efficiencies of the calibration just measured, and reports the error per point.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from planner.core.compat import make_deployment
from planner.core.efficiency import efficiency_from_profile
from planner.core.perf import PerfModel
from planner.errors import CalibrationError
from planner.io.calibration import cpu_gpu
from planner.io.catalog import Catalog
from planner.io.files import read_structured, validate
from planner.io.hf_config import parse_hf_config
from planner.specs._base import Frozen
from planner.specs.calibration import CalibrationProfile
from planner.specs.hardware import Gpu

RUNTIME = "transformers"
"""The runtime profile verified: plain PyTorch / transformers eager, which the decoder mirrors."""


class VerifyPoint(Frozen):
    """One measured and predicted step."""

    model: str
    """Verification model name."""
    phase: Literal["prefill", "decode"]
    """Prefill of the whole prompt, or one decode step."""
    batch: int = Field(ge=1)
    """Sequences in the step."""
    tokens: int = Field(ge=1)
    """Prompt tokens (prefill) or context tokens read (decode)."""
    measured_s: float = Field(gt=0)
    """Median measured time of the step, seconds."""
    predicted_s: float = Field(gt=0)
    """Planner prediction, seconds."""
    abs_pct_error: float = Field(ge=0)
    """|predicted - measured| / measured x 100."""
    bound: str
    """What the perf model says dominates the step."""


class VerifyResult(Frozen):
    """Predicted versus measured steps of the verification models."""

    gpu_id: str
    """Calibrated device (`cpu` or a hardware_db id)."""
    device: str
    """Device name."""
    dtype: str
    """Precision the models ran in."""
    runtime: str
    """Runtime profile the predictions use."""
    efficiency_source: str
    """Which calibration the predictions used."""
    points: tuple[VerifyPoint, ...] = Field(min_length=1)
    """Every point."""
    median_abs_pct_error: float = Field(ge=0)
    """Median of `abs_pct_error` over the points."""


class MeasuredPoint(Frozen):
    """A step timed by `python -m planner.calibrate --verify` on a host without the full planner."""

    model: str
    """Verification model name (a key of `models`)."""
    phase: Literal["prefill", "decode"]
    """Prefill of the whole prompt, or one decode step."""
    batch: int = Field(ge=1)
    """Sequences in the step."""
    tokens: int = Field(ge=1)
    """Prompt tokens (prefill) or context tokens read (decode)."""
    dtype: Literal["bf16", "fp16"]
    """Precision the model ran in."""
    measured_s: float = Field(gt=0)
    """Median measured time of the step, seconds."""


class MeasuredBundle(Frozen):
    """The JSON `python -m planner.calibrate --verify` prints where predictions cannot be made."""

    models: dict[str, dict[str, Any]] = Field(min_length=1)
    """Verification model configs (`config.json` dicts) by name."""
    measured: tuple[MeasuredPoint, ...] = Field(min_length=1)
    """Timed points."""


def load_measured(path: Path) -> MeasuredBundle:
    """Read the measurements `python -m planner.calibrate --verify` printed.

    Raises:
        SpecError: The file is missing or a field is invalid (the message names it).
    """
    return validate(MeasuredBundle, read_structured(path), str(path))


def gpu_for(profile: CalibrationProfile, catalog: Catalog) -> Gpu:
    """The `Gpu` a profile calibrates: the hardware_db entry, or a description of the CPU."""
    if profile.device.kind == "cpu":
        return cpu_gpu(profile)
    return catalog.gpu(profile.gpu_id, flag="calibration peak.gpu_id")


def predict(profile: CalibrationProfile, models: dict[str, dict[str, Any]], measured: Sequence[dict[str, Any]],
            catalog: Catalog | None = None) -> VerifyResult:
    """Predict every measured point and compare.

    Args:
        profile: The calibration to predict with.
        models: Verification model configs (`config.json` dicts) by name.
        measured: Points with `model`, `phase`, `batch`, `tokens` and `measured_s`.
        catalog: GPUs and runtimes (default: the shipped ones).

    Raises:
        CalibrationError: A point names a model that is not given.
    """
    catalog = catalog or Catalog.load()
    gpu = gpu_for(profile, catalog)
    runtime = catalog.runtime(RUNTIME)
    perf: dict[str, PerfModel] = {}
    points: list[VerifyPoint] = []
    source = dtype = ""
    for m in measured:
        name = m["model"]
        if name not in perf:
            if name not in models:
                raise CalibrationError("measured point of an unknown model", where="measured", value=name)
            spec = parse_hf_config(models[name], name, where=name)
            longest = max(p["tokens"] for p in measured if p["model"] == name) + 1
            dep = make_deployment(spec, gpu, runtime, max_model_len=min(longest, spec.max_position_embeddings))
            eff = efficiency_from_profile(dep, profile)
            perf[name] = PerfModel.build(dep, eff)
            source, dtype = eff.source, dep.quant
        pm = perf[name]
        if m.get("dtype", pm.dep.quant) != pm.dep.quant:
            raise CalibrationError(f"{name} was measured in {m['dtype']} but the planner serves it in "
                                   f"{pm.dep.quant} on {gpu.id}", where="measured",
                                   hint="measure on the device the calibration profile describes")
        step = pm.prefill(m["batch"], m["tokens"]) if m["phase"] == "prefill" else pm.decode(m["batch"], m["tokens"])
        error = abs(step.total_s - m["measured_s"]) / m["measured_s"] * 100
        points.append(VerifyPoint(model=name, phase=m["phase"], batch=m["batch"], tokens=m["tokens"],
                                  measured_s=m["measured_s"], predicted_s=step.total_s, abs_pct_error=error,
                                  bound=step.bound))
    if not points:
        raise CalibrationError("no points to verify", hint="check --model and the measured file")
    return VerifyResult(gpu_id=profile.gpu_id, device=profile.device.name, dtype=dtype, runtime=RUNTIME,
                        efficiency_source=source, points=tuple(points),
                        median_abs_pct_error=statistics.median(p.abs_pct_error for p in points))


def run(profile: CalibrationProfile, models: dict[str, dict[str, Any]], device: str | None,
        reporter: Any = None, measured: Sequence[dict[str, Any]] | None = None,
        catalog: Catalog | None = None) -> VerifyResult:
    """Measure the verification models on `device` (unless `measured` is given) and predict them.

    Raises:
        CalibrationError: The device is not the one the profile was measured on.
    """
    if measured is None:
        import torch

        from planner.calibrate import _decode_bench
        from planner.calibrate.measure import _Silent, resolve_device

        dev = resolve_device(device)
        if dev.type != profile.device.kind or (dev.type == "cuda" and torch.cuda.get_device_name(dev)
                                               != profile.device.name):
            raise CalibrationError("verify on the device the calibration was measured on", where="--device",
                                   value=str(dev), hint=f"the profile describes {profile.device.name}")
        if dev.type == "cpu" and profile.device.threads:
            torch.set_num_threads(profile.device.threads)  # time the models as the benchmarks were timed
        measured = _decode_bench.measure_models(models, device, reporter or _Silent())
    return predict(profile, models, measured, catalog)
