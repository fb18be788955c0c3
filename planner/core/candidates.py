"""The search's candidates and their stages: build a GPU's deployment families (compatibility, memory, latency
floors, analytic capacity: a lower bound on replicas and cost), then simulate one candidate to the fewest replicas
meeting every SLO (`Search.evaluate`). `planner.core.search` runs these stages over every candidate."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from planner.core import formats
from planner.core import speculative as _spec
from planner.core.capacity import capacity, latency_floors
from planner.core.compat import incompatibilities, make_deployment
from planner.core.cost import pick_price
from planner.core.efficiency import efficiency_for
from planner.core.memory import MemoryBreakdown, memory_breakdown
from planner.core.perf import PerfModel
from planner.core.serving import LatencyStats, ServingResult, open_loop, slo_misses
from planner.specs.calibration import CalibrationProfile
from planner.specs.deployment import Deployment
from planner.specs.hardware import Gpu, Price
from planner.specs.message import Message
from planner.specs.model import ModelSpec
from planner.specs.report import RejectionKind
from planner.specs.runtime import KvDtype, Quant, Runtime
from planner.specs.uncertainty import UncertaintyTable
from planner.specs.workload import Confidence, Constraints, Slo, Workload

TP_SIZES = (1, 2, 4, 8, 16, 32, 64)
"""Tensor-parallel sizes tried (within a node's fast link)."""
PP_SIZES = (2, 4, 8)
"""Pipeline stages tried when one node's TP is not enough."""
GROWTH = 1.5
"""Factor replicas grow by while a trial misses an SLO."""
MAX_GROWTHS = 6
"""Growth steps tried before a candidate is given up."""
_KIND_ORDER: tuple[RejectionKind, ...] = ("incompatible", "oom", "capacity", "slo", "no_price", "budget")
"""Later stages explain a family better than earlier ones."""

T = TypeVar("T")


SimDelta = list[tuple[tuple[int, int, int, int], "ServingResult"]]
"""Simulations a detached piece of work added: its new cache entries (one per simulation run)."""


@dataclass
class Candidate:
    """A deployment that fits and passes the latency floors, with its capacity bound."""

    dep: Deployment
    mem: MemoryBreakdown
    pm: PerfModel
    price: Price | None
    rps_max: float
    """Analytic upper bound on requests/s per replica."""
    replicas_lb: int
    """Fewest replicas the capacity bound allows at (1 + headroom) x RPS."""

    @property
    def cost_lb(self) -> float:
        """Lowest possible cost per hour (inf without a price)."""
        if self.price is None:
            return math.inf
        return self.replicas_lb * self.dep.num_gpus * self.price.price_usd_per_gpu_hour

    @property
    def family(self) -> tuple[str, str, str]:
        """(GPU, runtime, precision): what a rejection is reported for."""
        return self.dep.gpu.id, self.dep.runtime.id, self.dep.quant


@dataclass
class Evaluation:
    """A candidate simulated at its replica count."""

    cand: Candidate
    replicas: int
    passed: bool
    misses: list[Message]
    at_load: ServingResult
    """One replica at (1 + headroom) x RPS / replicas."""

    @property
    def cost_per_hour(self) -> float:
        """All replicas, per hour (inf without a price)."""
        if self.cand.price is None:
            return math.inf
        return self.replicas * self.cand.dep.num_gpus * self.cand.price.price_usd_per_gpu_hour

    def rank(self, slo: Slo) -> tuple[float, int, int, float, str]:
        """Sort key: cost, fewer GPUs, the checkpoint's own precision over a conversion, the larger SLO
        margin, then the label (deterministic)."""
        margin = min((t.limit_s / max(1e-12, stat(self.at_load, t.metric).at(t.percentile)) for t in slo.targets),
                     default=1.0)
        dep = self.cand.dep
        ckpt = dep.model.quantization.format if dep.model.quantization else None
        converted = int(dep.quant != ckpt and dep.quant not in ("bf16", "fp16")) + int(dep.kv_dtype != "auto") \
            + int(dep.speculative is not None)  # at equal cost, the deployment without a draft
        return self.cost_per_hour, self.replicas * dep.num_gpus, converted, -margin, dep.label()


def stat(result: ServingResult, metric: str) -> LatencyStats:
    """The latency distribution an SLO metric names."""
    return {"ttft": result.ttft, "tpot": result.tpot, "itl": result.itl, "e2e": result.e2e}[metric]


@dataclass
class Search:
    """One search: its inputs, a cache of simulations, and the rejections found so far."""

    model: ModelSpec
    workload: Workload
    slo: Slo
    constraints: Constraints
    seed: int
    sim_requests: int
    calibrations: Mapping[str, CalibrationProfile]
    max_len: int
    uncertainty: UncertaintyTable | None = None
    """Error bands; with `constraints.confidence == "high"` every SLO must hold at their pessimistic end."""
    confidence: Confidence = "typical"
    """Which criterion trials apply (the constraint's, unless asked for the other one)."""
    rejected: dict[tuple[str, str, str], tuple[RejectionKind, Message]] = field(default_factory=dict)
    simulated: int = 0
    quick: bool = False
    """Shorter simulations (used while looking for alternatives)."""
    _cache: dict[tuple[int, int, int, int], ServingResult] = field(default_factory=dict)

    @property
    def load_rps(self) -> float:
        """The rate every SLO must hold at: (1 + headroom) x RPS."""
        return (self.workload.rps or 0.0) * (1 + self.constraints.headroom)

    def detached(self, fn: Callable[[], T]) -> tuple[T, SimDelta]:
        """Run `fn` against this search and take back the simulations it added (cache entries and count), leaving
        the search as it was; `absorb` applies them. This is how a piece of the search runs in a `Mapper` worker
        and still counts and caches its simulations in the caller."""
        n_cache, n_sims = len(self._cache), self.simulated
        out = fn()
        added = list(self._cache.items())[n_cache:]
        for key, _ in added:
            del self._cache[key]
        self.simulated = n_sims
        return out, added

    def absorb(self, delta: SimDelta) -> None:
        """Count and cache the simulations of a detached piece of work that are new here (two pieces detached from
        the same state may have run the same one: it counts once, as it would have run once in line)."""
        for key, result in delta:
            if key not in self._cache:
                self._cache[key] = result
                self.simulated += 1

    def reject(self, family: tuple[str, str, str], kind: RejectionKind, reason: Message) -> None:
        """Record why a family failed, keeping the most informative reason (later stages win)."""
        old = self.rejected.get(family)
        if old is None or _KIND_ORDER.index(kind) >= _KIND_ORDER.index(old[0]):
            self.rejected[family] = (kind, reason)

    def simulate(self, cand: Candidate, replicas: int, load_rps: float, requests: int | None = None) -> ServingResult:
        """One replica at `load_rps / replicas` (cached per candidate, replicas, load and run length)."""
        n = requests or self.sim_requests
        key = (id(cand), replicas, round(load_rps * 1000), n)
        hit = self._cache.get(key)
        if hit is None:
            per_replica = self.workload.model_copy(update={"rps": load_rps / replicas})
            if cand.dep.disagg is not None:  # one copy of the whole P:D deployment (planner.core.disagg)
                from planner.core.disagg import disagg_open_loop
                hit, _ = disagg_open_loop(cand.dep, per_replica, efficiency=cand.pm.eff, seed=self.seed,
                                          duration_s=n * replicas / load_rps, max_requests=n)
                self._cache[key] = hit
                self.simulated += 1
                return hit
            hit = open_loop(cand.pm, cand.mem, per_replica, seed=self.seed, duration_s=n * replicas / load_rps,
                            max_requests=n)
            self._cache[key] = hit
            self.simulated += 1
        return hit

    # ---------------------------------------------------------------- stages

    def quant_options(self, gpu: Gpu, runtime: Runtime) -> list[tuple[Quant, KvDtype]]:
        """Weight and KV precisions to try: the constraint's, else the checkpoint's own (plus fp8 for 16-bit)."""
        ckpt = self.model.quantization.format if self.model.quantization else None
        quants: list[Quant]
        if self.constraints.quants:
            quants = list(self.constraints.quants)
        elif ckpt:
            quants = [ckpt]
        else:
            native: Quant = "fp16" if self.model.dtype == "fp16" else formats.sixteen_bit(gpu.architecture)
            quants = [native] + (["fp8"] if runtime.supports_quant("fp8", gpu.architecture) else [])
        out: list[tuple[Quant, KvDtype]] = []
        for q in quants:
            if self.model.encoder_only:
                out.append((q, "auto"))  # no KV cache to quantize
                continue
            default_kv: list[KvDtype] = ["fp8"] if q == "fp8" and runtime.supports_kv_dtype(
                "fp8", gpu.architecture) else ["auto"]
            out += [(q, kv) for kv in (list(self.constraints.kv_dtypes) or default_kv)]
        return out

    def shapes(self, gpu: Gpu, runtime: Runtime) -> list[tuple[int, int]]:
        """(TP, PP) shapes to try, smallest first: TP within a node, then PP stages of the largest TP."""
        limit = min(self.constraints.max_gpus_per_replica, runtime.parallelism.max_gpus_per_replica)
        node = gpu.interconnect.gpus_per_node
        tps = [tp for tp in TP_SIZES if tp <= min(limit, node) and (tp == 1 or runtime.parallelism.tp)]
        max_tp = max(tps)
        pps = [pp for pp in PP_SIZES if runtime.parallelism.pp and max_tp * pp <= limit]
        return [(tp, 1) for tp in tps] + [(max_tp, pp) for pp in pps]

    def build(self, gpu: Gpu, runtime: Runtime, quant: Quant, kv: KvDtype) -> list[Candidate]:
        """The fitting shapes of one family (the smallest that fits and two larger ones)."""
        family = (gpu.id, runtime.id, quant)
        reasons = incompatibilities(self.model, gpu, runtime, quant=quant, kv_dtype=kv)
        if reasons:
            self.reject(family, "incompatible", Message.of("; ".join(r.replace("{", "(").replace("}", ")")
                                                                     for r in reasons)))
            return []
        rules = runtime.launch
        if rules is not None and rules.images_for(gpu.vendor) and rules.image_for(gpu.vendor, gpu.host_cpu_arch) is None:
            # A plan must start: the runtime ships images for this GPU vendor, but none for these hosts' CPUs.
            self.reject(family, "incompatible", Message.of(
                f"{runtime.name} {runtime.version} publishes no {gpu.host_cpu_arch} image for {gpu.vendor} GPUs and "
                f"{gpu.name} hosts are {gpu.host_cpu_arch} (`planner estimate` still plans it for a self-built image)"))
            return []
        price = pick_price(gpu, self.constraints.price_kind, self.constraints.providers)
        fits: list[Candidate] = []
        drafted: list[Candidate] = []
        last_oom: tuple[MemoryBreakdown, int, int] | None = None
        for tp, pp in self.shapes(gpu, runtime):
            if pp > 1 and fits:
                break  # pipeline stages only when one node's TP is not enough
            if incompatibilities(self.model, gpu, runtime, tp_size=tp, pp_size=pp, quant=quant, kv_dtype=kv):
                continue
            dep = make_deployment(self.model, gpu, runtime, tp_size=tp, pp_size=pp, quant=quant, kv_dtype=kv,
                                  max_model_len=self.max_len)
            mem = memory_breakdown(dep, self.max_len)
            if not mem.fits:
                last_oom = (mem, tp, pp)
                continue
            cand = self.analyse(dep, mem, price)
            if cand is not None:
                fits.append(cand)
                drafted += self.speculative_variants(gpu, runtime, tp, pp, quant, kv, price)
                drafted += self.dp_ep_variants(gpu, runtime, tp, pp, quant, kv, price)
            if len(fits) >= 3:
                break  # the smallest fitting replica and two larger ones (lower latency) suffice
        if not fits and last_oom is not None and family not in self.rejected:
            mem, tp, pp = last_oom
            self.reject(family, "oom", oom_message(mem, tp, pp, self.max_len))
        elif not fits and family not in self.rejected:
            self.reject(family, "incompatible", Message.of("no tensor/pipeline split of this model fits the limits"))
        return fits + drafted

    def speculative_variants(self, gpu: Gpu, runtime: Runtime, tp: int, pp: int, quant: Quant, kv: KvDtype,
                             price: Price | None) -> list[Candidate]:
        """The same shape with each searched speculative configuration (`speculative.search_configs`), where it
        fits and passes the floors."""
        out: list[Candidate] = []
        if pp > 1:
            return out
        for config in _spec.search_configs(self.model, runtime):
            dep = make_deployment(self.model, gpu, runtime, tp_size=tp, pp_size=pp, quant=quant, kv_dtype=kv,
                                  max_model_len=self.max_len, speculative=config)
            mem = memory_breakdown(dep, self.max_len)
            if mem.fits and (cand := self.analyse(dep, mem, price)) is not None:
                out.append(cand)
        return out

    def dp_ep_variants(self, gpu: Gpu, runtime: Runtime, tp: int, pp: int, quant: Quant, kv: KvDtype,
                       price: Price | None) -> list[Candidate]:
        """For MoE models, the same GPUs as attention data-parallel ranks of one GPU with the experts spread over all
        of them (DP = EP = the TP size; "DEP"), where the runtime has both and it fits."""
        if pp > 1 or tp < 2 or not self.model.is_moe or self.model.moe is None:
            return []
        par = runtime.parallelism
        if not (par.dp_attention and par.ep) or self.model.moe.num_experts % tp:
            return []
        dep = make_deployment(self.model, gpu, runtime, tp_size=1, dp_size=tp, ep_size=tp, quant=quant, kv_dtype=kv,
                              max_model_len=self.max_len)
        mem = memory_breakdown(dep, self.max_len)
        if mem.fits and (cand := self.analyse(dep, mem, price)) is not None:
            return [cand]
        return []

    def analyse(self, dep: Deployment, mem: MemoryBreakdown, price: Price | None) -> Candidate | None:
        """Latency floors (reject) and analytic capacity (replica lower bound)."""
        pm = PerfModel.build(dep, efficiency_for(dep, self.calibrations.get(dep.gpu.id)))
        family = (dep.gpu.id, dep.runtime.id, dep.quant)
        for floor in latency_floors(pm, self.workload, self.slo):
            if floor.missed:
                self.reject(family, "slo", floor.message(dep.label()))
                return None
        cap = capacity(dep, mem, pm, self.workload, self.slo)
        if cap.dep is not dep:  # a lower max_num_seqs shrinks the activation reserve: recompute memory
            dep, mem = cap.dep, memory_breakdown(cap.dep, dep.max_model_len)
        replicas_lb = max(1, math.ceil(self.load_rps / cap.rps_max - 1e-9))
        if replicas_lb > self.constraints.max_replicas:
            self.reject(family, "capacity", Message.of(
                "needs at least {replicas} replicas of {deployment} (limit {limit})", replicas=replicas_lb,
                deployment=dep.label(), limit=self.constraints.max_replicas))
            return None
        return Candidate(dep=dep, mem=mem, pm=cap.pm, price=price, rps_max=cap.rps_max, replicas_lb=replicas_lb)

    # ---------------------------------------------------------------- simulation

    def _worst_ratio(self, result: ServingResult) -> float:
        """Largest achieved / limit over the SLO targets (inf when overloaded)."""
        if not result.stable:
            return math.inf
        return max((stat(result, t.metric).at(t.percentile) / t.limit_s for t in self.slo.targets), default=0.0)

    def _near_limit(self, result: ServingResult, band: float, margin: dict[str, float]) -> bool:
        """Whether any SLO metric (times its margin) lies within `band` (relative) of its limit."""
        return any(1 - band <= stat(result, t.metric).at(t.percentile) * margin.get(t.metric, 1.0) / t.limit_s <= 1 + band
                   for t in self.slo.targets)

    def trial_lengths(self) -> tuple[int, int]:
        """(short, full) simulation lengths of a trial: a short run decides clear cases, runs near a limit are
        repeated at full length; alternatives (quick mode) use a third and a half of `sim_requests`."""
        if self.quick:
            return max(200, self.sim_requests // 3), max(200, self.sim_requests // 2)
        return max(200, self.sim_requests // 2), max(200, self.sim_requests)

    def margin(self, cand: Candidate, confidence: Confidence | None = None) -> dict[str, float]:
        """Factors a trial multiplies predicted latencies by: the pessimistic ends of the candidate runtime's error
        bands under load at high confidence, none at typical confidence."""
        if (confidence or self.confidence) != "high" or self.uncertainty is None:
            return {}
        out: dict[str, float] = {}
        for target in self.slo.targets:
            band = self.uncertainty.band(cand.dep.runtime.id, target.metric, "load")
            if band is not None:
                out[target.metric] = max(1.0, band.high_ratio)
        return out

    def trial(self, cand: Candidate, replicas: int,
              confidence: Confidence | None = None) -> tuple[bool, list[Message], ServingResult]:
        """Simulate `replicas` replicas at (1 + headroom) x RPS; (passes, misses, result)."""
        short, full = self.trial_lengths()
        margin = self.margin(cand, confidence)
        result = self.simulate(cand, replicas, self.load_rps, short)
        if result.stable and self._near_limit(result, 0.05 if self.quick else 0.15, margin):
            result = self.simulate(cand, replicas, self.load_rps, full)
        if result.stable:
            misses = slo_misses(result, self.slo, margin)
        else:
            misses = [Message.of("overloaded at {rps} RPS per replica", rps=round(self.load_rps / replicas, 2))]
        return not misses, misses, result

    def evaluate(self, cand: Candidate, confidence: Confidence | None = None) -> Evaluation:
        """Fewest replicas meeting every SLO at (1 + headroom) x RPS, by simulation: grow from the capacity
        bound until it passes (or more replicas stop helping), then bisect down."""
        r = cand.replicas_lb
        ok, misses, result = self.trial(cand, r, confidence)
        last_fail, grown, worst = r - 1, 0, self._worst_ratio(result)
        while not ok and grown < MAX_GROWTHS:
            prev = r
            last_fail = r
            r = min(self.constraints.max_replicas, max(r + 1, math.ceil(r * GROWTH)))
            ok, misses, result = self.trial(cand, r, confidence)
            grown += 1
            ratio = self._worst_ratio(result)
            if r == self.constraints.max_replicas or (not ok and ratio > 0.9 * worst):
                break  # more replicas barely help: the SLO is bound by single-request latency
            if not ok and _out_of_reach(prev, worst, r, ratio, r * GROWTH ** (MAX_GROWTHS - grown)):
                break  # at this rate of improvement even the last growth would still miss
            worst = ratio
        if not ok:
            return Evaluation(cand, r, False, misses, result)
        lo, hi, best = last_fail + 1, r, (r, result)
        while lo < hi:
            mid = (lo + hi) // 2
            good, _, res = self.trial(cand, mid, confidence)
            if good:
                hi, best = mid, (mid, res)
            else:
                lo = mid + 1
        return Evaluation(cand, best[0], True, [], best[1])


def _out_of_reach(r0: int, ratio0: float, r1: int, ratio1: float, last_r: float) -> bool:
    """Whether the worst SLO ratio (achieved / limit), improving from `ratio0` at `r0` replicas to `ratio1` at `r1`
    at the same power-law rate (log ratio linear in log replicas), would still exceed 1 at `last_r` replicas.

    Queueing delay falls faster than any power law near saturation, so only stable runs that are far from their
    limit (ratio > 2) and improve slowly are extrapolated; an overloaded run (ratio inf) never is.
    """
    if not (math.isfinite(ratio0) and math.isfinite(ratio1)) or ratio1 <= 2.0 or r1 <= r0 or ratio1 >= ratio0:
        return False
    slope = math.log(ratio0 / ratio1) / math.log(r1 / r0)
    return bool(ratio1 * (r1 / last_r) ** slope > 1.0)


def oom_message(mem: MemoryBreakdown, tp: int, pp: int, context_tokens: int) -> Message:
    """`OOM: needs 91.2 GiB per GPU, has 79.6 GiB at TP8 (8,192-token context)`."""
    shape = f"TP{tp}" + (f" PP{pp}" if pp > 1 else "")
    return Message.of("OOM: needs {needed_bytes} per GPU, has {gpu_memory_bytes} at {shape} ({context}-token context)",
                      needed_bytes=mem.needed_bytes, gpu_memory_bytes=mem.gpu_memory_bytes, shape=shape,
                      context=context_tokens)
