"""Adapters for the MoE and heterogeneous families departing from the Llama layout.

Llama 4 (interleaved MoE with a shared expert, chunked attention, NoPE global layers), GLM-4.5+ and
GLM-5 (shared experts, leading dense layers, DSA), MiniMax-M2, MiMo-V2 (per-layer sliding pattern
and head counts), Gemma 4 (global layers with their own heads, a dense MLP beside the experts),
Nemotron-NAS (per-layer `block_configs`), Granite MoE, ERNIE 4.5 MoE, Phi-3.5-MoE, Hunyuan-A13B (per-layer lists),
DBRX (nested `attn_config` / `ffn_config`), Ling 2.0 / Ring 2.0 (BailingMoeV2).
"""

from __future__ import annotations

from typing import Any

from planner.errors import SpecError
from planner.io.hf._build import Draft, layer_indices, need
from planner.io.hf._fields import Fields, short
from planner.specs.model import MoeSpec


def llama4(d: Draft) -> None:
    """Llama 4: MoE every `interleave_moe_layer_step`-th layer (routed + shared expert), dense elsewhere at
    `intermediate_size_mlp`; RoPE layers use chunked attention, every 4th (NoPE) layer full attention."""
    f = d.f
    step = f.int("interleave_moe_layer_step", 1)
    moe_layers = layer_indices(f, "moe_layers", d.num_layers) if f.get("moe_layers") else \
        set(range(step - 1, d.num_layers, step))
    chunk = f.opt_int("attention_chunk_size")
    no_rope = f.flags("no_rope_layers", d.num_layers)
    interval = f.int("no_rope_layer_interval", 4)
    rope_flags = no_rope if no_rope else \
        [(i + 1) % interval != 0 for i in range(d.num_layers)]
    expert = f.int("intermediate_size")
    d.spec["intermediate_size"] = f.int("intermediate_size_mlp", expert)
    d.spec["moe"] = MoeSpec(num_experts=f.int("num_local_experts"), num_experts_per_tok=f.int("num_experts_per_tok"),
                            expert_intermediate_size=expert, shared_intermediate_size=expert)
    d.layers = [{"kind": "chunked" if rope and chunk else "full", "window_tokens": chunk if rope and chunk else None,
                 "rope": rope, "mlp": "moe" if i in moe_layers else "dense"}
                for i, rope in enumerate(rope_flags)]
    # use_qk_norm is a weightless L2 norm in Llama 4: no parameters.
    d.spec["attention"] = d.spec["attention"].model_copy(update={"qk_norm": False})


def glm4_moe(d: Draft) -> None:
    """GLM-4.5 / 4.6 / 4.7: Q/K/V biases, optional q/k norm, leading dense layers, one shared expert."""
    d.spec["attention"] = d.spec["attention"].model_copy(update={
        "qkv_bias": d.f.bool("attention_bias", True), "o_bias": False})


def minimax_m2(d: Draft) -> None:
    """MiniMax-M2: every layer MoE (intermediate_size is the expert width), q/k norms over all heads."""
    moe = d.spec["moe"]
    if moe is None:  # a MiniMax-M2 config without its expert count (an AssertionError, exit 3)
        raise SpecError("config is missing `num_local_experts` (MiniMax-M2 is MoE in every layer)", where=d.f.where,
                        hint="is the config complete? compare it with the published config.json")
    d.spec["moe"] = moe.model_copy(update={"expert_intermediate_size": d.f.int("intermediate_size")})
    mtp = d.f.int("num_mtp_modules", 0, minimum=0) if d.f.bool("use_mtp", False) else 0
    d.spec["num_mtp_layers"] = mtp


