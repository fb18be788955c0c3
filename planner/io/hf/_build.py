"""The generic decoder builder every family adapter starts from, and the `Recipe` that tunes it.

A recipe is data: the transformers defaults of the family, the MLP / norm / bias / tying layout,
and optionally an `adapt` hook that edits the draft (layer kinds, state mixers, towers) where the
family departs from the Llama layout.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from planner.core.arch import INDEXER_CACHE_BYTES_PER_DIM
from planner.errors import SpecError
from planner.io.hf._fields import Fields, short
from planner.specs.model import AttentionSpec, Family, IndexerSpec, MoeSpec


@dataclass
class Draft:
    """A model being assembled: ModelSpec keyword arguments and one LayerSpec dict per layer."""

    f: Fields
    model_type: str
    spec: dict[str, Any]
    layers: list[dict[str, Any]]
    warnings: list[str]

    @property
    def num_layers(self) -> int:
        """Decoder layers."""
        return len(self.layers)


@dataclass(frozen=True)
class Recipe:
    """How one family's config maps onto the generic decoder."""

    family: Family
    defaults: dict[str, Any] = field(default_factory=dict)
    """transformers config-class defaults for fields published configs omit."""
    mlp_gated: bool = True
    mlp_bias: bool = False
    norm: str = "rmsnorm"
    norms_per_layer: int = 2
    tie_default: bool = False
    qkv_bias: bool = False
    o_bias: bool = False
    qk_norm: bool = False
    qk_norm_full: bool = False
    learned_positions: bool = False
    lm_head_bias: bool = False
    parallel_block: bool = False
    encoder_only: bool = False
    shared_gate: bool = False
    """The shared expert has a sigmoid gate (Qwen2-MoE / Qwen3-Next)."""
    moe_layers: str = "all"
    """Which layers are MoE: `all`, `deepseek` (first_k_dense_replace, moe_layer_freq), `qwen`
    (decoder_sparse_step, mlp_only_layers)."""
    windows: str = "uniform"
    """How sliding windows are laid out when `layer_types` is absent: `uniform`, `gemma2` (even layers),
    `gemma3` (sliding_window_pattern), `qwen` (use_sliding_window, max_window_layers), `none`."""
    dense_width: bool = True
    """The config carries a model-wide dense `intermediate_size` (False: per-layer widths, Nemotron-NAS)."""
    mtp_layers: int = 0
    """MTP layers the family's checkpoints ship when the config does not count them."""
    adapt: Callable[[Draft], None] | None = None
    """Family-specific edits after the generic pass."""
    assumed_context: int | None = None
    """Context assumed, with a warning, when the config states none (pure SSMs have no positional limit; Kimi-Linear's
    MLA layers use no RoPE)."""
    prepare: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    """Rewrites the config before the generic pass (a family's per-layer lists where the generic reader takes
    one value, a field under another name)."""


def window_of(f: Fields, max_pos: int) -> int | None:
    """The config's sliding window, None when absent or not shorter than the context."""
    window = f.get("sliding_window")
    if window is None or isinstance(window, bool) or not isinstance(window, int):
        return None
    return window if 0 < window < max_pos else None


LAYER_TYPES = ("full_attention", "attention", "sliding_attention", "sliding", "chunked_attention", "linear_attention",
               "mamba")
"""The `layer_types` entries the planner reads (transformers checks the same list length; any other kind, such as
LFM2's `conv`, would be read as full attention, so it is refused)."""


def _layer_types(f: Fields, n: int) -> list[str] | None:
    """`layer_types`, checked: a list of known kinds, one per layer (None when absent)."""
    return per_layer_kinds(f, "layer_types", n, LAYER_TYPES, "full_attention or sliding_attention")


MLP_LAYER_TYPES = ("dense", "sparse", "moe")
"""The `mlp_layer_types` entries the planner reads (GLM-5.2: dense or sparse)."""
INDEXER_TYPES = ("full", "shared")
"""The `indexer_types` entries the planner reads (GLM-5.2: a layer's own DSA indexer, or the previous one's)."""


