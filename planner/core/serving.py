"""Serving model: latency and throughput of a deployment under a load.

Four load regimes, as benchmarks run them:
  * static batch: B requests start together (classic latency benchmark), analytic;
  * closed loop: C requests always in flight (benchmark clients with max concurrency), simulated;
  * offline: every request queued at t=0 (max throughput, trtllm-bench / MLPerf Offline), simulated;
  * open loop: Poisson or bursty arrivals at an RPS, simulated (the search prunes candidates
    before simulating with an analytic saturation bound, see `planner.core.search`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
from pydantic import Field

from planner.core.iteration import Bound, decode_shape, prefill_shape
from planner.core.memory import MemoryBreakdown, kv_token_capacity
from planner.core.perf import PerfModel
from planner.core.sim import SimConfig, SimTrace, Simulator
from planner.errors import KvCapacityError
from planner.specs._base import Frozen
from planner.specs.deployment import Deployment
from planner.specs.message import Message
from planner.specs.workload import LengthDistribution, Slo, Workload

Mode = Literal["static_batch", "concurrency", "offline", "rps"]

_QS = np.array([0.5, 0.9, 0.95, 0.99])
"""Load regime."""


class LatencyStats(Frozen):
    """Distribution of one latency over requests, seconds."""

    mean_s: float = Field(ge=0)
    """Mean."""
    p50_s: float = Field(ge=0)
    """Median."""
    p90_s: float = Field(ge=0)
    """90th percentile."""
    p95_s: float = Field(ge=0)
    """95th percentile."""
    p99_s: float = Field(ge=0)
    """99th percentile."""

    @classmethod
    def of(cls, values: np.ndarray) -> LatencyStats:
        """Summarise an array of seconds (infinite values count as missed)."""
        if values.size == 0:
            return cls(mean_s=0, p50_s=0, p90_s=0, p95_s=0, p99_s=0)
        ordered = np.sort(values)
        finite = bool(np.isfinite(ordered[-1]))
        n = ordered.size
        if finite:
            # Linear interpolation between order statistics (numpy's default quantile method).
            pos = _QS * (n - 1)
            lo = np.floor(pos).astype(np.int64)
            hi = np.minimum(lo + 1, n - 1)
            q = ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
        else:
            # Interpolating towards an infinite (missed) value gives nan: take order statistics instead.
            q = ordered[np.maximum(np.ceil(_QS * n).astype(np.int64) - 1, 0)]
        mean = float(ordered.mean()) if finite else math.inf
        return cls(mean_s=mean, p50_s=float(q[0]), p90_s=float(q[1]), p95_s=float(q[2]), p99_s=float(q[3]))

    @classmethod
    def weighted(cls, values: np.ndarray, weights: np.ndarray) -> LatencyStats:
        """Summarise values that each stand for `weights` observations (e.g. one gap for every decoding sequence)."""
        keep = weights > 0
        values, weights = values[keep], weights[keep]
        if values.size == 0:
            return cls(mean_s=0, p50_s=0, p90_s=0, p95_s=0, p99_s=0)
        order = np.argsort(values, kind="stable")
        v, w = values[order], weights[order]
        cum = np.cumsum(w)
        q = v[np.minimum(np.searchsorted(cum, _QS * cum[-1], side="left"), v.size - 1)]
        return cls(mean_s=float(np.dot(v, w) / cum[-1]), p50_s=float(q[0]), p90_s=float(q[1]), p95_s=float(q[2]),
                   p99_s=float(q[3]))

    @classmethod
    def constant(cls, seconds: float) -> LatencyStats:
        """Every request sees the same latency."""
        return cls(mean_s=seconds, p50_s=seconds, p90_s=seconds, p95_s=seconds, p99_s=seconds)

    def at(self, percentile: int) -> float:
        """The value at percentile 50/90/95/99."""
        return float(getattr(self, f"p{percentile}_s"))


class ServingResult(Frozen):
    """Predicted latency and throughput of one replica under one load."""

    mode: Mode
    """Load regime."""
    concurrency: float = Field(ge=0)
    """Requests in flight: the batch, the client count, or the simulated mean."""
    notes: tuple[str, ...] = ()
    """Caps and assumptions applied (e.g. concurrency capped by KV memory)."""
    ttft: LatencyStats
    """Time to first token (queueing included)."""
    tpot: LatencyStats
    """Time per output token after the first, per request: (last token - first token) / (tokens - 1)."""
    itl: LatencyStats
    """Inter-token latency: the gap between consecutive streamed chunks, over all chunks of all requests."""
    e2e: LatencyStats
    """End-to-end latency per request (per batch for static batches)."""
    latency_per_token: LatencyStats
    """End-to-end latency / output tokens per request, TTFT included (what guidellm calls TPOT)."""
    queue: LatencyStats
    """Time from arrival to admission into the running batch."""
    output_tokens_per_s: float = Field(ge=0)
    """Generated tokens per second, whole replica."""
    input_tokens_per_s: float = Field(ge=0)
    """Prompt tokens per second, whole replica."""
    requests_per_s: float = Field(ge=0)
    """Completed requests per second."""
    kv_utilization: float = Field(ge=0)
    """Time-averaged fraction of KV-cache capacity in use."""
    busy_fraction: float = Field(default=0.0, ge=0, le=1)
    """Fraction of wall time the replica runs iterations."""
    frontend_utilization: float = Field(default=0.0, ge=0)
    """Fraction of wall time the API server is busy (near 1: it limits the request rate)."""
    preemptions: int = Field(default=0, ge=0)
    """Sequences evicted for lack of KV cache (recomputed later)."""
    stable: bool = True
    """False when the queue grows without bound (arrivals exceed capacity)."""
    prefill_bound: Bound
    """What dominates a prompt's prefill."""
    decode_bound: Bound
    """What dominates a decode step at this load."""


