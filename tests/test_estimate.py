"""`planner estimate`: every family on every GPU its runtime supports; load regimes; JSON contract."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.core.arch import count_params
from planner.core.compat import incompatibilities, make_deployment
from planner.core.memory import memory_breakdown
from planner.errors import InfeasibleError, SpecError
from planner.estimate import LoadSpec, estimate
from planner.specs.workload import LengthDistribution
from tests.conftest import MODELS

runner = CliRunner()
FAMILY_MODELS = ["llama-2-7b", "llama-3.1-8b", "mistral-7b-v0.1", "mixtral-8x7b", "qwen2.5-7b", "qwen3-8b",
                 "qwen3-30b-a3b", "gemma-2-9b", "gemma-3-27b", "phi-3-mini", "phi-4", "deepseek-v2-lite",
                 "gpt-oss-20b", "bge-large-en-v1.5"]
GPUS = ["t4", "l4", "a10g", "l40s", "a100-40gb", "a100-80gb", "h100-sxm", "h100-pcie", "h200", "gh200", "b200",
        "gb200", "mi300x", "mi325x"]


@pytest.mark.parametrize("name", FAMILY_MODELS)
@pytest.mark.parametrize("runtime", ["vllm", "trtllm"])
def test_every_family_on_every_supported_gpu(model, catalog, name, runtime):
    """Each family estimates on each GPU the runtime supports (smallest TP that fits); others are SpecErrors."""
    spec = model(name)
    rt = catalog.runtime(runtime)
    for gpu_id in GPUS:
        gpu = catalog.gpu(gpu_id)
        if incompatibilities(spec, gpu, rt):
            with pytest.raises(SpecError):
                make_deployment(spec, gpu, rt, max_model_len=512)
            continue
        for tp in (1, 2, 4, 8):
            if incompatibilities(spec, gpu, rt, tp_size=tp) or tp > gpu.interconnect.gpus_per_node:
                continue
            dep = make_deployment(spec, gpu, rt, tp_size=tp, max_model_len=512)
            if memory_breakdown(dep, 512).fits:
                out = 1 if spec.encoder_only else 32
                result = estimate(dep, LengthDistribution.fixed(256), LengthDistribution.fixed(out),
                                  LoadSpec(kind="batch", value=4))
                _check_physical(result, spec, gpu)
                break


def _check_physical(result, spec, gpu):
    """Bounds no correct prediction can break: a decode step streams at least the active weights of one GPU at
    peak bandwidth, a prefill does at least 2 FLOPs per active parameter per token at peak, and a static batch's
    end-to-end latency is its TTFT plus one TPOT per further token."""
    s, mem = result.serving, result.memory
    counts = count_params(spec)
    active_share = counts.active / counts.total
    peak_flops = max(gpu.peak_tflops(d) or 0 for d in ("bf16", "fp16", "fp8", "fp4")) * 1e12
    tp = result.deployment.tp_size
    prefill_floor = 2 * counts.active * 256 * s.concurrency / tp / peak_flops
    assert s.ttft.mean_s >= prefill_floor
    if not spec.encoder_only:
        step_floor = mem.weights_bytes_per_gpu * active_share * 0.5 / gpu.hbm_bw_bytes_per_s
        assert step_floor <= s.tpot.mean_s <= 100 * step_floor + 0.05
        assert s.e2e.mean_s == pytest.approx(s.ttft.mean_s + 31 * s.tpot.mean_s, rel=1e-6)
    assert s.requests_per_s == pytest.approx(s.concurrency / s.e2e.mean_s, rel=1e-6)  # the (capped) batch


def test_load_regimes_are_consistent(model, catalog):
    """Offline throughput >= closed loop at 64 >= closed loop at 1, and a static batch of 1 has TPOT ~ one step."""
    dep = make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("vllm"), max_model_len=2048)
    isl, osl = LengthDistribution.fixed(512), LengthDistribution.fixed(128)
    offline = estimate(dep, isl, osl, LoadSpec(kind="offline", num_requests=1000)).serving
    c64 = estimate(dep, isl, osl, LoadSpec(kind="concurrency", value=64)).serving
    c1 = estimate(dep, isl, osl, LoadSpec(kind="concurrency", value=1)).serving
    assert offline.output_tokens_per_s >= c64.output_tokens_per_s * 0.95 >= c1.output_tokens_per_s
    b1 = estimate(dep, isl, osl, LoadSpec(kind="batch", value=1)).serving
    assert c1.tpot.mean_s == pytest.approx(b1.tpot.mean_s, rel=0.1)


def test_does_not_fit_is_infeasible(model, catalog):
    """A deployment that cannot hold one sequence is an InfeasibleError (exit 1), not a crash."""
    dep = make_deployment(model("llama-3.1-70b"), catalog.gpu("l40s"), catalog.runtime("vllm"), tp_size=1,
                          max_model_len=1024)
    with pytest.raises(InfeasibleError, match="does not fit"):
        estimate(dep, LengthDistribution.fixed(512), LengthDistribution.fixed(128), LoadSpec(kind="batch", value=1))


def test_cli_json_contract():
    """`planner estimate --format json` carries the stable keys."""
    result = runner.invoke(app, ["estimate", str(MODELS / "llama-3.1-8b"), "--gpu", "h100", "--isl", "1000",
                                 "--osl", "200", "--concurrency", "16", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for key in ("ttft_s", "tpot_s", "e2e_s", "output_tokens_per_s", "output_tokens_per_s_per_gpu", "requests_per_s",
                "prefill_bound", "decode_bound"):
        assert key in data
    assert data["output_tokens_per_s_per_gpu"] == data["output_tokens_per_s"]


@pytest.mark.parametrize(("args", "line"), [
    (("--gpu", "a100-80gb", "--quant", "fp8", "-c", "4"), "Error: vLLM serves fp8 weights only on"),
    (("--gpu", "mi300x", "--runtime", "trtllm", "-c", "4"), "Error: TensorRT-LLM does not run on"),
    (("--gpu", "h100", "-c", "4", "--batch", "2"), "Error: --concurrency --batch: give exactly one of"),
    (("--gpu", "h100",), "Error: load: give exactly one of --concurrency, --batch, --rps and --burst"),
    (("--gpu", "h100", "-c", "many"), "Error: --concurrency: --concurrency must be a positive integer or `max`"),
    (("--gpu", "h100", "-c", "4", "--max-concurrency", "2"), "Error: --max-concurrency 2: --max-concurrency caps an"),
])
def test_cli_errors(args, line):
    """Unsupported combinations and bad loads exit 2 with a clear line."""
    result = runner.invoke(app, ["estimate", str(MODELS / "llama-3.1-8b"), "--isl", "100", "--osl", "10", *args])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(line)


def test_cli_concurrency_capped_note():
    """--concurrency beyond what fits is capped and the output says so."""
    result = runner.invoke(app, ["estimate", str(MODELS / "llama-3.1-8b"), "--gpu", "l4", "--isl", "4000", "--osl",
                                 "1000", "-c", "5000", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert any("capped" in n for n in json.loads(result.stdout)["notes"])


def test_cli_json_uncertainty_per_metric():
    """Every latency family and the throughput carry an error band, and its range brackets the band's ratios
    times the p95 (or the throughput)."""
    result = runner.invoke(app, ["estimate", str(MODELS / "llama-3.1-8b"), "--gpu", "h100", "--isl", "1000",
                                 "--osl", "200", "--rps", "4", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["uncertainty"]) == {"ttft", "tpot", "itl", "e2e", "throughput"}
    for metric, band in data["uncertainty"].items():
        base = data[band["range_of"]]
        assert band["range_80pct"] == pytest.approx([base * band["low_ratio"], base * band["high_ratio"]], rel=1e-3)
        assert band["low_ratio"] <= band["high_ratio"] and band["published_points"] >= 8, metric
    for stat in ("mean", "p50", "p90", "p95", "p99"):
        for family in ("ttft", "tpot", "itl", "e2e"):
            assert f"{family}_{stat}_s" in data


def test_cli_burst_and_client_cap_render():
    """A burst and a capped open loop render their load in words (the table view)."""
    burst = runner.invoke(app, ["estimate", str(MODELS / "llama-3.1-8b"), "--gpu", "h100", "--isl", "500",
                                "--osl", "50", "--burst", "40"])
    assert burst.exit_code == 0, burst.output
    assert "a burst of 40 requests" in burst.stdout and "ITL" in burst.stdout
    capped = runner.invoke(app, ["estimate", str(MODELS / "llama-3.1-8b"), "--gpu", "h100", "--isl", "500",
                                 "--osl", "50", "--rps", "50", "--max-concurrency", "8", "--num-requests", "200",
                                 "-f", "json"])
    assert capped.exit_code == 0, capped.output
    assert json.loads(capped.stdout)["concurrency"] <= 8.01


def test_in_process_engine_has_no_api_server(model, catalog):
    """An in-process engine (LLM.generate, benchmark_latency/throughput) pays neither the served request latency nor
    the API server's per-request and per-token work: a static batch's TTFT is exactly the served one less vLLM's
    `request_overhead_s`, TPOT is unchanged, and a flood of short requests (which the API server's ingest bounds when
    served) runs faster in-process."""
    rt = catalog.runtime("vllm")
    eff = rt.perf
    assert eff.request_overhead_s > 0 and eff.frontend_request_s > 0 and eff.frontend_output_token_s > 0
    bare = eff.in_process()
    assert (bare.request_overhead_s, bare.frontend_request_s, bare.frontend_prompt_token_s,
            bare.frontend_output_token_s) == (0, 0, 0, 0)
    assert bare.model_copy(update={k: getattr(eff, k) for k in ("request_overhead_s", "frontend_request_s",
                                                                "frontend_prompt_token_s",
                                                                "frontend_output_token_s")}) == eff
    dep = make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), rt, max_model_len=2048)
    isl, osl = LengthDistribution.fixed(512), LengthDistribution.fixed(128)
    served = estimate(dep, isl, osl, LoadSpec(kind="batch", value=8)).serving
    local = estimate(dep, isl, osl, LoadSpec(kind="batch", value=8, in_process=True)).serving
    assert served.ttft.mean_s - local.ttft.mean_s == pytest.approx(eff.request_overhead_s, rel=1e-9)
    assert served.tpot.mean_s == local.tpot.mean_s
    short_in, short_out = LengthDistribution.fixed(64), LengthDistribution.fixed(4)
    flood = estimate(dep, short_in, short_out, LoadSpec(kind="offline", num_requests=2000)).serving
    flood_local = estimate(dep, short_in, short_out, LoadSpec(kind="offline", num_requests=2000,
                                                             in_process=True)).serving
    assert flood.requests_per_s <= 1 / eff.frontend_request_s * 1.001  # served: the ingest is the bottleneck
    assert flood_local.requests_per_s > 1.2 * flood.requests_per_s


def test_cli_in_process():
    """--in-process is named in the table title and the JSON load, and does not combine with --disagg."""
    base = [str(MODELS / "llama-3.1-8b"), "--gpu", "h100", "--isl", "500", "--osl", "50", "--batch", "4"]
    table = runner.invoke(app, ["estimate", *base, "--in-process"])
    assert table.exit_code == 0, table.output
    assert "in-process (no API server)" in table.stdout
    data = json.loads(runner.invoke(app, ["estimate", *base, "--in-process", "-f", "json"]).stdout)
    served = json.loads(runner.invoke(app, ["estimate", *base, "-f", "json"]).stdout)
    assert data["load"]["in_process"] is True and served["load"]["in_process"] is False
    assert data["ttft_s"] < served["ttft_s"]
    bad = runner.invoke(app, ["estimate", str(MODELS / "llama-3.1-70b"), "--gpu", "h200", "--tp", "2", "--isl", "500",
                              "--osl", "50", "--rps", "2", "--disagg", "1:1", "--in-process"])
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: --in-process: a disaggregated deployment is served")
