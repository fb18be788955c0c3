"""Speculative decoding: tokens per step, verify and draft cost, draft memory, the simulator, compat and the CLI."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from planner.cli import app
from planner.core import speculative as sp
from planner.core.compat import make_deployment
from planner.core.memory import memory_breakdown
from planner.core.perf import PerfModel
from planner.core.serving import sim_config
from planner.errors import SpecError
from planner.estimate import LoadSpec, estimate
from planner.specs.speculative import SpeculativeConfig
from planner.specs.workload import LengthDistribution
from tests.conftest import MODELS

runner = CliRunner()


def _config(method: str = "eagle", k: int = 3, a: float = 0.7, layers: int = 1) -> SpeculativeConfig:
    return SpeculativeConfig(method=method, num_speculative_tokens=k, acceptance_rate=a,  # type: ignore[arg-type]
                             acceptance_source="test", num_draft_layers=layers)


def _pair(model, catalog, name="llama-3.1-8b", gpu="h100", runtime="vllm", spec=None, **kw):
    m, g, r = model(name), catalog.gpu(gpu), catalog.runtime(runtime)
    base = make_deployment(m, g, r, max_model_len=4096, **kw)
    dep = make_deployment(m, g, r, max_model_len=4096, speculative=spec or _config(), **kw)
    return base, dep


@pytest.mark.parametrize(("a", "k", "expected"), [(0.5, 2, 1.75), (0.85, 1, 1.85), (0.7, 3, 2.533), (0.0, 4, 1.0)])
def test_tokens_per_step_hand_checked(a, k, expected):
    """(1 - a^(K+1)) / (1 - a): 1 + 0.5 + 0.25 = 1.75; 1 + 0.85; 1 + 0.7 + 0.49 + 0.343; a = 0 emits one token."""
    assert _config(k=k, a=a).tokens_per_step == pytest.approx(expected, abs=1e-3)


def test_defaults_come_with_sources(model, catalog):
    """Without --acceptance-rate the published default is used and its source is kept; MTP reused for K >= 2 is
    planned at the multi-step rate."""
    ds, vllm = model("deepseek-v3"), catalog.runtime("vllm")
    one = sp.resolve(ds, vllm, "mtp", 1)
    three = sp.resolve(ds, vllm, "mtp", 3)
    assert (one.acceptance_rate, one.num_draft_layers) == (0.85, 1)
    assert "arXiv:2412.19437" in one.acceptance_source
    assert three.acceptance_rate == 0.707 and "3.20" in three.acceptance_source
    eagle = sp.resolve(model("llama-3.1-8b"), vllm, "eagle")
    assert (eagle.num_speculative_tokens, eagle.acceptance_rate) == (3, 0.7)
    ngram = sp.resolve(model("llama-3.1-8b"), vllm, "ngram", 2, 0.4)
    assert (ngram.acceptance_rate, ngram.num_draft_layers, ngram.acceptance_source) == (0.4, 0, "given with "
                                                                                          "--acceptance-rate")


def test_verify_costs_like_decode_when_memory_bound(model, catalog):
    """At batch 1 the verify pass over 4 rows streams the same weights as a decode step: within 5% of it; at
    batch 512 the GEMMs are compute bound and 4x the rows cost well over 1.3x the step."""
    base, dep = _pair(model, catalog)
    pb, ps = PerfModel.build(base), PerfModel.build(dep)
    one = ps.verify_s(1, 1000.0) / pb.decode_s(1, 1000.0)
    assert 1.0 <= one < 1.05
    assert ps.verify_s(512, 512 * 300.0) / pb.decode_s(512, 512 * 300.0) > 1.3


def test_draft_is_k_runs_of_one_layer(model, catalog):
    """EAGLE's draft: K x (one average layer + lm_head + one layer's overhead); n-gram drafts on the CPU (0 s)."""
    base, dep = _pair(model, catalog)
    ps = PerfModel.build(dep)
    d1 = ps.draft_s(1, 1000.0)
    step = PerfModel.build(base).decode_s(1, 1000.0)
    assert 3 * step / 32 < d1 < 3 * step / 2  # three runs of 1/32 of the layers, plus the lm_head each time
    _, ngram = _pair(model, catalog, spec=_config("ngram", 3, 0.3, layers=0))
    assert PerfModel.build(ngram).draft_s(8, 8000.0) == 0.0


def test_decode_token_time_is_step_over_tokens(model, catalog):
    """decode_s under speculation = (verify + draft) / tokens per step."""
    _, dep = _pair(model, catalog)
    ps = PerfModel.build(dep)
    expected = (ps.verify_s(4, 4000.0) + ps.draft_s(4, 4000.0)) / dep.speculative.tokens_per_step
    assert ps.decode_s(4, 4000.0) == pytest.approx(expected)


def test_eagle_draft_weights_hand_checked(model, catalog):
    """Llama-3.1-8B EAGLE-3 head in bf16: attention 2h(q + 2kv) + qh, MLP 3hI, fc 3h^2, lm_head 32000 h."""
    h, q, kv, inter = 4096, 4096, 1024, 14336
    params = 2 * h * (q + 2 * kv) + q * h + 3 * h * inter + 3 * h * h + 32000 * h
    base, dep = _pair(model, catalog)
    mem, mem0 = memory_breakdown(dep), memory_breakdown(base)
    assert mem.draft_weights_bytes_per_gpu == pytest.approx(params * 2)
    assert mem.weights_bytes_per_gpu - mem0.weights_bytes_per_gpu == pytest.approx(params * 2)
    # One more attention layer of KV per token: 33/32 of the target's per-sequence KV.
    assert mem.kv_bytes_per_seq_per_gpu == pytest.approx(mem0.kv_bytes_per_seq_per_gpu * 33 / 32, rel=1e-6)


def test_mtp_draft_weights_are_the_checkpoints_mtp_layer(model, catalog):
    """DeepSeek-V3 MTP at TP8 FP8: its 11.6B MTP parameters / 8 ranks at ~1 byte each."""
    from planner.core import arch
    ds = model("deepseek-v3")
    dep = make_deployment(ds, catalog.gpu("h200"), catalog.runtime("vllm"), tp_size=8, max_model_len=4096,
                          speculative=sp.resolve(ds, catalog.runtime("vllm"), "mtp", 1))
    params = arch.mtp_params(ds)
    assert 11.0e9 < params < 12.5e9
    assert memory_breakdown(dep).draft_weights_bytes_per_gpu == pytest.approx(params / 8 * 1.0, rel=0.02)


def test_token_budget_counts_k_plus_one(model, catalog):
    """The simulated scheduler charges K + 1 budget rows per decoding sequence."""
    _, dep = _pair(model, catalog, spec=_config(k=4))
    pm = PerfModel.build(dep)
    assert sim_config(pm, memory_breakdown(dep), 1000).decode_rows_per_seq == 5


def test_sim_tpot_is_step_over_tokens_and_itl_bursts(model, catalog):
    """One request at a time: TPOT = (verify + draft) / E at the mean context, ITL = a whole verify step."""
    _, dep = _pair(model, catalog)
    result = estimate(dep, LengthDistribution.fixed(500), LengthDistribution.fixed(400),
                      LoadSpec(kind="concurrency", value=1, num_requests=3))
    pm = PerfModel.build(dep)
    e = dep.speculative.tokens_per_step
    step = pm.verify_s(1, 700.0) + pm.draft_s(1, 700.0)
    assert result.serving.tpot.mean_s == pytest.approx(step / e, rel=0.08)
    assert result.serving.itl.p50_s == pytest.approx(step, rel=0.08)
    summary = result.summary()
    assert summary["speculative"]["tokens_per_step"] == pytest.approx(e)
    assert summary["speculative"]["acceptance_source"] == "test"


def test_speculation_crossover_with_batch(model, catalog):
    """Low-acceptance n-gram speculation helps one sequence (memory bound) and hurts 512 (compute bound)."""
    base, dep = _pair(model, catalog, spec=_config("ngram", 3, 0.3, layers=0))
    pb, ps = PerfModel.build(base), PerfModel.build(dep)
    assert ps.decode_s(1, 300.0) < pb.decode_s(1, 300.0)
    assert ps.decode_s(512, 512 * 300.0) > pb.decode_s(512, 512 * 300.0)


@settings(max_examples=60, deadline=None)
@given(batch=st.integers(1, 1024), ctx=st.integers(1, 32000), k=st.integers(1, 8))
def test_zero_acceptance_never_improves_tpot(model, catalog, batch, ctx, k):
    """N-gram speculation that never gets a token accepted never lowers the time per token."""
    base, dep = _pair(model, catalog, spec=_config("ngram", k, 0.0, layers=0))
    assert PerfModel.build(dep).decode_s(batch, batch * ctx) >= PerfModel.build(base).decode_s(batch, batch * ctx)


@settings(max_examples=60, deadline=None)
@given(batch=st.integers(1, 1024), ctx=st.integers(1, 32000), k=st.integers(1, 8),
       a=st.floats(0.0, 0.98), b=st.floats(0.0, 0.98))
def test_higher_acceptance_never_worsens_tpot(model, catalog, batch, ctx, k, a, b):
    """Raising the acceptance rate never raises the time per token."""
    lo, hi = sorted((a, b))
    _, low = _pair(model, catalog, spec=_config("eagle", k, lo))
    _, high = _pair(model, catalog, spec=_config("eagle", k, hi))
    assert PerfModel.build(high).decode_s(batch, batch * ctx) <= PerfModel.build(low).decode_s(batch, batch * ctx)


@pytest.mark.parametrize(("name", "runtime", "ok"), [
    ("deepseek-r1", "vllm", True), ("glm-4.5-air", "sglang", True), ("qwen3-next-80b-a3b", "vllm", True),
    ("qwen3.5-35b-a3b", "vllm", True), ("kimi-k2", "vllm", False), ("llama-3.1-8b", "vllm", False),
    ("deepseek-r1", "tgi", False)])
def test_mtp_needs_mtp_layers_and_runtime_support(model, catalog, name, runtime, ok):
    """MTP runs only on checkpoints with MTP layers and runtimes that serve it."""
    spec = sp.resolve(model(name), catalog.runtime(runtime), "mtp", 1)
    reasons = sp.incompatibilities(model(name), catalog.runtime(runtime), spec)
    assert (not reasons) is ok


def test_resolve_rejects_out_of_range(model, catalog):
    """K outside 1..16 and A outside (0, 1) are SpecErrors naming the flag."""
    m, r = model("llama-3.1-8b"), catalog.runtime("vllm")
    with pytest.raises(SpecError, match="--num-speculative-tokens"):
        sp.resolve(m, r, "eagle", 0)
    with pytest.raises(SpecError, match="--acceptance-rate"):
        sp.resolve(m, r, "eagle", 2, 1.0)


def _estimate(*args: str):
    return runner.invoke(app, ["estimate", str(MODELS / "llama-3.1-8b"), "--gpu", "h100", "--isl", "100", "--osl",
                               "100", "-c", "1", *args])


@pytest.mark.parametrize(("args", "line", "hint"), [
    (["--speculative", "mtp"],
     "Error: --speculative: LlamaForCausalLM ships no multi-token-prediction layers (no num_nextn_predict_layers / "
     "mtp_num_hidden_layers in its config), so MTP speculation cannot run (got 'mtp')",
     "hint: MTP needs a checkpoint with MTP layers (DeepSeek-V3/R1/V3.2, GLM-4.5+, Qwen3-Next, Qwen3.5); use "
     "--speculative eagle or ngram"),
    (["--speculative", "eagle", "--runtime", "tgi"],
     "Error: --speculative: Text Generation Inference (TGI) 3.3.5 has no eagle speculative decoding (it serves: "
     "ngram) (got 'eagle')",
     "hint: pick a runtime that serves it (vllm, sglang or trtllm serve mtp, eagle and ngram)"),
    (["--speculative", "eagle", "--num-speculative-tokens", "0"],
     "Error: --num-speculative-tokens: must be between 1 and 16 draft tokens (got 0)",
     "hint: vLLM verifies 1 to 16 draft tokens per step; 1-4 is typical"),
    (["--speculative", "eagle", "--num-speculative-tokens", "17"],
     "Error: --num-speculative-tokens: must be between 1 and 16 draft tokens (got 17)",
     "hint: vLLM verifies 1 to 16 draft tokens per step; 1-4 is typical"),
    (["--speculative", "eagle", "--num-speculative-tokens", "two"],
     "Error: --num-speculative-tokens: must be a whole number of draft tokens (got 'two')",
     "hint: e.g. --num-speculative-tokens 3"),
    (["--speculative", "ngram", "--acceptance-rate", "1"],
     "Error: --acceptance-rate: must lie strictly between 0 and 1 (got 1.0)",
     "hint: the probability one draft token is accepted, e.g. 0.7; runtimes log it as the draft acceptance rate"),
    (["--speculative", "ngram", "--acceptance-rate", "0"],
     "Error: --acceptance-rate: must lie strictly between 0 and 1 (got 0.0)",
     "hint: the probability one draft token is accepted, e.g. 0.7; runtimes log it as the draft acceptance rate"),
    (["--acceptance-rate", "0.5"],
     "Error: --acceptance-rate: applies only with --speculative",
     "hint: add --speculative mtp, eagle or ngram"),
    (["--speculative", "medusa"],
     "Error: --speculative: unknown value for --speculative (got 'medusa')",
     "hint: choose from mtp, eagle, ngram"),
])
def test_cli_errors(args, line, hint):
    """Each bad speculative flag is one Error line with a hint, exit 2."""
    result = _estimate(*args)
    assert result.exit_code == 2
    assert result.output.splitlines()[:2] == [line, hint]


def test_cli_states_the_acceptance_rate_and_its_source():
    """The table and the JSON both state the method, K, A, tokens per step and where A came from."""
    table = _estimate("--speculative", "eagle")
    assert table.exit_code == 0, table.output
    text = " ".join(table.output.split())
    assert "eagle, 3 draft tokens/step, acceptance rate 0.7 per draft token -> 2.53 tokens per verify step" in text
    assert "arXiv:2401.15077" in text
    out = json.loads(_estimate("--speculative", "ngram", "--num-speculative-tokens", "2", "--acceptance-rate", "0.25",
                               "--format", "json").output)
    assert out["speculative"]["method"] == "ngram"
    assert out["speculative"]["tokens_per_step"] == pytest.approx(1 + 0.25 + 0.0625)
    assert out["speculative"]["acceptance_source"] == "given with --acceptance-rate"
    plain = json.loads(_estimate("--format", "json").output)
    assert plain["speculative"] is None


def _ds_plan(model, catalog, tpot_ms: float, rps: float = 20.0):
    from planner.io.parse import slo
    from planner.plan import plan
    from planner.specs.workload import Constraints, Workload
    w = Workload(rps=rps, input_tokens=LengthDistribution.fixed(4000), output_tokens=LengthDistribution.fixed(1000))
    return plan(model("deepseek-v3"), w, slo([f"tpot_p95={tpot_ms}ms"]), [catalog.gpu("h200")],
                [catalog.runtime("vllm")], Constraints(), sim_requests=300)


def test_recommend_searches_mtp_and_says_why(model, catalog):
    """DeepSeek-V3 at 20 RPS, 4k/1k on H200: MTP is searched; the report says whether it was chosen and why."""
    report = _ds_plan(model, catalog, 60)
    rec = report.recommendation
    assert rec is not None
    notes = [a for a in report.assumptions if a.startswith("speculative decoding (mtp, 1 draft token")]
    assert len(notes) == 1
    assert "arXiv:2412.19437" in notes[0]
    if "spec-mtp1" in rec.label:
        assert ": chosen, " in notes[0] and "--speculative-config" in rec.launch.args
    else:
        assert ": considered" in notes[0]


def test_recommend_tries_no_speculation_without_mtp_layers(model, catalog):
    """Llama has no MTP layers: no speculative candidate and no speculation note (EAGLE / n-gram are not guessed)."""
    from planner.io.parse import slo
    from planner.plan import plan
    from planner.specs.workload import Constraints, Workload
    w = Workload(rps=2, input_tokens=LengthDistribution.fixed(500), output_tokens=LengthDistribution.fixed(100))
    report = plan(model("llama-3.1-8b"), w, slo(["ttft_p95=1s"]), [catalog.gpu("l40s")], [catalog.runtime("vllm")],
                  Constraints(), sim_requests=200)
    assert not any("spec-" in p.label for p in report.simulated)
    assert not any(a.startswith("speculative decoding") for a in report.assumptions)


@pytest.mark.parametrize(("runtime", "method", "expected"), [
    ("vllm", "mtp", ["--speculative-config", '{"method":"mtp","num_speculative_tokens":1}']),
    ("vllm", "ngram", ["--speculative-config", '{"method":"ngram","num_speculative_tokens":3,"prompt_lookup_max":4}']),
    ("sglang", "mtp", ["--speculative-algorithm", "EAGLE", "--speculative-num-steps", "1", "--speculative-eagle-topk",
                       "1", "--speculative-num-draft-tokens", "2"]),
    ("tgi", "ngram", ["--speculate", "3"]),
])
def test_launch_command_turns_speculation_on(model, catalog, runtime, method, expected):
    """The launch command carries the runtime's own speculation flags, and they pass its launch rules."""
    from planner.deploy.launch import launch, target_of
    from planner.deploy.rules import check_command
    name = "deepseek-r1" if method == "mtp" else "llama-3.1-8b"
    m, r = model(name), catalog.runtime(runtime)
    dep = make_deployment(m, catalog.gpu("h200"), r, tp_size=8 if method == "mtp" else 1, max_model_len=4096,
                          speculative=sp.resolve(m, r, method))
    cmd = launch(dep, "model")
    assert cmd.args[-len(expected):] == expected
    assert check_command(cmd.program, cmd.args, r.launch, target_of(dep)) == []


