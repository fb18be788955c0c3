"""Turn a Hugging Face `config.json` dict into a `ModelSpec` (pure: no file or network I/O).

Dispatch is on `architectures` first (what runtimes load: Kimi-K2 ships `DeepseekV3ForCausalLM`
under its own model_type), then on `model_type`. Each family is a `Recipe` (data: defaults and
layout flags) with an optional adapter hook for what departs from the Llama layout. Multimodal
wrappers are read through their `text_config`, and their vision tower is counted, not dropped.
Field names and defaults follow the transformers config classes, so a config parses here as
transformers would read it.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from planner.errors import SpecError
from planner.io.hf import _classic, _hybrid, _moe, _plausible
from planner.io.hf._build import Draft, Recipe, build
from planner.io.hf._fields import dtype_of, short
from planner.io.hf._quant import hf_quant_config, quant_config
from planner.io.hf._vision import PHI4MM_LORA_MODULES, gemma3n_audio, lora_params, phi4mm_audio, phi4mm_image, vision_params
from planner.specs.model import LayerSpec, ModelSpec, QuantConfig, VisionSpec

__all__ = ["RECIPES", "hf_quant_config", "parse_hf_config", "recipe_for"]

_GEMMA3_TEXT = {"vocab_size": 262208, "max_position_embeddings": 131072, "head_dim": 256, "sliding_window": 4096,
                "sliding_window_pattern": 6, "num_key_value_heads": 4}

_GEMMA3N_TEXT = {"vocab_size": 262400, "vocab_size_per_layer_input": 262144, "hidden_size_per_layer_input": 256,
                 "max_position_embeddings": 32768, "head_dim": 256, "sliding_window": 512, "num_key_value_heads": 2,
                 "num_attention_heads": 8, "laurel_rank": 64, "altup_num_inputs": 4, "num_kv_shared_layers": 15}
"""transformers Gemma3nTextConfig defaults (the E4B shape) for fields a config leaves out."""

_SSM_CONTEXT = 262144
"""Context assumed for an attention-free SSM whose config states none: Mistral tested Codestral Mamba's in-context
retrieval up to 256k tokens (its release post, 2024-07-16)."""

RECIPES: dict[str, Recipe] = {
    "llama": Recipe("llama"),
    "mistral": Recipe("mistral"),
    "mixtral": Recipe("mixtral"),
    "mistral3": Recipe("mistral3"),
    "qwen2": Recipe("qwen2", qkv_bias=True, windows="qwen"),
    "qwen2_moe": Recipe("qwen2_moe", qkv_bias=True, shared_gate=True, moe_layers="qwen", windows="qwen"),
    "qwen3": Recipe("qwen3", qk_norm=True, windows="qwen"),
    "qwen3_moe": Recipe("qwen3_moe", qk_norm=True, moe_layers="qwen", windows="qwen"),
    "qwen3_vl": Recipe("qwen3_vl", qk_norm=True, moe_layers="qwen", windows="none"),
    "qwen2_vl": Recipe("qwen2_vl", qkv_bias=True, windows="qwen"),
    # Qwen3-Next ships one MTP layer its config.json does not count (model card: Multi-Token Prediction; vLLM
    # qwen3_next_mtp.py reads num_nextn_predict_layers with default 1)
    "qwen3_next": Recipe("qwen3_next", qk_norm=True, shared_gate=True, moe_layers="qwen", windows="none",
                         mtp_layers=1, adapt=_hybrid.qwen_next),
    "qwen3_5": Recipe("qwen3_5", qk_norm=True, shared_gate=True, moe_layers="qwen", windows="none",
                      adapt=_hybrid.qwen_next),
    "qwen": Recipe("qwen", qkv_bias=True, adapt=_classic.qwen_v1),
    "mimo": Recipe("mimo", qkv_bias=True, windows="qwen"),
    "gemma": Recipe("gemma", defaults={"head_dim": 256}, tie_default=True),
    "gemma2": Recipe("gemma2", defaults={"head_dim": 256, "sliding_window": 4096}, tie_default=True,
                     windows="gemma2"),
    "gemma3": Recipe("gemma3", defaults=_GEMMA3_TEXT, tie_default=True, qk_norm=True, windows="gemma3"),
    "gemma4": Recipe("gemma4", tie_default=True, qk_norm=True, adapt=_moe.gemma4),
    "gemma3n": Recipe("gemma3n", defaults=_GEMMA3N_TEXT, tie_default=True, qk_norm=True, adapt=_moe.gemma3n),
    "phi3": Recipe("phi3"),
    "phi3_v": Recipe("phi3_v"),
    "phi4mm": Recipe("phi4mm"),
    "deepseek": Recipe("deepseek", moe_layers="deepseek"),
    "deepseek_v32": Recipe("deepseek_v32", moe_layers="deepseek"),
    "dots1": Recipe("dots1", qk_norm=True, moe_layers="deepseek"),
    "ernie4_5_moe": Recipe("ernie4_5_moe", tie_default=True, adapt=_moe.ernie45_moe),
    "kimi": Recipe("kimi", moe_layers="deepseek"),
    "glm_dsa": Recipe("glm_dsa", moe_layers="deepseek"),
    "glm4_moe": Recipe("glm4_moe", moe_layers="deepseek", adapt=_moe.glm4_moe),
    "llama4": Recipe("llama4", adapt=_moe.llama4),
    "minimax_m2": Recipe("minimax_m2", adapt=_moe.minimax_m2),
    "minimax": Recipe("minimax", adapt=_hybrid.minimax_lightning),
    "mimo_v2": Recipe("mimo", moe_layers="deepseek", adapt=_moe.mimo_v2),
    "gpt_oss": Recipe("gpt_oss", qkv_bias=True, o_bias=True, adapt=_moe.gpt_oss),
    "gptj": Recipe("gptj", defaults={"n_positions": 2048}, mlp_gated=False, mlp_bias=True, norm="layernorm",
                   norms_per_layer=1, lm_head_bias=True, parallel_block=True, dense_width=False, adapt=_classic.gpt2),
    "gpt2": Recipe("gpt2", defaults={"n_positions": 1024}, mlp_gated=False, mlp_bias=True, norm="layernorm",
                   tie_default=True, qkv_bias=True, o_bias=True, learned_positions=True, dense_width=False,
                   adapt=_classic.gpt2),
    "gpt_bigcode": Recipe("gpt_bigcode", defaults={"n_positions": 1024}, mlp_gated=False, mlp_bias=True,
                          norm="layernorm", tie_default=True, qkv_bias=True, o_bias=True, learned_positions=True,
                          dense_width=False, adapt=_classic.gpt_bigcode),
    "starcoder2": Recipe("starcoder2", mlp_gated=False, mlp_bias=True, norm="layernorm", tie_default=True,
                         qkv_bias=True, o_bias=True),
    "gpt_neox": Recipe("gpt_neox", mlp_gated=False, mlp_bias=True, norm="layernorm", qkv_bias=True, o_bias=True,
                       parallel_block=True),
    "chatglm": Recipe("chatglm", qkv_bias=True, adapt=_classic.chatglm),
    "cohere": Recipe("cohere", norms_per_layer=1, tie_default=True, parallel_block=True, adapt=_classic.cohere),
    "cohere2": Recipe("cohere", defaults={"sliding_window_pattern": 4}, norms_per_layer=1, tie_default=True,
                      parallel_block=True, windows="gemma3", adapt=_classic.cohere),
    "olmo2": Recipe("olmo2", qk_norm=True, qk_norm_full=True),
    "smollm3": Recipe("smollm3", tie_default=True, windows="none", adapt=_classic.smollm3),
    "exaone4": Recipe("exaone4", qk_norm=True, windows="none", adapt=_classic.exaone4),
    "seed_oss": Recipe("seed_oss", qkv_bias=True, adapt=_classic.seed_oss),
    "phimoe": Recipe("phimoe", norm="layernorm", adapt=_moe.phimoe),
    "hunyuan_v1_moe": Recipe("hunyuan_v1_moe", prepare=_moe.hunyuan_config),
    "granite": Recipe("granite"),
    "granite_moe": Recipe("granite_moe", adapt=_moe.granite_moe),
    "granite_hybrid": Recipe("granite_moe", adapt=_hybrid.granite_hybrid),
    "nemotron_nas": Recipe("nemotron_nas", dense_width=False, adapt=_moe.nemotron_nas),
    "nemotron_h": Recipe("nemotron_h", adapt=_hybrid.nemotron_h),
    "falcon_h1": Recipe("falcon_h1", adapt=_hybrid.falcon_h1),
    "jamba": Recipe("jamba", adapt=_hybrid.jamba),
    # GLM-4-0414 / GLM-4.1V text: input, post_self_attn, post_attention and post_mlp RMSNorms in every layer
    "glm4": Recipe("glm4", norms_per_layer=4, adapt=_classic.glm4),
    # OLMoE: q_norm / k_norm are RMSNorms over all query / key heads (transformers OlmoeAttention)
    "olmoe": Recipe("olmoe", qk_norm=True, qk_norm_full=True),
    "ernie4_5": Recipe("ernie4_5", tie_default=True, adapt=_moe.ernie45_moe),
    "internlm2": Recipe("internlm2", defaults={"bias": True}, adapt=_classic.internlm),  # InternLM2Config: bias=True
    "internlm3": Recipe("internlm3", defaults={"bias": False, "qkv_bias": False}, adapt=_classic.internlm),
    "minicpm3": Recipe("minicpm3", tie_default=True, prepare=_classic.minicpm3_config),
    # Hunyuan dense: query_layernorm / key_layernorm in every attention (transformers HunYuanDenseV1Attention)
    "hunyuan_v1_dense": Recipe("hunyuan_v1_dense", qk_norm=True, prepare=_moe.hunyuan_config),
    # DBRX: LayerNorms without biases, counted as one scale each like an RMSNorm
    "dbrx": Recipe("dbrx", prepare=_moe.dbrx_config),
    "mllama": Recipe("mllama", adapt=_classic.mllama),
    "bailing_moe": Recipe("bailing_moe", moe_layers="deepseek", adapt=_moe.bailing_moe_v2),
    # Kimi-Linear: its card's 1M-token context when the config states none
    "kimi_linear": Recipe("kimi_linear", moe_layers="deepseek", assumed_context=1_048_576, adapt=_hybrid.kimi_linear),
    "mamba": Recipe("mamba", tie_default=True, assumed_context=_SSM_CONTEXT, prepare=_hybrid.ssm_config,
                    adapt=_hybrid.mamba1),
    "mamba2": Recipe("mamba2", assumed_context=_SSM_CONTEXT, prepare=_hybrid.ssm_config, adapt=_hybrid.mamba2),
    "bert": Recipe("bert", defaults={"type_vocab_size": 2, "max_position_embeddings": 512}, mlp_gated=False,
                   mlp_bias=True, norm="layernorm", qkv_bias=True, o_bias=True, learned_positions=True,
                   encoder_only=True),
}
"""Family recipes by key (the targets of the two dispatch tables below)."""

ARCHITECTURES: dict[str, str] = {
    "LlamaForCausalLM": "llama", "MistralForCausalLM": "mistral", "MixtralForCausalLM": "mixtral",
    "Mistral3ForConditionalGeneration": "mistral3", "LlavaForConditionalGeneration": "llama",
    "LlavaNextForConditionalGeneration": "llama",
    "Qwen2ForCausalLM": "qwen2", "Qwen2MoeForCausalLM": "qwen2_moe", "Qwen3ForCausalLM": "qwen3",
    "Qwen3MoeForCausalLM": "qwen3_moe", "Qwen3VLForConditionalGeneration": "qwen3_vl",
    "Qwen3VLMoeForConditionalGeneration": "qwen3_vl", "Qwen2VLForConditionalGeneration": "qwen2_vl",
    "Qwen2_5_VLForConditionalGeneration": "qwen2_vl", "Qwen3NextForCausalLM": "qwen3_next",
    "Qwen3_5ForConditionalGeneration": "qwen3_5", "Qwen3_5MoeForConditionalGeneration": "qwen3_5",
    "Qwen3_5ForCausalLM": "qwen3_5", "Qwen3_5MoeForCausalLM": "qwen3_5", "QWenLMHeadModel": "qwen",
    "MiMoForCausalLM": "mimo", "MiMoV2FlashForCausalLM": "mimo_v2",
    "GemmaForCausalLM": "gemma", "Gemma2ForCausalLM": "gemma2", "Gemma3ForCausalLM": "gemma3",
    "Gemma3ForConditionalGeneration": "gemma3", "Gemma4ForConditionalGeneration": "gemma4",
    "Gemma4ForCausalLM": "gemma4", "Gemma3nForConditionalGeneration": "gemma3n", "Gemma3nForCausalLM": "gemma3n",
    "Phi3ForCausalLM": "phi3", "Phi3VForCausalLM": "phi3_v",
    "Phi4MMForCausalLM": "phi4mm",
    "DeepseekV2ForCausalLM": "deepseek", "DeepseekV3ForCausalLM": "deepseek",
    "DeepseekV32ForCausalLM": "deepseek_v32", "Dots1ForCausalLM": "dots1", "Ernie4_5_MoeForCausalLM": "ernie4_5_moe",
    "KimiK25ForConditionalGeneration": "kimi",
    "Glm4MoeForCausalLM": "glm4_moe", "GlmMoeDsaForCausalLM": "glm_dsa", "ChatGLMModel": "chatglm",
    "ChatGLMForConditionalGeneration": "chatglm", "Llama4ForConditionalGeneration": "llama4",
    "Llama4ForCausalLM": "llama4", "MiniMaxM2ForCausalLM": "minimax_m2", "MiniMaxText01ForCausalLM": "minimax",
    "MiniMaxForCausalLM": "minimax", "GptOssForCausalLM": "gpt_oss", "GPTJForCausalLM": "gptj",
    "GPT2LMHeadModel": "gpt2", "GPTBigCodeForCausalLM": "gpt_bigcode", "Starcoder2ForCausalLM": "starcoder2",
    "GPTNeoXForCausalLM": "gpt_neox", "CohereForCausalLM": "cohere", "Cohere2ForCausalLM": "cohere2",
    "Olmo2ForCausalLM": "olmo2", "Olmo3ForCausalLM": "olmo2", "GraniteForCausalLM": "granite",
    "GraniteMoeForCausalLM": "granite_moe", "GraniteMoeSharedForCausalLM": "granite_moe",
    "GraniteMoeHybridForCausalLM": "granite_hybrid", "DeciLMForCausalLM": "nemotron_nas",
    "NemotronHForCausalLM": "nemotron_h", "FalconH1ForCausalLM": "falcon_h1", "JambaForCausalLM": "jamba",
    "SmolLM3ForCausalLM": "smollm3", "Exaone4ForCausalLM": "exaone4", "SeedOssForCausalLM": "seed_oss",
    "PhiMoEForCausalLM": "phimoe", "PhimoeForCausalLM": "phimoe", "HunYuanMoEV1ForCausalLM": "hunyuan_v1_moe",
    "Glm4ForCausalLM": "glm4", "Glm4vForConditionalGeneration": "glm4",
    "Glm4vMoeForConditionalGeneration": "glm4_moe", "OlmoeForCausalLM": "olmoe", "Ernie4_5ForCausalLM": "ernie4_5",
    "Ernie4_5_ForCausalLM": "ernie4_5", "InternLM2ForCausalLM": "internlm2", "InternLM3ForCausalLM": "internlm3",
    "MiniCPM3ForCausalLM": "minicpm3", "HunYuanDenseV1ForCausalLM": "hunyuan_v1_dense",
    "DbrxForCausalLM": "dbrx", "MambaForCausalLM": "mamba", "FalconMambaForCausalLM": "mamba",
    "Mamba2ForCausalLM": "mamba2", "MiniMaxM1ForCausalLM": "minimax", "BailingMoeV2ForCausalLM": "bailing_moe",
    "KimiLinearForCausalLM": "kimi_linear", "MllamaForConditionalGeneration": "mllama",
    "BertModel": "bert", "BertForMaskedLM": "bert", "RobertaModel": "bert", "XLMRobertaModel": "bert",
}
"""`architectures[0]` -> recipe key (checked first)."""

MODEL_TYPES: dict[str, str] = {
    "llama": "llama", "mistral": "mistral", "mixtral": "mixtral", "mistral3": "mistral3", "llava": "llama",
    "qwen2": "qwen2", "qwen2_moe": "qwen2_moe", "qwen3": "qwen3", "qwen3_moe": "qwen3_moe",
    "qwen3_vl_text": "qwen3_vl", "qwen2_vl": "qwen2_vl", "qwen2_5_vl": "qwen2_vl", "qwen2_vl_text": "qwen2_vl",
    "qwen2_5_vl_text": "qwen2_vl", "qwen3_vl_moe_text": "qwen3_vl", "qwen3_next": "qwen3_next",
    "qwen3_5_text": "qwen3_5", "qwen3_5_moe_text": "qwen3_5", "qwen": "qwen", "mimo": "mimo",
    "mimo_v2_flash": "mimo_v2", "gemma": "gemma", "gemma2": "gemma2", "gemma3": "gemma3", "gemma3_text": "gemma3",
    "gemma4_text": "gemma4", "gemma3n": "gemma3n", "gemma3n_text": "gemma3n", "phi3": "phi3",
    "phi4mm": "phi4mm",
    "deepseek_v2": "deepseek", "deepseek_v3": "deepseek",
    "deepseek_v32": "deepseek_v32", "dots1": "dots1", "ernie4_5_moe": "ernie4_5_moe",
    "kimi_k2": "kimi", "glm4_moe": "glm4_moe", "glm_moe_dsa": "glm_dsa",
    "chatglm": "chatglm", "llama4_text": "llama4", "minimax_m2": "minimax_m2", "minimax": "minimax",
    "gpt_oss": "gpt_oss", "gptj": "gptj", "gpt2": "gpt2", "gpt_bigcode": "gpt_bigcode", "starcoder2": "starcoder2",
    "gpt_neox": "gpt_neox", "cohere": "cohere", "cohere2": "cohere2", "olmo2": "olmo2", "olmo3": "olmo2",
    "granite": "granite", "granitemoe": "granite_moe", "granitemoeshared": "granite_moe",
    "granitemoehybrid": "granite_hybrid", "nemotron-nas": "nemotron_nas", "nemotron_h": "nemotron_h",
    "falcon_h1": "falcon_h1", "jamba": "jamba", "smollm3": "smollm3", "exaone4": "exaone4", "seed_oss": "seed_oss",
    "phimoe": "phimoe", "hunyuan_v1_moe": "hunyuan_v1_moe", "glm4": "glm4", "glm4v_text": "glm4",
    "glm4v_moe_text": "glm4_moe", "olmoe": "olmoe", "ernie4_5": "ernie4_5", "internlm2": "internlm2",
    "internlm3": "internlm3", "minicpm3": "minicpm3", "hunyuan_v1_dense": "hunyuan_v1_dense",
    "dbrx": "dbrx", "mamba": "mamba", "falcon_mamba": "mamba", "mamba2": "mamba2", "minimax_m1": "minimax",
    "bailing_moe_v2": "bailing_moe", "kimi_linear": "kimi_linear",
    "mllama_text_model": "mllama",
    "bert": "bert", "roberta": "bert", "xlm-roberta": "bert",
}
"""`model_type` -> recipe key (when `architectures` names nothing known)."""

UNMODELLED_KEYS = ("hybrid_override_pattern", "block_configs", "layer_types", "attn_type_list",
                   "linear_attn_config", "mamba_d_state", "ssm_state_size", "kv_lora_rank", "compress_ratios",
                   "hc_mult", "hybrid_layer_pattern", "num_experts", "n_routed_experts", "num_local_experts",
                   "moe_num_experts")
"""Fields that mean a layout the Llama reading would get wrong; an unknown family with any is refused."""

LAYOUT_KEYS: dict[str, tuple[str, ...]] = {
    "hybrid_override_pattern": ("nemotron_h",), "ssm_state_size": ("nemotron_h",),
    "mamba_d_state": ("falcon_h1", "jamba", "granite_hybrid"), "attn_type_list": ("minimax",),
    "linear_attn_config": ("kimi_linear",), "hybrid_layer_pattern": ("mimo_v2",), "block_configs": ("nemotron_nas",),
    "moe_num_experts": ("ernie4_5_moe", "ernie4_5", "dbrx"), "compress_ratios": (), "hc_mult": (),
    "first_k_dense_replace": tuple(k for k, r in RECIPES.items() if r.moe_layers == "deepseek"),
    "decoder_sparse_step": tuple(k for k, r in RECIPES.items() if r.moe_layers == "qwen"),
}
"""Fields that describe a layer layout only the named recipes read: under any other family they would be ignored
(a Nemotron-H config with `architectures: [LlamaForCausalLM]` was planned as a 115B Llama without its Mamba layers)."""


_KINDS = {"encoder": ("bert",), "attention-free SSM": ("mamba", "mamba2")}
"""Recipe keys whose models are built another way than a decoder with attention (what a mismatch would misread)."""


def _kind(key: str | None) -> str:
    return next((kind for kind, keys in _KINDS.items() if key in keys), "decoder")


def _refuse_foreign_layout(text: dict[str, Any], key: str, where: str) -> None:
    """Refuse a config whose family (from `architectures` / `model_type`) would ignore a layout field it holds, or
    whose `architectures` and `model_type` name models built another way (a Llama config under `MambaForCausalLM`
    was planned as an attention-free SSM with the Mamba defaults)."""
    by_type = MODEL_TYPES.get(str(text.get("model_type", "")).lower())
    if by_type is not None and _kind(by_type) != _kind(key):
        raise SpecError(f"`architectures` and `model_type` name models built differently ({key}: "
                        f"{_kind(key)}; {by_type}: {_kind(by_type)}), so the config cannot be read safely", where=where,
                        hint="check `architectures` and `model_type` against the model card")
    experts = any(text.get(k) for k in ("n_routed_experts", "num_local_experts", "num_experts"))
    for field, readers in LAYOUT_KEYS.items():
        if field in ("first_k_dense_replace", "decoder_sparse_step") and not experts:
            continue  # where the MoE layers go: nothing to misread in a dense model
        if text.get(field) is not None and key not in readers:
            read = f"only {', '.join(readers)} configs have it" if readers else "no supported family has it"
            raise SpecError(f"`{field}` describes a layer layout the {key} family does not have ({read}), so the "
                            "config cannot be read safely", where=where,
                            hint="check `architectures` and `model_type` against the model card: they choose the "
                                 "family whose fields are read")


_LLAMA_FIELDS = ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size")


def recipe_for(config: dict[str, Any]) -> tuple[str, Recipe] | None:
    """The recipe a config dispatches to: `architectures[0]` first, then `model_type` (None: unknown)."""
    archs = config.get("architectures") or []
    arch = str(archs[0]) if isinstance(archs, list) and archs else ""
    key = ARCHITECTURES.get(arch) or MODEL_TYPES.get(str(config.get("model_type", "")).lower())
    return (key, RECIPES[key]) if key else None


def parse_hf_config(config: dict[str, Any], name: str, where: str = "config.json") -> ModelSpec:
    """Build a `ModelSpec` from a Hugging Face config dict.

    Args:
        config: The parsed `config.json`.
        name: Model name for reports (repo id or folder name).
        where: Where the config came from, for error messages.

    Returns:
        The normalised spec; `warnings` lists every assumption made.

    Raises:
        SpecError: A required field is missing or nonsensical, or an unknown family cannot be read safely.
    """
    if isinstance(config, dict):
        _plausible.check_fields(config, where)
    try:
        spec = _parse(config, name, where)
    except SpecError:
        raise
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = str(err["msg"]).removeprefix("Value error, ")
        field = ".".join(str(part) for part in err["loc"])
        if field:  # one field of the spec out of range: name it and its value, not the head counts
            raise SpecError(f"inconsistent model config: the planner's `{field}`: {msg}", where=where,
                            value=short(err.get("input")), has_value=True,
                            hint="check the config fields behind it against the model card") from None
        raise SpecError(f"inconsistent model config: {msg}", where=where,
                        hint="check num_attention_heads / num_key_value_heads / expert counts") from None
    except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError, OverflowError) as exc:
        # A field of an unexpected type or shape deep in a family adapter: still bad input, named as such.
        detail = " ".join(str(exc).split())[:120]
        raise SpecError(f"cannot read the model config: a field has an unexpected type or value ({detail})",
                        where=where, hint="check the config against the model card (types, lists, nesting)") from None
    _plausible.check_spec(spec, where)
    return spec


def _text_part(config: dict[str, Any]) -> dict[str, Any]:
    """The text model of a wrapper (`text_config`, `llm_config`) with the wrapper's dtype, tying and quantization."""
    inner = config.get("text_config") or config.get("llm_config")
    if not isinstance(inner, dict):
        return config
    text = {**inner}
    top = str(config.get("model_type", "")).lower()
    text.setdefault("model_type", f"{top}_text" if top in ("gemma3", "gemma3n", "gemma4", "llama4") else top)
    for key in ("torch_dtype", "dtype", "quantization_config", "tie_word_embeddings"):
        if key in config and key not in text:
            text[key] = config[key]
    if not text.get("architectures"):
        text.pop("architectures", None)
    return text


