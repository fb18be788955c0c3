"""Parsing Hugging Face configs: families, quantization, defaults, and errors that name the field."""

from __future__ import annotations

import pytest

from planner.core.arch import count_params, kv_bytes_per_token, kv_read_groups, state_bytes_per_seq
from planner.errors import SpecError
from planner.io.hf import parse_hf_config

pytestmark = pytest.mark.unit


def test_unknown_model_type_parses_with_warning(tiny_config):
    """An unknown model_type with standard fields works and says it guessed."""
    spec = parse_hf_config({**tiny_config, "model_type": "my_new_arch"}, "x")
    assert spec.family == "other"
    assert any("unknown model_type 'my_new_arch'" in w for w in spec.warnings)


@pytest.mark.parametrize("field", ["hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size",
                                   "intermediate_size"])
def test_missing_required_field_is_named(tiny_config, field):
    """A missing required field is a SpecError naming that field."""
    del tiny_config[field]
    with pytest.raises(SpecError, match=f"missing the required field `{field}`"):
        parse_hf_config(tiny_config, "x", where="cfg.json")


@pytest.mark.parametrize("value", [0, -4, "32", 2.5])
def test_nonsensical_field_rejected(tiny_config, value):
    """Zero, negative, string or fractional layer counts are rejected with the value."""
    tiny_config["num_hidden_layers"] = value
    with pytest.raises(SpecError, match="num_hidden_layers` must be an integer"):
        parse_hf_config(tiny_config, "x")


def test_heads_not_multiple_of_kv_heads(tiny_config):
    """Query heads must be a multiple of KV heads."""
    tiny_config["num_key_value_heads"] = 3
    with pytest.raises(SpecError, match="multiple of num_key_value_heads"):
        parse_hf_config(tiny_config, "x")


def test_not_an_object():
    """A JSON list is not a config."""
    with pytest.raises(SpecError, match="must be a JSON object"):
        parse_hf_config([1, 2], "x")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("qc", "fmt", "group"),
    [
        ({"quant_method": "awq", "bits": 4, "group_size": 128}, "int4-awq", 128),
        ({"quant_method": "gptq", "bits": 4, "group_size": 32}, "int4-gptq", 32),
        ({"quant_method": "gptq", "bits": 8}, "int8", None),
        ({"quant_method": "fp8", "weight_block_size": [128, 128]}, "fp8", None),
        ({"quant_method": "mxfp4", "modules_to_not_convert": ["model.layers.*.self_attn"]}, "mxfp4", 32),
        ({"quant_method": "compressed-tensors", "config_groups": {"group_0": {
            "weights": {"num_bits": 8, "type": "float"}}}}, "fp8", None),
        ({"quant_method": "compressed-tensors", "config_groups": {"group_0": {
            "weights": {"num_bits": 4, "type": "int", "group_size": 128}}}}, "int4-gptq", 128),
        ({"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized"}, "nvfp4", 16),
        ({"quant_method": "modelopt", "quant_algo": "FP8"}, "fp8", None),
        # AMD Quark exports (amd/Llama-3.1-8B-Instruct-FP8-KV, amd/DeepSeek-R1-MXFP4-Preview, an int4 AWQ export)
        ({"quant_method": "quark", "global_quant_config": {"weight": {"dtype": "fp8_e4m3", "qscheme": "per_tensor"}},
          "exclude": ["lm_head"]}, "fp8", None),
        ({"quant_method": "quark", "global_quant_config": {"weight": {
            "dtype": "fp4", "qscheme": "per_group", "group_size": 32, "scale_format": "e8m0"}}}, "mxfp4", 32),
        ({"quant_method": "quark", "global_quant_config": {"weight": {
            "dtype": "uint4", "qscheme": "per_group", "group_size": 128}}}, "int4-awq", 128),
    ],
)
def test_quantization_config(tiny_config, qc, fmt, group):
    """quantization_config maps to the served weight format and its group size."""
    spec = parse_hf_config({**tiny_config, "quantization_config": qc}, "x")
    assert spec.quantization is not None
    assert spec.quantization.format == fmt
    assert spec.quantization.group_size == group


def test_quark_fp8_kv_cache_and_excluded_modules(tiny_config):
    """A Quark export with `kv_cache_group` and fp8 output tensors on k/v_proj serves an FP8 KV cache; `exclude`
    lists the modules kept in 16 bits (it was read as plain FP8 weights, whatever the dtype, and no KV format)."""
    qc = {"quant_method": "quark", "exclude": ["lm_head"], "kv_cache_group": ["*k_proj", "*v_proj"],
          "global_quant_config": {"weight": {"dtype": "fp8_e4m3"}, "input_tensors": {"dtype": "fp8_e4m3"}},
          "layer_quant_config": {"*k_proj": {"output_tensors": {"dtype": "fp8_e4m3"}},
                                 "*v_proj": {"output_tensors": {"dtype": "fp8_e4m3"}}}}
    q = parse_hf_config({**tiny_config, "quantization_config": qc}, "x").quantization
    assert q is not None and q.format == "fp8" and q.kv_cache_dtype == "fp8" and q.unquantized_modules == ["lm_head"]
    mx = parse_hf_config({**tiny_config, "quantization_config": {
        "quant_method": "quark", "global_quant_config": {"weight": {"dtype": "fp4", "group_size": 32}}}}, "x")
    assert mx.quantization is not None and mx.quantization.kv_cache_dtype is None


def test_quark_without_weight_scheme_is_refused(tiny_config):
    """A Quark config without `global_quant_config.weight` is one clear error, not a guess."""
    with pytest.raises(SpecError, match="global_quant_config.weight"):
        parse_hf_config({**tiny_config, "quantization_config": {"quant_method": "quark"}}, "x")


def test_unsupported_quantization(tiny_config):
    """A quantization method the planner cannot model is a clear error."""
    with pytest.raises(SpecError, match="unsupported quantization_config"):
        parse_hf_config({**tiny_config, "quantization_config": {"quant_method": "exl2", "bits": 3}}, "x")


def test_real_quantized_checkpoints(model):
    """Shipped quantized checkpoints default to their own formats."""
    assert model("deepseek-v3").quantization.format == "fp8"
    assert model("gpt-oss-20b").quantization.format == "mxfp4"
    assert model("qwen2.5-72b-awq").quantization.format == "int4-awq"


def test_qwen2_sliding_window_off_by_default(model):
    """Qwen2.5 sets sliding_window but use_sliding_window false: all layers are full attention."""
    assert all(layer.window_tokens is None for layer in model("qwen2.5-7b").layers)


def test_mistral_v01_window(model):
    """Mistral-7B-v0.1 attends over a 4,096-token window in every layer."""
    assert {layer.window_tokens for layer in model("mistral-7b-v0.1").layers} == {4096}


def test_bert_is_encoder_only(model):
    """BERT parses as an encoder with learned positions and no lm_head."""
    spec = model("bert-base-uncased")
    assert spec.encoder_only and spec.learned_positions == 512 and spec.type_vocab_size == 2


# Adapters of families without a shipped config: the architecture fields of each published config.json,
# checked against the published parameter count (and, where transformers builds the model, against its
# meta-device parameter count, equal to these within 0.01%).
# 2024-2026 families with their own adapters: the architecture fields of each published config.json.
GLM4_9B_0414 = {  # THUDM/GLM-4-9B-0414; the same text shape as GLM-4.1V's text_config below
    "architectures": ["Glm4ForCausalLM"], "model_type": "glm4", "hidden_size": 4096, "intermediate_size": 13696,
    "num_hidden_layers": 40, "num_attention_heads": 32, "num_key_value_heads": 2, "head_dim": 128, "vocab_size": 151552,
    "max_position_embeddings": 32768, "partial_rotary_factor": 0.5, "attention_bias": True, "tie_word_embeddings": False}
OLMOE_1B_7B = {  # allenai/OLMoE-1B-7B-0924 (as a Swift test fixture and an OLMoE adapter's test copy it)
    "architectures": ["OlmoeForCausalLM"], "model_type": "olmoe", "vocab_size": 50304, "hidden_size": 2048,
    "intermediate_size": 1024, "num_hidden_layers": 16, "num_attention_heads": 16, "num_key_value_heads": 16,
    "max_position_embeddings": 4096, "tie_word_embeddings": False, "num_experts": 64, "num_experts_per_tok": 8}
ERNIE45_0P3B = {  # baidu/ERNIE-4.5-0.3B-Base-PT (remote-code name Ernie4_5_ForCausalLM)
    "architectures": ["Ernie4_5_ForCausalLM"], "model_type": "ernie4_5", "hidden_size": 1024, "intermediate_size": 3072,
    "max_position_embeddings": 131072, "num_attention_heads": 16, "num_key_value_heads": 2, "head_dim": 128,
    "num_hidden_layers": 18, "vocab_size": 103424, "use_bias": False, "tie_word_embeddings": True}
INTERNLM25_7B = {  # internlm/internlm2_5-7b-chat
    "architectures": ["InternLM2ForCausalLM"], "model_type": "internlm2", "hidden_size": 4096, "num_hidden_layers": 32,
    "intermediate_size": 14336, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 92544,
    "bias": False, "max_position_embeddings": 32768, "tie_word_embeddings": False}