def sim_config(pm: PerfModel, mem: MemoryBreakdown, typical_context: float) -> SimConfig:
    """Scheduler limits of the deployment, KV capacity in tokens at a typical context length.

    With attention data parallelism each of the dp ranks has its own scheduler limits and KV pool; the replica is
    simulated as one scheduler of dp times the limits and capacity, i.e. the ranks evenly loaded (round-robin
    dispatch), with the per-step cost of the busiest rank (`PerfModel` rounds each rank's share up).
    """
    dep = pm.dep
    dp = dep.dp_size
    capacity = kv_token_capacity(dep, mem.kv_cache_bytes_per_gpu, typical_context) * dp
    sched = dep.runtime.scheduler
    return SimConfig(
        max_num_seqs=running_cap(dep, mem) * dp, max_num_batched_tokens=dep.max_num_batched_tokens * dp,
        kv_capacity_tokens=capacity, chunked_prefill=sched.chunked_prefill and dep.runtime.features.chunked_prefill,
        reserve_full=sched.kv_reservation == "full", block_tokens=sched.kv_block_size_tokens,
        mixed=sched.mixed_batches, static=sched.batching == "static", watermark_fraction=sched.kv_watermark_fraction,
        frontend_request_s=pm.eff.frontend_request_s, frontend_prompt_token_s=pm.eff.frontend_prompt_token_s,
        frontend_output_token_s=pm.eff.frontend_output_token_s, stream_interval_tokens=sched.stream_interval_tokens,
        separate_detokenizer=sched.detokenizer == "own_process",
        decode_rows_per_seq=pm.num_speculative_tokens + 1,
        max_chunk_tokens=dep.max_num_batched_tokens if dp > 1 else 0,
    )


def running_cap(dep: Deployment, mem: MemoryBreakdown) -> int:
    """Requests one attention data-parallel rank runs at most: `max_num_seqs`, lowered to what the runtime's state
    pool holds (SGLang caps even an explicit --max-running-requests by its Mamba pool)."""
    if mem.state_pool_max_seqs is None:
        return dep.max_num_seqs
    return max(1, min(dep.max_num_seqs, mem.state_pool_max_seqs))


