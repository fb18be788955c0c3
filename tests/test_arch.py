"""Exact parameter and KV-cache counts from real published configs."""

from __future__ import annotations

import json

import pytest

from planner.core.arch import count_params, kv_bytes_for_context, kv_bytes_per_token, kv_heads_per_gpu
from tests.conftest import MODELS

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("name", "total", "active"),
    [
        ("llama-3.1-8b", 8_030_261_248, 8_030_261_248),
        ("llama-3.1-70b", 70_553_706_496, 70_553_706_496),
        ("llama-2-7b", 6_738_415_616, 6_738_415_616),
        ("mixtral-8x7b", 46_702_792_704, 12_879_925_248),
        ("bert-base-uncased", 109_482_240, 109_482_240),
    ],
)
def test_exact_counts(model, name, total, active):
    """Total and active parameters match the published counts exactly."""
    counts = count_params(model(name))
    assert counts.total == total
    assert counts.active == active


@pytest.mark.parametrize(
    ("name", "total_b", "active_b"),
    [
        ("deepseek-v3", 671.0, 37.5),       # DeepSeek-V3 report: 671B total, 37B activated (MTP excluded)
        ("qwen3-30b-a3b", 30.5, 3.3),       # Qwen3 model card: 30.5B total, 3.3B activated
        ("qwen3-235b-a22b", 235.1, 22.2),   # Qwen3 model card: 235B / 22B
        ("mixtral-8x22b", 140.6, 39.2),     # Mistral: 141B total, 39B active
        ("qwen2-57b-a14b", 57.4, 14.2),     # Qwen2 report: 57B / 14B
        ("gpt-oss-120b", 116.8, 5.7),       # OpenAI card: 116.8B total (5.1B active excl. embedding)
        ("gpt-oss-20b", 20.9, 4.2),         # OpenAI card: 20.9B total (3.6B active excl. embedding)
        ("gemma-2-9b", 9.24, 9.24),
        ("gemma-3-27b", 27.43, 27.01),      # 27.4B incl. the SigLIP vision tower (not active in decode)
        ("phi-4", 14.66, 14.66),            # Microsoft: 14B (14.66B) parameters
        ("phi-3-mini", 3.82, 3.82),         # Microsoft: 3.8B
    ],
)
def test_published_sizes(model, name, total_b, active_b):
    """Counts round to the sizes on the model cards (billions)."""
    counts = count_params(model(name))
    assert counts.total / 1e9 == pytest.approx(total_b, abs=0.06)
    assert counts.active / 1e9 == pytest.approx(active_b, abs=0.06)


@pytest.mark.parametrize("name", [p.parent.name for p in MODELS.glob("*/safetensors_metadata.json")])
def test_safetensors_total_size(model, name):
    """Parameters x dtype bytes equal the checkpoint's published safetensors total_size (within 0.01%)."""
    total_size = json.loads((MODELS / name / "safetensors_metadata.json").read_text())["total_size"]
    spec = model(name)
    assert count_params(spec).total * spec.dtype_bytes == pytest.approx(total_size, rel=1e-4)


@pytest.mark.parametrize(
    ("name", "kv_bf16"),
    [
        ("llama-3.1-8b", 131_072),   # 2 x 32 layers x 8 kv heads x 128 x 2 B
        ("llama-3.1-70b", 327_680),  # 2 x 80 x 8 x 128 x 2
        ("deepseek-v3", 70_272),     # (512 + 64) x 61 layers x 2 B, MLA latent
        ("bert-base-uncased", 0),    # encoder: no KV cache
    ],
)
def test_kv_bytes_per_token(model, name, kv_bf16):
    """KV bytes per token follow 2 x layers x kv_heads x head_dim x bytes (MLA: latent + rope)."""
    spec = model(name)
    assert kv_bytes_per_token(spec, 2) == kv_bf16
    assert kv_bytes_per_token(spec, 1) == kv_bf16 / 2


def test_gemma2_sliding_layers_capped(model):
    """Gemma-2 local layers (every other one) hold at most 4,096 tokens of KV."""
    spec = model("gemma-2-9b")
    windows = [layer.window_tokens for layer in spec.layers]
    assert windows[0] == 4096 and windows[1] is None and windows.count(4096) == 21
    per_layer = 2 * spec.attention.num_kv_heads * spec.attention.head_dim * 2
    long = kv_bytes_for_context(spec, 8192, 2)
    assert long == per_layer * (21 * 4096 + 21 * 8192)
    assert kv_bytes_for_context(spec, 1000, 2) == per_layer * 42 * 1000


def test_gemma3_five_local_one_global(model):
    """Gemma-3 uses 5 sliding (1,024) layers per global layer."""
    spec = model("gemma-3-27b")
    windows = [layer.window_tokens for layer in spec.layers]
    assert windows[:6] == [1024] * 5 + [None]
    assert windows.count(None) == len(windows) // 6


def test_gpt_oss_alternating_windows(model):
    """GPT-OSS alternates 128-token sliding and full attention layers, as its layer_types say."""
    spec = model("gpt-oss-20b")
    assert [layer.window_tokens for layer in spec.layers[:4]] == [128, None, 128, None]


def test_deepseek_leading_dense_layers(model):
    """DeepSeek-V3: the first 3 layers are dense, the other 58 MoE."""
    spec = model("deepseek-v3")
    assert [layer.moe for layer in spec.layers[:4]] == [False, False, False, True]
    assert sum(layer.moe for layer in spec.layers) == 58
    assert spec.num_layers == 61  # the MTP layer is not counted


@pytest.mark.parametrize(("kv", "tp", "expected"), [(8, 1, 8), (8, 4, 2), (8, 8, 1), (8, 16, 1), (2, 8, 1)])
def test_kv_heads_replicated_beyond_tp(model, tiny_config, kv, tp, expected):
    """Each rank keeps kv/tp heads, and one replicated head when ranks outnumber KV heads."""
    from planner.io.hf_config import parse_hf_config

    spec = parse_hf_config({**tiny_config, "num_attention_heads": 16, "num_key_value_heads": kv}, "t")
    assert kv_heads_per_gpu(spec, tp) == expected
