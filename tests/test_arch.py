"""Exact parameter and KV-cache counts from real published configs."""

from __future__ import annotations

import json

import pytest

from planner.core.arch import (
    cache_bytes_for_context,
    count_params,
    kv_bytes_for_context,
    kv_bytes_per_token,
    kv_heads_per_gpu,
    state_bytes_per_seq,
)
from planner.io.hf._vision import PHI4MM_LORA_MODULES, lora_params, phi4mm_audio, phi4mm_image
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


# Published totals and active parameters of the 2024-2026 families added from aiconfigurator-core 0.12.0
# and other sources (examples/models/SOURCES.md). Columns: total and active in billions as the model card
# states them, the card's rounding step (1 for "109B", 0.1 for "31.6B", 0.01 for "1.04T"), and whether the
# card's active count leaves the input embedding out (a lookup, no FLOPs; Nemotron, GLM, MiniMax, Qwen-Next
# cards do). Acceptance: total within 1% (plus half the rounding step), active within 3% (same).
PUBLISHED = [
    ("llama-4-scout", 109, 17, 1, False),             # Meta card: 17B active, 109B total (vision included)
    ("llama-4-maverick", 400, 17, 1, False),          # Meta card: 17B active, 400B total
    ("nemotron-3-nano-30b-a3b", 31.6, 3.6, 0.1, False),  # NVIDIA card: 31.6B total, 3.6B active incl. embeddings
    ("nemotron-3-super-120b-a12b-fp8", 120, 12, 1, True),  # NVIDIA research page: 12B active, 120B total
    ("nemotron-h-56b", 56, 56, 1, False),             # NVIDIA Nemotron-H report: 56B dense hybrid
    ("llama-3.3-nemotron-super-49b", 49, 49, 1, False),  # NVIDIA card: 49B (NAS-pruned Llama-3.3-70B)
    ("qwen3.5-27b", 27, 27, 1, False),                # Qwen card: 27B dense (vision tower included)
    ("qwen3.5-9b", 9, 9, 1, False),                   # Qwen card: 9B; we count 9.41B with the 0.46B vision tower
    ("qwen3.5-35b-a3b", 35, 3, 1, False),             # Qwen card: 35B total, 3B activated
    ("qwen3.5-122b-a10b", 122, 10, 1, False),         # Qwen card: 122B total, 10B activated
    ("qwen3.5-397b-a17b", 397, 17, 1, False),         # Qwen card: 397B total, 17B activated
    ("qwen3-next-80b-a3b", 80, 3, 1, True),           # Qwen card: 80B total, 3B activated
    ("qwen3-vl-235b-a22b", 235, 22, 1, False),        # Qwen card: 235B-A22B
    ("qwen3-0.6b", 0.6, 0.6, 0.1, False),             # Qwen card: 0.6B (0.44B non-embedding)
    ("qwen3-32b-fp8", 32.8, 32.8, 0.1, False),        # Qwen card: 32.8B
    ("qwen3-14b", 14.8, 14.8, 0.05, False),           # Qwen card: 14.8B (13.2B non-embedding)
    ("qwen3-235b-a22b-fp8", 235, 22, 1, False),       # Qwen card: 235B total, 22B activated
    ("qwen3-coder-480b-a35b", 480, 35, 1, False),     # Qwen card: 480B total, 35B activated
    ("minimax-m2.5", 229, 10, 1, True),               # MiniMax card: 229B total, 10B activated
    ("mimo-v2-flash", 309, 15, 1, False),             # Xiaomi card: 309B total, 15B active
    ("deepseek-v3.1-nvfp4", 671, 37, 1, False),       # DeepSeek-V3.1 card: 671B total (+14B MTP), 37B activated
    ("gemma-4-26b-a4b", 26, 4, 1, False),             # Google: 26B total, 4B active (A4B)
    ("gemma-4-31b-nvfp4", 31, 31, 1, False),          # Google: 31B dense
    ("kimi-k2", 1040, 32, 10, False),                 # Kimi K2 report (arXiv 2507.20534): 1.04T total, 32B activated
    ("kimi-k2.5", 1040, 32, 10, False),               # Kimi K2.5 card: same text model plus MoonViT
    ("glm-4.5-air", 106, 12, 1, True),                # Z.ai card: 106B total, 12B active
    ("glm-4.6", 355, 32, 1, True),                    # Z.ai: 355B / 32B (GLM-4.5 report Table 1, same architecture); 352.8B / 32.9B
    ("glm-5", 744, 40, 1, True),                      # Z.ai card: 744B total, 40B active
    ("glm-5.2-fp8", 744, 40, 1, True),                # Z.ai card: 744B total, 40B active
]


