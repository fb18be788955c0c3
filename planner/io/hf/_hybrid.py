"""Adapters for hybrid models: Mamba / SSM and linear-attention layers mixed with attention.

Nemotron-H / Nemotron 3 (`hybrid_override_pattern`), Qwen3-Next and Qwen3.5 (gated DeltaNet,
`layer_types` / `full_attention_interval`), Falcon-H1 (attention and Mamba2 side by side), Jamba
(Mamba1 + attention + MoE by period), Granite 4.0-H (`layer_types`), MiniMax-01 (lightning attention), and the
attention-free Mamba / Falcon Mamba (Mamba1) and Mamba2 (Codestral Mamba) stacks, Kimi-Linear (KDA + MLA).
"""

from __future__ import annotations

import math
from typing import Any

from planner.errors import SpecError
from planner.io.hf._build import Draft, need
from planner.io.hf._fields import Fields, dtype_of
from planner.specs.model import LinearAttentionSpec, MambaSpec, MoeSpec, StateDtype


def _state_dtype(d: Draft, *keys: str) -> StateDtype:
    """The recurrent-state precision the config asks runtimes to keep; else the model dtype."""
    for key in keys:
        value = d.f.get(key)
        if value is not None and dtype_of(value):
            return dtype_of(value)  # type: ignore[return-value]
    return dtype_of(d.f.get("torch_dtype") or d.f.get("dtype") or "bfloat16") or "bf16"


def nemotron_h(d: Draft) -> None:
    """Nemotron-H / Nemotron 3: one block per layer, M = Mamba2, * = attention, - = MLP, E = MoE."""
    f = d.f
    pattern = str(need(f, "hybrid_override_pattern", "the per-layer block pattern"))
    if len(pattern) != d.num_layers:
        raise SpecError(f"hybrid_override_pattern has {len(pattern)} blocks for {d.num_layers} layers",
                        where=f.where, value=pattern, hint="each character is one layer: M, *, - or E")
    kinds = {"M": ("mamba", "none"), "*": ("full", "none"), "-": ("none", "dense"), "E": ("none", "moe")}
    bad = sorted(set(pattern) - set(kinds))
    if bad:
        raise SpecError(f"hybrid_override_pattern has unknown block types {bad}", where=f.where,
                        hint="known: M (Mamba2), * (attention), - (MLP), E (MoE)")
    d.layers = [{"kind": kinds[c][0], "mlp": kinds[c][1]} for c in pattern]
    heads = f.int("mamba_num_heads")
    d.spec["mamba"] = MambaSpec(
        version=2, d_inner=heads * f.int("mamba_head_dim"), state_size=f.int("ssm_state_size"),
        conv_kernel=f.int("conv_kernel", 4), num_heads=heads, n_groups=f.int("n_groups", 1),
        proj_bias=f.bool("use_bias", False), conv_bias=f.bool("use_conv_bias", True),
        state_dtype=_state_dtype(d, "mamba_ssm_cache_dtype"),
    )
    d.spec["norms_per_layer"] = 1
    d.spec["mlp_gated"] = False  # relu2 up/down MLPs and experts
    if "E" in pattern:
        experts = f.int("n_routed_experts")
        shared = f.int("moe_shared_expert_intermediate_size", 0, minimum=0) * f.int("n_shared_experts", 1, minimum=0)
        d.spec["moe"] = MoeSpec(
            num_experts=experts, num_experts_per_tok=f.int("num_experts_per_tok"),
            expert_intermediate_size=f.int("moe_intermediate_size"), shared_intermediate_size=shared,
            router_bias=True, latent_size=f.opt_int("moe_latent_size"),
        )
    mtp = f.get("mtp_hybrid_override_pattern")
    d.spec["num_mtp_layers"] = f.int("num_nextn_predict_layers", 0, minimum=0) if mtp else 0


def _gated_deltanet(d: Draft) -> LinearAttentionSpec:
    f = d.f
    return LinearAttentionSpec(
        variant="gated_deltanet", num_key_heads=f.int("linear_num_key_heads"),
        num_value_heads=f.int("linear_num_value_heads"), key_head_dim=f.int("linear_key_head_dim"),
        value_head_dim=f.int("linear_value_head_dim"), conv_kernel=f.int("linear_conv_kernel_dim", 4),
        state_dtype=_state_dtype(d, "mamba_ssm_dtype", "mamba_ssm_cache_dtype"),
    )


