"""Fit raw microbenchmark timings into the efficiencies the performance model uses.

Pure functions of JSON-ready dicts (the `raw` section of a calibration profile) and the peak
rates they are measured against; no torch, no pydantic, so they run where only the standard
library is installed and are tested with synthetic timings.

Every efficiency is an achieved rate over a peak rate: FLOP/s over the dense peak of the
matched GPU (hardware_db), bytes/s over its peak memory bandwidth. On a CPU, which has no
hardware_db entry, the peaks are the measured maxima (`cpu_peaks`).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

ELEMENT_BYTES: dict[str, float] = {
    "float32": 4, "bfloat16": 2, "float16": 2, "float8_e4m3fn": 1, "float8_e5m2": 1,
}
"""Bytes per element of the torch dtypes the benchmarks use (names without `torch.`)."""

Sample = dict[str, Any]


def _clamp(value: float, notes: list[str], what: str) -> float:
    """Keep a fraction of peak in (0, 1]; above 1 means the peak it was divided by is too low."""
    if value > 1.0:
        notes.append(f"{what} measured {value:.3f} of the peak; capped at 1.0 (is the matched GPU right?)")
        return 1.0
    return max(value, 1e-6)


def gemm_tflops(samples: Iterable[Sample]) -> dict[str, dict[int, float]]:
    """Achieved TFLOP/s per precision and row count, all (N, K) shapes pooled (total FLOPs / total time).

    FLOPs count the requested rows `m` even where FP8 padded them to `m_run`: padding is
    work the kernel does for nothing, and the curve should show it.
    """
    flops: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    seconds: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for s in samples:
        flops[s["dtype"]][int(s["m"])] += 2.0 * s["m"] * s["n"] * s["k"]
        seconds[s["dtype"]][int(s["m"])] += s["seconds"]
    return {dtype: {m: flops[dtype][m] / seconds[dtype][m] / 1e12 for m in sorted(flops[dtype])}
            for dtype in flops}


def half_rows(points: Sequence[tuple[float, float]]) -> float:
    """Rows at which the curve first reaches half its maximum, interpolated in log(rows)."""
    top = max(eff for _, eff in points)
    prev_rows, prev_eff = points[0]
    if prev_eff >= top / 2:
        return prev_rows
    for rows, eff in points[1:]:
        if eff >= top / 2:
            t = (top / 2 - prev_eff) / (eff - prev_eff)
            return math.exp(math.log(prev_rows) + t * (math.log(rows) - math.log(prev_rows)))
        prev_rows, prev_eff = rows, eff
    return points[-1][0]


def gemm_curves(samples: Sequence[Sample], peak_tflops: dict[str, float], notes: list[str]) -> dict[str, Any]:
    """Per precision: the (rows, achieved / peak) curve, best TFLOP/s and half-efficiency rows."""
    torch_dtypes = {s["dtype"]: s["torch_dtype"] for s in samples}
    out: dict[str, Any] = {}
    for dtype, by_rows in gemm_tflops(samples).items():
        peak = peak_tflops.get(dtype)
        if not peak:
            notes.append(f"no {dtype} peak for this device; its GEMM curve is left out")
            continue
        points = [(float(m), _clamp(tflops / peak, notes, f"{dtype} GEMM at {m} rows"))
                  for m, tflops in by_rows.items()]
        out[dtype] = {"torch_dtype": torch_dtypes[dtype], "points": points, "max_tflops": max(by_rows.values()),
                      "half_rows": half_rows(points)}
    return out


def weight_stream_bw(samples: Sequence[Sample], dtype: str) -> float:
    """Bytes/s the single-row GEMMs (GEMV) of `dtype` stream their weights at: decode's weight read."""
    rows1 = [s for s in samples if s["dtype"] == dtype and s["m"] == 1]
    if not rows1:
        raise ValueError(f"no single-row {dtype} GEMM samples to fit the weight-streaming bandwidth")
    total = sum(s["n"] * s["k"] * ELEMENT_BYTES[s["torch_dtype"]] for s in rows1)
    return float(total / sum(s["seconds"] for s in rows1))


