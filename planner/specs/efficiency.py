"""Efficiencies and overheads the roofline is scaled by.

`PerfConstants` is the `perf:` block of a runtime profile; `Efficiency` is the same set of fields as
the performance model uses them for one deployment, with a measured GEMM curve where one exists and
the name of where the numbers came from.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field

from planner.specs._base import Frozen


class PerfConstants(Frozen):
    """Efficiencies and overheads of the roofline performance model (a runtime profile's `perf:` block).

    Overheads are bounded at 1 s (measured ones are micro- to milliseconds): a larger value is a unit mistake.
    """

    gemm_compute_efficiency: float = Field(gt=0, le=1)
    """Fraction of dense peak FLOP/s large GEMMs reach."""
    gemm_half_efficiency_tokens: float = Field(gt=0, le=1e6)
    """GEMM row count (tokens) at which compute efficiency is half of its maximum."""
    weight_bw_efficiency: float = Field(gt=0, le=1)
    """Fraction of peak memory bandwidth reached when streaming weights."""
    kv_bw_efficiency: float = Field(gt=0, le=1)
    """Fraction of peak memory bandwidth reached when reading the KV cache in decode attention."""
    attention_compute_efficiency: float = Field(gt=0, le=1)
    """Fraction of dense peak FLOP/s reached by prefill (flash) attention."""
    step_overhead_s: float = Field(ge=0, le=1)
    """Fixed time per iteration outside kernels (scheduler, input prep, launches), seconds."""
    per_seq_overhead_s: float = Field(ge=0, le=1)
    """Extra time per running sequence per iteration (sampling, detokenization), seconds."""
    per_layer_overhead_s: float = Field(default=0.0, ge=0, le=1)
    """Kernel-launch / framework time per layer per iteration (eager execution without graphs), seconds."""
    request_overhead_s: float = Field(default=0.0, ge=0, le=1)
    """Latency each request spends outside engine iterations that does not load a shared server (network and
    HTTP round trip), added to TTFT and end-to-end latency, seconds."""
    frontend_request_s: float = Field(default=0.0, ge=0, le=1)
    """API-server CPU time per request (HTTP handling, request validation, tokenizer setup, the final response),
    seconds; the API server is one FIFO server shared by all requests, so this queues under load."""
    frontend_prompt_token_s: float = Field(default=0.0, ge=0, le=1)
    """API-server CPU time per prompt token (tokenization), seconds."""
    frontend_output_token_s: float = Field(default=0.0, ge=0, le=1)
    """API-server CPU time per streamed output token (detokenization, SSE encoding), seconds."""
    allreduce_bw_efficiency: float = Field(gt=0, le=1)
    """Fraction of link bandwidth a tensor-parallel all-reduce reaches."""
    weight_only_int4_compute_penalty: float = Field(ge=1, le=100)
    """Slow-down of compute-bound GEMMs with weight-only int4 (dequantization), x."""
    moe_gemm_efficiency_factor: float = Field(gt=0, le=1)
    """Efficiency of grouped expert GEMMs relative to dense GEMMs of the same size."""
    use_op_tables: bool = False
    """Time GEMMs, attention and all-reduces from the GPU's measured operator tables (calibration/tables/) of
    the runtime version nearest this one, where the GPU has them; false: the roofline with these efficiencies.
    Off by default: with overheads still fitted for the roofline, tables raised throughput MdAPE 7.6% -> 13.2%
    on ../shared/validation, and the per-step interpolation slows simulation ~20x until it is cached."""
    use_moe_tables: bool = False
    """Time the routed experts of MoE layers from the GPU's measured fused-MoE tables (exact expert shape,
    precision and sharding), where the GPU has them, also when `use_op_tables` is off."""

    def in_process(self) -> Self:
        """The same constants with no API server in the request path: the engine called in-process (vLLM's
        `LLM.generate`, its benchmark_throughput / benchmark_latency, SGLang's offline engine, trtllm-bench), so
        no request latency outside the engine and no front-end work per request or token."""
        return self.model_copy(update={"request_overhead_s": 0.0, "frontend_request_s": 0.0,
                                       "frontend_prompt_token_s": 0.0, "frontend_output_token_s": 0.0})


class Efficiency(PerfConstants):
    """The constants of one deployment's performance model, and where they came from."""

    gemm_curve: tuple[tuple[float, float], ...] = ()
    """Measured (token rows, fraction of dense peak) points of GEMM efficiency; when given they replace the
    parametric curve `gemm_compute_efficiency x rows / (rows + gemm_half_efficiency_tokens)`."""
    source: str
    """Where these numbers came from (a runtime profile's defaults, or a calibration profile)."""
