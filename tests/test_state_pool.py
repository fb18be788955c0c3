"""SGLang's caps on running requests: the Mamba state pool of hybrid models and the speculative default (48).

Hand-checked against the sglang 0.5.23 wheel (srt/mem_cache/kv_cache_configurator.py _handle_max_mamba_cache and
resolve_max_num_reqs, srt/arg_groups/speculative_hook.py), see runtime_profiles/sglang.yaml `sources:`.
"""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.core import arch
from planner.core import speculative as sp
from planner.core.compat import make_deployment
from planner.core.memory import memory_breakdown
from planner.core.perf import PerfModel
from planner.core.serving import running_cap, scheduler_notes, sim_config
from planner.estimate import LoadSpec, estimate
from planner.specs.workload import LengthDistribution
from tests.conftest import MODELS

QWEN35 = "qwen3.5-35b-a3b"
STATE_BYTES = 30 * ((4 - 1) * (2 * 16 * 128 + 32 * 128) * 2 + 32 * 128 * 128 * 4)
"""Qwen3.5-35B-A3B: 30 Gated-DeltaNet layers, each a bf16 conv state of 3 x 8192 and 32 fp32 128 x 128 matrices
(SGLang's mamba_cache_per_req: 64,389,120 bytes)."""


def _dep(model, catalog, gpu="h200", **kw):
    return make_deployment(model(QWEN35), catalog.gpu(gpu), catalog.runtime("sglang"), max_model_len=4096, **kw)


def test_state_bytes_equal_sglang_mamba_cache_per_req(model):
    """The planner's per-sequence state of Qwen3.5-35B-A3B is SGLang's 64,389,120 bytes (halved at TP2)."""
    assert STATE_BYTES == 64_389_120
    assert arch.state_bytes_per_seq(model(QWEN35)) == STATE_BYTES
    assert arch.state_bytes_busiest_stage(model(QWEN35), 2) == STATE_BYTES / 2


def test_pool_split_and_cap_hand_checked(model, catalog):
    """H200, TP1: cache memory C splits 0.9 : 1; the pool holds floor(0.9 C / 1.9 / s) - 1 = 402 states -> 80 running."""
    m = memory_breakdown(_dep(model, catalog))
    cache = 0.83 * m.gpu_memory_bytes - m.weights_bytes_per_gpu  # activations and graphs fit in the other 17%
    assert m.state_pool_bytes_per_gpu == pytest.approx(cache * 0.9 / 1.9, rel=1e-9)
    assert m.kv_cache_bytes_per_gpu == pytest.approx(cache / 1.9, rel=1e-9)
    assert m.state_pool_slots == math.floor(m.state_pool_bytes_per_gpu / STATE_BYTES) - 1 == 402
    assert m.state_pool_max_seqs == 402 // 5 == 80
    assert m.max_concurrent_seqs == 80
    # The KV cache is charged KV only (10 full-attention layers x 2 heads x 256 x K,V x 2 bytes = 20,480 per token).
    assert m.kv_capacity_tokens == int(m.kv_cache_bytes_per_gpu / 20_480)


def test_speculative_pool_holds_draft_states(model, catalog):
    """MTP k=1 (2 draft tokens): slots K solve K + 2 (K / 5 + 1) + 1 <= B / s, and the default cap drops to 48."""
    rt = catalog.runtime("sglang")
    dep = _dep(model, catalog, speculative=sp.resolve(model(QWEN35), rt, "mtp", 1))
    assert dep.max_num_seqs == 48
    m = memory_breakdown(dep)
    assert m.state_pool_slots == math.floor((m.state_pool_bytes_per_gpu / STATE_BYTES - 1 - 2) / (1 + 2 / 5)) == 277
    assert m.state_pool_max_seqs == 55
    assert running_cap(dep, m) == 48  # the speculative default binds first
    assert any("lowers its default running-request cap to 48" in n for n in scheduler_notes(dep, m))


def test_explicit_max_num_seqs_wins_over_speculative_default(model, catalog):
    """--max-num-seqs 256 with MTP stays 256; the state pool (55 here) still caps what runs, as SGLang does."""
    rt = catalog.runtime("sglang")
    dep = _dep(model, catalog, max_num_seqs=256, speculative=sp.resolve(model(QWEN35), rt, "mtp", 1))
    assert dep.max_num_seqs == 256
    m = memory_breakdown(dep)
    assert running_cap(dep, m) == 55
    assert sim_config(PerfModel.build(dep), m, 1000).max_num_seqs == 55
    notes = scheduler_notes(dep, m)
    assert notes == ["SGLang runs at most 55 requests at once, under max_num_seqs 256: its linear-attention / SSM "
                     "state pool holds 277 per-sequence states, 5 per running request"]


