"""Adapters for families whose layout departs from Llama in the older ways.

GPT-2 / GPT-BigCode / StarCoder2 / GPT-NeoX (plain MLPs with biases, LayerNorm, learned positions or
tied heads), Qwen v1 (one intermediate size for both MLP halves), ChatGLM (fused QKV with bias,
padded vocabulary), Cohere (one norm, tied, per-head q/k norms), OLMo 2/3 (q/k norms over all heads),
SmolLM3 (NoPE layers), EXAONE 4.0 (post-norms, local/global pattern), Seed-OSS (q/k/v biases without an o bias),
GLM-4-0414 (sandwich norms, q/k/v biases), InternLM 2/3 (`bias` / `qkv_bias`), MiniCPM3 (MLA with a derived value
head), Llama 3.2 Vision (cross-attention layers).
"""

from __future__ import annotations

from typing import Any

from planner.errors import SpecError
from planner.io.hf._build import Draft, window_of


def gpt2(d: Draft) -> None:
    """GPT-2 / GPT-J: `n_inner` defaults to 4 x hidden."""
    d.spec["intermediate_size"] = d.f.int("intermediate_size", 4 * d.spec["hidden_size"])


def gpt_bigcode(d: Draft) -> None:
    """GPT-BigCode (StarCoder, SantaCoder): GPT-2 blocks with multi-query attention by default."""
    gpt2(d)
    if d.f.bool("multi_query", True):
        d.spec["attention"] = d.spec["attention"].model_copy(update={"num_kv_heads": 1})


def qwen_v1(d: Draft) -> None:
    """Qwen (v1): `intermediate_size` is w1 + w2 together, so each half is half of it; c_proj has no bias."""
    d.spec["intermediate_size"] = d.spec["intermediate_size"] // 2


def chatglm(d: Draft) -> None:
    """ChatGLM2/3, GLM-4 (THUDM remote code): multi-query groups, padded vocabulary, QKV bias only."""
    f = d.f
    d.spec["vocab_size"] = f.int("padded_vocab_size", d.spec["vocab_size"])
    kv = f.int("multi_query_group_num", 1) if f.bool("multi_query_attention", False) else None
    update: dict[str, object] = {"qkv_bias": f.bool("add_qkv_bias", False) or f.bool("add_bias_linear", False),
                                 "o_bias": f.bool("add_bias_linear", False)}
    if kv:
        update["num_kv_heads"] = kv
    d.spec["attention"] = d.spec["attention"].model_copy(update=update)
    d.spec["mlp_bias"] = f.bool("add_bias_linear", False)
    if not f.bool("rmsnorm", True):
        d.spec["norm"] = "layernorm"


def cohere(d: Draft) -> None:
    """Cohere (Command R): one bias-free LayerNorm per layer (attention and MLP in parallel), per-head q/k
    norms when `use_qk_norm`."""
    if d.f.bool("use_qk_norm", False):
        d.spec["attention"] = d.spec["attention"].model_copy(update={"qk_norm": True, "qk_norm_full": True})


def smollm3(d: Draft) -> None:
    """SmolLM3 (transformers SmolLM3Model): Llama blocks, tied embeddings; every `no_rope_layer_interval`-th layer
    (or each 0 in `no_rope_layers`) skips RoPE. With `use_sliding_window` and no `layer_types`, transformers
    gives the sliding window to the NoPE layers only."""
    f = d.f
    n = d.num_layers
    flags = f.flags("no_rope_layers", n)
    interval = f.int("no_rope_layer_interval", 4)
    rope = flags if flags else [(i + 1) % interval != 0 for i in range(n)]
    window = window_of(f, d.spec["max_position_embeddings"])
    sliding = f.get("layer_types") is None and f.bool("use_sliding_window", False) and window is not None
    for layer, uses_rope in zip(d.layers, rope):
        layer["rope"] = uses_rope
        if sliding and not uses_rope:
            layer.update(kind="sliding", window_tokens=window)


