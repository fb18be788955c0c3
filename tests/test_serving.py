"""Serving regimes and the continuous-batching simulator: sanity, limits and invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.core.compat import make_deployment
from planner.core.memory import memory_breakdown
from planner.core.perf import PerfModel
from planner.core.serving import closed_loop, offline, open_loop, static_batch
from planner.specs.workload import LengthDistribution, Workload

pytestmark = pytest.mark.unit
FIXED = LengthDistribution.fixed


@pytest.fixture(scope="module")
def setup(model, catalog):
    dep = make_deployment(model("llama-3.1-8b"), catalog.gpu("l40s"), catalog.runtime("vllm"), max_model_len=4096)
    return PerfModel.build(dep), memory_breakdown(dep, 4096)


def _frontend_s(pm, prompt_tokens):
    """What an idle API server adds to TTFT: ingesting the request and its prompt, streaming the first token."""
    e = pm.eff
    return (e.request_overhead_s + e.frontend_request_s + e.frontend_prompt_token_s * prompt_tokens
            + e.frontend_output_token_s)


def test_low_load_ttft_is_prefill_time(setup):
    """At a trickle of requests, TTFT is one prefill plus the idle API server's ingest and first chunk; waits never
    exceed one running step."""
    pm, mem = setup
    w = Workload(rps=0.2, input_tokens=FIXED(1000), output_tokens=FIXED(50))
    result = open_loop(pm, mem, w, max_requests=200)
    prefill = pm.prefill(1, 1000).total_s + _frontend_s(pm, 1000)
    assert result.ttft.p50_s == pytest.approx(prefill, rel=0.05)
    assert result.queue.p99_s <= pm.decode(1, 1050).total_s * 1.01 + _frontend_s(pm, 1000) and result.stable


def test_overload_grows_queues(setup):
    """Far beyond capacity the queue grows: huge queue times, unstable or throughput-capped."""
    pm, mem = setup
    cap = offline(pm, mem, FIXED(1000), FIXED(200), num_requests=600).requests_per_s
    w = Workload(rps=cap * 3, input_tokens=FIXED(1000), output_tokens=FIXED(200))
    result = open_loop(pm, mem, w, max_requests=1500)
    assert result.queue.p95_s > 10 * pm.prefill(1, 1000).total_s
    assert result.requests_per_s < cap * 1.2


def test_static_batch_formula(setup):
    """Static batch: e2e = prefill + (osl - 1) decode steps at the mean context."""
    pm, mem = setup
    r = static_batch(pm, mem, 8, 512, 128)
    pre = pm.prefill(8, 512).total_s + pm.eff.request_overhead_s
    step = pm.decode(8, 512 + 1 + 126 / 2).total_s
    assert r.ttft.mean_s == pytest.approx(pre)
    assert r.e2e.mean_s == pytest.approx(pre + 127 * step)
    assert r.output_tokens_per_s == pytest.approx(8 * 128 / r.e2e.mean_s)


def test_closed_loop_capped_by_memory(setup):
    """Concurrency beyond what the KV cache holds is capped, and the result says so."""
    pm, mem = setup
    r = closed_loop(pm, mem, 100000, FIXED(3000), FIXED(1000), num_requests=400)
    assert r.concurrency < 100000 and any("capped" in n for n in r.notes)


def test_offline_beats_single_stream(setup):
    """Offline batching yields far more tokens/s than one stream."""
    pm, mem = setup
    one = static_batch(pm, mem, 1, 512, 256).output_tokens_per_s
    many = offline(pm, mem, FIXED(512), FIXED(256), num_requests=800).output_tokens_per_s
    assert many > 10 * one


def test_trtllm_reserves_full_sequences(model, catalog):
    """TensorRT-LLM reserves prompt + output KV at admission: with long outputs it admits fewer requests at once
    than vLLM's on-demand blocks, so queued requests start later and throughput is lower."""
    spec, gpu = model("llama-3.1-8b"), catalog.gpu("l40s")
    results = {}
    for rid in ("vllm", "trtllm"):
        dep = make_deployment(spec, gpu, catalog.runtime(rid), max_model_len=4096, max_num_seqs=4096)
        results[rid] = offline(PerfModel.build(dep), memory_breakdown(dep, 4096), FIXED(200), FIXED(3000),
                               num_requests=600)
    assert results["vllm"].ttft.p50_s < results["trtllm"].ttft.p50_s
    assert results["vllm"].output_tokens_per_s > results["trtllm"].output_tokens_per_s
    assert results["trtllm"].preemptions == 0 < results["vllm"].preemptions