def per_layer_kinds(f: Fields, key: str, n: int, known: tuple[str, ...], example: str) -> list[str] | None:
    """A per-layer list of kinds (`layer_types`, `mlp_layer_types`, `indexer_types`), checked: one known kind per
    layer (None when absent). A list of another length or with other kinds was ignored or read as the default."""
    types = f.get(key)
    if types is None:
        return None
    hint = f"check the config against the model card: one entry per layer, e.g. {example}"
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise SpecError(f"`{key}` must be a list of layer kinds", where=f.where, value=short(types), hint=hint)
    if len(types) != n:
        raise SpecError(f"inconsistent model config: `{key}` lists {len(types):,} layers but "
                        f"`num_hidden_layers` = {n:,}", where=f.where, hint=hint)
    unknown = next((t for t in types if t not in known), None)
    if unknown is not None:
        raise SpecError(f"`{key}` holds a layer kind the planner does not model", where=f.where,
                        value=short(unknown), hint="known kinds: " + ", ".join(known))
    return types


def _layer_kinds(recipe: Recipe, f: Fields, n: int, max_pos: int) -> list[dict[str, Any]]:
    window = window_of(f, max_pos)
    types = _layer_types(f, n)
    if types is not None:
        for kind, key in (("sliding", "sliding_window"), ("chunked", "attention_chunk_size")):
            if any(t.startswith(kind) for t in types) and f.get(key) in (None, False):  # was read as full attention
                raise SpecError(f"inconsistent model config: `layer_types` has {kind} attention layers but the config "
                                f"sets no `{key}`", where=f.where, hint=f"add the model card's {key}, or mark the "
                                                                         "layers full_attention")
        out = []
        for t in types:
            if t in ("sliding_attention", "sliding") and window:
                out.append({"kind": "sliding", "window_tokens": window})
            elif t in ("chunked_attention",) and f.get("attention_chunk_size"):
                out.append({"kind": "chunked", "window_tokens": int(f.get("attention_chunk_size"))})
            elif t in ("linear_attention",):
                out.append({"kind": "linear"})
            elif t in ("mamba",):
                out.append({"kind": "mamba"})
            else:
                out.append({"kind": "full"})
        return out
    if window is None or recipe.windows == "none":
        return [{"kind": "full"} for _ in range(n)]
    sliding = {"kind": "sliding", "window_tokens": window}
    if recipe.windows == "gemma2":
        return [dict(sliding) if i % 2 == 0 else {"kind": "full"} for i in range(n)]
    if recipe.windows == "gemma3":
        pattern = f.int("sliding_window_pattern", 6)
        return [dict(sliding) if (i + 1) % pattern else {"kind": "full"} for i in range(n)]
    if recipe.windows == "qwen":
        if not f.bool("use_sliding_window", False):
            return [{"kind": "full"} for _ in range(n)]
        first = f.int("max_window_layers", n, minimum=0)
        return [dict(sliding) if i >= first else {"kind": "full"} for i in range(n)]
    return [dict(sliding) for _ in range(n)]


def moe_spec(recipe: Recipe, f: Fields, hidden: int) -> MoeSpec | None:
    """The routed-expert shape, None for a dense model."""
    experts = f.get("num_experts")
    if not experts or isinstance(experts, bool):
        return None
    top_k = f.int("num_experts_per_tok")
    expert_inter = f.get("moe_intermediate_size") or f.get("expert_intermediate_size") or f.int("intermediate_size")
    shared = f.get("shared_expert_intermediate_size") or f.get("shared_intermediate_size") or 0
    n_shared = f.get("n_shared_experts") or f.get("num_shared_experts")
    if not shared and n_shared:
        shared = int(n_shared) * int(expert_inter)
    return MoeSpec(
        num_experts=int(experts), num_experts_per_tok=top_k, expert_intermediate_size=int(expert_inter),
        shared_intermediate_size=int(shared), shared_expert_gate=recipe.shared_gate and bool(shared),
        router_bias=f.get("topk_method") == "noaux_tc" or f.bool("use_routing_bias", False)
        or f.bool("use_moe_router_bias", False),
    )


