"""Parameters of the vision towers bundled with multimodal checkpoints (counted, never dropped).

Each counter follows the module layout of the transformers class named in its docstring; the
projector into the text model is included. Unknown towers are estimated as a plain ViT, with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from planner.errors import SpecError
from planner.io.hf._fields import short

_DEPTH_KEYS = frozenset({"num_hidden_layers", "depth", "vt_num_hidden_layers", "conf_num_hidden_layers", "num_blocks"})
"""Tower fields that count layers: bounded like the text model's depth."""
TOWER_INT_MAX = 131_072
"""Largest width, size or count a tower field may hold (the widest published towers are 1,024-7,680 wide, the
largest images 896-1,540 pixels, position tables 10,240 rows); layer counts stop at 1,024."""


def _i(v: dict[str, Any], key: str, default: int) -> int:
    """An integer tower field (absent or null: `default`); a mistyped or implausible one is an error naming it
    (a tower of 10^6 layers, or a `patch_size` of 0, reached the memory model)."""
    value = v.get(key)
    if value is None:
        return default
    low, high = (0 if default == 0 else 1), (1_024 if key in _DEPTH_KEYS else TOWER_INT_MAX)
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecError(f"tower field `{key}` must be an integer", value=short(value),
                        hint="check the vision/audio config against the model card (whole numbers, no quotes)")
    if value < low:
        raise SpecError(f"tower field `{key}` must be an integer >= {low}", value=value,
                        hint="check the vision/audio config against the model card")
    if value > high:
        raise SpecError(f"tower field `{key}` = {value:,} is not a plausible model: it must lie in [{low:,}, {high:,}]",
                        hint="check the vision/audio config against the model card; is a digit repeated?")
    return value


def _ratio(v: dict[str, Any], key: str, default: float, high: float) -> float:
    """A ratio tower field in (0, `high`] (absent: `default`); a negative, zero, huge or mistyped one is an error
    naming it (a `pixel_shuffle_ratio` of -0.5 or 1e300 reached the memory model)."""
    value = v.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= high:
        raise SpecError(f"tower field `{key}` must be a number in (0, {high:g}]", value=short(value),
                        hint=f"check the vision/audio config against the model card (published: {default:g})")
    return float(value)


def _vit_layers(layers: int, h: int, inter: int, *, gated: bool, bias: bool, norms: int, norm_bias: bool,
                qk_norm_dim: int = 0) -> int:
    attn = 4 * h * h + (4 * h if bias else 0) + 2 * qk_norm_dim
    mlp = (3 if gated else 2) * h * inter + ((2 * inter if gated else inter) + h if bias else 0)
    return layers * (attn + mlp + norms * h * (2 if norm_bias else 1))


def _mlp2(d_in: int, d_hidden: int, d_out: int) -> int:
    """A two-layer biased MLP (Linear d_in -> d_hidden, activation, Linear d_hidden -> d_out): the projector or
    patch merger most towers end in."""
    return d_in * d_hidden + d_hidden + d_hidden * d_out + d_out


