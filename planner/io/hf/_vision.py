"""Parameters of the vision towers bundled with multimodal checkpoints (counted, never dropped).

Each counter follows the module layout of the transformers class named in its docstring; the
projector into the text model is included. Unknown towers are estimated as a plain ViT, with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _i(v: dict[str, Any], key: str, default: int) -> int:
    value = v.get(key, default)
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else default


def _vit_layers(layers: int, h: int, inter: int, *, gated: bool, bias: bool, norms: int, norm_bias: bool,
                qk_norm_dim: int = 0) -> int:
    attn = 4 * h * h + (4 * h if bias else 0) + 2 * qk_norm_dim
    mlp = (3 if gated else 2) * h * inter + ((2 * inter if gated else inter) + h if bias else 0)
    return layers * (attn + mlp + norms * h * (2 if norm_bias else 1))


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
    merger = merged * merged + merged + out * merged + out
    deepstack = len(v.get("deepstack_visual_indexes") or [])
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
    projector = h * text_hidden + text_hidden + text_hidden * text_hidden + text_hidden
    return embed + 4 * h + body + projector  # pre and post layernorms


def llama4(v: dict[str, Any], text_hidden: int) -> int:
    """Llama 4 vision (Llama4VisionModel): patch unfold, class token, positions, blocks, pixel shuffle MLP."""
    h, inter, patch = _i(v, "hidden_size", 1408), _i(v, "intermediate_size", 5632), _i(v, "patch_size", 14)
    image = _i(v, "image_size", 336)
    embed = 3 * patch * patch * h + h + ((image // patch) ** 2 + 1) * h
    body = _vit_layers(_i(v, "num_hidden_layers", 34), h, inter, gated=False, bias=True, norms=2, norm_bias=True)
    ratio = float(v.get("pixel_shuffle_ratio", 0.5))
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
    merged = h * int(kernel[0]) * int(kernel[1])
    out = _i(v, "text_hidden_size", text_hidden)
    projector = 2 * h + merged * merged + merged + out * merged + out
    return embed + body + 2 * h + projector


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
    "moonvit": moonvit,
}
"""vision_config `model_type` -> counter."""


def vision_params(vision: dict[str, Any], text_hidden: int, wrapper: str) -> tuple[int, str, bool]:
    """(parameters, tower kind, exact?) of a `vision_config`; unknown kinds are estimated as a plain ViT."""
    kind = str(vision.get("model_type") or "")
    if not kind and wrapper == "gemma3":
        kind = "siglip"
    if not kind and "vt_hidden_size" in vision:
        kind = "moonvit"
    counter = COUNTERS.get(kind)
    if counter is None:
        return plain_vit(vision, text_hidden), kind or "vit", False
    return counter(vision, text_hidden), kind, True
