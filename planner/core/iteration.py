"""One engine iteration: its shape (the decode rows and prompt chunks it batches) and its time, by operator group.

The types the performance model (`planner.core.perf`) takes and returns, and the simulator builds and reads.
"""

from __future__ import annotations

import math
from typing import Literal, NamedTuple

from pydantic import Field

from planner.specs._base import Frozen

Bound = Literal["compute", "memory", "communication", "overhead"]
"""What dominates an iteration's time."""



class IterationShape(NamedTuple):
    """The work of one scheduler iteration, in aggregates (all sequences on one replica). A named tuple: the
    simulator builds one per mixed iteration, and a tuple is built several times faster than a frozen dataclass."""

    decode_seqs: int = 0
    """Sequences generating one token this iteration."""
    decode_context_tokens: float = 0.0
    """Sum of the decode sequences' context lengths (KV read by decode attention)."""
    prefill_tokens: int = 0
    """New prompt tokens processed this iteration (all chunks)."""
    prefill_seqs: int = 0
    """Prompt chunks in this iteration."""
    prefill_attention_pairs: float = 0.0
    """Query-key pairs of the prefill chunks (causal: new x (past + (new+1)/2))."""
    prefill_past_tokens: float = 0.0
    """Cached context the prefill chunks attend to (KV read for chunked / prefix-cached prompts)."""
    sampled_seqs: int = 0
    """Rows through the lm_head (decode seqs plus prompts finishing this iteration, plus draft rows)."""
    draft_tokens: int = 0
    """Speculative draft tokens verified besides the decode rows (K per decoding sequence): extra rows through
    every GEMM and extra queries of decode attention over the same context."""

    @property
    def tokens(self) -> int:
        """Token rows through every GEMM."""
        return self.decode_seqs + self.draft_tokens + self.prefill_tokens

    def busiest_rank(self, ranks: int) -> IterationShape:
        """The share of the busiest of `ranks` attention data-parallel ranks: sequences dealt round-robin, so it holds
        ceil(n / ranks) of the decode sequences and of the prompt chunks (a chunk is never split across ranks: one
        long prompt keeps its rank busy while the others wait at the next MoE layer)."""
        if ranks == 1:
            return self
        dec = math.ceil(self.decode_seqs / ranks)
        chunks = math.ceil(self.prefill_seqs / ranks)
        f_dec = dec / self.decode_seqs if self.decode_seqs else 0.0
        f_pre = chunks / self.prefill_seqs if self.prefill_seqs else 0.0
        return IterationShape(
            decode_seqs=dec, decode_context_tokens=self.decode_context_tokens * f_dec,
            prefill_tokens=math.ceil(self.prefill_tokens * f_pre), prefill_seqs=chunks,
            prefill_attention_pairs=self.prefill_attention_pairs * f_pre,
            prefill_past_tokens=self.prefill_past_tokens * f_pre,
            sampled_seqs=math.ceil(self.sampled_seqs / ranks), draft_tokens=math.ceil(self.draft_tokens / ranks),
        )

    def split(self, parts: int) -> IterationShape:
        """One of `parts` equal micro-batches (pipeline parallelism)."""
        if parts == 1:
            return self
        return IterationShape(
            decode_seqs=math.ceil(self.decode_seqs / parts),
            decode_context_tokens=self.decode_context_tokens / parts,
            prefill_tokens=math.ceil(self.prefill_tokens / parts),
            prefill_seqs=math.ceil(self.prefill_seqs / parts),
            prefill_attention_pairs=self.prefill_attention_pairs / parts,
            prefill_past_tokens=self.prefill_past_tokens / parts,
            sampled_seqs=math.ceil(self.sampled_seqs / parts),
            draft_tokens=math.ceil(self.draft_tokens / parts),
        )


def decode_shape(batch: int, context_tokens: float) -> IterationShape:
    """One decode step of `batch` sequences each holding `context_tokens` of context."""
    return IterationShape(decode_seqs=batch, decode_context_tokens=batch * context_tokens, sampled_seqs=batch)


def prefill_shape(batch: int, prompt_tokens: int, past_tokens: int = 0, *, causal: bool = True,
                  finishes: bool = True) -> IterationShape:
    """Prefill of `batch` prompts of `prompt_tokens` new tokens after `past_tokens` cached ones."""
    pairs = prompt_tokens * (past_tokens + (prompt_tokens + 1) / 2) if causal else \
        prompt_tokens * (past_tokens + prompt_tokens)
    return IterationShape(prefill_tokens=batch * prompt_tokens, prefill_seqs=batch,
                          prefill_attention_pairs=batch * pairs, prefill_past_tokens=batch * past_tokens,
                          sampled_seqs=batch if finishes else 0)


class IterationTime(Frozen):
    """Predicted time of one iteration on one replica, by part."""

    total_s: float = Field(ge=0)
    """Wall time of the iteration, seconds."""
    gemm_s: float = Field(ge=0)
    """Linear layers (projections, MLP/experts, lm_head)."""
    attention_s: float = Field(ge=0)
    """Attention (prefill pairs and decode KV reads)."""
    communication_s: float = Field(ge=0)
    """Tensor-parallel all-reduces and pipeline transfers."""
    overhead_s: float = Field(ge=0)
    """Runtime overheads (scheduler, launches, sampling)."""
    draft_s: float = Field(default=0.0, ge=0)
    """Speculative draft proposals (MTP / EAGLE layer runs) before the verify pass."""
    compute_bound_s: float = Field(ge=0)
    """Share of kernel time spent in compute-bound operators."""
    memory_bound_s: float = Field(ge=0)
    """Share of kernel time spent in memory-bound operators."""
    bound: Bound
    """The largest of compute, memory, communication and overhead."""
