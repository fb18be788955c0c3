"""`planner check`: does a new checkpoint still fit and meet the SLO on the deployment of a baseline plan?

A baseline is the JSON report of `planner recommend -o plan.json`. The check re-plans the new
checkpoint with the baseline's traffic, SLO and constraints (each overridable), predicts how the
baseline deployment (same GPU, GPUs per replica, runtime, precision, replicas, max_num_seqs)
serves it, and compares: model changes, their effect on memory and latency, and the cost of the
new cheapest plan. Each regression is stated in words; `CheckResult.passed` is the CI verdict.

Reading files happens in `planner.io.plans`; `check` itself only computes.
"""

from __future__ import annotations

import math
from typing import Any

from planner.core.compat import default_quant, incompatibilities, make_deployment
from planner.core.memory import MemoryBreakdown, memory_breakdown
from planner.errors import SpecError
from planner.io.catalog import Catalog
from planner.io.parallel import ForkMap
from planner.plan import Assessment, assess, plan
from planner.specs.check import (
    Change,
    CheckInputs,
    CheckResult,
    CostComparison,
    DeploymentCheck,
    Regression,
)
from planner.specs.hardware import Gpu
from planner.specs.message import Message
from planner.specs.model import ModelSpec
from planner.specs.report import CandidateSummary, ModelSummary, Report
from planner.specs.runtime import KvDtype, Quant, Runtime
from planner.specs.workload import Slo, Workload

LATENCY_WARN_RATIO = 0.10
"""A latency at the baseline deployment that grows by more than this (but still meets the SLO) is a warning."""


def check_inputs(baseline: Report, model: ModelSpec, catalog: Catalog, *, rps: float | None = None,
                 slo: Slo | None = None, headroom: float | None = None, gpus: tuple[str, ...] = (),
                 runtimes: tuple[str, ...] = (), quants: tuple[str, ...] = (), kv_dtypes: tuple[str, ...] = (),
                 seed: int | None = None) -> CheckInputs:
    """The baseline's inputs with overrides applied (flags win), adapted to the new checkpoint.

    A pre-quantized checkpoint is re-planned in its own format when the baseline's precision constraint
    excludes it; length caps shrink to a shorter context.
    """
    base = baseline.inputs
    notes: list[str] = []
    workload = base.workload
    if rps is not None and rps != workload.rps:
        notes.append(f"RPS {rps:g} (baseline {workload.rps:g})")
        workload = workload.model_copy(update={"rps": rps})
    limit = model.max_position_embeddings
    caps = {"input_tokens": limit - 1, "output_tokens": limit}
    for name, cap in caps.items():
        dist = getattr(workload, name)
        if dist.max_tokens is not None and dist.max_tokens > cap:
            workload = workload.model_copy(update={name: dist.model_copy(update={"max_tokens": cap})})
    if slo is not None and slo.targets:
        notes.append("SLO " + ", ".join(t.describe() for t in slo.targets) + " (overrides the baseline's)")
    update: dict[str, Any] = {}
    if headroom is not None:
        update["headroom"] = headroom
    if gpus:
        update["gpus"] = tuple(dict.fromkeys(catalog.gpu(g, "--gpus").id for g in gpus))
    if runtimes:
        update["runtimes"] = tuple(dict.fromkeys(catalog.runtime(r, "--runtimes").id for r in runtimes))
    if kv_dtypes:
        update["kv_dtypes"] = tuple(dict.fromkeys(kv_dtypes))
    if quants:
        update["quants"] = tuple(dict.fromkeys(quants))
    elif model.quantization is not None and base.constraints.quants \
            and model.quantization.format not in base.constraints.quants:
        update["quants"] = ()
        notes.append(f"the checkpoint ships {model.quantization.format} weights: re-planned in that format, not the "
                     f"baseline's {', '.join(base.constraints.quants)}")
    constraints = base.constraints.model_copy(update=update)
    return CheckInputs(workload=workload, slo=slo if slo is not None and slo.targets else base.slo,
                       constraints=constraints, seed=baseline.seed if seed is None else seed, notes=tuple(notes))


# ---------------------------------------------------------------- the check