def mimo_v2(d: Draft) -> None:
    """MiMo-V2-Flash: `hybrid_layer_pattern` 1 = sliding window (own KV heads, sinks), 0 = full attention;
    `moe_layer_freq` marks MoE layers."""
    f = d.f
    pattern = f.flags("hybrid_layer_pattern", d.num_layers)
    if pattern is None:
        raise SpecError("config is missing `hybrid_layer_pattern` (one 0/1 per layer)", where=f.where,
                        hint="MiMo-V2 configs mark sliding (1) and full (0) attention layers")
    window = int(f.get("sliding_window_size") or need(f, "sliding_window", "the sliding window"))
    swa_kv = f.opt_int("swa_num_key_value_heads")
    for layer, swa in zip(d.layers, pattern):
        if swa:
            layer.update(kind="sliding", window_tokens=window, num_kv_heads=swa_kv)
        else:
            layer.update(kind="full", window_tokens=None)
    d.spec["attention"] = d.spec["attention"].model_copy(update={"sinks": f.bool("add_swa_attention_sink_bias",
                                                                                  False)})


def gemma4(d: Draft) -> None:
    """Gemma 4: sliding layers at head_dim / num_key_value_heads, full layers at global_head_dim /
    num_global_key_value_heads (keys reused as values), q/k norms; with `enable_moe_block` the dense MLP
    runs beside the experts (counted as a shared expert) with three more norms and a router scale; the E-models'
    per-layer embeddings as in Gemma 3n."""
    f = d.f
    global_dim = f.opt_int("global_head_dim")
    global_kv = f.opt_int("num_global_key_value_heads")
    for layer in d.layers:
        if layer["kind"] == "full":
            layer.update(head_dim=global_dim, num_kv_heads=global_kv)
    d.spec["attention"] = d.spec["attention"].model_copy(update={
        "qk_norm": True, "k_eq_v": f.bool("attention_k_eq_v", False)})
    d.spec["norms_per_layer"] = 4 + _per_layer_inputs(d)
    _kv_sharing(d)
    if f.bool("enable_moe_block", False):
        d.spec["moe"] = MoeSpec(num_experts=f.int("num_experts"), num_experts_per_tok=f.int("top_k_experts"),
                                expert_intermediate_size=f.int("moe_intermediate_size"),
                                shared_intermediate_size=d.spec["intermediate_size"])
        for layer in d.layers:
            layer["mlp"] = "moe"
        d.spec["norms_per_layer"] += 4  # 3 norms around the experts + the router's input scale
    else:
        d.spec["moe"] = None
        for layer in d.layers:
            layer["mlp"] = "dense"


def _kv_sharing(d: Draft) -> None:
    """The last `num_kv_shared_layers` layers attend to the KV of the last earlier layer of their kind: no KV of
    their own (Gemma 3n, Gemma 4)."""
    shared_kv = d.f.int("num_kv_shared_layers", 0, minimum=0)
    for layer in d.layers[d.num_layers - shared_kv:] if shared_kv else []:
        layer["kv_shared"] = True


def _per_layer_inputs(d: Draft) -> int:
    """Per-layer embeddings (`hidden_size_per_layer_input` wide slices of a `vocab_size_per_layer_input` table, one
    per layer, plus a projection of the hidden state); the norms per layer they add (post_per_layer_input_norm)."""
    f = d.f
    width = f.int("hidden_size_per_layer_input", 0, minimum=0)
    if not width:
        return 0
    d.spec["per_layer_input_size"] = width
    d.spec["per_layer_input_vocab"] = f.int("vocab_size_per_layer_input", d.spec["vocab_size"], minimum=1)
    return 1


def gemma3n(d: Draft) -> None:
    """Gemma 3n (transformers Gemma3nTextModel): Gemma 3 attention with q/k norms (v normed without a scale),
    per-layer MLP widths (MatFormer), KV shared by the last `num_kv_shared_layers` layers, per-layer embeddings,
    a LAuReL low-rank branch and AltUp (`altup_num_inputs` residual streams) in every layer. Norms per layer: the
    four sandwich norms, post_laurel_norm, post_per_layer_input_norm, the AltUp router norm and its output scale."""
    f = d.f
    _kv_sharing(d)
    norms = 4 + _per_layer_inputs(d)
    d.spec["laurel_rank"] = f.int("laurel_rank", 0, minimum=0)
    d.spec["altup_inputs"] = f.int("altup_num_inputs", 0, minimum=0)
    norms += 1 if d.spec["laurel_rank"] else 0
    norms += 2 if d.spec["altup_inputs"] > 1 else 0
    d.spec["norms_per_layer"] = norms


