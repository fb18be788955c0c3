"""Exact architecture arithmetic: the linear layers of a model, its parameter counts, KV and state bytes.

Pure functions of a `ModelSpec`; the memory and perf models build on them. Layers are walked one
by one (their mixer, feed-forward and shape overrides), and identical matrices are merged, so
heterogeneous models (hybrids, Nemotron-NAS, Gemma 4's global layers) count exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar, cast

from pydantic import Field

from planner.specs._base import Frozen
from planner.specs.model import LayerSpec, ModelSpec

_T = TypeVar("_T")

Group = Literal["attention", "ssm", "mlp", "experts", "shared_experts", "router", "lm_head"]
"""Which part of the model a linear layer belongs to (decides quantization and TP split); `ssm` is the
projections of linear-attention and Mamba mixers."""

TpSplit = Literal["column", "row", "replicated"]
"""How tensor parallelism shards a linear layer: by output (column), by input (row), or not at all."""

INDEXER_CACHE_BYTES_PER_DIM = 1 + 4 / 128
"""DSA indexer keys are cached as fp8 with one fp32 scale per 128 dims (vLLM, SGLang), bytes per dim."""


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


_Key = tuple[str, Group, int, int, bool, TpSplit, int, int]


def _attention(spec: ModelSpec, layer: LayerSpec) -> Iterator[_Key]:
    a, h = spec.attention, spec.hidden_size
    if a.kind == "mla":
        assert a.kv_lora_rank and a.qk_rope_head_dim and a.qk_nope_head_dim
        qk_dim = a.qk_nope_head_dim + a.qk_rope_head_dim
        if a.q_lora_rank:
            yield ("q_a_proj", "attention", h, a.q_lora_rank, False, "replicated", 1, 1)
            yield ("q_b_proj", "attention", a.q_lora_rank, a.num_heads * qk_dim, False, "column", 1, 1)
        else:
            yield ("q_proj", "attention", h, a.num_heads * qk_dim, False, "column", 1, 1)
        yield ("kv_a_proj", "attention", h, a.kv_lora_rank + a.qk_rope_head_dim, False, "replicated", 1, 1)
        yield ("kv_b_proj", "attention", a.kv_lora_rank, a.num_heads * (a.qk_nope_head_dim + a.v_head_dim),
               False, "column", 1, 1)
        yield ("o_proj", "attention", a.num_heads * a.v_head_dim, h, False, "row", 1, 1)
        if a.indexer and layer.indexer:
            ix = a.indexer
            yield ("indexer.wq_b", "attention", a.q_lora_rank or h, ix.num_heads * ix.head_dim, False,
                   "replicated", 1, 1)
            yield ("indexer.wk", "attention", h, ix.head_dim, False, "replicated", 1, 1)
            yield ("indexer.weights_proj", "attention", h, ix.num_heads, False, "replicated", 1, 1)
        return
    head_dim = layer.head_dim or a.head_dim
    v_dim = layer.head_dim or a.v_head_dim
    kv = layer.num_kv_heads or a.num_kv_heads
    q_out = a.num_heads * head_dim * (2 if a.output_gate else 1)
    yield ("q_proj", "attention", h, q_out, a.qkv_bias, "column", 1, 1)
    yield ("k_proj", "attention", h, kv * head_dim, a.qkv_bias, "column", 1, 1)
    if not (a.k_eq_v and layer.kind == "full"):
        yield ("v_proj", "attention", h, kv * v_dim, a.qkv_bias, "column", 1, 1)
    yield ("o_proj", "attention", a.num_heads * v_dim, h, a.o_bias, "row", 1, 1)


def _linear_attention(spec: ModelSpec) -> Iterator[_Key]:
    la, h = spec.linear_attention, spec.hidden_size
    assert la is not None
    if la.variant == "lightning":
        yield ("qkv_proj", "ssm", h, 3 * la.key_dim, False, "column", 1, 1)
        yield ("output_gate", "ssm", h, la.value_dim, False, "column", 1, 1)
    elif la.variant == "kda":
        # Kimi delta attention (vLLM kda.py KimiDeltaAttention): q, k, v; the forget gate and the output gate each
        # a low-rank pair through one head width (f_a / f_b, g_a / g_b); beta per head.
        yield ("q_proj", "ssm", h, la.key_dim, False, "column", 1, 1)
        yield ("k_proj", "ssm", h, la.key_dim, False, "column", 1, 1)
        yield ("v_proj", "ssm", h, la.value_dim, False, "column", 1, 1)
        yield ("f_a_proj", "ssm", h, la.key_head_dim, False, "replicated", 1, 1)
        yield ("f_b_proj", "ssm", la.key_head_dim, la.key_dim, False, "column", 1, 1)
        yield ("g_a_proj", "ssm", h, la.value_head_dim, False, "replicated", 1, 1)
        yield ("g_b_proj", "ssm", la.value_head_dim, la.value_dim, False, "column", 1, 1)
        yield ("b_proj", "ssm", h, la.num_value_heads, False, "column", 1, 1)
    else:
        # Gated DeltaNet: q, k (key_dim each), v and the output gate z (value_dim each), beta and alpha per head.
        yield ("in_proj_qkvz", "ssm", h, 2 * la.key_dim + 2 * la.value_dim, False, "column", 1, 1)
        yield ("in_proj_ba", "ssm", h, 2 * la.num_value_heads, False, "column", 1, 1)
    yield ("out_proj", "ssm", la.value_dim, h, False, "row", 1, 1)


def _mamba(spec: ModelSpec) -> Iterator[_Key]:
    m, h = spec.mamba, spec.hidden_size
    assert m is not None
    if m.version == 2:
        # z, x, B, C and dt fused in one projection (transformers Mamba2Mixer / NemotronHMamba2Mixer).
        yield ("in_proj", "ssm", h, 2 * m.d_inner + 2 * m.n_groups * m.state_size + m.num_heads, m.proj_bias,
               "column", 1, 1)
    else:
        yield ("in_proj", "ssm", h, 2 * m.d_inner, m.proj_bias, "column", 1, 1)
        yield ("x_proj", "ssm", m.d_inner, m.dt_rank + 2 * m.state_size, False, "row", 1, 1)
        yield ("dt_proj", "ssm", m.dt_rank, m.d_inner, True, "column", 1, 1)
    yield ("mamba_out_proj", "ssm", m.d_inner, h, m.proj_bias, "row", 1, 1)


def _mlp(name: str, group: Group, h: int, inter: int, gated: bool, bias: bool, copies: int = 1,
         active: int = 1) -> Iterator[_Key]:
    up_out = 2 * inter if gated else inter  # gate and up fused: same bytes and FLOPs
    yield (f"{name}.gate_up_proj" if gated else f"{name}.up_proj", group, h, up_out, bias, "column", copies, active)
    yield (f"{name}.down_proj", group, inter, h, bias, "row", copies, active)


def _feed_forward(spec: ModelSpec, layer: LayerSpec) -> Iterator[_Key]:
    h = spec.hidden_size
    if layer.mlp == "dense":
        yield from _mlp("mlp", "mlp", h, layer.intermediate_size or spec.intermediate_size, spec.mlp_gated,
                        spec.mlp_bias)
        return
    if layer.mlp != "moe":
        return
    moe = spec.moe
    assert moe is not None
    gated = spec.mlp_gated if moe.gated is None else moe.gated
    width = moe.latent_size or h
    yield ("router", "router", h, moe.num_experts, moe.router_bias, "replicated", 1, 1)
    if moe.latent_size:
        yield ("experts.latent_down", "mlp", h, moe.latent_size, False, "replicated", 1, 1)
        yield ("experts.latent_up", "mlp", moe.latent_size, h, False, "replicated", 1, 1)
    yield from _mlp("experts", "experts", width, moe.expert_intermediate_size, gated, moe.expert_bias,
                    moe.num_experts, moe.num_experts_per_tok)
    if moe.shared_intermediate_size:
        yield from _mlp("shared_expert", "shared_experts", h, moe.shared_intermediate_size, gated, False)
        if moe.shared_expert_gate:
            yield ("shared_expert_gate", "shared_experts", h, 1, False, "replicated", 1, 1)


def _layer_linears(spec: ModelSpec, layer: LayerSpec) -> Iterator[_Key]:
    if layer.attention or layer.cross_attention:
        yield from _attention(spec, layer)
    elif layer.kind == "linear":
        yield from _linear_attention(spec)
    if layer.recurrent == "mamba":
        yield from _mamba(spec)
    for _ in range(layer.linear_blocks):
        yield ("linear_replacement", "mlp", spec.hidden_size, spec.hidden_size, False, "row", 1, 1)
    yield from _feed_forward(spec, layer)
    yield from _residual_extras(spec)


def _residual_extras(spec: ModelSpec) -> Iterator[_Key]:
    """Gemma 3n / Gemma 4 E-model additions to every layer's residual path (transformers Gemma3nTextDecoderLayer):
    the per-layer input gate and projection, the LAuReL branch, and the AltUp router and coefficient matrices."""
    h = spec.hidden_size
    if spec.per_layer_input_size:
        p = spec.per_layer_input_size
        yield ("per_layer_input_gate", "mlp", h, p, False, "replicated", 1, 1)
        yield ("per_layer_projection", "mlp", p, h, False, "replicated", 1, 1)
    if spec.laurel_rank:
        yield ("laurel.linear_left", "mlp", h, spec.laurel_rank, False, "replicated", 1, 1)
        yield ("laurel.linear_right", "mlp", spec.laurel_rank, h, False, "replicated", 1, 1)
    if spec.altup_inputs > 1:
        n = spec.altup_inputs
        yield ("altup.modality_router", "mlp", h, n, False, "replicated", 1, 1)
        yield ("altup.prediction_coefs", "mlp", n, n * n, False, "replicated", 1, 1)
        yield ("altup.correction_coefs", "mlp", n, n, False, "replicated", 1, 1)


_MEMO: dict[tuple[str, int, tuple[float, ...]], tuple[ModelSpec, Any]] = {}
"""Per-spec results of the layer walks (a search asks for the same spec's linears and KV sizes hundreds of times),
keyed by the function, the spec's identity and the other arguments; the spec is kept with its entry so that the
identity stays its own."""


def _memo(kind: str, spec: ModelSpec, compute: Callable[[ModelSpec], _T], args: tuple[float, ...] = ()) -> _T:
    key = (kind, id(spec), args)
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is spec:
        return cast(_T, hit[1])
    if len(_MEMO) > 4096:
        _MEMO.clear()
    value = compute(spec)
    _MEMO[key] = (spec, value)
    return value


def linears(spec: ModelSpec) -> list[Linear]:
    """Every weight matrix of the text model, grouped; embeddings, norms and convs are not linears."""
    return list(_memo("linears", spec, lambda s: tuple(_linears(s))))


def _linears(spec: ModelSpec) -> list[Linear]:
    counts: dict[_Key, int] = {}
    for layer in spec.layers:
        for key in _layer_linears(spec, layer):
            counts[key] = counts.get(key, 0) + 1
    out = [Linear(name, group, k, n, bias, layers, tp, copies, active)
           for (name, group, k, n, bias, tp, copies, active), layers in counts.items()]
    h = spec.hidden_size
    if not spec.encoder_only and not spec.tie_word_embeddings:
        out.append(Linear("lm_head", "lm_head", h, spec.vocab_size, spec.lm_head_bias, 1, "column"))
    elif spec.lm_head_bias:
        # A tied lm_head still owns its bias vector.
        out.append(Linear("lm_head_bias", "lm_head", 0, spec.vocab_size, True, 1, "column"))
    if spec.pooler:
        out.append(Linear("pooler", "mlp", h, h, True, 1, "replicated"))
    if spec.per_layer_input_size:  # the hidden state's share of every layer's per-layer input
        out.append(Linear("per_layer_model_projection", "mlp", h, spec.num_layers * spec.per_layer_input_size,
                          False, 1, "replicated"))
    if spec.altup_inputs > 1:  # AltUp: streams 2..n projected from the embedding, and back before the final norm
        out.append(Linear("altup_projections", "mlp", h, h, False, 2 * (spec.altup_inputs - 1), "replicated"))
    return out


class ParamCounts(Frozen):
    """Exact parameter counts of a model, by part."""

    embedding: int = Field(ge=0)
    """Token embedding (plus learned position / token-type embeddings and their norm, and the per-layer embedding
    table of Gemma 3n / Gemma 4 E-models)."""
    lm_head: int = Field(ge=0)
    """Output projection (0 when tied to the embedding)."""
    attention: int = Field(ge=0)
    """Attention projections, their biases, q/k norms, MLA norms, DSA indexers and sinks, all layers."""
    ssm: int = Field(default=0, ge=0)
    """Linear-attention and Mamba mixers (projections, convs, dt/A/D, gated norms), all layers."""
    mlp: int = Field(ge=0)
    """Dense MLPs (and a BERT pooler, Nemotron-NAS linear replacements, LatentMoE projections), all layers."""
    experts: int = Field(ge=0)
    """Routed experts, all MoE layers."""
    shared_experts: int = Field(ge=0)
    """Always-active shared experts and their gates, all MoE layers."""
    router: int = Field(ge=0)
    """Expert routers (gates), all MoE layers."""
    norms: int = Field(ge=0)
    """Per-layer and final norms."""
    vision: int = Field(ge=0)
    """Bundled vision (and audio) encoders and projectors, and unmerged modality LoRA adapters."""
    mtp: int = Field(default=0, ge=0)
    """Multi-token-prediction layers the checkpoint ships besides (not in `total`)."""
    total: int = Field(ge=0)
    """All parameters of the served model: text model plus bundled towers (MTP layers excluded)."""
    active: int = Field(ge=0)
    """Parameters one text token passes through: total minus unused routed experts and vision."""


def _norm_params(spec: ModelSpec) -> int:
    return spec.hidden_size * (2 if spec.norm == "layernorm" else 1)


def _attention_small(spec: ModelSpec, layer: LayerSpec) -> int:
    """Per-layer attention tensors that are not matrices: q/k norms, sinks, MLA latent norms, indexer norm."""
    a = spec.attention
    head_dim = layer.head_dim or a.head_dim
    if layer.cross_attention:
        return 2 * head_dim + 2  # q_norm and k_norm over one head, the attention and MLP tanh gates (Mllama)
    extra = 0
    if a.qk_norm:
        kv = layer.num_kv_heads or a.num_kv_heads
        extra += (a.num_heads + kv) * head_dim if a.qk_norm_full else 2 * head_dim
    if a.sinks:
        extra += a.num_heads
    if a.kind == "mla":
        extra += (a.q_lora_rank or 0) + (a.kv_lora_rank or 0)  # q_a / kv_a RMSNorms
        if a.indexer and layer.indexer:
            extra += 2 * a.indexer.head_dim  # indexer k_norm (LayerNorm: weight and bias)
    return extra


def _ssm_small(spec: ModelSpec, layer: LayerSpec) -> int:
    """Per-layer mixer tensors that are not matrices: conv weights and biases, dt bias, A, D, gated norms."""
    extra = 0
    if layer.kind == "linear":
        la = spec.linear_attention
        assert la is not None
        if la.variant == "lightning":
            extra += la.value_dim  # output norm over all heads
        elif la.variant == "kda":
            # q/k/v convs (no bias), A_log per head, dt_bias per key channel, the gated output norm over one head
            extra += (2 * la.key_dim + la.value_dim) * la.conv_kernel + la.num_value_heads + la.key_dim \
                + la.value_head_dim
        else:
            conv_dim = 2 * la.key_dim + la.value_dim
            extra += conv_dim * la.conv_kernel + 2 * la.num_value_heads + la.value_head_dim  # conv, dt, A, norm
    if layer.recurrent == "mamba":
        m = spec.mamba
        assert m is not None
        extra += m.conv_dim * m.conv_kernel + (m.conv_dim if m.conv_bias else 0)
        if m.version == 2:
            extra += 3 * m.num_heads + (m.d_inner if m.gated_norm else 0)  # dt_bias, A_log, D, norm
        else:
            extra += m.d_inner * m.state_size + m.d_inner  # A_log, D
            if m.inner_norms:
                extra += m.dt_rank + 2 * m.state_size
    return extra


def small_params(spec: ModelSpec) -> int:
    """Every non-matrix tensor outside the embedding: norms, q/k norms, sinks, convs, dt/A/D (kept 16-bit)."""
    return _memo("small_params", spec, lambda m: count_params(m).norms + sum(
        _attention_small(m, layer) + _ssm_small(m, layer) for layer in m.layers))


def _layer_norms(spec: ModelSpec, layer: LayerSpec) -> int:
    return layer.norms if layer.norms is not None else spec.norms_per_layer


def count_params(spec: ModelSpec) -> ParamCounts:
    """Count parameters exactly from the architecture."""
    return _memo("params", spec, _count_params)


def _count_params(spec: ModelSpec) -> ParamCounts:
    h = spec.hidden_size
    embedding = spec.vocab_size * h + spec.learned_positions * h + spec.type_vocab_size * h
    embedding += spec.per_layer_input_vocab * spec.num_layers * spec.per_layer_input_size  # embed_tokens_per_layer
    if spec.embedding_norm:
        embedding += _norm_params(spec)
    groups: dict[str, int] = {"attention": 0, "ssm": 0, "mlp": 0, "experts": 0, "shared_experts": 0,
                              "router": 0, "lm_head": 0}
    inactive_experts = 0
    for lin in linears(spec):
        groups[lin.group] += lin.params
        inactive_experts += lin.params - lin.active_params
    norms = 0
    for layer in spec.layers:
        groups["attention"] += _attention_small(spec, layer) if layer.attention or layer.cross_attention else 0
        groups["ssm"] += _ssm_small(spec, layer)
        norms += _layer_norms(spec, layer) * _norm_params(spec)
    if spec.final_norm:
        norms += _norm_params(spec)
    norms += spec.per_layer_input_size  # per_layer_projection_norm
    vision = spec.vision.params if spec.vision else 0
    total = embedding + sum(groups.values()) + norms + vision
    return ParamCounts(
        embedding=embedding, lm_head=groups["lm_head"], attention=groups["attention"], ssm=groups["ssm"],
        mlp=groups["mlp"], experts=groups["experts"], shared_experts=groups["shared_experts"],
        router=groups["router"], norms=norms, vision=vision, mtp=mtp_params(spec), total=total,
        active=total - inactive_experts - vision,
    )


def mtp_params(spec: ModelSpec) -> int:
    """Parameters of the checkpoint's MTP layers: each a copy of the last layer plus its input projection
    (2 x hidden -> hidden) and three norms (DeepSeek-V3 layout); embedding and head are shared."""
    if not spec.num_mtp_layers:
        return 0
    last = spec.layers[-1]
    h = spec.hidden_size
    layer = sum(Linear(name, group, k, n, bias, 1, tp, copies, active).params
                for name, group, k, n, bias, tp, copies, active in _layer_linears(spec, last))
    layer += _attention_small(spec, last) + _ssm_small(spec, last) + _layer_norms(spec, last) * _norm_params(spec)
    return spec.num_mtp_layers * (layer + 2 * h * h + 3 * _norm_params(spec))


# ---------------------------------------------------------------- KV cache and recurrent state


def kv_heads_per_gpu(spec: ModelSpec, tp_size: int, num_kv_heads: int | None = None) -> int:
    """KV heads one tensor-parallel rank stores; heads are replicated when fewer than ranks."""
    kv = num_kv_heads or spec.attention.num_kv_heads
    return kv // tp_size if kv >= tp_size else 1


def layer_kv_bytes_per_token(spec: ModelSpec, layer: LayerSpec, kv_dtype_bytes: float,
                             tp_size: int = 1) -> float:
    """KV-cache bytes one token adds to `layer` on one GPU (0 for layers without softmax attention).

    GQA caches K and V per KV head; MLA caches one latent (kv_lora_rank + rope dims), which every
    tensor-parallel rank keeps in full (as vLLM and SGLang do without DP attention), plus the DSA
    indexer's fp8 key when the layer has one.
    """
    if spec.encoder_only or not layer.attention or layer.kv_shared:
        return 0.0
    a = spec.attention
    if a.kind == "mla":
        assert a.kv_lora_rank and a.qk_rope_head_dim
        latent = (a.kv_lora_rank + a.qk_rope_head_dim) * kv_dtype_bytes
        return latent + (a.indexer.cache_bytes_per_token if a.indexer and layer.indexer else 0)
    head_dim = layer.head_dim or a.head_dim
    v_dim = layer.head_dim or a.v_head_dim
    return kv_heads_per_gpu(spec, tp_size, layer.num_kv_heads) * (head_dim + v_dim) * kv_dtype_bytes


def kv_bytes_per_token_layer(spec: ModelSpec, kv_dtype_bytes: float, tp_size: int = 1) -> float:
    """KV bytes one token adds to the first attention layer (the reference layer of the perf model)."""
    for layer in spec.layers:
        if layer.attention and not layer.kv_shared:
            return layer_kv_bytes_per_token(spec, layer, kv_dtype_bytes, tp_size)
    return 0.0


def kv_bytes_per_token(spec: ModelSpec, kv_dtype_bytes: float, tp_size: int = 1) -> float:
    """KV bytes per token over all layers on one TP rank, ignoring window and chunk caps."""
    return _memo("kv_bytes_per_token", spec, lambda m: sum(
        layer_kv_bytes_per_token(m, layer, kv_dtype_bytes, tp_size) for layer in m.layers), (kv_dtype_bytes, tp_size))


def layer_state_bytes(spec: ModelSpec, layer: LayerSpec, tp_size: int = 1) -> float:
    """Recurrent-state bytes one sequence keeps in `layer` on one GPU, whatever its length.

    Linear attention (gated DeltaNet): a conv state of (kernel - 1) x (2 key_dim + value_dim) in the
    model dtype plus one key_head_dim x value_head_dim matrix per value head in the state dtype.
    Mamba2: conv state (kernel - 1) x (d_inner + 2 groups x state) plus heads x head_dim x state.
    Mamba1: conv state (kernel - 1) x d_inner plus d_inner x state. Heads split over TP ranks.
    """
    conv_bytes = spec.dtype_bytes
    total = 0.0
    if layer.kind == "linear":
        la = spec.linear_attention
        assert la is not None
        state_b = _state_dtype_bytes(la.state_dtype)
        conv = (la.conv_kernel - 1) * (2 * la.key_dim + la.value_dim) * conv_bytes if la.conv_kernel else 0
        total += conv + la.num_value_heads * la.key_head_dim * la.value_head_dim * state_b
    if layer.recurrent == "mamba":
        m = spec.mamba
        assert m is not None
        total += (m.conv_kernel - 1) * m.conv_dim * conv_bytes + m.d_inner * m.state_size * \
            _state_dtype_bytes(m.state_dtype)
    return total / tp_size


def _state_dtype_bytes(dtype: str) -> int:
    return 4 if dtype == "fp32" else 2


def state_bytes_per_seq(spec: ModelSpec, tp_size: int = 1) -> float:
    """Recurrent-state bytes one sequence keeps over all layers on one TP rank (0 without such layers)."""
    return _memo("state_bytes_per_seq", spec, lambda m: sum(layer_state_bytes(m, layer, tp_size) for layer in m.layers),
                 (tp_size,))


def _layer_cache_bytes(spec: ModelSpec, layer: LayerSpec, context_tokens: int, kv_dtype_bytes: float,
                       tp_size: int, kv: bool, state: bool) -> float:
    tokens = min(context_tokens, layer.window_tokens or context_tokens)
    out = layer_kv_bytes_per_token(spec, layer, kv_dtype_bytes, tp_size) * tokens if kv else 0.0
    return out + (layer_state_bytes(spec, layer, tp_size) if state else 0.0)


def _busiest_stage(per_layer: list[float], pp_size: int) -> float:
    base, extra = divmod(len(per_layer), pp_size)
    best, start = 0.0, 0
    for i in range(pp_size):
        size = base + (1 if i < extra else 0)
        best = max(best, sum(per_layer[start:start + size]))
        start += size
    return best


def kv_bytes_for_context(spec: ModelSpec, context_tokens: int, kv_dtype_bytes: float,
                         tp_size: int = 1, pp_size: int = 1) -> float:
    """KV bytes one sequence of `context_tokens` holds on one GPU, sliding and chunked layers capped.

    With pipeline parallelism the busiest stage (contiguous layers, the first stages one longer) is returned.
    """
    return _memo("kv_bytes_for_context", spec, lambda m: _busiest_stage(
        [_layer_cache_bytes(m, layer, context_tokens, kv_dtype_bytes, tp_size, True, False) for layer in m.layers],
        pp_size), (context_tokens, kv_dtype_bytes, tp_size, pp_size))


def state_bytes_busiest_stage(spec: ModelSpec, tp_size: int = 1, pp_size: int = 1) -> float:
    """Recurrent-state bytes one sequence keeps on the busiest GPU (contiguous pipeline stages, as the KV)."""
    return _busiest_stage([layer_state_bytes(spec, layer, tp_size) for layer in spec.layers], pp_size)


def cache_bytes_for_context(spec: ModelSpec, context_tokens: int, kv_dtype_bytes: float,
                            tp_size: int = 1, pp_size: int = 1) -> float:
    """KV plus recurrent-state bytes one sequence of `context_tokens` holds on the busiest GPU."""
    return _memo("cache_bytes_for_context", spec, lambda m: _busiest_stage(
        [_layer_cache_bytes(m, layer, context_tokens, kv_dtype_bytes, tp_size, True, True) for layer in m.layers],
        pp_size), (context_tokens, kv_dtype_bytes, tp_size, pp_size))


def kv_read_groups(spec: ModelSpec, kv_dtype_bytes: float, tp_size: int = 1) -> list[tuple[int | None, float]]:
    """What decode attention reads per cached token, layer by layer: (cap on the tokens read, bytes per token).

    Sliding and chunked layers read at most their window; a DSA layer's attention reads its top-k tokens
    while its indexer scans every cached key; layers without softmax attention read no KV. A layer sharing an
    earlier layer's KV (Gemma 3n / 4) stores none but reads that layer's.
    """
    return list(_memo("kv_read_groups", spec, lambda m: tuple(_kv_read_groups(m, kv_dtype_bytes, tp_size)),
                      (kv_dtype_bytes, tp_size)))


def _kv_read_groups(spec: ModelSpec, kv_dtype_bytes: float, tp_size: int) -> list[tuple[int | None, float]]:
    out: list[tuple[int | None, float]] = []
    a = spec.attention
    for layer in spec.layers:
        own_kv = layer.model_copy(update={"kv_shared": False}) if layer.kv_shared else layer
        per_token = layer_kv_bytes_per_token(spec, own_kv, kv_dtype_bytes, tp_size)
        if per_token <= 0:
            continue
        if a.indexer:
            own = a.indexer.cache_bytes_per_token if layer.indexer else 0
            out.append((a.indexer.topk_tokens, per_token - own))
            if own:
                out.append((None, float(own)))
        else:
            out.append((layer.window_tokens, per_token))
    return out


def state_flops_per_token(spec: ModelSpec, tp_size: int = 1) -> float:
    """FLOPs one token spends updating and reading the recurrent states (outside the projections), one GPU.

    Linear attention: a rank-1 update and a read of each key_head_dim x value_head_dim state (4 FLOPs per
    element); Mamba: the same over d_inner x state.
    """
    total = 0.0
    for layer in spec.layers:
        if layer.kind == "linear" and spec.linear_attention:
            la = spec.linear_attention
            total += 4 * la.num_value_heads * la.key_head_dim * la.value_head_dim
        if layer.recurrent == "mamba" and spec.mamba:
            total += 4 * spec.mamba.d_inner * spec.mamba.state_size
    return total / tp_size
