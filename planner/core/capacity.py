"""Analytic bounds the search prunes with: latency floors of a single request, and the requests/s one
replica can sustain at most (its capacity bound), with the batch cap the TPOT target implies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.core.iteration import decode_shape, prefill_shape
from planner.core.memory import MemoryBreakdown
from planner.core.perf import PerfModel
from planner.core.serving import max_fitting_seqs, sim_config
from planner.specs.deployment import Deployment
from planner.specs.message import Message
from planner.specs.model import ModelSpec
from planner.specs.workload import Slo, SloTarget, Workload


@dataclass(frozen=True)
class Floor:
    """The lowest value one SLO metric can take on a deployment: one request alone, no queueing."""

    target: SloTarget
    floor_s: float
    """Latency of a lone request at the target's percentile lengths, seconds."""

    @property
    def missed(self) -> bool:
        """Whether even an unloaded replica misses the target."""
        return self.floor_s > self.target.limit_s

    def message(self, label: str) -> Message:
        """`TTFT p95 is at least 104 ms even unloaded (> 80 ms) on 8x a10g tp8 sglang bf16`."""
        return Message.of("{metric} p{percentile} is at least {floor_s} even unloaded (> {limit_s}) on {deployment}",
                          metric=self.target.metric.upper(), percentile=self.target.percentile, floor_s=self.floor_s,
                          limit_s=self.target.limit_s, deployment=label)


def latency_floors(pm: PerfModel, workload: Workload, slo: Slo) -> list[Floor]:
    """Each SLO target's single-request floor: prefill of the percentile prompt (after prefix-cache hits) plus
    the request overhead for TTFT, one decode step at the percentile context for TPOT, both for e2e."""
    causal = not pm.dep.model.encoder_only
    share = 1 - workload.prefix_cache_share
    out = []
    for target in slo.targets:
        q = target.percentile / 100
        isl_q = workload.input_tokens.quantile(q)
        osl_q = workload.output_tokens.quantile(q)
        prefill = pm.step_s(prefill_shape(1, max(1, int(isl_q * share)), causal=causal))
        ttft = prefill + pm.eff.request_overhead_s
        step = pm.step_s(decode_shape(1, isl_q + osl_q / 2)) if causal else 0.0
        floor = {"ttft": ttft, "tpot": step, "itl": step, "e2e": ttft + max(0.0, osl_q - 1) * step}[target.metric]
        out.append(Floor(target, floor))
    return out


def tpot_batch_limit(pm: PerfModel, context_tokens: float, limit_s: float, largest: int) -> int:
    """Largest decode batch (<= `largest`) whose step at `context_tokens` stays within `limit_s` (at least 1)."""
    if pm.step_s(decode_shape(largest, context_tokens)) <= limit_s:
        return largest
    lo, hi = 1, largest
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if pm.step_s(decode_shape(mid, context_tokens)) <= limit_s:
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass(frozen=True)
class Capacity:
    """What one replica can sustain at most."""

    dep: Deployment
    """The deployment, with `max_num_seqs` lowered where the TPOT target requires it."""
    pm: PerfModel
    """Its performance model."""
    batch: int
    """Sequences decoding at once at that capacity (KV, max_num_seqs and the TPOT target allow no more)."""
    rps_max: float
    """Upper bound on requests/s (every iteration busy at that batch)."""


def capacity(dep: Deployment, mem: MemoryBreakdown, pm: PerfModel, workload: Workload, slo: Slo, *,
             cap_batch: bool = True, rebuild: bool = True) -> Capacity:
    """Analytic requests/s one replica sustains at the largest batch KV, max_num_seqs and the TPOT target allow.

    With `cap_batch`, max_num_seqs is lowered to a power of two under the TPOT-limited batch (the scheduler cap
    the plan exports); the perf model is rebuilt for it when `rebuild`.
    """
    causal = not dep.model.encoder_only
    share = 1 - workload.prefix_cache_share
    isl, osl = workload.input_tokens.expected(), workload.output_tokens.expected()
    cfg = sim_config(pm, mem, isl + osl)
    batch = max(1, max_fitting_seqs(cfg, isl, osl if cfg.reserve_full else osl / 2))
    ctx = isl + osl / 2
    tpot_limit = min((t.limit_s for t in slo.targets if t.metric in ("tpot", "itl")), default=math.inf)
    if causal and tpot_limit < math.inf:
        limited = tpot_batch_limit(pm, ctx, tpot_limit, batch)
        if limited < batch:
            batch = limited
            cap = 1 << (batch.bit_length() - 1)  # a power of two at or under the TPOT-limited batch
            if cap_batch and cap < dep.max_num_seqs:
                dep = dep.model_copy(update={"max_num_seqs": cap})
                if rebuild:
                    pm = pm.for_deployment(dep)
    chunk = min(dep.max_num_batched_tokens, max(1, int(isl * share)) * 8)
    prefill_s_per_token = pm.step_s(prefill_shape(1, chunk, causal=causal)) / chunk
    busy_s = prefill_s_per_token * isl * share
    if causal:
        busy_s += osl * pm.step_s(decode_shape(batch, ctx)) / batch
    return Capacity(dep=dep, pm=pm, batch=batch, rps_max=1.0 / busy_s)


def launch_context(model: ModelSpec, workload: Workload) -> int:
    """Longest sequence the server should accept: the workload's longest request and reply plus 25%,
    rounded up to a power of two, within the model's context (the plan's memory is checked at it)."""
    longest = workload.input_tokens.upper_tokens() + workload.output_tokens.upper_tokens()
    return min(model.max_position_embeddings, 1 << math.ceil(math.log2(max(16, longest * 1.25))))
