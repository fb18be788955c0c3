"""What the simulator tracks per request, its configuration, and the trace it returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(slots=True)
class Request:
    """One request as the replica sees it (mutable simulation state)."""

    rid: int
    arrival_s: float
    """When the client sent it."""
    prompt_tokens: int
    output_tokens: int
    cached_tokens: int = 0
    """Prompt tokens served from the prefix cache (not recomputed)."""
    prefilled: int = 0
    """Prompt tokens processed so far (cached ones count once the request is admitted)."""
    engine_arrival_s: float = -1.0
    """When the API server handed it to the engine (after its ingest work)."""
    admitted_s: float = -1.0
    first_token_s: float = -1.0
    """When the engine produced its first token."""
    finish_s: float = -1.0
    """When the engine produced its last token."""
    client_first_token_s: float = -1.0
    """When the client received the first token (after the API server streamed it)."""
    client_finish_s: float = -1.0
    """When the client received the last token."""
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
    frontend_request_s: float = 0.0
    """API-server time per request (one FIFO server shared by all requests)."""
    frontend_prompt_token_s: float = 0.0
    """API-server time per prompt token (tokenization)."""
    frontend_output_token_s: float = 0.0
    """API-server time per streamed output token (detokenization, streaming)."""
    separate_detokenizer: bool = False
    """Output is detokenized and streamed by a process of its own (a second FIFO server), not the API server."""
    stream_interval_tokens: int = 1
    """Output tokens per streamed chunk."""
    decode_rows_per_seq: int = 1
    """Token-budget rows one decoding sequence takes per iteration: 1, or K + 1 with K speculative draft tokens."""
    transferred_kv: bool = False
    """Cached prompt tokens arrived from a prefill instance (disaggregated decode): they take blocks of this pool
    instead of shared prefix-cache blocks."""
    max_chunk_tokens: int = 0
    """Largest prompt chunk one sequence advances by per iteration with chunked prefill (0: the whole budget); with
    attention data parallelism, one rank's token budget."""


@dataclass
class SimTrace:
    """Per-request times and aggregate counters of one simulation."""

    arrival_s: np.ndarray
    """Client send times."""
    admitted_s: np.ndarray
    first_token_s: np.ndarray
    """Client receive times of the first token."""
    finish_s: np.ndarray
    """Client receive times of the last token (inf for requests that failed)."""
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
    gap_s: np.ndarray
    """Inter-token latencies seen by clients: the gap before each streamed chunk (one entry per iteration)."""
    gap_weight: np.ndarray
    """How many chunk gaps each `gap_s` entry stands for (decoding sequences x steps / stream interval)."""
    frontend_busy_s: float = 0.0
    """Busy time of the API server (or of the detokenizer process, if separate and busier)."""
