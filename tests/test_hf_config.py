"""Parsing Hugging Face configs: families, quantization, defaults, and errors that name the field."""

from __future__ import annotations

import pytest

from planner.errors import SpecError
from planner.io.hf_config import parse_hf_config

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
    ],
)
def test_quantization_config(tiny_config, qc, fmt, group):
    """quantization_config maps to the served weight format and its group size."""
    spec = parse_hf_config({**tiny_config, "quantization_config": qc}, "x")
    assert spec.quantization is not None
    assert spec.quantization.format == fmt
    assert spec.quantization.group_size == group


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
