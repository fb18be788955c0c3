"""`planner recommend` and the check of one fixed deployment: the core's search results as a `Report`.

Pure like the core (no I/O): the catalog's data and calibrations come in as arguments.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import cast

from pydantic import Field

from planner.core.arch import count_params, kv_bytes_per_token
from planner.core.candidates import Candidate, Evaluation, Search, SimDelta, oom_message, stat
from planner.core.capacity import capacity, launch_context
from planner.core.compat import incompatibilities, make_deployment
from planner.core.cost import HOURS_PER_MONTH, Cost, cost, pick_price
from planner.core.disagg_search import disagg_search
from planner.core.efficiency import efficiency_for
from planner.core.memory import memory_breakdown
from planner.core.perf import PerfModel
from planner.core.search import Mapper, SearchResult, search, serial_map
from planner.deploy.launch import launch
from planner.specs._base import Frozen
from planner.specs.calibration import CalibrationProfile
from planner.specs.deployment import Deployment
from planner.specs.hardware import Gpu
from planner.specs.message import Message
from planner.specs.model import ModelSpec
from planner.specs.report import (
    CandidatePoint,
    CandidateSummary,
    LengthSummary,
    LoadPoint,
    MemorySummary,
    ModelSummary,
    PlanInputs,
    PriceSummary,
    Report,
    SloSummary,
    WorkloadSummary,
)
from planner.specs.runtime import KvDtype, Quant, Runtime
from planner.specs.uncertainty import Band, UncertaintyTable
from planner.specs.workload import Confidence, Constraints, LengthDistribution, Slo, Workload

CURVE_FRACTIONS = (0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0)
"""Load-curve points, as fractions of the per-replica rate the replicas were sized for."""
CURVED_ALTERNATIVES = 3
"""Alternatives that get a load curve besides the recommendation when a caller asks for them (`--plot`)."""


def plan(model: ModelSpec, workload: Workload, slo: Slo, gpus: Sequence[Gpu], runtimes: Sequence[Runtime],
         constraints: Constraints | None = None, *, model_ref: str | None = None, seed: int = 0,
         sim_requests: int = 1000, calibrations: Mapping[str, CalibrationProfile] | None = None,
         uncertainty: UncertaintyTable | None = None, assumptions: Sequence[str] = (),
         map_fn: Mapper = serial_map, curved_alternatives: int = 0) -> Report:
    """Find the cheapest deployment of `model` serving `workload` within `slo`.

    Args:
        model: The model.
        workload: Traffic; `workload.rps` must be set.
        slo: Latency targets (may be empty: then only capacity decides).
        gpus: GPUs to consider (already filtered by the caller's constraints).
        runtimes: Runtimes to consider.
        constraints: Precision, replica, budget and headroom rules.
        model_ref: What the user passed for the model (for launch commands).
        seed: Seed of every simulation.
        sim_requests: Requests per simulation of the recommendation.
        calibrations: Measured calibration profile per GPU id (the catalog's), else runtime defaults.
        uncertainty: Error bands of the predictions (the catalog's), attached to every candidate and used by
            `constraints.confidence == "high"`.
        assumptions: Input interpretations to record in the report.
        map_fn: Runs the search's independent pieces (alternative groups, report summaries), e.g. on several
            cores; the report does not depend on it.
        curved_alternatives: How many of the best alternatives also get a load curve (7 more simulations each;
            the recommendation always has one), e.g. `CURVED_ALTERNATIVES` for the plots.

    Returns:
        The report; `recommendation` is None when nothing meets the SLOs (see `suggestions`).
    """
    constraints = constraints or Constraints()
    if workload.rps is None:
        raise ValueError("plan() needs workload.rps")
    max_len = launch_context(model, workload)
    ref = model_ref or model.name

    alt_requests = max(200, sim_requests // 2)

    def summary(s: Search, ev: Evaluation, recommended: bool) -> CandidateSummary:
        if recommended:
            return _summary(s, ev, ref, sim_requests, curve=True, both_confidences=True)
        return _summary(s, ev, ref, alt_requests, curve=False)

    found = search(model, workload, slo, gpus, runtimes, constraints, calibrations=calibrations or {}, seed=seed,
                   sim_requests=sim_requests, max_len=max_len, uncertainty=uncertainty, map_fn=map_fn,
                   beside=summary)
    disagg_notes = disagg_search(found)
    s = found.search
    warnings: list[str] = list(model.warnings)
    longest = workload.input_tokens.upper_tokens() + workload.output_tokens.upper_tokens()
    if longest > model.max_position_embeddings:
        warnings.append(f"longest requests ({longest:,} tokens) exceed the model context "
                        f"({model.max_position_embeddings:,}); planned at the model context")
    unpriced = [g.id for g in gpus if pick_price(g, constraints.price_kind, constraints.providers) is None]
    if unpriced:
        warnings.append(f"no {constraints.price_kind.replace('_', '-')} price"
                        + (f" at {', '.join(constraints.providers)}" if constraints.providers else "")
                        + f" for {', '.join(unpriced)}; their deployments rank after priced ones")
    passing = found.passing
    shown = [ev for ev in passing[1:]
             if any(found.best_by.get(k) is ev for k in (f"gpu:{ev.cand.dep.gpu.id}", f"runtime:{ev.cand.dep.runtime.id}"))]
    # Most summaries were made beside the search (`search(beside=...)`); the others (an alternative the last stage
    # found, one with a load curve) are made now. Only the simulations of the summaries used are counted.
    made = {(id(b.evaluation), b.recommended): b for b in found.beside}
    jobs = ([(passing[0], sim_requests, True, True)] if passing else []) + [
        (ev, alt_requests, i < curved_alternatives, False) for i, ev in enumerate(shown)]
    todo = [i for i, (ev, _, curve, both) in enumerate(jobs)
            if (curve and not both) or (id(ev), both) not in made]  # an alternative's curve is never made beside

    def summarise(job: tuple[Evaluation, int, bool, bool]) -> tuple[CandidateSummary, SimDelta]:
        ev, requests, curve, both = job
        return s.detached(lambda: _summary(s, ev, ref, requests, curve=curve, both_confidences=both))

    fresh = dict(zip(todo, map_fn(summarise, [jobs[i] for i in todo])))  # independent (each its own candidate)
    summaries: list[CandidateSummary] = []
    for i, job in enumerate(jobs):
        if i in fresh:
            value, delta = fresh[i]
        else:
            b = made[(id(job[0]), job[3])]
            value, delta = cast(CandidateSummary, b.value), b.delta
        s.absorb(delta)
        summaries.append(value)
    recommendation = summaries[0] if passing else None
    alternatives = summaries[1:] if passing else []
    if passing and passing[0].cand.dep.quant not in ("bf16", "fp16") and model.quantization is None:
        warnings.append("the recommendation quantizes the weights: check output quality on your evals first")
    short, full = s.trial_lengths()
    compact = workload.model_copy(update={"input_tokens": workload.input_tokens.compact(),
                                          "output_tokens": workload.output_tokens.compact()})
    counts = count_params(model)
    return Report(
        inputs=PlanInputs(workload=compact, slo=slo, constraints=constraints),
        model=ModelSummary(
            name=model.name, ref=ref, family=model.family, params_total=counts.total, params_active=counts.active,
            num_layers=model.num_layers, hidden_size=model.hidden_size, vocab_size=model.vocab_size,
            max_position_embeddings=model.max_position_embeddings, kv_bytes_per_token=kv_bytes_per_token(model, 2.0),
            checkpoint_quant=model.quantization.format if model.quantization else None, dtype=model.dtype),
        workload=WorkloadSummary(rps=workload.rps, arrival=workload.arrival, burstiness_cv=workload.burstiness_cv,
                                 input_tokens=_lengths(workload.input_tokens),
                                 output_tokens=_lengths(workload.output_tokens),
                                 prefix_cache_share=workload.prefix_cache_share),
        slo=[SloSummary(key=t.key, limit_s=t.limit_s, description=t.describe(), origin=t.origin)
             for t in slo.targets],
        headroom=constraints.headroom, seed=seed, recommendation=recommendation, alternatives=alternatives,
        rejected=found.rejections,
        suggestions=[] if recommendation else suggestions(found),
        assumptions=[*slo.notes, *assumptions,
                     f"replicas sized so every SLO holds at {100 * (1 + constraints.headroom):.0f}% of "
                     f"{workload.rps:g} RPS; latencies reported at {workload.rps:g} RPS",
                     f"{workload.arrival} arrivals" + (f" (CV {workload.burstiness_cv:g})"
                                                        if workload.arrival == "gamma" else "")
                     + f"; seed {seed}; replica counts decided by runs of {short} requests ({full} near a limit), "
                     f"the recommendation reported from {sim_requests} and alternatives from {alt_requests}",
                     *speculation_notes(found),
                     *dp_ep_notes(found), *disagg_notes,
                     f"{len(found.candidates)} deployments passed the memory and latency-floor checks; {s.simulated} "
                     f"simulations; {found.unexplored} deployments were not simulated because their lowest possible "
                     "cost exceeds a passing alternative"],
        warnings=warnings, candidates_evaluated=len(found.candidates), candidates_simulated=s.simulated,
        simulated=[_point(ev) for ev in found.evaluations],
    )


def speculation_notes(found: SearchResult) -> list[str]:
    """Why speculative decoding was chosen or not, in words (empty when the search tried none)."""
    drafted = [c for c in found.candidates if c.dep.speculative is not None]
    if not drafted:
        return []
    spec = drafted[0].dep.speculative
    assert spec is not None
    what = (f"speculative decoding ({spec.method}, {spec.num_speculative_tokens} draft token per step, acceptance rate "
            f"{spec.acceptance_rate:g} -> {spec.tokens_per_step:.2f} tokens per verify step; "
            f"{spec.acceptance_source})")
    passing = found.passing
    with_spec = [ev for ev in passing if ev.cand.dep.speculative is not None]
    without = [ev for ev in passing if ev.cand.dep.speculative is None]

    def plan_of(ev: Evaluation) -> str:
        price = f", ${ev.cost_per_hour * HOURS_PER_MONTH:,.0f}/month" if math.isfinite(ev.cost_per_hour) else ""
        return (f"{ev.replicas} x ({ev.cand.dep.label()}){price}, TPOT p95 "
                f"{1e3 * ev.at_load.tpot.p95_s:.1f} ms")

    if passing and passing[0].cand.dep.speculative is not None:
        if without:
            rival = f"; without it the cheapest plan is {plan_of(without[0])}"
        else:
            plain = [c for c in found.candidates if c.dep.speculative is None]
            failed = [ev for ev in found.evaluations if not ev.passed and ev.cand.dep.speculative is None]
            bound = min((c.cost_lb for c in plain), default=math.inf)
            rival = "; without it " + ("the simulated plans miss the SLOs" if failed else
                                       "the capacity bound alone rules it out" if plain else "nothing fits")
            if math.isfinite(bound):
                rival += f" (at least ${bound * HOURS_PER_MONTH:,.0f}/month)"
        return [f"{what}: chosen, {plan_of(passing[0])}{rival}"]
    if with_spec and passing:
        best = with_spec[0]
        why = "it needs no fewer GPUs, so the deployment without a draft is kept" \
            if best.cost_per_hour <= passing[0].cost_per_hour or best.replicas * best.cand.dep.num_gpus <= \
            passing[0].replicas * passing[0].cand.dep.num_gpus else \
            "it needs more GPUs: at this load the verify passes (K + 1 rows per sequence) and the draft cost more " \
            "than the decode steps they save"
        return [f"{what}: considered, not chosen: its cheapest plan is {plan_of(best)} against {plan_of(passing[0])}; "
                f"{why}"]
    simulated = {id(ev.cand) for ev in found.evaluations}
    if not any(id(c) in simulated for c in drafted):
        return [f"{what}: considered, not simulated: its lowest possible cost is no better than the recommendation"]
    return [f"{what}: considered, no plan with it meets the SLOs"]


def _lengths(dist: LengthDistribution) -> LengthSummary:
    return LengthSummary(description=dist.describe(), mean_tokens=dist.expected(), p50_tokens=dist.quantile(0.5),
                         p95_tokens=dist.quantile(0.95), p99_tokens=dist.quantile(0.99),
                         max_tokens=float(dist.upper_tokens()))


def _point(ev: Evaluation) -> CandidatePoint:
    dep = ev.cand.dep
    month = ev.cost_per_hour * HOURS_PER_MONTH
    return CandidatePoint(label=f"{ev.replicas} x ({dep.label()})", gpu=dep.gpu.id, runtime=dep.runtime.id,
                          quant=dep.quant, replicas=ev.replicas, total_gpus=ev.replicas * dep.num_gpus,
                          cost_usd_per_month=month if math.isfinite(month) else None,
                          ttft_p95_s=ev.at_load.ttft.p95_s, tpot_p95_s=ev.at_load.tpot.p95_s, meets_slo=ev.passed)


def load_curve(s: Search, cand: Candidate, design_rps_per_replica: float,
               fractions: Sequence[float] = CURVE_FRACTIONS) -> list[LoadPoint]:
    """One replica's latency at fractions of its design rate (short runs of a third of `sim_requests`)."""
    n = max(200, s.sim_requests // 3)
    points = []
    for f in fractions:
        rps = design_rps_per_replica * f
        r = s.simulate(cand, 1, rps, n)
        misses = [t for t in s.slo.targets if not stat(r, t.metric).at(t.percentile) <= t.limit_s]
        points.append(LoadPoint(rps_per_replica=rps, ttft_p50_s=r.ttft.p50_s, ttft_p95_s=r.ttft.p95_s,
                                ttft_p99_s=r.ttft.p99_s, tpot_p50_s=r.tpot.p50_s, tpot_p95_s=r.tpot.p95_s,
                                tpot_p99_s=r.tpot.p99_s, itl_p95_s=r.itl.p95_s, itl_p99_s=r.itl.p99_s,
                                e2e_p95_s=r.e2e.p95_s, stable=r.stable,
                                meets_slo=r.stable and not misses))
    return points


def capacity_knee(curve: Sequence[LoadPoint], slo: Slo) -> dict[str, float]:
    """Per SLO key, the highest rate per replica at which it holds: the last holding curve point, interpolated
    (log-linear in the metric) towards the first point that misses."""
    out: dict[str, float] = {}
    for target in slo.targets:
        key = f"{target.metric}_p{target.percentile}_s"
        values = [(p.rps_per_replica, _curve_value(p, key) if p.stable else math.inf) for p in curve]
        best = 0.0
        for (r0, v0), (r1, v1) in zip([(0.0, 0.0), *values], values):
            if v1 <= target.limit_s:
                best = r1
                continue
            if v0 <= target.limit_s and math.isfinite(v1) and v1 > v0 > 0:
                t = (math.log(target.limit_s) - math.log(v0)) / (math.log(v1) - math.log(v0))
                best = r0 + t * (r1 - r0)
            elif v0 <= target.limit_s:
                best = r0
            break
        if best > 0:
            out[key] = best
    return out


def _curve_value(point: LoadPoint, key: str) -> float:
    value = getattr(point, key, None)
    if value is None:  # p90 and the like are not on the curve: the nearest higher percentile bounds it
        metric = key.split("_p")[0]
        value = getattr(point, f"{metric}_p95_s", None) or getattr(point, f"{metric}_p99_s")
    return float(value)


def _bands(s: Search, cand: Candidate) -> dict[str, Band]:
    """The error bands of a candidate's runtime under load, per metric."""
    if s.uncertainty is None:
        return {}
    out: dict[str, Band] = {}
    for metric in ("ttft", "tpot", "itl", "e2e", "throughput"):
        band = s.uncertainty.band(cand.dep.runtime.id, metric, "load")
        if band is not None:
            out[metric] = band
    return out


def _replicas_by_confidence(s: Search, ev: Evaluation) -> dict[str, int | None]:
    """The recommended deployment's replica count at both confidences (the other one evaluated afresh)."""
    out: dict[str, int | None] = {s.confidence: ev.replicas}
    if s.uncertainty is not None and ev.passed:
        flipped: Confidence = "high" if s.confidence == "typical" else "typical"
        other = s.evaluate(ev.cand, confidence=flipped)
        out[flipped] = other.replicas if other.passed else None
    return out


def _summary(s: Search, ev: Evaluation, model_ref: str, requests: int, *, curve: bool,
             both_confidences: bool = False) -> CandidateSummary:
    cand, dep = ev.cand, ev.cand.dep
    rps = s.workload.rps or 0.0
    target = s.simulate(cand, ev.replicas, rps, requests)
    c: Cost | None = None
    if cand.price is not None:
        c = cost(cand.price, ev.replicas * dep.num_gpus, target.requests_per_s * ev.replicas,
                 0.0 if dep.model.encoder_only else s.workload.output_tokens.expected(),
                 s.workload.input_tokens.expected())
    m, price = cand.mem, cand.price
    points = load_curve(s, cand, s.load_rps / ev.replicas) if curve else []
    return CandidateSummary(
        label=f"{ev.replicas} x ({dep.label()})", gpu=dep.gpu.id, gpu_name=dep.gpu.name, runtime=dep.runtime.id,
        runtime_version=dep.runtime.version, quant=dep.quant, kv_dtype=dep.kv_dtype, tp_size=dep.tp_size,
        pp_size=dep.pp_size, dp_size=dep.dp_size, ep_size=dep.ep_size, gpus_per_replica=dep.num_gpus,
        replicas=ev.replicas,
        total_gpus=ev.replicas * dep.num_gpus, max_num_seqs=dep.max_num_seqs,
        max_num_batched_tokens=dep.max_num_batched_tokens, max_model_len=dep.max_model_len, speculative=dep.speculative,
        disagg=dep.disagg, meets_slo=ev.passed,
        ttft_p50_s=target.ttft.p50_s, ttft_p95_s=target.ttft.p95_s, ttft_p99_s=target.ttft.p99_s,
        tpot_p50_s=target.tpot.p50_s, tpot_p95_s=target.tpot.p95_s, tpot_p99_s=target.tpot.p99_s,
        itl_p50_s=target.itl.p50_s, itl_p95_s=target.itl.p95_s, itl_p99_s=target.itl.p99_s,
        e2e_p50_s=target.e2e.p50_s, e2e_p95_s=target.e2e.p95_s, e2e_p99_s=target.e2e.p99_s,
        queue_p95_s=target.queue.p95_s, output_tokens_per_s=target.output_tokens_per_s * ev.replicas,
        requests_per_s_capacity=s.load_rps, utilization=min(1.0, rps / ev.replicas / cand.rps_max),
        kv_utilization=target.kv_utilization, concurrency_per_replica=target.concurrency,
        cost_usd_per_hour=c.cost_usd_per_hour if c else None, cost_usd_per_month=c.cost_usd_per_month if c else None,
        cost_usd_per_1m_output_tokens=c.cost_usd_per_1m_output_tokens if c else None,
        cost_usd_per_1m_input_tokens=c.cost_usd_per_1m_input_tokens if c else None,
        cost_usd_per_request=c.cost_usd_per_request if c else None,
        price=PriceSummary(provider=price.provider, instance=price.instance, kind=price.kind,
                           price_usd_per_gpu_hour=price.price_usd_per_gpu_hour, as_of=price.as_of.isoformat(),
                           source=price.source) if price else None,
        memory=MemorySummary(gpu_memory_bytes=m.gpu_memory_bytes, usable_bytes=m.usable_bytes,
                             weights_bytes_per_gpu=m.weights_bytes_per_gpu,
                             activation_bytes_per_gpu=m.activation_bytes_per_gpu,
                             overhead_bytes_per_gpu=m.cuda_context_bytes + m.cuda_graph_bytes,
                             kv_cache_bytes_per_gpu=m.kv_cache_bytes_per_gpu, kv_capacity_tokens=m.kv_capacity_tokens),
        launch=launch(dep, model_ref), efficiency_source=cand.pm.eff.source,
        notes=list(target.notes) + list(dep.model.warnings[len(s.model.warnings):]) + ([
            f"speculative decoding: {dep.speculative.method}, {dep.speculative.num_speculative_tokens} draft token(s) "
            f"per step at acceptance rate {dep.speculative.acceptance_rate:g} ({dep.speculative.acceptance_source})"]
            if dep.speculative else []) + ([
            f"disaggregated: {dep.disagg.prefill_instances} prefill + {dep.disagg.decode_instances} decode instances "
            f"of TP{dep.disagg.prefill_tp} per replica; `launch` is one instance's base command, `planner export` "
            "renders both pools and the router"] if dep.disagg else []),
        load_curve=points, slo_capacity_rps_per_replica=capacity_knee(points, s.slo) if points else {},
        error_bands=_bands(s, cand),
        replicas_by_confidence=_replicas_by_confidence(s, ev) if both_confidences else {s.confidence: ev.replicas},
    )


def suggestions(found: SearchResult) -> list[Message]:
    """What would make an infeasible plan feasible."""
    s, out = found.search, []
    if not found.candidates:
        kinds = {kind for kind, _ in s.rejected.values()}
        if kinds <= {"incompatible", "oom"}:
            out.append(Message.of("nothing fits in memory: allow more GPUs per replica (--max-gpus-per-replica), "
                                  "larger GPUs, or a quantized precision (--quant fp8 / int4-awq)"))
        if "slo" in kinds:
            floors = [reason for kind, reason in s.rejected.values() if kind == "slo"]
            closest = min(floors, key=lambda m: len(m.template))
            out.append(Message(template="every candidate misses an SLO even with a single request in flight; loosen "
                                        "it, shorten prompts, or use faster GPUs. Closest: " + closest.template,
                               values=dict(closest.values)))
        return out
    failed = [ev for ev in found.evaluations if not ev.passed]
    budget = s.constraints.budget_usd_per_month
    passed = [ev for ev in found.evaluations if ev.passed]
    if budget is not None and passed:
        cheapest = min(passed, key=lambda ev: ev.cost_per_hour)
        out.append(Message.of("the cheapest deployment meeting the SLOs costs {cost_usd_per_month}/month "
                              "({replicas} x {deployment}); raise the budget to that",
                              cost_usd_per_month=cheapest.cost_per_hour * HOURS_PER_MONTH,
                              replicas=cheapest.replicas, deployment=cheapest.cand.dep.label()))
    for target in s.slo.targets:
        achieved = [stat(ev.at_load, target.metric).at(target.percentile) for ev in failed]
        if achieved and min(achieved) > target.limit_s:
            out.append(Message.of("{metric} p{percentile}: best achieved {achieved_s} (target {limit_s}); loosen it "
                                  "to at least that or use faster GPUs", metric=target.metric.upper(),
                                  percentile=target.percentile, achieved_s=min(achieved), limit_s=target.limit_s))
    if not out and failed:
        out.append(Message.of("more replicas did not help: the SLO is bound by single-request latency; "
                              "try a faster GPU, higher tensor parallelism, or a looser SLO"))
    return out


class Assessment(Frozen):
    """How one fixed deployment (GPU, runtime, precision, parallelism, replicas) serves a workload."""

    fits: bool
    """The model fits in memory under this deployment (and the combination is legal)."""
    reason: Message | None = None
    """Why it does not fit or cannot run."""
    oom: bool = False
    """It does not fit in memory (as opposed to a combination that cannot run)."""
    meets_slo: bool = False
    """Every SLO holds at (1 + headroom) x RPS with these replicas."""
    overloaded: bool = False
    """Arrivals exceed what the replicas serve (the queue grows without bound)."""
    misses: list[Message] = Field(default_factory=list)
    """The SLO targets missed."""
    candidate: CandidateSummary | None = None
    """Predicted latency, cost and memory at the target RPS (None when it does not fit)."""


def assess(model: ModelSpec, workload: Workload, slo: Slo, gpu: Gpu, runtime: Runtime, *, tp_size: int,
           pp_size: int, quant: Quant, kv_dtype: KvDtype, replicas: int, max_num_seqs: int | None = None,
           constraints: Constraints | None = None, model_ref: str | None = None, seed: int = 0,
           sim_requests: int = 1200, calibrations: Mapping[str, CalibrationProfile] | None = None) -> Assessment:
    """Predict how a fixed deployment serves `workload` (e.g. the baseline deployment of a new checkpoint).

    Unlike `plan`, nothing is chosen: the replica count and scheduler cap are given.
    """
    constraints = constraints or Constraints()
    reasons = incompatibilities(model, gpu, runtime, tp_size=tp_size, pp_size=pp_size, quant=quant, kv_dtype=kv_dtype)
    if reasons:
        return Assessment(fits=False, reason=Message.of("; ".join(reasons).replace("{", "(").replace("}", ")")))
    max_len = min(model.max_position_embeddings,
                  workload.input_tokens.upper_tokens() + workload.output_tokens.upper_tokens())
    s = Search(model=model, workload=workload, slo=slo, constraints=constraints, seed=seed,
               sim_requests=sim_requests, calibrations=calibrations or {}, max_len=max_len)
    dep = make_deployment(model, gpu, runtime, tp_size=tp_size, pp_size=pp_size, quant=quant, kv_dtype=kv_dtype,
                          max_num_seqs=max_num_seqs, max_model_len=max_len)
    mem = memory_breakdown(dep, max_len)
    if not mem.fits:
        return Assessment(fits=False, oom=True, reason=oom_message(mem, tp_size, pp_size, max_len))
    pm = PerfModel.build(dep, efficiency_for(dep, s.calibrations.get(gpu.id)))
    cap = capacity(dep, mem, pm, workload, slo, cap_batch=False)
    cand = Candidate(dep=cap.dep, mem=mem, pm=cap.pm,
                     price=pick_price(gpu, constraints.price_kind, constraints.providers), rps_max=cap.rps_max,
                     replicas_lb=replicas)
    ok, misses, result = s.trial(cand, replicas)
    summary = _summary(s, Evaluation(cand, replicas, ok, misses, result), model_ref or model.name, sim_requests,
                       curve=False)
    return Assessment(fits=True, meets_slo=ok, overloaded=not result.stable, misses=misses, candidate=summary)


def _layout(dep: Deployment) -> str:
    """`DP8+EP8` / `TP8` style name of a deployment's parallel layout."""
    if dep.dp_size > 1 or dep.ep_size > 1:
        return (f"TP{dep.tp_size}x" if dep.tp_size > 1 else "") + f"DP{dep.dp_size}+EP{dep.ep_size}"
    return f"TP{dep.tp_size}" + (f"xPP{dep.pp_size}" if dep.pp_size > 1 else "")


def dp_ep_notes(found: SearchResult) -> list[str]:
    """Why attention data parallelism with expert parallelism was chosen or not, in words (empty when the search
    tried none): capacity per GPU against the tensor-parallel layout of the same GPUs, and the simulated plans."""
    layered = [c for c in found.candidates if c.dep.dp_size > 1 and c.dep.speculative is None]
    if not layered:
        return []
    out = ["attention data parallelism + expert parallelism (DP+EP) tried for this MoE model: each attention rank "
           "keeps its own KV cache and batch and the experts are spread over all GPUs of the replica, at the cost of "
           "a dispatch + combine all-to-all per MoE layer and uneven expert load (stated in the runtime profile)"]
    passing = found.passing
    sims = {id(ev.cand): ev for ev in found.evaluations}
    for c in layered:
        rivals = [r for r in found.candidates if r.dep.dp_size == 1 and r.dep.speculative is None
                  and r.dep.num_gpus == c.dep.num_gpus and r.dep.gpu.id == c.dep.gpu.id
                  and r.dep.runtime.id == c.dep.runtime.id and r.dep.quant == c.dep.quant]
        name = f"{_layout(c.dep)} on {c.dep.num_gpus}x {c.dep.gpu.id} {c.dep.runtime.id}"
        if rivals:
            r = rivals[0]
            ratio = c.rps_max / r.rps_max if r.rps_max else math.inf
            text = (f"{name}: {ratio:.2f}x the capacity per GPU of {_layout(r.dep)} at this load "
                    f"({c.rps_max:.2f} against {r.rps_max:.2f} requests/s per replica, analytic bound)")
            ev, rev = sims.get(id(c)), sims.get(id(r))
            if ev is not None and rev is not None:
                text += (f"; simulated TTFT p95 {ev.at_load.ttft.p95_s:.2f} s against {rev.at_load.ttft.p95_s:.2f} s, "
                         f"TPOT p95 {1e3 * ev.at_load.tpot.p95_s:.1f} ms against {1e3 * rev.at_load.tpot.p95_s:.1f} ms")
        else:
            text = f"{name}: fits where no tensor-parallel layout of the same GPUs does"
        if passing and passing[0].cand is c:
            text += "; chosen: the cheapest plan meeting the SLOs"
        elif id(c) not in sims:
            text += "; not simulated: its lowest possible cost is no better than the recommendation"
        elif sims[id(c)].passed:
            text += "; passes the SLOs but costs no less than the recommendation"
        else:
            text += "; not chosen: it misses the SLOs (" + ", ".join(m.plain() for m in sims[id(c)].misses[:2]) + ")"
        out.append(text)
    return out
