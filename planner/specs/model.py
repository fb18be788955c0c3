"""Model architecture spec: what the planner needs to know about a checkpoint.

A `ModelSpec` is built from a Hugging Face `config.json` (see `planner.io.hf`) or a
model.yaml; every count the planner derives (parameters, KV bytes, state bytes, FLOPs) comes from it.
Layers are described one by one (`LayerSpec`): their token mixer (full, sliding-window or chunked
attention, linear attention, a Mamba SSM, or none), their feed-forward (dense, MoE or none) and any
shape that differs from the model-wide one.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from planner.specs._base import Frozen
from planner.specs.runtime import Quant

Family = Literal[
    "llama", "llama4", "mistral", "mixtral", "mistral3", "qwen", "qwen2", "qwen2_moe", "qwen3", "qwen3_moe",
    "qwen3_next", "qwen3_5", "qwen3_vl", "qwen2_vl", "gemma", "gemma2", "gemma3", "gemma3n", "gemma4", "phi3",
    "phi3_v", "phi4mm", "deepseek",
    "deepseek_v32", "dots1", "ernie4_5_moe", "kimi", "glm4_moe", "glm_dsa", "chatglm", "minimax", "minimax_m2", "mimo", "gpt_oss",
    "gptj", "gpt2", "gpt_bigcode", "starcoder2", "gpt_neox", "cohere", "olmo2", "granite", "granite_moe",
    "nemotron_nas", "nemotron_h", "falcon_h1", "jamba", "llava", "smollm3", "exaone4", "seed_oss", "phimoe",
    "hunyuan_v1_moe", "glm4", "olmoe", "ernie4_5", "internlm2", "internlm3", "minicpm3", "hunyuan_v1_dense", "dbrx",
    "bailing_moe", "kimi_linear", "mllama", "mamba", "mamba2", "bert", "other",
]
"""Architecture family the config was recognised as (`other` for unknown `model_type`)."""

ModelDtype = Literal["bf16", "fp16", "fp32"]
"""Precision of the published (unquantized) weights."""

LayerKind = Literal["full", "sliding", "chunked", "linear", "mamba", "none"]
"""Token mixer of one layer: `full` attention (KV grows with the context), `sliding` window or `chunked`
local attention (KV capped at `window_tokens`), `linear` attention (gated DeltaNet, lightning: a fixed
per-sequence state), `mamba` (Mamba/Mamba2 SSM: a fixed per-sequence conv + SSM state), `none`."""

MlpKind = Literal["dense", "moe", "none"]
"""Feed-forward of one layer: the dense MLP, the MoE block, or none (Nemotron-H mixer-only layers)."""

StateDtype = Literal["bf16", "fp16", "fp32"]
"""Precision a runtime keeps a recurrent state in."""


class IndexerSpec(Frozen):
    """DeepSeek sparse attention (DSA) lightning indexer of one layer."""

    num_heads: int = Field(ge=1)
    """Indexer heads (`index_n_heads`)."""
    head_dim: int = Field(ge=1)
    """Indexer head dimension (`index_head_dim`); one such key per token is cached."""
    topk_tokens: int = Field(ge=1)
    """Tokens each query attends to (`index_topk`)."""
    cache_bytes_per_token: int = Field(ge=0)
    """Bytes the indexer key cache adds per token and layer (fp8 key + fp32 scale per 128 dims, as vLLM
    and SGLang store it)."""


class AttentionSpec(Frozen):
    """Attention block shape (layers may override heads and head size, see `LayerSpec`)."""

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
    """RMSNorm on queries and keys (Qwen3, Gemma 3: one head_dim vector each; see `qk_norm_full`)."""
    qk_norm_full: bool = False
    """The q/k norms span all heads (OLMo 2: (heads + kv_heads) x head_dim weights) instead of one head."""
    output_gate: bool = False
    """A sigmoid gate on the attention output, projected with the queries (Qwen3-Next / Qwen3.5:
    q_proj is twice as wide)."""
    k_eq_v: bool = False
    """Full-attention layers reuse the key projection as the value (Gemma 4 `attention_k_eq_v`: no v_proj)."""
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
    indexer: IndexerSpec | None = None
    """DSA lightning indexer that picks the top-k tokens each query attends to (DeepSeek-V3.2, GLM-5)."""

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
    latent_size: int | None = Field(default=None, ge=1)
    """LatentMoE (Nemotron 3): routed experts run in this narrower width, between a down- and an
    up-projection of the hidden state (None: experts read the hidden state directly)."""
    gated: bool | None = None
    """Experts are gated (SwiGLU); None: as the dense MLP (`ModelSpec.mlp_gated`)."""

    @model_validator(mode="after")
    def _topk(self) -> MoeSpec:
        if self.num_experts_per_tok > self.num_experts:
            raise ValueError(
                f"num_experts_per_tok ({self.num_experts_per_tok}) exceeds num_experts ({self.num_experts})"
            )
        return self


class LayerSpec(Frozen):
    """One layer: its token mixer, its feed-forward, and the shapes where it differs from the model's."""

    kind: LayerKind = "full"
    """Token mixer (see `LayerKind`)."""
    window_tokens: int | None = Field(default=None, ge=1)
    """Sliding-window length (`sliding`) or chunk size (`chunked`) of this layer's attention, tokens:
    the most KV one sequence keeps in this layer. None for the other kinds."""
    mlp: MlpKind = "dense"
    """Feed-forward of this layer."""
    num_kv_heads: int | None = Field(default=None, ge=1)
    """KV heads of this layer when they differ from `AttentionSpec.num_kv_heads` (Nemotron-NAS, Gemma 4
    global layers)."""
    head_dim: int | None = Field(default=None, ge=1)
    """Head dimension of this layer when it differs from `AttentionSpec.head_dim` (Gemma 4 global layers)."""
    intermediate_size: int | None = Field(default=None, ge=1)
    """Dense MLP width of this layer when it differs from `ModelSpec.intermediate_size` (Nemotron-NAS)."""
    linear_blocks: int = Field(default=0, ge=0, le=2)
    """Blocks (attention and/or MLP) of this layer replaced by one hidden x hidden Linear (Nemotron-NAS
    `replace_with_linear`); the replaced block has kind `none` / mlp `none`."""
    norms: int | None = Field(default=None, ge=0)
    """Hidden-size norms of this layer when they differ from `ModelSpec.norms_per_layer`."""
    parallel_ssm: bool = False
    """A Mamba mixer runs in parallel with this layer's attention (Falcon-H1): state as a `mamba` layer."""
    rope: bool = True
    """Queries and keys are rotated (False for Llama 4's NoPE global layers)."""
    indexer: bool = True
    """With DSA attention: this layer runs its own indexer (False: it reuses the previous layer's top-k,
    GLM-5.2 `indexer_types` "shared", so it has no indexer weights or indexer key cache)."""
    kv_shared: bool = False
    """Reuses the KV cache of an earlier layer (Gemma 3n/4 `num_kv_shared_layers`): no KV of its own."""
    cross_attention: bool = False
    """The layer attends to the image tokens' keys and values instead of the text (Llama 3.2 Vision
    `cross_attention_layers`, kind `none`): its q/k/v/o projections, q/k norms and two gates are counted, and it
    keeps no KV that grows with the text (the image KV, fixed per image, is not modelled)."""

    @model_validator(mode="before")
    @classmethod
    def _compat(cls, data: Any) -> Any:
        # `moe: bool` and a bare window are the spellings of earlier releases (and of model.yaml).
        if isinstance(data, dict):
            data = dict(data)
            if "moe" in data:
                data.setdefault("mlp", "moe" if data.pop("moe") else "dense")
            if data.get("window_tokens") is not None and "kind" not in data:
                data["kind"] = "sliding"
        return data

    @model_validator(mode="after")
    def _window(self) -> LayerSpec:
        if self.kind in ("sliding", "chunked") and self.window_tokens is None:
            raise ValueError(f"a {self.kind} attention layer needs window_tokens")
        if self.kind not in ("sliding", "chunked") and self.window_tokens is not None:
            raise ValueError(f"window_tokens applies to sliding or chunked layers, not {self.kind}")
        return self

    @property
    def moe(self) -> bool:
        """The feed-forward of this layer is the MoE block."""
        return self.mlp == "moe"

    @property
    def attention(self) -> bool:
        """The layer runs softmax attention (full, sliding or chunked) and keeps a KV cache for it."""
        return self.kind in ("full", "sliding", "chunked")

    @property
    def recurrent(self) -> Literal["linear", "mamba"] | None:
        """The recurrent mixer of this layer, whose state is fixed per sequence (None: none)."""
        if self.kind in ("linear", "mamba"):
            return self.kind
        return "mamba" if self.parallel_ssm else None