def _parse(config: dict[str, Any], name: str, where: str) -> ModelSpec:
    if not isinstance(config, dict):
        raise SpecError("a model config must be a JSON object", where=where, value=type(config).__name__,
                        hint="is this a Hugging Face config.json? it holds one {...} object")
    for part, prefix in ((config, ""), (config.get("text_config"), "text_config."), (config.get("vision_config"),
                                                                                     "vision_config.")):
        kind = part.get("model_type") if isinstance(part, dict) else None
        if kind is not None and not isinstance(kind, str):  # 5 or 1.5 was read as the family "5"
            raise SpecError(f"`{prefix}model_type` must be a string", where=where, value=short(kind),
                            hint="is this a Hugging Face config.json? it names its model_type, e.g. \"llama\"")
    text = _text_part(config)
    model_type = str(text.get("model_type") or config.get("model_type") or "").lower()
    if not model_type:
        raise SpecError("config has no `model_type`", where=where,
                        hint="is this a Hugging Face config.json? it should name its model_type")
    found = recipe_for(text) if text is not config else None
    found = found or recipe_for(config)
    if found is None:
        draft = _unknown(text, model_type, where)
    else:
        key, recipe = found
        _refuse_foreign_layout(text, key, where)
        draft = build(recipe, text, model_type, where)
    spec = draft.spec
    dtype_name = text.get("torch_dtype") or text.get("dtype") or config.get("torch_dtype") or "bfloat16"
    dtype = dtype_of(dtype_name)
    if dtype is None:
        draft.warnings.append(f"torch_dtype {str(dtype_name)!r} not recognised; assuming bf16")
        dtype = "bf16"
    try:
        vision = _vision(config, text, spec["hidden_size"], model_type, draft)
    except SpecError as exc:
        if exc.where is not None:
            raise
        raise SpecError(exc.message, where=where, value=exc.value, hint=exc.hint, has_value=exc.has_value) from None
    archs = config.get("architectures") or []
    spec.update(
        name=name, dtype=dtype, layers=tuple(LayerSpec(**layer) for layer in draft.layers),
        quantization=quant_config(text, where), vision=vision, warnings=tuple(draft.warnings),
        architecture=str(archs[0]) if isinstance(archs, list) and archs else "",
        type_vocab_size=draft.f.int("type_vocab_size", 0, minimum=0) if spec["encoder_only"] else 0,
        embedding_norm=spec["encoder_only"], pooler=spec["encoder_only"],
    )
    return ModelSpec(**spec)


