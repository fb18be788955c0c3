"""The event-jump loop: the request path of one replica, iteration by iteration.

A request is sent by its client, ingested by the API server (`FrontEnd`: queueing there under load), waits
in the engine's queue, is admitted and prefilled by the step scheduler, decodes, and its tokens go back
through the API server to the client. Each pass plans one engine iteration (the step scheduler), makes KV room
for decode growth (preempting the newest sequence, which is recomputed later), times it with the performance
model, and advances the clock; the iteration's tokens are then streamed. When nothing but decoding happens
until the next finish, arrival, admission or KV overflow, k identical decode steps run as one jump (their
time is linear in the context, so the mean step is the step at the mean context).
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable

import numpy as np

from planner.core.iteration import IterationShape
from planner.core.perf import PerfModel
from planner.core.sim.frontend import FrontEnd
from planner.core.sim.kv import KvPool
from planner.core.sim.requests import Request, SimConfig, SimTrace
from planner.core.sim.scheduler import scheduler_for


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
            arrivals_s: Arrival times. With `closed_loop_clients`, the earliest times the requests may be sent:
                past the first `closed_loop_clients` requests, each finish releases the next one, at its
                time or at once if that has passed (zero think time when the times are 0).
            prompt_tokens: Prompt length of each request.
            output_tokens: Output length of each request (>= 1).
            cached_tokens: Prompt tokens each request finds in the prefix cache.
            closed_loop_clients: If > 0, that many requests are in flight at once (zero think time).
            max_time_s: Stop here even if requests are still queued (overload).
        """
        return _Run(self, arrivals_s, prompt_tokens, output_tokens, cached_tokens, closed_loop_clients,
                    max_time_s).run()


