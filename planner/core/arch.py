"""Exact architecture arithmetic: the linear layers of a model, its parameter counts, KV bytes.

Pure functions of a `ModelSpec`; the memory and perf models build on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from planner.specs._base import Frozen
from planner.specs.model import ModelSpec

Group = Literal["attention", "mlp", "experts", "shared_experts", "router", "lm_head"]
"""Which part of the model a linear layer belongs to (decides quantization and TP split)."""

TpSplit = Literal["column", "row", "replicated"]
"""How tensor parallelism shards a linear layer: by output (column), by input (row), or not at all."""


@dataclass(frozen=True)
class Linear:
    """One weight matrix (N = out_features, K = in_features) repeated over layers and experts."""

    name: str
    group: Group
    in_features: int
    out_features: int
    bias: bool
    num_layers: int
    tp: TpSplit
    copies: int = 1
    """Experts per layer holding this matrix (1 for dense layers)."""
    active_copies: int = 1
    """Copies one token passes through (top-k for routed experts)."""

    @property
    def params_per_copy(self) -> int:
        """Weights plus bias of one copy in one layer."""
        return self.in_features * self.out_features + (self.out_features if self.bias else 0)

    @property
    def params(self) -> int:
        """All parameters of this matrix over layers and copies."""
        return self.params_per_copy * self.copies * self.num_layers

    @property
    def active_params(self) -> int:
        """Parameters one token touches."""
        return self.params_per_copy * self.active_copies * self.num_layers


def _attention_linears(spec: ModelSpec, num_layers: int) -> list[Linear]:
    a, h = spec.attention, spec.hidden_size
    if a.kind == "mla":
        assert a.kv_lora_rank and a.qk_rope_head_dim and a.qk_nope_head_dim
        qk_dim = a.qk_nope_head_dim + a.qk_rope_head_dim
        out: list[Linear] = []
        if a.q_lora_rank:
            out.append(Linear("q_a_proj", "attention", h, a.q_lora_rank, False, num_layers, "replicated"))
            out.append(Linear("q_b_proj", "attention", a.q_lora_rank, a.num_heads * qk_dim, False, num_layers, "column"))
        else:
            out.append(Linear("q_proj", "attention", h, a.num_heads * qk_dim, False, num_layers, "column"))
        out += [
            Linear("kv_a_proj", "attention", h, a.kv_lora_rank + a.qk_rope_head_dim, False, num_layers, "replicated"),
            Linear("kv_b_proj", "attention", a.kv_lora_rank,
                   a.num_heads * (a.qk_nope_head_dim + a.v_head_dim), False, num_layers, "column"),
            Linear("o_proj", "attention", a.num_heads * a.v_head_dim, h, False, num_layers, "row"),
        ]
        return out
    return [
        Linear("q_proj", "attention", h, a.num_heads * a.head_dim, a.qkv_bias, num_layers, "column"),
        Linear("k_proj", "attention", h, a.num_kv_heads * a.head_dim, a.qkv_bias, num_layers, "column"),
        Linear("v_proj", "attention", h, a.num_kv_heads * a.v_head_dim, a.qkv_bias, num_layers, "column"),
        Linear("o_proj", "attention", a.num_heads * a.v_head_dim, h, a.o_bias, num_layers, "row"),
    ]


def _mlp_linears(name: str, group: Group, h: int, inter: int, gated: bool, bias: bool,
                 num_layers: int, copies: int = 1, active: int = 1) -> list[Linear]:
    up_out = 2 * inter if gated else inter  # gate and up fused: same bytes and FLOPs
    return [
        Linear(f"{name}.gate_up_proj" if gated else f"{name}.up_proj", group, h, up_out, bias,
               num_layers, "column", copies, active),
        Linear(f"{name}.down_proj", group, inter, h, bias, num_layers, "row", copies, active),
    ]


def linears(spec: ModelSpec) -> list[Linear]:
    """Every weight matrix of the text model, grouped; embeddings and norms are not linears."""
    h, n = spec.hidden_size, spec.num_layers
    num_moe = sum(layer.moe for layer in spec.layers)
    num_dense = n - num_moe
    out = _attention_linears(spec, n)
    if num_dense:
        out += _mlp_linears("mlp", "mlp", h, spec.intermediate_size, spec.mlp_gated, spec.mlp_bias, num_dense)
    if num_moe:
        moe = spec.moe
        assert moe is not None
        out.append(Linear("router", "router", h, moe.num_experts, moe.router_bias, num_moe, "replicated"))
        out += _mlp_linears("experts", "experts", h, moe.expert_intermediate_size, spec.mlp_gated,
                            moe.expert_bias, num_moe, moe.num_experts, moe.num_experts_per_tok)
        if moe.shared_intermediate_size:
            out += _mlp_linears("shared_expert", "shared_experts", h, moe.shared_intermediate_size,
                                spec.mlp_gated, False, num_moe)
            if moe.shared_expert_gate:
                out.append(Linear("shared_expert_gate", "shared_experts", h, 1, False, num_moe, "replicated"))
    if not spec.encoder_only and not spec.tie_word_embeddings:
        out.append(Linear("lm_head", "lm_head", h, spec.vocab_size, spec.lm_head_bias, 1, "column"))
    elif spec.lm_head_bias:
        # A tied lm_head still owns its bias vector.
        out.append(Linear("lm_head_bias", "lm_head", 0, spec.vocab_size, True, 1, "column"))
    if spec.pooler:
        out.append(Linear("pooler", "mlp", h, h, True, 1, "replicated"))
    return out


class ParamCounts(Frozen):
    """Exact parameter counts of a model, by part."""

    embedding: int = Field(ge=0)
    """Token embedding (plus learned position / token-type embeddings and their norm)."""
    lm_head: int = Field(ge=0)
    """Output projection (0 when tied to the embedding)."""
    attention: int = Field(ge=0)
    """Attention projections, their biases, q/k norms, MLA norms and sinks, all layers."""
    mlp: int = Field(ge=0)
    """Dense MLPs (and a BERT pooler), all layers."""
    experts: int = Field(ge=0)
    """Routed experts, all MoE layers."""
    shared_experts: int = Field(ge=0)
    """Always-active shared experts and their gates, all MoE layers."""
    router: int = Field(ge=0)
    """Expert routers (gates), all MoE layers."""
    norms: int = Field(ge=0)
    """Per-layer and final norms."""
    vision: int = Field(ge=0)
    """Bundled vision encoder and projector."""
    total: int = Field(ge=0)
    """All parameters (the MTP/draft layers of DeepSeek-V3 excluded)."""
    active: int = Field(ge=0)
    """Parameters one text token passes through: total minus unused routed experts and vision."""


def _norm_params(spec: ModelSpec) -> int:
    return spec.hidden_size * (2 if spec.norm == "layernorm" else 1)


def count_params(spec: ModelSpec) -> ParamCounts:
    """Count parameters exactly from the architecture."""
    h, a = spec.hidden_size, spec.attention
    embedding = spec.vocab_size * h + spec.learned_positions * h + spec.type_vocab_size * h
    if spec.embedding_norm:
        embedding += _norm_params(spec)
    groups: dict[str, int] = {"attention": 0, "mlp": 0, "experts": 0, "shared_experts": 0,
                              "router": 0, "lm_head": 0}
    inactive_experts = 0
    for lin in linears(spec):
        groups[lin.group] += lin.params
        inactive_experts += lin.params - lin.active_params
    # Small per-layer tensors that are not matrices.
    extra_attention = 0
    if a.qk_norm:
        extra_attention += 2 * a.head_dim
    if a.sinks:
        extra_attention += a.num_heads
    if a.kind == "mla":
        extra_attention += (a.q_lora_rank or 0) + (a.kv_lora_rank or 0)  # q_a / kv_a RMSNorms
    groups["attention"] += extra_attention * spec.num_layers
    norms = spec.norms_per_layer * _norm_params(spec) * spec.num_layers
    if spec.final_norm:
        norms += _norm_params(spec)
    vision = spec.vision.params if spec.vision else 0
    total = embedding + sum(groups.values()) + norms + vision
    return ParamCounts(
        embedding=embedding, lm_head=groups["lm_head"], attention=groups["attention"], mlp=groups["mlp"],
        experts=groups["experts"], shared_experts=groups["shared_experts"], router=groups["router"],
        norms=norms, vision=vision, total=total, active=total - inactive_experts - vision,
    )


def kv_heads_per_gpu(spec: ModelSpec, tp_size: int) -> int:
    """KV heads one tensor-parallel rank stores; heads are replicated when fewer than ranks."""
    kv = spec.attention.num_kv_heads
    return kv // tp_size if kv >= tp_size else 1


def kv_bytes_per_token_layer(spec: ModelSpec, kv_dtype_bytes: float, tp_size: int = 1) -> float:
    """KV-cache bytes one token adds to one layer on one GPU.

    GQA caches K and V per KV head; MLA caches one latent (kv_lora_rank + rope dims), which
    every tensor-parallel rank keeps in full (as vLLM and SGLang do without DP attention).
    """
    if spec.encoder_only:
        return 0.0
    a = spec.attention
    if a.kind == "mla":
        assert a.kv_lora_rank and a.qk_rope_head_dim
        return (a.kv_lora_rank + a.qk_rope_head_dim) * kv_dtype_bytes
    return kv_heads_per_gpu(spec, tp_size) * (a.head_dim + a.v_head_dim) * kv_dtype_bytes


def kv_bytes_per_token(spec: ModelSpec, kv_dtype_bytes: float, tp_size: int = 1) -> float:
    """KV bytes per token over all layers on one TP rank, ignoring sliding-window caps."""
    return kv_bytes_per_token_layer(spec, kv_dtype_bytes, tp_size) * spec.num_layers


def kv_bytes_for_context(spec: ModelSpec, context_tokens: int, kv_dtype_bytes: float,
                         tp_size: int = 1, pp_size: int = 1) -> float:
    """KV bytes one sequence of `context_tokens` holds on one GPU, sliding layers capped at their window.

    With pipeline parallelism the busiest stage (most layers, ceil split) is returned.
    """
    per_layer = kv_bytes_per_token_layer(spec, kv_dtype_bytes, tp_size)
    layers_per_stage = -(-spec.num_layers // pp_size)
    # Charge the stage holding the most full-attention layers: take the costliest layers first.
    tokens = sorted((min(context_tokens, layer.window_tokens or context_tokens) for layer in spec.layers),
                    reverse=True)
    return per_layer * sum(tokens[:layers_per_stage])