@settings(max_examples=8, deadline=None)
@given(rps=st.floats(min_value=0.2, max_value=3.0), seed=st.integers(min_value=0, max_value=3))
def test_more_replicas_never_raise_p95(setup, rps, seed):
    """Halving the load of a replica (twice the replicas) never raises its p95 latencies."""
    pm, mem = setup
    dist_in = LengthDistribution(kind="lognormal", mean=600, cv=0.8, max_tokens=3000)
    dist_out = LengthDistribution(kind="lognormal", mean=150, cv=0.8, max_tokens=1000)
    one = open_loop(pm, mem, Workload(rps=rps, input_tokens=dist_in, output_tokens=dist_out), seed=seed,
                    max_requests=400, duration_s=400 / rps)
    two = open_loop(pm, mem, Workload(rps=rps / 2, input_tokens=dist_in, output_tokens=dist_out), seed=seed,
                    max_requests=400, duration_s=800 / rps)
    assert two.ttft.p95_s <= one.ttft.p95_s * 1.05 + 1e-3
    assert two.e2e.p95_s <= one.e2e.p95_s * 1.05 + 1e-3


def test_simulation_is_seeded(setup):
    """Same seed, same result; another seed, another sample."""
    pm, mem = setup
    w = Workload(rps=2, input_tokens=LengthDistribution(kind="lognormal", mean=500, cv=1.0, max_tokens=3000),
                 output_tokens=FIXED(100))
    a, b, c = (open_loop(pm, mem, w, seed=s, max_requests=300) for s in (1, 1, 2))
    assert a == b and a != c


def test_bursty_arrivals_hurt_tail(setup):
    """Bursty (CV 4) arrivals raise TTFT p99 over Poisson at the same mean rate."""
    pm, mem = setup
    base = dict(rps=3.0, input_tokens=FIXED(1500), output_tokens=FIXED(100))
    poisson = open_loop(pm, mem, Workload(**base), max_requests=1500)
    bursty = open_loop(pm, mem, Workload(**base, arrival="gamma", burstiness_cv=4.0), max_requests=1500)
    assert bursty.ttft.p99_s > poisson.ttft.p99_s


def test_prefix_cache_lowers_ttft(setup):
    """Prompt tokens served from the prefix cache are not recomputed: lower TTFT."""
    pm, mem = setup
    base = dict(rps=1.0, input_tokens=FIXED(3000), output_tokens=FIXED(50))
    cold = open_loop(pm, mem, Workload(**base), max_requests=300)
    warm = open_loop(pm, mem, Workload(**base, prefix_cache_share=0.8), max_requests=300)
    assert warm.ttft.p50_s < cold.ttft.p50_s * 0.5


def test_encoder_prefill_only(model, catalog):
    """An encoder serves one forward pass per request: TTFT = e2e, no TPOT."""
    dep = make_deployment(model("bge-large-en-v1.5"), catalog.gpu("l4"), catalog.runtime("vllm"), max_model_len=512)
    pm, mem = PerfModel.build(dep), memory_breakdown(dep, 512)
    r = open_loop(pm, mem, Workload(rps=50, input_tokens=FIXED(256), output_tokens=FIXED(1)), max_requests=500)
    assert r.ttft.p50_s == pytest.approx(r.e2e.p50_s) and r.tpot.p50_s == 0.0 and not math.isinf(r.e2e.p99_s)