def test_speculative_default_is_split_over_dp_ranks(model, catalog):
    """With DP attention SGLang's 48 is the replica's: 24 per rank at --dp-size 2."""
    rt = catalog.runtime("sglang")
    dep = _dep(model, catalog, tp_size=1, dp_size=2, speculative=sp.resolve(model(QWEN35), rt, "mtp", 1))
    assert dep.max_num_seqs == 24


def test_speculative_default_only_where_the_runtime_has_one(model, catalog):
    """vLLM keeps its usual default with speculative decoding."""
    vllm = catalog.runtime("vllm")
    spec = model("llama-3.1-8b")
    plain = make_deployment(spec, catalog.gpu("h100"), vllm, max_model_len=4096)
    drafted = make_deployment(spec, catalog.gpu("h100"), vllm, max_model_len=4096,
                              speculative=sp.resolve(spec, vllm, "ngram", 2, 0.4))
    assert drafted.max_num_seqs == plain.max_num_seqs == 1024


def test_no_pool_without_state_or_without_the_runtime_rule(model, catalog):
    """A dense model under SGLang, and the hybrid under vLLM, keep states in the KV cache: no pool, no cap."""
    dense = memory_breakdown(make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("sglang"),
                                             max_model_len=8192))
    assert dense.state_pool_max_seqs is None and dense.state_pool_bytes_per_gpu == 0
    hybrid = memory_breakdown(make_deployment(model(QWEN35), catalog.gpu("h200"), catalog.runtime("vllm"),
                                              max_model_len=4096))
    assert hybrid.state_pool_max_seqs is None
    assert hybrid.kv_bytes_per_seq_per_gpu == pytest.approx(4096 * 20_480 + STATE_BYTES)


def test_pool_too_small_for_one_request_does_not_fit(model, catalog):
    """H100, TP1: ~0.36 GiB of pool holds 4 states, fewer than one request's 5 + padding: it does not fit."""
    m = memory_breakdown(_dep(model, catalog, gpu="h100"))
    assert (m.state_pool_slots, m.state_pool_max_seqs, m.fits) == (4, 0, False)
    assert m.shortfall_bytes > 0
    two = memory_breakdown(_dep(model, catalog, gpu="h100", tp_size=2))
    assert two.fits and two.state_pool_max_seqs == 105


def test_state_pool_caps_the_simulated_batch(model, catalog):
    """Everything queued at once: never more than 80 requests run, and the note says why."""
    dep = _dep(model, catalog)
    result = estimate(dep, LengthDistribution.fixed(300), LengthDistribution.fixed(50),
                      LoadSpec(kind="offline", num_requests=400))
    assert result.serving.concurrency <= 80 + 1e-9
    assert "scheduler caps: max_num_seqs 80" in result.serving.notes[0]
    assert any(n.startswith("SGLang runs at most 80 requests at once, under max_num_seqs 2048")
               for n in result.serving.notes)


runner = CliRunner()


def test_cli_estimate_states_the_state_pool_cap():
    """`planner estimate --format json` carries the cap in its notes; an explicit --max-num-seqs is shown as given."""
    import json

    result = runner.invoke(app, ["estimate", str(MODELS / QWEN35), "--gpu", "h200", "--runtime", "sglang",
                                 "--isl", "300", "--osl", "50", "--rps", "4", "--num-requests", "50",
                                 "--max-num-seqs", "512", "--format", "json"])
    assert result.exit_code == 0, result.output
    notes = json.loads(result.stdout)["notes"]
    assert ("SGLang runs at most 80 requests at once, under max_num_seqs 512: its linear-attention / SSM state pool "
            "holds 402 per-sequence states, 5 per running request") in notes


def test_cli_recommend_states_the_state_pool_cap():
    """`planner recommend` plans with the cap and says so in the recommendation's notes."""
    import json

    result = runner.invoke(app, ["recommend", str(MODELS / QWEN35), "--rps", "10", "--isl", "1000", "--osl", "300",
                                 "--gpus", "h200", "--runtimes", "sglang", "--quant", "bf16", "--format", "json"])
    assert result.exit_code == 0, result.output
    rec = json.loads(result.stdout)["recommendation"]
    assert rec["label"].endswith("sglang bf16)")
    assert ("SGLang runs at most 80 requests at once, under max_num_seqs 2048: its linear-attention / SSM state pool "
            "holds 402 per-sequence states, 5 per running request") in rec["notes"]


def test_memory_view_shows_the_state_pool():
    """`planner memory` lists the state pool and the running-request cap it sets."""
    result = runner.invoke(app, ["memory", str(MODELS / QWEN35), "--gpu", "h200", "--runtime", "sglang", "--context",
                                 "4096"], env={"COLUMNS": "160", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    line = next(line for line in result.stdout.splitlines() if "state pool" in line)
    assert line.split() == ["state", "pool", "24.2", "GiB", "402", "linear-attention", "/", "SSM", "states,", "5", "per",
                            "running", "request", "->", "at", "most", "80", "running"]
    assert any(line.split()[-1] == "80" for line in result.stdout.splitlines() if "max concurrent seqs" in line)
