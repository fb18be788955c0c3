"""Attention data parallelism against published runs: each case states its source, how its launch flags map to the
planner's layout, what is assumed where the source is silent, and the tolerance. The same runs are rows of
../shared/validation/public.csv (S105); nothing was fitted to them."""

from __future__ import annotations

import pytest

from planner.core.compat import make_deployment
from planner.estimate import LoadSpec, estimate
from planner.specs.workload import LengthDistribution


def _serve(model, catalog, name, *, dp, ep, isl, osl, load, kv="auto", max_num_seqs=None):
    dep = make_deployment(model(name), catalog.gpu("h200"), catalog.runtime("sglang"), tp_size=1, dp_size=dp,
                          ep_size=ep, kv_dtype=kv, max_num_seqs=max_num_seqs, max_model_len=isl + osl)
    return estimate(dep, LengthDistribution.fixed(isl), LengthDistribution.fixed(osl), load,
                    efficiency=catalog.efficiency_for(dep)).serving


def test_gpustack_deepseek_v32_dp8_attention(model, catalog):
    """GPUStack performance lab, docs/performance-lab/deepseek-v3.2/h200.md @47277d7, 'Other Benchmark Cases' /
    '1k random input + 2k generation': SGLang v0.5.6.post2 `--tp-size 8 --dp-size 8 --enable-dp-attention` on 8x H200
    (our tp 1, dp 8; no --ep-size, so the MoE layers stay tensor-parallel over all 8 GPUs: ep 1), 100 prompts of
    1000 / 2000 tokens sent at once: 2469 output tok/s, median TPOT 39.4 ms. Predicted 2318 tok/s (-6%) and
    42.5 ms (+8%); tolerance 20%."""
    s = _serve(model, catalog, "deepseek-v3.2", dp=8, ep=1, isl=1000, osl=2000,
               load=LoadSpec(kind="offline", num_requests=100))
    assert s.output_tokens_per_s == pytest.approx(2469.32, rel=0.20)
    assert s.tpot.p50_s == pytest.approx(39.4e-3, rel=0.20)


@pytest.mark.xfail(strict=True, reason="known gap: at the stated 256-request cap the planner predicts a median TPOT of "
                                      "~61 ms against 214.5 ms measured (DP+EP decode too optimistic at this batch)")
def test_gpustack_glm52_dp8_deepep(model, catalog):
    """GPUStack performance lab, docs/performance-lab/glm-5.2/h200.md @47277d7, 'KV Cache DType' / 'fp8_e4m3': SGLang
    v0.5.14 `--tp-size=8 --dp-size=8 --enable-dp-attention --moe-a2a-backend=deepep --max-running-requests=256
    --kv-cache-dtype=fp8_e4m3` on 8x H200 (our tp 1, dp 8; DeepEP sets SGLang's ep_size to tp_size: ep 8; SGLang
    splits the 256-request cap over the 8 ranks: 32 each), 1000 random 8192 / 1024-token requests at a constant
    1000 RPS (all but at once; the client saw at most 512 in flight): 1945 output tok/s, median TPOT 214.5 ms.
    Tolerance 20%. Predicted TPOT p50 61 ms (-72%): a known gap, so the case is an expected failure. (The accuracy
    harness, which does not read --max-running-requests, runs this row with SGLang's default cap and lands within
    20%; that is not evidence for the model.)"""
    load = LoadSpec(kind="rps", value=1000, num_requests=1000, max_concurrency=512)
    s = _serve(model, catalog, "glm-5.2-fp8", dp=8, ep=8, isl=8192, osl=1024, load=load, kv="fp8", max_num_seqs=32)
    assert s.output_tokens_per_s == pytest.approx(1944.77, rel=0.20)
    assert s.tpot.p50_s == pytest.approx(214.49e-3, rel=0.20)
