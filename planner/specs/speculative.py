"""Speculative decoding: the method, its draft length and acceptance, and what a runtime supports.

Definition used throughout: `acceptance_rate` a is the probability that one draft token is accepted given that
every draft token before it was, taken as the same for every position (independent acceptance). A verify step
over K draft tokens then emits (1 - a^(K+1)) / (1 - a) tokens on average, the accepted prefix plus the target's
own token (Leviathan, Kalman and Matias, "Fast Inference from Transformers via Speculative Decoding", ICML 2023,
arXiv:2211.17192, eq. 1). Runtimes report "acceptance length" (tokens per step, this expectation) and
"acceptance rate" (accepted / proposed draft tokens); the per-token a here is neither, though with K = 1 the
latter equals it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.specs._base import Frozen

SpecMethod = Literal["mtp", "eagle", "ngram"]
"""How draft tokens are proposed: `mtp` the checkpoint's own multi-token-prediction layers, `eagle` a one-layer
EAGLE / EAGLE-3 draft head on the target's hidden states, `ngram` prompt lookup (matching n-grams of the context,
on the CPU)."""

SPEC_METHODS: tuple[SpecMethod, ...] = ("mtp", "eagle", "ngram")
"""Every method, in CLI order."""

MAX_SPECULATIVE_TOKENS = 16
"""Largest draft length the planner accepts (SGLang's and vLLM's examples stop at 8 steps; beyond 16 the expected
gain of any published acceptance rate is below one token)."""


class AcceptanceDefault(Frozen):
    """A published acceptance rate a method is planned with when the user gives none."""

    acceptance_rate: float = Field(gt=0, lt=1)
    """Per-draft-token acceptance probability (see the module docstring)."""
    source: str
    """Where the number comes from."""
    multi_step_acceptance_rate: float | None = Field(default=None, gt=0, lt=1)
    """The rate to plan K >= 2 draft tokens with, when a draft trained for one step is reused autoregressively and
    later positions are accepted less (None: `acceptance_rate` at every K)."""
    multi_step_source: str = ""
    """Where `multi_step_acceptance_rate` comes from."""

    def for_tokens(self, num_speculative_tokens: int) -> tuple[float, str]:
        """(acceptance rate, source) to plan `num_speculative_tokens` draft tokens with."""
        if num_speculative_tokens >= 2 and self.multi_step_acceptance_rate is not None:
            return self.multi_step_acceptance_rate, self.multi_step_source
        return self.acceptance_rate, self.source


DEFAULT_ACCEPTANCE: dict[SpecMethod, AcceptanceDefault] = {
    "mtp": AcceptanceDefault(
        acceptance_rate=0.85,
        source="DeepSeek-V3 Technical Report (arXiv:2412.19437, sec. 5.4.3): the second-token (MTP) prediction is "
               "accepted 85-90% of the time across generation topics; the low end is taken",
        multi_step_acceptance_rate=0.707,
        multi_step_source="nebius/MTP-DeepSeek-V3-0324 model card: the original DeepSeek-V3-0324 MTP module reused "
                          "autoregressively for K = 7 draft tokens reaches an average acceptance length of 3.20 "
                          "(MT-bench, HumanEval, GSM8K, temperature 0); (1 - a^8) / (1 - a) = 3.20 gives a = 0.707, "
                          "the per-token rate for K >= 2 (later positions are accepted less than the trained one)"),
    "eagle": AcceptanceDefault(
        acceptance_rate=0.70,
        source="EAGLE (Li et al., ICML 2024, arXiv:2401.15077) and EAGLE-3 (arXiv:2503.01840) report per-position "
               "draft acceptance of roughly 0.7-0.8 on MT-bench with chain drafts; the low end is taken"),
    "ngram": AcceptanceDefault(
        acceptance_rate=0.30,
        source="assumption: prompt lookup proposes tokens only where the output repeats the context; the vLLM docs "
               "(docs/features/speculative_decoding) rank it as a modest-speedup method and its authors report "
               "large gains only for input-grounded tasks (summaries, code edits, RAG), so open chat is planned at "
               "0.3; give --acceptance-rate for your workload"),
}
"""Default acceptance rate of each method, with its source."""

DEFAULT_SPECULATIVE_TOKENS: dict[SpecMethod, int] = {"mtp": 1, "eagle": 3, "ngram": 3}
"""Draft length when the user gives none: one MTP step (DeepSeek-V3 trained one MTP module; vLLM's and GPUStack's
published MTP runs use num_speculative_tokens 1), three EAGLE / n-gram tokens (vLLM docs examples)."""


class SpeculativeConfig(Frozen):
    """Speculative decoding of a deployment."""

    method: SpecMethod
    """How draft tokens are proposed."""
    num_speculative_tokens: int = Field(ge=1, le=MAX_SPECULATIVE_TOKENS)
    """Draft tokens K proposed and verified per step of each sequence."""
    acceptance_rate: float = Field(ge=0, lt=1)
    """Per-draft-token acceptance probability a (independent acceptance; see the module docstring)."""
    acceptance_source: str
    """Where `acceptance_rate` comes from (the user, or the published default)."""
    num_draft_layers: int = Field(default=1, ge=0)
    """Transformer layers the draft runs per proposed token (the MTP module's layers; EAGLE's one layer; 0 for
    n-gram lookup). Each also keeps its own KV cache."""

    @property
    def tokens_per_step(self) -> float:
        """Expected tokens one verify step emits per sequence: (1 - a^(K+1)) / (1 - a)."""
        a, k = self.acceptance_rate, self.num_speculative_tokens
        return (1.0 - a ** (k + 1)) / (1.0 - a)

    def label(self) -> str:
        """Short label, e.g. `mtp k=1 a=0.85`."""
        return f"{self.method} k={self.num_speculative_tokens} a={self.acceptance_rate:g}"


class SpeculativeSupport(Frozen):
    """Which speculative methods a runtime serves (runtime profile `speculative:`)."""

    methods: list[SpecMethod] = Field(default_factory=list)
    """Methods the runtime can run."""
    max_speculative_tokens: int = Field(default=MAX_SPECULATIVE_TOKENS, ge=1)
    """Longest draft the runtime accepts."""