def scheduler_notes(dep: Deployment, mem: MemoryBreakdown) -> list[str]:
    """The runtime's own caps on running requests that a plan cannot see in `max_num_seqs` alone: the state pool
    of a hybrid model when it binds, and the lower default the runtime takes for speculative decoding."""
    notes: list[str] = []
    dp, name = dep.dp_size, dep.runtime.name
    pool = dep.runtime.memory.state_pool
    cap = mem.state_pool_max_seqs
    if pool is not None and cap is not None and cap < dep.max_num_seqs:
        per_rank = f" ({cap} per data-parallel rank)" if dp > 1 else ""
        notes.append(f"{name} runs at most {max(1, cap) * dp} requests at once{per_rank}, under max_num_seqs "
                     f"{dep.max_num_seqs * dp}: its linear-attention / SSM state pool holds {mem.state_pool_slots:,} "
                     f"per-sequence states, {pool.slots_per_request} per running request")
    default = dep.runtime.scheduler.speculative_max_num_seqs
    if dep.speculative is not None and default is not None:
        rank_default = max(1, default // dp) if dp > 1 and dep.runtime.parallelism.dp_divides_limits else default
        if dep.max_num_seqs == rank_default:
            notes.append(f"max_num_seqs {rank_default * dp}: {name} lowers its default running-request cap to {default} "
                         "with speculative decoding (--max-num-seqs sets another)")
    return notes


def max_fitting_seqs(cfg: SimConfig, prompt_tokens: float, output_tokens: float) -> int:
    """Sequences that can run at once (scheduler cap and KV capacity at full length)."""
    per_seq = math.ceil((prompt_tokens + output_tokens) / cfg.block_tokens) * cfg.block_tokens
    return max(0, min(cfg.max_num_seqs, cfg.kv_capacity_tokens // max(1, per_seq)))


def _bounds(pm: PerfModel, prompt: float, output: float, batch: float) -> tuple[Bound, Bound]:
    causal = not pm.dep.model.encoder_only
    pre = pm.iteration(prefill_shape(1, max(1, int(prompt)), causal=causal)).bound
    if pm.dep.model.encoder_only:
        return pre, pre
    dec = pm.iteration(decode_shape(max(1, int(round(batch))), prompt + output / 2)).bound
    return pre, dec


def static_batch(pm: PerfModel, mem: MemoryBreakdown, batch: int, prompt_tokens: int,
                 output_tokens: int) -> ServingResult:
    """A batch of `batch` identical requests that start together and run to the end.

    TTFT is one prefill of the whole batch; each of the remaining `output_tokens - 1` decode
    steps reads the batch's growing context (step time is linear in context, so the mean
    step is the step at the mean context).
    """
    notes = scheduler_notes(pm.dep, mem)
    cfg = sim_config(pm, mem, prompt_tokens + output_tokens)
    fit = max_fitting_seqs(cfg, prompt_tokens, output_tokens) if not pm.dep.model.encoder_only else batch
    fit = max(fit, 0)
    if fit == 0:
        raise KvCapacityError("not even one sequence of these lengths fits in the KV cache",
                              hint="shorten the sequences, add GPUs (--tp) or quantize the KV cache (--kv-dtype fp8)")
    if batch > fit:
        if fit == cfg.max_num_seqs and fit < pm.dep.max_num_seqs * pm.dep.dp_size:
            notes.append(f"batch {batch} capped at {fit}: the runtime's state pool runs {fit} requests at once")
        else:
            notes.append(f"batch {batch} capped at {fit}: KV cache holds {fit} sequences of "
                         f"{prompt_tokens + output_tokens} tokens")
        batch = fit
    causal = not pm.dep.model.encoder_only
    pre = pm.iteration(prefill_shape(batch, prompt_tokens, causal=causal, finishes=causal))
    ttft = pre.total_s + pm.eff.request_overhead_s
    steps = max(0, output_tokens - 1) if causal else 0
    if steps:
        context = prompt_tokens + 1 + (steps - 1) / 2
        dec = pm.iteration(decode_shape(batch, context))
        # With speculative decoding a step is a verify pass emitting `tokens_per_step` tokens per sequence.
        tpot = dec.total_s if not pm.num_speculative_tokens else pm.decode_s(batch, batch * context)
        decode_bound = dec.bound
    else:
        tpot, decode_bound = 0.0, pre.bound
    e2e = ttft + steps * tpot
    out_tokens = output_tokens if causal else 0
    return ServingResult(
        mode="static_batch", concurrency=batch, notes=tuple(notes), ttft=LatencyStats.constant(ttft),
        tpot=LatencyStats.constant(tpot), itl=LatencyStats.constant(tpot * pm.tokens_per_step),
        e2e=LatencyStats.constant(e2e),
        latency_per_token=LatencyStats.constant(e2e / max(1, out_tokens)), queue=LatencyStats.constant(0.0),
        output_tokens_per_s=batch * out_tokens / e2e, input_tokens_per_s=batch * prompt_tokens / e2e,
        requests_per_s=batch / e2e, kv_utilization=batch * (prompt_tokens + output_tokens) / max(1, cfg.kv_capacity_tokens),
        prefill_bound=pre.bound, decode_bound=decode_bound,
    )


def summarise(pm: PerfModel, trace: SimTrace, mode: Mode, concurrency: float, notes: list[str],
               warmup_fraction: float, capacity_tokens: int, stable: bool) -> ServingResult:
    n = len(trace.arrival_s)
    done = np.isfinite(trace.finish_s) & (trace.finish_s >= 0)
    order = np.argsort(trace.arrival_s, kind="stable")
    keep = np.zeros(n, dtype=bool)
    keep[order[int(n * warmup_fraction):]] = True
    sel = keep & done
    if not sel.any():
        sel = done
    extra = pm.eff.request_overhead_s  # API server / tokenizer latency outside the engine
    ttft = trace.first_token_s[sel] - trace.arrival_s[sel] + extra
    e2e = trace.finish_s[sel] - trace.arrival_s[sel] + extra
    out = trace.output_tokens[sel]
    multi = out > 1
    tpot = (trace.finish_s[sel][multi] - trace.first_token_s[sel][multi]) / (out[multi] - 1)
    queue = np.maximum(0.0, trace.admitted_s[sel] - trace.arrival_s[sel])
    per_token = e2e / np.maximum(1, out)
    if not stable:
        # Requests still queued at the cut-off count as missed (infinite latency).
        missing = int((keep & ~done).sum())
        ttft = np.concatenate([ttft, np.full(missing, np.inf)])
        e2e = np.concatenate([e2e, np.full(missing, np.inf)])
        per_token = np.concatenate([per_token, np.full(missing, np.inf)])
        queue = np.concatenate([queue, np.full(missing, np.inf)])
    # Throughput window: from the first counted arrival (0 offline) to the last finish.
    window_start = float(trace.arrival_s[sel].min()) if mode != "offline" and sel.any() else 0.0
    span = max(1e-9, float(trace.finish_s[sel].max()) - window_start) if sel.any() else 1e-9
    out_total = float(trace.output_tokens[sel].sum()) if not pm.dep.model.encoder_only else 0.0
    mean_prompt = float(trace.prompt_tokens.mean())
    mean_out = float(trace.output_tokens.mean())
    pre_b, dec_b = _bounds(pm, mean_prompt, mean_out, max(1.0, concurrency))
    if trace.preemptions:
        notes.append(f"{trace.preemptions} preemptions: KV cache full, sequences recomputed")
    return ServingResult(
        mode=mode, concurrency=concurrency, notes=tuple(notes), ttft=LatencyStats.of(ttft),
        tpot=LatencyStats.of(tpot) if tpot.size else LatencyStats.constant(0.0),
        itl=LatencyStats.weighted(trace.gap_s, trace.gap_weight), e2e=LatencyStats.of(e2e),
        latency_per_token=LatencyStats.of(per_token), queue=LatencyStats.of(queue), output_tokens_per_s=out_total / span,
        input_tokens_per_s=float(trace.prompt_tokens[sel].sum()) / span, requests_per_s=int(sel.sum()) / span,
        kv_utilization=(trace.kv_token_seconds / trace.end_s / capacity_tokens) if trace.end_s and capacity_tokens else 0.0,
        preemptions=trace.preemptions, stable=stable, prefill_bound=pre_b, decode_bound=dec_b,
        busy_fraction=min(1.0, trace.busy_s / trace.end_s) if trace.end_s else 0.0,
        frontend_utilization=trace.frontend_busy_s / trace.end_s if trace.end_s else 0.0,
    )


def closed_loop(pm: PerfModel, mem: MemoryBreakdown, clients: int, prompt: LengthDistribution,
                output: LengthDistribution, *, seed: int = 0, num_requests: int | None = None,
                prefix_cache_share: float = 0.0) -> ServingResult:
    """`clients` requests always in flight; each finish sends the next (zero think time)."""
    notes = scheduler_notes(pm.dep, mem)
    cfg = sim_config(pm, mem, prompt.expected() + output.expected())
    fit = max_fitting_seqs(cfg, prompt.quantile(0.5), output.quantile(0.5))
    if fit == 0:
        raise KvCapacityError("not even one sequence of these lengths fits in the KV cache",
                              hint="shorten the sequences, add GPUs (--tp) or quantize the KV cache (--kv-dtype fp8)")
    if clients > fit:
        # Clients beyond what the replica can run keep requests waiting in its queue (their wait counts in
        # TTFT), as a real server with a benchmark client at that concurrency behaves.
        why = "KV-cache memory" if fit < cfg.max_num_seqs else (
            "max_num_seqs" if fit == pm.dep.max_num_seqs * pm.dep.dp_size else "the state pool")
        notes.append(f"concurrency {clients} capped at {fit} running sequences by {why}; "
                     f"the other {clients - fit} requests wait in the queue (included in TTFT)")
    n = num_requests or int(min(20000, max(200, 8 * min(clients, fit))))
    n = min(max(n, 2 * clients), 20000)
    clients = min(clients, n)
    rng = np.random.default_rng(seed)
    prompts, outputs = prompt.draw(rng, n), output.draw(rng, n)
    # Steady state of a closed loop: clients are out of phase. Start them spread over one
    # request's latency at this concurrency instead of all at t=0 (a synchronized wave that
    # only exactly fixed lengths and zero jitter would sustain); the first wave is warm-up.
    causal = not pm.dep.model.encoder_only
    one = pm.iteration(prefill_shape(1, max(1, int(prompt.expected())), causal=causal)).total_s
    if causal:
        one += output.expected() * pm.step_s(decode_shape(min(clients, fit), prompt.expected() + output.expected() / 2))
    starts = np.zeros(n)
    starts[:clients] = np.sort(rng.uniform(0.0, one, size=clients))
    cached = np.floor(prompts * prefix_cache_share).astype(np.int64)
    trace = Simulator(pm, cfg).run(starts, prompts, outputs, cached_tokens=cached, closed_loop_clients=clients)
    return summarise(pm, trace, "concurrency", clients, notes, clients / n, cfg.kv_capacity_tokens, True)


def offline(pm: PerfModel, mem: MemoryBreakdown, prompt: LengthDistribution, output: LengthDistribution,
            *, seed: int = 0, num_requests: int | None = None, prefix_cache_share: float = 0.0) -> ServingResult:
    """All requests queued at once: the scheduler fills the batch up to its caps (max throughput)."""
    cfg = sim_config(pm, mem, prompt.expected() + output.expected())
    fit = max_fitting_seqs(cfg, prompt.expected(), output.expected())
    if fit == 0 and not pm.dep.model.encoder_only:
        raise KvCapacityError("not even one sequence of these lengths fits in the KV cache",
                              hint="shorten the sequences, add GPUs (--tp) or quantize the KV cache (--kv-dtype fp8)")
    n = num_requests or int(min(20000, max(500, 3 * max(1, fit))))
    rng = np.random.default_rng(seed)
    prompts, outputs = prompt.draw(rng, n), output.draw(rng, n)
    cached = np.floor(prompts * prefix_cache_share).astype(np.int64)
    trace = Simulator(pm, cfg).run(np.zeros(n), prompts, outputs, cached_tokens=cached)
    in_flight = float(trace.kv_token_seconds / max(trace.end_s, 1e-12) /
                      max(1.0, prompt.expected() + output.expected() / 2))
    notes = [f"{n} requests queued at once; scheduler caps: max_num_seqs {cfg.max_num_seqs}, "
             f"KV capacity {cfg.kv_capacity_tokens:,} tokens", *scheduler_notes(pm.dep, mem)]
    return summarise(pm, trace, "offline", min(in_flight, fit or in_flight), notes, 0.0,
                      cfg.kv_capacity_tokens, True)


def arrivals(workload: Workload, n: int, rng: np.random.Generator) -> np.ndarray:
    """Arrival times of `n` requests at `workload.rps` (Poisson, or gamma with the given CV)."""
    assert workload.rps is not None
    mean_gap = 1.0 / workload.rps
    if workload.arrival == "poisson" or abs(workload.burstiness_cv - 1.0) < 1e-9:
        gaps = rng.exponential(mean_gap, size=n)
    else:
        shape = 1.0 / workload.burstiness_cv**2
        gaps = rng.gamma(shape, mean_gap / shape, size=n)
    times: np.ndarray = np.cumsum(gaps) - gaps[0]
    return times


def open_loop(pm: PerfModel, mem: MemoryBreakdown, workload: Workload, *, seed: int = 0,
              duration_s: float = 600.0, max_requests: int = 12000, max_in_flight: int = 0,
              drain: bool = False) -> ServingResult:
    """Arrivals at `workload.rps` for `duration_s` simulated seconds (fewer when capped), then drain.

    The first 5% of requests are warm-up and excluded from statistics. When the queue is
    still growing at 3x the arrival window the run is cut and marked unstable, unless `drain`
    (a benchmark of a fixed request count, which runs until the last request is answered).
    `max_in_flight` > 0 is a client-side cap (a benchmark's `--max-concurrency`): a request due
    while that many are unanswered is sent when one finishes, and its latencies count from then.
    """
    assert workload.rps is not None
    cfg = sim_config(pm, mem, workload.input_tokens.expected() + workload.output_tokens.expected())
    n = int(min(max_requests, max(200, workload.rps * duration_s)))
    rng = np.random.default_rng(seed)
    times = arrivals(workload, n, rng)
    prompts = workload.input_tokens.draw(rng, n)
    outputs = workload.output_tokens.draw(rng, n)
    cached = np.floor(prompts * workload.prefix_cache_share).astype(np.int64)
    horizon = math.inf if drain else float(times[-1]) * 3 + 60.0
    clients = min(max_in_flight, n) if max_in_flight > 0 else 0
    trace = Simulator(pm, cfg).run(times, prompts, outputs, cached_tokens=cached, closed_loop_clients=clients,
                                   max_time_s=horizon)
    stable = not trace.truncated
    notes = scheduler_notes(pm.dep, mem)
    if not stable:
        notes.append(f"overloaded: {n - trace.completed} of {n} requests unfinished after {horizon:.0f} s")
    finished = np.isfinite(trace.finish_s) & (trace.finish_s >= 0)
    in_flight = float(np.sum(trace.finish_s[finished] - trace.arrival_s[finished]) / max(trace.end_s, 1e-9))
    return summarise(pm, trace, "rps", in_flight, notes, 0.05, cfg.kv_capacity_tokens, stable)


def slo_misses(result: ServingResult, slo: Slo, margin: Mapping[str, float] | None = None) -> list[Message]:
    """Every SLO target the result misses (empty when all hold), e.g. `TTFT p95 412 ms > 300 ms`.

    With `margin` (metric -> factor >= 1, the pessimistic end of the prediction's error band), a target holds
    only when the predicted value times its factor is within the limit.
    """
    misses = []
    for target in slo.targets:
        stats = {"ttft": result.ttft, "tpot": result.tpot, "itl": result.itl, "e2e": result.e2e}[target.metric]
        got = stats.at(target.percentile) * (margin or {}).get(target.metric, 1.0)
        if not got <= target.limit_s:
            misses.append(Message.of("{metric} p{percentile} {achieved_s} > {limit_s}", metric=target.metric.upper(),
                                     percentile=target.percentile, achieved_s=got, limit_s=target.limit_s))
    return misses
