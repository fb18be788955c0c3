"""Plausibility bounds on config fields: a config that no real model could have is refused with the bound
and its reason, before the memory model ever sees it.

Each bound sits far above the largest published model (so no real checkpoint trips it) and far below
what breaks float arithmetic; the reason names the published extreme it is measured against.
"""

from __future__ import annotations

from typing import Any

from planner.errors import SpecError
from planner.io.hf._fields import short
from planner.specs.model import ModelSpec

BOUNDS: dict[str, tuple[int, int, str]] = {
    # field: (minimum, maximum, reason for the maximum)
    "hidden_size": (1, 131_072, "the widest published models are 16,384-25,600 wide"),
    "n_embd": (1, 131_072, "the widest published models are 16,384-25,600 wide"),
    "d_model": (1, 131_072, "the widest published models are 16,384-25,600 wide"),
    "intermediate_size": (1, 1_048_576, "the widest published MLPs are about 73,728 wide"),
    "n_inner": (1, 1_048_576, "the widest published MLPs are about 73,728 wide"),
    "ffn_dim": (1, 1_048_576, "the widest published MLPs are about 73,728 wide"),
    "moe_intermediate_size": (1, 1_048_576, "published experts are 256-16,384 wide"),
    "shared_expert_intermediate_size": (0, 1_048_576, "published shared experts are at most 20,480 wide"),
    "num_hidden_layers": (1, 1_024, "the deepest published LLMs have about 128 layers"),
    "n_layer": (1, 1_024, "the deepest published LLMs have about 128 layers"),
    "num_layers": (1, 1_024, "the deepest published LLMs have about 128 layers"),
    "num_attention_heads": (1, 4_096, "published models have at most 128-256 query heads"),
    "n_head": (1, 4_096, "published models have at most 128-256 query heads"),
    "num_key_value_heads": (1, 4_096, "published models have at most 128-256 KV heads"),
    "head_dim": (1, 8_192, "published heads are 64-512 wide"),
    "vocab_size": (1, 4_194_304, "the largest published vocabularies hold about 262,000 tokens"),
    "padded_vocab_size": (1, 4_194_304, "the largest published vocabularies hold about 262,000 tokens"),
    "max_position_embeddings": (1, 134_217_728, "the longest published context is 10,485,760 tokens"),
    "n_positions": (1, 134_217_728, "the longest published context is 10,485,760 tokens"),
    "n_routed_experts": (1, 65_536, "published MoE models route among at most 512 experts"),
    "num_local_experts": (1, 65_536, "published MoE models route among at most 512 experts"),
    "num_experts": (0, 65_536, "published MoE models route among at most 512 experts"),
    "num_experts_per_tok": (0, 1_024, "published MoE models route each token to at most 16 experts"),
    "kv_lora_rank": (1, 65_536, "published MLA models use a rank of 512"),
    "q_lora_rank": (1, 65_536, "published MLA models use a rank of 1,536"),
    "sliding_window": (1, 134_217_728, "a window longer than any context"),
    "qk_rope_head_dim": (1, 8_192, "published MLA heads are 64-192 wide"),
    "qk_nope_head_dim": (0, 8_192, "published MLA heads are 64-192 wide"),
    "v_head_dim": (1, 8_192, "published MLA heads are 64-192 wide"),
    "n_shared_experts": (0, 1_024, "published MoE models have at most 8 shared experts"),
    "first_k_dense_replace": (0, 1_024, "the deepest published LLMs have about 128 layers"),
    "num_nextn_predict_layers": (0, 64, "published multi-token-prediction modules have 1-3 layers"),
    "ssm_state_size": (1, 65_536, "published SSM states are 16-256 wide"),
    "state_size": (1, 65_536, "published SSM states are 16-256 wide"),
    "n_layers": (1, 1_024, "the deepest published LLMs have about 128 layers"),
    "n_heads": (1, 4_096, "published models have at most 128-256 query heads"),
    "max_seq_len": (1, 134_217_728, "the longest published context is 10,485,760 tokens"),
    "mamba_d_state": (1, 65_536, "published SSM states are 16-256 wide"),
    "conv_kernel": (1, 1_024, "published Mamba and linear-attention convolutions are 4 wide"),
    "mamba_d_conv": (1, 1_024, "published Mamba and linear-attention convolutions are 4 wide"),
    "linear_conv_kernel_dim": (1, 1_024, "published Mamba and linear-attention convolutions are 4 wide"),
    "mamba_num_heads": (1, 65_536, "published Mamba-2 layers have at most 256 heads"),
    "mamba_n_heads": (1, 65_536, "published Mamba-2 layers have at most 256 heads"),
    "mamba_head_dim": (1, 8_192, "published Mamba-2 heads are 64-128 wide"),
    "mamba_d_head": (1, 8_192, "published Mamba-2 heads are 64-128 wide"),
    "n_groups": (1, 65_536, "published Mamba-2 layers use 1-8 groups"),
    "mamba_n_groups": (1, 65_536, "published Mamba-2 layers use 1-8 groups"),
    "linear_num_key_heads": (1, 4_096, "published linear-attention layers have at most 64 heads"),
    "linear_num_value_heads": (1, 4_096, "published linear-attention layers have at most 64 heads"),
    "linear_key_head_dim": (1, 8_192, "published heads are 64-512 wide"),
    "linear_value_head_dim": (1, 8_192, "published heads are 64-512 wide"),
    "index_head_dim": (1, 8_192, "published heads are 64-512 wide"),
    "global_head_dim": (1, 8_192, "published heads are 64-512 wide"),
    "index_n_heads": (1, 4_096, "published models have at most 128-256 query heads"),
    "num_global_key_value_heads": (1, 4_096, "published models have at most 128-256 KV heads"),
    "index_topk": (1, 1_048_576, "published sparse attention selects 2,048 tokens"),
    "intermediate_size_mlp": (1, 1_048_576, "the widest published MLPs are about 73,728 wide"),
    "shared_intermediate_size": (0, 1_048_576, "published shared experts are at most 20,480 wide"),
    "moe_shared_expert_intermediate_size": (0, 1_048_576, "published shared experts are at most 20,480 wide"),
    "sliding_window_size": (1, 134_217_728, "a window longer than any context"),
    "attention_chunk_size": (1, 134_217_728, "a chunk longer than any context"),
    "n_group": (1, 65_536, "published MoE models split their experts into at most 8 routing groups"),
    "topk_group": (1, 65_536, "published MoE models split their experts into at most 8 routing groups"),
    "type_vocab_size": (0, 1_024, "published encoders have 1-2 token types"),
    "num_kv_shared_layers": (0, 1_024, "the deepest published LLMs have about 128 layers"),
    "hidden_size_per_layer_input": (0, 131_072, "published per-layer embeddings are 256 wide"),
    "vocab_size_per_layer_input": (0, 4_194_304, "the largest published vocabularies hold about 262,000 tokens"),
    "laurel_rank": (0, 131_072, "published LAuReL branches are 64 wide"),
    "altup_num_inputs": (0, 64, "published AltUp models keep 4 residual streams"),
    "mtp_num_hidden_layers": (0, 64, "published multi-token-prediction modules have 1-3 layers"),
    # read by adapters through `int(...)`, which turned 1.5 into 1 and True into 1 (or a million-wide head)
    "kv_channels": (1, 8_192, "published heads are 64-512 wide"),
    "expert_intermediate_size": (1, 1_048_576, "published experts are 256-16,384 wide"),
    "num_shared_experts": (0, 1_024, "published MoE models have at most 8 shared experts"),
    "moe_num_shared_experts": (0, 1_024, "published MoE models have at most 8 shared experts"),
    "max_window_layers": (0, 1_024, "the deepest published LLMs have about 128 layers"),
    "mamba_expand": (1, 64, "published Mamba layers expand the hidden size 2x"),
    "mamba_d_ssm": (1, 1_048_576, "published Mamba-2 mixers are at most 16,384 wide"),
    "mamba_dt_rank": (1, 131_072, "published Mamba dt ranks are hidden_size / 16"),
    "time_step_rank": (1, 131_072, "published Mamba dt ranks are hidden_size / 16"),
    "num_mtp_modules": (0, 64, "published multi-token-prediction modules have 1-3 layers"),
    **{key: (1, 1_024, "a layer period longer than the deepest published LLMs (about 128 layers)")
       for key in ("decoder_sparse_step", "moe_layer_freq", "interleave_moe_layer_step", "full_attention_interval",
                   "sliding_window_pattern", "attn_layer_period", "expert_layer_period", "no_rope_layer_interval")},
}
"""Integer config fields with their plausible range; a present value outside it is refused."""

