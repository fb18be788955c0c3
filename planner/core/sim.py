"""Discrete-event simulator of continuous batching (vLLM / SGLang / TensorRT-LLM style).

Each scheduler iteration packs one decode token for every running sequence plus prompt
chunks of admitted requests, up to the token budget, bounded by max_num_seqs and KV-cache
capacity. Runs of decode-only iterations with nothing to admit are skipped in one jump
(every running sequence advances one token per iteration, so finishes are known in advance).

Pure and deterministic: arrivals and lengths come from the caller; no I/O.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass

import numpy as np

from planner.core.perf import IterationShape, PerfModel


@dataclass(slots=True)
class _Req:
    rid: int
    arrival_s: float
    prompt_tokens: int
    output_tokens: int
    cached_tokens: int = 0
    """Prompt tokens served from the prefix cache (not recomputed)."""
    prefilled: int = 0
    """Prompt tokens processed so far (cached ones count once the request is admitted)."""
    admitted_s: float = -1.0
    first_token_s: float = -1.0
    finish_s: float = -1.0
    reserved_tokens: int = 0
    decode_start_step: int = 0
    preemptions: int = 0


@dataclass
class SimConfig:
    """Scheduler limits of the simulated replica."""

    max_num_seqs: int
    max_num_batched_tokens: int
    kv_capacity_tokens: int
    chunked_prefill: bool
    reserve_full: bool
    """Reserve prompt + output KV at admission (TensorRT-LLM guaranteed-no-evict) instead of on demand."""
    block_tokens: int = 16
    mixed: bool = True
    """Prefill chunks share iterations with decodes (else prefill iterations pause decoding)."""
    watermark_fraction: float = 0.0
    """Share of KV capacity kept free when admitting (on-demand reservation only)."""
    static: bool = False
    """Static batching: a new batch starts only when the previous one has fully finished."""


@dataclass
class SimTrace:
    """Per-request times and aggregate counters of one simulation."""

    arrival_s: np.ndarray
    admitted_s: np.ndarray
    first_token_s: np.ndarray
    finish_s: np.ndarray
    prompt_tokens: np.ndarray
    output_tokens: np.ndarray
    preemptions: int
    iterations: int
    end_s: float
    kv_token_seconds: float
    busy_s: float
    completed: int
    truncated: bool
    """The run stopped at its time limit with requests unfinished (overload)."""


class Simulator:
    """Iteration-level simulation of one replica."""

    def __init__(self, pm: PerfModel, cfg: SimConfig) -> None:
        self.pm = pm
        self.cfg = cfg

    def _decode_s(self, n: int, ctx_sum: float) -> float:
        """Decode-only step time (exact; the perf model caches the batch-dependent part)."""
        if self.pm.dep.pp_size == 1:
            return self.pm.decode_s(n, ctx_sum)
        return self.pm.step_s(IterationShape(decode_seqs=n, decode_context_tokens=ctx_sum, sampled_seqs=n))

    def run(self, arrivals_s: np.ndarray, prompt_tokens: np.ndarray, output_tokens: np.ndarray,
            cached_tokens: np.ndarray | None = None, closed_loop_clients: int = 0,
            max_time_s: float = math.inf) -> SimTrace:
        """Simulate until every request finishes or `max_time_s` passes.

        Args:
            arrivals_s: Arrival times (open loop); ignored past the first `closed_loop_clients`
                requests in closed-loop mode, where each finish releases the next request.
            prompt_tokens: Prompt length of each request.
            output_tokens: Output length of each request (>= 1).
            cached_tokens: Prompt tokens each request finds in the prefix cache.
            closed_loop_clients: If > 0, that many requests are in flight at once (zero think time).
            max_time_s: Stop here even if requests are still queued (overload).
        """
        cfg, n_total = self.cfg, len(prompt_tokens)
        cached = cached_tokens if cached_tokens is not None else np.zeros(n_total, dtype=np.int64)
        reqs = [_Req(i, float(arrivals_s[i]), int(prompt_tokens[i]), max(1, int(output_tokens[i])),
                     int(min(cached[i], prompt_tokens[i] - 1))) for i in range(n_total)]
        if closed_loop_clients:
            for r in reqs:
                r.arrival_s = math.inf
            for r in reqs[:closed_loop_clients]:
                r.arrival_s = float(arrivals_s[r.rid])  # staggered client start times
            next_release = min(closed_loop_clients, n_total)
            pending: deque[_Req] = deque(sorted(reqs[:next_release], key=lambda r: r.arrival_s))
        else:
            order = sorted(reqs, key=lambda r: r.arrival_s)
            pending = deque(order)
            next_release = n_total
        waiting: deque[_Req] = deque()
        prefilling: list[_Req] = []
        decoding: dict[int, _Req] = {}
        finish_heap: list[tuple[int, int, int]] = []  # (finish step, rid, preemption epoch)
        newest_heap: list[tuple[float, int, int]] = []  # (-admission time, -rid, epoch): preemption victims
        step = 0  # global decode-step counter: every decoding seq gains one token per step
        ctx_base = 0  # sum over decoding seqs of (context at step 0 equivalent): ctx = base + n*step
        kv_used = 0  # reserved/used KV tokens excluding decode growth of on-demand seqs
        t = 0.0
        iterations = preemptions = completed = 0
        kv_token_s = busy_s = 0.0
        block = cfg.block_tokens
        # On-demand runtimes may keep a share of blocks free when admitting, so running sequences can grow
        # without an immediate preemption.
        watermark = 0 if cfg.reserve_full else int(cfg.watermark_fraction * cfg.kv_capacity_tokens)
        dec_s = self.pm.decode_s if self.pm.dep.pp_size == 1 else self._decode_s
        step_s = self.pm.step_s

        def blocks(tokens: int) -> int:
            return -(-tokens // block) * block

        def kv_in_use() -> int:
            if cfg.reserve_full:
                return kv_used
            return kv_used + (ctx_base + len(decoding) * step if decoding else 0)

        def release(r: _Req) -> None:
            nonlocal kv_used, next_release
            kv_used -= r.reserved_tokens
            r.reserved_tokens = 0
            if closed_loop_clients and next_release < n_total:
                nxt = reqs[next_release]
                nxt.arrival_s = r.finish_s
                pending.append(nxt)
                next_release += 1

        def start_decode(r: _Req) -> None:
            nonlocal ctx_base, kv_used
            remaining = r.output_tokens - 1
            if remaining <= 0:
                r.finish_s = t
                finish(r)
                return
            r.decode_start_step = step
            ctx = r.prompt_tokens + 1
            if not cfg.reserve_full:
                # On-demand KV: the prompt's blocks move to the decode pool, which grows with steps.
                kv_used -= r.reserved_tokens
                r.reserved_tokens = 0
            ctx_base += ctx - step
            decoding[r.rid] = r
            heapq.heappush(finish_heap, (step + remaining, r.rid, r.preemptions))
            heapq.heappush(newest_heap, (-r.admitted_s, -r.rid, r.preemptions))

        def finish(r: _Req) -> None:
            nonlocal completed
            completed += 1
            release(r)

        def preempt_one() -> bool:
            """Evict the most recently admitted decoding sequence (recompute later)."""
            nonlocal ctx_base, preemptions
            victim = None
            while newest_heap:
                _, neg_rid, epoch = heapq.heappop(newest_heap)
                cand = decoding.get(-neg_rid)
                if cand is not None and cand.preemptions == epoch:
                    victim = cand
                    break
            if victim is None:
                return False
            del decoding[victim.rid]
            gen = step - victim.decode_start_step
            ctx_base -= victim.prompt_tokens + 1 - victim.decode_start_step
            victim.preemptions += 1
            preemptions += 1
            # Recompute: prompt plus generated tokens are prefilled again; remaining output shrinks.
            victim.prompt_tokens += gen + 1
            victim.output_tokens -= gen + 1
            victim.prefilled = 0
            victim.cached_tokens = 0
            if victim.output_tokens <= 0:
                victim.output_tokens = 1
            waiting.appendleft(victim)
            return True

        while completed < n_total:
            # Arrivals up to now join the waiting queue.
            while pending and pending[0].arrival_s <= t:
                waiting.append(pending.popleft())
            if not waiting and not prefilling and not decoding:
                if not pending:
                    break
                t = max(t, pending[0].arrival_s)
                continue
            if t > max_time_s:
                break
            # --- schedule one iteration
            n_dec = len(decoding)
            budget = cfg.max_num_batched_tokens - (n_dec if cfg.mixed else 0)
            chunks: list[tuple[_Req, int]] = []
            running = n_dec + len(prefilling)
            batch_open = not cfg.static or (not decoding and not prefilling)
            for r in prefilling:
                if budget <= 0:
                    break
                take = min(r.prompt_tokens - r.prefilled, budget) if cfg.chunked_prefill else \
                    r.prompt_tokens - r.prefilled
                chunks.append((r, take))
                budget -= take
            capacity = cfg.kv_capacity_tokens
            admitted: list[_Req] = []
            while batch_open and waiting and running < cfg.max_num_seqs and (budget > 0 or not chunks and n_dec == 0):
                r = waiting[0]
                need = blocks(r.prompt_tokens + (r.output_tokens if cfg.reserve_full else 1))
                if kv_in_use() + need + watermark > capacity:
                    if need > capacity and not decoding and not prefilling:
                        # Can never fit: drop it as failed (counted as finished at infinity).
                        waiting.popleft()
                        r.finish_s = math.inf
                        completed += 1
                        continue
                    break
                todo = r.prompt_tokens - r.cached_tokens
                if not cfg.chunked_prefill and todo > budget and chunks:
                    # Unchunked prompts run whole; one that exceeds the budget runs with decodes only
                    # (the engine is built with a token budget of at least the longest prompt).
                    break
                waiting.popleft()
                r.admitted_s = t
                r.prefilled = r.cached_tokens
                r.reserved_tokens = need
                kv_used += need
                prefilling.append(r)
                admitted.append(r)
                running += 1
                take = min(todo, budget) if cfg.chunked_prefill else todo
                chunks.append((r, take))
                budget -= take
            if cfg.static and admitted:
                # Static batches decode until their longest member ends (padding rows keep computing).
                longest = max(r.output_tokens for r in admitted)
                for r in admitted:
                    r.output_tokens = longest
            # On-demand KV growth: make room for one more token per decoding seq.
            if not cfg.reserve_full:
                while decoding and kv_in_use() + len(decoding) > capacity:
                    if not preempt_one():
                        break
            n_dec = len(decoding) if (cfg.mixed or not chunks) else 0
            if not chunks and n_dec == 0:
                if pending:
                    t = max(t, pending[0].arrival_s)
                    continue
                if waiting:
                    # Nothing runs and the head cannot be admitted: it can never fit.
                    r = waiting.popleft()
                    r.finish_s = math.inf
                    completed += 1
                    continue
                break
            ctx_sum = float(ctx_base + n_dec * step) if n_dec else 0.0
            if chunks:
                pairs = past = 0.0
                tokens = finishing = 0
                for r, take in chunks:
                    before = r.prefilled
                    pairs += take * (before + (take + 1) / 2)
                    past += before
                    tokens += take
                    if before + take >= r.prompt_tokens:
                        finishing += 1
                shape = IterationShape(decode_seqs=n_dec, decode_context_tokens=ctx_sum, prefill_tokens=tokens,
                                       prefill_seqs=len(chunks), prefill_attention_pairs=pairs,
                                       prefill_past_tokens=past, sampled_seqs=n_dec + finishing)
                dt = step_s(shape)
                k = 1
            else:
                dt = dec_s(n_dec, ctx_sum)
                # Jump: nothing changes until the next finish, arrival, admission or KV overflow.
                k = finish_heap[0][0] - step if finish_heap else 1
                if pending:
                    k = min(k, max(1, math.ceil((pending[0].arrival_s - t) / dt)))
                if waiting and not cfg.static:
                    k = 1 if kv_in_use() + blocks(waiting[0].prompt_tokens + 1) <= capacity and \
                        n_dec < cfg.max_num_seqs else k
                if not cfg.reserve_full and n_dec:
                    k = min(k, max(1, (capacity - kv_in_use()) // n_dec))
                k = max(1, k)
                if k > 1:
                    dt = dec_s(n_dec, ctx_sum + n_dec * (k - 1) / 2)
            span = dt * k
            kv_token_s += kv_in_use() * span
            busy_s += span
            t += span
            step += k if n_dec else 0
            iterations += k
            # Prefill progress and first tokens.
            for r, take in chunks:
                r.prefilled += take
                if r.prefilled >= r.prompt_tokens:
                    prefilling.remove(r)
                    if r.first_token_s < 0:
                        r.first_token_s = t
                    start_decode(r)
            # Decode finishes.
            while finish_heap and finish_heap[0][0] <= step:
                _, rid, started = heapq.heappop(finish_heap)
                done = decoding.get(rid)
                if done is None or done.preemptions != started:
                    continue  # preempted since: a newer entry tracks it
                del decoding[rid]
                r = done
                ctx_base -= r.prompt_tokens + 1 - r.decode_start_step
                r.finish_s = t
                if not cfg.reserve_full:
                    r.reserved_tokens = 0
                finish(r)
        return SimTrace(
            arrival_s=np.array([r.arrival_s for r in reqs]),
            admitted_s=np.array([r.admitted_s for r in reqs]),
            first_token_s=np.array([r.first_token_s for r in reqs]),
            finish_s=np.array([r.finish_s for r in reqs]),
            prompt_tokens=np.asarray(prompt_tokens), output_tokens=np.asarray(output_tokens),
            preemptions=preemptions, iterations=iterations, end_s=t, kv_token_seconds=kv_token_s,
            busy_s=busy_s, completed=completed, truncated=completed < n_total,
        )