@pytest.mark.parametrize(("name", "total_b", "active_b", "step_b", "excl_embed"), PUBLISHED)
def test_new_families_match_published_counts(model, name, total_b, active_b, step_b, excl_embed):
    """Total within 1% and active within 3% of the model card (plus half the card's rounding step)."""
    counts = count_params(model(name))
    active = counts.active - (counts.embedding if excl_embed else 0)
    assert abs(counts.total / 1e9 - total_b) <= 0.01 * total_b + step_b / 2
    assert abs(active / 1e9 - active_b) <= 0.03 * active_b + step_b / 2


def test_qwen35_9b_equals_its_checkpoint_shards(model):
    """Qwen3.5-9B: text, vision tower and MTP layer in bf16 fill its four safetensors shards (5,276,436,216 +
    5,335,161,512 + 5,368,717,440 + 3,325,995,712 B, pinned with their sha256 next to the config's in a
    published asset manifest, search id 69168968609), less the shard headers: 9,653,104,368 parameters are
    19,306,208,736 B, 102,144 B under the 19,306,310,880 B of the four files."""
    counts = count_params(model("qwen3.5-9b"))
    shard_bytes = 5_276_436_216 + 5_335_161_512 + 5_368_717_440 + 3_325_995_712
    weight_bytes = (counts.total + counts.mtp) * 2
    assert 0 < shard_bytes - weight_bytes < 200_000


def test_deepseek_v32_with_mtp_is_the_685b_checkpoint(model):
    """DeepSeek-V3.2's 685B (hub size) is its 671B model plus one MTP layer, within 1%."""
    counts = count_params(model("deepseek-v3.2"))
    assert (counts.total + counts.mtp) / 1e9 == pytest.approx(685, rel=0.01)
    assert counts.total / 1e9 == pytest.approx(671, rel=0.01)


# Exact tensor inventories: transformers 5.25.0 builds each model on the meta device (no weights), which
# lists the checkpoint's tensors except the MTP layers (tests/data/transformers_params.json, command in it).
INVENTORY = json.loads((MODELS.parent.parent / "tests" / "data" / "transformers_params.json").read_text())


@pytest.mark.parametrize("name", sorted(INVENTORY["models"]))
def test_counts_equal_the_transformers_inventory(model, name):
    """The config arithmetic equals the parameters transformers instantiates for the same config, to 0.01%."""
    assert count_params(model(name)).total == pytest.approx(INVENTORY["models"][name], rel=1e-4)


@pytest.mark.parametrize(
    ("name", "kv_bf16"),
    [
        ("qwen3.5-35b-a3b", 10 * 2 * 2 * 256 * 2),        # 10 full layers x K+V x 2 kv heads x 256 x 2 B
        ("qwen3.5-9b", 8 * 2 * 4 * 256 * 2),              # 8 of 32 layers are full attention, 4 kv heads x 256
        ("qwen3-next-80b-a3b", 12 * 2 * 2 * 256 * 2),     # 12 of 48 layers are full attention
        ("nemotron-3-nano-30b-a3b", 6 * 2 * 2 * 128 * 2),  # 6 '*' blocks of 52, 2 kv heads x 128
        ("nemotron-3-super-120b-a12b-fp8", 8 * 2 * 2 * 128 * 2),
        ("llama-4-scout", 48 * 2 * 8 * 128 * 2),           # every layer attends (36 chunked, 12 NoPE full)
        ("mimo-v2-flash", 9 * 4 * (192 + 128) * 2 + 39 * 8 * (192 + 128) * 2),  # full 4, sliding 8 kv heads
        ("deepseek-v3.2", 61 * ((512 + 64) * 2 + 132)),    # MLA latent + fp8 indexer key (128 B + 4 B scale)
        ("glm-5.2-fp8", 78 * (512 + 64) * 2 + 21 * 132),   # 21 layers run their own indexer, 57 share one
        ("gemma-4-31b-nvfp4", 50 * 16 * 512 * 2 + 10 * 4 * 1024 * 2),  # sliding 16 x 256 (K+V), global 4 x 512
    ],
)
def test_hybrid_kv_bytes_per_token(model, name, kv_bf16):
    """KV bytes per token count only softmax-attention layers, at each layer's own heads and head size."""
    assert kv_bytes_per_token(model(name), 2) == kv_bf16