AUTO = ("mamba_dt_rank", "time_step_rank", "mamba_d_head")
"""Fields that may say "auto" instead of a number."""

WITHIN_DEPTH = {
    "first_k_dense_replace": "no layer would hold the experts the config describes",
    "num_kv_shared_layers": "more layers would share a KV cache than the model has",
    **{key: "the pattern would never repeat within the model" for key in (
        "decoder_sparse_step", "moe_layer_freq", "interleave_moe_layer_step", "full_attention_interval",
        "sliding_window_pattern", "attn_layer_period", "expert_layer_period", "no_rope_layer_interval")},
}
"""Fields that count or step over layers, so cannot exceed `num_hidden_layers` (bools are refused before)."""

BELOW_DEPTH = ("first_k_dense_replace", "num_kv_shared_layers")
"""Of `WITHIN_DEPTH`, the counts that must leave at least one layer out (all layers dense is no MoE model; all layers
sharing a KV cache leaves none to compute it)."""

MAX_PARAMS = 100_000_000_000_000
"""Most parameters a plausible config may imply (10^14: the largest published models hold about 2 x 10^12)."""

_NESTED = ("text_config", "llm_config")


def check_fields(config: dict[str, Any], where: str) -> None:
    """Refuse a present integer field that is not an integer or lies outside its plausible range."""
    for prefix, part in (("", config), *((f"{k}.", config[k]) for k in _NESTED if isinstance(config.get(k), dict))):
        for key, (low, high, reason) in BOUNDS.items():
            value = part.get(key)
            if value is None or (key == "sliding_window" and value is False):
                continue  # `sliding_window: false` is how some configs say "no window" (`true` is no width)
            if key == "sliding_window_pattern" and isinstance(value, str):
                continue  # EXAONE 4.0's "LLLG" (local / global per layer), checked by its adapter
            if key == "moe_layer_freq" and isinstance(value, list):
                continue  # a per-layer 0/1 list (MiMo-V2), read by the family adapter
            if key in AUTO and value == "auto":
                continue  # transformers derives it from the other widths
            if key in ("intermediate_size", "moe_intermediate_size") and isinstance(value, list) and value:
                for width in value:  # per-layer widths (Gemma 3n MLPs, Hunyuan experts): each bounded like one
                    _check_int(f"{prefix}{key}[]", width, low, high, reason, where)
                continue
            _check_int(f"{prefix}{key}", value, low, high, reason, where)
        _check_rope_scaling(prefix, part.get("rope_scaling"), where)
        layers = part.get("num_hidden_layers")
        for key in WITHIN_DEPTH:
            value = part.get(key)
            if isinstance(value, int) and isinstance(layers, int) and (value >= layers if key in BELOW_DEPTH
                                                                       else value > layers):
                verb = "exceeds" if value > layers else "equals"
                raise SpecError(f"`{prefix}{key}` = {value:,} {verb} `{prefix}num_hidden_layers` = {layers:,}: "
                                f"{WITHIN_DEPTH[key]}", where=where,
                                hint="check the config against the model card (these count or step over layers)")
        _check_routing_groups(prefix, part, where)