def qwen_next(d: Draft) -> None:
    """Qwen3-Next / Qwen3.5: gated DeltaNet layers, and every `full_attention_interval`-th a gated attention."""
    f = d.f
    if not any(layer["kind"] == "linear" for layer in d.layers):
        interval = f.int("full_attention_interval", 4)
        for i, layer in enumerate(d.layers):
            layer["kind"] = "full" if (i + 1) % interval == 0 else "linear"
    d.spec["linear_attention"] = _gated_deltanet(d)
    d.spec["attention"] = d.spec["attention"].model_copy(update={
        "output_gate": f.bool("attn_output_gate", True), "qk_norm": True})


def falcon_h1(d: Draft) -> None:
    """Falcon-H1: every layer runs attention and a Mamba2 mixer in parallel, then a gated MLP."""
    f = d.f
    heads = f.int("mamba_n_heads")
    head_dim = f.int("mamba_d_head")
    d_inner = f.get("mamba_d_ssm") or heads * head_dim
    d.spec["mamba"] = MambaSpec(
        version=2, d_inner=int(d_inner), state_size=f.int("mamba_d_state"), conv_kernel=f.int("mamba_d_conv", 4),
        num_heads=heads, n_groups=f.int("mamba_n_groups", 1), proj_bias=f.bool("mamba_proj_bias", False),
        conv_bias=f.bool("mamba_conv_bias", True), gated_norm=f.bool("mamba_rms_norm", False),
        state_dtype=_state_dtype(d, "mamba_ssm_cache_dtype"),
    )
    for layer in d.layers:
        layer["parallel_ssm"] = True
    d.spec["parallel_block"] = True
    if f.bool("projectors_bias", False):
        d.spec["attention"] = d.spec["attention"].model_copy(update={"qkv_bias": True, "o_bias": True})


def jamba(d: Draft) -> None:
    """Jamba: attention every `attn_layer_period` (at the offset), Mamba1 elsewhere; MoE by its own period."""
    f = d.f
    a_period, a_offset = f.int("attn_layer_period", 8), f.int("attn_layer_offset", 4, minimum=0)
    e_period, e_offset = f.int("expert_layer_period", 2), f.int("expert_layer_offset", 1, minimum=0)
    hidden = d.spec["hidden_size"]
    d_inner = f.int("mamba_expand", 2) * hidden
    dt_rank = f.get("mamba_dt_rank", "auto")
    d.spec["mamba"] = MambaSpec(
        version=1, d_inner=d_inner, state_size=f.int("mamba_d_state", 16), conv_kernel=f.int("mamba_d_conv", 4),
        dt_rank=math.ceil(hidden / 16) if dt_rank == "auto" else int(dt_rank),
        proj_bias=f.bool("mamba_proj_bias", False), conv_bias=f.bool("mamba_conv_bias", True),
        gated_norm=False, inner_norms=True, state_dtype=_state_dtype(d, "mamba_ssm_cache_dtype"),
    )
    moe = d.spec["moe"]
    for i, layer in enumerate(d.layers):
        layer["kind"] = "full" if i % a_period == a_offset else "mamba"
        layer["mlp"] = "moe" if moe is not None and i % e_period == e_offset else "dense"


def granite_hybrid(d: Draft) -> None:
    """Granite 4.0-H: `layer_types` mamba / attention; MoE (plus a shared MLP) or the shared MLP alone.

    Without `layer_types` every layer is Mamba2, and `mamba_d_head` "auto" is mamba_expand x hidden / heads, as
    transformers' GraniteMoeHybridConfig reads them (`layers_block_type`)."""
    f = d.f
    heads = f.int("mamba_n_heads")
    if f.get("layer_types") is None:
        for layer in d.layers:
            layer["kind"] = "mamba"
        d.warnings.append("no `layer_types`: every layer read as Mamba2 (transformers' GraniteMoeHybridConfig default)")
    d_head = f.get("mamba_d_head", "auto")
    d_inner = f.int("mamba_expand", 2) * d.spec["hidden_size"] if d_head == "auto" else heads * f.int("mamba_d_head")
    d.spec["mamba"] = MambaSpec(
        version=2, d_inner=d_inner, state_size=f.int("mamba_d_state"),
        conv_kernel=f.int("mamba_d_conv", 4), num_heads=heads, n_groups=f.int("mamba_n_groups", 1),
        proj_bias=f.bool("mamba_proj_bias", False), conv_bias=f.bool("mamba_conv_bias", True),
        state_dtype=_state_dtype(d, "mamba_ssm_cache_dtype"),
    )
    shared = f.int("shared_intermediate_size", 0, minimum=0)
    if d.spec["moe"] is None:
        d.spec["intermediate_size"] = shared or d.spec["intermediate_size"]
        for layer in d.layers:
            layer["mlp"] = "dense"
    else:
        d.spec["moe"] = d.spec["moe"].model_copy(update={"shared_intermediate_size": shared, "router_bias": False})


