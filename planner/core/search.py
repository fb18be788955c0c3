"""Search: enumerate deployments, prune, simulate finalists, rank by cost.

Candidates are GPU x runtime x weight/KV precision x TP/PP (max_num_seqs follows the TPOT
target). They are filtered by compatibility, then by memory, then by analytic latency floors;
an analytic capacity bound gives each a lower bound on replicas and cost. Candidates are then
simulated cheapest-bound first (branch and bound): the fewest replicas meeting every SLO at
(1 + headroom) x RPS is found by simulation, and the search stops once no remaining bound can
beat the best deployment found. Pure: no I/O; seeded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import cast
from dataclasses import dataclass, field

from planner.core import formats as _quant
from planner.core.compat import incompatibilities, make_deployment
from planner.core.cost import Cost, cost, pick_price
from planner.deploy.launch import launch
from planner.core.memory import MemoryBreakdown, memory_breakdown
from planner.core.perf import Efficiency, PerfModel, decode_shape, prefill_shape
from planner.core.serving import LatencyStats, ServingResult, max_fitting_seqs, meets_slo, open_loop, sim_config
from pydantic import Field

from planner.specs._base import Frozen
from planner.specs.deployment import Deployment
from planner.specs.hardware import Gpu, Price
from planner.specs.model import ModelSpec
from planner.specs.report import (
    CandidateSummary, LengthSummary, MemorySummary, ModelSummary, PlanInputs, PriceSummary, Rejection, RejectionKind,
    Report, SloSummary, WorkloadSummary,
)
from planner.specs.runtime import KvDtype, Quant, Runtime
from planner.specs.workload import Constraints, LengthDistribution, Slo, Workload

GIB = 2**30
TP_SIZES = (1, 2, 4, 8, 16, 32, 64)
PP_SIZES = (2, 4, 8)


@dataclass
class _Cand:
    dep: Deployment
    mem: MemoryBreakdown
    pm: PerfModel
    price: Price | None
    rps_max: float
    replicas_lb: int

    @property
    def cost_lb(self) -> float:
        if self.price is None:
            return math.inf
        return self.replicas_lb * self.dep.num_gpus * self.price.price_usd_per_gpu_hour


@dataclass
class _Eval:
    cand: _Cand
    replicas: int
    passed: bool
    misses: list[str]
    at_load: ServingResult

    @property
    def cost_per_hour(self) -> float:
        if self.cand.price is None:
            return math.inf
        return self.replicas * self.cand.dep.num_gpus * self.cand.price.price_usd_per_gpu_hour

    def rank(self, slo: Slo) -> tuple[float, int, int, float, str]:
        """Sort key: cost, fewer GPUs, the checkpoint's own precision over a conversion, the larger SLO
        margin, then the label (deterministic)."""
        margin = min((t.limit_s / max(1e-12, _stat(self.at_load, t.metric).at(t.percentile)) for t in slo.targets),
                     default=1.0)
        dep = self.cand.dep
        ckpt = dep.model.quantization.format if dep.model.quantization else None
        converted = int(dep.quant != ckpt and dep.quant not in ("bf16", "fp16")) + int(dep.kv_dtype != "auto")
        return self.cost_per_hour, self.replicas * dep.num_gpus, converted, -margin, dep.label()


def _stat(result: ServingResult, metric: str) -> LatencyStats:
    return {"ttft": result.ttft, "tpot": result.tpot, "e2e": result.e2e}[metric]


@dataclass
class _Search:
    model: ModelSpec
    workload: Workload
    slo: Slo
    constraints: Constraints
    seed: int
    sim_requests: int
    efficiency: Callable[[Deployment], Efficiency | None]
    rejected: dict[tuple[str, str, str], tuple[RejectionKind, str]] = field(default_factory=dict)
    simulated: int = 0
    quick: bool = False
    """Shorter simulations (used while looking for alternatives)."""
    _cache: dict[tuple[int, int, int, int], ServingResult] = field(default_factory=dict)

    # ---------------------------------------------------------------- helpers

    def reject(self, dep_or_key: Deployment | tuple[str, str, str], kind: RejectionKind, reason: str) -> None:
        key = dep_or_key if isinstance(dep_or_key, tuple) else (
            dep_or_key.gpu.id, dep_or_key.runtime.id, dep_or_key.quant)
        # Keep the most informative reason per family: later stages beat earlier ones.
        order = ["incompatible", "oom", "capacity", "slo", "no_price", "budget"]
        old = self.rejected.get(key)
        if old is None or order.index(kind) >= order.index(old[0]):
            self.rejected[key] = (kind, reason)

    def simulate(self, cand: _Cand, replicas: int, load_rps: float, requests: int | None = None) -> ServingResult:
        """Simulate one replica at `load_rps / replicas` (cached per candidate, replicas, load, length)."""
        n = requests or self.sim_requests
        key = (id(cand), replicas, round(load_rps * 1000), n)
        hit = self._cache.get(key)
        if hit is None:
            per_replica = self.workload.model_copy(update={"rps": load_rps / replicas})
            hit = open_loop(cand.pm, cand.mem, per_replica, seed=self.seed,
                            duration_s=n / per_replica.rps,  # type: ignore[operator]
                            max_requests=n)
            self._cache[key] = hit
            self.simulated += 1
        return hit

    # ---------------------------------------------------------------- stages

    def quant_options(self, gpu: Gpu, runtime: Runtime) -> list[tuple[Quant, KvDtype]]:
        ckpt = self.model.quantization.format if self.model.quantization else None
        quants: list[Quant]
        if self.constraints.quants:
            quants = [cast(Quant, q) for q in self.constraints.quants]
        elif ckpt:
            quants = [ckpt]
        else:
            native: Quant = "fp16" if self.model.dtype == "fp16" else _quant.sixteen_bit(gpu.architecture)
            quants = [native] + (["fp8"] if runtime.supports_quant("fp8", gpu.architecture) else [])
        out: list[tuple[Quant, KvDtype]] = []
        for q in quants:
            if self.model.encoder_only:
                out.append((q, "auto"))  # no KV cache to quantize
                continue
            kvs = list(self.constraints.kv_dtypes) or (["fp8"] if q == "fp8" and runtime.supports_kv_dtype(
                "fp8", gpu.architecture) else ["auto"])
            out += [(q, kv) for kv in kvs]  # type: ignore[misc]
        return out

    def shapes(self, gpu: Gpu, runtime: Runtime) -> list[tuple[int, int]]:
        limit = min(self.constraints.max_gpus_per_replica, runtime.parallelism.max_gpus_per_replica)
        node = gpu.interconnect.gpus_per_node
        tps = [tp for tp in TP_SIZES if tp <= min(limit, node) and (tp == 1 or runtime.parallelism.tp)]
        max_tp = max(tps)
        pps = [pp for pp in PP_SIZES if runtime.parallelism.pp and max_tp * pp <= limit]
        return [(tp, 1) for tp in tps] + [(max_tp, pp) for pp in pps]

    def build(self, gpu: Gpu, runtime: Runtime, quant: Quant, kv: KvDtype, max_len: int) -> list[_Cand]:
        family = (gpu.id, runtime.id, quant)
        reasons = incompatibilities(self.model, gpu, runtime, quant=quant, kv_dtype=kv)
        if reasons:
            self.reject(family, "incompatible", "; ".join(reasons))
            return []
        price = pick_price(gpu, self.constraints.price_kind, self.constraints.providers)
        fits: list[_Cand] = []
        last_oom: MemoryBreakdown | None = None
        last_shape = (1, 1)
        for tp, pp in self.shapes(gpu, runtime):
            if pp > 1 and fits:
                break  # pipeline stages only when one node's TP is not enough
            if incompatibilities(self.model, gpu, runtime, tp_size=tp, pp_size=pp, quant=quant, kv_dtype=kv):
                continue
            dep = make_deployment(self.model, gpu, runtime, tp_size=tp, pp_size=pp, quant=quant, kv_dtype=kv,
                                  max_model_len=max_len)
            mem = memory_breakdown(dep, max_len)
            if not mem.fits:
                last_oom, last_shape = mem, (tp, pp)
                continue
            cand = self.analyse(dep, mem, price)
            if cand is not None:
                fits.append(cand)
            if len(fits) >= 3:
                break  # the smallest fitting replica and two larger ones (lower latency) suffice
        if not fits and last_oom is not None and family not in self.rejected:
            tp, pp = last_shape
            self.reject(family, "oom", f"OOM: needs {last_oom.needed_bytes / GIB:.1f} GiB per GPU, has "
                        f"{last_oom.gpu_memory_bytes / GIB:.1f} GiB at TP{tp}" + (f" PP{pp}" if pp > 1 else "")
                        + f" ({max_len:,}-token context)")
        elif not fits and family not in self.rejected:
            self.reject(family, "incompatible", "no tensor/pipeline split of this model fits the limits")
        return fits

    def analyse(self, dep: Deployment, mem: MemoryBreakdown, price: Price | None) -> _Cand | None:
        """Latency floors (reject) and analytic capacity (replica lower bound)."""
        w, model = self.workload, self.model
        pm = PerfModel.build(dep, self.efficiency(dep))
        causal = not model.encoder_only
        share = 1 - w.prefix_cache_share
        for target in self.slo.targets:
            q = target.percentile / 100
            isl_q = max(1, int(w.input_tokens.quantile(q) * share))
            pre = pm.iteration(prefill_shape(1, isl_q, causal=causal)).total_s + pm.eff.request_overhead_s
            ctx = w.input_tokens.quantile(q) + w.output_tokens.quantile(q) / 2
            step1 = pm.step_s(decode_shape(1, ctx)) if causal else 0.0
            floor = {"ttft": pre, "tpot": step1,
                     "e2e": pre + max(0.0, w.output_tokens.quantile(q) - 1) * step1}[target.metric]
            if floor > target.limit_s:
                self.reject(dep, "slo", f"{target.metric.upper()} p{target.percentile} is at least "
                            f"{_fmt_s(floor)} even unloaded (> {_fmt_s(target.limit_s)}) on {dep.label()}")
                return None
        capped, pm, rps_max = self.capacity(dep, mem, pm)
        if capped is not dep:  # a lower max_num_seqs shrinks the activation reserve: recompute memory
            dep, mem = capped, memory_breakdown(capped, dep.max_model_len)
        load = (w.rps or 0.0) * (1 + self.constraints.headroom)
        replicas_lb = max(1, math.ceil(load / rps_max - 1e-9))
        if replicas_lb > self.constraints.max_replicas:
            self.reject(dep, "capacity", f"needs at least {replicas_lb} replicas of {dep.label()} "
                        f"(limit {self.constraints.max_replicas})")
            return None
        return _Cand(dep=dep, mem=mem, pm=pm, price=price, rps_max=rps_max, replicas_lb=replicas_lb)

    def _worst_ratio(self, result: ServingResult) -> float:
        """Largest achieved / limit over the SLO targets (inf when overloaded)."""
        if not result.stable:
            return math.inf
        return max((_stat(result, t.metric).at(t.percentile) / t.limit_s for t in self.slo.targets), default=0.0)

    def _near_limit(self, result: ServingResult, band: float) -> bool:
        """Whether any SLO metric lies within `band` (relative) of its limit."""
        for t in self.slo.targets:
            ratio = _stat(result, t.metric).at(t.percentile) / t.limit_s
            if 1 - band <= ratio <= 1 + band:
                return True
        return False

    def capacity(self, dep: Deployment, mem: MemoryBreakdown, pm: PerfModel,
                 cap_batch: bool = True) -> tuple[Deployment, PerfModel, float]:
        """Analytic requests/s one replica sustains at the largest batch KV, max_num_seqs and the TPOT target
        allow; with `cap_batch`, max_num_seqs is lowered to a power of two under the TPOT-limited batch."""
        w, causal = self.workload, not self.model.encoder_only
        share = 1 - w.prefix_cache_share
        isl, osl = w.input_tokens.expected(), w.output_tokens.expected()
        cfg = sim_config(pm, mem, isl + osl)
        b_max = max(1, max_fitting_seqs(cfg, isl, osl if cfg.reserve_full else osl / 2))
        ctx = isl + osl / 2
        tpot_limit = min((t.limit_s for t in self.slo.targets if t.metric == "tpot"), default=math.inf)
        if causal and pm.step_s(decode_shape(b_max, ctx)) > tpot_limit:
            lo, hi = 1, b_max
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if pm.step_s(decode_shape(mid, ctx)) <= tpot_limit:
                    lo = mid
                else:
                    hi = mid - 1
            b_max = lo
            cap = 1 << (b_max.bit_length() - 1)  # a power of two at or under the TPOT-limited batch
            if cap_batch and cap < dep.max_num_seqs:
                dep = dep.model_copy(update={"max_num_seqs": cap})
                pm = PerfModel.build(dep, self.efficiency(dep))
        chunk = min(dep.max_num_batched_tokens, max(1, int(isl * share)) * 8)
        pre_tok_s = pm.iteration(prefill_shape(1, chunk, causal=causal)).total_s / chunk
        busy = pre_tok_s * isl * share
        if causal:
            busy += osl * pm.step_s(decode_shape(b_max, ctx)) / b_max
        return dep, pm, 1.0 / busy

    def trial(self, cand: _Cand, r: int) -> tuple[bool, list[str], ServingResult]:
        """Simulate `r` replicas at (1 + headroom) x RPS; (passes, misses in words, result)."""
        load = (self.workload.rps or 0.0) * (1 + self.constraints.headroom)
        # A short run decides clear cases; runs within 15% of a limit are repeated at full length.
        # Alternatives (quick mode) use runs of a third and half the length, re-run only within 5%.
        full = self.sim_requests // 2 if self.quick else self.sim_requests
        result = self.simulate(cand, r, load, max(200, full // 2 if not self.quick else self.sim_requests // 3))
        if result.stable and self._near_limit(result, 0.05 if self.quick else 0.15):
            result = self.simulate(cand, r, load, max(200, full))
        misses = meets_slo(result, self.slo) if result.stable else [f"overloaded at {load / r:.2f} RPS per replica"]
        return not misses, misses, result

    def evaluate(self, cand: _Cand) -> _Eval:
        """Fewest replicas meeting every SLO at (1 + headroom) x RPS, by simulation."""

        def trial(r: int) -> tuple[bool, list[str], ServingResult]:
            return self.trial(cand, r)

        r = cand.replicas_lb
        ok, misses, result = trial(r)
        last_fail = r - 1
        grown = 0
        worst = self._worst_ratio(result)
        while not ok and grown < 6:
            last_fail = r
            r = min(self.constraints.max_replicas, max(r + 1, math.ceil(r * 1.5)))
            ok, misses, result = trial(r)
            grown += 1
            ratio = self._worst_ratio(result)
            if r == self.constraints.max_replicas or (not ok and ratio > 0.9 * worst):
                break  # more replicas barely help: the SLO is bound by single-request latency
            worst = ratio
        if not ok:
            return _Eval(cand, r, False, misses, result)
        lo, hi = last_fail + 1, r  # bisect down to the fewest passing replicas
        best = (r, result)
        while lo < hi:
            mid = (lo + hi) // 2
            good, _, res = trial(mid)
            if good:
                hi, best = mid, (mid, res)
            else:
                lo = mid + 1
        return _Eval(cand, best[0], True, [], best[1])


def launch_context(model: ModelSpec, workload: Workload) -> int:
    """Longest sequence the server should accept: the workload's longest request and reply plus 25%,
    rounded up to a power of two, within the model's context (the plan's memory is checked at it)."""
    longest = workload.input_tokens.upper_tokens() + workload.output_tokens.upper_tokens()
    return min(model.max_position_embeddings, 1 << math.ceil(math.log2(max(16, longest * 1.25))))


def _fmt_s(seconds: float) -> str:
    if math.isinf(seconds):
        return "inf"
    return f"{seconds * 1e3:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def _lengths(dist: LengthDistribution) -> LengthSummary:
    return LengthSummary(description=dist.describe(), mean_tokens=dist.expected(), p50_tokens=dist.quantile(0.5),
                         p95_tokens=dist.quantile(0.95), p99_tokens=dist.quantile(0.99),
                         max_tokens=float(dist.upper_tokens()))


def _summary(s: _Search, ev: _Eval, model_ref: str, requests: int | None = None) -> CandidateSummary:
    cand, dep = ev.cand, ev.cand.dep
    target = s.simulate(cand, ev.replicas, s.workload.rps or 0.0, requests)
    c: Cost | None = None
    if cand.price is not None:
        c = cost(cand.price, ev.replicas * dep.num_gpus, target.requests_per_s * ev.replicas,
                 0.0 if dep.model.encoder_only else s.workload.output_tokens.expected(),
                 s.workload.input_tokens.expected())
    m = cand.mem
    price = cand.price
    return CandidateSummary(
        label=f"{ev.replicas} x ({dep.label()})", gpu=dep.gpu.id, gpu_name=dep.gpu.name, runtime=dep.runtime.id,
        runtime_version=dep.runtime.version, quant=dep.quant, kv_dtype=dep.kv_dtype, tp_size=dep.tp_size,
        pp_size=dep.pp_size, gpus_per_replica=dep.num_gpus, replicas=ev.replicas,
        total_gpus=ev.replicas * dep.num_gpus, max_num_seqs=dep.max_num_seqs,
        max_num_batched_tokens=dep.max_num_batched_tokens, max_model_len=dep.max_model_len, meets_slo=ev.passed,
        ttft_p50_s=target.ttft.p50_s, ttft_p95_s=target.ttft.p95_s, ttft_p99_s=target.ttft.p99_s,
        tpot_p50_s=target.tpot.p50_s, tpot_p95_s=target.tpot.p95_s, tpot_p99_s=target.tpot.p99_s,
        e2e_p50_s=target.e2e.p50_s, e2e_p95_s=target.e2e.p95_s, e2e_p99_s=target.e2e.p99_s,
        queue_p95_s=target.queue.p95_s, output_tokens_per_s=target.output_tokens_per_s * ev.replicas,
        requests_per_s_capacity=(s.workload.rps or 0.0) * (1 + s.constraints.headroom),
        utilization=min(1.0, (s.workload.rps or 0.0) / ev.replicas / cand.rps_max),
        kv_utilization=target.kv_utilization,
        concurrency_per_replica=target.concurrency,
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
        notes=list(target.notes) + list(dep.model.warnings[len(s.model.warnings):]),
    )


def plan(model: ModelSpec, workload: Workload, slo: Slo, gpus: Sequence[Gpu], runtimes: Sequence[Runtime],
         constraints: Constraints | None = None, *, model_ref: str | None = None, seed: int = 0,
         sim_requests: int = 1000, efficiency: Callable[[Deployment], Efficiency | None] | None = None,
         assumptions: Sequence[str] = ()) -> Report:
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
        sim_requests: Requests per simulation.
        efficiency: Measured efficiencies per deployment (calibration), or None for runtime defaults.
        assumptions: Input interpretations to record in the report.

    Returns:
        The report; `recommendation` is None when nothing meets the SLOs (see `suggestions`).
    """
    constraints = constraints or Constraints()
    if workload.rps is None:
        raise ValueError("plan() needs workload.rps")
    s = _Search(model=model, workload=workload, slo=slo, constraints=constraints, seed=seed,
                sim_requests=sim_requests, efficiency=efficiency or (lambda dep: None))
    warnings: list[str] = list(model.warnings)
    max_len = launch_context(model, workload)
    longest = workload.input_tokens.upper_tokens() + workload.output_tokens.upper_tokens()
    if longest > model.max_position_embeddings:
        warnings.append(f"longest requests ({longest:,} tokens) exceed the model context "
                        f"({model.max_position_embeddings:,}); planned at the model context")
    cands: list[_Cand] = []
    for gpu in gpus:
        for runtime in runtimes:
            for quant, kv in s.quant_options(gpu, runtime):
                cands += s.build(gpu, runtime, quant, kv, max_len)
    unpriced = [gpu.id for gpu in gpus if pick_price(gpu, constraints.price_kind, constraints.providers) is None]
    if unpriced:
        warnings.append(f"no {constraints.price_kind.replace('_', '-')} price"
                        + (f" at {', '.join(constraints.providers)}" if constraints.providers else "")
                        + f" for {', '.join(unpriced)}; their deployments rank after priced ones")
    cands.sort(key=lambda c: (c.cost_lb, c.replicas_lb * c.dep.num_gpus, c.dep.label()))
    evals: list[_Eval] = []
    best: _Eval | None = None
    best_by: dict[str, _Eval] = {}

    def consider(c: _Cand) -> None:
        nonlocal best
        ev = s.evaluate(c)
        evals.append(ev)
        if not ev.passed:
            s.reject(c.dep, "slo", f"{'; '.join(ev.misses)} with {ev.replicas} x ({c.dep.label()})")
            return
        if best is None or ev.rank(s.slo) < best.rank(s.slo):
            best = ev
        for key in (f"gpu:{c.dep.gpu.id}", f"runtime:{c.dep.runtime.id}"):
            if key not in best_by or ev.rank(s.slo) < best_by[key].rank(s.slo):
                best_by[key] = ev

    for c in cands:
        if best is not None and c.cost_lb > best.cost_per_hour:
            break  # equal bounds may still win the tie on SLO margin
        consider(c)
    # Alternatives: the cheapest passing deployment per GPU type and per runtime (shorter simulations).
    s.quick = True
    group_keys: list[Callable[[_Cand], str]] = [lambda c: f"gpu:{c.dep.gpu.id}",
                                                lambda c: f"runtime:{c.dep.runtime.id}"]
    for key_of in group_keys:
        groups: dict[str, list[_Cand]] = {}
        for c in cands:
            groups.setdefault(key_of(c), []).append(c)
        for key, members in groups.items():
            tried = 0
            for c in members:
                found = best_by.get(key)
                if found is not None and c.cost_lb >= found.cost_per_hour:
                    break
                if any(ev.cand is c for ev in evals):
                    continue
                if tried >= 4:
                    break
                consider(c)
                tried += 1
    budget = constraints.budget_usd_per_month
    passing = sorted((ev for ev in evals if ev.passed), key=lambda ev: ev.rank(s.slo))
    if budget is not None:
        for ev in passing:
            month = ev.cost_per_hour * 730.0
            if month > budget:
                s.reject(ev.cand.dep, "budget", f"${month:,.0f}/month exceeds the ${budget:,.0f} budget "
                         f"({ev.replicas} x {ev.cand.dep.label()})")
        passing = [ev for ev in passing if ev.cost_per_hour * 730.0 <= budget]
    ref = model_ref or model.name
    recommendation = _summary(s, passing[0], ref) if passing else None
    alternatives: list[CandidateSummary] = []
    seen = {id(passing[0])} if passing else set()
    for ev in passing[1:]:
        keys = {f"gpu:{ev.cand.dep.gpu.id}", f"runtime:{ev.cand.dep.runtime.id}"}
        if id(ev) not in seen and any(best_by.get(k) is ev for k in keys):
            alternatives.append(_summary(s, ev, ref, max(200, sim_requests // 2)))
            seen.add(id(ev))
    # A family is rejected only if none of its shapes is viable: drop families that passed, and families
    # with shapes the branch and bound never needed to simulate (dearer than the recommendation).
    evaluated = {id(ev.cand) for ev in evals}
    unexplored = [c for c in cands if id(c) not in evaluated]
    for c in unexplored:
        if budget is not None and c.cost_lb * 730.0 > budget:
            s.reject(c.dep, "budget", f"at least ${c.cost_lb * 730.0:,.0f}/month for {c.replicas_lb} x "
                     f"{c.dep.label()}, over the ${budget:,.0f} budget")
        else:
            s.rejected.pop((c.dep.gpu.id, c.dep.runtime.id, c.dep.quant), None)
    for ev in passing:
        s.rejected.pop((ev.cand.dep.gpu.id, ev.cand.dep.runtime.id, ev.cand.dep.quant), None)
    suggestions = [] if recommendation else _suggest(s, evals, cands, budget)
    if any(c.dep.quant not in ("bf16", "fp16") and model.quantization is None for c in [
            *(ev.cand for ev in passing[:1])]):
        warnings.append("the recommendation quantizes the weights: check output quality on your evals first")
    counts = sorted(s.rejected.items())
    compact = workload.model_copy(update={"input_tokens": workload.input_tokens.compact(),
                                          "output_tokens": workload.output_tokens.compact()})
    return Report(
        inputs=PlanInputs(workload=compact, slo=slo, constraints=constraints),
        model=ModelSummary(
            name=model.name, ref=ref, family=model.family, params_total=_params(model)[0],
            params_active=_params(model)[1], num_layers=model.num_layers, hidden_size=model.hidden_size,
            vocab_size=model.vocab_size, max_position_embeddings=model.max_position_embeddings,
            kv_bytes_per_token=_kv16(model), checkpoint_quant=model.quantization.format if model.quantization else None,
            dtype=model.dtype),
        workload=WorkloadSummary(rps=workload.rps, arrival=workload.arrival, burstiness_cv=workload.burstiness_cv,
                                 input_tokens=_lengths(workload.input_tokens),
                                 output_tokens=_lengths(workload.output_tokens),
                                 prefix_cache_share=workload.prefix_cache_share),
        slo=[SloSummary(key=t.key, limit_s=t.limit_s, description=t.describe()) for t in slo.targets],
        headroom=constraints.headroom, seed=seed, recommendation=recommendation, alternatives=alternatives,
        rejected=[Rejection(gpu=g, runtime=r, quant=q, kind=kind, reason=reason)
                  for (g, r, q), (kind, reason) in counts],
        suggestions=suggestions,
        assumptions=[*slo.notes, *assumptions,
                     f"replicas sized so every SLO holds at {100 * (1 + constraints.headroom):.0f}% of "
                     f"{workload.rps:g} RPS; latencies reported at {workload.rps:g} RPS",
                     f"{workload.arrival} arrivals" + (f" (CV {workload.burstiness_cv:g})"
                                                        if workload.arrival == "gamma" else "")
                     + f"; each replica simulated with {sim_requests} requests, seed {seed}",
                     f"{len(cands)} deployments passed the memory and latency-floor checks; {s.simulated} "
                     f"simulations; {len(unexplored)} deployments were not simulated because their lowest possible "
                     "cost exceeds a passing alternative"],
        warnings=warnings, candidates_evaluated=len(cands), candidates_simulated=s.simulated,
    )


class Assessment(Frozen):
    """How one fixed deployment (GPU, runtime, precision, parallelism, replicas) serves a workload."""

    fits: bool
    """The model fits in memory under this deployment (and the combination is legal)."""
    reason: str | None = None
    """Why it does not fit or cannot run, in words."""
    meets_slo: bool = False
    """Every SLO holds at (1 + headroom) x RPS with these replicas."""
    misses: list[str] = Field(default_factory=list)
    """The SLO targets missed, in words."""
    candidate: CandidateSummary | None = None
    """Predicted latency, cost and memory at the target RPS (None when it does not fit)."""


def assess(model: ModelSpec, workload: Workload, slo: Slo, gpu: Gpu, runtime: Runtime, *, tp_size: int,
           pp_size: int, quant: Quant, kv_dtype: KvDtype, replicas: int, max_num_seqs: int | None = None,
           constraints: Constraints | None = None, model_ref: str | None = None, seed: int = 0,
           sim_requests: int = 1200, efficiency: Callable[[Deployment], Efficiency | None] | None = None
           ) -> Assessment:
    """Predict how a fixed deployment serves `workload` (e.g. the baseline deployment of a new checkpoint).

    Unlike `plan`, nothing is chosen: the replica count and scheduler cap are given.
    """
    constraints = constraints or Constraints()
    s = _Search(model=model, workload=workload, slo=slo, constraints=constraints, seed=seed,
                sim_requests=sim_requests, efficiency=efficiency or (lambda dep: None))
    reasons = incompatibilities(model, gpu, runtime, tp_size=tp_size, pp_size=pp_size, quant=quant, kv_dtype=kv_dtype)
    if reasons:
        return Assessment(fits=False, reason="; ".join(reasons))
    max_len = min(model.max_position_embeddings,
                  workload.input_tokens.upper_tokens() + workload.output_tokens.upper_tokens())
    dep = make_deployment(model, gpu, runtime, tp_size=tp_size, pp_size=pp_size, quant=quant, kv_dtype=kv_dtype,
                          max_num_seqs=max_num_seqs, max_model_len=max_len)
    mem = memory_breakdown(dep, max_len)
    if not mem.fits:
        return Assessment(fits=False, reason=f"OOM: needs {mem.needed_bytes / GIB:.1f} GiB per GPU, has "
                                             f"{mem.gpu_memory_bytes / GIB:.1f} GiB ({max_len:,}-token context)")
    pm = PerfModel.build(dep, s.efficiency(dep))
    dep, pm, rps_max = s.capacity(dep, mem, pm, cap_batch=False)
    cand = _Cand(dep=dep, mem=mem, pm=pm, price=pick_price(gpu, constraints.price_kind, constraints.providers),
                 rps_max=rps_max, replicas_lb=replicas)
    ok, misses, result = s.trial(cand, replicas)
    summary = _summary(s, _Eval(cand, replicas, ok, misses, result), model_ref or model.name)
    return Assessment(fits=True, meets_slo=ok, misses=misses, candidate=summary)


def _params(model: ModelSpec) -> tuple[int, int]:
    from planner.core.arch import count_params

    c = count_params(model)
    return c.total, c.active


def _kv16(model: ModelSpec) -> float:
    from planner.core.arch import kv_bytes_per_token

    return kv_bytes_per_token(model, 2.0)


def _suggest(s: _Search, evals: list[_Eval], cands: list[_Cand], budget: float | None) -> list[str]:
    """What would make the plan feasible, in words."""
    out: list[str] = []
    if not cands:
        kinds = {kind for kind, _ in s.rejected.values()}
        if kinds <= {"incompatible", "oom"}:
            out.append("nothing fits in memory: allow more GPUs per replica (--max-gpus-per-replica), "
                       "larger GPUs, or a quantized precision (--quant fp8 / int4-awq)")
        if "slo" in kinds:
            floors = [reason for kind, reason in s.rejected.values() if kind == "slo"]
            out.append("every candidate misses an SLO even with a single request in flight; loosen it, "
                       "shorten prompts, or use faster GPUs. Closest: " + min(floors, key=len))
        return out
    failed = [ev for ev in evals if not ev.passed]
    if budget is not None and any(ev.passed for ev in evals):
        cheapest = min((ev for ev in evals if ev.passed), key=lambda ev: ev.cost_per_hour)
        out.append(f"the cheapest deployment meeting the SLOs costs ${cheapest.cost_per_hour * 730:,.0f}/month "
                   f"({cheapest.replicas} x {cheapest.cand.dep.label()}); raise the budget to that")
    for target in s.slo.targets:
        achieved = [ev.at_load.ttft if target.metric == "ttft" else ev.at_load.tpot if target.metric == "tpot"
                    else ev.at_load.e2e for ev in failed]
        if achieved:
            best_value = min(a.at(target.percentile) for a in achieved)
            if best_value > target.limit_s:
                out.append(f"{target.metric.upper()} p{target.percentile}: best achieved {_fmt_s(best_value)} "
                           f"(target {_fmt_s(target.limit_s)}); loosen it to at least that or use faster GPUs")
    if not out and failed:
        out.append("more replicas did not help: the SLO is bound by single-request latency; "
                   "try a faster GPU, higher tensor parallelism, or a looser SLO")
    return out