def _ffn_width(mult: float, hidden: int) -> int:
    # DeciLM `_ffn_mult_to_intermediate_size`: 2/3 x mult x hidden, rounded up to a multiple of 256.
    width = int(2 * mult * hidden / 3)
    return width + (-width % 256)


FFN_MULT_MAX = 64.0
"""Largest plausible Nemotron-NAS `ffn_mult` (published blocks use 1-5.25)."""


def nemotron_nas(d: Draft) -> None:
    """Nemotron-NAS (DeciLM): per-layer `block_configs` set KV heads (heads / n_heads_in_group), MLP width
    (ffn_mult), or drop a block (no_op) or replace it by one hidden x hidden Linear."""
    f = d.f
    blocks = f.get("block_configs")
    hint = "Nemotron-NAS (DeciLM) describes each layer's attention and ffn in block_configs"
    if blocks is None:
        raise SpecError("config is missing `block_configs` (one entry per layer)", where=f.where, hint=hint)
    if not isinstance(blocks, list) or len(blocks) != d.num_layers:
        raise SpecError(f"`block_configs` must list one entry per layer ({d.num_layers:,})", where=f.where,
                        value=short(blocks) if not isinstance(blocks, list) else f"{len(blocks):,} entries", hint=hint)
    heads = d.spec["attention"].num_heads
    hidden = d.spec["hidden_size"]
    layers = []
    for i, b in enumerate(blocks):
        attn, ffn = (b.get("attention") or {}, b.get("ffn") or {}) if isinstance(b, dict) else (None, None)
        if not isinstance(attn, dict) or not isinstance(ffn, dict):
            raise SpecError(f"`block_configs[{i}]` must be an object with `attention` and `ffn` objects",
                            where=f.where, value=short(b), hint=hint)
        a = Fields(attn, {}, f"{f.where}: block_configs[{i}].attention")
        m = Fields(ffn, {}, f"{f.where}: block_configs[{i}].ffn")
        attn_linear, ffn_linear = a.bool("replace_with_linear", False), m.bool("replace_with_linear", False)
        attn_gone, ffn_gone = a.bool("no_op", False) or attn_linear, m.bool("no_op", False) or ffn_linear
        group = 1 if attn.get("n_heads_in_group") is None else attn.get("n_heads_in_group")
        if not attn_gone and (isinstance(group, bool) or not isinstance(group, int) or not 1 <= group <= heads
                              or heads % group):
            raise SpecError(f"`block_configs[{i}].attention.n_heads_in_group` must be a whole divisor of the "
                            f"{heads:,} attention heads", where=f.where, value=short(group), hint=hint)
        mult = ffn.get("ffn_mult", 1.0)
        if not ffn_gone and (isinstance(mult, bool) or not isinstance(mult, (int, float))
                             or not 0 < mult <= FFN_MULT_MAX):
            raise SpecError(f"`block_configs[{i}].ffn.ffn_mult` must be a number in (0, {FFN_MULT_MAX:g}]",
                            where=f.where, value=short(mult), hint="published blocks use 1-5.25 (MLP width "
                            "2/3 x ffn_mult x hidden_size)")
        layer: dict[str, object] = {"kind": "full", "mlp": "dense", "linear_blocks": int(attn_linear) + int(ffn_linear)}
        norms = 2 - (attn_gone and not attn_linear) - (ffn_gone and not ffn_linear)
        if attn_gone:
            layer["kind"] = "none"
        else:
            layer["num_kv_heads"] = heads // group
        if ffn_gone:
            layer["mlp"] = "none"
        else:
            layer["intermediate_size"] = _ffn_width(float(mult), hidden)
        layer["norms"] = norms
        layers.append(layer)
    d.layers = layers
    kv = [int(x["num_kv_heads"]) for x in layers if "num_kv_heads" in x]  # type: ignore[call-overload]
    widths = [int(x["intermediate_size"]) for x in layers if "intermediate_size" in x]  # type: ignore[call-overload]
    d.spec["attention"] = d.spec["attention"].model_copy(update={"num_kv_heads": max(kv) if kv else heads})
    d.spec["intermediate_size"] = max(widths) if widths else hidden


