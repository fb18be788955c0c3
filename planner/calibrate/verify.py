"""Close the loop: predict measured prefill and decode steps with the calibrated planner.

The measured half (`_decode_bench`) times a random-weight decoder in PyTorch eager; this module
predicts the same points with the perf model for the transformers (eager) runtime profile,
using the efficiencies of the calibration just measured, and reports the error per point.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field

from planner._hf_config import parse_hf_config
from planner.calibrate.use import cpu_gpu, efficiency_from_profile
from planner.catalog import Catalog
from planner.compat import make_deployment
from planner.errors import CalibrationError
from planner.perf import PerfModel
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


def verify_dtype(profile: CalibrationProfile, models: dict[str, dict[str, Any]],
                 catalog: Catalog | None = None) -> str:
    """The precision the verification models must run in: the deployment's 16-bit format on this device."""
    catalog = catalog or Catalog.load()
    gpu = gpu_for(profile, catalog)
    from planner.compat import default_quant

    quants = {default_quant(parse_hf_config(cfg, name, where=name), gpu) for name, cfg in models.items()}
    if len(quants) != 1 or not quants <= {"bf16", "fp16"}:
        raise CalibrationError("verification models must all be 16-bit checkpoints of one precision",
                               value=sorted(quants), hint="pass unquantized bf16 or fp16 configs")
    return quants.pop()