INTERNLM3_8B = {  # internlm/internlm3-8b-instruct (verbatim in a Swift port's realConfigJSON)
    "architectures": ["InternLM3ForCausalLM"], "model_type": "internlm3", "bias": False, "head_dim": 128,
    "hidden_size": 4096, "intermediate_size": 10240, "max_position_embeddings": 32768, "num_attention_heads": 32,
    "num_hidden_layers": 48, "num_key_value_heads": 2, "qkv_bias": False, "tie_word_embeddings": False,
    "vocab_size": 128512}
MINICPM3_4B = {  # openbmb/MiniCPM3-4B (no v_head_dim, no tie_word_embeddings: its config class ties)
    "architectures": ["MiniCPM3ForCausalLM"], "model_type": "minicpm3", "hidden_size": 2560, "num_hidden_layers": 62,
    "num_attention_heads": 40, "num_key_value_heads": 40, "intermediate_size": 6400, "vocab_size": 73448,
    "q_lora_rank": 768, "kv_lora_rank": 256, "qk_nope_head_dim": 64, "qk_rope_head_dim": 32,
    "max_position_embeddings": 32768}
HUNYUAN_7B = {  # tencent/Hunyuan-7B-Instruct
    "architectures": ["HunYuanDenseV1ForCausalLM"], "model_type": "hunyuan_v1_dense", "hidden_size": 4096,
    "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128,
    "intermediate_size": 14336, "vocab_size": 128167, "tie_word_embeddings": True, "max_position_embeddings": 32768}
DBRX_INSTRUCT = {  # databricks/dbrx-instruct (verbatim, with its nested blocks, in a Rust port's test)
    "architectures": ["DbrxForCausalLM"], "model_type": "dbrx", "d_model": 6144, "n_heads": 48, "n_layers": 40,
    "max_seq_len": 32768, "vocab_size": 100352, "tie_word_embeddings": False,
    "attn_config": {"clip_qkv": 8, "kv_n_heads": 8, "rope_theta": 500000},
    "ffn_config": {"ffn_act_fn": {"name": "silu"}, "ffn_hidden_size": 10752, "moe_num_experts": 16, "moe_top_k": 4}}
FALCON_MAMBA_7B = {  # tiiuae/falcon-mamba-7b (its `expand` 16 is not what the model uses: intermediate_size is)
    "architectures": ["FalconMambaForCausalLM"], "model_type": "falcon_mamba", "hidden_size": 4096,
    "num_hidden_layers": 64, "intermediate_size": 8192, "vocab_size": 65024, "tie_word_embeddings": False,
    "state_size": 16, "conv_kernel": 4, "time_step_rank": 256, "expand": 16, "use_bias": False, "use_conv_bias": True}
CODESTRAL_MAMBA = {  # mistralai/Mamba-Codestral-7B-v0.1
    "architectures": ["Mamba2ForCausalLM"], "model_type": "mamba2", "hidden_size": 4096, "num_hidden_layers": 64,
    "num_heads": 128, "head_dim": 64, "state_size": 128, "n_groups": 8, "expand": 2, "conv_kernel": 4,
    "vocab_size": 32768, "use_bias": False, "use_conv_bias": True, "tie_word_embeddings": False, "rms_norm": True}
LING_MINI_2 = {  # inclusionAI/Ling-mini-2.0: the BailingMoeV2 shape a Ming-Image port carries as its llm_config defaults
    "architectures": ["BailingMoeV2ForCausalLM"], "model_type": "bailing_moe_v2", "vocab_size": 157184,
    "hidden_size": 2048, "intermediate_size": 5120, "moe_intermediate_size": 512, "num_hidden_layers": 20,
    "num_attention_heads": 16, "num_key_value_heads": 4, "head_dim": 128, "partial_rotary_factor": 0.5,
    "num_experts": 256, "num_experts_per_tok": 8, "num_shared_experts": 1, "n_group": 8, "topk_group": 4,
    "routed_scaling_factor": 2.5, "first_k_dense_replace": 1, "use_qkv_bias": False, "use_bias": False,
    "use_qk_norm": True, "num_nextn_predict_layers": 1, "max_position_embeddings": 32768, "tie_word_embeddings": False}

CLASSIC = [
    # (config fields, published total, tolerance, source)
    ({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "n_embd": 768, "n_head": 12, "n_layer": 12,
      "n_positions": 1024, "vocab_size": 50257}, 124_439_808, 0, "openai-community/gpt2: 124,439,808"),
    ({"architectures": ["GPTNeoXForCausalLM"], "model_type": "gpt_neox", "hidden_size": 512,
      "intermediate_size": 2048, "num_attention_heads": 8, "num_hidden_layers": 6, "max_position_embeddings": 2048,
      "vocab_size": 50304, "tie_word_embeddings": False}, 70_426_624, 0, "EleutherAI Pythia-70m: 70,426,624"),
    ({"architectures": ["GPTBigCodeForCausalLM"], "model_type": "gpt_bigcode", "n_embd": 2048, "n_head": 16,
      "n_layer": 24, "n_positions": 2048, "vocab_size": 49280, "multi_query": True, "n_inner": 8192},
     1.1e9, 0.03, "bigcode/santacoder: 1.1B"),
    ({"architectures": ["Starcoder2ForCausalLM"], "model_type": "starcoder2", "hidden_size": 3072,
      "intermediate_size": 12288, "num_attention_heads": 24, "num_key_value_heads": 2, "num_hidden_layers": 30,
      "max_position_embeddings": 16384, "vocab_size": 49152, "use_bias": True}, 3.03e9, 0.01,
     "bigcode/starcoder2-3b: 3.03B"),
    ({"architectures": ["GemmaForCausalLM"], "model_type": "gemma", "hidden_size": 3072, "intermediate_size": 24576,
      "num_attention_heads": 16, "num_key_value_heads": 16, "head_dim": 256, "num_hidden_layers": 28,
      "max_position_embeddings": 8192, "vocab_size": 256000}, 8.54e9, 0.01, "Gemma report: gemma-7b 8.54B (tied)"),
    ({"architectures": ["CohereForCausalLM"], "model_type": "cohere", "hidden_size": 8192,
      "intermediate_size": 22528, "num_attention_heads": 64, "num_hidden_layers": 40,
      "max_position_embeddings": 8192, "vocab_size": 256000}, 35e9, 0.01, "Cohere c4ai-command-r-v01: 35B (tied)"),
    ({"architectures": ["QWenLMHeadModel"], "model_type": "qwen", "hidden_size": 4096, "intermediate_size": 22016,
      "num_attention_heads": 32, "num_hidden_layers": 32, "kv_channels": 128, "seq_length": 8192,
      "vocab_size": 151936, "no_bias": True}, 7.72e9, 0.01, "Qwen-7B: 7.7B (w1/w2 of 11,008 each)"),
    ({"architectures": ["ChatGLMModel"], "model_type": "chatglm", "hidden_size": 4096, "num_layers": 28,
      "num_attention_heads": 32, "kv_channels": 128, "multi_query_attention": True, "multi_query_group_num": 2,
      "ffn_hidden_size": 13696, "padded_vocab_size": 65024, "add_qkv_bias": True, "add_bias_linear": False,
      "seq_length": 8192}, 6.24e9, 0.01, "THUDM/chatglm3-6b: 6.24B"),
    ({"architectures": ["Olmo2ForCausalLM"], "model_type": "olmo2", "hidden_size": 4096, "intermediate_size": 11008,
      "num_attention_heads": 32, "num_key_value_heads": 32, "num_hidden_layers": 32, "max_position_embeddings": 4096,
      "vocab_size": 100352, "tie_word_embeddings": False}, 7.30e9, 0.01, "allenai/OLMo-2-1124-7B: 7.30B"),
    ({"architectures": ["JambaForCausalLM"], "model_type": "jamba", "hidden_size": 4096, "intermediate_size": 14336,
      "num_attention_heads": 32, "num_key_value_heads": 8, "num_hidden_layers": 32, "max_position_embeddings": 262144,
      "vocab_size": 65536, "num_experts": 16, "num_experts_per_tok": 2, "mamba_dt_rank": 256,
      "tie_word_embeddings": False}, 51.6e9, 0.01, "ai21labs Jamba-v0.1: 52B total (51.6B), 12B active"),
    ({"architectures": ["GraniteMoeForCausalLM"], "model_type": "granitemoe", "hidden_size": 1024,
      "intermediate_size": 512, "num_attention_heads": 16, "num_key_value_heads": 8, "num_hidden_layers": 24,
      "max_position_embeddings": 4096, "vocab_size": 49155, "num_local_experts": 32, "num_experts_per_tok": 8,
      "tie_word_embeddings": True}, 1.33e9, 0.01, "ibm-granite granite-3.0-1b-a400m: 1.3B total, 400M active"),
    ({"architectures": ["MiniMaxText01ForCausalLM"], "model_type": "minimax", "hidden_size": 6144,
      "intermediate_size": 9216, "num_attention_heads": 64, "num_key_value_heads": 8, "head_dim": 128,
      "num_hidden_layers": 80, "max_position_embeddings": 10240000, "vocab_size": 200064, "num_local_experts": 32,
      "num_experts_per_tok": 2, "attn_type_list": [0, 0, 0, 0, 0, 0, 0, 1] * 10}, 456e9, 0.01,
     "MiniMax-01 report: 456B total, 45.9B activated"),
    ({"architectures": ["LlavaForConditionalGeneration"], "model_type": "llava",
      "text_config": {"model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008, "num_attention_heads": 32,
                      "num_hidden_layers": 32, "max_position_embeddings": 4096, "vocab_size": 32064},
      "vision_config": {"model_type": "clip_vision_model", "hidden_size": 1024, "intermediate_size": 4096,
                        "num_hidden_layers": 24, "image_size": 336, "patch_size": 14}}, 7.06e9, 0.01,
     "llava-hf/llava-1.5-7b-hf: 7.06B (CLIP ViT-L/14-336 and projector included)"),
    ({"architectures": ["Mistral3ForConditionalGeneration"], "model_type": "mistral3",
      "text_config": {"model_type": "mistral", "hidden_size": 5120, "intermediate_size": 32768,
                      "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128, "num_hidden_layers": 40,
                      "max_position_embeddings": 131072, "vocab_size": 131072},
      "vision_config": {"model_type": "pixtral", "hidden_size": 1024, "intermediate_size": 4096,
                        "num_hidden_layers": 24, "patch_size": 14}}, 24.0e9, 0.01,
     "Mistral-Small-3.1-24B: 24B (Pixtral tower included)"),
    ({"architectures": ["FalconH1ForCausalLM"], "model_type": "falcon_h1", "hidden_size": 1024,
      "intermediate_size": 2048, "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 64,
      "num_hidden_layers": 36, "max_position_embeddings": 16384, "vocab_size": 32784, "mamba_d_conv": 4,
      "mamba_d_head": 64, "mamba_d_state": 128, "mamba_n_groups": 1, "mamba_n_heads": 24, "mamba_rms_norm": False,
      "tie_word_embeddings": False}, 0.52e9, 0.01, "tiiuae Falcon-H1-0.5B: 0.52B"),
    (GLM4_9B_0414, 9.4e9, 0.01, "THUDM/GLM-4-9B-0414: 9.4B (Hugging Face page)"),
    (OLMOE_1B_7B, 6.9e9, 0.01, "OLMoE-1B-7B: OLMoE paper (arXiv 2409.02060) 6.9B total, 1.3B active"),
    (ERNIE45_0P3B, 0.36e9, 0.01, "ERNIE-4.5-0.3B: card 'Params 0.36B'"),
    (INTERNLM25_7B, 7.74e9, 0.01, "internlm2_5-7b: 7.74B (Hugging Face page)"),
    (INTERNLM3_8B, 8.8e9, 0.01, "internlm3-8b: 8.8B (Hugging Face page)"),
    (MINICPM3_4B, 4.07e9, 0.01, "MiniCPM3-4B: 4.07B (Hugging Face page; the card's 4B)"),
    (HUNYUAN_7B, 7.5e9, 0.01, "Hunyuan-7B: 7.5B (Hugging Face page; the card's 7B)"),
    (DBRX_INSTRUCT, 132e9, 0.01, "DBRX: card '132B total parameters of which 36B parameters are active'"),
    (FALCON_MAMBA_7B, 7.27e9, 0.01, "falcon-mamba-7b: 7.27B (Hugging Face page)"),
    (CODESTRAL_MAMBA, 7_285_403_648, 0, "Mamba-Codestral-7B: card '7,285,403,648 parameters'"),
    (LING_MINI_2, 16.26e9, 0.001, "Ling-mini-2.0: README '16.26B total, 1.43B activated (non-embedding 789M)'"),
]


