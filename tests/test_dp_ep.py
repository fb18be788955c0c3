"""Attention data parallelism (--dp-size) and expert parallelism (--ep-size): replica size, expert shards per GPU,
dispatch / combine cost, per-rank KV pools, compatibility errors, CLI flags and launch flags. Numbers are worked by
hand from the model configs and hardware_db."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.core import alltoall, perf, shard
from planner.core.compat import make_deployment
from planner.core.memory import kv_token_capacity, memory_breakdown
from planner.core.serving import sim_config
from planner.deploy.launch import launch, target_of
from planner.deploy.rules import check_command
from planner.errors import SpecError

runner = CliRunner()

# Mixtral-8x7B: hidden 4096, expert intermediate 14336, 32 layers, 8 experts, top-2, 32 heads / 8 KV heads.
GATE_UP_BYTES_PER_EXPERT = 2 * 14336 * 4096 * 2 * 32
"""Fused gate+up projection of one expert over all 32 layers at bf16, bytes."""


def _dep(model, catalog, name="mixtral-8x7b", gpu="h100", runtime="sglang", **kw):
    return make_deployment(model(name), catalog.gpu(gpu), catalog.runtime(runtime), quant=kw.pop("quant", "bf16"),
                           max_model_len=kw.pop("max_model_len", 4096), **kw)


def _gate_up(dep):
    return next(p for p in shard.placements(dep) if p.linear.name == "experts.gate_up_proj")


def test_num_gpus_default_ep_and_label(model, catalog):
    dep = _dep(model, catalog, tp_size=2, dp_size=4)
    assert dep.num_gpus == 8
    assert dep.ep_size == 8  # MoE model with DP > 1: experts over every GPU of the replica
    assert "tp2 dp4 ep8" in dep.label()
    assert _dep(model, catalog, tp_size=2).ep_size == 1
    assert _dep(model, catalog, name="llama-3.1-8b", dp_size=2).ep_size == 1  # dense: no experts to spread


def test_expert_bytes_per_gpu(model, catalog):
    # EP 8 on 8 GPUs: one whole expert per GPU.
    ep8 = _gate_up(_dep(model, catalog, dp_size=8, ep_size=8))
    assert ep8.local_copies == 1
    assert ep8.weight_bytes == pytest.approx(GATE_UP_BYTES_PER_EXPERT)
    # TP 8 without EP: all 8 experts, each an eighth: the same bytes per GPU.
    assert _gate_up(_dep(model, catalog, tp_size=8)).weight_bytes == pytest.approx(GATE_UP_BYTES_PER_EXPERT)
    # DP 2 with EP 1: the MoE layer spans both GPUs, every expert halved: 8 / 2 experts' worth.
    ep1 = _gate_up(_dep(model, catalog, dp_size=2, ep_size=1))
    assert ep1.weight_bytes == pytest.approx(GATE_UP_BYTES_PER_EXPERT * 8 / 2)
    # EP 4 over tp 2 x dp 4 = 8 GPUs: 2 experts per GPU, each sharded over 2.
    ep4 = _gate_up(_dep(model, catalog, tp_size=2, dp_size=4, ep_size=4))
    assert ep4.local_copies == 2
    assert ep4.weight_bytes == pytest.approx(GATE_UP_BYTES_PER_EXPERT * 2 / 2)


def test_attention_replicated_per_dp_rank(model, catalog):
    q = next(p for p in shard.placements(_dep(model, catalog, dp_size=8)) if p.linear.name == "q_proj")
    assert q.n_local == 32 * 128  # tp 1 inside each rank: the whole projection on every GPU


def test_kv_pool_per_rank(model, catalog):
    dep = _dep(model, catalog, dp_size=4)
    mem = memory_breakdown(dep)
    pm = perf.PerfModel.build(dep)
    per_rank = kv_token_capacity(dep, mem.kv_cache_bytes_per_gpu, 1000)
    cfg = sim_config(pm, mem, 1000)
    assert cfg.kv_capacity_tokens == 4 * per_rank
    # KV per token per GPU is the tp-1 figure: 8 KV heads x 128 x (K + V) x 2 bytes x 32 layers.
    assert mem.kv_bytes_per_token_per_gpu == pytest.approx(8 * 128 * 2 * 2 * 32)


def test_all_to_all_time(model, catalog):
    """Mixtral on 8x H200 as DP 8 + EP 8 (SGLang): each GPU starts with rows/8 tokens and sends each to its 2 experts,
    7/8 of them on other GPUs: 2 x 7/8 = 1.75 copies of 4096 x 2 bytes, dispatch and combine, so
    2 x 1.75 x 8192 / 8 = 3584 bytes per replica row per GPU. NVLink 4 gives 450 GB/s one way at the profile's 0.9
    (normal kernels, prefill); latency 2 x 30 us. 1000 rows: 60 us + 1000 x 3584 / 405e9 = 68.85 us."""
    dep = _dep(model, catalog, gpu="h200", dp_size=8, ep_size=8)
    a2a = alltoall.all_to_all_constants(dep)
    assert a2a[0] == pytest.approx(3584)
    assert alltoall.all_to_all_s(1000, a2a, decode_only=False) == pytest.approx(60e-6 + 1000 * 3584 / (450e9 * 0.9))
    # Decode steps use the low-latency kernels (0.6 of the link): slower per byte, same latency.
    assert alltoall.all_to_all_s(1000, a2a, decode_only=True) == pytest.approx(60e-6 + 1000 * 3584 / (450e9 * 0.6))


def test_wide_ep_across_nodes_uses_the_network(model, catalog):
    """Qwen3-30B-A3B (hidden 2048, 128 experts, top-8) as DP 16 + EP 16 on H200 spans two 8-GPU nodes: each token
    goes to 8 x 15/16 = 7.5 other GPUs, 2 x 7.5 x 2048 x 2 / 16 = 3840 bytes per replica row per GPU; 8 of each GPU's
    15 peers sit in the other node, reached at 50 GB/s (one 400 Gb/s NIC per GPU), slower than the 7/15 share over
    NVLink; latency the larger of NVLink's 30 us and the network's 20 us, twice."""
    dep = _dep(model, catalog, name="qwen3-30b-a3b", gpu="h200", dp_size=16, ep_size=16)
    bytes_row, latency, _, normal = alltoall.all_to_all_constants(dep)
    assert bytes_row == pytest.approx(3840)
    assert normal == pytest.approx((8 / 15) / 50e9 / 0.9)
    assert latency == pytest.approx(2 * 30e-6)


def test_dp_ep_cuts_decode_attention_and_per_seq_overhead(model, catalog):
    tp = perf.PerfModel.build(_dep(model, catalog, gpu="h200", tp_size=8, max_model_len=8192))
    dep = perf.PerfModel.build(_dep(model, catalog, gpu="h200", dp_size=8, max_model_len=8192))
    big_tp, big_dp = tp.decode(256, 4000), dep.decode(256, 4000)
    assert big_dp.overhead_s < big_tp.overhead_s  # eight schedulers of 32 sequences each
    assert big_dp.communication_s > 0


def test_compat_errors(model, catalog):
    with pytest.raises(SpecError, match="dense"):
        _dep(model, catalog, name="llama-3.1-8b", ep_size=2)
    with pytest.raises(SpecError, match="does not divide the 8 GPUs"):
        _dep(model, catalog, dp_size=8, ep_size=3)
    with pytest.raises(SpecError, match="does not divide the 8 experts"):
        _dep(model, catalog, dp_size=16, ep_size=16, gpu="h200")
    with pytest.raises(SpecError, match="does not divide the 8 experts"):
        _dep(model, catalog, tp_size=4, dp_size=4, ep_size=16, gpu="h200")
    with pytest.raises(SpecError, match="no attention data parallelism"):
        _dep(model, catalog, runtime="tgi", dp_size=2)


def test_default_ep_size_is_named_as_such(model, catalog):
    """Only --dp-size given: the error blames the default EP size (tp x dp), on --dp-size, not an --ep-size the user
    never passed."""
    with pytest.raises(SpecError) as exc:
        _dep(model, catalog, tp_size=1, dp_size=3, gpu="h200")
    assert exc.value.where == "--dp-size"
    assert "the default expert-parallel size 3 (tp 1 x dp 3) does not divide the 8 experts" in str(exc.value)
    assert "--ep-size N" in (exc.value.hint or "")


def test_launch_flags(model, catalog):
    sglang = launch(_dep(model, catalog, gpu="h200", dp_size=8), "m")
    assert "--tp-size 8 " in sglang.command and "--dp-size 8 --enable-dp-attention --ep-size 8" in sglang.command
    vllm = launch(_dep(model, catalog, gpu="h200", runtime="vllm", dp_size=8), "m")
    assert "--tensor-parallel-size 1 " in vllm.command
    assert "--data-parallel-size 8 --enable-expert-parallel" in vllm.command
    trt_dep = _dep(model, catalog, gpu="h200", runtime="trtllm", dp_size=4)  # "DEP4"
    trt = launch(trt_dep, "m")
    assert "--tp_size 4 " in trt.command and "--ep_size 4" in trt.command
    assert any("enable_attention_dp: true" in n for n in trt.notes)
    for dep, out in ((_dep(model, catalog, gpu="h200", dp_size=8), sglang), (trt_dep, trt)):
        rules = dep.runtime.launch
        assert rules is not None
        assert check_command(out.program, out.args, rules, target_of(dep)) == []


def test_cli_estimate_and_memory_flags():
    result = runner.invoke(app, ["estimate", "examples/models/mixtral-8x7b", "--gpu", "h100", "--runtime", "sglang",
                                 "--tp", "1", "--dp-size", "2", "--isl", "256", "--osl", "64", "--concurrency", "4",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "tp1 dp2 ep2" in result.stdout
    result = runner.invoke(app, ["memory", "examples/models/mixtral-8x7b", "--gpu", "h100", "--runtime", "sglang",
                                 "--dp-size", "2", "--ep-size", "2", "--format", "json"])
    assert result.exit_code == 0, result.output
    json.loads(result.stdout)


def test_cli_ep_on_dense_model_is_one_error_line():
    result = runner.invoke(app, ["estimate", "examples/models/llama-3.1-8b", "--gpu", "h100", "--ep-size", "2",
                                 "--isl", "100", "--osl", "10", "--concurrency", "1"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: --ep-size: expert-parallel size 2 needs a mixture-of-experts model")
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def dp_plan(tmp_path_factory: pytest.TempPathFactory):
    """A recommended DP8 + EP8 plan (DeepSeek-V3 on B200 under SGLang, where DP+EP is the cheapest layout)."""
    path = tmp_path_factory.mktemp("dp") / "plan.json"
    result = runner.invoke(app, ["recommend", "examples/models/deepseek-v3", "--rps", "20", "--isl", "4000", "--osl",
                                 "1000", "--gpus", "b200", "--runtimes", "sglang", "--format", "json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert (plan["recommendation"]["dp_size"], plan["recommendation"]["ep_size"]) == (8, 8)
    assert plan["recommendation"]["disagg"] is None  # DP+EP pools are never disaggregated (not modelled)
    assert any("DP8+EP8 on 8x b200 sglang" in a["text"] if isinstance(a, dict) else "DP8+EP8" in a
               for a in plan["assumptions"])
    path.write_text(json.dumps(plan))
    return path


def test_export_dp_plan(dp_plan, tmp_path):
    sglang = runner.invoke(app, ["export", str(dp_plan), "--to", "sglang"])
    assert sglang.exit_code == 0, sglang.output
    assert "--dp-size 8" in " ".join(sglang.stdout.split()) and "--enable-dp-attention" in sglang.stdout
    trt = runner.invoke(app, ["export", str(dp_plan), "--to", "trtllm"])
    assert trt.exit_code == 0, trt.output
    assert "enable_attention_dp: true" in trt.stdout and "--ep_size 8" in " ".join(trt.stdout.split())
    plan = json.loads(dp_plan.read_text())
    plan["recommendation"]["gpu"] = "h200"  # a GPU TGI runs on, so that the refusal is about the layout
    moved = tmp_path / "plan.json"
    moved.write_text(json.dumps(plan))
    tgi = runner.invoke(app, ["export", str(moved), "--to", "tgi"])
    assert tgi.exit_code == 2
    assert "no attention data parallelism or expert parallelism" in tgi.output


def test_recommend_deepseek_v3_weighs_tp_dp_ep_and_disaggregation():
    """Issue 13's acceptance case: DeepSeek-V3 at 20 RPS, 4k/1k tokens, on H200 and B200: the report carries
    aggregated TP plans and DP+EP plans with their cost, and says in words why DP+EP and disaggregation were chosen
    or rejected."""
    result = runner.invoke(app, ["recommend", "examples/models/deepseek-v3", "--rps", "20", "--isl", "4000", "--osl",
                                 "1000", "--gpus", "h200,b200", "--format", "json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    shown = [plan["recommendation"], *plan["alternatives"]]
    assert all(c["cost_usd_per_month"] > 0 for c in shown)
    assert any(c["dp_size"] == 1 and c["tp_size"] == 8 for c in shown)
    assert any(c["dp_size"] == 8 and c["ep_size"] == 8 for c in shown)
    texts = [a["text"] if isinstance(a, dict) else a for a in plan["assumptions"]]
    assert any("DP8+EP8" in t and ("chosen" in t or "costs no less" in t or "not simulated" in t) for t in texts)
    assert any(t.startswith("prefill/decode disaggregation") and ("$" in t or "not tried" in t) for t in texts)
