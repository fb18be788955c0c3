"""`estimate`: latency and throughput of one deployment under one load (library entry point)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from planner.core.memory import MemoryBreakdown, memory_breakdown
from planner.core.perf import PerfModel
from planner.core.serving import ServingResult, closed_loop, offline, open_loop, static_batch
from planner.errors import InfeasibleError
from planner.specs._base import Frozen
from planner.specs.deployment import Deployment
from planner.specs.efficiency import Efficiency
from planner.specs.workload import LengthDistribution, Workload

Load = Literal["batch", "concurrency", "offline", "rps"]
"""How requests arrive: static batch, closed loop, all at once, or open loop."""


class LoadSpec(Frozen):
    """The load of an estimate."""

    kind: Load
    """Regime."""
    value: float | None = Field(default=None, gt=0)
    """Batch size, client count or requests/s (None for offline)."""
    num_requests: int | None = Field(default=None, ge=1)
    """Requests in the simulated run (default: enough for a steady state)."""


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

    def summary(self) -> dict[str, Any]:
        """The stable JSON contract of `planner estimate`."""
        s, dep = self.serving, self.deployment
        return {
            "ttft_s": s.ttft.mean_s, "tpot_s": s.tpot.mean_s, "e2e_s": s.e2e.mean_s,
            "ttft_p50_s": s.ttft.p50_s, "ttft_p95_s": s.ttft.p95_s, "ttft_p99_s": s.ttft.p99_s,
            "tpot_p50_s": s.tpot.p50_s, "tpot_p95_s": s.tpot.p95_s, "tpot_p99_s": s.tpot.p99_s,
            "e2e_p50_s": s.e2e.p50_s, "e2e_p95_s": s.e2e.p95_s, "e2e_p99_s": s.e2e.p99_s,
            "output_tokens_per_s": s.output_tokens_per_s,
            "output_tokens_per_s_per_gpu": s.output_tokens_per_s / dep.num_gpus,
            "input_tokens_per_s": s.input_tokens_per_s, "requests_per_s": s.requests_per_s,
            "concurrency": s.concurrency, "kv_utilization": s.kv_utilization, "stable": s.stable,
            "prefill_bound": s.prefill_bound, "decode_bound": s.decode_bound, "notes": list(s.notes),
        }


def estimate(dep: Deployment, input_tokens: LengthDistribution, output_tokens: LengthDistribution,
             load: LoadSpec, *, efficiency: Efficiency | None = None, seed: int = 0) -> EstimateResult:
    """Predict TTFT, TPOT, end-to-end latency and throughput of `dep` under `load`.

    Raises:
        InfeasibleError: Not even one sequence of the requested lengths fits in memory.
    """
    full = input_tokens.upper_tokens() + output_tokens.upper_tokens()
    mem = memory_breakdown(dep, min(full, dep.max_model_len))
    if not mem.fits:
        raise InfeasibleError(
            f"{dep.label()} does not fit: needs {mem.needed_bytes / 2**30:.1f} GiB per GPU, "
            f"has {mem.gpu_memory_bytes / 2**30:.1f} GiB",
            hint="add GPUs (--tp), quantize (--quant fp8/int4-awq), or shorten --isl/--osl")
    pm = PerfModel.build(dep, efficiency)
    if load.kind == "batch":
        assert load.value is not None
        result = static_batch(pm, mem, int(load.value), int(input_tokens.expected()),
                              int(output_tokens.expected()))
    elif load.kind == "concurrency":
        assert load.value is not None
        result = closed_loop(pm, mem, int(load.value), input_tokens, output_tokens, seed=seed,
                             num_requests=load.num_requests)
    elif load.kind == "offline":
        result = offline(pm, mem, input_tokens, output_tokens, seed=seed, num_requests=load.num_requests)
    else:
        workload = Workload(rps=load.value, input_tokens=input_tokens, output_tokens=output_tokens)
        if load.num_requests and load.value:
            result = open_loop(pm, mem, workload, seed=seed, max_requests=load.num_requests,
                               duration_s=load.num_requests / load.value)
        else:
            result = open_loop(pm, mem, workload, seed=seed)
    return EstimateResult(deployment=dep, load=load, input_tokens=input_tokens, output_tokens=output_tokens,
                          memory=mem, serving=result, efficiency_source=pm.eff.source)
