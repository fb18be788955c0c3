"""`recommend` with prefill/decode disaggregation: P:D ratios tried on the shapes the aggregated search found.

After the aggregated search, the cheapest passing shape (GPU, runtime, precision, TP) whose runtime serves
disaggregated is tried again as P prefill + D decode instances of that TP, for each ratio of `RATIOS`; each is sized
(copies of the whole P:D deployment) by the same grow-then-bisect trials as an aggregated replica count, with short
simulations. A disaggregated plan is chosen only when it ranks before the aggregated one (cheaper, or as cheap on fewer
GPUs); the report says in words what was tried and why it won or lost.
"""

from __future__ import annotations

import math

from planner.core.arch import count_params
from planner.core.candidates import Candidate, Evaluation
from planner.core.cost import HOURS_PER_MONTH
from planner.core.disagg import with_disagg
from planner.core.iteration import decode_shape, prefill_shape
from planner.core.search import SearchResult
from planner.core.serving import max_fitting_seqs, sim_config
from planner.specs.disagg import DisaggConfig
from planner.specs.workload import Workload

RATIOS: tuple[tuple[int, int], ...] = ((1, 1), (1, 2), (1, 3), (2, 3), (1, 4), (2, 1))
"""P:D ratios tried (prefill-heavy 2:1 for long prompts, decode-heavy 1:4 for long outputs)."""
MIN_ACTIVE_PARAMS = 10e9
"""Smallest model (active parameters) disaggregation is tried for: below it one GPU serves both phases fast enough
that a KV transfer and a second pool rarely pay (a planning policy, not a measured fact)."""
MIN_AGGREGATED_GPUS = 4
"""Fewest GPUs the aggregated plan must use: disaggregation needs at least two instances, and with fewer GPUs the
split leaves each pool one small instance."""


def _plan_of(ev: Evaluation) -> str:
    price = f", ${ev.cost_per_hour * HOURS_PER_MONTH:,.0f}/month" if math.isfinite(ev.cost_per_hour) else ""
    return (f"{ev.replicas} x ({ev.cand.dep.label()}){price}, TTFT p95 {1e3 * ev.at_load.ttft.p95_s:,.0f} ms, "
            f"TPOT p95 {1e3 * ev.at_load.tpot.p95_s:.1f} ms")


def pool_rates(cand: Candidate, workload: Workload) -> tuple[float, float]:
    """Analytic requests/s one prefill-only and one decode-only instance of `cand`'s shape sustain (upper bounds, as
    `planner.core.capacity.capacity` for an aggregated replica: prefill at the chunk's cost per token; decode at the
    largest batch KV and max_num_seqs allow)."""
    pm, mem, dep = cand.pm, cand.mem, cand.dep
    isl, osl = workload.input_tokens.expected(), workload.output_tokens.expected()
    share = 1 - workload.prefix_cache_share
    chunk = min(dep.max_num_batched_tokens, max(1, int(isl * share)) * 8)
    prefill_s = pm.iteration(prefill_shape(1, chunk)).total_s / chunk * isl * share
    cfg = sim_config(pm, mem, isl + osl)
    batch = max(1, min(dep.max_num_seqs, max_fitting_seqs(cfg, isl, osl if cfg.reserve_full else osl / 2)))
    decode_s = osl * pm.step_s(decode_shape(batch, isl + osl / 2)) / batch
    return 1.0 / max(prefill_s, 1e-12), 1.0 / max(decode_s, 1e-12)