@pytest.mark.parametrize(("config", "published", "tol", "source"), CLASSIC, ids=[c[3].split(":")[0] for c in CLASSIC])
def test_classic_and_hybrid_families_counted(config, published, tol, source):
    """Each family's adapter counts its published checkpoint (exactly where the count is exact, else within 1-3%)."""
    total = count_params(parse_hf_config(config, "x")).total
    if tol == 0:
        assert total == published
    else:
        assert total == pytest.approx(published, rel=tol)


def test_minimax01_lightning_layers_and_state():
    """MiniMax-01: attn_type_list 0 = lightning (linear, fp32 state of heads x d x d), 1 = softmax attention."""
    spec = parse_hf_config(CLASSIC[11][0], "x")
    assert [layer.kind for layer in spec.layers[:8]] == ["linear"] * 7 + ["full"]
    assert state_bytes_per_seq(spec) == 70 * 64 * 128 * 128 * 4
    assert count_params(spec).active == pytest.approx(45.9e9 + count_params(spec).embedding, rel=0.03)


def test_jamba_layout():
    """Jamba: attention every 8th layer (offset 4), Mamba1 elsewhere, MoE on odd layers; 12B active."""
    spec = parse_hf_config(CLASSIC[9][0], "x")
    assert [layer.kind for layer in spec.layers[:8]] == ["mamba"] * 4 + ["full"] + ["mamba"] * 3
    assert [layer.mlp for layer in spec.layers[:2]] == ["dense", "moe"]
    assert count_params(spec).active == pytest.approx(12.0e9, rel=0.03)
    # Mamba1 state: conv (4-1) x 8192 + SSM 8192 x 16, both in the model dtype (no mamba_ssm_cache_dtype set),
    # per Mamba layer (28 of 32)
    assert state_bytes_per_seq(spec) == 28 * (3 * 8192 * 2 + 8192 * 16 * 2)


GRANITE_4_H_SMALL = {
    "architectures": ["GraniteMoeHybridForCausalLM"], "model_type": "granitemoehybrid", "hidden_size": 4096,
    "intermediate_size": 768, "num_hidden_layers": 40, "num_attention_heads": 32, "num_key_value_heads": 8,
    "num_local_experts": 72, "num_experts_per_tok": 10, "shared_intermediate_size": 1536, "mamba_n_heads": 128,
    "mamba_d_head": 64, "mamba_d_state": 128, "mamba_n_groups": 1, "mamba_d_conv": 4, "mamba_expand": 2,
    "layer_types": ["attention" if i in (5, 15, 25, 35) else "mamba" for i in range(40)], "vocab_size": 100352,
    "max_position_embeddings": 131072, "position_embedding_type": "nope", "tie_word_embeddings": True}
"""ibm-granite/granite-4.0-h-small config.json fields (36 Mamba2 + 4 attention layers, 72 experts top-10 plus a shared
MLP); the model card: 32B total, 9B active."""


def test_granite_4_h_counted_and_laid_out():
    """Granite 4.0-H-Small: 32B total / 9B active, KV only in its 4 attention layers."""
    spec = parse_hf_config(GRANITE_4_H_SMALL, "x")
    counts = count_params(spec)
    assert counts.total == pytest.approx(32e9, rel=0.02) and counts.active == pytest.approx(9e9, rel=0.03)
    assert sum(layer.kind == "full" for layer in spec.layers) == 4
    assert kv_bytes_per_token(spec, 2.0) == 4 * 8 * (128 + 128) * 2  # 4 layers x 8 KV heads x (K + V) x bf16


def test_granite_4_h_without_layer_types_is_all_mamba():
    """A config without `layer_types` (or with `mamba_d_head` "auto") is read as transformers reads it: every layer
    Mamba2, d_inner = mamba_expand x hidden; it was read as 40 attention layers, 80 KiB of KV per token."""
    cfg = {k: v for k, v in GRANITE_4_H_SMALL.items() if k not in ("layer_types", "mamba_d_head")}
    spec = parse_hf_config(cfg, "x")
    assert all(layer.kind == "mamba" for layer in spec.layers) and kv_bytes_per_token(spec, 2.0) == 0
    assert spec.mamba is not None and spec.mamba.d_inner == 2 * 4096
    assert any("layer_types" in w for w in spec.warnings)


def test_falcon_h1_parallel_mamba():
    """Falcon-H1: every layer has attention KV and a parallel Mamba2 state."""
    spec = parse_hf_config(CLASSIC[14][0], "x")
    assert all(layer.kind == "full" and layer.parallel_ssm for layer in spec.layers)
    per_layer = 3 * (24 * 64 + 2 * 128) * 2 + 24 * 64 * 128 * 2  # conv (x, B, C) + SSM state, bf16
    assert state_bytes_per_seq(spec) == 36 * per_layer
    assert kv_bytes_per_token(spec, 2) == 36 * 2 * 2 * 64 * 2


def test_kimi_dispatches_on_architectures(model):
    """Kimi-K2's model_type kimi_k2 is served as DeepseekV3ForCausalLM: MLA, 1 dense + 60 MoE layers, 1 shared."""
    spec = model("kimi-k2")
    assert (spec.model_type, spec.family, spec.attention.kind) == ("kimi_k2", "deepseek", "mla")
    assert [layer.mlp for layer in spec.layers[:2]] == ["dense", "moe"]
    assert spec.moe.shared_intermediate_size == 2048 and spec.moe.num_experts == 384