@pytest.mark.parametrize(
    ("name", "per_layer", "layers"),
    [
        # gated DeltaNet: conv (4-1) x (2 x 16x128 + 32x128) x 2 B + 32 heads x 128 x 128 x 4 B (fp32 state)
        ("qwen3.5-35b-a3b", 3 * (2 * 2048 + 4096) * 2 + 32 * 128 * 128 * 4, 30),
        # Qwen3.5-9B: the same DeltaNet heads (16 key x 128, 32 value x 128, fp32 state) on 24 of 32 layers
        ("qwen3.5-9b", 3 * (2 * 2048 + 4096) * 2 + 32 * 128 * 128 * 4, 24),
        # Qwen3-Next sets no state dtype: runtimes keep it in the model dtype (bf16)
        ("qwen3-next-80b-a3b", 3 * (2 * 2048 + 4096) * 2 + 32 * 128 * 128 * 2, 36),
        # Mamba2: conv (4-1) x (64x64 + 2 x 8 groups x 128) x 2 B + 64x64 x 128 state x 4 B
        ("nemotron-3-nano-30b-a3b", 3 * (4096 + 2 * 8 * 128) * 2 + 4096 * 128 * 4, 23),
    ],
)
def test_recurrent_state_per_sequence(model, name, per_layer, layers):
    """Linear-attention and Mamba layers keep a fixed state per sequence: conv state plus recurrent state."""
    spec = model(name)
    assert state_bytes_per_seq(spec) == per_layer * layers
    assert state_bytes_per_seq(spec, tp_size=2) == per_layer * layers / 2


def test_state_does_not_grow_with_context(model):
    """A hybrid's per-sequence cache grows only by its attention layers' KV; the state part is constant."""
    spec = model("qwen3.5-35b-a3b")
    state = state_bytes_per_seq(spec)
    for ctx in (1_000, 100_000):
        assert cache_bytes_for_context(spec, ctx, 2) == kv_bytes_per_token(spec, 2) * ctx + state


def test_llama4_layout(model):
    """Llama 4 Maverick: MoE every other layer with a shared expert, 8,192-token chunks, every 4th layer NoPE full."""
    spec = model("llama-4-maverick")
    assert [layer.mlp for layer in spec.layers[:4]] == ["dense", "moe", "dense", "moe"]
    assert spec.moe.shared_intermediate_size == 8192 and spec.intermediate_size == 16384
    kinds = [(layer.kind, layer.window_tokens, layer.rope) for layer in spec.layers[:4]]
    assert kinds == [("chunked", 8192, True)] * 3 + [("full", None, False)]
    assert kv_bytes_for_context(spec, 100_000, 2) == 2 * 8 * 128 * 2 * (36 * 8192 + 12 * 100_000)


def test_nemotron_h_pattern(model):
    """Nemotron-H blocks follow hybrid_override_pattern: M = Mamba2, E = MoE, * = attention, one per layer."""
    spec = model("nemotron-3-nano-30b-a3b")
    assert [(layer.kind, layer.mlp) for layer in spec.layers[:6]] == [
        ("mamba", "none"), ("none", "moe"), ("mamba", "none"), ("none", "moe"), ("mamba", "none"), ("full", "none")]


def test_deepseek_v32_sparse_attention_attribute(model):
    """DeepSeek-V3.2 layers carry a DSA indexer (64 heads x 128, top-2,048) whose weights are counted."""
    spec = model("deepseek-v3.2")
    assert spec.attention.indexer.topk_tokens == 2048 and spec.attention.indexer.num_heads == 64
    without = spec.model_copy(update={"attention": spec.attention.model_copy(update={"indexer": None})})
    per_layer = 1536 * 64 * 128 + 7168 * 128 + 7168 * 64 + 2 * 128  # wq_b, wk, weights_proj, k_norm
    assert count_params(spec).total - count_params(without).total == 61 * per_layer


def test_nemotron_nas_block_configs(model):
    """Nemotron-Super-49B: per-layer KV heads and MLP widths, and no-op attention blocks without a norm."""
    spec = model("llama-3.3-nemotron-super-49b")
    first = spec.layers[0]
    assert first.num_kv_heads == 8 and first.intermediate_size == 14336  # 64 heads / 8; 2/3 x 2.625 x 8192
    assert sum(layer.kind == "none" for layer in spec.layers) == 31


