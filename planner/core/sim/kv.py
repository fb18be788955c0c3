"""The paged KV-cache pool of one replica: reservations and the on-demand growth of decoding sequences.

Decoding sequences grow by one token per decode step. Instead of touching every sequence each step,
the pool keeps `decode_base` = sum over decoding sequences of (context at start - step at start), so
the tokens they hold at global step `step` are `decode_base + n_decoding x step`.
"""

from __future__ import annotations

from planner.core.sim.requests import Request


class KvPool:
    """KV tokens in use against the capacity, with the runtime's reservation policy."""

    __slots__ = ("capacity", "block", "reserve_full", "watermark", "reserved", "decode_base", "context_base",
                 "owns_cached")

    def __init__(self, capacity_tokens: int, block_tokens: int, *, reserve_full: bool, watermark_fraction: float,
                 owns_cached: bool = False):
        self.owns_cached = owns_cached
        """Cached prompt tokens take this pool's blocks (KV transferred in, not a shared prefix cache)."""
        self.capacity = capacity_tokens
        self.block = block_tokens
        self.reserve_full = reserve_full
        # On-demand runtimes keep a share of blocks free when admitting, so running sequences can grow without an
        # immediate preemption; full reservation never needs it.
        self.watermark = 0 if reserve_full else int(watermark_fraction * capacity_tokens)
        self.reserved = 0
        """Tokens held by reservations (prompts being prefilled; whole requests under full reservation)."""
        self.decode_base = 0
        """Sum over decoding sequences of (the KV tokens they own when they started decoding - the step they
        started); prefix-cache tokens are shared and not counted."""
        self.context_base = 0
        """The same sum over their whole context (what decode attention reads, shared prefix included)."""

    def blocks(self, tokens: int) -> int:
        """`tokens` rounded up to whole KV blocks."""
        return -(-tokens // self.block) * self.block

    def admission_need(self, req: Request) -> int:
        """Tokens a request must reserve to be admitted: its uncached prompt + one token (on demand) or + all its
        output (full reservation). Prompt tokens found in the prefix cache live in blocks the cache already
        holds and shares between requests, so they take no new blocks."""
        return self.blocks(req.prompt_tokens - self._shared(req) + (req.output_tokens if self.reserve_full else 1))

    def _shared(self, req: Request) -> int:
        """Prompt tokens of `req` held in shared prefix-cache blocks (none when its KV was transferred in)."""
        return 0 if self.owns_cached else req.cached_tokens

    def in_use(self, n_decoding: int, step: int) -> int:
        """Tokens held now; decode growth counts only for on-demand pools (full ones reserved it already)."""
        if self.reserve_full or not n_decoding:
            return self.reserved
        return self.reserved + self.decode_base + n_decoding * step

    def can_admit(self, need: int, n_decoding: int, step: int) -> bool:
        """Whether `need` more tokens fit, keeping the watermark free."""
        return self.in_use(n_decoding, step) + need + self.watermark <= self.capacity

    def reserve(self, req: Request, need: int) -> None:
        """Hold `need` tokens for an admitted request."""
        req.reserved_tokens = need
        self.reserved += need

    def release(self, req: Request) -> None:
        """Give back a request's reservation."""
        self.reserved -= req.reserved_tokens
        req.reserved_tokens = 0

    def start_decode(self, req: Request, step: int) -> None:
        """A prompt finished prefilling: on demand, its blocks move to the growing decode pool (shared prefix-cache
        blocks stay with the cache)."""
        if not self.reserve_full:
            self.release(req)
        self.decode_base += req.prompt_tokens - self._shared(req) + 1 - step
        self.context_base += req.prompt_tokens + 1 - step

    def stop_decode(self, req: Request) -> None:
        """A sequence left the decode pool (finished or preempted)."""
        self.decode_base -= req.prompt_tokens - self._shared(req) + 1 - req.decode_start_step
        self.context_base -= req.prompt_tokens + 1 - req.decode_start_step

    def growth_room_steps(self, n_decoding: int, step: int) -> int:
        """Decode steps the pool can grow before it overflows (on-demand pools; large for full reservation)."""
        if self.reserve_full or not n_decoding:
            return 1 << 60
        return max(0, (self.capacity - self.in_use(n_decoding, step)) // n_decoding)