def kv_read_bw(samples: Sequence[Sample]) -> float:
    """Bytes/s decode attention reads the K/V cache at (all decode points pooled)."""
    decode = [s for s in samples if s["phase"] == "decode"]
    if not decode:
        raise ValueError("no decode attention samples")
    total = sum(2 * s["batch"] * s["kv_heads"] * s["kv_tokens"] * s["head_dim"] * ELEMENT_BYTES[_torch_name(s["dtype"])]
                for s in decode)
    return float(total / sum(s["seconds"] for s in decode))


def _torch_name(dtype: str) -> str:
    return {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}[dtype]


def prefill_attention_flops(sample: Sample) -> float:
    """FLOPs of causal prefill attention as the perf model counts them: 4 x heads x head_dim per
    query-key pair (QK^T and PV), L(L+1)/2 pairs."""
    length = float(sample["q_tokens"])
    per_pair = 4.0 * float(sample["heads"]) * float(sample["head_dim"])
    return per_pair * length * (length + 1) / 2 * float(sample["batch"])


def attention_tflops(samples: Sequence[Sample]) -> float:
    """Median achieved TFLOP/s of causal prefill attention over the measured lengths."""
    prefill = [prefill_attention_flops(s) / float(s["seconds"]) / 1e12 for s in samples if s["phase"] == "prefill"]
    if not prefill:
        raise ValueError("no prefill attention samples")
    return statistics.median(prefill)


def eager_overheads(samples: Sequence[Sample]) -> dict[str, float]:
    """Launch overhead and eager per-layer / per-step overhead from the tiny-decoder timings.

    A step of an L-layer tiny decoder takes step + L x layer seconds and dispatches
    ops_step + L x ops_layer ATen ops; the 1- and 3-layer timings give both. The per-op
    overhead is the per-layer time over the per-layer op count.
    """
    launch = next(s["seconds"] for s in samples if s["kind"] == "launch")
    steps = {s["layers"]: s for s in samples if s["kind"] == "eager_step"}
    one, three = steps[1], steps[3]
    ops_layer = (three["ops"] - one["ops"]) / 2
    ops_step = max(one["ops"] - ops_layer, 0.0)
    layer_s = (three["seconds"] - one["seconds"]) / 2
    op_s = layer_s / ops_layer if layer_s > 0 and ops_layer > 0 else launch
    moe = next((s for s in samples if s["kind"] == "eager_moe_step"), None)
    return {
        "launch_overhead_s": launch, "eager_op_overhead_s": op_s,
        "eager_ops_per_layer": ops_layer, "eager_ops_per_step": ops_step,
        "eager_ops_per_moe_layer": moe["ops"] - ops_step if moe else None,
        "eager_layer_overhead_s": op_s * ops_layer,
        "eager_step_overhead_s": max(one["seconds"] - op_s * ops_layer, 0.0),
    }


def interp_log(points: Sequence[tuple[float, float]], x: float) -> float:
    """Piecewise-linear interpolation in log(x), clamped at the ends: `planner.core.perf._interp_log`."""
    if x <= points[0][0]:
        return points[0][1] * max(x, 1e-9) / points[0][0]
    if x >= points[-1][0]:
        return points[-1][1]
    lx = math.log(x)
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x <= x1:
            t = (lx - math.log(x0)) / (math.log(x1) - math.log(x0))
            return y0 + t * (y1 - y0)
    return points[-1][1]


def moe_factor(samples: Sequence[Sample], curve: Sequence[tuple[float, float]], peak_tflops: float,
               op_overhead_s: float, notes: list[str]) -> float | None:
    """Eager expert-GEMM efficiency relative to dense GEMMs of the same rows (median over token counts).

    For T tokens routed top-k over E experts, the perf model expects E(1 - (1 - k/E)^T) experts
    to be hit with Tk/touched rows each, and times their FLOPs at the dense curve's efficiency
    for those rows times this factor. The measured block time, less its ops' launch overhead
    (which the per-layer overhead already counts), gives the factor.
    """
    factors = []
    for s in samples:
        experts, top_k, tokens = s["experts"], s["top_k"], s["tokens"]
        touched = experts * (1 - (1 - top_k / experts) ** tokens)
        rows = tokens * top_k / touched
        flops = 2.0 * tokens * top_k * 3 * s["hidden"] * s["inter"]
        dense_s = flops / (peak_tflops * 1e12 * interp_log(curve, rows))
        net_s = max(s["seconds"] - s["ops"] * op_overhead_s, 0.1 * s["seconds"])
        factors.append(dense_s / net_s)
    if not factors:
        return None
    return _clamp(statistics.median(factors), notes, "eager MoE expert GEMMs relative to dense")


