"""The step scheduler: which prompt chunks and decodes one iteration runs, as the runtime builds its batch.

Continuous batching (vLLM, SGLang, TensorRT-LLM, TGI): prompts already being prefilled continue first, then
waiting requests are admitted while the sequence cap, the token budget and the KV pool allow; long prompts
are chunked to the budget when the runtime chunks. Decodes share the iteration with prefill chunks (mixed
batches) or pause while a prefill runs (SGLang without mixed chunks, TGI). Static batching (transformers
`generate`) admits a new batch only when the previous one has finished and pads it to its longest output.
"""

from __future__ import annotations

from collections import deque

from planner.core.sim.kv import KvPool
from planner.core.sim.requests import Request, SimConfig


class Step:
    """One iteration's plan (a slotted class: one is built per scheduled iteration)."""

    __slots__ = ("chunks", "admitted", "dropped")

    def __init__(self) -> None:
        self.chunks: list[tuple[Request, int]] = []
        """(request, prompt tokens processed this iteration)."""
        self.admitted: list[Request] = []
        """Requests admitted from the waiting queue this iteration."""
        self.dropped: list[Request] = []
        """Requests that can never fit in the KV pool (they fail)."""


class ContinuousScheduler:
    """Continuous batching with a token budget (the runtimes' default)."""

    def __init__(self, cfg: SimConfig, pool: KvPool) -> None:
        self.cfg = cfg
        self.pool = pool

    def batch_open(self, prefilling: list[Request], n_decoding: int) -> bool:
        """Whether new requests may join this iteration."""
        return True

    def decodes_with(self, step: Step, n_decoding: int) -> int:
        """Decoding sequences that run in an iteration with `step`'s prefill chunks."""
        return n_decoding if (self.cfg.mixed or not step.chunks) else 0

    def schedule(self, t: float, step_no: int, waiting: deque[Request], prefilling: list[Request],
                 n_decoding: int) -> Step:
        """Plan the iteration starting at `t`: continue prefills, then admit waiting requests."""
        cfg, pool, out = self.cfg, self.pool, Step()
        budget = cfg.max_num_batched_tokens - (n_decoding * cfg.decode_rows_per_seq if cfg.mixed else 0)
        running = n_decoding + len(prefilling)
        for r in prefilling:
            if budget <= 0:
                break
            take = r.prompt_tokens - r.prefilled
            if cfg.chunked_prefill:
                take = min(take, budget, cfg.max_chunk_tokens or budget)
            out.chunks.append((r, take))
            budget -= take
        if not self.batch_open(prefilling, n_decoding):
            return out
        while waiting and running < cfg.max_num_seqs and (budget > 0 or not out.chunks and n_decoding == 0):
            r = waiting[0]
            need = pool.admission_need(r)
            if not pool.can_admit(need, n_decoding, step_no):
                if need > pool.capacity and not n_decoding and not prefilling:
                    out.dropped.append(waiting.popleft())  # can never fit
                    continue
                break
            todo = r.prompt_tokens - r.cached_tokens
            if not cfg.chunked_prefill and todo > budget and out.chunks:
                # Unchunked prompts run whole; one that exceeds the budget runs with decodes only (the engine is
                # built with a token budget of at least the longest prompt).
                break
            waiting.popleft()
            r.admitted_s = t
            r.prefilled = r.cached_tokens
            pool.reserve(r, need)
            prefilling.append(r)
            out.admitted.append(r)
            running += 1
            take = min(todo, budget, cfg.max_chunk_tokens or budget) if cfg.chunked_prefill else todo
            out.chunks.append((r, take))
            budget -= take
        return out


class StaticScheduler(ContinuousScheduler):
    """Static batches: the next batch starts when the previous one has finished; padding rows keep computing."""

    def batch_open(self, prefilling: list[Request], n_decoding: int) -> bool:
        """Only an idle replica takes a new batch."""
        return not prefilling and not n_decoding

    def schedule(self, t: float, step_no: int, waiting: deque[Request], prefilling: list[Request],
                 n_decoding: int) -> Step:
        """As continuous batching, then every admitted request decodes until the batch's longest output."""
        out = super().schedule(t, step_no, waiting, prefilling, n_decoding)
        if out.admitted:
            longest = max(r.output_tokens for r in out.admitted)
            for r in out.admitted:
                r.output_tokens = longest
        return out


def scheduler_for(cfg: SimConfig, pool: KvPool) -> ContinuousScheduler:
    """The step scheduler of a replica's configuration."""
    return StaticScheduler(cfg, pool) if cfg.static else ContinuousScheduler(cfg, pool)
