"""Memory model: what fits where, hand-checkable weights, and invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.compat import make_deployment
from planner.core.memory import memory_breakdown
from planner.errors import SpecError

pytestmark = pytest.mark.unit
GIB = 2**30


def test_llama8b_weights_bf16(model, catalog):
    """Llama-3.1-8B bf16 weights: 8.03e9 x 2 B = 16.06 GB on one GPU."""
    dep = make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("vllm"))
    assert memory_breakdown(dep).weights_bytes_per_gpu == pytest.approx(16.06e9, rel=1e-3)


def test_llama70b_fits_four_h100_not_one(model, catalog):
    """Llama-3.1-70B bf16 does not fit one H100 and fits four (at 8k context)."""
    spec, gpu, rt = model("llama-3.1-70b"), catalog.gpu("h100"), catalog.runtime("vllm")
    one = memory_breakdown(make_deployment(spec, gpu, rt, max_model_len=8192))
    four = memory_breakdown(make_deployment(spec, gpu, rt, tp_size=4, max_model_len=8192))
    assert not one.fits and one.shortfall_bytes > 60 * GIB
    assert four.fits and four.weights_bytes_per_gpu == pytest.approx(70.55e9 * 2 / 4, rel=0.01)


def test_deepseek_v3_fp8_on_h200_bf16_not_on_h100(model, catalog):
    """DeepSeek-V3 FP8 fits 8 x H200; in bf16 it does not fit 8 x H100."""
    spec = model("deepseek-v3")
    fp8 = memory_breakdown(make_deployment(spec, catalog.gpu("h200"), catalog.runtime("vllm"), tp_size=8,
                                           quant="fp8", max_model_len=32768))
    assert fp8.fits
    bf16_spec = spec.model_copy(update={"quantization": None})
    bf16 = memory_breakdown(make_deployment(bf16_spec, catalog.gpu("h100"), catalog.runtime("vllm"), tp_size=8,
                                            quant="bf16", max_model_len=32768))
    assert not bf16.fits and bf16.needed_bytes > bf16.gpu_memory_bytes


def test_int4_awq_overhead(model, catalog):
    """AWQ keeps 0.5 B/weight plus fp16 scale and 4-bit zero per 128 weights; embeddings stay 16-bit."""
    spec = model("llama-3.1-8b")
    dep = make_deployment(spec, catalog.gpu("l4"), catalog.runtime("vllm"), quant="int4-awq")
    emb = 128256 * 4096
    body = 8_030_261_248 - 2 * emb - (32 * 2 + 1) * 4096
    expected = body * (0.5 + 2.5 / 128) + 2 * emb * 2 + (32 * 2 + 1) * 4096 * 2
    assert memory_breakdown(dep).weights_bytes_per_gpu == pytest.approx(expected, rel=1e-6)


def test_kv_capacity_consistent(model, catalog):
    """Capacity in tokens times bytes per token stays within the KV budget."""
    dep = make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("vllm"),
                          max_model_len=4096)
    mem = memory_breakdown(dep)
    assert mem.kv_capacity_tokens * mem.kv_bytes_per_token_per_gpu <= mem.kv_cache_bytes_per_gpu * 1.0001
    assert mem.max_concurrent_seqs == int(mem.kv_cache_bytes_per_gpu // mem.kv_bytes_per_seq_per_gpu)


def test_fp8_kv_halves_bytes(model, catalog):
    """FP8 KV cache halves KV bytes per token and roughly doubles capacity."""
    spec, gpu, rt = model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("vllm")
    auto = memory_breakdown(make_deployment(spec, gpu, rt, max_model_len=8192))
    fp8 = memory_breakdown(make_deployment(spec, gpu, rt, kv_dtype="fp8", max_model_len=8192))
    assert fp8.kv_bytes_per_token == auto.kv_bytes_per_token / 2
    assert fp8.kv_capacity_tokens == pytest.approx(2 * auto.kv_capacity_tokens, rel=0.01)


def test_tp_that_does_not_divide_heads(model, catalog):
    """TP=3 does not divide 32 heads: a SpecError naming the heads."""
    with pytest.raises(SpecError, match="does not divide the 32 attention heads"):
        make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("vllm"), tp_size=3)


def test_fp8_on_a100_rejected(model, catalog):
    """FP8 weights need Ada/Hopper/Blackwell/MI300: A100 is refused."""
    with pytest.raises(SpecError, match="fp8 weights only on"):
        make_deployment(model("llama-3.1-8b"), catalog.gpu("a100-80gb"), catalog.runtime("vllm"), quant="fp8")


def test_trtllm_on_amd_rejected(model, catalog):
    """TensorRT-LLM does not run on MI300X."""
    with pytest.raises(SpecError, match="does not run on"):
        make_deployment(model("llama-3.1-8b"), catalog.gpu("mi300x"), catalog.runtime("trtllm"))


def test_pipeline_parallel_splits_layers(model, catalog):
    """PP=2 roughly halves per-GPU weights (embedding and lm_head on different stages)."""
    spec, gpu, rt = model("llama-3.1-70b"), catalog.gpu("h100"), catalog.runtime("vllm")
    pp1 = memory_breakdown(make_deployment(spec, gpu, rt, tp_size=4, max_model_len=4096))
    pp2 = memory_breakdown(make_deployment(spec, gpu, rt, tp_size=4, pp_size=2, max_model_len=4096))
    assert pp2.weights_bytes_per_gpu == pytest.approx(pp1.weights_bytes_per_gpu / 2, rel=0.02)


TP = st.sampled_from([1, 2, 4, 8])
CTX = st.integers(min_value=1, max_value=32768)


@settings(max_examples=30, deadline=None)
@given(tp_a=TP, tp_b=TP, ctx=CTX)
def test_tp_never_raises_weight_bytes(model, catalog, tp_a, tp_b, ctx):
    """More tensor parallelism never raises weight bytes per GPU."""
    spec, gpu, rt = model("llama-3.1-70b"), catalog.gpu("h100"), catalog.runtime("vllm")
    lo, hi = sorted((tp_a, tp_b))
    a = memory_breakdown(make_deployment(spec, gpu, rt, tp_size=lo, max_model_len=ctx))
    b = memory_breakdown(make_deployment(spec, gpu, rt, tp_size=hi, max_model_len=ctx))
    assert b.weights_bytes_per_gpu <= a.weights_bytes_per_gpu


@settings(max_examples=30, deadline=None)
@given(ctx_a=CTX, ctx_b=CTX)
def test_kv_monotone_in_context(model, catalog, ctx_a, ctx_b):
    """KV bytes per sequence never shrink as the context grows (sliding windows included)."""
    spec, gpu, rt = model("gemma-2-9b"), catalog.gpu("h100"), catalog.runtime("vllm")
    dep = make_deployment(spec, gpu, rt, max_model_len=8192)
    lo, hi = sorted((ctx_a, ctx_b))
    assert memory_breakdown(dep, lo).kv_bytes_per_seq_per_gpu <= memory_breakdown(dep, hi).kv_bytes_per_seq_per_gpu


@settings(max_examples=20, deadline=None)
@given(extra_gib=st.floats(min_value=0, max_value=200), ctx=CTX)
def test_more_memory_never_fits_less(model, catalog, extra_gib, ctx):
    """A GPU with more memory never fits less (KV capacity and the verdict)."""
    gpu = catalog.gpu("l40s")
    bigger = gpu.model_copy(update={"memory_bytes": gpu.memory_bytes + int(extra_gib * GIB)})
    spec, rt = model("llama-3.1-8b"), catalog.runtime("vllm")
    small = memory_breakdown(make_deployment(spec, gpu, rt, max_model_len=ctx))
    big = memory_breakdown(make_deployment(spec, bigger, rt, max_model_len=ctx))
    assert big.kv_capacity_tokens >= small.kv_capacity_tokens
    assert big.fits or not small.fits


@settings(max_examples=20, deadline=None)
@given(tp=TP, ctx=CTX)
def test_parts_sum_to_usable(model, catalog, tp, ctx):
    """vLLM: weights + activations + graphs + KV fill the usable fraction (the CUDA context sits outside it)."""
    dep = make_deployment(model("llama-3.1-70b"), catalog.gpu("h200"), catalog.runtime("vllm"), tp_size=tp,
                          max_model_len=ctx)
    m = memory_breakdown(dep)
    parts = m.weights_bytes_per_gpu + m.activation_bytes_per_gpu + m.cuda_graph_bytes
    assert parts + m.kv_cache_bytes_per_gpu == pytest.approx(m.usable_bytes, rel=1e-9)
    assert m.usable_bytes + m.cuda_context_bytes <= m.gpu_memory_bytes


def test_sglang_fraction_covers_weights_and_kv(model, catalog):
    """SGLang: mem_fraction_static x memory holds weights + KV (Llama-3.1-8B on H100: ~51 GiB of KV)."""
    dep = make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("sglang"), max_model_len=8192)
    m = memory_breakdown(dep)
    assert m.weights_bytes_per_gpu + m.kv_cache_bytes_per_gpu == pytest.approx(0.83 * m.gpu_memory_bytes, rel=1e-9)
    assert 49 * GIB < m.kv_cache_bytes_per_gpu < 53 * GIB


def test_vllm_small_gpu_defaults(model, catalog):
    """vLLM defaults to 256 sequences / 2048 batched tokens under 70 GiB and on A100, 1024 / 8192 on H100."""
    spec, rt = model("llama-3.1-8b"), catalog.runtime("vllm")
    for gpu, seqs, tokens in (("l40s", 256, 2048), ("a100-80gb", 256, 2048), ("h100", 1024, 8192), ("b200", 1024, 16384)):
        dep = make_deployment(spec, catalog.gpu(gpu), rt, max_model_len=4096)
        assert (dep.max_num_seqs, dep.max_num_batched_tokens) == (seqs, tokens)
