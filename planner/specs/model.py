"""Model architecture spec: what the planner needs to know about a checkpoint.

A `ModelSpec` is built from a Hugging Face `config.json` (see `planner.io.hf_config`) or a
model.yaml; every count the planner derives (parameters, KV bytes, FLOPs) comes from it.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from planner.specs._base import Frozen
from planner.specs.runtime import Quant

Family = Literal[
    "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe", "gemma2", "gemma3",
    "phi3", "deepseek", "gpt_oss", "gptj", "bert", "other",
]
"""Architecture family the config was recognised as (`other` for unknown `model_type`)."""

ModelDtype = Literal["bf16", "fp16", "fp32"]
"""Precision of the published (unquantized) weights."""


class AttentionSpec(Frozen):
    """Attention block shape, identical in every layer."""

    kind: Literal["gqa", "mla"] = "gqa"
    """`gqa` covers MHA/GQA/MQA (per-head K and V cached); `mla` is DeepSeek multi-head latent attention."""
    num_heads: int = Field(ge=1)
    """Query heads."""
    num_kv_heads: int = Field(ge=1)
    """Key/value heads (equal to `num_heads` for MHA, 1 for MQA); for MLA, equal to `num_heads`."""
    head_dim: int = Field(ge=1)
    """Query/key head dimension (for MLA: nope + rope dims)."""
    v_head_dim: int = Field(ge=1)
    """Value head dimension (usually `head_dim`)."""
    qkv_bias: bool = False
    """Q/K/V projections carry a bias (Qwen2, GPT-OSS, BERT)."""
    o_bias: bool = False
    """Output projection carries a bias (GPT-OSS, BERT)."""
    qk_norm: bool = False
    """Per-head RMSNorm on queries and keys (Qwen3, Gemma 3)."""
    sinks: bool = False
    """Learned per-head attention-sink logits (GPT-OSS)."""
    q_lora_rank: int | None = Field(default=None, ge=1)
    """MLA: rank of the query down-projection (None: direct query projection)."""
    kv_lora_rank: int | None = Field(default=None, ge=1)
    """MLA: rank of the compressed KV latent (what the cache stores)."""
    qk_rope_head_dim: int | None = Field(default=None, ge=1)
    """MLA: decoupled RoPE key dimension (cached alongside the latent)."""
    qk_nope_head_dim: int | None = Field(default=None, ge=1)
    """MLA: non-RoPE query/key head dimension."""

    @model_validator(mode="after")
    def _shape(self) -> AttentionSpec:
        if self.num_heads % self.num_kv_heads:
            raise ValueError(
                f"num_attention_heads ({self.num_heads}) must be a multiple of "
                f"num_key_value_heads ({self.num_kv_heads})"
            )
        if self.kind == "mla" and (self.kv_lora_rank is None or self.qk_rope_head_dim is None
                                   or self.qk_nope_head_dim is None):
            raise ValueError("MLA attention needs kv_lora_rank, qk_rope_head_dim and qk_nope_head_dim")
        return self


class MoeSpec(Frozen):
    """Mixture-of-experts feed-forward shape (for the layers marked `moe`)."""

    num_experts: int = Field(ge=1)
    """Routed experts per MoE layer."""
    num_experts_per_tok: int = Field(ge=1)
    """Routed experts each token activates (top-k)."""
    expert_intermediate_size: int = Field(ge=1)
    """Intermediate size of one routed expert."""
    shared_intermediate_size: int = Field(default=0, ge=0)
    """Total intermediate size of the always-active shared expert(s) (0: none)."""
    shared_expert_gate: bool = False
    """A sigmoid gate Linear(hidden, 1) scales the shared expert (Qwen2-MoE)."""
    router_bias: bool = False
    """The router Linear carries a bias (GPT-OSS) or a score-correction bias (DeepSeek-V3)."""
    expert_bias: bool = False
    """Expert projections carry biases (GPT-OSS)."""

    @model_validator(mode="after")
    def _topk(self) -> MoeSpec:
        if self.num_experts_per_tok > self.num_experts:
            raise ValueError(
                f"num_experts_per_tok ({self.num_experts_per_tok}) exceeds num_experts ({self.num_experts})"
            )
        return self


class LayerSpec(Frozen):
    """What differs between layers: attention window and dense vs MoE feed-forward."""

    window_tokens: int | None = Field(default=None, ge=1)
    """Sliding-window length of this layer's attention, tokens (None: full attention)."""
    moe: bool = False
    """The feed-forward of this layer is the MoE block (else the dense MLP)."""


