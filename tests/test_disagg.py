"""Prefill/decode disaggregation: GPU counts, the KV link and transfer time, the two-pool simulation and the CLI."""

from __future__ import annotations

import json
import re

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.core import disagg as dg
from planner.core.compat import make_deployment
from planner.errors import SpecError
from planner.estimate import LoadSpec, estimate
from planner.io.disagg import disagg_flags, parse_ratio
from planner.specs.disagg import DisaggConfig
from planner.specs.workload import LengthDistribution
from tests.conftest import MODELS

runner = CliRunner()


def _dep(model, catalog, p=1, d=1, tp=2, ptp=None, dtp=None, gpu="h200", runtime="sglang", name="llama-3.1-70b"):
    base = make_deployment(model(name), catalog.gpu(gpu), catalog.runtime(runtime), tp_size=tp, max_model_len=8192)
    cfg = DisaggConfig(prefill_instances=p, decode_instances=d, prefill_tp=ptp or tp, decode_tp=dtp or tp)
    return base, dg.with_disagg(base, cfg)


@pytest.mark.parametrize(("p", "d", "tp", "gpus"), [(1, 3, 2, 8), (1, 1, 1, 2), (2, 3, 4, 20)])
def test_gpu_count_of_p_d_at_tp(model, catalog, p, d, tp, gpus):
    """P:D at TP t is (P + D) x t GPUs: 1:3 at TP 2 is 8 GPUs."""
    _, dep = _dep(model, catalog, p, d, tp)
    assert dep.num_gpus == gpus
    assert DisaggConfig(prefill_instances=1, decode_instances=2, prefill_tp=4, decode_tp=2).gpus() == 8


def test_kv_bytes_per_token_and_transfer_time_hand_checked(model, catalog):
    """Llama-3.1-70B, bf16 KV, TP 2: 80 layers x 2 (K, V) x 8 KV heads x 128 x 2 bytes / 2 GPUs = 163,840 bytes per
    token per GPU; 4,000 tokens over H200 NVLink (900 GB/s both directions -> 450 GB/s) + 30 us = 1.486 ms."""
    _, dep = _dep(model, catalog, 1, 3, 2)
    link = dg.kv_link(dep.gpu, dep.num_gpus)
    assert (link.kind, link.bw_bytes_per_s, link.latency_s) == ("nvlink", 450e9, 30e-6)
    per_token = 80 * 2 * 8 * 128 * 2 / 2
    assert per_token == 163_840
    assert dg.transfer_s(4000 * per_token, link) == pytest.approx(4000 * 163_840 / 450e9 + 30e-6)
    assert dg.transfer_s(4000 * per_token, link) == pytest.approx(1.4863e-3, rel=1e-4)


def test_link_is_the_network_beyond_one_node(catalog):
    """16 H200 span two nodes: the KV crosses a 400 Gb/s NIC per GPU (50 GB/s); a GPU without a described NIC falls
    back to one direction of its PCIe link."""
    h200 = catalog.gpu("h200")
    net = dg.kv_link(h200, 16)
    assert (net.kind, net.bw_bytes_per_s) == ("network", 50e9)
    l40s = catalog.gpu("l40s")
    assert l40s.interconnect.network_bw_bytes_per_s is None
    far = dg.kv_link(l40s, l40s.interconnect.gpus_per_node + 1)
    assert far.bw_bytes_per_s == l40s.interconnect.pcie_bidir_bw_bytes_per_s / 2


def test_estimate_reports_pools_and_transfer(model, catalog):
    """The result carries both pools, the transfer of the 4,000-token prompts and a TTFT that includes it."""
    _, dep = _dep(model, catalog, 1, 3, 2)
    r = estimate(dep, LengthDistribution.fixed(4000), LengthDistribution.fixed(200), LoadSpec(kind="rps", value=1))
    d = r.disagg
    assert d is not None
    assert (d.prefill.instances, d.decode.instances, d.config.prefill_tp) == (1, 3, 2)
    assert d.transfer.mean_s == pytest.approx(1.4863e-3, rel=1e-3)
    assert r.serving.ttft.mean_s > d.prefill_time.mean_s + d.transfer.mean_s
    assert r.serving.stable and r.summary()["disagg"]["decode"]["gpus"] == 6


