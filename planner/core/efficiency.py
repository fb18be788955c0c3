"""Which efficiencies a deployment's performance model uses: its runtime profile's constants, or those
measured by a calibration profile of its GPU. Pure: profiles arrive already loaded."""

from __future__ import annotations

from planner.core import formats as _quant
from planner.errors import SpecError
from planner.specs.calibration import CalibrationProfile, CurveDtype, GemmCurve
from planner.specs.deployment import Deployment
from planner.specs.efficiency import Efficiency


def default_efficiency(dep: Deployment) -> Efficiency:
    """Efficiencies from the runtime profile, with the GPU architecture's overrides applied."""
    perf = dep.runtime.perf_for(dep.gpu.architecture)
    return Efficiency(**perf.model_dump(), source=f"defaults of runtime profile {dep.runtime.id} {dep.runtime.version}")


def efficiency_for(dep: Deployment, profile: CalibrationProfile | None) -> Efficiency:
    """The efficiencies of `dep`: measured ones when a calibration profile of its GPU is given, else defaults."""
    if profile is None:
        return default_efficiency(dep)
    return efficiency_from_profile(dep, profile)


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
    the measured eager expert-loop efficiency `moe_gemm_efficiency_factor`.

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
        "gemm_compute_efficiency": curve.max_efficiency, "gemm_half_efficiency_tokens": curve.half_rows,
        "gemm_curve": curve.points, "weight_bw_efficiency": fitted.weight_bw, "kv_bw_efficiency": fitted.kv_bw,
        "attention_compute_efficiency": fitted.attention_compute,
    }
    if not dep.runtime.features.cuda_graphs:
        update.update(_eager_overheads(dep, profile))
    if fitted.allreduce is not None and fitted.allreduce.bw_fraction is not None:
        update["allreduce_bw_efficiency"] = fitted.allreduce.bw_fraction
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
        out["moe_gemm_efficiency_factor"] = fitted.moe_factor
    return out