def test_trtllm_speculation_goes_in_the_options_yaml(model, catalog):
    """TensorRT-LLM has no speculation flag: the note gives the speculative_config block."""
    from planner.deploy.launch import launch
    m, r = model("deepseek-r1"), catalog.runtime("trtllm")
    dep = make_deployment(m, catalog.gpu("h200"), r, tp_size=8, max_model_len=4096,
                          speculative=sp.resolve(m, r, "mtp", 3))
    assert "`speculative_config: {decoding_type: MTP, num_nextn_predict_layers: 3}`" in " ".join(launch(dep, "x").notes)


def test_draft_layer_also_prefills_the_prompt(model, catalog):
    """An EAGLE / MTP layer runs over the prompt too: a prefill costs 1/L more (Llama-3.1-8B: 1/32); n-gram none."""
    from planner.core.iteration import prefill_shape
    base, dep = _pair(model, catalog)
    _, ngram = _pair(model, catalog, spec=_config("ngram", 3, 0.3, layers=0))
    plain = PerfModel.build(base).iteration(prefill_shape(1, 2000))
    drafted = PerfModel.build(dep).iteration(prefill_shape(1, 2000))
    kernels = plain.gemm_s + plain.attention_s + plain.communication_s
    assert drafted.total_s - plain.total_s == pytest.approx(kernels / 32)
    assert drafted.draft_s == pytest.approx(kernels / 32)
    assert PerfModel.build(ngram).iteration(prefill_shape(1, 2000)).total_s == pytest.approx(plain.total_s)