class LinearAttentionSpec(Frozen):
    """Linear-attention mixer shape, shared by every `linear` layer."""

    variant: Literal["gated_deltanet", "lightning", "kda"]
    """`gated_deltanet`: Qwen3-Next / Qwen3.5 (q, k, v, z, b, a projections + short conv);
    `lightning`: MiniMax-01 (qkv + output gate, no conv); `kda`: Kimi delta attention."""
    num_key_heads: int = Field(ge=1)
    """Query/key heads."""
    num_value_heads: int = Field(ge=1)
    """Value heads (each keeps one key_head_dim x value_head_dim state matrix)."""
    key_head_dim: int = Field(ge=1)
    """Query/key head dimension."""
    value_head_dim: int = Field(ge=1)
    """Value head dimension."""
    conv_kernel: int = Field(default=0, ge=0)
    """Short causal convolution width over q, k, v (0: none)."""
    state_dtype: StateDtype = "fp32"
    """Precision of the recurrent state as runtimes keep it (`mamba_ssm_dtype`)."""

    @property
    def key_dim(self) -> int:
        """Width of all query (or key) heads together."""
        return self.num_key_heads * self.key_head_dim

    @property
    def value_dim(self) -> int:
        """Width of all value heads together."""
        return self.num_value_heads * self.value_head_dim


