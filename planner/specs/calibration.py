"""Calibration profiles: what `planner calibrate` measured on one device, and the fitted efficiencies.

One JSON file per run in calibration/ (or anywhere with `--calibration PATH`), written by
`planner.calibrate.measure` with only torch installed and validated here on load.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from planner.specs._base import Frozen

CurveDtype = Literal["fp32", "bf16", "fp16", "fp8"]
"""Precisions a GEMM curve is measured for (planner spelling, as in `ComputeDtype`)."""


class DeviceInfo(Frozen):
    """The device a profile was measured on."""

    kind: Literal["cuda", "cpu"]
    """torch device type (`cuda` also covers ROCm builds)."""
    index: int | None = Field(default=None, ge=0)
    """CUDA device index (None on a CPU)."""
    name: str = Field(min_length=1)
    """Name the driver reports (`NVIDIA H100 80GB HBM3`) or the CPU model name."""
    count: int = Field(ge=1)
    """Devices of this kind visible to the run (GPUs; 1 for a CPU)."""
    memory_bytes: int | None = Field(default=None, gt=0)
    """Device memory (GPU) or host RAM (CPU), bytes."""
    cache_bytes: int | None = Field(default=None, gt=0)
    """Last-level cache (GPU L2, CPU L3), bytes; GEMM weights are cycled through twice this."""
    compute_capability: str | None = None
    """CUDA compute capability, `major.minor` (None on a CPU)."""
    multiprocessors: int | None = Field(default=None, ge=1)
    """Streaming multiprocessors (GPU) or logical CPUs (CPU)."""
    threads: int | None = Field(default=None, ge=1)
    """CPU threads torch used (None on a GPU)."""
    torch_version: str
    """`torch.__version__` of the run."""
    cuda_version: str | None = None
    """CUDA runtime torch was built with (`torch.version.cuda`)."""
    hip_version: str | None = None
    """HIP runtime of a ROCm build of torch."""
    driver_version: str | None = None
    """NVIDIA kernel driver version, when readable."""
    platform: str
    """`platform.platform()` of the host."""
    timer: Literal["cuda_events", "process_time", "perf_counter"]
    """Clock of the timings: CUDA events (GPU), process CPU time (one CPU thread), wall clock (CPU threads)."""


class Peak(Frozen):
    """The peak rates the efficiencies are fractions of."""

    gpu_id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    """hardware_db id of the matched GPU, or `cpu`; profiles are picked by this id."""
    source: str = Field(min_length=3)
    """Where the peaks come from (a hardware_db file, or this run's maxima on a CPU)."""
    tflops: dict[str, float]
    """Dense peak per precision, TFLOP/s."""
    hbm_bw_bytes_per_s: float = Field(gt=0)
    """Peak memory bandwidth, bytes/s."""
    link_bidir_bw_bytes_per_s: float | None = Field(default=None, gt=0)
    """GPU-to-GPU link bandwidth, both directions, bytes/s (None on a CPU)."""

    @model_validator(mode="after")
    def _positive(self) -> Peak:
        bad = {k: v for k, v in self.tflops.items() if not v > 0}
        if bad:
            raise ValueError(f"peak TFLOP/s must be > 0: {bad}")
        return self


class GemmCurve(Frozen):
    """Measured GEMM efficiency of one precision against the token rows M."""

    torch_dtype: str
    """torch dtype the GEMMs actually ran in (`bfloat16`, `float32`, `float8_e4m3fn`)."""
    points: tuple[tuple[float, float], ...] = Field(min_length=1)
    """(rows, achieved / dense peak), rows increasing; all measured (N, K) shapes pooled."""
    max_tflops: float = Field(gt=0)
    """Best achieved rate over the rows, TFLOP/s."""
    half_rows: float = Field(gt=0)
    """Rows at which the efficiency first reaches half its maximum."""

    @model_validator(mode="after")
    def _curve(self) -> GemmCurve:
        rows = [r for r, _ in self.points]
        if any(r <= 0 for r in rows) or rows != sorted(set(rows)):
            raise ValueError("points rows must be positive and strictly increasing")
        if any(not 0 < e <= 1 for _, e in self.points):
            raise ValueError("points efficiencies must be in (0, 1]")
        return self

    @property
    def max_efficiency(self) -> float:
        """Highest fraction of peak on the curve."""
        return max(e for _, e in self.points)


class AllReduceFit(Frozen):
    """Fitted all-reduce across the visible GPUs."""

    world_size: int = Field(ge=2)
    """GPUs in the collective."""
    backend: str
    """torch.distributed backend (`nccl`)."""
    latency_s: float = Field(gt=0)
    """Time of the smallest message, seconds."""
    bus_bw_bytes_per_s: float = Field(gt=0)
    """Best bus bandwidth (nccl-tests convention: bytes x 2(n-1)/n / s), bytes/s."""
    bw_fraction: float | None = Field(default=None, gt=0, le=1)
    """Bus bandwidth over the per-direction link bandwidth of the GPU."""


class Fitted(Frozen):
    """Efficiencies and overheads fitted from the raw timings."""

    gemm: dict[CurveDtype, GemmCurve] = Field(min_length=1)
    """GEMM efficiency curve per precision."""
    copy_bw_bytes_per_s: float = Field(gt=0)
    """Large device copy, bytes read + written per second."""
    read_bw_bytes_per_s: float = Field(gt=0)
    """Large reduction, bytes read per second."""
    weight_stream_bw_bytes_per_s: float = Field(gt=0)
    """Single-row 16-bit GEMMs (decode GEMVs), weight bytes per second."""
    kv_read_bw_bytes_per_s: float = Field(gt=0)
    """Decode attention, K/V cache bytes read per second."""
    weight_bw: float = Field(gt=0, le=1)
    """`weight_stream_bw_bytes_per_s` over the peak memory bandwidth."""
    kv_bw: float = Field(gt=0, le=1)
    """`kv_read_bw_bytes_per_s` over the peak memory bandwidth."""
    attention_tflops: float = Field(gt=0)
    """Median achieved causal prefill attention rate over the measured lengths, TFLOP/s."""
    attention_compute: float = Field(gt=0, le=1)
    """`attention_tflops` over the 16-bit dense peak."""
    launch_overhead_s: float = Field(gt=0)
    """Host time to issue one tiny op, seconds."""
    eager_op_overhead_s: float = Field(gt=0)
    """Eager per-op overhead inside a decoder layer (tiny-layer time / its op count), seconds."""
    eager_ops_per_layer: float = Field(gt=0)
    """ATen ops one Llama-style decoder layer dispatches in a decode step."""
    eager_ops_per_step: float = Field(ge=0)
    """ATen ops a decode step dispatches outside the layers (embedding, final norm, lm_head, argmax)."""
    eager_ops_per_moe_layer: float | None = Field(default=None, gt=0)
    """ATen ops one eager MoE layer dispatches in a batch-1 decode step (top-k experts hit)."""
    moe_factor: float | None = Field(default=None, gt=0, le=1)
    """Eager expert-GEMM efficiency relative to dense GEMMs of the same rows (transformers-style
    loop over the experts hit), launch overhead excluded."""
    eager_layer_overhead_s: float = Field(ge=0)
    """`eager_op_overhead_s` x `eager_ops_per_layer`: eager launch time per layer, seconds."""
    eager_step_overhead_s: float = Field(ge=0)
    """Eager launch time per step outside the layers, seconds."""
    allreduce: AllReduceFit | None = None
    """All-reduce fit, when more than one GPU was visible."""


class GemmSample(Frozen):
    """One timed GEMM."""

    dtype: CurveDtype
    """Planner precision."""
    torch_dtype: str
    """torch dtype of the inputs."""
    m: int = Field(ge=1)
    """Token rows the GEMM stands for."""
    m_run: int = Field(ge=1)
    """Rows actually run (FP8 pads small M to 16)."""
    n: int = Field(ge=1)
    """Output features."""
    k: int = Field(ge=1)
    """Input features."""
    seconds: float = Field(gt=0)
    """Median time per call, seconds."""


class BandwidthSample(Frozen):
    """One timed large copy or read."""

    kind: Literal["copy", "read"]
    """`copy`: dst.copy_(src); `read`: sum(src)."""
    bytes: int = Field(gt=0)
    """Bytes moved (read + written for a copy)."""
    seconds: float = Field(gt=0)
    """Median time per call, seconds."""


class AttentionSample(Frozen):
    """One timed scaled_dot_product_attention call."""

    phase: Literal["prefill", "decode"]
    """Causal prefill over the prompt, or one query token over a cache."""
    batch: int = Field(ge=1)
    """Sequences."""
    q_tokens: int = Field(ge=1)
    """Query tokens per sequence."""
    kv_tokens: int = Field(ge=1)
    """Key/value tokens per sequence."""
    heads: int = Field(ge=1)
    """Query heads."""
    kv_heads: int = Field(ge=1)
    """Key/value heads."""
    head_dim: int = Field(ge=1)
    """Head dimension."""
    dtype: CurveDtype
    """Precision."""
    seconds: float = Field(gt=0)
    """Median time per call, seconds."""


class LaunchSample(Frozen):
    """One timed overhead probe."""

    kind: Literal["launch", "eager_step", "eager_moe_step"]
    """`launch`: one tiny op; `eager_step`: a greedy decode step of a tiny decoder; `eager_moe_step`:
    the same with an MoE layer."""
    layers: int = Field(ge=0)
    """Decoder layers of the tiny model (0 for `launch`)."""
    ops: int = Field(ge=1)
    """ATen ops per call."""
    seconds: float = Field(gt=0)
    """Median host time per call, seconds."""


class MoeSample(Frozen):
    """One timed eager MoE block."""

    tokens: int = Field(ge=1)
    """Tokens routed."""
    hidden: int = Field(ge=1)
    """Hidden size."""
    inter: int = Field(ge=1)
    """Expert intermediate size."""
    experts: int = Field(ge=1)
    """Routed experts."""
    top_k: int = Field(ge=1)
    """Experts per token."""
    dtype: CurveDtype
    """Precision."""
    ops: int = Field(ge=1)
    """ATen ops per call."""
    seconds: float = Field(gt=0)
    """Median host time per call, seconds."""


class AllReduceSample(Frozen):
    """One timed all-reduce size."""

    bytes: int = Field(gt=0)
    """Message size, bytes."""
    seconds: float = Field(gt=0)
    """Median time per collective, seconds."""
    world_size: int = Field(ge=2)
    """Ranks."""
    backend: str
    """torch.distributed backend."""


class RawMeasurements(Frozen):
    """Every timing the fit was made from."""

    gemm: tuple[GemmSample, ...]
    """GEMM timings."""
    bandwidth: tuple[BandwidthSample, ...]
    """Copy and read timings."""
    attention: tuple[AttentionSample, ...]
    """Attention timings."""
    moe: tuple[MoeSample, ...] = ()
    """Eager MoE block timings."""
    launch: tuple[LaunchSample, ...]
    """Overhead timings."""
    allreduce: tuple[AllReduceSample, ...] = ()
    """All-reduce timings (empty with one GPU)."""


class CalibrationProfile(Frozen):
    """One calibration run: device, peaks, fitted efficiencies and the raw timings."""

    schema_version: Literal[1]
    """Layout version of this file."""
    created_at: dt.datetime
    """When the run finished (ISO 8601, UTC); the newest matching profile is used."""
    tool: str
    """Program and version that wrote the file."""
    quick: bool
    """Whether `--quick` (fewer points and repeats) was used."""
    device: DeviceInfo
    """What was measured."""
    peak: Peak
    """Peaks the efficiencies are fractions of."""
    fitted: Fitted
    """Fitted efficiencies and overheads."""
    raw: RawMeasurements
    """Raw timings."""
    notes: tuple[str, ...] = ()
    """Caveats of this run (skipped benchmarks, capped fractions)."""

    @property
    def gpu_id(self) -> str:
        """hardware_db id (or `cpu`) this profile calibrates."""
        return self.peak.gpu_id

    @property
    def label(self) -> str:
        """`h100-sxm 2026-11-22 (planner calibrate 0.1.0, torch 2.13.0)`: names this profile in reports."""
        quick = ", quick" if self.quick else ""
        return (f"{self.gpu_id} {self.created_at.date().isoformat()} "
                f"({self.tool}, torch {self.device.torch_version}{quick})")
