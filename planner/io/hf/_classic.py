"""Adapters for families whose layout departs from Llama in the older ways.

GPT-2 / GPT-BigCode / StarCoder2 / GPT-NeoX (plain MLPs with biases, LayerNorm, learned positions or
tied heads), Qwen v1 (one intermediate size for both MLP halves), ChatGLM (fused QKV with bias,
padded vocabulary), Cohere (one norm, tied, per-head q/k norms), OLMo 2/3 (q/k norms over all heads).
"""

from __future__ import annotations

from planner.io.hf._build import Draft


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
