"""Search and ranking: feasibility, rejections in words, and the invariants users rely on."""

from __future__ import annotations

import math

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from planner.io.parse import slo
from planner.plan import plan
from planner.render.format import message
from planner.specs.workload import Constraints, LengthDistribution, Workload
from tests.strategies import workloads

FIXED = LengthDistribution.fixed


def w_plan(model, catalog, workload, *, slo_items, gpus, runtimes, **constraints):
    """Plan the Llama-3.1-8B config for a drawn workload (short simulations)."""
    return plan(model("llama-3.1-8b"), workload, slo(list(slo_items)), [catalog.gpu(g) for g in gpus],
                [catalog.runtime(r) for r in runtimes], Constraints(**constraints), sim_requests=300)


def small_plan(model, catalog, *, rps=4.0, slo_items=("ttft_p95=500ms",), gpus=("l40s",), runtimes=("vllm",),
               isl=800, osl=200, name="llama-3.1-8b", **constraints):
    w = Workload(rps=rps, input_tokens=FIXED(isl), output_tokens=FIXED(osl))
    return plan(model(name), w, slo(list(slo_items)), [catalog.gpu(g) for g in gpus],
                [catalog.runtime(r) for r in runtimes], Constraints(**constraints), sim_requests=400)


def test_recommends_and_meets_slo(model, catalog):
    """A feasible plan recommends a deployment whose predicted TTFT p95 meets the SLO."""
    report = small_plan(model, catalog)
    rec = report.recommendation
    assert rec is not None and rec.meets_slo and rec.ttft_p95_s <= 0.5
    assert rec.cost_usd_per_hour == pytest.approx(rec.total_gpus * rec.price.price_usd_per_gpu_hour)
    assert rec.launch.command.startswith("vllm serve")
    assert "--tensor-parallel-size" in rec.launch.args


def test_oom_rejection_in_words(model, catalog):
    """A model that fits nowhere is rejected with needed and available memory."""
    report = small_plan(model, catalog, name="llama-3.1-70b", gpus=("l4",), max_gpus_per_replica=1)
    assert report.recommendation is None
    assert {r.quant for r in report.rejected} == {"bf16", "fp8"}  # the native precision and fp8 were tried
    for rej in report.rejected:
        assert rej.kind == "oom" and message(rej.reason).startswith("OOM: needs ") and "GiB per GPU, has 22.5 GiB" in message(rej.reason)
    assert report.suggestions and "memory" in message(report.suggestions[0])


def test_incompatible_rejection(model, catalog):
    """TensorRT-LLM on MI300X is rejected as incompatible, in words."""
    report = small_plan(model, catalog, gpus=("mi300x",), runtimes=("trtllm", "vllm"))
    kinds = {(r.runtime, r.kind) for r in report.rejected}
    assert ("trtllm", "incompatible") in kinds and report.recommendation is not None


def test_unreachable_slo_suggests(model, catalog):
    """A TTFT target below the unloaded prefill time is rejected and a looser target suggested."""
    report = small_plan(model, catalog, slo_items=("ttft_p95=5ms",), isl=4000)
    assert report.recommendation is None
    assert any("even unloaded" in message(r.reason) for r in report.rejected)
    assert report.suggestions


def test_budget_respected(model, catalog):
    """A budget below the cheapest passing plan leaves no recommendation and says what it would cost."""
    report = small_plan(model, catalog, rps=20, budget_usd_per_month=100)
    assert report.recommendation is None
    assert any(r.kind == "budget" for r in report.rejected)
    assert any("raise the budget" in message(s) for s in report.suggestions)


def test_alternatives_per_gpu_and_runtime(model, catalog):
    """Alternatives include the cheapest passing plan on each other GPU type."""
    report = small_plan(model, catalog, gpus=("l40s", "h100-sxm", "a100-80gb"), slo_items=("ttft_p95=1s",))
    shown = {report.recommendation.gpu} | {a.gpu for a in report.alternatives}
    assert shown == {"l40s", "h100-sxm", "a100-80gb"}


def test_report_is_deterministic(model, catalog):
    """Same inputs and seed give an identical report."""
    assert small_plan(model, catalog) == small_plan(model, catalog)


def _cost(report) -> float:
    """Cost per hour of the recommendation; no recommendation costs infinitely much."""
    rec = report.recommendation
    return math.inf if rec is None else rec.cost_usd_per_hour