def allreduce_fit(samples: Sequence[Sample], link_bidir_bw_bytes_per_s: float | None,
                  notes: list[str]) -> dict[str, Any] | None:
    """Latency (smallest message) and bus bandwidth (best over sizes) of the all-reduce.

    Bus bandwidth is the ring convention of nccl-tests: bytes x 2(n-1)/n / seconds; its fraction
    is taken of the per-direction link bandwidth (half the bidirectional spec-sheet figure).
    """
    if not samples:
        return None
    world = samples[0]["world_size"]
    ring = 2 * (world - 1) / world
    smallest = min(samples, key=lambda s: s["bytes"])
    bus = max(s["bytes"] * ring / s["seconds"] for s in samples)
    fraction = _clamp(bus / (link_bidir_bw_bytes_per_s / 2), notes, "all-reduce bus bandwidth") \
        if link_bidir_bw_bytes_per_s else None
    return {"world_size": world, "backend": samples[0]["backend"], "latency_s": smallest["seconds"],
            "bus_bw_bytes_per_s": bus, "bw_fraction": fraction}


def cpu_peaks(raw: dict[str, Any]) -> dict[str, Any]:
    """Peak rates of a CPU: the best measured GEMM rate per precision and the best copy/read bandwidth.

    A CPU has no hardware_db entry with published peaks, so its efficiencies are fractions of
    what this run reached: the curves top out at 1.0 and describe shape, not headroom.
    """
    tflops = {dtype: max(by_rows.values()) for dtype, by_rows in gemm_tflops(raw["gemm"]).items()}
    bw = max(s["bytes"] / s["seconds"] for s in raw["bandwidth"])
    return {"gpu_id": "cpu", "source": "measured maxima of this run (a CPU has no hardware_db peak)",
            "tflops": tflops, "hbm_bw_bytes_per_s": bw, "link_bidir_bw_bytes_per_s": None}


def fit_all(raw: dict[str, Any], peak: dict[str, Any], attention_dtype: str) -> tuple[dict[str, Any], list[str]]:
    """Every fitted quantity of a profile from its raw samples and peaks; returns (fitted, notes)."""
    notes: list[str] = []
    bw_peak = peak["hbm_bw_bytes_per_s"]
    bandwidth = {s["kind"]: s["bytes"] / s["seconds"] for s in raw["bandwidth"]}
    weights = weight_stream_bw(raw["gemm"], attention_dtype)
    kv = kv_read_bw(raw["attention"])
    attn = attention_tflops(raw["attention"])
    attn_peak = peak["tflops"].get(attention_dtype)
    if not attn_peak:
        raise ValueError(f"no {attention_dtype} peak to divide attention throughput by")
    gemm = gemm_curves(raw["gemm"], peak["tflops"], notes)
    overheads = eager_overheads(raw["launch"])
    fitted: dict[str, Any] = {
        "gemm": gemm,
        "copy_bw_bytes_per_s": bandwidth["copy"], "read_bw_bytes_per_s": bandwidth["read"],
        "weight_stream_bw_bytes_per_s": weights, "kv_read_bw_bytes_per_s": kv,
        "weight_bw": _clamp(weights / bw_peak, notes, "weight streaming bandwidth"),
        "kv_bw": _clamp(kv / bw_peak, notes, "KV read bandwidth"),
        "attention_tflops": attn,
        "attention_compute": _clamp(attn / attn_peak, notes, "prefill attention"),
        **overheads,
        "moe_factor": moe_factor(raw.get("moe", []), gemm[attention_dtype]["points"], attn_peak,
                                 overheads["eager_op_overhead_s"], notes) if attention_dtype in gemm else None,
        "allreduce": allreduce_fit(raw["allreduce"], peak.get("link_bidir_bw_bytes_per_s"), notes),
    }
    return fitted, notes