def check(baseline: Report, model: ModelSpec, catalog: Catalog, inputs: CheckInputs | None = None, *,
          model_ref: str | None = None, max_cost_increase: float | None = None,
          sim_requests: int = 1200) -> CheckResult:
    """Compare a new checkpoint with a baseline plan.

    Args:
        baseline: The baseline report (its recommendation is the deployment in production).
        model: The new checkpoint.
        catalog: GPUs and runtimes (the baseline's GPU and runtime must be in it).
        inputs: Traffic, SLO and constraints (default: the baseline's, see `check_inputs`).
        model_ref: How launch commands name the checkpoint.
        max_cost_increase: Largest allowed growth of the cheapest plan's monthly cost, as a fraction
            (None: reported, not gated).
        sim_requests: Requests per simulation.

    Returns:
        The result; `passed` is False when any regression was found.

    Raises:
        SpecError: The baseline has no recommendation, or names a GPU or runtime the catalog lacks.
    """
    rec0 = baseline.recommendation
    if rec0 is None:
        raise SpecError("the baseline plan has no recommendation to compare against", where="--baseline",
                        hint="re-run `planner recommend ... -o plan.json` until it recommends a deployment")
    inputs = inputs or check_inputs(baseline, model, catalog)
    gpu = _known(catalog.gpus, rec0.gpu, "GPU", "planner gpus")
    runtime = _known(catalog.runtimes, rec0.runtime, "runtime", "planner runtimes")
    quant, kv_dtype, notes = _precision(baseline, model, gpu, rec0)
    notes = [*inputs.notes, *notes]
    c, w = inputs.constraints, inputs.workload
    ref = model_ref or model.name
    new = plan(model, w, inputs.slo, *catalog.select(c), c, model_ref=ref, seed=inputs.seed,
               sim_requests=sim_requests, calibrations=catalog.calibrations, map_fn=ForkMap())
    found = assess(model, w, inputs.slo, gpu, runtime, tp_size=rec0.tp_size, pp_size=rec0.pp_size, quant=quant,
                   kv_dtype=kv_dtype, replicas=rec0.replicas, max_num_seqs=rec0.max_num_seqs, constraints=c,
                   model_ref=ref, seed=inputs.seed, sim_requests=sim_requests, calibrations=catalog.calibrations)
    mem = _memory(model, gpu, runtime, rec0, quant, kv_dtype, w)
    load = (w.rps or 0.0) * (1 + c.headroom)
    deployment = DeploymentCheck(
        label=rec0.label, quant=quant, kv_dtype=kv_dtype, load_rps=load, fits=found.fits, reason=found.reason,
        meets_slo=found.fits and found.meets_slo, overloaded=found.overloaded, misses=list(found.misses),
        weights_bytes_per_gpu=mem.weights_bytes_per_gpu if mem else None,
        needed_bytes_per_gpu=mem.needed_bytes if mem else None, gpu_memory_bytes=gpu.memory_bytes,
        predicted=found.candidate)
    cost = _cost(rec0, new.recommendation, max_cost_increase)
    regressions = _regressions(deployment, found, new, cost, load)
    warnings = _warnings(baseline, deployment, cost, new.recommendation, runtime)
    return CheckResult(
        passed=not regressions, regressions=regressions, baseline_model=baseline.model, model=new.model,
        model_changes=model_changes(baseline.model, new.model),
        effects=_effects(rec0, deployment, baseline.model, new.model, inputs.slo),
        baseline=rec0, baseline_deployment=deployment, recommendation=new.recommendation,
        suggestions=list(new.suggestions), cost=cost, workload=new.workload, slo=new.slo, headroom=c.headroom,
        seed=inputs.seed, warnings=warnings, notes=notes + [a for a in new.assumptions if "replicas sized" in a])


def _known(items: dict[str, Any], key: str, kind: str, command: str) -> Any:
    if key not in items:
        raise SpecError(f"the baseline's {kind} is not in the catalog", where="--baseline: recommendation",
                        value=key, hint=f"`{command}` lists the known ones; pass --hardware-db / profiles that have it")
    return items[key]


def _precision(baseline: Report, model: ModelSpec, gpu: Gpu, rec0: CandidateSummary) -> tuple[Quant, KvDtype, list[str]]:
    """Weight and KV precision to assess the baseline deployment at: the baseline's, unless the checkpoint's
    own format changed and the baseline simply served the checkpoint as shipped."""
    quant, kv = rec0.quant, rec0.kv_dtype
    ckpt = model.quantization.format if model.quantization else None
    old_ckpt = baseline.model.checkpoint_quant
    if ckpt is not None and ckpt != quant:
        return ckpt, kv, [(f"the baseline deployment is assessed with the checkpoint's {ckpt} weights "
                           f"(the baseline served {quant})")]
    if ckpt is None and old_ckpt is not None and old_ckpt == quant:
        native = default_quant(model, gpu)
        return native, kv, [(f"the new checkpoint is not quantized: the baseline deployment is assessed with "
                             f"{native} weights (the baseline served the {old_ckpt} checkpoint)")]
    return quant, kv, []