def minimax_lightning(d: Draft) -> None:
    """MiniMax-01: `attn_type_list` 0 = lightning (linear) attention, 1 = softmax attention; MoE everywhere."""
    f = d.f
    types = f.flags("attn_type_list", d.num_layers)
    if types is None:
        raise SpecError("config is missing `attn_type_list` (one 0/1 per layer)", where=f.where,
                        hint="MiniMax-01 configs mark lightning (0) and softmax (1) attention layers")
    a = d.spec["attention"]
    for layer, t in zip(d.layers, types):
        layer["kind"] = "full" if t else "linear"
    d.spec["linear_attention"] = LinearAttentionSpec(
        variant="lightning", num_key_heads=a.num_heads, num_value_heads=a.num_heads, key_head_dim=a.head_dim,
        value_head_dim=a.head_dim, conv_kernel=0, state_dtype="fp32")


def ssm_config(config: dict[str, Any]) -> dict[str, Any]:
    """An attention-free Mamba / Mamba2 config (transformers MambaConfig, FalconMambaConfig, Mamba2Config) with the
    fields the generic reader needs: `intermediate_size` (Mamba2: expand x hidden, as Mamba2Mixer builds it) and a
    placeholder attention shape no layer uses, whose heads stand for the mixer's tensor-parallel split (Mamba2: its
    SSM heads; Mamba1: d_inner / 64 channel groups, d_inner being what vLLM's MambaMixer splits)."""
    out = dict(config)
    hidden = out.get("hidden_size")
    if out.get("intermediate_size") is None and isinstance(hidden, int) and isinstance(out.get("expand", 2), int):
        out["intermediate_size"] = int(out.get("expand", 2)) * hidden
    heads = out.get("num_heads") if str(out.get("model_type")) == "mamba2" else None
    inner = out.get("intermediate_size")
    if heads is None and isinstance(inner, int):
        heads = max(1, inner // 64)
    out.setdefault("num_attention_heads", heads)
    out.setdefault("num_key_value_heads", heads)
    return out


def _attention_free(d: Draft) -> None:
    for layer in d.layers:
        layer.update(kind="mamba", mlp="none", window_tokens=None)
    d.spec["norms_per_layer"] = 1  # the pre-mixer RMSNorm; the final norm_f is the model's final norm


def mamba1(d: Draft) -> None:
    """Mamba / Falcon Mamba (transformers MambaModel, FalconMambaModel): one Mamba1 mixer per layer and no MLP;
    `time_step_rank` "auto" is ceil(hidden / 16). Falcon Mamba's extra RMSNorms on B, C and dt carry no weights."""
    f = d.f
    hidden = d.spec["hidden_size"]
    rank = f.get("time_step_rank", "auto")
    d.spec["mamba"] = MambaSpec(
        version=1, d_inner=f.int("intermediate_size"), state_size=f.int("state_size", 16),
        conv_kernel=f.int("conv_kernel", 4), dt_rank=math.ceil(hidden / 16) if rank == "auto" else f.int("time_step_rank"),
        proj_bias=f.bool("use_bias", False), conv_bias=f.bool("use_conv_bias", True), gated_norm=False,
        state_dtype=_state_dtype(d, "mamba_ssm_cache_dtype"),
    )
    _attention_free(d)


def mamba2(d: Draft) -> None:
    """Mamba2 (transformers Mamba2Model; Codestral Mamba): one Mamba2 mixer per layer (z, x, B, C, dt in one
    projection, `n_groups` B/C groups, a gated RMSNorm over d_inner) and no MLP."""
    f = d.f
    heads = f.int("num_heads")
    d_inner = f.int("intermediate_size")
    if heads * f.int("head_dim") != d_inner:
        raise SpecError(f"num_heads x head_dim ({heads} x {f.int('head_dim')}) must equal expand x hidden_size "
                        f"({d_inner})", where=f.where, hint="check the config against the model card")
    d.spec["mamba"] = MambaSpec(
        version=2, d_inner=d_inner, state_size=f.int("state_size", 128), conv_kernel=f.int("conv_kernel", 4),
        num_heads=heads, n_groups=f.int("n_groups", 1), proj_bias=f.bool("use_bias", False),
        conv_bias=f.bool("use_conv_bias", True), gated_norm=f.bool("rms_norm", True),
        state_dtype=_state_dtype(d, "mamba_ssm_cache_dtype"),
    )
    _attention_free(d)


_KIMI_K3_KEYS = ("routed_expert_hidden_size", "attn_res_block_size", "mla_use_output_gate", "latent_moe_use_norm")
"""Kimi-Linear-family fields of a later layout (latent experts, attention residual blocks, gated MLA, full-rank
gates) the KDA + MLA reading does not model."""


def _one_based_layers(value: Any, n: int, key: str, where: str) -> set[int]:
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) and 1 <= i <= n
                                              for i in value):
        raise SpecError(f"`linear_attn_config.{key}` must be a list of layer numbers in [1, {n:,}] (counted from 1)",
                        where=where, value=str(value)[:60], hint="Kimi-Linear-48B lists full_attn_layers [4, 8, ..., 27]")
    return set(value)