def disagg_search(found: SearchResult) -> list[str]:
    """Try disaggregated plans next to `found`'s aggregated ones; merge passing ones into `found` (re-ranked) and
    return the sentences that explain the choice (empty when disaggregation was not tried)."""
    s = found.search
    base = next((ev for ev in found.passing if ev.cand.dep.runtime.disaggregation.supported
                 and ev.cand.dep.disagg is None and ev.cand.dep.dp_size == 1 and ev.cand.dep.ep_size == 1), None)
    if base is None:
        return []
    dep = base.cand.dep
    active = count_params(dep.model).active
    gpus = base.replicas * dep.num_gpus
    if active < MIN_ACTIVE_PARAMS or gpus < MIN_AGGREGATED_GPUS:
        return [f"prefill/decode disaggregation: not tried, the aggregated plan uses {gpus} GPU(s) for a model of "
                f"{active / 1e9:.1f}B active parameters (tried from {MIN_ACTIVE_PARAMS / 1e9:.0f}B and "
                f"{MIN_AGGREGATED_GPUS} GPUs)"]
    tp = dep.tp_size
    s.quick = True
    tried: list[Evaluation] = []
    cands = []
    r_prefill, r_decode = pool_rates(base.cand, s.workload)
    for p, d in RATIOS:
        cfg = DisaggConfig(prefill_instances=p, decode_instances=d, prefill_tp=tp, decode_tp=tp)
        rps_max = min(p * r_prefill, d * r_decode)
        copies_lb = max(1, math.ceil(s.load_rps / rps_max - 1e-9))
        if copies_lb > s.constraints.max_replicas:
            continue
        cands.append(Candidate(dep=with_disagg(dep, cfg), mem=base.cand.mem, pm=base.cand.pm, price=base.cand.price,
                               rps_max=rps_max, replicas_lb=copies_lb))
    bound = base.cost_per_hour  # a disaggregated plan dearer than the aggregated one can never be chosen
    for cand in sorted(cands, key=lambda c: (c.cost_lb, c.dep.label())):
        if cand.cost_lb > bound:
            continue  # branch and bound: its fewest copies already cost more than a plan in hand
        ev = s.evaluate(cand)
        found.evaluations.append(ev)
        tried.append(ev)
        if ev.passed:
            bound = min(bound, ev.cost_per_hour)
    s.quick = False
    passing = [ev for ev in tried if ev.passed]
    budget = s.constraints.budget_usd_per_month
    if budget is not None:
        passing = [ev for ev in passing if ev.cost_per_hour * HOURS_PER_MONTH <= budget]
    ratios = ", ".join(f"{p}:{d}" for p, d in RATIOS)
    head = (f"prefill/decode disaggregation ({dep.runtime.name}, P:D in {ratios} at TP{tp}, KV transfer and both "
            f"pools simulated)")
    if not tried:
        if not cands:
            return [f"{head}: considered, not simulated: every ratio needs more than {s.constraints.max_replicas} "
                    f"copies by its capacity bound; aggregated {_plan_of(base)}"]
        cheapest = min(cands, key=lambda c: (c.cost_lb, c.dep.label()))
        pd = cheapest.dep.disagg
        assert pd is not None
        month = cheapest.cost_lb * HOURS_PER_MONTH
        return [f"{head}: considered, not simulated: at the fewest copies its capacity bound allows (P x "
                f"prefill-only rate, D x decode-only rate) every ratio costs more than aggregated {_plan_of(base)}; "
                f"the cheapest, {pd.prefill_instances}:{pd.decode_instances}, needs at least "
                f"{cheapest.replicas_lb} x {cheapest.dep.num_gpus} GPUs"
                + (f" (${month:,.0f}/month)" if math.isfinite(month) else "")]
    if not passing:
        return [f"{head}: considered, rejected: no ratio meets the SLOs at a cost near the aggregated plan "
                f"({_plan_of(base)})"]
    best = min(passing, key=lambda ev: ev.rank(s.slo))
    found.passing[:] = sorted([*found.passing, *passing], key=lambda ev: ev.rank(s.slo))
    if found.passing[0] is best:
        return [f"{head}: chosen, {_plan_of(best)} against aggregated {_plan_of(base)}; the "
                f"{'decode' if best.at_load.tpot.p95_s < base.at_load.tpot.p95_s else 'prefill'} pool no longer "
                "waits behind the other phase, so fewer GPUs meet the SLOs"]
    return [f"{head}: considered, not chosen: its cheapest plan is {_plan_of(best)} against aggregated "
            f"{_plan_of(base)}; the extra pool and the KV transfer cost more than the interference they remove at "
            "this load"]