class MambaSpec(Frozen):
    """Mamba SSM mixer shape, shared by every `mamba` layer (and Falcon-H1's parallel mixers)."""

    version: Literal[1, 2] = 2
    """Mamba (1: Jamba, selective scan with x_proj/dt_proj) or Mamba2 (2: SSD with multi-head dt)."""
    d_inner: int = Field(ge=1)
    """Inner width (expand x hidden; Mamba2: num_heads x head_dim)."""
    state_size: int = Field(ge=1)
    """SSM state dimension per channel (`ssm_state_size`, `mamba_d_state`)."""
    conv_kernel: int = Field(ge=1)
    """Causal conv width (`conv_kernel`, `mamba_d_conv`)."""
    num_heads: int = Field(default=1, ge=1)
    """Mamba2 heads (each with its own dt, A and D)."""
    n_groups: int = Field(default=1, ge=1)
    """Mamba2 B/C groups."""
    dt_rank: int = Field(default=0, ge=0)
    """Mamba1 rank of the dt projection."""
    proj_bias: bool = False
    """in_proj / out_proj carry biases."""
    conv_bias: bool = True
    """The conv carries a bias."""
    gated_norm: bool = True
    """Mamba2 RMSNorm over d_inner before out_proj."""
    inner_norms: bool = False
    """Mamba1 dt/B/C RMSNorms (Jamba)."""
    state_dtype: StateDtype = "fp32"
    """Precision runtimes keep the SSM state in (`mamba_ssm_cache_dtype`); the conv state is 16-bit."""

    @property
    def conv_dim(self) -> int:
        """Channels through the causal conv (Mamba2: x, B and C; Mamba1: x)."""
        return self.d_inner + (2 * self.n_groups * self.state_size if self.version == 2 else 0)


class QuantConfig(Frozen):
    """Weight quantization declared by the checkpoint (`quantization_config`)."""

    format: Quant
    """Weight format the checkpoint is stored in."""
    group_size: int | None = Field(default=None, ge=1)
    """Weights per scale group for grouped formats (AWQ/GPTQ 128, NVFP4 16, MXFP4 32)."""
    method: str
    """The config's `quant_method` as written (awq, gptq, fp8, compressed-tensors, mxfp4, ...)."""
    unquantized_modules: list[str] = Field(default_factory=list)
    """Module-name patterns the checkpoint leaves in 16-bit (`modules_to_not_convert`, `ignore`,
    ModelOpt `exclude_modules`)."""
    kv_cache_dtype: Literal["fp8"] | None = None
    """KV-cache precision the checkpoint was calibrated for (ModelOpt `kv_cache_quant_algo`, a
    `kv_cache_scheme`), if any."""
    source: str = "config.json quantization_config"
    """Where the declaration was read (`quantization_config`, `hf_quant_config.json`)."""


