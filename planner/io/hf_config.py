"""Turn a Hugging Face `config.json` dict into a `ModelSpec` (pure: no file or network I/O).

Field names and defaults follow the transformers config classes of each family, so a
config parses here exactly as transformers would read it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from planner.errors import SpecError
from planner.specs.model import (
    AttentionSpec,
    Family,
    LayerSpec,
    ModelDtype,
    ModelSpec,
    MoeSpec,
    QuantConfig,
    VisionSpec,
)
from planner.specs.runtime import Quant

_FAMILIES: dict[str, Family] = {
    "llama": "llama", "mistral": "mistral", "mixtral": "mixtral", "qwen2": "qwen2",
    "qwen2_moe": "qwen2_moe", "qwen3": "qwen3", "qwen3_moe": "qwen3_moe", "gemma2": "gemma2",
    "gemma3": "gemma3", "gemma3_text": "gemma3", "phi3": "phi3", "deepseek_v2": "deepseek",
    "deepseek_v3": "deepseek", "gpt_oss": "gpt_oss", "gptj": "gptj", "bert": "bert",
    "roberta": "bert", "xlm-roberta": "bert",
}

# transformers config-class defaults for fields published configs sometimes omit.
_FAMILY_DEFAULTS: dict[str, dict[str, Any]] = {
    "gemma3_text": {"vocab_size": 262208, "max_position_embeddings": 131072, "head_dim": 256,
                    "sliding_window": 4096, "sliding_window_pattern": 6, "num_key_value_heads": 4,
                    "tie_word_embeddings": True},
    "gemma2": {"head_dim": 256, "sliding_window": 4096, "tie_word_embeddings": True},
    "gptj": {"n_positions": 2048},
    "bert": {"type_vocab_size": 2, "max_position_embeddings": 512},
}

_ALIASES: dict[str, tuple[str, ...]] = {
    "hidden_size": ("hidden_size", "n_embd", "d_model"),
    "num_hidden_layers": ("num_hidden_layers", "n_layer", "num_layers"),
    "num_attention_heads": ("num_attention_heads", "n_head"),
    "max_position_embeddings": ("max_position_embeddings", "n_positions", "max_seq_len"),
    "intermediate_size": ("intermediate_size", "n_inner", "ffn_dim"),
}

_DTYPES: dict[str, ModelDtype] = {
    "bfloat16": "bf16", "bf16": "bf16", "float16": "fp16", "fp16": "fp16", "half": "fp16",
    "float32": "fp32", "fp32": "fp32", "float": "fp32",
}


class _Fields:
    """Reads fields from a config dict with family defaults, naming the field on error."""

    def __init__(self, config: dict[str, Any], model_type: str, where: str) -> None:
        self.config = {**_FAMILY_DEFAULTS.get(model_type, {}), **config}
        self.where = where

    def get(self, key: str, default: Any = None) -> Any:
        for name in _ALIASES.get(key, (key,)):
            value = self.config.get(name)
            if value is not None:
                return value
        return default

    def int(self, key: str, default: int | None = None, *, minimum: int = 1) -> int:
        value = self.get(key, default)
        if value is None:
            raise SpecError(f"config is missing the required field `{key}`", where=self.where,
                            hint="a decoder config needs hidden_size, num_hidden_layers, "
                                 "num_attention_heads, intermediate_size and vocab_size")
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise SpecError(f"`{key}` must be an integer >= {minimum}", where=self.where, value=value,
                            hint="check the config against the model card")
        return value

    def bool(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        return bool(value)


def _window(fields: _Fields, max_pos: int) -> int | None:
    window = fields.get("sliding_window")
    if window is None or isinstance(window, bool):
        return None
    window = int(window)
    return window if 0 < window < max_pos else None


def _layer_windows(model_type: str, fields: _Fields, num_layers: int, max_pos: int) -> list[int | None]:
    window = _window(fields, max_pos)
    layer_types = fields.get("layer_types")
    if isinstance(layer_types, list) and len(layer_types) == num_layers:
        return [window if t == "sliding_attention" else None for t in layer_types]
    if window is None:
        return [None] * num_layers
    if model_type == "gemma2":
        # transformers Gemma2: layer 0, 2, 4, ... use the sliding window.
        return [window if i % 2 == 0 else None for i in range(num_layers)]
    if model_type in ("gemma3", "gemma3_text"):
        pattern = fields.int("sliding_window_pattern", 6)
        return [window if (i + 1) % pattern else None for i in range(num_layers)]
    if model_type in ("qwen2", "qwen2_moe", "qwen3", "qwen3_moe"):
        if not fields.bool("use_sliding_window", False):
            return [None] * num_layers
        first = fields.int("max_window_layers", num_layers, minimum=0)
        return [window if i >= first else None for i in range(num_layers)]
    return [window] * num_layers


def _moe(model_type: str, fields: _Fields, num_layers: int) -> tuple[MoeSpec | None, list[bool]]:
    experts = fields.get("n_routed_experts") or fields.get("num_local_experts") or fields.get("num_experts")
    if not experts:
        return None, [False] * num_layers
    top_k = fields.int("num_experts_per_tok", fields.get("experts_per_token"))
    expert_inter = fields.get("moe_intermediate_size") or fields.int("intermediate_size")
    shared = 0
    if model_type.startswith("deepseek"):
        shared = fields.int("n_shared_experts", 0, minimum=0) * expert_inter
        first_dense = fields.int("first_k_dense_replace", 0, minimum=0)
        freq = fields.int("moe_layer_freq", 1)
        moe_layers = [i >= first_dense and i % freq == 0 for i in range(num_layers)]
    elif model_type in ("qwen2_moe", "qwen3_moe"):
        shared = fields.int("shared_expert_intermediate_size", 0, minimum=0)
        step = fields.int("decoder_sparse_step", 1)
        dense_only = set(fields.get("mlp_only_layers") or [])
        moe_layers = [i not in dense_only and (i + 1) % step == 0 for i in range(num_layers)]
    else:
        moe_layers = [True] * num_layers
    spec = MoeSpec(
        num_experts=int(experts), num_experts_per_tok=top_k, expert_intermediate_size=int(expert_inter),
        shared_intermediate_size=shared,
        shared_expert_gate=model_type == "qwen2_moe" and shared > 0,
        router_bias=model_type == "gpt_oss" or fields.get("topk_method") == "noaux_tc",
        expert_bias=model_type == "gpt_oss",
    )
    return spec, moe_layers


def _attention(model_type: str, fields: _Fields, hidden: int) -> AttentionSpec:
    heads = fields.int("num_attention_heads")
    kv_heads = fields.int("num_key_value_heads", 1 if fields.get("multi_query") else heads)
    if fields.get("kv_lora_rank"):
        nope = fields.int("qk_nope_head_dim")
        rope = fields.int("qk_rope_head_dim")
        return AttentionSpec(
            kind="mla", num_heads=heads, num_kv_heads=heads, head_dim=nope + rope,
            v_head_dim=fields.int("v_head_dim"), q_lora_rank=fields.get("q_lora_rank"),
            kv_lora_rank=fields.int("kv_lora_rank"), qk_rope_head_dim=rope, qk_nope_head_dim=nope,
        )
    head_dim = fields.get("head_dim") or hidden // heads
    all_bias = fields.bool("attention_bias", model_type in ("bert",))
    return AttentionSpec(
        num_heads=heads, num_kv_heads=kv_heads, head_dim=int(head_dim), v_head_dim=int(head_dim),
        qkv_bias=all_bias or model_type in ("qwen2", "qwen2_moe"), o_bias=all_bias,
        qk_norm=model_type in ("qwen3", "qwen3_moe", "gemma3", "gemma3_text"),
        sinks=model_type == "gpt_oss",
    )


def _quant(config: dict[str, Any], where: str) -> QuantConfig | None:
    qc = config.get("quantization_config") or config.get("compression_config")
    if not qc:
        return None
    method = str(qc.get("quant_method", "")).lower()
    group = qc.get("group_size")
    skip = list(qc.get("modules_to_not_convert") or qc.get("ignore") or [])
    fmt: Quant | None = None
    if method == "awq":
        fmt = "int4-awq" if qc.get("bits", 4) == 4 else None
    elif method == "gptq":
        fmt = {4: "int4-gptq", 8: "int8"}.get(int(qc.get("bits", 4)))  # type: ignore[assignment]
    elif method in ("fp8", "fbgemm_fp8"):
        fmt = "fp8"
    elif method == "mxfp4":
        fmt, group = "mxfp4", 32
    elif method == "modelopt":
        algo = str(qc.get("quant_algo", "")).upper()
        fmt, group = ("nvfp4", 16) if "FP4" in algo else ("fp8", None)
    elif method == "quark":
        fmt = "fp8"
    elif method == "bitsandbytes":
        fmt = "int8" if qc.get("load_in_8bit") else None
    elif method == "compressed-tensors":
        fmt, group = _compressed_tensors(qc)
    if fmt is None:
        raise SpecError(f"unsupported quantization_config (quant_method {method!r})", where=where,
                        value=qc.get("bits") or qc.get("format") or method,
                        hint="supported: awq/gptq 4-bit, gptq 8-bit, fp8, compressed-tensors, modelopt, "
                             "mxfp4; or pass --quant to plan another precision")
    return QuantConfig(format=fmt, group_size=group, method=method, unquantized_modules=skip)


def _compressed_tensors(qc: dict[str, Any]) -> tuple[Quant | None, int | None]:
    fmt_name = str(qc.get("format", ""))
    if "nvfp4" in fmt_name:
        return "nvfp4", 16
    for group in (qc.get("config_groups") or {}).values():
        weights = group.get("weights") or {}
        bits, kind = weights.get("num_bits"), weights.get("type")
        size = weights.get("group_size")
        if bits == 8 and kind == "float":
            return "fp8", None
        if bits == 8 and kind == "int":
            return "int8", None
        if bits == 4 and kind == "int":
            return "int4-gptq", size
        if bits == 4 and kind == "float":
            return "nvfp4", size or 16
    return None, None


def _siglip_params(vision: dict[str, Any], text_hidden: int) -> int:
    """Parameters of a SigLIP vision tower plus the Gemma 3 multimodal projector."""
    h = int(vision.get("hidden_size", 1152))
    inter = int(vision.get("intermediate_size", 4304))
    layers = int(vision.get("num_hidden_layers", 27))
    patch = int(vision.get("patch_size", 14))
    image = int(vision.get("image_size", 896))
    channels = int(vision.get("num_channels", 3))
    embed = channels * patch * patch * h + h + (image // patch) ** 2 * h
    per_layer = 4 * (h * h + h) + 2 * 2 * h + (h * inter + inter) + (inter * h + h)
    projector = h * text_hidden + h  # mm_input_projection_weight + mm_soft_emb_norm
    return embed + layers * per_layer + 2 * h + projector


def parse_hf_config(config: dict[str, Any], name: str, where: str = "config.json") -> ModelSpec:
    """Build a `ModelSpec` from a Hugging Face config dict (see `_parse`).

    Raises:
        SpecError: A required field is missing or nonsensical.
    """
    try:
        return _parse(config, name, where)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise SpecError(f"inconsistent model config: {msg}", where=where,
                        hint="check num_attention_heads / num_key_value_heads / expert counts") from None


def _parse(config: dict[str, Any], name: str, where: str) -> ModelSpec:
    """Build a `ModelSpec` from a Hugging Face config dict.

    Args:
        config: The parsed `config.json`.
        name: Model name for reports (repo id or folder name).
        where: Where the config came from, for error messages.

    Returns:
        The normalised spec; `warnings` lists every assumption made.

    Raises:
        SpecError: A required field is missing or nonsensical.
    """
    if not isinstance(config, dict):
        raise SpecError("a model config must be a JSON object", where=where, value=type(config).__name__)
    warnings: list[str] = []
    top_type = str(config.get("model_type", "")).lower()
    text = config
    vision_params = 0
    if isinstance(config.get("text_config"), dict):
        text = {**config["text_config"]}
        text.setdefault("model_type", f"{top_type}_text" if top_type == "gemma3" else top_type)
        for key in ("torch_dtype", "dtype", "quantization_config"):
            if key in config and key not in text:
                text[key] = config[key]
        vision = config.get("vision_config")
        if isinstance(vision, dict) and "siglip" in str(vision.get("model_type", "siglip")):
            vision_params = -1  # computed after the text hidden size is known
    model_type = str(text.get("model_type", top_type)).lower()
    if not model_type:
        raise SpecError("config has no `model_type`", where=where,
                        hint="is this a Hugging Face config.json? it should name its model_type")
    family = _FAMILIES.get(model_type)
    if family is None:
        family = "other"
        warnings.append(f"unknown model_type {model_type!r}: parsed from standard Llama-style fields; "
                        "check parameter counts against the model card")
    fields = _Fields(text, model_type, where)
    hidden = fields.int("hidden_size")
    num_layers = fields.int("num_hidden_layers")
    vocab = fields.int("vocab_size")
    encoder_only = family == "bert"
    max_pos = fields.int("max_position_embeddings", 2048 if family == "other" else None)
    intermediate = fields.get("intermediate_size")
    if intermediate is None and family == "gptj":
        intermediate = 4 * hidden
    if intermediate is None:
        intermediate = fields.int("intermediate_size")
    attention = _attention(model_type, fields, hidden)
    moe, moe_layers = _moe(model_type, fields, num_layers)
    windows = _layer_windows(model_type, fields, num_layers, max_pos)
    layers = tuple(LayerSpec(window_tokens=w, moe=m) for w, m in zip(windows, moe_layers))
    dtype_name = str(text.get("torch_dtype") or text.get("dtype") or "bfloat16").lower()
    dtype = _DTYPES.get(dtype_name)
    if dtype is None:
        warnings.append(f"torch_dtype {dtype_name!r} not recognised; assuming bf16")
        dtype = "bf16"
    if vision_params:
        vision_params = _siglip_params(config["vision_config"], hidden)
    gemma = family in ("gemma2", "gemma3")
    return ModelSpec(
            name=name, model_type=model_type, family=family, encoder_only=encoder_only, dtype=dtype,
            hidden_size=hidden, intermediate_size=int(intermediate), vocab_size=vocab,
            max_position_embeddings=max_pos,
            mlp_gated=family not in ("bert", "gptj"),
            mlp_bias=family in ("bert", "gptj") or fields.bool("mlp_bias", False),
            norm="layernorm" if family in ("bert", "gptj") else "rmsnorm",
            norms_per_layer=4 if gemma else 1 if family == "gptj" else 2,
            final_norm=not encoder_only,
            tie_word_embeddings=fields.bool("tie_word_embeddings", gemma),
            lm_head_bias=family == "gptj",
            learned_positions=max_pos if encoder_only else 0,
            type_vocab_size=fields.int("type_vocab_size", 0, minimum=0) if encoder_only else 0,
            embedding_norm=encoder_only, pooler=encoder_only,
            attention=attention, moe=moe, layers=layers, quantization=_quant(text, where),
            vision=VisionSpec(params=vision_params) if vision_params else None,
            warnings=tuple(warnings),
        )
