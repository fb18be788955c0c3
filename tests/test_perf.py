"""Performance model: hand-checkable rooflines and monotonicity properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.compat import make_deployment
from planner.core.iteration import decode_shape, prefill_shape
from planner.core.perf import PerfModel, gemm_efficiency

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def l8_h100(model, catalog):
    return make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("vllm"), max_model_len=8192)


def test_batch1_decode_is_weight_streaming(l8_h100):
    """Batch-1 decode of Llama-3.1-8B bf16 on H100 streams the weights once: (16.06 - 1.05 GB embedding table,
    which is only indexed) / (3.35 TB/s x weight efficiency)."""
    pm = PerfModel.build(l8_h100)
    it = pm.decode(1, 64)
    expected = (16.06e9 - 128256 * 4096 * 2) / (3.35e12 * pm.eff.weight_bw_efficiency)
    assert it.gemm_s == pytest.approx(expected, rel=0.02)
    assert it.bound == "memory"
    assert it.total_s == pytest.approx(it.gemm_s + it.attention_s + it.overhead_s, rel=1e-9)


def test_long_prefill_is_compute_bound(l8_h100):
    """An 8k-token prompt is compute bound: ~2 x 8e9 x 8192 FLOPs at the GEMM efficiency."""
    pm = PerfModel.build(l8_h100)
    it = pm.prefill(1, 8192)
    assert it.bound == "compute"
    flops = 2 * (8.03e9 - 2 * 128256 * 4096) * 8192  # embedding lookups are not GEMMs; lm_head runs on 1 row
    floor = flops / (989.4e12 * gemm_efficiency(pm.eff, 8192))
    assert floor * 0.95 <= it.gemm_s <= floor * 1.1


def test_tp2_halves_weights_adds_allreduce(model, catalog):
    """TP=2 halves per-GPU weight streaming time but adds all-reduce time."""
    spec, gpu, rt = model("llama-3.1-70b"), catalog.gpu("h100"), catalog.runtime("vllm")
    tp2 = PerfModel.build(make_deployment(spec, gpu, rt, tp_size=2, quant="fp8", max_model_len=4096)).decode(1, 64)
    tp4 = PerfModel.build(make_deployment(spec, gpu, rt, tp_size=4, quant="fp8", max_model_len=4096)).decode(1, 64)
    assert tp4.gemm_s == pytest.approx(tp2.gemm_s / 2, rel=0.05)
    assert tp4.communication_s > tp2.communication_s > 0


def test_tp1_has_no_communication(l8_h100):
    """A single GPU spends no time in collectives."""
    assert PerfModel.build(l8_h100).decode(32, 1000).communication_s == 0.0


def test_fp8_faster_than_bf16_for_prefill(model, catalog):
    """FP8 tensor cores make a compute-bound prefill faster on Hopper."""
    spec, gpu, rt = model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("vllm")
    bf16 = PerfModel.build(make_deployment(spec, gpu, rt, max_model_len=8192)).prefill(4, 2048).total_s
    fp8 = PerfModel.build(make_deployment(spec, gpu, rt, quant="fp8", max_model_len=8192)).prefill(4, 2048).total_s
    assert fp8 < bf16 * 0.8


def test_moe_touches_only_routed_experts(model, catalog):
    """Batch-1 decode of Mixtral streams ~2 of 8 experts, far less than all weights: the roofline says so within
    5%, and the measured fused-MoE table (H100, vLLM 0.24) agrees within 10%."""
    from planner.core.efficiency import default_efficiency

    dep = make_deployment(model("mixtral-8x7b"), catalog.gpu("h100"), catalog.runtime("vllm"), tp_size=2,
                          max_model_len=4096)
    roof = PerfModel.build(dep, default_efficiency(dep).model_copy(update={"use_moe_tables": False}))
    b1, b256 = roof.decode(1, 100), roof.decode(256, 100)
    assert b1.gemm_s < b256.gemm_s
    active_bytes = 12.88e9 * 2 / 2  # active parameters, bf16, split over TP=2
    streamed_s = active_bytes / (3.35e12 * roof.eff.weight_bw_efficiency)
    assert b1.gemm_s == pytest.approx(streamed_s, rel=0.05)
    measured = PerfModel.build(dep)
    assert measured._tab_moe is not None
    assert measured.decode(1, 100).gemm_s == pytest.approx(streamed_s, rel=0.10)


def test_mla_decode_reads_latent_cache(model, catalog):
    """DeepSeek-V3 decode attention reads the 70,272 B/token latent per token of context."""
    dep = make_deployment(model("deepseek-v3"), catalog.gpu("h200"), catalog.runtime("vllm"), tp_size=8,
                          max_model_len=8192)
    pm = PerfModel.build(dep)
    short, long = pm.decode(64, 1000), pm.decode(64, 5000)
    assert long.attention_s > short.attention_s * 3


BATCH = st.integers(min_value=1, max_value=512)
CTX = st.integers(min_value=1, max_value=32000)


@settings(max_examples=40, deadline=None)
@given(b1=BATCH, b2=BATCH, c1=CTX, c2=CTX)
def test_step_time_monotone(l8_h100, b1, b2, c1, c2):
    """Decode step time never falls as batch or context grows."""
    pm = PerfModel.build(l8_h100)
    (blo, bhi), (clo, chi) = sorted((b1, b2)), sorted((c1, c2))
    assert pm.step_s(decode_shape(blo, clo)) <= pm.step_s(decode_shape(bhi, clo)) + 1e-12
    assert pm.step_s(decode_shape(blo, clo)) <= pm.step_s(decode_shape(blo, chi)) + 1e-12


@settings(max_examples=40, deadline=None)
@given(b1=BATCH, b2=BATCH, ctx=CTX)
def test_decode_throughput_grows_with_batch(l8_h100, b1, b2, ctx):
    """Tokens per second of a decode step never fall as the batch grows."""
    pm = PerfModel.build(l8_h100)
    lo, hi = sorted((b1, b2))
    assert lo / pm.step_s(decode_shape(lo, ctx)) <= hi / pm.step_s(decode_shape(hi, ctx)) * (1 + 1e-9)


@settings(max_examples=30, deadline=None)
@given(scale_bw=st.floats(min_value=1.0, max_value=4.0), scale_flops=st.floats(min_value=1.0, max_value=4.0),
       batch=BATCH, prompt=st.integers(min_value=1, max_value=8192))
def test_faster_gpu_never_slower(l8_h100, scale_bw, scale_flops, batch, prompt):
    """A GPU with more bandwidth and FLOPs never predicts a slower prefill or decode for the same plan."""
    gpu = l8_h100.gpu
    peaks = gpu.peak_dense_tflops.model_copy(update={
        k: v * scale_flops for k, v in gpu.peak_dense_tflops.model_dump().items() if v})
    fast = gpu.model_copy(update={"hbm_bw_bytes_per_s": gpu.hbm_bw_bytes_per_s * scale_bw, "peak_dense_tflops": peaks})
    slow_pm, fast_pm = PerfModel.build(l8_h100), PerfModel.build(l8_h100.model_copy(update={"gpu": fast}))
    assert fast_pm.step_s(decode_shape(batch, prompt)) <= slow_pm.step_s(decode_shape(batch, prompt)) + 1e-12
    assert fast_pm.step_s(prefill_shape(1, prompt)) <= slow_pm.step_s(prefill_shape(1, prompt)) + 1e-12


def test_fast_decode_path_matches_full_model(model, catalog):
    """The cached decode path equals the full iteration model (windows included)."""
    for name in ("llama-3.1-8b", "gemma-2-9b", "mixtral-8x7b"):
        dep = make_deployment(model(name), catalog.gpu("h100"), catalog.runtime("vllm"), tp_size=2,
                              max_model_len=8192)
        pm = PerfModel.build(dep)
        for batch, ctx in ((1, 10), (33, 5000), (200, 7000)):
            assert pm.step_s(decode_shape(batch, ctx)) == pytest.approx(pm.iteration(decode_shape(batch, ctx)).total_s)