class CheckpointSpec(Frozen):
    """What the checkpoint's safetensors headers say (shapes and dtypes, no weights read)."""

    source: str
    """Where the headers came from (a local folder's files, or the hub's metadata endpoint)."""
    params_by_dtype: dict[str, int]
    """Stored elements per safetensors dtype (BF16, F8_E4M3, U8, I32, F32, ...), every tensor."""
    num_tensors: int = Field(ge=0)
    """Tensors in the checkpoint."""
    total_bytes: int = Field(ge=0)
    """Bytes of all tensors as stored."""
    params_logical: int = Field(ge=0)
    """Parameters the stored tensors represent: packed 4-bit elements unpacked, quantization scales and
    zero points left out, MTP / draft layers left out (those are `params_mtp`)."""
    params_mtp: int = Field(default=0, ge=0)
    """Parameters of multi-token-prediction layers found in the checkpoint."""
    params_vision: int = Field(default=0, ge=0)
    """Parameters of vision / audio towers and projectors found in the checkpoint."""
    config_params: int = Field(ge=0)
    """What the config arithmetic counts for the same tensors (text model plus counted towers)."""
    gap: float
    """(params_logical - config_params) / config_params."""
    gap_cause: str | None = None
    """The likely cause when |gap| > 1% (vision tower, MTP layers, an unmodelled block), else None."""


class VisionSpec(Frozen):
    """Encoders bundled with a multimodal checkpoint (weights only: vision tower, projector, audio)."""

    params: int = Field(ge=0)
    """Parameters of the vision (and audio) encoders and projectors, and of unmerged modality LoRA adapters the
    checkpoint ships (Phi-4-multimodal), all held in memory, none in text-only decode."""
    kind: str = "vit"
    """Which tower was counted (siglip, qwen3_vl, pixtral, clip, moonvit, ...), for reports."""


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
    """Attention shape (of the `full`, `sliding` and `chunked` layers)."""
    moe: MoeSpec | None = None
    """MoE shape, when any layer is MoE."""
    linear_attention: LinearAttentionSpec | None = None
    """Linear-attention shape, when any layer is `linear`."""
    mamba: MambaSpec | None = None
    """Mamba shape, when any layer is `mamba` or runs a parallel SSM."""
    layers: tuple[LayerSpec, ...] = Field(min_length=1)
    """Per-layer mixer, window and feed-forward kind, in order (MTP/draft layers excluded)."""
    num_mtp_layers: int = Field(default=0, ge=0)
    """Multi-token-prediction layers the checkpoint also ships (not counted in `layers` or the total)."""
    architecture: str = ""
    """The config's `architectures[0]` as written (what runtimes dispatch on)."""
    parallel_block: bool = False
    """Attention and MLP read the same normed input (GPT-J, GPT-NeoX, Cohere, Falcon-H1)."""
    per_layer_input_size: int = Field(default=0, ge=0)
    """Per-layer embedding width (Gemma 3n, Gemma 4 E-models): a second token embedding holds a slice of this
    width for every layer, projected from the hidden state too and gated into each layer's residual; 0 for none."""
    per_layer_input_vocab: int = Field(default=0, ge=0)
    """Tokens of the per-layer embedding table."""
    altup_inputs: int = Field(default=0, ge=0)
    """AltUp residual streams (Gemma 3n: 4, one active; the others are projections of it); 0 for none."""
    laurel_rank: int = Field(default=0, ge=0)
    """Width of the LAuReL low-rank residual branch in every layer (Gemma 3n); 0 for none."""
    quantization: QuantConfig | None = None
    """Quantization the checkpoint ships in, if any."""
    vision: VisionSpec | None = None
    """Bundled vision tower (multimodal checkpoints)."""
    checkpoint: CheckpointSpec | None = None
    """The checkpoint's own tensor inventory, when its safetensors headers were at hand."""
    warnings: tuple[str, ...] = ()
    """Things the parser had to assume, shown to the user."""

    @model_validator(mode="after")
    def _consistent(self) -> ModelSpec:
        if any(layer.moe for layer in self.layers) and self.moe is None:
            raise ValueError("layers are marked MoE but the model has no MoE spec")
        if any(layer.kind == "linear" for layer in self.layers) and self.linear_attention is None:
            raise ValueError("layers are marked linear attention but the model has no linear_attention spec")
        if any(layer.recurrent == "mamba" for layer in self.layers) and self.mamba is None:
            raise ValueError("layers are marked mamba but the model has no mamba spec")
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
    def is_hybrid(self) -> bool:
        """Whether some layers keep a fixed per-sequence state instead of a growing KV cache."""
        return any(layer.recurrent for layer in self.layers)

    @property
    def dtype_bytes(self) -> int:
        """Bytes per weight of the published precision."""
        return 4 if self.dtype == "fp32" else 2