def test_glm45_shared_expert_and_dense_lead(model):
    """GLM-4.5-Air keeps its shared expert and its leading dense layer, and Q/K/V biases."""
    spec = model("glm-4.5-air")
    assert spec.layers[0].mlp == "dense" and spec.layers[1].mlp == "moe"
    assert spec.moe.shared_intermediate_size == 1408 and spec.attention.qkv_bias and not spec.attention.o_bias


def test_wrapper_vision_tower_counted(model):
    """Multimodal wrappers are read through text_config and their tower is counted, not dropped."""
    assert model("qwen3.5-27b").vision.kind == "qwen3_5" and model("qwen3.5-27b").vision.params > 4e8
    assert model("kimi-k2.5").vision.kind == "moonvit"
    assert model("llama-4-scout").vision.params == count_params(model("llama-4-scout")).vision


def test_unknown_family_names_every_assumption(tiny_config):
    """A safely readable unknown family parses as Llama with a warning naming each assumption."""
    spec = parse_hf_config({**tiny_config, "model_type": "my_new_arch", "architectures": ["MyNewForCausalLM"]}, "x")
    warning = next(w for w in spec.warnings if "my_new_arch" in w)
    for assumption in ("gated SwiGLU MLP", "no attention biases", "two RMSNorms per layer", "an untied lm_head",
                       "head_dim 32 (hidden / heads)", "2 KV heads", "full attention in every layer"):
        assert assumption in warning


@pytest.mark.parametrize("extra", [{"hybrid_override_pattern": "M*M*"}, {"num_local_experts": 8},
                                   {"kv_lora_rank": 512}, {"layer_types": ["mamba"] * 4}])
def test_unknown_family_with_unmodelled_fields_is_refused(tiny_config, extra):
    """An unknown family whose config has a layout the Llama reading would get wrong is an error naming it."""
    with pytest.raises(SpecError, match=f"fields the planner does not model \\({next(iter(extra))}") as err:
        parse_hf_config({**tiny_config, "model_type": "my_new_arch", **extra}, "x")
    assert "model.yaml" in err.value.hint


def test_unknown_family_without_standard_fields_is_refused(tiny_config):
    """An unknown family without the standard shape fields is an error naming the missing ones."""
    del tiny_config["intermediate_size"]
    with pytest.raises(SpecError, match="none of intermediate_size"):
        parse_hf_config({**tiny_config, "model_type": "my_new_arch"}, "x")