def test_decode_pool_has_no_prefill_interference(model, catalog):
    """At the same per-GPU load, a decode-only pool's TPOT is below the aggregated one's (long prompts no longer
    stall decode steps), and the aggregated estimate carries no disagg object."""
    base, dep = _dep(model, catalog, 1, 1, 2)
    isl, osl = LengthDistribution.fixed(4000), LengthDistribution.fixed(300)
    agg = estimate(base, isl, osl, LoadSpec(kind="rps", value=0.5))
    pd = estimate(dep, isl, osl, LoadSpec(kind="rps", value=1.0))
    assert agg.disagg is None and agg.summary()["disagg"] is None
    assert pd.serving.tpot.mean_s < agg.serving.tpot.mean_s


def test_overloaded_prefill_pool_is_the_bottleneck(model, catalog):
    """Far more prompt tokens than one prefill instance can process: the prefill pool is named the bottleneck."""
    _, dep = _dep(model, catalog, 1, 4, 2)
    r = estimate(dep, LengthDistribution.fixed(8000), LengthDistribution.fixed(50), LoadSpec(kind="rps", value=6))
    assert r.disagg is not None and r.disagg.bottleneck == "prefill"
    assert r.disagg.prefill.utilization > 0.9


def test_runtime_without_disaggregation_is_refused(model, catalog):
    """TGI has no disaggregated serving."""
    base = make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("tgi"))
    with pytest.raises(SpecError, match="no prefill/decode disaggregated serving"):
        dg.with_disagg(base, DisaggConfig(prefill_instances=1, decode_instances=1, prefill_tp=1, decode_tp=1))


@pytest.mark.parametrize("text", ["1", "1:2:3", "a:b", "1-2", ":2", "1.5:2"])
def test_malformed_ratio(text):
    with pytest.raises(SpecError, match="must be P:D"):
        parse_ratio(text)


def test_flags_default_each_pool_to_tp():
    cfg = disagg_flags("2:3", 4, None, 2)
    assert cfg is not None and (cfg.prefill_instances, cfg.decode_instances, cfg.prefill_tp, cfg.decode_tp) == \
        (2, 3, 4, 2)
    assert disagg_flags(None, 4, None, None) is None


def _estimate(*args: str):
    return runner.invoke(app, ["estimate", str(MODELS / "llama-3.1-8b"), "--gpu", "h100", "--isl", "1000", "--osl",
                               "100", "--rps", "2", *args])


@pytest.mark.parametrize(("args", "line"), [
    (["--disagg", "1-3"], "Error: --disagg: must be P:D, prefill and decode instance counts (got '1-3')"),
    (["--disagg", "0:2"], "Error: --disagg: instance counts must be 1 to 64 (got '0:2')"),
    (["--disagg", "2:0"], "Error: --disagg: instance counts must be 1 to 64 (got '2:0')"),
    (["--prefill-tp", "2"], "Error: --prefill-tp: applies only with --disagg"),
    (["--decode-tp", "2"], "Error: --decode-tp: applies only with --disagg"),
    (["--disagg", "1:1", "--runtime", "tgi"],
     "Error: --disagg: Text Generation Inference (TGI) has no prefill/decode disaggregated serving (got '1:1')"),
    (["--disagg", "1:1", "--dp-size", "2"],
     "Error: --disagg: disaggregated pools of attention data-parallel / expert-parallel instances are not modelled "
     "(got 'dp 2, ep 1')"),
    (["--disagg", "1:1", "--prefill-tp", "3"],
     "Error: --prefill-tp: the prefill pool at TP 3: tensor-parallel size 3 does not divide the 32 attention heads "
     "(got 3)"),
])
def test_cli_errors(args, line):
    """Each bad disaggregation flag is one Error line, exit 2."""
    result = _estimate(*args)
    assert result.exit_code == 2, result.output
    assert result.output.splitlines()[0] == line
    assert "Traceback" not in result.output


def test_cli_shows_pools_in_text_and_json():
    """Text names both pools, the transfer and the bottleneck; JSON has the additive `disagg` object."""
    table = _estimate("--disagg", "1:2", "--runtime", "sglang")
    assert table.exit_code == 0, table.output
    text = " ".join(table.output.split())
    assert "prefill pool 1 x TP1 (1 GPUs)" in text and "decode pool 2 x TP1 (2 GPUs)" in text
    assert "KV transfer" in text and "bottleneck the" in text
    out = json.loads(_estimate("--disagg", "1:2", "--decode-tp", "2", "--format", "json").output)
    assert out["disagg"]["prefill"]["gpus"] == 1 and out["disagg"]["decode"]["gpus"] == 4
    assert out["deployment"]["num_gpus"] == 5
    assert out["disagg"]["kv_transfer_mean_s"] > 0
    plain = json.loads(_estimate("--format", "json").output)
    assert plain["disagg"] is None