class _Run:
    """The state of one simulation."""

    def __init__(self, sim: Simulator, arrivals_s: np.ndarray, prompt_tokens: np.ndarray, output_tokens: np.ndarray,
                 cached_tokens: np.ndarray | None, closed_loop_clients: int, max_time_s: float) -> None:
        cfg = sim.cfg
        self.sim, self.cfg, self.max_time_s = sim, cfg, max_time_s
        self.prompt_tokens, self.output_tokens = prompt_tokens, output_tokens
        n = self.n_total = len(prompt_tokens)
        cached = cached_tokens if cached_tokens is not None else np.zeros(n, dtype=np.int64)
        # Python numbers once (indexing numpy arrays element by element costs more than the simulation's setup)
        prompts_py = [int(x) for x in np.asarray(prompt_tokens).tolist()]
        self.reqs = [Request(i, float(a), p, max(1, int(o)), int(min(c, p - 1))) for i, (a, p, o, c) in
                     enumerate(zip(np.asarray(arrivals_s, dtype=float).tolist(), prompts_py,
                                   np.asarray(output_tokens).tolist(), np.asarray(cached).tolist()))]
        self.clients = closed_loop_clients
        self.scheduled_s = arrivals_s
        if closed_loop_clients:
            for r in self.reqs:
                r.arrival_s = math.inf
            for r in self.reqs[:closed_loop_clients]:
                r.arrival_s = float(arrivals_s[r.rid])  # staggered client start times
            self.next_release = min(closed_loop_clients, n)
            self.pending: deque[Request] = deque(sorted(self.reqs[:self.next_release], key=lambda r: r.arrival_s))
        else:
            self.pending = deque(sorted(self.reqs, key=lambda r: r.arrival_s))
            self.next_release = n
        self.inbound: list[tuple[float, int]] = []  # (engine arrival time, rid): ingested by the API server
        self.waiting: deque[Request] = deque()
        self.prefilling: list[Request] = []
        self.decoding: dict[int, Request] = {}
        self.finish_heap: list[tuple[int, int, int]] = []  # (finish step, rid, preemption epoch)
        self.newest_heap: list[tuple[float, int, int]] = []  # (-admission time, -rid, epoch): preemption victims
        self.step = 0  # global decode-step counter: every decoding sequence gains one token per step
        self.t = 0.0
        self.iterations = self.preemptions = self.completed = 0
        self.kv_token_s = self.busy_s = 0.0
        self.pool = KvPool(cfg.kv_capacity_tokens, cfg.block_tokens, reserve_full=cfg.reserve_full,
                           watermark_fraction=cfg.watermark_fraction, owns_cached=cfg.transferred_kv)
        self.scheduler = scheduler_for(cfg, self.pool)
        self.frontend = FrontEnd(cfg.frontend_request_s, cfg.frontend_prompt_token_s, cfg.frontend_output_token_s,
                                 cfg.separate_detokenizer)
        self.gaps: list[float] = []  # inter-chunk latencies seen by decoding clients, one entry per iteration kind
        self.gap_weights: list[float] = []
        self.last_emit_s = 0.0  # when the decoding batch last emitted a token
        # Speculative decoding: one decode step is a verify pass emitting `tokens_per_step` tokens per sequence on
        # average. Decode-only blocks run in tokens (each costing the verify step / tokens_per_step); an iteration
        # mixed with prefill chunks advances the decodes by the expected tokens, carried over in whole tokens.
        pm = sim.pm
        self.spec_k = pm.num_speculative_tokens
        self.spec_tokens = pm.tokens_per_step
        self.spec_carry = 0.0
        self.chunk_tokens = max(float(cfg.stream_interval_tokens), self.spec_tokens)

    # ---------------------------------------------------------------- request lifecycle

    def finish(self, r: Request) -> None:
        """A request is done (or failed): free its KV and, in a closed loop, release the next request."""
        self.completed += 1
        self.pool.release(r)
        if self.clients and self.next_release < self.n_total:
            nxt = self.reqs[self.next_release]
            nxt.arrival_s = max(self.scheduled_s[nxt.rid], r.client_finish_s)
            self.pending.append(nxt)
            self.next_release += 1

    def fail(self, r: Request) -> None:
        """A request that can never fit: counted as finished at infinity."""
        r.finish_s = r.client_finish_s = math.inf
        self.completed += 1

    def start_decode(self, r: Request, client_s: float) -> None:
        """A prompt is fully prefilled: its first token is out (clients see it at `client_s`); it decodes the
        rest, or finishes."""
        remaining = r.output_tokens - 1
        if remaining <= 0:
            r.finish_s, r.client_finish_s = self.t, client_s
            self.finish(r)
            return
        r.decode_start_step = self.step
        self.pool.start_decode(r, self.step)
        self.decoding[r.rid] = r
        heapq.heappush(self.finish_heap, (self.step + remaining, r.rid, r.preemptions))
        heapq.heappush(self.newest_heap, (-r.admitted_s, -r.rid, r.preemptions))

    def preempt_newest(self) -> bool:
        """Evict the most recently admitted decoding sequence; it is recomputed later (prompt + generated)."""
        victim = None
        while self.newest_heap:
            _, neg_rid, epoch = heapq.heappop(self.newest_heap)
            cand = self.decoding.get(-neg_rid)
            if cand is not None and cand.preemptions == epoch:
                victim = cand
                break
        if victim is None:
            return False
        del self.decoding[victim.rid]
        generated = self.step - victim.decode_start_step
        self.pool.stop_decode(victim)
        victim.preemptions += 1
        self.preemptions += 1
        victim.prompt_tokens += generated + 1
        victim.output_tokens = max(1, victim.output_tokens - (generated + 1))
        victim.prefilled = 0
        victim.cached_tokens = 0
        self.waiting.appendleft(victim)
        return True

    # ---------------------------------------------------------------- the loop

    def _ingest(self, until_s: float) -> None:
        """Requests sent by `until_s` go through the API server's ingest, in order."""
        while self.pending and self.pending[0].arrival_s <= until_s:
            r = self.pending.popleft()
            r.engine_arrival_s = self.frontend.ingest(r.arrival_s, r.prompt_tokens)
            heapq.heappush(self.inbound, (r.engine_arrival_s, r.rid))

    def _next_event_s(self) -> float:
        """The next time a request reaches the engine (inf when none is coming)."""
        nxt = self.inbound[0][0] if self.inbound else math.inf
        if self.pending:
            nxt = min(nxt, self.pending[0].arrival_s)
        return nxt

    def run(self) -> SimTrace:
        cfg, pool, scheduler, frontend = self.cfg, self.pool, self.scheduler, self.frontend
        dec_s = self.sim.pm.decode_step_fn() if self.sim.pm.dep.pp_size == 1 else self.sim._decode_s
        step_s = self.sim.pm.step_s
        pending, inbound, waiting, prefilling, decoding = (self.pending, self.inbound, self.waiting, self.prefilling,
                                                           self.decoding)
        reqs, heappop = self.reqs, heapq.heappop
        on_demand, spec_k, n_total = not cfg.reserve_full, self.spec_k, self.n_total
        while self.completed < n_total:
            t = self.t
            if pending and pending[0].arrival_s <= t:
                self._ingest(t)
            while inbound and inbound[0][0] <= t:
                waiting.append(reqs[heappop(inbound)[1]])
            if not waiting and not prefilling and not decoding:
                nxt = self._next_event_s()
                if nxt == math.inf:
                    break
                self.t = max(t, nxt)
                continue
            if t > self.max_time_s:
                break
            plan = scheduler.schedule(t, self.step, waiting, prefilling, len(decoding)) if waiting or prefilling \
                else None  # nothing to admit or continue: a decode-only iteration
            if plan is not None:
                for r in plan.dropped:
                    self.fail(r)
            if on_demand and decoding:  # on-demand KV growth: room for one more token per decoding sequence
                n = len(decoding)  # a verify pass writes K + 1 slots per sequence
                while n and pool.reserved + pool.decode_base + n * (self.step + spec_k + 1) > pool.capacity:
                    if not self.preempt_newest():
                        break
                    n = len(decoding)
            if plan is None:
                chunks: list[tuple[Request, int]] = []
                n_dec = len(decoding)
            else:
                chunks = plan.chunks
                n_dec = scheduler.decodes_with(plan, len(decoding))
            if not chunks and n_dec == 0:
                nxt = self._next_event_s()
                if nxt < math.inf:
                    self.t = max(t, nxt)
                    continue
                if waiting:  # nothing runs and the head cannot be admitted: it can never fit
                    self.fail(waiting.popleft())
                    continue
                break
            step = self.step
            ctx_sum = float(pool.context_base + n_dec * step) if n_dec else 0.0
            finishing = 0
            if chunks:
                pairs = past = 0.0
                tokens = 0
                for r, take in chunks:
                    before = r.prefilled
                    pairs += take * (before + (take + 1) / 2)
                    past += before
                    tokens += take
                    if before + take >= r.prompt_tokens:
                        finishing += 1
                drafts = n_dec * spec_k
                dt = step_s(IterationShape(decode_seqs=n_dec, decode_context_tokens=ctx_sum, prefill_tokens=tokens,
                                           prefill_seqs=len(chunks), prefill_attention_pairs=pairs,
                                           prefill_past_tokens=past, sampled_seqs=n_dec + finishing + drafts,
                                           draft_tokens=drafts))
                k = 1
                if spec_k and n_dec:
                    self.spec_carry += self.spec_tokens
                    k = max(1, int(self.spec_carry))
                    self.spec_carry -= k
                span = dt
            else:
                k, dt = self._jump(n_dec, ctx_sum, dec_s)
                span = dt * k
            self.kv_token_s += pool.in_use(len(decoding), step) * span
            self.busy_s += span
            start = t
            self.t = t = t + span
            if n_dec:
                self.step = step + k
            self.iterations += k if not spec_k else (1 if chunks else max(1, round(k / self.spec_tokens)))
            if n_dec and spec_k:
                self._record_spec_gaps(start, span, k, n_dec)
            elif n_dec:
                self._record_gaps(start, dt, k, n_dec)
            # The iteration's tokens go out through the API server (after the requests sent meanwhile are ingested).
            if pending and pending[0].arrival_s <= t:
                self._ingest(t)
            client_s = frontend.stream(t, n_dec * k + finishing)
            if not n_dec and not decoding:
                self.last_emit_s = t  # a new batch starts decoding from these first tokens
            for r, take in chunks:  # prefill progress and first tokens
                r.prefilled += take
                if r.prefilled >= r.prompt_tokens:
                    prefilling.remove(r)
                    if r.first_token_s < 0:
                        r.first_token_s, r.client_first_token_s = t, client_s
                    self.start_decode(r, client_s)
            finish_heap = self.finish_heap
            if finish_heap and finish_heap[0][0] <= self.step:
                self._finish_decodes(client_s)
        return self._trace()

    def _record_gaps(self, start_s: float, dt: float, k: int, n_dec: int) -> None:
        """Inter-chunk latencies of this iteration's decoding sequences: the first step's gap runs from the batch's
        last emission (it includes prefill iterations that paused decoding), the other k - 1 are one step each."""
        interval = self.cfg.stream_interval_tokens
        first = start_s + dt - self.last_emit_s if self.last_emit_s > 0 else dt
        self.gaps.append(first * interval)
        self.gap_weights.append(n_dec / interval)
        if k > 1:
            self.gaps.append(dt * interval)
            self.gap_weights.append(n_dec * (k - 1) / interval)
        self.last_emit_s = self.t

    def _record_spec_gaps(self, start_s: float, span_s: float, tokens: int, n_dec: int) -> None:
        """Chunk gaps under speculative decoding: every verify step streams its accepted tokens at once, so chunks of
        max(stream interval, tokens per step) tokens arrive one verify step apart. A block of `tokens` tokens per
        sequence is that many chunks (a fraction of one for a short block, weighted as such); the first also waits
        for any pause since the batch last emitted."""
        chunks = tokens / self.chunk_tokens
        per_chunk = span_s / chunks
        pause = start_s - self.last_emit_s if self.last_emit_s > 0 else 0.0
        self.gaps.append(per_chunk + pause)
        self.gap_weights.append(n_dec * min(1.0, chunks))
        if chunks > 1:
            self.gaps.append(per_chunk)
            self.gap_weights.append(n_dec * (chunks - 1))
        self.last_emit_s = self.t

    def _jump(self, n_dec: int, ctx_sum: float, dec_s: Callable[[int, float], float]) -> tuple[int, float]:
        """Decode steps that can run as one block, and their mean step time: nothing changes until the next finish,
        engine arrival, admission or KV overflow. Requests that clients send during the block reach the API server
        before the block's tokens stream out, so they are ingested here, in order, and the first that reaches the
        engine within the block ends it there."""
        cfg, pool, t = self.cfg, self.pool, self.t
        dt = dec_s(n_dec, ctx_sum)
        k = self.finish_heap[0][0] - self.step if self.finish_heap else 1
        if self.inbound:
            k = min(k, max(1, math.ceil((self.inbound[0][0] - t) / dt)))
        if self.waiting and not cfg.static:
            head = pool.blocks(self.waiting[0].prompt_tokens + 1)
            if pool.in_use(n_dec, self.step) + head <= pool.capacity and n_dec < cfg.max_num_seqs:
                k = 1
        if not cfg.reserve_full and n_dec:
            k = min(k, max(1, pool.growth_room_steps(n_dec, self.step)))
        k = max(1, k)
        pending, half = self.pending, n_dec / 2
        while True:
            mean = dt if k == 1 else dec_s(n_dec, ctx_sum + half * (k - 1))
            end = t + mean * k
            if not pending or pending[0].arrival_s > end:
                return k, mean
            r = pending.popleft()
            r.engine_arrival_s = self.frontend.ingest(r.arrival_s, r.prompt_tokens)
            heapq.heappush(self.inbound, (r.engine_arrival_s, r.rid))
            if r.engine_arrival_s < end:
                k = min(k, max(1, math.ceil((r.engine_arrival_s - t) / dt)))

    def _finish_decodes(self, client_s: float) -> None:
        """Sequences whose last token came out at the current step leave the batch (clients see it at `client_s`)."""
        while self.finish_heap and self.finish_heap[0][0] <= self.step:
            _, rid, epoch = heapq.heappop(self.finish_heap)
            r = self.decoding.get(rid)
            if r is None or r.preemptions != epoch:
                continue  # preempted since: a newer entry tracks it
            del self.decoding[rid]
            self.pool.stop_decode(r)
            r.finish_s, r.client_finish_s = self.t, client_s
            self.finish(r)

    def _trace(self) -> SimTrace:
        reqs = self.reqs
        return SimTrace(
            arrival_s=np.array([r.arrival_s for r in reqs]), admitted_s=np.array([r.admitted_s for r in reqs]),
            first_token_s=np.array([r.client_first_token_s for r in reqs]),
            finish_s=np.array([r.client_finish_s for r in reqs]),
            prompt_tokens=np.asarray(self.prompt_tokens), output_tokens=np.asarray(self.output_tokens),
            preemptions=self.preemptions, iterations=self.iterations, end_s=self.t, kv_token_seconds=self.kv_token_s,
            busy_s=self.busy_s, completed=self.completed, truncated=self.completed < self.n_total,
            gap_s=np.array(self.gaps), gap_weight=np.array(self.gap_weights), frontend_busy_s=self.frontend.busiest_s,
        )