def _gemma3n(layers: int, width: int, shared_kv: int) -> dict:
    """A Gemma 3n config (Gemma3nForConditionalGeneration) with the published E2B / E4B text shapes; the towers'
    configs name their encoders (the vision one a timm architecture)."""
    text = {"model_type": "gemma3n_text", "hidden_size": 2048, "hidden_size_per_layer_input": 256,
            "vocab_size": 262400, "vocab_size_per_layer_input": 262144, "num_attention_heads": 8,
            "num_key_value_heads": 2, "head_dim": 256, "num_hidden_layers": layers, "intermediate_size": [width] * layers,
            "num_kv_shared_layers": shared_kv, "sliding_window": 512, "max_position_embeddings": 32768,
            "layer_types": (["sliding_attention"] * 4 + ["full_attention"]) * (layers // 5), "laurel_rank": 64,
            "altup_num_inputs": 4, "altup_active_idx": 0, "final_logit_softcapping": 30.0,
            "activation_sparsity_pattern": [0.95] * 10 + [0.0] * (layers - 10)}
    return {"architectures": ["Gemma3nForConditionalGeneration"], "model_type": "gemma3n", "text_config": text,
            "vision_config": {"model_type": "gemma3n_vision", "architecture": "mobilenetv5_300m_enc",
                              "hidden_size": 2048, "vocab_size": 128},
            "audio_config": {"model_type": "gemma3n_audio", "hidden_size": 1536, "vocab_size": 128,
                             "conf_num_hidden_layers": 12, "conf_num_attention_heads": 8, "conf_conv_kernel_size": 5,
                             "input_feat_size": 128, "sscp_conv_channel_size": [128, 32]},
            "torch_dtype": "bfloat16"}


@pytest.mark.parametrize(("layers", "width", "shared_kv", "published"), [(35, 16384, 15, 7.85e9), (30, 8192, 10, 5.44e9)],
                         ids=["E4B", "E2B"])
def test_gemma3n_counts_text_audio_and_vision(layers, width, shared_kv, published):
    """Gemma 3n: the text model exactly by hand (per-layer embeddings, LAuReL, AltUp, q/k norms), the audio conformer
    exactly by hand, and the total against the checkpoint (Hugging Face pages: E4B 7.85B, E2B 5.44B params; the
    cards' 'raw parameter count' 8B / 5B)."""
    spec = parse_hf_config(_gemma3n(layers, width, shared_kv), "gemma-3n")
    h, ple, r = 2048, 256, 64
    per_layer = (2 * h * h + 2 * h * 512                      # q, o; k, v (2 KV heads x 256)
                 + 2 * 256                                    # q_norm, k_norm (v_norm has no scale)
                 + 3 * h * width                              # gate, up, down
                 + 2 * h * ple + 2 * h * r                    # per-layer input gate / projection, LAuReL
                 + h * 4 + 4 * 16 + 4 * 4                     # AltUp router, prediction and correction coefficients
                 + 8 * h)                                     # 4 sandwich norms, LAuReL, PLE, router norm, out scale
    text = (262400 * h + 262144 * layers * ple + h * layers * ple  # embeddings, per-layer table, its projection
            + 6 * h * h + ple + h + layers * per_layer)            # AltUp (un)embed projections, two norms
    counts = count_params(spec)
    assert counts.total - counts.vision == text and counts.active == text
    a = 1536
    audio = (9 * 128 + 128 + 128 * 32 * 9 + 32 + 32 * 32 * a          # subsampling convs, norms, input projection
             + 12 * (24 * a * a + 14 * a + a // 8)                     # conformer blocks
             + 128 * a + 2 * a + a * h)                                # its embedder
    assert audio == 681_348_640 + 128 * a + 2 * a + a * h
    vision = 294_000_000 + 128 * h + 2 * h + h * h
    assert counts.vision == audio + vision and spec.vision is not None and "audio" in spec.vision.kind
    assert counts.total == pytest.approx(published, rel=0.005)
    # KV: the last `shared_kv` layers reuse earlier layers' KV; 2 KV heads x 256 x K and V x 2 bytes per own layer
    assert kv_bytes_per_token(spec, 2) == (layers - shared_kv) * 2 * 2 * 256 * 2
    assert [layer.intermediate_size or spec.intermediate_size for layer in spec.layers] == [width] * layers
    # decode attention still reads the shared KV in the sharing layers: every layer's 2,048 bytes per token
    assert sum(per_token for _, per_token in kv_read_groups(spec, 2)) == layers * 2 * 2 * 256 * 2


def test_gemma4_per_layer_embeddings():
    """A Gemma 4 E-model's per-layer embeddings add their table, the hidden-state projection and norm, and each
    layer's gate, projection and post norm to the same config without them."""
    base = {"architectures": ["Gemma4ForCausalLM"], "model_type": "gemma4_text", "hidden_size": 1536,
            "intermediate_size": 6144, "num_hidden_layers": 35, "num_attention_heads": 8, "num_key_value_heads": 1,
            "head_dim": 256, "global_head_dim": 512, "vocab_size": 262144, "max_position_embeddings": 131072,
            "sliding_window": 512, "layer_types": (["sliding_attention"] * 4 + ["full_attention"]) * 7}
    plain = count_params(parse_hf_config(base, "x")).total
    with_ple = count_params(parse_hf_config({**base, "hidden_size_per_layer_input": 256,
                                             "vocab_size_per_layer_input": 262144}, "x")).total
    h, n, p = 1536, 35, 256
    assert with_ple - plain == 262144 * n * p + h * n * p + p + n * (2 * h * p + h)


def test_gemma3n_per_layer_widths_are_checked():
    """A MatFormer width list must hold one positive integer per layer."""
    config = _gemma3n(35, 16384, 15)
    config["text_config"]["intermediate_size"] = [16384] * 34
    with pytest.raises(SpecError, match="one per layer"):
        parse_hf_config(config, "x")
    config["text_config"]["intermediate_size"] = [16384] * 34 + [0]
    with pytest.raises(SpecError, match=r"intermediate_size\[\]"):
        parse_hf_config(config, "x")


QWEN2_5_VL_7B = {  # Qwen/Qwen2.5-VL-7B-Instruct config.json (architecture fields; text fields at the top level)
    "architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl", "hidden_size": 3584,
    "intermediate_size": 18944, "num_attention_heads": 28, "num_key_value_heads": 4, "num_hidden_layers": 28,
    "max_position_embeddings": 128000, "vocab_size": 152064, "tie_word_embeddings": False, "use_sliding_window": False,
    "sliding_window": 32768, "max_window_layers": 28, "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]},
    "vision_config": {"depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420,
                      "num_heads": 16, "in_chans": 3, "out_hidden_size": 3584, "patch_size": 14,
                      "spatial_merge_size": 2, "spatial_patch_size": 14, "window_size": 112,
                      "fullatt_block_indexes": [7, 15, 23, 31], "tokens_per_second": 2, "temporal_patch_size": 2},
    "torch_dtype": "bfloat16"}


def test_qwen2_5_vl_counts_its_vision_tower():
    """Qwen2.5-VL-7B: the Qwen2-7B-class text model (q/k/v biases) plus its 0.68B window-attention ViT and merger,
    8.29B in all (Hugging Face page of Qwen/Qwen2.5-VL-7B-Instruct: 8.29B params)."""
    spec = parse_hf_config(QWEN2_5_VL_7B, "qwen2.5-vl-7b")
    counts = count_params(spec)
    assert counts.total - counts.vision == 7_615_616_512  # Qwen2.5-7B's published count
    h, inter = 1280, 3420
    block = 2 * h + 3 * h * h + 3 * h + h * h + h + 2 * (h * inter + inter) + inter * h + h
    vision = 3 * 2 * 14 * 14 * h + 32 * block + h + 5120 * 5120 + 5120 + 5120 * 3584 + 3584
    assert counts.vision == vision == 676_550_144
    assert counts.total == pytest.approx(8.29e9, rel=0.002) and spec.vision is not None


def test_qwen2_vl_vision_tower():
    """Qwen2-VL: LayerNorm blocks with a 4x GELU MLP of embed_dim; the vision config's hidden_size is the text
    width. Qwen2-VL-7B-Instruct: 8.29B params (its Hugging Face page)."""
    config = {**QWEN2_5_VL_7B, "architectures": ["Qwen2VLForConditionalGeneration"], "model_type": "qwen2_vl",
              "vision_config": {"depth": 32, "embed_dim": 1280, "mlp_ratio": 4, "num_heads": 16, "in_chans": 3,
                                "hidden_size": 3584, "patch_size": 14, "spatial_merge_size": 2,
                                "temporal_patch_size": 2}}
    counts = count_params(parse_hf_config(config, "qwen2-vl-7b"))
    h = 1280
    block = 4 * h + 3 * h * h + 3 * h + h * h + h + 2 * 4 * h * h + 4 * h + h
    assert counts.vision == 3 * 2 * 14 * 14 * h + 32 * block + 2 * h + 5120 * 5120 + 5120 + 5120 * 3584 + 3584
    assert counts.total == pytest.approx(8.29e9, rel=0.002)


def test_phi4mm_bad_lora_regex_is_a_spec_error():
    """A Phi-4-multimodal LoRA `layer` that is not a regular expression is bad input, named by its key."""
    config = {"architectures": ["Phi4MMForCausalLM"], "model_type": "phi4mm", "hidden_size": 64,
              "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128,
              "vocab_size": 100, "max_position_embeddings": 512, "speech_lora": {"r": 4, "layer": "layers.(("}}
    with pytest.raises(SpecError, match="`speech_lora.layer` is not a valid regular expression"):
        parse_hf_config(config, "tiny-phi4mm")


def test_gemma3n_vision_tower_is_recognised_by_its_wrapper():
    """The timm wrapper config of Gemma 3n's image encoder is counted as MobileNet-V5 whatever model_type it carries
    (never the plain-ViT estimate)."""
    config = _gemma3n(35, 16384, 15)
    expected = count_params(parse_hf_config(config, "x")).vision
    for kind in ("timm_wrapper", None):
        config["vision_config"] = {**config["vision_config"], "model_type": kind}
        spec = parse_hf_config(config, "x")
        assert count_params(spec).vision == expected and not spec.warnings


ERNIE45_MOE = [
    # ERNIE 4.5 MoE config.json architecture fields (baidu/ERNIE-4.5-21B-A3B-PT, baidu/ERNIE-4.5-300B-A47B-PT), with
    # the card's total / active counts
    ({"architectures": ["Ernie4_5_MoeForCausalLM"], "model_type": "ernie4_5_moe", "hidden_size": 2560,
      "intermediate_size": 12288, "max_position_embeddings": 131072, "num_attention_heads": 20,
      "num_key_value_heads": 4, "head_dim": 128, "num_hidden_layers": 28, "vocab_size": 103424,
      "tie_word_embeddings": True, "use_bias": False, "moe_num_experts": 64, "moe_num_shared_experts": 2,
      "moe_layer_start_index": 1, "moe_intermediate_size": 1536, "moe_k": 6, "moe_layer_interval": 1,
      "moe_use_aux_free": True}, 21e9, 3e9),
    ({"architectures": ["Ernie4_5_MoeForCausalLM"], "model_type": "ernie4_5_moe", "hidden_size": 8192,
      "intermediate_size": 28672, "max_position_embeddings": 131072, "num_attention_heads": 64,
      "num_key_value_heads": 8, "num_hidden_layers": 54, "vocab_size": 103424, "tie_word_embeddings": False,
      "moe_num_experts": 64, "moe_num_shared_experts": 0, "moe_layer_start_index": 3, "moe_intermediate_size": 3584,
      "moe_k": 8, "moe_layer_interval": 1, "moe_use_aux_free": True}, 300e9, 47e9),
]


@pytest.mark.parametrize(("config", "total", "active"), ERNIE45_MOE, ids=["21B-A3B", "300B-A47B"])
def test_ernie45_moe(config, total, active):
    """ERNIE 4.5 MoE: dense MLP in the first `moe_layer_start_index` layers, experts (and shared experts) after;
    counts against the cards' rounded totals (the 21B model holds 21.8B, the card rounds down)."""
    spec = parse_hf_config(config, "ernie")
    counts = count_params(spec)
    start = config["moe_layer_start_index"]
    assert [layer.mlp for layer in spec.layers[:start + 1]] == ["dense"] * start + ["moe"]
    assert counts.total == pytest.approx(total, rel=0.04) and counts.active == pytest.approx(active, rel=0.12)
    h, w, n = config["hidden_size"], config["moe_intermediate_size"], config["num_hidden_layers"] - start
    assert counts.experts == n * config["moe_num_experts"] * 3 * h * w
    assert counts.shared_experts == n * config["moe_num_shared_experts"] * 3 * h * w


def test_dots1_reads_as_deepseek_moe_with_gqa():
    """dots.llm1 (rednote-hilab): DeepSeek-V3-style MoE (128 experts top-6, 2 shared, first layer dense) on plain
    GQA attention with q/k norms; 142B total, 14B active (its card)."""
    config = {"architectures": ["Dots1ForCausalLM"], "model_type": "dots1", "hidden_size": 4096,
              "intermediate_size": 10944, "moe_intermediate_size": 1408, "n_routed_experts": 128,
              "n_shared_experts": 2, "num_experts_per_tok": 6, "first_k_dense_replace": 1, "num_hidden_layers": 62,
              "num_attention_heads": 32, "num_key_value_heads": 32, "head_dim": 128, "vocab_size": 152064,
              "max_position_embeddings": 32768, "tie_word_embeddings": False}
    spec = parse_hf_config(config, "dots1")
    counts = count_params(spec)
    assert spec.attention.kind == "gqa" and spec.attention.qk_norm
    assert counts.total == pytest.approx(142e9, rel=0.01) and counts.active == pytest.approx(14e9, rel=0.01)


SMOLLM3_3B = {
    # HuggingFaceTB/SmolLM3-3B config.json (mirrored verbatim in fetchwiki/HuggingFaceTB-SmolLM3-3B); bookkeeping
    # fields (token ids, dropout, init range) left out
    "architectures": ["SmolLM3ForCausalLM"], "model_type": "smollm3", "attention_bias": False, "hidden_act": "silu",
    "hidden_size": 2048, "intermediate_size": 11008, "layer_types": ["full_attention"] * 36,
    "max_position_embeddings": 65536, "max_window_layers": 28, "mlp_bias": False, "no_rope_layer_interval": 4,
    "no_rope_layers": [1, 1, 1, 0] * 9, "num_attention_heads": 16, "num_hidden_layers": 36, "num_key_value_heads": 4,
    "rope_scaling": None, "rope_theta": 5000000.0, "sliding_window": None, "torch_dtype": "bfloat16",
    "use_sliding_window": False, "vocab_size": 128256,
}


def test_smollm3_counts_and_nope_layers():
    """SmolLM3-3B: Llama blocks with tied embeddings and every 4th layer NoPE; 3,075,098,624 parameters, the
    checkpoint's two safetensors shards (6,150,235,008 bytes with their headers) / 2 less 37,760 header bytes."""
    spec = parse_hf_config(SMOLLM3_3B, "smollm3")
    counts = count_params(spec)
    assert spec.family == "smollm3" and spec.tie_word_embeddings and not spec.warnings
    assert counts.total == 3_075_098_624 == pytest.approx((4_966_315_264 + 1_183_919_744) / 2, rel=1e-4)
    assert [layer.rope for layer in spec.layers[:4]] == [True, True, True, False]
    assert kv_bytes_per_token(spec, 2) == 36 * 2 * 4 * 128 * 2  # 36 layers x (K, V) x 4 KV heads x 128 x bf16


def test_smollm3_sliding_window_goes_to_the_nope_layers():
    """With use_sliding_window and no layer_types, SmolLM3 slides only the NoPE layers (transformers config)."""
    config = {k: v for k, v in SMOLLM3_3B.items() if k != "layer_types"}
    spec = parse_hf_config({**config, "use_sliding_window": True, "sliding_window": 4096}, "smollm3")
    assert [layer.kind for layer in spec.layers[:4]] == ["full", "full", "full", "sliding"]


EXAONE4_1P2B = {
    # LGAI-EXAONE/EXAONE-4.0-1.2B config.json architecture fields, as mirrored in his0si/EXAONE-4.0-1.2B
    # model/config.json (its quantization_config, from a W4A16 derivative, left out)
    "architectures": ["Exaone4ForCausalLM"], "model_type": "exaone4", "dtype": "bfloat16", "head_dim": 64,
    "hidden_size": 2048, "intermediate_size": 4096, "layer_types": ["full_attention"] * 30,
    "max_position_embeddings": 65536, "num_attention_heads": 32, "num_hidden_layers": 30, "num_key_value_heads": 8,
    "rope_scaling": {"factor": 16.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                     "original_max_position_embeddings": 8192, "rope_type": "llama3"},
    "rope_theta": 1000000.0, "sliding_window": None, "sliding_window_pattern": None, "tie_word_embeddings": True,
    "vocab_size": 102400,
}
EXAONE4_32B = {
    # LGAI-EXAONE/EXAONE-4.0-32B: the config TensorRT-LLM's tests/unittest/_torch/modeling/test_modeling_exaone4.py
    # copies, with the card's 64 layers and 4,096-token window (the test shrinks both)
    "architectures": ["Exaone4ForCausalLM"], "model_type": "exaone4", "head_dim": 128, "hidden_size": 5120,
    "intermediate_size": 27392, "max_position_embeddings": 131072, "num_attention_heads": 40,
    "num_hidden_layers": 64, "num_key_value_heads": 8, "sliding_window": 4096, "sliding_window_pattern": 4,
    "tie_word_embeddings": False, "torch_dtype": "bfloat16", "vocab_size": 102400,
}


@pytest.mark.parametrize(("config", "total", "non_embedding"),
                         [(EXAONE4_1P2B, 1_279_391_488, 1.07e9), (EXAONE4_32B, 32_003_216_384, 30.95e9)],
                         ids=["1.2B", "32B"])
def test_exaone4(config, total, non_embedding):
    """EXAONE 4.0: post-norms, per-head q/k norms; the cards give the parameters without embeddings (1.07B,
    30.95B); totals equal transformers' Exaone4ForCausalLM on the meta device."""
    spec = parse_hf_config(config, "exaone4")
    counts = count_params(spec)
    assert spec.family == "exaone4" and spec.attention.qk_norm and not spec.warnings
    assert counts.total == total
    assert counts.total - counts.embedding - counts.lm_head == pytest.approx(non_embedding, abs=0.005e9)


def test_exaone4_32b_local_global_layers():
    """EXAONE 4.0-32B: three 4,096-token sliding layers then one global, whether the pattern is 4 or "LLLG"; the
    KV of a token is 64 layers x (K, V) x 8 heads x 128 x bf16."""
    for pattern in (4, "LLLG"):
        spec = parse_hf_config({**EXAONE4_32B, "sliding_window_pattern": pattern}, "exaone4")
        kinds = [layer.kind for layer in spec.layers]
        assert kinds[:4] == ["sliding", "sliding", "sliding", "full"] and kinds.count("full") == 16
        assert spec.layers[0].window_tokens == 4096
        assert kv_bytes_per_token(spec, 2) == 64 * 2 * 8 * 128 * 2
    with pytest.raises(SpecError, match="sliding_window_pattern"):
        parse_hf_config({**EXAONE4_32B, "sliding_window_pattern": "LLX"}, "exaone4")


SEED_OSS_36B = {
    # ByteDance-Seed/Seed-OSS-36B-Instruct config.json architecture fields (as in mlx-swift's Seed-OSS test
    # fixture), with transformers SeedOssConfig's attention_bias / attention_out_bias / mlp_bias defaults
    "architectures": ["SeedOssForCausalLM"], "model_type": "seed_oss", "hidden_size": 5120, "num_hidden_layers": 64,
    "intermediate_size": 27648, "num_attention_heads": 80, "num_key_value_heads": 8, "head_dim": 128,
    "vocab_size": 155136, "max_position_embeddings": 524288, "tie_word_embeddings": False, "attention_bias": True,
    "attention_out_bias": False, "mlp_bias": False,
}


def test_seed_oss_biases_on_qkv_only():
    """Seed-OSS-36B: biases on q/k/v but not o; 36,151,104,512 parameters (transformers SeedOssForCausalLM on the
    meta device; the card's 36B)."""
    spec = parse_hf_config(SEED_OSS_36B, "seed")
    counts = count_params(spec)
    assert spec.family == "seed_oss" and spec.attention.qkv_bias and not spec.attention.o_bias
    assert counts.total == 36_151_104_512 == pytest.approx(36e9, rel=0.01)
    assert kv_bytes_per_token(spec, 2) == 64 * 2 * 8 * 128 * 2


PHI35_MOE = {
    # microsoft/Phi-3.5-MoE-instruct config.json architecture fields (mlx-community/Phi-3.5-MoE-instruct's, as
    # vendored in a Rust phimoe test), with the attention / lm_head biases the checkpoint carries
    "architectures": ["PhiMoEForCausalLM"], "model_type": "phimoe", "vocab_size": 32064, "hidden_size": 4096,
    "intermediate_size": 6400, "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
    "num_local_experts": 16, "num_experts_per_tok": 2, "max_position_embeddings": 131072, "sliding_window": 131072,
    "attention_bias": True, "lm_head_bias": True, "rms_norm_eps": 1e-5, "tie_word_embeddings": False,
}


def test_phi35_moe():
    """Phi-3.5-MoE: 16 experts top-2 in every layer, LayerNorms with biases, biased attention and lm_head;
    41,873,153,344 parameters (transformers PhimoeForCausalLM), 6.64B active: the card's 41.9B and 6.6B."""
    spec = parse_hf_config(PHI35_MOE, "phimoe")
    counts = count_params(spec)
    assert spec.family == "phimoe" and spec.norm == "layernorm" and spec.lm_head_bias
    assert counts.total == 41_873_153_344 == pytest.approx(41.9e9, rel=0.001)
    assert counts.active == pytest.approx(6.6e9, rel=0.01)
    assert counts.experts == 32 * 16 * 3 * 4096 * 6400


HUNYUAN_A13B = {
    # tencent/Hunyuan-A13B-Instruct architecture fields with its per-layer lists, as a profiling tool's test
    # fixture copies them (tie_word_embeddings absent there: transformers' default, untied)
    "architectures": ["HunYuanMoEV1ForCausalLM"], "model_type": "hunyuan_v1_moe", "hidden_size": 4096,
    "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8, "head_dim": 128,
    "intermediate_size": 3072, "vocab_size": 128167, "torch_dtype": "bfloat16", "num_experts": 64,
    "moe_intermediate_size": [3072] * 32, "moe_topk": [8] * 32, "num_shared_expert": [1] * 32, "use_qk_norm": True,
    "max_position_embeddings": 32768,
}


def test_hunyuan_a13b():
    """Hunyuan-A13B: 64 experts top-8 plus one shared MLP in every layer, per-head q/k norms; 80,918,155,264
    parameters (transformers HunYuanMoEV1ForCausalLM), 13.3B active, against the card's rounded 80B / 13B."""
    spec = parse_hf_config(HUNYUAN_A13B, "hunyuan")
    counts = count_params(spec)
    assert spec.family == "hunyuan_v1_moe" and spec.attention.qk_norm and not spec.warnings
    assert spec.moe is not None and spec.moe.num_experts_per_tok == 8 and spec.moe.shared_intermediate_size == 3072
    assert counts.total == 80_918_155_264 == pytest.approx(80e9, rel=0.015)
    assert counts.active == pytest.approx(13e9, rel=0.025)
    with pytest.raises(SpecError, match="differs between layers"):
        parse_hf_config({**HUNYUAN_A13B, "moe_topk": [8] * 31 + [4]}, "hunyuan")
    with pytest.raises(SpecError, match="use_cla"):
        parse_hf_config({**HUNYUAN_A13B, "use_cla": True}, "hunyuan")


@pytest.mark.parametrize("config", [GLM4_9B_0414, OLMOE_1B_7B, ERNIE45_0P3B, INTERNLM25_7B, INTERNLM3_8B, MINICPM3_4B,
                                    HUNYUAN_7B, DBRX_INSTRUCT, LING_MINI_2],
                         ids=["glm4", "olmoe", "ernie4_5", "internlm2", "internlm3", "minicpm3", "hunyuan", "dbrx",
                              "ling"])
def test_new_families_read_by_their_own_adapter(config):
    """Each 2024-2026 family added here is read by its adapter, not guessed as Llama (no warning)."""
    spec = parse_hf_config(config, "x")
    assert spec.family == config["model_type"].removesuffix("_v2") and not spec.warnings


def test_glm4_sandwich_norms_and_qkv_bias():
    """GLM-4-0414: four RMSNorms per layer and q/k/v biases without an o bias; partial rotary leaves K and V whole:
    40 layers x (K, V) x 2 KV heads x 128 x bf16 per token."""
    spec = parse_hf_config(GLM4_9B_0414, "glm4")
    a = spec.attention
    assert spec.norms_per_layer == 4 and a.qkv_bias and not a.o_bias
    llama = parse_hf_config({**GLM4_9B_0414, "architectures": ["LlamaForCausalLM"], "model_type": "llama"}, "x")
    # the Llama reading (what an unknown glm4 got before) misses 2 norms and counts an o_proj bias per layer
    assert count_params(spec).total - count_params(llama).total == 40 * (2 * 4096 - 4096)
    assert kv_bytes_per_token(spec, 2) == 40 * 2 * 2 * 128 * 2


GLM41V_9B = {  # zai-org/GLM-4.1V-9B-Thinking: text_config and vision_config as mlxcel's GLM-4V tests copy them
    "architectures": ["Glm4vForConditionalGeneration"], "model_type": "glm4v", "tie_word_embeddings": False,
    "text_config": {"model_type": "glm4v_text", "hidden_size": 4096, "num_hidden_layers": 40, "intermediate_size": 13696,
                    "num_attention_heads": 32, "num_key_value_heads": 2, "vocab_size": 151552,
                    "max_position_embeddings": 65536, "partial_rotary_factor": 0.5, "attention_bias": True},
    "vision_config": {"model_type": "glm4v", "depth": 24, "hidden_size": 1536, "intermediate_size": 13696,
                      "num_heads": 12, "patch_size": 14, "out_hidden_size": 4096, "spatial_merge_size": 2,
                      "temporal_patch_size": 2, "image_size": 336, "in_channels": 3, "attention_bias": False}}


def test_glm41v_text_and_vision_tower():
    """GLM-4.1V-9B-Thinking: the GLM-4-9B-0414 text model plus its Glm4vVisionModel tower counted by hand (positions,
    patch conv3d, 24 RMSNorm blocks whose gated MLP is out_hidden_size wide, merge conv, patch merger); 10.3B in all
    (Hugging Face page of zai-org/GLM-4.1V-9B-Thinking)."""
    spec = parse_hf_config(GLM41V_9B, "glm-4.1v")
    counts = count_params(spec)
    assert spec.family == "glm4" and not spec.warnings
    assert counts.total - counts.vision == count_params(parse_hf_config(GLM4_9B_0414, "x")).total
    h, out, inter = 1536, 4096, 13696
    embed = 24 * 24 * h + 3 * 2 * 14 * 14 * h + h + h
    block = 2 * h + 3 * h * h + h * h + 3 * h * out
    vision = embed + 24 * block + h + (h * out * 4 + out) + (out * out + 2 * out + 3 * out * inter)
    assert counts.vision == vision
    assert counts.total == pytest.approx(10.3e9, rel=0.005)


def test_glm45v_text_reads_as_glm45():
    """GLM-4.5V's text_config (glm4v_moe_text) is read by the GLM-4.5 MoE adapter and its tower by the GLM-4V one."""
    text = {"model_type": "glm4v_moe_text", "hidden_size": 4096, "intermediate_size": 10944, "moe_intermediate_size": 1408,
            "num_hidden_layers": 46, "num_attention_heads": 96, "num_key_value_heads": 8, "head_dim": 128,
            "n_routed_experts": 128, "n_shared_experts": 1, "num_experts_per_tok": 8, "first_k_dense_replace": 1,
            "vocab_size": 151552, "max_position_embeddings": 65536, "attention_bias": True}
    config = {"architectures": ["Glm4vMoeForConditionalGeneration"], "model_type": "glm4v_moe", "text_config": text,
              "vision_config": GLM41V_9B["vision_config"]}
    spec = parse_hf_config(config, "glm-4.5v")
    assert spec.family == "glm4_moe" and spec.vision is not None and spec.vision.kind == "glm4v" and not spec.warnings
    assert [layer.mlp for layer in spec.layers[:2]] == ["dense", "moe"]


def test_olmoe_experts_and_full_qk_norms():
    """OLMoE-1B-7B: 64 experts of 1,024 top-8 in every layer, q/k RMSNorms over all heads (2,048 + 2,048 weights);
    1.3B active (OLMoE paper)."""
    spec = parse_hf_config(OLMOE_1B_7B, "olmoe")
    counts = count_params(spec)
    assert spec.attention.qk_norm_full and all(layer.mlp == "moe" for layer in spec.layers)
    assert counts.experts == 16 * 64 * 3 * 2048 * 1024
    assert counts.attention == 16 * (4 * 2048 * 2048 + 2 * 2048)
    assert counts.active == pytest.approx(1.3e9, rel=0.02)


def test_dbrx_nested_config():
    """DBRX: KV heads from attn_config, 16 experts of 10,752 top-4 from ffn_config, no shared expert; 36B active
    (card)."""
    spec = parse_hf_config(DBRX_INSTRUCT, "dbrx")
    counts = count_params(spec)
    assert spec.moe is not None and (spec.moe.num_experts, spec.moe.num_experts_per_tok) == (16, 4)
    assert spec.moe.shared_intermediate_size == 0 and spec.attention.num_kv_heads == 8
    assert spec.max_position_embeddings == 32768 and spec.num_layers == 40
    assert counts.active == pytest.approx(36e9, rel=0.02)
    assert kv_bytes_per_token(spec, 2) == 40 * 2 * 8 * 128 * 2
    with pytest.raises(SpecError, match="`ffn_config` must be an object"):
        parse_hf_config({**DBRX_INSTRUCT, "ffn_config": 4}, "dbrx")


def test_minicpm3_mla_cache():
    """MiniCPM3-4B: MLA with a 256-rank latent and 32 rope dims (cached: 62 x 288 x bf16 per token), value heads of
    hidden / heads = 64, tied embeddings."""
    spec = parse_hf_config(MINICPM3_4B, "minicpm3")
    a = spec.attention
    assert a.kind == "mla" and a.v_head_dim == 64 and a.q_lora_rank == 768 and spec.tie_word_embeddings
    assert kv_bytes_per_token(spec, 2) == 62 * (256 + 32) * 2


def test_internlm_bias_flags():
    """InternLM2's `bias` (config default true) biases wqkv and wo; InternLM3's `qkv_bias` biases q/k/v only."""
    config = {k: v for k, v in INTERNLM25_7B.items() if k != "bias"}
    a = parse_hf_config(config, "x").attention
    assert a.qkv_bias and a.o_bias
    a = parse_hf_config({**INTERNLM3_8B, "qkv_bias": True}, "x").attention
    assert a.qkv_bias and not a.o_bias


def test_hunyuan_dense_qk_norms():
    """Hunyuan dense always has per-head query / key RMSNorms (transformers HunYuanDenseV1Attention)."""
    spec = parse_hf_config(HUNYUAN_7B, "hunyuan")
    assert spec.attention.qk_norm and not spec.attention.qk_norm_full and spec.tie_word_embeddings


@pytest.mark.parametrize(("config", "per_layer"), [
    # Mamba1: conv (4-1) x d_inner + SSM d_inner x 16, both bf16 (no mamba_ssm_cache_dtype)
    (FALCON_MAMBA_7B, 3 * 8192 * 2 + 8192 * 16 * 2),
    # Mamba2: conv (4-1) x (d_inner + 2 groups-worth x 8 x 128) + SSM 128 heads x 64 x 128, bf16
    (CODESTRAL_MAMBA, 3 * (8192 + 2 * 8 * 128) * 2 + 8192 * 128 * 2),
], ids=["falcon-mamba", "codestral-mamba"])
def test_attention_free_ssm_keeps_no_kv(config, per_layer):
    """Mamba / Mamba2 stacks: no attention and no MLP in any layer, no KV cache, a fixed state per sequence, and the
    assumed context named in a warning."""
    spec = parse_hf_config(config, "ssm")
    assert all(layer.kind == "mamba" and layer.mlp == "none" for layer in spec.layers)
    assert kv_bytes_per_token(spec, 2) == 0
    assert state_bytes_per_seq(spec) == 64 * per_layer
    assert spec.max_position_embeddings == 262144 and any("no context length" in w for w in spec.warnings)


def test_mamba2_heads_must_cover_the_inner_width():
    """A Mamba2 config whose heads x head_dim differ from expand x hidden is refused, naming both."""
    with pytest.raises(SpecError, match="num_heads x head_dim"):
        parse_hf_config({**CODESTRAL_MAMBA, "num_heads": 64}, "x")


def test_minimax_m1_reads_as_minimax01():
    """MiniMax-M1 (MiniMaxM1ForCausalLM / minimax_m1) has MiniMax-01's layout: 456B total, 45.9B active (its card)."""
    config = {**CLASSIC[11][0], "architectures": ["MiniMaxM1ForCausalLM"], "model_type": "minimax_m1"}
    spec = parse_hf_config(config, "m1")
    assert spec.family == "minimax" and not spec.warnings
    assert count_params(spec).total == count_params(parse_hf_config(CLASSIC[11][0], "x")).total


def test_ling_mini_2_experts_shared_and_mtp():
    """Ling-mini-2.0: one dense layer, then 256 experts of 512 top-8 with one shared expert and a stored expert bias;
    1.43B active, 789M of them outside the embeddings (its README); the MTP layer is shipped beside, not counted."""
    spec = parse_hf_config(LING_MINI_2, "ling")
    counts = count_params(spec)
    assert [layer.mlp for layer in spec.layers[:2]] == ["dense", "moe"] and spec.attention.qk_norm
    assert spec.moe is not None and spec.moe.shared_intermediate_size == 512 and spec.moe.router_bias
    assert spec.num_mtp_layers == 1 and counts.mtp > 0
    assert counts.active == pytest.approx(1.43e9, rel=0.005)
    assert counts.active - counts.embedding - counts.lm_head == pytest.approx(789e6, rel=0.002)
    assert kv_bytes_per_token(spec, 2) == 20 * 2 * 4 * 128 * 2


KIMI_LINEAR_48B = {  # moonshotai/Kimi-Linear-48B-A3B-Instruct: "the released 48B config" a Rust port's test parses
    "architectures": ["KimiLinearForCausalLM"], "model_type": "kimi_linear", "hidden_act": "silu", "q_lora_rank": None,
    "mla_use_nope": True, "moe_router_activation_func": "sigmoid", "num_expert_group": 1, "topk_group": 1,
    "moe_layer_freq": 1, "tie_word_embeddings": False, "hidden_size": 2304, "num_hidden_layers": 27,
    "vocab_size": 163840, "rms_norm_eps": 1e-5, "num_attention_heads": 32, "kv_lora_rank": 512, "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64, "v_head_dim": 128, "num_experts": 256, "num_experts_per_token": 8, "num_shared_experts": 1,
    "moe_intermediate_size": 1024, "routed_scaling_factor": 2.446, "moe_renormalize": True, "first_k_dense_replace": 1,
    "intermediate_size": 9216,
    "linear_attn_config": {"full_attn_layers": [4, 8, 12, 16, 20, 24, 27], "head_dim": 128, "num_heads": 32,
                           "short_conv_kernel_size": 4}}


def test_kimi_linear_kda_and_mla_layers():
    """Kimi-Linear-48B-A3B: KDA in 20 layers, NoPE MLA in the 7 `full_attn_layers` (counted from 1), one dense layer
    then 256 experts top-8 with a shared one. The KV of a token is 7 x (512 + 64) x bf16; each KDA layer keeps its
    q/k/v conv windows (3 x 3 x 4,096, bf16) and 32 heads x 128 x 128 of fp32 state, as vLLM does; its KDA weights
    by hand (vLLM kda.py); 49.1B total, 3.5B active, against the card's rounded 48B / 3B."""
    spec = parse_hf_config(KIMI_LINEAR_48B, "kimi-linear")
    counts = count_params(spec)
    kinds = [layer.kind for layer in spec.layers]
    assert spec.family == "kimi_linear" and spec.attention.kind == "mla" and kinds[:4] == ["linear"] * 3 + ["full"]
    assert kinds.count("full") == 7 and kinds[-1] == "full" and not spec.layers[3].rope
    assert [layer.mlp for layer in spec.layers[:2]] == ["dense", "moe"]
    assert kv_bytes_per_token(spec, 2) == 7 * (512 + 64) * 2
    assert state_bytes_per_seq(spec) == 20 * (3 * 3 * 4096 * 2 + 32 * 128 * 128 * 4)
    h, p, d = 2304, 4096, 128
    kda = 3 * h * p + 2 * (h * d + d * p) + h * 32 + p * h + 3 * p * 4 + 32 + p + d
    assert counts.ssm == 20 * kda
    assert spec.max_position_embeddings == 1_048_576 and any("no context length" in w for w in spec.warnings)
    assert counts.total == pytest.approx(48e9, rel=0.03) and counts.active == pytest.approx(3e9, rel=0.17)


def test_kimi_linear_layer_lists_are_checked():
    """Layer numbers outside [1, layers], or KDA and full lists that do not cover the model, are refused; so are the
    later Kimi layout's fields the reading does not model."""
    bad = {**KIMI_LINEAR_48B, "linear_attn_config": {**KIMI_LINEAR_48B["linear_attn_config"],
                                                     "full_attn_layers": [0, 4]}}
    with pytest.raises(SpecError, match="counted from 1"):
        parse_hf_config(bad, "x")
    bad = {**KIMI_LINEAR_48B, "linear_attn_config": {**KIMI_LINEAR_48B["linear_attn_config"], "kda_layers": [1, 2]}}
    with pytest.raises(SpecError, match="cover every layer once"):
        parse_hf_config(bad, "x")
    with pytest.raises(SpecError, match="routed_expert_hidden_size"):
        parse_hf_config({**KIMI_LINEAR_48B, "routed_expert_hidden_size": 3584}, "x")


LLAMA32_11B_VISION = {  # meta-llama/Llama-3.2-11B-Vision(-Instruct) config.json: text and vision fields as danbev's
    # learning-ai notes on porting it to llama.cpp quote them (the text model's other fields are Llama 3.1 8B's)
    "architectures": ["MllamaForConditionalGeneration"], "model_type": "mllama", "image_token_index": 128256,
    "torch_dtype": "bfloat16",
    "text_config": {"model_type": "mllama_text_model", "hidden_size": 4096, "intermediate_size": 14336,
                    "num_hidden_layers": 40, "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256,
                    "max_position_embeddings": 131072, "cross_attention_layers": [3, 8, 13, 18, 23, 28, 33, 38],
                    "tie_word_embeddings": False, "rope_theta": 500000.0},
    "vision_config": {"model_type": "mllama_vision_model", "hidden_size": 1280, "intermediate_size": 5120,
                      "num_hidden_layers": 32, "num_global_layers": 8, "attention_heads": 16, "image_size": 560,
                      "patch_size": 14, "max_num_tiles": 4, "num_channels": 3, "vision_output_dim": 7680,
                      "intermediate_layers_indices": [3, 7, 15, 23, 30],
                      "supported_aspect_ratios": [[1, 1], [1, 2], [1, 3], [1, 4], [2, 1], [2, 2], [3, 1], [4, 1]]}}


def test_llama32_vision_cross_attention_layers():
    """Llama 3.2 11B Vision: 8 cross-attention layers (q/k/v/o, q/k norms, two gates, no self-attention and no KV
    growing with the text) among 40; the KV of a text token is the 32 self-attention layers' 32 x (K, V) x 8 heads x
    128 x bf16; its vision tower counted by hand; 10.6B in all (Meta's model card: 'Llama 3.2 11B ... 10.6B')."""
    spec = parse_hf_config(LLAMA32_11B_VISION, "llama-3.2-11b-vision")
    counts = count_params(spec)
    cross = [i for i, layer in enumerate(spec.layers) if layer.cross_attention]
    assert spec.family == "mllama" and cross == [3, 8, 13, 18, 23, 28, 33, 38]
    assert all(spec.layers[i].kind == "none" for i in cross) and any("cross-attention" in w for w in spec.warnings)
    assert kv_bytes_per_token(spec, 2) == 32 * 2 * 8 * 128 * 2
    h = 4096
    attention = 2 * h * h + 2 * h * 1024  # q and o (4096 x 4096), k and v (4096 x 1024)
    assert counts.attention == 40 * attention + 8 * (2 * 128 + 2)
    v, inter, pos = 1280, 5120, 1601
    block = 4 * v * v + 2 * v * inter + inter + v + 4 * v
    vision = (3 * 14 * 14 * v + v + pos * v + 1 + 9 * 4 * pos * v + 2 * (9 * 4 * v + 1) + 4 * v + 40 * block + 16
              + 7680 * h + h)
    assert counts.vision == vision
    assert counts.total == pytest.approx(10.6e9, rel=0.01)
    with pytest.raises(SpecError, match="cross_attention_layers"):
        parse_hf_config({**LLAMA32_11B_VISION, "text_config": {**LLAMA32_11B_VISION["text_config"],
                                                               "cross_attention_layers": [40]}}, "x")


@pytest.mark.parametrize(("config", "field"), [(CODESTRAL_MAMBA, "state_size"), (DBRX_INSTRUCT, "n_layers"),
                                               (DBRX_INSTRUCT, "n_heads"), (DBRX_INSTRUCT, "max_seq_len")])
def test_new_family_fields_are_bounded(config, field):
    """The new families' own names for the shape fields are bounded like the common ones."""
    with pytest.raises(SpecError, match=f"`{field}` = .* is not a plausible model"):
        parse_hf_config({**config, field: 10**9}, "x")