def mark_moe_layers(recipe: Recipe, f: Fields, layers: list[dict[str, Any]]) -> None:
    """Set `mlp` of each layer: MoE where the family's layout puts the experts."""
    n = len(layers)
    types = per_layer_kinds(f, "mlp_layer_types", n, MLP_LAYER_TYPES, "dense or sparse")
    if types is not None:
        flags = [t in ("sparse", "moe") for t in types]
    elif recipe.moe_layers == "deepseek":
        first = f.int("first_k_dense_replace", 0, minimum=0)
        freq = f.get("moe_layer_freq", 1)
        if isinstance(freq, list):  # one 0/1 per layer (MiMo-V2)
            flags = f.flags("moe_layer_freq", n) or []
        else:
            step = int(freq) if isinstance(freq, int) and freq > 0 else 1
            flags = [i >= first and i % step == 0 for i in range(n)]
    elif recipe.moe_layers == "qwen":
        step = f.int("decoder_sparse_step", 1)
        dense_only = layer_indices(f, "mlp_only_layers", n)
        flags = [i not in dense_only and (i + 1) % step == 0 for i in range(n)]
    else:
        flags = [True] * n
    for layer, moe in zip(layers, flags):
        if layer.get("mlp", "dense") != "none":
            layer["mlp"] = "moe" if moe else "dense"


def layer_indices(f: Fields, key: str, n: int) -> set[int]:
    """A list of layer indices (each in [0, n)), as a set; absent: empty."""
    value = f.get(key) or []
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n
                                              for i in value):
        raise SpecError(f"`{key}` must be a list of layer indices in [0, {n - 1:,}]", where=f.where,
                        value=short(value), hint="check the config against the model card (layers count from 0)")
    return set(value)