def test_client_cap_serialises_requests(setup):
    """A client cap of one request in flight turns a flood into back-to-back single requests: every TTFT is one
    prefill (no server queue; the wait at the client is not latency), and throughput is one request per e2e."""
    pm, mem = setup
    w = Workload(rps=1000.0, input_tokens=FIXED(1000), output_tokens=FIXED(50))
    result = open_loop(pm, mem, w, max_requests=40, duration_s=0.04, max_in_flight=1, drain=True)
    prefill = pm.prefill(1, 1000).total_s + _frontend_s(pm, 1000)
    assert result.stable and result.ttft.p99_s == pytest.approx(prefill, rel=0.05)
    assert result.requests_per_s == pytest.approx(1 / result.e2e.mean_s, rel=0.05)
    assert result.concurrency == pytest.approx(1.0, rel=0.05)


def test_drained_flood_finishes_every_request(setup):
    """A fixed-count benchmark far above capacity runs to its last answer when drained (finite latencies), and is
    cut as unstable otherwise."""
    pm, mem = setup
    w = Workload(rps=1000.0, input_tokens=FIXED(2000), output_tokens=FIXED(400))
    drained = open_loop(pm, mem, w, max_requests=400, duration_s=0.4, drain=True)
    assert drained.stable and math.isfinite(drained.ttft.p99_s) and math.isfinite(drained.e2e.p99_s)
    cut = open_loop(pm, mem, w, max_requests=400, duration_s=0.4)
    assert not cut.stable and math.isinf(cut.e2e.p99_s)


def test_latency_per_token_includes_ttft(setup):
    """Latency per output token (guidellm's TPOT) is e2e / output tokens: for a static batch, exactly."""
    pm, mem = setup
    r = static_batch(pm, mem, 4, 512, 64)
    assert r.latency_per_token.mean_s == pytest.approx(r.e2e.mean_s / 64)
    assert r.latency_per_token.mean_s > r.tpot.mean_s


def test_front_end_one_fifo_server_or_a_separate_detokenizer():
    """Hand-checked: 3 requests at t=0 costing 10 ms each to ingest, then one iteration's 100 tokens at
    t=5 ms costing 0.1 ms each. One API server (vLLM) streams them after the whole ingest (30 + 10 ms); a
    separate detokenizer process (SGLang) at once (5 + 10 ms), and the ingest is not delayed by it."""
    from planner.core.sim.frontend import FrontEnd

    for separate, first_out_s, third_in_s in ((False, 0.040, 0.030), (True, 0.015, 0.030)):
        fe = FrontEnd(0.010, 0.0, 0.0001, separate_detokenizer=separate)
        arrivals = [fe.ingest(0.0, 100) for _ in range(3)]
        assert arrivals == pytest.approx([0.010, 0.020, 0.030])
        assert fe.stream(0.005, 100) == pytest.approx(first_out_s)
        assert arrivals[2] == pytest.approx(third_in_s)
        assert fe.ingest(0.0, 100) == pytest.approx(0.040 if separate else 0.050)  # queues behind the stream job
        assert fe.busiest_s == pytest.approx(0.040 if separate else 0.050)


def test_sglang_first_tokens_do_not_wait_for_the_whole_flood_ingest(model, catalog):
    """A flood of 1,000 requests on SGLang: first tokens come out while later requests are still being
    tokenized (its detokenizer is a process of its own), so TTFT spreads over the ingest (p50 well under p99);
    with one API-server FIFO every first token waited for the last ingest (p50 = p99)."""
    dep = make_deployment(model("llama-3.1-8b"), catalog.gpu("h100-sxm"), catalog.runtime("sglang"),
                          max_model_len=4096)
    pm = PerfModel.build(dep)
    res = offline(pm, memory_breakdown(dep, 4096), FIXED(128), FIXED(4), num_requests=1000)
    assert res.ttft.p50_s < 0.7 * res.ttft.p99_s
    assert res.requests_per_s < 1 / pm.eff.frontend_request_s