# Phi-4-multimodal (microsoft/Phi-4-multimodal-instruct @ 93f923e1a7727d1c4f446756212d9d3e8fcc5d81): its three
# safetensors shards' headers hold 5,574,460,384 BF16 values, split language 4,666,493,952 (Phi-4-mini plus the
# two LoRA adapters) / vision 441,550,016 / audio 466,416,416 (a GPU preflight report that loaded the checkpoint,
# search ids 66475393359 and 66827557677; the Hugging Face page rounds it to 5.57B, the model card to 5.6B).
PHI4MM_CHECKPOINT = 5_574_460_384
PHI4MM_TEXT = 614_596_608 + 32 * 100_669_440 + 3072   # tied 200064 x 3072 embedding, 32 decoder layers, final norm


def test_phi4mm_equals_its_checkpoint(model):
    """Phi-4-multimodal: text, SigLIP, conformer and both LoRA adapters sum to the checkpoint's 5,574,460,384."""
    counts = count_params(model("phi-4-multimodal"))
    assert counts.total == PHI4MM_CHECKPOINT
    assert counts.active == PHI4MM_TEXT == 3_836_021_760   # Phi-4-mini's 3.8B: towers and adapters stay out


def test_phi4mm_lora_by_hand(model):
    """The vision (r 256) and speech (r 320) LoRAs add r x (in + out) on qkv, o, gate_up and down of 32 layers."""
    per_rank = (3072 + 5120) + (3072 + 3072) + (3072 + 2 * 8192) + (8192 + 3072)   # qkv, o, gate_up, down
    lora = 32 * (256 + 320) * per_rank
    assert lora == 830_472_192
    assert PHI4MM_TEXT + lora == 4_666_493_952   # the checkpoint's language part
    spec = model("phi-4-multimodal")
    assert spec.vision is not None
    assert spec.vision.params == PHI4MM_CHECKPOINT - PHI4MM_TEXT
    assert spec.vision.kind == "siglip+phi4mm_conformer+vision_lora+speech_lora"


def test_phi4mm_towers_by_hand():
    """Image and audio embeddings with their projections equal the checkpoint's vision and audio parts."""
    h, d = 1152, 3072
    block = 4 * h * h + 4 * h + 2 * h * 4304 + 4304 + h + 4 * h
    siglip = 3 * 14 * 14 * h + h + 32 * 32 * h + 27 * block + 2 * h + (h + 4 * h * h + 4 * h + 2 * h + 2 * h * 4304
                                                                      + 4304 + h)
    image = siglip + 2 * h + (h * d + d) + (d * d + d)   # + glb_GN/sub_GN separators, two-layer projection
    assert phi4mm_image({"crop_size": 448}, d) == image == 441_550_016
    config = json.loads((MODELS / "phi-4-multimodal" / "config.json").read_text())
    a = 1024
    ffn = 2 * a + a * 3072 + 3072 + 1536 * a + a
    conv = 2 * a + (a * 2 * a + 2 * a) + 2 * a + (3 * a + a) + (a * a + a) + (a * a + a)
    conformer = 24 * (2 * ffn + 4 * (a * a + a) + conv + 4 * a)
    subsampling = 10 * a + 2 * (10 * a + a * a + a) + a * 10 * a + a   # 80 mel bins -> 10 after three halvings
    audio = conformer + subsampling + 1000 * 16 + 2 * 80 + 2 * ((a * d + d) + (d * d + d))
    got = phi4mm_audio(config["audio_processor"]["config"], config["embd_layer"]["audio_embd_layer"], d)
    assert got == audio == 466_416_416


def test_phi4mm_lora_regex_picks_modules():
    """A `layer` regex naming only qkv_proj counts only qkv_proj; no regex counts all four targets."""
    shapes = dict(zip(PHI4MM_LORA_MODULES, ((3072, 5120), (3072, 3072), (3072, 16384), (8192, 3072))))
    assert lora_params({"r": 8, "layer": r"layers.*self_attn\.qkv_proj"}, shapes, 2) == 2 * 8 * (3072 + 5120)
    assert lora_params({"r": 8}, shapes, 1) == 8 * (8192 + 6144 + 19456 + 11264)