def attention_spec(recipe: Recipe, f: Fields, hidden: int) -> AttentionSpec:
    """GQA/MQA/MHA or MLA (with a DSA indexer when the config has one)."""
    heads = f.int("num_attention_heads")
    kv_default = 1 if f.bool("multi_query", False) else heads
    kv_heads = f.int("num_key_value_heads", kv_default)
    if f.get("kv_lora_rank"):
        nope = f.int("qk_nope_head_dim")
        rope = f.int("qk_rope_head_dim")
        indexer = None
        if f.get("index_n_heads"):
            ix_dim = f.int("index_head_dim")
            indexer = IndexerSpec(num_heads=f.int("index_n_heads"), head_dim=ix_dim,
                                  topk_tokens=f.int("index_topk"),
                                  cache_bytes_per_token=round(ix_dim * INDEXER_CACHE_BYTES_PER_DIM))
        return AttentionSpec(
            kind="mla", num_heads=heads, num_kv_heads=heads, head_dim=nope + rope,
            v_head_dim=f.int("v_head_dim"), q_lora_rank=f.get("q_lora_rank"),
            kv_lora_rank=f.int("kv_lora_rank"), qk_rope_head_dim=rope, qk_nope_head_dim=nope, indexer=indexer,
        )
    head_dim = int(f.get("head_dim") or f.get("kv_channels") or hidden // heads)
    all_bias = f.bool("attention_bias", recipe.qkv_bias and recipe.o_bias)
    qk_norm = recipe.qk_norm or f.bool("use_qk_norm", False)
    return AttentionSpec(
        num_heads=heads, num_kv_heads=kv_heads, head_dim=head_dim, v_head_dim=int(f.get("v_head_dim") or head_dim),
        qkv_bias=all_bias or recipe.qkv_bias, o_bias=all_bias or recipe.o_bias, qk_norm=qk_norm,
        qk_norm_full=recipe.qk_norm_full or f.get("qk_norm_type") == "per_layer",
    )


def build(recipe: Recipe, text: dict[str, Any], model_type: str, where: str) -> Draft:
    """Run the generic pass and the recipe's hook; the result still needs `finish`."""
    if recipe.prepare is not None:
        text = recipe.prepare(text)
    f = Fields(text, recipe.defaults, where)
    hidden = f.int("hidden_size")
    n = f.int("num_hidden_layers")
    vocab = f.int("vocab_size")
    warnings: list[str] = []
    if recipe.assumed_context and not f.has("max_position_embeddings"):
        warnings.append(f"the config states no context length; assuming {recipe.assumed_context:,} tokens, what the "
                        "family was published or tested at")
    max_pos = f.int("max_position_embeddings", 2048 if recipe.family == "other" else recipe.assumed_context)
    moe = moe_spec(recipe, f, hidden)
    inter = f.get("intermediate_size")
    widths = None
    if isinstance(inter, list):  # one MLP width per layer (Gemma 3n's MatFormer slices)
        widths = f.list("intermediate_size", n)
        if widths is None or not all(isinstance(w, int) and not isinstance(w, bool) and w >= 1 for w in widths):
            raise SpecError(f"`intermediate_size` must be one positive integer, or one per layer ({n})",
                            where=where, value=str(inter)[:60], hint="check the config against the model card")
        inter = max(widths)
    if inter is None and moe is not None:
        inter = moe.expert_intermediate_size  # all-MoE configs without a dense width (Qwen3.5-MoE)
    if inter is None and not recipe.dense_width:
        inter = hidden  # placeholder: the adapter sets the per-layer widths
    if inter is None:
        inter = f.int("intermediate_size")
    layers = _layer_kinds(recipe, f, n, max_pos)
    for layer, width in zip(layers, widths or ()):
        if width != inter:
            layer["intermediate_size"] = width
    if moe is not None:
        mark_moe_layers(recipe, f, layers)
    gemma = recipe.family in ("gemma2", "gemma3")
    spec: dict[str, Any] = {
        "model_type": model_type, "family": recipe.family, "encoder_only": recipe.encoder_only,
        "hidden_size": hidden, "intermediate_size": int(inter), "vocab_size": vocab,
        "max_position_embeddings": max_pos, "mlp_gated": recipe.mlp_gated,
        "mlp_bias": recipe.mlp_bias or f.bool("mlp_bias", False), "norm": recipe.norm,
        "norms_per_layer": 4 if gemma else recipe.norms_per_layer, "final_norm": not recipe.encoder_only,
        "tie_word_embeddings": f.bool("tie_word_embeddings", recipe.tie_default),
        "lm_head_bias": recipe.lm_head_bias,
        "learned_positions": max_pos if recipe.learned_positions else 0,
        "parallel_block": recipe.parallel_block,
        "attention": attention_spec(recipe, f, hidden), "moe": moe,
        "num_mtp_layers": int(f.get("num_nextn_predict_layers") or f.get("mtp_num_hidden_layers") or recipe.mtp_layers),
    }
    indexers = per_layer_kinds(f, "indexer_types", n, INDEXER_TYPES, "full or shared")
    if indexers is not None and spec["attention"].indexer is not None:
        for layer, t in zip(layers, indexers):
            layer["indexer"] = t != "shared"
    draft = Draft(f=f, model_type=model_type, spec=spec, layers=layers, warnings=warnings)
    if recipe.adapt is not None:
        recipe.adapt(draft)
    return draft


def need(f: Fields, key: str, what: str) -> Any:
    """A field an adapter cannot do without, or an error naming it."""
    value = f.get(key)
    if value is None:
        raise SpecError(f"config is missing the required field `{key}` ({what})", where=f.where,
                        hint="is the config complete? compare it with the published config.json")
    return value
