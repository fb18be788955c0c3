"""What the simulator tracks per request, its configuration, and the trace it returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(slots=True)
class Request:
    """One request as the replica sees it (mutable simulation state)."""

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
    """KV tokens this request holds in the pool's reservations (prefill, or the whole request when reserving fully)."""
    decode_start_step: int = 0
    """Global decode step at which it started decoding (its context grows by one per step from there)."""
    preemptions: int = 0
    """Times it was evicted; also the epoch that tells stale heap entries apart."""


@dataclass(frozen=True)
class SimConfig:
    """Scheduler limits and policies of the simulated replica."""

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
