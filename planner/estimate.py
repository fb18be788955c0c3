"""`estimate`: latency and throughput of one deployment under one load (library entry point)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from planner.core.disagg import DisaggResult
from planner.core.efficiency import default_efficiency
from planner.core.memory import MemoryBreakdown, memory_breakdown
from planner.core.perf import PerfModel
from planner.core.serving import ServingResult, closed_loop, offline, open_loop, static_batch
from planner.errors import InfeasibleError, SpecError
from planner.specs._base import Frozen
from planner.specs.deployment import Deployment
from planner.specs.efficiency import Efficiency
from planner.specs.uncertainty import Band, Regime, UncertaintyMetric, UncertaintyTable
from planner.specs.workload import LengthDistribution, Workload

Load = Literal["batch", "concurrency", "offline", "burst", "rps"]
"""How requests arrive: a static batch, a closed loop of clients, everything queued at once (offline), a burst of
N requests at once, or an open loop at a rate."""


class LoadSpec(Frozen):
    """The load of an estimate."""

    kind: Load
    """Regime."""
    value: float | None = Field(default=None, gt=0)
    """Batch size, client count, burst size or requests/s (None for offline)."""
    num_requests: int | None = Field(default=None, ge=1)
    """Requests in the simulated run (default: enough for a steady state)."""
    arrival: Literal["poisson", "gamma"] = "poisson"
    """Open loop: the arrival process."""
    burstiness_cv: float = Field(default=1.0, gt=0)
    """Open loop with gamma arrivals: the inter-arrival coefficient of variation (> 1 is burstier than Poisson)."""
    prefix_cache_share: float = Field(default=0.0, ge=0, lt=1)
    """Fraction of each prompt found in the prefix cache (not recomputed, and sharing the cache's KV blocks)."""
    max_concurrency: int | None = Field(default=None, ge=1)
    """Open loop: the client keeps at most this many requests unanswered (a benchmark's `--max-concurrency`);
    a request due while the cap is reached is sent when one finishes."""
    in_process: bool = False
    """The engine is called in-process (vLLM's `LLM.generate` and its benchmark_throughput / benchmark_latency,
    SGLang's offline engine, trtllm-bench) instead of served: no API server, so no front-end cost or request
    latency outside the engine (`PerfConstants.in_process`)."""


class EstimateResult(Frozen):
    """Everything `planner estimate` reports."""

    deployment: Deployment
    """What was estimated."""
    load: LoadSpec
    """Under which load."""
    input_tokens: LengthDistribution
    """Prompt lengths."""
    output_tokens: LengthDistribution
    """Output lengths."""
    memory: MemoryBreakdown
    """Per-GPU memory at the workload's full length."""
    serving: ServingResult
    """Latency and throughput."""
    efficiency_source: str
    """Which efficiencies the perf model used (runtime defaults or a calibration profile)."""
    error_bands: dict[str, Band] = Field(default_factory=dict)
    """Metric (ttft, tpot, itl, e2e, throughput) -> the error band of this runtime and load regime."""
    disagg: DisaggResult | None = None
    """Prefill/decode disaggregation: the pools, the KV transfer, the bottleneck (None: aggregated; `memory` is
    then the decode pool's)."""

    def summary(self) -> dict[str, Any]:
        """The stable JSON contract of `planner estimate`: every statistic of every latency, and the throughputs."""
        s, dep = self.serving, self.deployment
        out: dict[str, Any] = {}
        for name, stats in (("ttft", s.ttft), ("tpot", s.tpot), ("itl", s.itl), ("e2e", s.e2e), ("queue", s.queue),
                             ("latency_per_token", s.latency_per_token)):
            out[f"{name}_s"] = stats.mean_s
            out[f"{name}_mean_s"] = stats.mean_s
            for pct in (50, 90, 95, 99):
                out[f"{name}_p{pct}_s"] = stats.at(pct)
        out["uncertainty"] = {
            metric: {"low_ratio": b.low_ratio, "high_ratio": b.high_ratio, "median_abs_error": b.median_abs_error,
                     "runtime": b.runtime, "regime": b.regime, "published_points": b.n,
                     "range_80pct": ([s.output_tokens_per_s * b.low_ratio, s.output_tokens_per_s * b.high_ratio]
                                     if metric == "throughput" else
                                     [getattr(s, metric).p95_s * b.low_ratio, getattr(s, metric).p95_s * b.high_ratio]),
                     "range_of": "output_tokens_per_s" if metric == "throughput" else f"{metric}_p95_s"}
            for metric, b in self.error_bands.items()}
        out.update({
            "output_tokens_per_s": s.output_tokens_per_s,
            "output_tokens_per_s_per_gpu": s.output_tokens_per_s / dep.num_gpus,
            "input_tokens_per_s": s.input_tokens_per_s, "requests_per_s": s.requests_per_s,
            "concurrency": s.concurrency, "kv_utilization": s.kv_utilization, "stable": s.stable,
            "frontend_utilization": s.frontend_utilization, "preemptions": s.preemptions,
            "prefill_bound": s.prefill_bound, "decode_bound": s.decode_bound, "notes": list(s.notes),
        })
        spec = dep.speculative
        out["speculative"] = None if spec is None else {
            "method": spec.method, "num_speculative_tokens": spec.num_speculative_tokens,
            "acceptance_rate": spec.acceptance_rate, "acceptance_source": spec.acceptance_source,
            "tokens_per_step": spec.tokens_per_step,
            "definition": "acceptance_rate is the per-draft-token acceptance probability a (independent acceptance); "
                          "tokens_per_step = (1 - a^(K+1)) / (1 - a) (Leviathan et al. 2023, arXiv:2211.17192)",
            "draft_weights_bytes_per_gpu": self.memory.draft_weights_bytes_per_gpu,
        }
        out["disagg"] = None if self.disagg is None else disagg_summary(self.disagg)
        return out


def disagg_summary(d: DisaggResult) -> dict[str, Any]:
    """The `disagg` object of the JSON contract: pools, transfer, bottleneck."""
    def pool(p: Any, gpus_per: int) -> dict[str, Any]:
        return {"instances": p.instances, "tp_size": p.tp_size, "gpus": p.instances * gpus_per,
                "utilization": p.utilization, "queue_mean_s": p.queue.mean_s, "queue_p95_s": p.queue.p95_s,
                "stable": p.stable, "memory_needed_bytes_per_gpu": p.memory.needed_bytes,
                "kv_cache_bytes_per_gpu": p.memory.kv_cache_bytes_per_gpu}
    return {
        "prefill": {**pool(d.prefill, d.config.prefill_tp), "prefill_time_mean_s": d.prefill_time.mean_s,
                    "prefill_time_p95_s": d.prefill_time.p95_s},
        "decode": pool(d.decode, d.config.decode_tp),
        "kv_transfer_mean_s": d.transfer.mean_s, "kv_transfer_p95_s": d.transfer.p95_s,
        "kv_bytes_per_token_per_gpu": d.kv_bytes_per_token_per_gpu, "link": d.link.kind,
        "link_bw_bytes_per_s": d.link.bw_bytes_per_s, "link_latency_s": d.link.latency_s, "link_source": d.link.source,
        "bottleneck": d.bottleneck, "ttft_definition": d.ttft_definition,
    }


def regime_of(load: LoadSpec) -> Regime:
    """The error-band regime of a load: one request at a time, a static batch, a finite load, or saturation."""
    if load.kind in ("offline", "burst"):
        return "saturated"
    if load.kind in ("batch", "concurrency") and (load.value or 1) <= 1:
        return "batch1"
    return "static" if load.kind == "batch" else "load"


BAND_METRICS: tuple[UncertaintyMetric, ...] = ("ttft", "tpot", "itl", "e2e", "throughput")


def estimate(dep: Deployment, input_tokens: LengthDistribution, output_tokens: LengthDistribution,
             load: LoadSpec, *, efficiency: Efficiency | None = None, seed: int = 0,
             uncertainty: UncertaintyTable | None = None) -> EstimateResult:
    """Predict TTFT, TPOT, end-to-end latency and throughput of `dep` under `load`.

    Raises:
        InfeasibleError: Not even one sequence of the requested lengths fits in memory.
    """
    if dep.disagg is not None:
        if load.in_process:
            raise SpecError("a disaggregated deployment is served: its pools talk through their servers and the KV "
                            "transfer, not one in-process engine", where="--in-process",
                            hint="drop --in-process, or drop --disagg to model one engine called in-process")
        return _estimate_disagg(dep, input_tokens, output_tokens, load, efficiency=efficiency, seed=seed,
                                uncertainty=uncertainty)
    full = input_tokens.upper_tokens() + output_tokens.upper_tokens()
    mem = memory_breakdown(dep, min(full, dep.max_model_len))
    if not mem.fits:
        raise InfeasibleError(
            f"{dep.label()} does not fit: needs {mem.needed_bytes / 2**30:.1f} GiB per GPU, "
            f"has {mem.gpu_memory_bytes / 2**30:.1f} GiB",
            hint="add GPUs (--tp), quantize (--quant fp8/int4-awq), or shorten --isl/--osl")
    eff = efficiency or default_efficiency(dep)
    pm = PerfModel.build(dep, eff.in_process() if load.in_process else eff)
    if load.kind == "batch":
        assert load.value is not None
        result = static_batch(pm, mem, int(load.value), int(input_tokens.expected()),
                              int(output_tokens.expected()))
    elif load.kind == "concurrency":
        assert load.value is not None
        result = closed_loop(pm, mem, int(load.value), input_tokens, output_tokens, seed=seed,
                             num_requests=load.num_requests, prefix_cache_share=load.prefix_cache_share)
    elif load.kind in ("offline", "burst"):
        n = int(load.value) if load.kind == "burst" and load.value else load.num_requests
        result = offline(pm, mem, input_tokens, output_tokens, seed=seed, num_requests=n,
                         prefix_cache_share=load.prefix_cache_share)
    else:
        workload = Workload(rps=load.value, input_tokens=input_tokens, output_tokens=output_tokens,
                            arrival=load.arrival, burstiness_cv=load.burstiness_cv,
                            prefix_cache_share=load.prefix_cache_share)
        cap = load.max_concurrency or 0
        if load.num_requests and load.value:
            # A benchmark of a fixed request count: it runs until the last request is answered.
            result = open_loop(pm, mem, workload, seed=seed, max_requests=load.num_requests,
                               duration_s=load.num_requests / load.value, max_in_flight=cap, drain=True)
        else:
            result = open_loop(pm, mem, workload, seed=seed, max_in_flight=cap)
    return EstimateResult(deployment=dep, load=load, input_tokens=input_tokens, output_tokens=output_tokens,
                          memory=mem, serving=result, efficiency_source=pm.eff.source,
                          error_bands=_bands(dep, load, uncertainty))


def _bands(dep: Deployment, load: LoadSpec, uncertainty: UncertaintyTable | None) -> dict[str, Band]:
    bands: dict[str, Band] = {}
    if uncertainty is not None:
        for metric in BAND_METRICS:
            band = uncertainty.band(dep.runtime.id, metric, regime_of(load))
            if band is not None:
                bands[metric] = band
    return bands


def _estimate_disagg(dep: Deployment, input_tokens: LengthDistribution, output_tokens: LengthDistribution,
                     load: LoadSpec, *, efficiency: Efficiency | None, seed: int,
                     uncertainty: UncertaintyTable | None) -> EstimateResult:
    """`estimate` of a prefill/decode-disaggregated deployment (see `planner.core.disagg`); a static batch of B is
    planned as a burst of B requests (the pools do not run one batch in lock step)."""
    from planner.core.disagg import disagg_closed_loop, disagg_open_loop
    wl = Workload(rps=load.value if load.kind == "rps" else None, input_tokens=input_tokens,
                  output_tokens=output_tokens, arrival=load.arrival, burstiness_cv=load.burstiness_cv,
                  prefix_cache_share=load.prefix_cache_share)
    if load.kind == "concurrency":
        assert load.value is not None
        result, info = disagg_closed_loop(dep, int(load.value), input_tokens, output_tokens, efficiency=efficiency,
                                          seed=seed, prefix_cache_share=load.prefix_cache_share)
    elif load.kind == "rps":
        if load.num_requests and load.value:
            result, info = disagg_open_loop(dep, wl, efficiency=efficiency, seed=seed, max_requests=load.num_requests,
                                            duration_s=load.num_requests / load.value, drain=True)
        else:
            result, info = disagg_open_loop(dep, wl, efficiency=efficiency, seed=seed)
    else:
        n = int(load.value) if load.kind in ("burst", "batch") and load.value else (load.num_requests or 2000)
        result, info = disagg_open_loop(dep, wl, efficiency=efficiency, seed=seed, all_at_once=n)
    eff_source = PerfModel.build(dep.model_copy(update={"disagg": None}), efficiency).eff.source
    return EstimateResult(deployment=dep, load=load, input_tokens=input_tokens, output_tokens=output_tokens,
                          memory=info.decode.memory, serving=result, efficiency_source=eff_source,
                          error_bands=_bands(dep, load, uncertainty), disagg=info)