def _memory(model: ModelSpec, gpu: Gpu, runtime: Runtime, rec0: CandidateSummary, quant: Quant, kv: KvDtype,
            workload: Workload) -> MemoryBreakdown | None:
    """Per-GPU memory of the new checkpoint on the baseline deployment (also when it does not fit)."""
    if incompatibilities(model, gpu, runtime, tp_size=rec0.tp_size, pp_size=rec0.pp_size, quant=quant, kv_dtype=kv):
        return None
    max_len = min(model.max_position_embeddings,
                  workload.input_tokens.upper_tokens() + workload.output_tokens.upper_tokens())
    dep = make_deployment(model, gpu, runtime, tp_size=rec0.tp_size, pp_size=rec0.pp_size, quant=quant, kv_dtype=kv,
                          max_num_seqs=rec0.max_num_seqs, max_model_len=max_len)
    return memory_breakdown(dep, max_len)


def _ratio(before: Any, after: Any) -> float | None:
    if isinstance(before, (int, float)) and isinstance(after, (int, float)) and before and \
            not isinstance(before, bool) and math.isfinite(before) and math.isfinite(after):
        return after / before - 1
    return None


def _change(key: str, label: str, before: Any, after: Any) -> Change:
    return Change(key=key, label=label, before=before, after=after, change_ratio=_ratio(before, after))


MODEL_FIELDS = (
    ("params_total", "parameters"), ("params_active", "active parameters"), ("num_layers", "layers"),
    ("hidden_size", "hidden size"), ("vocab_size", "vocabulary"), ("max_position_embeddings", "context length"),
    ("kv_bytes_per_token", "KV bytes per token (16-bit)"), ("checkpoint_quant", "checkpoint quantization"),
    ("dtype", "weight dtype"), ("family", "architecture family"),
)
"""ModelSummary fields compared, with their labels."""


def model_changes(before: ModelSummary, after: ModelSummary) -> list[Change]:
    """The architecture and precision fields that differ between two model summaries."""
    out = []
    for key, label in MODEL_FIELDS:
        a, b = getattr(before, key), getattr(after, key)
        if key == "params_active" and before.params_active == before.params_total \
                and after.params_active == after.params_total:
            continue  # dense models: the same as params_total
        if a != b:
            out.append(_change(key, label, a, b))
    return out


def _effects(rec0: CandidateSummary, dep: DeploymentCheck, m0: ModelSummary, m1: ModelSummary,
             slo: Slo) -> list[Change]:
    new = dep.predicted
    out = [_change("weights_bytes_per_gpu", "weights per GPU", rec0.memory.weights_bytes_per_gpu,
                   dep.weights_bytes_per_gpu),
           _change("kv_capacity_tokens", "KV cache capacity, tokens", rec0.memory.kv_capacity_tokens,
                   new.memory.kv_capacity_tokens if new else (0 if dep.weights_bytes_per_gpu is not None else None))]
    keys = ["ttft_p95_s", "tpot_p95_s", "e2e_p95_s"] + [t.key for t in slo.targets]
    for key in dict.fromkeys(k for k in keys if k in CandidateSummary.model_fields):  # no p90 in the summary
        metric, pct = key[:-2].split("_p")
        out.append(_change(key, f"{metric.upper()} p{pct}", getattr(rec0, key), getattr(new, key) if new else None))
    return out


def _cost(rec0: CandidateSummary, rec1: CandidateSummary | None, limit: float | None) -> CostComparison:
    before = rec0.cost_usd_per_month
    after = rec1.cost_usd_per_month if rec1 else None
    return CostComparison(baseline_usd_per_month=before, new_usd_per_month=after, change_ratio=_ratio(before, after),
                          max_increase_ratio=limit)


def cost_line(cost: CostComparison) -> Message:
    """`cheapest plan costs +35% ($577 -> $779/month)`."""
    if cost.change_ratio is None or cost.baseline_usd_per_month is None or cost.new_usd_per_month is None:
        return Message.of("cost not compared (no price or no plan)")
    return Message.of("cheapest plan costs {change} ({baseline_usd_per_month} -> {new_usd_per_month}/month)",
                      change=f"{100 * cost.change_ratio:+.0f}%", baseline_usd_per_month=cost.baseline_usd_per_month,
                      new_usd_per_month=cost.new_usd_per_month)