def granite_moe(d: Draft) -> None:
    """Granite MoE: experts (input_linear / output_linear), a plain router, optionally a shared MLP."""
    moe = d.spec["moe"]
    if moe is not None:
        shared = d.f.int("shared_intermediate_size", 0, minimum=0)
        d.spec["moe"] = moe.model_copy(update={"shared_intermediate_size": shared, "router_bias": False,
                                               "expert_intermediate_size": d.f.int("intermediate_size")})


def gpt_oss(d: Draft) -> None:
    """GPT-OSS: per-head attention sinks, a router with bias, experts with biases."""
    d.spec["attention"] = d.spec["attention"].model_copy(update={"sinks": True})
    moe = d.spec["moe"]
    if moe is not None:
        d.spec["moe"] = moe.model_copy(update={"router_bias": True, "expert_bias": True})


def ernie45_moe(d: Draft) -> None:
    """ERNIE 4.5 MoE (transformers Ernie4_5_MoeModel): `moe_num_experts` routed experts of `moe_intermediate_size`,
    top `moe_k`, `moe_num_shared_experts` shared ones, in the layers from `moe_layer_start_index` to
    `moe_layer_end_index` every `moe_layer_interval`-th; the rest keep the dense `intermediate_size` MLP. Attention
    biases with `use_bias`. With
    `moe_use_aux_free` the router has a score-correction bias."""
    f = d.f
    if f.bool("use_bias", False):
        d.spec["attention"] = d.spec["attention"].model_copy(update={"qkv_bias": True, "o_bias": True})
    experts = f.int("moe_num_experts", 0, minimum=0)
    if not experts:
        d.spec["moe"] = None
        return
    width = f.int("moe_intermediate_size")
    d.spec["moe"] = MoeSpec(num_experts=experts, num_experts_per_tok=f.int("moe_k"), expert_intermediate_size=width,
                            shared_intermediate_size=f.int("moe_num_shared_experts", 0, minimum=0) * width,
                            router_bias=f.bool("moe_use_aux_free", False))
    start = f.int("moe_layer_start_index", 1, minimum=0)  # the transformers Ernie4_5_MoeConfig default
    end = f.int("moe_layer_end_index", d.num_layers - 1, minimum=0)
    step = f.int("moe_layer_interval", 1)
    for i, layer in enumerate(d.layers):  # vLLM / SGLang Ernie4DecoderLayer rule
        layer["mlp"] = "moe" if start <= i <= end and (i - start) % step == 0 else "dense"


def phimoe(d: Draft) -> None:
    """Phi-3.5-MoE (transformers PhimoeModel): every layer MoE (`num_local_experts` of `intermediate_size`, top
    `num_experts_per_tok`, no shared expert), LayerNorms with biases, biases on q/k/v/o when `attention_bias`, and
    an lm_head bias when `lm_head_bias`."""
    d.spec["lm_head_bias"] = d.f.bool("lm_head_bias", False)


