"""Speculative decoding: which configurations are legal, and the draft's memory.

The timing lives with the rest of the operators in `planner.core.perf` (a verify pass is a decode step with
K + 1 rows per sequence; the draft runs one layer of the target's shape K times). Each decode step of a
sequence emits `SpeculativeConfig.tokens_per_step` tokens on average, so the simulator advances every sequence
by that many tokens per verify step (`planner.core.sim.loop`).
"""

from __future__ import annotations

from planner.core import arch, formats
from planner.errors import SpecError
from planner.specs.deployment import Deployment
from planner.specs.model import ModelSpec
from planner.specs.runtime import Runtime
from planner.specs.speculative import (
    DEFAULT_ACCEPTANCE,
    DEFAULT_SPECULATIVE_TOKENS,
    MAX_SPECULATIVE_TOKENS,
    SPEC_METHODS,
    SpecMethod,
    SpeculativeConfig,
)

EAGLE3_DRAFT_VOCAB = 32_000
"""Vocabulary of an EAGLE-3 draft head's own lm_head (EAGLE-3 paper, arXiv:2503.01840; the published
yuhuili/EAGLE3-LLaMA3.1-Instruct-8B head has draft_vocab_size 32000)."""

def resolve(model: ModelSpec, runtime: Runtime, method: str, num_speculative_tokens: int | None = None,
            acceptance_rate: float | None = None) -> SpeculativeConfig:
    """The speculative configuration of `--speculative METHOD [--num-speculative-tokens K] [--acceptance-rate A]`,
    defaults filled from published numbers.

    Raises:
        SpecError: An unknown method, K out of range or A outside (0, 1).
    """
    if method not in SPEC_METHODS:
        raise SpecError("unknown speculative method", where="--speculative", value=method,
                        hint=f"choose one of {', '.join(SPEC_METHODS)}")
    m: SpecMethod = method
    limit = min(MAX_SPECULATIVE_TOKENS, runtime.speculative.max_speculative_tokens)
    k = DEFAULT_SPECULATIVE_TOKENS[m] if num_speculative_tokens is None else num_speculative_tokens
    if not 1 <= k <= limit:
        raise SpecError(f"must be between 1 and {limit} draft tokens", where="--num-speculative-tokens", value=k,
                        hint=f"{runtime.name} verifies 1 to {limit} draft tokens per step; 1-4 is typical")
    if acceptance_rate is None:
        a, text = DEFAULT_ACCEPTANCE[m].for_tokens(k)
        source = f"default for {m} at {k} draft token{'s' if k > 1 else ''}: {text}"
    else:
        if not 0.0 < acceptance_rate < 1.0:
            raise SpecError("must lie strictly between 0 and 1", where="--acceptance-rate", value=acceptance_rate,
                            hint="the probability one draft token is accepted, e.g. 0.7; runtimes log it as the "
                                 "draft acceptance rate")
        a, source = acceptance_rate, "given with --acceptance-rate"
    layers = model.num_mtp_layers if m == "mtp" else (1 if m == "eagle" else 0)
    return SpeculativeConfig(method=m, num_speculative_tokens=k, acceptance_rate=a, acceptance_source=source,
                             num_draft_layers=max(layers, 0))


def incompatibilities(model: ModelSpec, runtime: Runtime, spec: SpeculativeConfig, pp_size: int = 1) -> list[str]:
    """Every reason `spec` cannot run on this model and runtime, in words (empty when it can)."""
    reasons: list[str] = []
    if model.encoder_only:
        reasons.append("an encoder generates no tokens; speculative decoding does not apply")
        return reasons
    if spec.method not in runtime.speculative.methods:
        served = ", ".join(runtime.speculative.methods) or "none"
        reasons.append(f"{runtime.name} {runtime.version} has no {spec.method} speculative decoding "
                       f"(it serves: {served})")
    if spec.method == "mtp" and not model.num_mtp_layers:
        what = model.architecture or model.model_type
        reasons.append(f"{what} ships no multi-token-prediction layers (no num_nextn_predict_layers / "
                       "mtp_num_hidden_layers in its config), so MTP speculation cannot run")
    if pp_size > 1:
        reasons.append("speculative decoding is planned with pipeline parallelism 1 only")
    return reasons


def hint(reasons: list[str]) -> str:
    """The next thing to try for speculative-decoding refusals."""
    text = " ".join(reasons)
    if "multi-token-prediction" in text:
        return ("MTP needs a checkpoint with MTP layers (DeepSeek-V3/R1/V3.2, GLM-4.5+, Qwen3-Next, Qwen3.5); "
                "use --speculative eagle or ngram")
    if "speculative decoding (it serves" in text:
        return "pick a runtime that serves it (vllm, sglang or trtllm serve mtp, eagle and ngram)"
    return "drop --pp or --speculative"


def search_configs(model: ModelSpec, runtime: Runtime) -> list[SpeculativeConfig]:
    """Speculative configurations `recommend` tries besides plain decoding: one MTP draft token where the checkpoint
    ships MTP layers and the runtime serves them (what DeepSeek trained its module for, at its published acceptance).
    EAGLE needs a draft head the planner cannot see and n-gram acceptance depends on the traffic, so neither is
    searched; `planner estimate --speculative` plans them with a stated acceptance rate."""
    if model.encoder_only or not model.num_mtp_layers or "mtp" not in runtime.speculative.methods:
        return []
    return [resolve(model, runtime, "mtp", 1)]


def draft_weights_bytes_per_gpu(dep: Deployment) -> float:
    """Weight bytes the draft adds on one GPU.

    MTP: the checkpoint's MTP layers (a copy of the last layer plus its 2h -> h projection, `arch.mtp_params`),
    sharded like the model and stored at its precision. EAGLE: one decoder layer of the target's hidden size and
    dense intermediate size, its 3h -> h feature-fusion projection and an EAGLE-3 draft lm_head of
    `EAGLE3_DRAFT_VOCAB` tokens, in 16 bits (published heads are bf16). N-gram: none.
    """
    spec, model = dep.speculative, dep.model
    if spec is None or spec.method == "ngram":
        return 0.0
    tp = dep.tp_size
    if spec.method == "mtp":
        return arch.mtp_params(model) / tp * formats.bytes_per_weight(dep.quant)
    h, a = model.hidden_size, model.attention
    q, kv = a.num_heads * a.head_dim, a.num_kv_heads * a.head_dim
    attention = 2 * h * (q + 2 * kv) + q * h  # EAGLE-3 attention reads [embedding; hidden] (2h wide)
    mlp = 3 * h * model.intermediate_size
    params = attention + mlp + 3 * h * h + EAGLE3_DRAFT_VOCAB * h
    return params / tp * formats.ACTIVATION_BYTES


def draft_kv_bytes_per_token_per_gpu(dep: Deployment) -> float:
    """KV bytes the draft layers add per token on one GPU: each keeps a cache like one attention layer of the
    target's (MTP layers are copies of the last layer; an EAGLE head has the target's heads)."""
    spec = dep.speculative
    if spec is None or not spec.num_draft_layers:
        return 0.0
    kvb = formats.kv_dtype_bytes(dep.kv_dtype)
    kv_layers = min(spec.num_draft_layers, spec.num_speculative_tokens)
    return kv_layers * arch.kv_bytes_per_token_layer(dep.model, kvb, dep.tp_size)