def _kda_state_dtype(d: Draft) -> StateDtype:
    """vLLM keeps the KDA recurrent state in fp32 whatever the model dtype (its Kimi-Linear TP8 cache-fit test: "the
    f32 KDA state (2^18 B)", 4 heads x 128 x 128 x 4 bytes); a `mamba_ssm_cache_dtype` the config sets wins."""
    value = d.f.get("mamba_ssm_cache_dtype")
    return dtype_of(value) or "fp32" if value is not None else "fp32"


def kimi_linear(d: Draft) -> None:
    """Kimi-Linear (vLLM kimi_linear.py): Kimi delta attention (KDA) in the layers `linear_attn_config.kda_layers`
    names and MLA in its `full_attn_layers` (both counted from 1; MLA without RoPE when `mla_use_nope`), DeepSeek-style
    MoE after `first_k_dense_replace` dense layers with shared experts and, with a sigmoid router, its score-correction
    bias. A KDA layer keeps a fixed state: q/k/v conv windows and one head_dim x head_dim matrix per head."""
    f = d.f
    cfg = f.get("linear_attn_config")
    if not isinstance(cfg, dict):
        raise SpecError("config is missing `linear_attn_config` (the KDA layers and their shape)", where=f.where,
                        hint="Kimi-Linear configs name kda_layers / full_attn_layers, num_heads and head_dim there")
    odd = [k for k in _KIMI_K3_KEYS if f.get(k)] + (["linear_attn_config.use_full_rank_gate"]
                                                    if cfg.get("use_full_rank_gate") else [])
    if odd:
        raise SpecError(f"this Kimi-Linear-family config has fields the planner does not model ({', '.join(odd)})",
                        where=f.where, hint="describe the model in model.yaml; Kimi-Linear-48B-A3B has none of them")
    n = d.num_layers
    full = _one_based_layers(cfg.get("full_attn_layers"), n, "full_attn_layers", f.where)
    kda = cfg.get("kda_layers")
    if kda is not None and _one_based_layers(kda, n, "kda_layers", f.where) != set(range(1, n + 1)) - full:
        raise SpecError("`linear_attn_config.kda_layers` and `full_attn_layers` must cover every layer once",
                        where=f.where, value=str(kda)[:60], hint="each layer is either KDA or full attention")
    no_rope = f.bool("mla_use_nope", False)
    for i, layer in enumerate(d.layers, start=1):
        layer.update(kind="full", rope=not no_rope) if i in full else layer.update(kind="linear")
    sub = Fields(cfg, {}, f.where)
    heads, head_dim = sub.int("num_heads"), sub.int("head_dim")
    d.spec["linear_attention"] = LinearAttentionSpec(
        variant="kda", num_key_heads=heads, num_value_heads=heads, key_head_dim=head_dim, value_head_dim=head_dim,
        conv_kernel=sub.int("short_conv_kernel_size", 4), state_dtype=_kda_state_dtype(d))
    moe = d.spec["moe"]
    if moe is not None:
        d.spec["moe"] = moe.model_copy(update={"router_bias": f.get("moe_router_activation_func") == "sigmoid"})