def _regressions(dep: DeploymentCheck, found: Assessment, new: Report, cost: CostComparison,
                 load: float) -> list[Regression]:
    out: list[Regression] = []
    if not dep.fits:
        reason = dep.reason or Message.of("unknown reason")
        if found.oom:
            out.append(Regression(kind="oom", message=Message.of("baseline deployment no longer fits: {reason}",
                                                                 reason=reason)))
        else:
            out.append(Regression(kind="incompatible", message=Message.of(
                "baseline deployment cannot serve the new checkpoint: {reason}", reason=reason)))
    if found.overloaded:  # the queue grows without bound: no percentile is meaningful
        out.append(Regression(kind="slo", message=Message.of(
            "the baseline {deployment} is overloaded at {rps} RPS in all: requests queue without bound",
            deployment=dep.label, rps=f"{load:g}")))
    else:
        for miss in dep.misses:
            out.append(Regression(kind="slo", message=Message.of("{miss} at {rps} RPS with the baseline {deployment}",
                                                                 miss=miss, rps=f"{load:g}", deployment=dep.label)))
    if new.recommendation is None:
        if new.suggestions:
            message = Message.of("no deployment of the new checkpoint meets the SLO: {hint}", hint=new.suggestions[0])
        else:
            message = Message.of("no deployment of the new checkpoint meets the SLO")
        out.append(Regression(kind="infeasible", message=message))
    elif cost.max_increase_ratio is not None and cost.change_ratio is not None \
            and cost.change_ratio > cost.max_increase_ratio + 1e-9:
        out.append(Regression(kind="cost", message=Message.of("{cost}, over the {allowed} allowed", cost=cost_line(cost),
                                                              allowed=f"{100 * cost.max_increase_ratio:g}%")))
    return out


def _warnings(baseline: Report, dep: DeploymentCheck, cost: CostComparison, rec1: CandidateSummary | None,
              runtime: Runtime) -> list[Message]:
    rec0 = baseline.recommendation
    assert rec0 is not None
    out: list[Message] = []
    new = dep.predicted
    if new is not None and dep.meets_slo:
        for key in ("ttft_p95_s", "tpot_p95_s", "e2e_p95_s"):
            a, b = getattr(rec0, key), getattr(new, key)
            if a > 0 and b / a - 1 > LATENCY_WARN_RATIO:
                metric, pct = key[:-2].split("_p")
                out.append(Message.of("{metric} p{percentile} {change} at the baseline deployment ({before_s} -> "
                                      "{after_s}), still within the SLO", metric=metric.upper(), percentile=pct,
                                      change=f"{100 * (b / a - 1):+.0f}%", before_s=a, after_s=b))
        if new.price and rec0.price and new.price.price_usd_per_gpu_hour != rec0.price.price_usd_per_gpu_hour:
            out.append(Message.of("the {gpu} price changed since the baseline ({before_usd_per_gpu_hour} -> "
                                  "{after_usd_per_gpu_hour}/GPU-hour)", gpu=rec0.gpu,
                                  before_usd_per_gpu_hour=rec0.price.price_usd_per_gpu_hour,
                                  after_usd_per_gpu_hour=new.price.price_usd_per_gpu_hour))
    if cost.change_ratio is not None and cost.change_ratio > 1e-9 and (
            cost.max_increase_ratio is None or cost.change_ratio <= cost.max_increase_ratio + 1e-9):
        limit = "no --max-cost-increase set" if cost.max_increase_ratio is None else \
            f"within the {100 * cost.max_increase_ratio:g}% allowed"
        out.append(Message.of("{cost}, {limit}", cost=cost_line(cost), limit=limit))
    if runtime.version != rec0.runtime_version:
        out.append(Message.of("the {runtime} profile is now {version} (the baseline was planned with {baseline})",
                              runtime=runtime.id, version=runtime.version, baseline=rec0.runtime_version))
    if rec1 is not None and dep.meets_slo and rec1.label != rec0.label and cost.change_ratio is not None \
            and cost.change_ratio < -0.05:
        out.append(Message.of("a cheaper deployment now meets the SLO: {deployment}, {cost}", deployment=rec1.label,
                              cost=cost_line(cost)))
    return out