def exaone4(d: Draft) -> None:
    """EXAONE 4.0 (transformers Exaone4Model): post-norms only (after attention and after the MLP, so two per
    layer), per-head q/k RMSNorms; the hybrid models slide a window on the layers `sliding_window_pattern` marks
    (`LLLG`, or an integer p: every p-th layer global) when `layer_types` is absent."""
    f = d.f
    window = window_of(f, d.spec["max_position_embeddings"])
    pattern = f.get("sliding_window_pattern")
    if f.get("layer_types") is not None or window is None or not pattern:
        return
    n = d.num_layers
    if isinstance(pattern, str):
        if set(pattern) - {"L", "G"}:
            raise SpecError("`sliding_window_pattern` must be a string of L (local) and G (global) or an integer",
                            where=f.where, value=pattern, hint="EXAONE 4.0-32B uses \"LLLG\" (or 4)")
        local = [pattern[i % len(pattern)] == "L" for i in range(n)]
    else:
        every = f.int("sliding_window_pattern")
        local = [(i + 1) % every != 0 for i in range(n)]
    d.layers = [{**layer, "kind": "sliding", "window_tokens": window} if is_local else {**layer, "kind": "full"}
                for layer, is_local in zip(d.layers, local)]


def seed_oss(d: Draft) -> None:
    """Seed-OSS (transformers SeedOssModel): `attention_bias` puts biases on q/k/v only; the output projection has
    one only with `attention_out_bias`."""
    f = d.f
    d.spec["attention"] = d.spec["attention"].model_copy(update={
        "qkv_bias": f.bool("attention_bias", True), "o_bias": f.bool("attention_out_bias", False)})


def glm4(d: Draft) -> None:
    """GLM-4-0414 and the GLM-4.1V / 4.5V text models (transformers Glm4Model, Glm4vTextModel): `attention_bias`
    (default true) puts biases on q/k/v only, the output projection has none; the four sandwich norms per layer
    come from the recipe. Partial rotary (`partial_rotary_factor`) rotates part of each head: same K and V."""
    d.spec["attention"] = d.spec["attention"].model_copy(update={
        "qkv_bias": d.f.bool("attention_bias", True), "o_bias": False})


def internlm(d: Draft) -> None:
    """InternLM 2 / 2.5 (fused `wqkv`, `wo`: biases with `bias`) and InternLM 3 (q/k/v biases with `qkv_bias`, the
    output projection's with `bias`); the MLPs have none. The recipe carries each config class's default."""
    f = d.f
    bias = f.bool("bias", False)
    d.spec["attention"] = d.spec["attention"].model_copy(update={
        "qkv_bias": f.bool("qkv_bias", bias), "o_bias": bias})


def minicpm3_config(config: dict[str, Any]) -> dict[str, Any]:
    """MiniCPM3's config has no `v_head_dim`: its attention (and vLLM's / SGLang's minicpm3.py) uses
    hidden_size / num_attention_heads for the value heads."""
    out = dict(config)
    hidden, heads = out.get("hidden_size"), out.get("num_attention_heads")
    if out.get("v_head_dim") is None and isinstance(hidden, int) and isinstance(heads, int) and heads > 0:
        out["v_head_dim"] = hidden // heads
    return out


def mllama(d: Draft) -> None:
    """Llama 3.2 Vision text model (transformers MllamaTextModel): Llama layers, except those `cross_attention_layers`
    names (counted from 0), which replace self-attention by cross-attention to the projected image tokens: q/k/v/o of
    the text shapes, q/k RMSNorms over one head and tanh gates on the attention and MLP outputs. Those layers keep no
    KV that grows with the text; the image KV they hold (fixed per image) is not modelled. The embedding's 8 extra rows
    (vocab_size + 8) are left out (32,768 weights on the 11B model)."""
    f = d.f
    n = d.num_layers
    cross = f.get("cross_attention_layers") or []
    if not isinstance(cross, list) or not all(isinstance(i, int) and not isinstance(i, bool) and 0 <= i < n
                                              for i in cross):
        raise SpecError(f"`cross_attention_layers` must be a list of layer indices in [0, {n - 1:,}]", where=f.where,
                        value=str(cross)[:60], hint="Llama-3.2-11B-Vision lists [3, 8, 13, 18, 23, 28, 33, 38]")
    for i in set(cross):
        d.layers[i].update(kind="none", cross_attention=True, window_tokens=None)
    if cross:
        d.warnings.append(f"{len(set(cross))} cross-attention layers attend to the image tokens: their K/V (fixed per "
                          "image) is not counted in the KV cache, and text-only requests need none")