def hunyuan_config(config: dict[str, Any]) -> dict[str, Any]:
    """Hunyuan-A13B's per-layer lists (`moe_topk`, `moe_intermediate_size`, `num_shared_expert`) as the one value
    they hold, its `attention_head_dim` as `head_dim`, and its shared MLP (`num_shared_expert` x
    `intermediate_size`, as vLLM's hunyuan_v1.py builds it) as `shared_expert_intermediate_size`."""
    out = dict(config)
    for key in ("moe_topk", "moe_intermediate_size", "num_shared_expert"):
        value = out.get(key)
        if isinstance(value, list) and value:
            if len(set(map(str, value))) != 1:
                raise SpecError(f"`{key}` differs between layers ({sorted(set(map(str, value)))}); per-layer expert "
                                "shapes are not modelled for Hunyuan", where="config.json", value=str(value)[:60],
                                hint="Hunyuan-A13B lists one value for every layer")
            out[key] = value[0]
    if out.get("head_dim") is None and out.get("attention_head_dim") is not None:
        out["head_dim"] = out["attention_head_dim"]
    if out.get("use_cla"):
        raise SpecError("cross-layer attention (`use_cla`) is not modelled: its layers share KV", where="config.json",
                        value=True, hint="describe the model in model.yaml, or set use_cla false if it does not share")
    shared = out.get("num_shared_expert", 1)
    width = out.get("intermediate_size")
    if out.get("num_experts") and isinstance(shared, int) and isinstance(width, int) and not isinstance(shared, bool):
        out.setdefault("shared_expert_intermediate_size", shared * width)
    return out


def bailing_moe_v2(d: Draft) -> None:
    """Ling 2.0 / Ring 2.0 (BailingMoeV2, inclusionAI's modeling_bailing_moe_v2.py): one fused query_key_value with a
    bias when `use_qkv_bias`, the output `dense` with one when `use_bias`, per-head q/k RMSNorms with `use_qk_norm`;
    `first_k_dense_replace` dense layers, then `num_experts` routed experts of `moe_intermediate_size` (a sigmoid
    router whose `expert_bias` the checkpoint stores) and `num_shared_experts` shared ones; MTP layers
    (`num_nextn_predict_layers`) shipped beside. Half of each head is rotated (`partial_rotary_factor`): K and V are
    whole."""
    f = d.f
    d.spec["attention"] = d.spec["attention"].model_copy(update={
        "qkv_bias": f.bool("use_qkv_bias", False), "o_bias": f.bool("use_bias", False)})
    moe = d.spec["moe"]
    if moe is not None:
        d.spec["moe"] = moe.model_copy(update={"router_bias": True})


_DBRX_FIELDS = (("d_model", "hidden_size"), ("n_heads", "num_attention_heads"), ("n_layers", "num_hidden_layers"),
                ("max_seq_len", "max_position_embeddings"))
_DBRX_NESTED = (("attn_config", "kv_n_heads", "num_key_value_heads"),
                ("ffn_config", "ffn_hidden_size", "intermediate_size"),
                ("ffn_config", "moe_num_experts", "num_local_experts"),
                ("ffn_config", "moe_top_k", "num_experts_per_tok"))


def dbrx_config(config: dict[str, Any]) -> dict[str, Any]:
    """DBRX (transformers DbrxConfig): its shape under its own names, the KV heads in `attn_config` and the experts
    in `ffn_config`, renamed to the fields the generic reader takes. Every layer is MoE (`moe_num_experts` gated
    experts of `ffn_hidden_size`, top `moe_top_k`, no shared expert, a bias-free router); attention is one fused
    Wqkv and out_proj without biases."""
    out = dict(config)
    for theirs, ours in _DBRX_FIELDS:
        if out.get(ours) is None and out.get(theirs) is not None:
            out[ours] = out[theirs]
    for block, theirs, ours in _DBRX_NESTED:
        sub = out.get(block)
        if sub is not None and not isinstance(sub, dict):
            raise SpecError(f"`{block}` must be an object", where="config.json", value=str(sub)[:60],
                            hint="DBRX configs nest the attention and expert shapes in attn_config / ffn_config")
        if isinstance(sub, dict) and out.get(ours) is None and sub.get(theirs) is not None:
            out[ours] = sub[theirs]
    return out