def test_cli_concurrency_load():
    """A closed loop is planned as the open loop it sustains and says so."""
    out = json.loads(_estimate("--disagg", "1:1", "--format", "json").output.replace('"--rps"', ''))
    assert out["disagg"] is not None
    res = runner.invoke(app, ["estimate", str(MODELS / "llama-3.1-8b"), "--gpu", "h100", "--isl", "1000", "--osl",
                              "100", "-c", "8", "--disagg", "1:1", "--format", "json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["concurrency"] == 8 and any("closed loop of 8 clients" in n for n in d["notes"])


def test_sglang_export_has_prefill_decode_and_router(model, catalog):
    """SGLang PD: servers with --disaggregation-mode and the router with --pd-disaggregation --prefill/--decode."""
    from planner.deploy.disagg import disagg_launch
    _, dep = _dep(model, catalog, 1, 2, 2)
    out = disagg_launch(dep, "meta-llama/Llama-3.1-70B-Instruct")
    assert len(out.prefill) == 1 and len(out.decode) == 2
    assert "--disaggregation-mode prefill" in out.prefill[0].command and "--tp-size 2" in out.prefill[0].command
    assert "--disaggregation-mode decode" in out.decode[1].command
    assert out.router.startswith("python3 -m sglang_router.launch_router --pd-disaggregation --prefill ")
    assert out.router.count("--decode ") == 2


def test_vllm_export_uses_nixl_connector(model, catalog):
    from planner.deploy.disagg import disagg_launch
    _, dep = _dep(model, catalog, 1, 1, 2, runtime="vllm", dtp=4)
    out = disagg_launch(dep, "m")
    kv = "--kv-transfer-config '{\"kv_connector\":\"NixlConnector\",\"kv_role\":\"kv_both\"}'"
    assert kv in out.prefill[0].command and kv in out.decode[0].command
    assert "--tensor-parallel-size 4" in out.decode[0].command and out.router == ""
    assert any("proxy" in n for n in out.notes)


def test_trtllm_export_is_refused(model, catalog):
    from planner.deploy.disagg import disagg_launch
    _, dep = _dep(model, catalog, 1, 1, 2, runtime="trtllm")
    with pytest.raises(SpecError, match="cannot export this plan to TensorRT-LLM: it is prefill/decode-disaggregated"):
        disagg_launch(dep, "m")


@pytest.fixture(scope="module")
def pd_plan(tmp_path_factory):
    """Llama-3.1-70B at 5 RPS of 4,000-token prompts, TPOT p99 60 ms, H200 with SGLang: the plan JSON."""
    result = runner.invoke(app, ["recommend", str(MODELS / "llama-3.1-70b"), "--rps", "5", "--isl", "4000", "--osl",
                                 "300", "--slo", "ttft_p95=2s", "--slo", "tpot_p99=60ms", "--gpus", "h200",
                                 "--runtimes", "sglang", "--format", "json"])
    assert result.exit_code == 0, result.output
    path = tmp_path_factory.mktemp("pd") / "plan.json"
    path.write_text(result.stdout)
    return path


def test_recommend_considers_disaggregation_for_a_big_model(pd_plan):
    """The report states the ratios tried and why disaggregation was chosen or rejected, and the chosen plan (if
    disaggregated) carries its P:D."""
    report = json.loads(pd_plan.read_text())
    notes = [a for a in report["assumptions"] if a.startswith("prefill/decode disaggregation")]
    assert len(notes) == 1
    assert "P:D in 1:1, 1:2, 1:3, 2:3, 1:4, 2:1 at TP2" in notes[0]
    assert ": chosen," in notes[0] or "not chosen" in notes[0] or "rejected" in notes[0]
    rec = report["recommendation"]
    if ": chosen," in notes[0]:
        pd = rec["disagg"]
        assert pd is not None and rec["gpus_per_replica"] == (pd["prefill_instances"] + pd["decode_instances"]) * 2
        assert "aggregated" in notes[0]


def test_unsimulated_disaggregation_states_its_cheapest_ratio_and_cost():
    """DeepSeek-V3 at 20 RPS of 4k/1k on B200 with TensorRT-LLM (TP8): every P:D ratio's capacity bound already costs more
    than the aggregated plan, and the note gives the cheapest ratio with its fewest GPUs and monthly cost (the
    option is shown with its cost, not only dismissed)."""
    result = runner.invoke(app, ["recommend", str(MODELS / "deepseek-v3"), "--rps", "20", "--isl", "4096", "--osl",
                                 "1024", "--gpus", "b200", "--runtimes", "trtllm", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    note = next(a for a in report["assumptions"] if a.startswith("prefill/decode disaggregation"))
    m = re.search(r"not simulated: .* every ratio costs more than aggregated .*; the cheapest, (\d):(\d), needs at "
                  r"least (\d+) x (\d+) GPUs \(\$([\d,]+)/month\)", note)
    assert m, note
    p, d, copies, gpus, month = int(m[1]), int(m[2]), int(m[3]), int(m[4]), float(m[5].replace(",", ""))
    tp = int(re.search(r"at TP(\d+)", note)[1])  # pools of the aggregated TP-only plan's shape
    assert gpus == (p + d) * tp
    assert month > report["recommendation"]["cost_usd_per_month"]
    price = report["recommendation"]["price"]["price_usd_per_gpu_hour"]
    assert month == pytest.approx(copies * gpus * price * 730, rel=1e-3)


def test_recommend_skips_disaggregation_for_a_small_model():
    """An 8B model on one GPU: not tried, and the report says why."""
    result = runner.invoke(app, ["recommend", str(MODELS / "llama-3.1-8b"), "--rps", "2", "--isl", "500", "--osl",
                                 "100", "--gpus", "h100", "--runtimes", "sglang", "--format", "json"])
    assert result.exit_code == 0, result.output
    notes = [a for a in json.loads(result.stdout)["assumptions"] if a.startswith("prefill/decode disaggregation")]
    assert notes and "not tried" in notes[0]


def test_export_of_a_disaggregated_plan(pd_plan):
    """SGLang: prefill, decode and router commands; Kubernetes refused with one Error line."""
    report = json.loads(pd_plan.read_text())
    if report["recommendation"]["disagg"] is None:
        pytest.skip("the plan stayed aggregated")
    text = runner.invoke(app, ["export", str(pd_plan), "--to", "sglang"])
    assert text.exit_code == 0, text.output
    assert "--disaggregation-mode prefill" in text.stdout and "--disaggregation-mode decode" in text.stdout
    assert "sglang_router.launch_router --pd-disaggregation" in text.stdout
    vllm = runner.invoke(app, ["export", str(pd_plan), "--to", "vllm"])
    assert vllm.exit_code == 0 and "NixlConnector" in vllm.stdout
    k8s = runner.invoke(app, ["export", str(pd_plan), "--to", "k8s"])
    assert k8s.exit_code == 2
    assert k8s.output.splitlines()[0].startswith("Error: --to: cannot export this plan to k8s: it is prefill/decode-disaggregated")


def test_disaggregation_pays_for_prefill_heavy_traffic_not_decode_heavy(model, catalog):
    """Published finding (Mitra et al., NVIDIA, "Beyond the Buzz: A Pragmatic Take on Inference Disaggregation",
    arXiv:2506.05508, abstract and sec. 1: disaggregation is most effective for prefill-heavy traffic and larger
    models). Same 4 H200 and the same load per GPU, 1:1 at TP 2 against 2 aggregated TP-2 replicas: with 4,000-token
    prompts and 200-token outputs the decode pool's TPOT p99 falls below the aggregated one (no prefill stalls); with
    200-token prompts and 2,000-token outputs it does not (all decoding crowds onto half the GPUs)."""
    base, pd = _dep(model, catalog, 1, 1, 2)

    def tpot_p99(dep, isl, osl, rps):
        r = estimate(dep, LengthDistribution.fixed(isl), LengthDistribution.fixed(osl), LoadSpec(kind="rps", value=rps))
        return r.serving.tpot.p99_s

    assert tpot_p99(pd, 4000, 200, 1.6) < 0.7 * tpot_p99(base, 4000, 200, 0.8)
    assert tpot_p99(pd, 200, 2000, 0.8) > tpot_p99(base, 200, 2000, 0.4)