_TOP_LEVEL_TEXT = ("qwen2_vl", "qwen2_5_vl")
"""Multimodal configs whose text model's fields sit at the top level, next to `vision_config` (older transformers)."""


def _vision(config: dict[str, Any], text: dict[str, Any], hidden: int, model_type: str,
            draft: Draft) -> VisionSpec | None:
    if str(config.get("model_type")) == "phi4mm":
        return _phi4mm_towers(config, draft)
    vision_cfg = _object(config, "vision_config")
    top_level_text = str(config.get("model_type")) in _TOP_LEVEL_TEXT  # text fields beside vision_config
    if not isinstance(vision_cfg, dict) or (text is config and not top_level_text):
        if str(config.get("model_type")) == "phi3_v" and isinstance(config.get("img_processor"), dict):
            vision_cfg = {"model_type": "clip_vision_model"}  # CLIP ViT-L/14-336 of Phi-3-vision
        else:
            return None
    params, kind, exact = vision_params(vision_cfg, hidden, str(config.get("model_type", "")))
    if not exact:
        draft.warnings.append(f"vision tower {kind!r} counted as a plain ViT from its depth and widths "
                              f"({params / 1e9:.2f}B parameters, an estimate)")
    audio_cfg = config.get("audio_config")
    if str(config.get("model_type")) == "gemma3n" and isinstance(audio_cfg, dict):
        params += gemma3n_audio(audio_cfg, hidden)  # the checkpoint ships its audio encoder too
        kind += "+gemma3n_audio"
    return VisionSpec(params=params, kind=kind)