def siglip(v: dict[str, Any], text_hidden: int) -> int:
    """SigLIP (Gemma 3) plus the Gemma 3 projector (mm_input_projection_weight + mm_soft_emb_norm)."""
    h, inter = _i(v, "hidden_size", 1152), _i(v, "intermediate_size", 4304)
    patch, image = _i(v, "patch_size", 14), _i(v, "image_size", 896)
    embed = _i(v, "num_channels", 3) * patch * patch * h + h + (image // patch) ** 2 * h
    body = _vit_layers(_i(v, "num_hidden_layers", 27), h, inter, gated=False, bias=True, norms=2, norm_bias=True)
    return embed + body + 2 * h + h * text_hidden + h


def qwen_vl(v: dict[str, Any], text_hidden: int) -> int:
    """Qwen3-VL / Qwen3.5 vision (Qwen3VLVisionModel): patch conv3d, learned positions, blocks, mergers."""
    h, inter = _i(v, "hidden_size", 1152), _i(v, "intermediate_size", 4304)
    patch, temporal = _i(v, "patch_size", 16), _i(v, "temporal_patch_size", 2)
    embed = _i(v, "in_channels", 3) * temporal * patch * patch * h + h + _i(v, "num_position_embeddings", 2304) * h
    body = _vit_layers(_i(v, "depth", 27), h, inter, gated=False, bias=True, norms=2, norm_bias=True)
    merged = h * _i(v, "spatial_merge_size", 2) ** 2
    out = _i(v, "out_hidden_size", text_hidden)
    merger = _mlp2(merged, merged, out)
    indexes = v.get("deepstack_visual_indexes") or []
    if not isinstance(indexes, list):
        raise SpecError("tower field `deepstack_visual_indexes` must be a list of layer indices", value=short(indexes),
                        hint="check the vision config against the model card (published: [8, 16, 24])")
    deepstack = len(indexes)
    return embed + body + merger + 2 * h + deepstack * (merger + 2 * merged)


def gemma4(v: dict[str, Any], text_hidden: int) -> int:
    """Gemma 4 vision (Gemma4VisionModel): patch projection, 2-D position table, gated blocks, projection."""
    h, inter, patch = _i(v, "hidden_size", 1152), _i(v, "intermediate_size", 4304), _i(v, "patch_size", 16)
    embed = 3 * patch * patch * h + 2 * _i(v, "position_embedding_size", 10240) * h
    body = _vit_layers(_i(v, "num_hidden_layers", 27), h, inter, gated=True, bias=False, norms=4,
                       norm_bias=False, qk_norm_dim=_i(v, "head_dim", 72))
    return embed + body + text_hidden * h


def pixtral(v: dict[str, Any], text_hidden: int) -> int:
    """Pixtral vision (Mistral 3) plus the Mistral 3 projector (norm, patch merger, two linears)."""
    h, inter, patch = _i(v, "hidden_size", 1024), _i(v, "intermediate_size", 4096), _i(v, "patch_size", 14)
    embed = _i(v, "num_channels", 3) * patch * patch * h + h  # patch conv + ln_pre
    body = _vit_layers(_i(v, "num_hidden_layers", 24), h, inter, gated=True, bias=False, norms=2, norm_bias=False)
    merge = _i(v, "spatial_merge_size", 2) ** 2
    projector = h + merge * h * h + h * text_hidden + text_hidden * text_hidden
    return embed + body + projector


def clip(v: dict[str, Any], text_hidden: int) -> int:
    """CLIP ViT (LLaVA) plus the LLaVA two-layer projector."""
    h, inter, patch = _i(v, "hidden_size", 1024), _i(v, "intermediate_size", 4096), _i(v, "patch_size", 14)
    image = _i(v, "image_size", 336)
    embed = h + _i(v, "num_channels", 3) * patch * patch * h + ((image // patch) ** 2 + 1) * h
    body = _vit_layers(_i(v, "num_hidden_layers", 24), h, inter, gated=False, bias=True, norms=2, norm_bias=True)
    projector = _mlp2(h, text_hidden, text_hidden)
    return embed + 4 * h + body + projector  # pre and post layernorms


def llama4(v: dict[str, Any], text_hidden: int) -> int:
    """Llama 4 vision (Llama4VisionModel): patch unfold, class token, positions, blocks, pixel shuffle MLP."""
    h, inter, patch = _i(v, "hidden_size", 1408), _i(v, "intermediate_size", 5632), _i(v, "patch_size", 14)
    image = _i(v, "image_size", 336)
    embed = 3 * patch * patch * h + h + ((image // patch) ** 2 + 1) * h
    body = _vit_layers(_i(v, "num_hidden_layers", 34), h, inter, gated=False, bias=True, norms=2, norm_bias=True)
    ratio = _ratio(v, "pixel_shuffle_ratio", 0.5, 1.0)
    shuffled = int(h / (ratio * ratio))
    proj_in = _i(v, "projector_input_dim", 4096)
    proj_out = _i(v, "projector_output_dim", 4096)
    adapter = shuffled * proj_in + proj_in * proj_out  # vision_adapter.mlp fc1, fc2 (no bias)
    out = _i(v, "vision_output_dim", 4096)
    return embed + 4 * h + body + adapter + out * text_hidden  # layernorm_pre/post + multi_modal_projector


def moonvit(v: dict[str, Any], text_hidden: int) -> int:
    """MoonViT (Kimi-K2.5 / Kimi-VL): patch conv, 2-D position table, biased blocks, patch-merger projector."""
    h, inter, patch = _i(v, "vt_hidden_size", 1152), _i(v, "vt_intermediate_size", 4304), _i(v, "patch_size", 14)
    embed = 3 * patch * patch * h + h + _i(v, "init_pos_emb_height", 64) * _i(v, "init_pos_emb_width", 64) * h
    body = _vit_layers(_i(v, "vt_num_hidden_layers", 27), h, inter, gated=False, bias=True, norms=2, norm_bias=True)
    kernel = v.get("merge_kernel_size") or [2, 2]
    if not isinstance(kernel, list) or len(kernel) != 2:
        raise SpecError("tower field `merge_kernel_size` must be a list of two integers", value=short(kernel),
                        hint="check the vision config against the model card (published: [2, 2])")
    merged = h * _i({"merge_kernel_size[0]": kernel[0]}, "merge_kernel_size[0]", 2) * \
        _i({"merge_kernel_size[1]": kernel[1]}, "merge_kernel_size[1]", 2)
    out = _i(v, "text_hidden_size", text_hidden)
    projector = 2 * h + _mlp2(merged, merged, out)
    return embed + body + 2 * h + projector


def qwen2_5_vl(v: dict[str, Any], text_hidden: int) -> int:
    """Qwen2.5-VL vision (Qwen2_5_VisionTransformer): conv3d patch embedding (no bias), RMSNorm blocks with a biased
    fused qkv, output projection and gated MLP, then the patch merger (RMSNorm, two biased linears)."""
    h, inter = _i(v, "hidden_size", 1280), _i(v, "intermediate_size", 3420)
    patch, temporal = _i(v, "patch_size", 14), _i(v, "temporal_patch_size", 2)
    embed = _i(v, "in_chans", _i(v, "in_channels", 3)) * temporal * patch * patch * h
    block = 2 * h + (3 * h * h + 3 * h) + (h * h + h) + 2 * (h * inter + inter) + inter * h + h
    merged = h * _i(v, "spatial_merge_size", 2) ** 2
    out = _i(v, "out_hidden_size", text_hidden)
    return embed + _i(v, "depth", 32) * block + h + _mlp2(merged, merged, out)


def qwen2_vl(v: dict[str, Any], text_hidden: int) -> int:
    """Qwen2-VL vision (Qwen2VisionTransformer): conv3d patch embedding, LayerNorm blocks with a biased fused qkv,
    output projection and a GELU MLP of `mlp_ratio` x `embed_dim`, then the merger (LayerNorm, two biased linears);
    its `hidden_size` is the text width it projects to."""
    h = _i(v, "embed_dim", 1280)
    inter = int(h * _ratio(v, "mlp_ratio", 4.0, 64.0))
    patch, temporal = _i(v, "patch_size", 14), _i(v, "temporal_patch_size", 2)
    embed = _i(v, "in_chans", 3) * temporal * patch * patch * h
    block = 4 * h + (3 * h * h + 3 * h) + (h * h + h) + (h * inter + inter) + (inter * h + h)
    merged = h * _i(v, "spatial_merge_size", 2) ** 2
    out = _i(v, "hidden_size", text_hidden)
    return embed + _i(v, "depth", 32) * block + 2 * h + _mlp2(merged, merged, out)


MOBILENET_V5_300M_PARAMS = 294_000_000
"""Gemma 3n's image encoder, timm `mobilenetv5_300m_enc` (the model card's "MobileNet-V5-300M"); its vision_config
names the timm architecture, not its shape. 294M is what the published safetensors totals of both Gemma 3n
checkpoints (E2B 5.44B, E4B 7.85B as the Hugging Face pages show them) leave after the text model, the audio
encoder and the two embedders counted exactly below: it agrees between them to 1M."""


def _multimodal_embedder(v: dict[str, Any], text_hidden: int) -> int:
    """Gemma3nMultimodalEmbedder: a soft-token embedding, hard/soft norms and a projection into the text width
    (its post-projection norm has no scale)."""
    h = _i(v, "hidden_size", 2048)
    return _i(v, "vocab_size", 128) * h + 2 * h + h * text_hidden


def gemma3n_vision(v: dict[str, Any], text_hidden: int) -> int:
    """Gemma 3n vision: the MobileNet-V5-300M encoder plus its embedder into the text model."""
    return MOBILENET_V5_300M_PARAMS + _multimodal_embedder(v, text_hidden)


def gemma3n_audio(a: dict[str, Any], text_hidden: int) -> int:
    """Gemma 3n audio (transformers Gemma3nAudioEncoder, a USM conformer) plus its embedder: two subsampling convs
    with group norms and an input projection, then conformer blocks of feed-forward (4x, pre/post norms),
    relative-position attention (q, k, v, position and output projections, a per-dim scale, pre/post norms),
    a light depthwise conv (2x GLU input, conv, norm, output) and a second feed-forward, each ending in a norm."""
    h = _i(a, "hidden_size", 1536)
    heads = _i(a, "conf_num_attention_heads", 8)
    channels = a.get("sscp_conv_channel_size") or [128, 32]
    kernels = a.get("sscp_conv_kernel_size") or [[3, 3], [3, 3]]
    strides = a.get("sscp_conv_stride_size") or [[2, 2], [2, 2]]
    sscp, c_in, freq = 0, 1, _i(a, "input_feat_size", 128)
    for c_out, (kt, kf), (_, sf) in zip(channels, kernels, strides):
        sscp += c_in * int(c_out) * int(kt) * int(kf) + int(c_out)  # conv (no bias) + group-norm scale
        freq = (freq + 2 - int(kf)) // int(sf) + 1  # frequency axis, padded by one on each side
        c_in = int(c_out)
    sscp += c_in * freq * h  # input_proj_linear
    ffw = 8 * h * h + 2 * h
    attention = 5 * h * h + 2 * h + h // heads
    lconv = 3 * h * h + _i(a, "conf_conv_kernel_size", 5) * h + 2 * h
    block = 2 * ffw + attention + lconv + h
    return sscp + _i(a, "conf_num_hidden_layers", 12) * block + _multimodal_embedder(a, text_hidden)


SIGLIP_SO400M_448 = {"hidden_size": 1152, "intermediate_size": 4304, "num_hidden_layers": 27, "patch_size": 14}
"""Phi-4-multimodal's image encoder, fixed by its modeling code, not its config.json: SigLIP so400m-patch14-448
(vLLM phi4mm.py `SIGLIP_NAME = "siglip-so400m-patch14-448"`, built by `get_siglip_vision_model`; transformers
`Phi4MultimodalVisionConfig` defaults 1152 / 4304 / 27 layers / patch 14). Its image size is the config's
`embd_layer.image_embd_layer.crop_size` (448)."""


def siglip_with_head(v: dict[str, Any]) -> int:
    """SigLIP vision model as checkpointed (transformers SiglipVisionModel / Phi4MultimodalVisionModel): patch conv,
    position table, blocks, post-layernorm and the attention-pooling head (probe, in/out projections, norm, MLP)."""
    h, inter = _i(v, "hidden_size", 1152), _i(v, "intermediate_size", 4304)
    patch, image = _i(v, "patch_size", 14), _i(v, "image_size", 448)
    embed = 3 * patch * patch * h + h + (image // patch) ** 2 * h
    body = _vit_layers(_i(v, "num_hidden_layers", 27), h, inter, gated=False, bias=True, norms=2, norm_bias=True)
    head = h + (3 * h * h + 3 * h) + (h * h + h) + 2 * h + (2 * h * inter + inter + h)
    return embed + body + 2 * h + head


def phi4mm_image(image_embd: dict[str, Any], text_hidden: int) -> int:
    """Phi-4-multimodal image embedding (`embd_layer.image_embd_layer`): the SigLIP tower, the two HD-transform
    separators (glb_GN, sub_GN) and the two-layer biased MLP projection (1152 -> hidden -> hidden)."""
    v = {**SIGLIP_SO400M_448, "image_size": _i(image_embd, "crop_size", 448)}
    h = v["hidden_size"]
    projection = _mlp2(h, text_hidden, text_hidden)
    return siglip_with_head(v) + 2 * h + projection


def phi4mm_audio(a: dict[str, Any], audio_embd: dict[str, Any], text_hidden: int) -> int:
    """Phi-4-multimodal audio encoder (`audio_processor.config`, vLLM phi4mm_audio.py ConformerEncoder) plus its
    projections: NeMo dw-striding subsampling (a conv, then depthwise + pointwise convs per halving, and a linear
    from channels x remaining frequency bins), a T5 relative-position bias table, the input mean/inv-std buffers
    (stored in the checkpoint), and conformer blocks of two GLU feed-forwards (norm, gate_up, down), biased q/k/v/out
    attention, a conv module (norm, GLU pointwise conv with two biases, depthwise-separable conv, pointwise conv)
    and two norms; then one two-layer MLP projection per mode (speech, vision+speech)."""
    d, ffn = _i(a, "attention_dim", 1024), _i(a, "linear_units", 1536)
    heads, kernel = _i(a, "attention_heads", 16), _i(a, "kernel_size", 3)
    ext, pw_k = _i(a, "ext_pw_out_channel", d), _i(a, "ext_pw_kernel_size", 1)
    mult, dw_out = _i(a, "depthwise_multiplier", 1), _i(a, "depthwise_seperable_out_channel", d)
    glu_bias = a.get("bias_in_glu", True) is not False
    feed_forward = 2 * d + d * 2 * ffn + (2 * ffn if glu_bias else 0) + ffn * d + d
    attention = 4 * (d * d + d)
    conv = (2 * d + d * 2 * ext * pw_k + 2 * ext + (2 * ext if glu_bias else 0)
            + d * mult * kernel + d * mult + d * mult * dw_out + dw_out + d * ext * pw_k + ext)
    block = 2 * feed_forward + attention + conv + 4 * d
    nemo = a.get("nemo_conv_settings")
    channels = _i(nemo if isinstance(nemo, dict) else {}, "conv_channels", 256)
    halvings, freq = max(1, _i(a, "time_reduction", 8).bit_length() - 1), _i(a, "input_size", 80)
    subsampling = 10 * channels + (halvings - 1) * (10 * channels + channels * channels + channels)
    for _ in range(halvings):
        freq = (freq - 1) // 2 + 1  # kernel 3, stride 2, padding 1
    subsampling += channels * freq * d + d
    bias = a.get("relative_attention_bias_args")
    bias = bias if isinstance(bias, dict) else {}
    buckets = _i(bias, "t5_bias_max_distance", 1000) * (1 if bias.get("t5_bias_symmetric") else 2)
    encoder = subsampling + buckets * heads + 2 * _i(a, "input_size", 80) + _i(a, "num_blocks", 24) * block
    d_in = d * _i(audio_embd, "downsample_rate", 1)
    projection = 2 * _mlp2(d_in, text_hidden, text_hidden)  # one per mode (speech, vision + speech)
    return encoder + projection


PHI4MM_LORA_MODULES = ("self_attn.qkv_proj", "self_attn.o_proj", "mlp.gate_up_proj", "mlp.down_proj")
"""Decoder linears a Phi-4-multimodal LoRA may target; its `layer` regex picks among them (PEFT fullmatch on the
module name inside the text model, `layers.N.<module>`)."""


def lora_params(lora: dict[str, Any], shapes: Mapping[str, tuple[int, int]], num_layers: int) -> int:
    """LoRA A (r x in) and B (out x r) of every decoder linear the adapter's `layer` regex names (all of
    `shapes` when it gives none); `shapes` maps a module to its (in, out) features."""
    rank, pattern = _i(lora, "r", 0), lora.get("layer")
    regex = re.compile(pattern) if isinstance(pattern, str) else None
    per_layer = sum(rank * (fan_in + fan_out) for name, (fan_in, fan_out) in shapes.items()
                    if regex is None or regex.fullmatch(f"layers.0.{name}"))
    return num_layers * per_layer


def glm4v(v: dict[str, Any], text_hidden: int) -> int:
    """GLM-4.1V / GLM-4.5V vision (transformers Glm4vVisionModel): learned positions, patch conv3d (with bias) and
    its RMSNorm, RMSNorm blocks whose gated MLP is `out_hidden_size` wide (no biases; qkv bias with
    `attention_bias`), a final RMSNorm, a spatial-merge conv2d into `out_hidden_size`, and the patch merger (proj,
    LayerNorm, gated MLP of `intermediate_size`)."""
    h, out, inter = _i(v, "hidden_size", 1536), _i(v, "out_hidden_size", 4096), _i(v, "intermediate_size", 13696)
    patch, merge = _i(v, "patch_size", 14), _i(v, "spatial_merge_size", 2)
    embed = (_i(v, "image_size", 336) // patch) ** 2 * h \
        + _i(v, "in_channels", 3) * _i(v, "temporal_patch_size", 2) * patch * patch * h + h + h
    qkv_bias = 3 * h if v.get("attention_bias") else 0
    block = 2 * h + 3 * h * h + qkv_bias + h * h + 3 * h * out
    downsample = h * out * merge * merge + out
    merger = out * out + 2 * out + 3 * out * inter
    return embed + _i(v, "depth", 24) * block + h + downsample + merger


def mllama(v: dict[str, Any], text_hidden: int) -> int:
    """Llama 3.2 Vision (transformers MllamaVisionModel) plus its projector: patch conv (no bias), class embedding,
    gated positions with a per-aspect-ratio tile table, gated pre/post tile embeddings, pre/post LayerNorms,
    `num_hidden_layers` local and `num_global_layers` gated global blocks (bias-free attention, biased GELU MLP), and
    the multi_modal_projector from `vision_output_dim` (the last and intermediate layers concatenated)."""
    h, inter, patch = _i(v, "hidden_size", 1280), _i(v, "intermediate_size", 5120), _i(v, "patch_size", 14)
    positions = (_i(v, "image_size", 560) // patch) ** 2 + 1
    tiles = _i(v, "max_num_tiles", 4)
    ratios = v.get("supported_aspect_ratios")
    aspect_rows = (len(ratios) if isinstance(ratios, list) and ratios else _i(v, "max_aspect_ratio_id", 8)) + 1
    embed = _i(v, "num_channels", 3) * patch * patch * h + h  # patch conv, class embedding
    embed += positions * h + 1 + aspect_rows * tiles * positions * h  # gated positions and their tile table
    embed += 2 * (aspect_rows * tiles * h + 1)  # pre / post tile embeddings with their gates
    block = 4 * h * h + 2 * h * inter + inter + h + 2 * 2 * h
    local, global_ = _i(v, "num_hidden_layers", 32), _i(v, "num_global_layers", 8)
    body = (local + global_) * block + 2 * global_  # global blocks gate attention and MLP
    out = _i(v, "vision_output_dim", 7680)
    return embed + 2 * 2 * h + body + out * text_hidden + text_hidden


def plain_vit(v: dict[str, Any], text_hidden: int) -> int:
    """A generic ViT (patch conv, blocks with biases, a linear projector): the estimate for unknown towers."""
    h, inter = _i(v, "hidden_size", 1024), _i(v, "intermediate_size", 4 * _i(v, "hidden_size", 1024))
    layers = _i(v, "num_hidden_layers", _i(v, "depth", 24))
    patch = _i(v, "patch_size", 14)
    return 3 * patch * patch * h + _vit_layers(layers, h, inter, gated=False, bias=True, norms=2,
                                                 norm_bias=True) + h * text_hidden


COUNTERS: dict[str, Callable[[dict[str, Any], int], int]] = {
    "siglip_vision_model": siglip, "siglip": siglip, "gemma3": siglip,
    "qwen3_vl": qwen_vl, "qwen3_vl_moe": qwen_vl, "qwen3_5": qwen_vl, "qwen3_5_moe": qwen_vl,
    "gemma4_vision": gemma4, "pixtral": pixtral, "clip_vision_model": clip, "llama4_vision_model": llama4,
    "moonvit": moonvit, "gemma3n_vision": gemma3n_vision, "qwen2_5_vl_vision": qwen2_5_vl, "qwen2_vl_vision": qwen2_vl,
    "glm4v": glm4v, "glm4v_moe": glm4v, "glm4v_vision": glm4v, "glm4v_moe_vision": glm4v,
    "mllama_vision_model": mllama,
}
"""vision_config `model_type` -> counter."""


def vision_params(vision: dict[str, Any], text_hidden: int, wrapper: str) -> tuple[int, str, bool]:
    """(parameters, tower kind, exact?) of a `vision_config`; unknown kinds are estimated as a plain ViT."""
    kind = str(vision.get("model_type") or "")
    if not kind and wrapper == "gemma3":
        kind = "siglip"
    if not kind and "vt_hidden_size" in vision:
        kind = "moonvit"
    if wrapper == "gemma3n" and kind not in COUNTERS:
        kind = "gemma3n_vision"  # the timm MobileNet-V5 wrapper config, whatever its own model_type says
    if kind in ("", "qwen2_5_vl", "qwen2_vl") and wrapper in ("qwen2_5_vl", "qwen2_vl"):
        kind = f"{wrapper}_vision"  # their vision_config has no model_type of its own (or the wrapper's)
    if not kind and wrapper in ("glm4v", "glm4v_moe"):
        kind = wrapper
    counter = COUNTERS.get(kind)
    if counter is None:
        return plain_vit(vision, text_hidden), kind or "vit", False
    return counter(vision, text_hidden), kind, True