def _check_routing_groups(prefix: str, part: dict[str, Any], where: str) -> None:
    """Group-limited routing (DeepSeek's n_group / topk_group): the groups split the experts evenly, a token picks
    among at most all groups, and the picked groups hold at least its top-k experts (vLLM's grouped_topk and
    SGLang assume all three; a config breaking one has a typo)."""
    groups, picked = part.get("n_group"), part.get("topk_group")
    experts = next((part[k] for k in ("n_routed_experts", "num_experts", "num_local_experts")
                    if isinstance(part.get(k), int)), None)
    top_k = part.get("num_experts_per_tok")
    if not isinstance(groups, int) or isinstance(experts, bool) or not isinstance(experts, int) or experts < 1:
        return
    hint = "check n_group, topk_group and the expert counts against the model card"
    if experts % groups:
        raise SpecError(f"inconsistent model config: `{prefix}n_group` = {groups:,} does not divide the "
                        f"{experts:,} routed experts into equal groups", where=where, hint=hint)
    if isinstance(picked, int) and picked > groups:
        raise SpecError(f"inconsistent model config: `{prefix}topk_group` = {picked:,} exceeds `{prefix}n_group` = "
                        f"{groups:,}", where=where, hint=hint)
    if isinstance(picked, int) and isinstance(top_k, int) and not isinstance(top_k, bool) \
            and top_k > picked * (experts // groups):
        raise SpecError(f"inconsistent model config: each token picks {top_k:,} experts from {picked:,} groups of "
                        f"{experts // groups:,}", where=where, hint=hint)


ROPE_FACTOR_MAX = 1_024.0
"""Largest plausible RoPE scaling factor (published configs use 2-64: YaRN 4 on Qwen2.5, 32 on DeepSeek-V3, 40
on DeepSeek-R1's long-context variants)."""


def _check_rope_scaling(prefix: str, value: Any, where: str) -> None:
    """`rope_scaling` is null or an object; its `factor`, where given, a finite number in (0, ROPE_FACTOR_MAX]
    (no runtime starts with another). The planner reads the context from max_position_embeddings."""
    if value is None:
        return
    if not isinstance(value, dict):
        raise SpecError(f"`{prefix}rope_scaling` must be an object or null", where=where, value=short(value),
                        hint='e.g. {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}')
    factor = value.get("factor")
    if factor is None:
        return
    if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor <= ROPE_FACTOR_MAX:
        raise SpecError(f"`{prefix}rope_scaling.factor` must be a number in (0, {ROPE_FACTOR_MAX:,.0f}]",
                        where=where, value=short(factor),
                        hint="published configs scale RoPE by 2-64; check the config against the model card")


def _check_int(key: str, value: Any, low: int, high: int, reason: str, where: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"`{key}` must be an integer", where=where, value=short(value),
                        hint="check the config against the model card (whole numbers, no quotes or decimals)")
    if value < low:
        raise SpecError(f"`{key}` must be an integer >= {low}", where=where, value=value,
                        hint="check the config against the model card")
    if value > high:
        raise SpecError(f"`{key}` = {value:,} is not a plausible model: it must lie in [{low:,}, {high:,}] "
                        f"({reason})", where=where, hint="check the config against the model card; is a digit "
                                                         "repeated?")


ATTENTION_WIDTH_RATIO = 32
"""Widest plausible attention (query heads x head width) per unit of hidden size (published models: at most 3.4x,
DeepSeek-V3's 128 MLA heads of 192 over 7,168)."""
MLP_WIDTH_RATIO = 64
"""Widest plausible MLP or expert per unit of hidden size (published decoders: at most 8x, Gemma's 24,576 over
3,072; T5-11B's 65,536 over 1,024 is 64x)."""


def _check_widths(spec: ModelSpec, where: str) -> None:
    """Refuse attention or MLP widths that are each within bounds but out of all proportion to the hidden size (4,096
    heads of 8,192 on a 4,096-wide model planned 8.8 trillion parameters)."""
    hidden, attn = spec.hidden_size, spec.attention
    head = max([attn.head_dim, attn.v_head_dim, *(layer.head_dim for layer in spec.layers if layer.head_dim)])
    if attn.num_heads * head > ATTENTION_WIDTH_RATIO * hidden:
        raise SpecError(f"this config is not a plausible model: its attention is {attn.num_heads:,} heads x {head:,} = "
                        f"{attn.num_heads * head:,} wide, over {ATTENTION_WIDTH_RATIO}x its hidden_size "
                        f"({hidden:,}; published models are at most 4x)", where=where,
                        hint="check num_attention_heads, head_dim and hidden_size against the model card")
    moe = spec.moe
    widths = [spec.intermediate_size, *(layer.intermediate_size for layer in spec.layers if layer.intermediate_size),
              *((moe.expert_intermediate_size, moe.shared_intermediate_size) if moe else ())]
    if max(widths) > MLP_WIDTH_RATIO * hidden:
        raise SpecError(f"this config is not a plausible model: an MLP {max(widths):,} wide is over "
                        f"{MLP_WIDTH_RATIO}x its hidden_size ({hidden:,}; published decoders are at most 8x)",
                        where=where, hint="check intermediate_size, the expert widths and hidden_size against the "
                                          "model card")


def check_spec(spec: ModelSpec, where: str) -> None:
    """Refuse a spec whose shapes are each plausible but whose whole is not (routing, total size)."""
    from planner.core.arch import count_params

    moe = spec.moe
    if moe is not None and moe.num_experts > 1 and moe.num_experts_per_tok >= moe.num_experts:
        raise SpecError(f"routes each token to {moe.num_experts_per_tok} of {moe.num_experts} experts: a router "
                        "that picks every expert is not a mixture of experts", where=where,
                        hint="num_experts_per_tok must be below the number of experts (published MoE models "
                             "route to 1-16 of 8-512)")
    _check_widths(spec, where)
    total = count_params(spec).total
    if total > MAX_PARAMS:
        raise SpecError(f"this config is not a plausible model: it implies {total:.3g} parameters, above the "
                        f"{MAX_PARAMS:.0e} bound (the largest published models hold about 2e12)", where=where,
                        hint="check hidden_size, num_hidden_layers, vocab_size and the expert counts against "
                             "the model card")