def _object(parent: dict[str, Any], key: str, prefix: str = "") -> dict[str, Any] | None:
    """A tower block of the config (`vision_config`, Phi-4-multimodal's `embd_layer`), None when absent; any other
    value is an error naming it (a string or number there dropped the tower from the count)."""
    value = parent.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise SpecError(f"`{prefix}{key}` must be an object", value=short(value),
                    hint="check the config against the published one; remove the field for a text-only model")


def _phi4mm_towers(config: dict[str, Any], draft: Draft) -> VisionSpec:
    """Phi-4-multimodal's image and audio encoders with their projections, and its vision and speech LoRA adapters
    on the decoder linears: the checkpoint ships them all (the adapters are not merged into the base weights)."""
    hidden, attn = draft.spec["hidden_size"], draft.spec["attention"]
    q, kv = attn.num_heads * attn.head_dim, attn.num_kv_heads * attn.head_dim
    inter = draft.spec["intermediate_size"]
    shapes = dict(zip(PHI4MM_LORA_MODULES, ((hidden, q + 2 * kv), (q, hidden), (hidden, 2 * inter), (inter, hidden))))
    embd = _object(config, "embd_layer") or {}
    params, kinds = 0, []
    image = _object(embd, "image_embd_layer", "embd_layer.")
    audio_embd = _object(embd, "audio_embd_layer", "embd_layer.")
    if image is not None:
        params += phi4mm_image(image, hidden)
        kinds.append("siglip")
    audio = _object(_object(config, "audio_processor") or {}, "config", "audio_processor.")
    if audio is not None:
        params += phi4mm_audio(audio, audio_embd or {}, hidden)
        kinds.append("phi4mm_conformer")
    for key in ("vision_lora", "speech_lora"):
        lora = _object(config, key)
        if lora is None:
            continue
        try:
            params += lora_params(lora, shapes, draft.num_layers)
        except re.error as exc:
            raise SpecError(f"`{key}.layer` is not a valid regular expression ({exc})", where=draft.f.where,
                            value=str(lora.get("layer"))[:80],
                            hint="it names the decoder linears the adapter targets, e.g. layers.*self_attn.qkv_proj") from None
        kinds.append(key)
    return VisionSpec(params=params, kind="+".join(kinds) or "none")