class QuantConfig(Frozen):
    """Weight quantization declared by the checkpoint (`quantization_config`)."""

    format: Quant
    """Weight format the checkpoint is stored in."""
    group_size: int | None = Field(default=None, ge=1)
    """Weights per scale group for grouped formats (AWQ/GPTQ 128, NVFP4 16, MXFP4 32)."""
    method: str
    """The config's `quant_method` as written (awq, gptq, fp8, compressed-tensors, mxfp4, ...)."""
    unquantized_modules: list[str] = Field(default_factory=list)
    """Module-name patterns the checkpoint leaves in 16-bit (`modules_to_not_convert`, `ignore`)."""


class VisionSpec(Frozen):
    """A ViT-style vision tower bundled with a multimodal checkpoint (weights only)."""

    params: int = Field(ge=0)
    """Parameters of the vision encoder and projector (held in memory, not in text decode)."""


class ModelSpec(Frozen):
    """Architecture of one model, normalised across families."""

    name: str
    """Human name (repo id or folder name)."""
    model_type: str
    """The config's `model_type` as written."""
    family: Family
    """Recognised family; `other` means parsed from standard fields with a warning."""
    encoder_only: bool = False
    """Bidirectional encoder (BERT-style): prefill only, no KV cache, no decode."""
    dtype: ModelDtype = "bf16"
    """Precision of the published weights (`torch_dtype`)."""
    hidden_size: int = Field(ge=1)
    """Model (residual stream) width."""
    intermediate_size: int = Field(ge=1)
    """Dense MLP intermediate size (used by the non-MoE layers)."""
    vocab_size: int = Field(ge=1)
    """Vocabulary size (rows of the embedding and lm_head)."""
    max_position_embeddings: int = Field(ge=1)
    """Longest context the model supports, tokens."""
    mlp_gated: bool = True
    """Gated MLP (SwiGLU/GeGLU: gate, up and down projections) vs plain two-matrix MLP."""
    mlp_bias: bool = False
    """MLP projections carry biases (BERT, GPT-J)."""
    norm: Literal["rmsnorm", "layernorm"] = "rmsnorm"
    """Normalisation kind; LayerNorm has a bias as well as a scale."""
    norms_per_layer: int = Field(default=2, ge=0)
    """Hidden-size norms per layer (2 for Llama, 4 for Gemma 2/3 sandwich norms, 1 for GPT-J)."""
    final_norm: bool = True
    """A norm after the last layer (absent in BERT, which norms after the embeddings)."""
    tie_word_embeddings: bool = False
    """lm_head shares the embedding matrix."""
    lm_head_bias: bool = False
    """lm_head carries a bias (GPT-J)."""
    learned_positions: int = Field(default=0, ge=0)
    """Rows of a learned absolute position embedding (BERT); 0 with RoPE."""
    type_vocab_size: int = Field(default=0, ge=0)
    """Token-type embedding rows (BERT)."""
    embedding_norm: bool = False
    """A norm right after the embeddings (BERT)."""
    pooler: bool = False
    """A dense pooler on the first token (BERT)."""
    attention: AttentionSpec
    """Attention shape."""
    moe: MoeSpec | None = None
    """MoE shape, when any layer is MoE."""
    layers: tuple[LayerSpec, ...] = Field(min_length=1)
    """Per-layer attention window and feed-forward kind, in order (MTP/draft layers excluded)."""
    quantization: QuantConfig | None = None
    """Quantization the checkpoint ships in, if any."""
    vision: VisionSpec | None = None
    """Bundled vision tower (multimodal checkpoints)."""
    warnings: tuple[str, ...] = ()
    """Things the parser had to assume, shown to the user."""

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        if any(layer.moe for layer in self.layers) and self.moe is None:
            raise ValueError("layers are marked MoE but the model has no MoE spec")
        return self

    @property
    def num_layers(self) -> int:
        """Number of transformer layers."""
        return len(self.layers)

    @property
    def is_moe(self) -> bool:
        """Whether any layer routes tokens to experts."""
        return self.moe is not None and any(layer.moe for layer in self.layers)

    @property
    def dtype_bytes(self) -> int:
        """Bytes per weight of the published precision."""
        return 4 if self.dtype == "fp32" else 2