@settings(deadline=None)
@given(w=workloads(), factor=st.floats(min_value=1.2, max_value=3.0))
def test_more_rps_never_fewer_replicas(model, catalog, w, factor):
    """More RPS never needs fewer replicas of a fixed GPU and runtime (drawn lengths and rates)."""
    args = dict(gpus=("h100-sxm",), runtimes=("vllm",), slo_items=("ttft_p95=2s",), quants=("bf16",))
    a = w_plan(model, catalog, w, **args).recommendation
    b = w_plan(model, catalog, w.model_copy(update={"rps": w.rps * factor}), **args).recommendation
    assert a is not None  # 1 to 40 RPS of an 8B model always fits some replica count of H100s within 2 s TTFT
    assert b is None or b.total_gpus >= a.total_gpus


@settings(deadline=None)
@given(w=workloads(rate=6.0), limit_ms=st.integers(min_value=150, max_value=3000),
       tighter=st.floats(min_value=0.3, max_value=0.95))
def test_tighter_slo_never_costs_less(model, catalog, w, limit_ms, tighter):
    """A tighter SLO never yields a cheaper plan (no plan counts as infinitely expensive)."""
    args = dict(gpus=("l40s", "h100-sxm"), runtimes=("vllm",))
    loose = w_plan(model, catalog, w, slo_items=(f"ttft_p95={limit_ms}ms",), **args)
    tight = w_plan(model, catalog, w, slo_items=(f"ttft_p95={int(limit_ms * tighter)}ms",), **args)
    event(f"loose feasible: {loose.recommendation is not None}; tight feasible: {tight.recommendation is not None}")
    assert _cost(tight) >= _cost(loose) - 1e-9


@settings(deadline=None)
@given(extra_gib=st.integers(min_value=0, max_value=100))
def test_more_memory_never_fits_less(model, catalog, extra_gib):
    """A GPU with more memory never turns a fitting plan into an OOM rejection."""
    gpu = catalog.gpu("l40s")
    big = gpu.model_copy(update={"memory_bytes": gpu.memory_bytes + extra_gib * 2**30})
    w = Workload(rps=1, input_tokens=FIXED(2000), output_tokens=FIXED(200))
    args = (model("llama-3.1-70b"), w, slo([]))
    small = plan(*args, [gpu], [catalog.runtime("vllm")], Constraints(max_gpus_per_replica=2), sim_requests=200)
    large = plan(*args, [big], [catalog.runtime("vllm")], Constraints(max_gpus_per_replica=2), sim_requests=200)
    if small.recommendation is not None:
        assert large.recommendation is not None
    assert sum(r.kind == "oom" for r in large.rejected) <= sum(r.kind == "oom" for r in small.rejected)


def test_work_beside_the_search_sees_its_bests_at_full_length(model, catalog):
    """`search(beside=...)` runs the caller's work on the branch and bound's best while the alternatives are searched,
    and on the other bests per GPU and runtime found by the per-GPU stage while the per-runtime stage runs, at full
    simulation length (not the alternatives' quick runs). The best stays the cheapest passing plan; the work's
    simulations are handed back uncounted, for the caller to absorb once it uses them."""
    from planner.core.capacity import launch_context
    from planner.core.search import search

    m, w = model("llama-3.1-8b"), Workload(rps=6.0, input_tokens=FIXED(800), output_tokens=FIXED(200))
    seen = []

    def beside(s, ev, recommended):
        seen.append((recommended, s.quick, s.trial_lengths()))
        return s.simulate(ev.cand, ev.replicas, 6.0, 321)

    found = search(m, w, slo(["ttft_p95=500ms"]), [catalog.gpu(g) for g in ("l40s", "h100-sxm", "a100-80gb")],
                   [catalog.runtime(r) for r in ("vllm", "sglang")], Constraints(), calibrations={}, seed=0,
                   sim_requests=400, max_len=launch_context(m, w), beside=beside)
    first, *others = found.beside
    assert first.recommended and first.evaluation is found.passing[0] and others
    assert not any(b.recommended for b in others) and {id(b.evaluation) for b in others} <= {
        id(ev) for ev in found.passing[1:]}
    assert set(seen) == {(True, False, (200, 400)), (False, False, (200, 400))} and len(seen) == len(found.beside)
    s = found.search
    counted = s.simulated
    s.absorb(first.delta)
    assert s.simulated == counted + 1 and s.simulate(first.evaluation.cand, first.evaluation.replicas, 6.0, 321) \
        is first.value