def _unknown(text: dict[str, Any], model_type: str, where: str) -> Draft:
    """An unknown family: read as Llama when nothing in it says otherwise, naming every assumption."""
    missing = [k for k in _LLAMA_FIELDS if k not in text and not (k == "intermediate_size" and "n_inner" in text)]
    odd = [k for k in UNMODELLED_KEYS if text.get(k) is not None]
    if odd or missing:
        what = (f"fields the planner does not model ({', '.join(odd)})" if odd
                else f"none of {', '.join(missing)}")
        raise SpecError(f"unknown model_type {model_type!r}: its config has {what}, so its shape cannot be "
                        "read safely", where=where,
                        hint="describe it in model.yaml as `config:` with `model_type` of the closest supported "
                             "family (llama, qwen3_moe, deepseek_v3, nemotron_h, ...) and that family's fields; "
                             "`planner memory` then shows what was counted")
    draft = build(Recipe("other"), text, model_type, where)
    f = draft.f
    assumed = ["gated SwiGLU MLP (gate, up, down; no biases)", "no attention biases" if not f.get("attention_bias")
               else "attention biases on q/k/v/o", "two RMSNorms per layer and a final norm",
               "tied embeddings" if draft.spec["tie_word_embeddings"] else "an untied lm_head",
               f"head_dim {draft.spec['attention'].head_dim}" + ("" if f.get("head_dim") else " (hidden / heads)"),
               f"{draft.spec['attention'].num_kv_heads} KV heads", "full attention in every layer"
               if not any(x["kind"] == "sliding" for x in draft.layers) else "a sliding window in every layer"]
    if not f.get("max_position_embeddings"):
        assumed.append("a 2,048-token context")
    draft.warnings.append(f"unknown model_type {model_type!r}: parsed as Llama, assuming " + ", ".join(assumed)
                          + "; check the parameter count against the model card")
    return draft


def with_checkpoint_quant(spec: ModelSpec, quant: QuantConfig | None) -> ModelSpec:
    """`spec` with the checkpoint's `hf_quant_config.json` declaration (it wins over config.json's)."""
    if quant is None:
        return spec
    return spec.model_copy(update={"quantization": quant})
