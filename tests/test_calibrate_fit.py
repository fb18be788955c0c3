"""Fitting calibration curves: synthetic timings in, the efficiencies that generated them out."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from planner.calibrate import fit
from planner.core.perf import _interp_log
from planner.specs.calibration import CalibrationProfile

PEAK_TFLOPS = 100.0
BW = 2e12
SHAPES = ((4096, 4096), (14336, 4096))
ROWS = (4, 16, 64, 256, 1024, 4096)


def true_eff(rows: float) -> float:
    """The GEMM efficiency the synthetic timings are generated from."""
    return 0.8 * rows / (rows + 64)


def synthetic_raw(weight_bw: float = 0.8, kv_bw: float = 0.5, attention: float = 0.4, op_s: float = 5e-6,
                  ops_layer: int = 80, ops_step: int = 20, moe: float = 0.6,
                  allreduce: bool = False) -> dict[str, Any]:
    """Raw measurements of an imaginary GPU whose efficiencies are known exactly."""
    gemm = []
    for n, k in SHAPES:
        gemm.append({"dtype": "bf16", "torch_dtype": "bfloat16", "m": 1, "m_run": 1, "n": n, "k": k,
                     "seconds": n * k * 2 / (BW * weight_bw)})
        for m in ROWS:
            gemm.append({"dtype": "bf16", "torch_dtype": "bfloat16", "m": m, "m_run": m, "n": n, "k": k,
                         "seconds": 2 * m * n * k / (PEAK_TFLOPS * 1e12 * true_eff(m))})
    attn = [{"phase": "prefill", "batch": 1, "q_tokens": n, "kv_tokens": n, "heads": 32, "kv_heads": 8,
             "head_dim": 128, "dtype": "bf16",
             "seconds": 4 * 32 * 128 * n * (n + 1) / 2 / (PEAK_TFLOPS * 1e12 * attention)} for n in (1024, 4096)]
    attn += [{"phase": "decode", "batch": b, "q_tokens": 1, "kv_tokens": c, "heads": 32, "kv_heads": 8,
              "head_dim": 128, "dtype": "bf16", "seconds": 2 * b * 8 * c * 128 * 2 / (BW * kv_bw)}
             for b, c in ((1, 4096), (16, 4096))]
    raw: dict[str, Any] = {
        "gemm": gemm, "attention": attn,
        "bandwidth": [{"kind": "copy", "bytes": 2 * 2**30, "seconds": 2 * 2**30 / (BW * 0.9)},
                      {"kind": "read", "bytes": 2**30, "seconds": 2**30 / (BW * 0.95)}],
        "launch": [{"kind": "launch", "layers": 0, "ops": 1, "seconds": 4e-6},
                   {"kind": "eager_step", "layers": 1, "ops": ops_step + ops_layer,
                    "seconds": (ops_step + ops_layer) * op_s},
                   {"kind": "eager_step", "layers": 3, "ops": ops_step + 3 * ops_layer,
                    "seconds": (ops_step + 3 * ops_layer) * op_s},
                   {"kind": "eager_moe_step", "layers": 1, "ops": ops_step + 120, "seconds": (ops_step + 120) * op_s}],
        "moe": [], "allreduce": [],
    }
    curve = fit.gemm_curves(gemm, {"bf16": PEAK_TFLOPS}, [])["bf16"]["points"]
    for tokens in (1024, 4096):
        touched = 8 * (1 - (1 - 2 / 8) ** tokens)
        rows = tokens * 2 / touched
        dense_s = 2 * tokens * 2 * 3 * 4096 * 14336 / (PEAK_TFLOPS * 1e12 * fit.interp_log(curve, rows))
        raw["moe"].append({"tokens": tokens, "hidden": 4096, "inter": 14336, "experts": 8, "top_k": 2,
                           "dtype": "bf16", "ops": 200, "seconds": dense_s / moe + 200 * op_s})
    if allreduce:
        raw["allreduce"] = [{"bytes": b, "seconds": 2e-5 + b * 1.5 / 300e9, "world_size": 4, "backend": "nccl"}
                            for b in (8, 2**20, 2**28)]
    return raw


def synthetic_profile(gpu_id: str = "h100-sxm", created_at: str = "2026-11-22T10:00:00+00:00",
                      **kwargs: Any) -> dict[str, Any]:
    """A complete, valid profile dict fitted from `synthetic_raw`."""
    raw = synthetic_raw(**kwargs)
    peak = {"gpu_id": gpu_id, "source": f"hardware_db/{gpu_id}.yaml dense peaks", "tflops": {"bf16": PEAK_TFLOPS},
            "hbm_bw_bytes_per_s": BW, "link_bidir_bw_bytes_per_s": 9e11}
    fitted, notes = fit.fit_all(raw, peak, "bf16")
    return {
        "schema_version": 1, "created_at": created_at, "tool": "planner calibrate test", "quick": False,
        "device": {"kind": "cuda", "index": 0, "name": "NVIDIA H100 80GB HBM3", "count": 1,
                   "memory_bytes": 85520809984, "cache_bytes": 52428800, "compute_capability": "9.0",
                   "multiprocessors": 132, "threads": None, "torch_version": "2.13.0", "cuda_version": "12.8",
                   "hip_version": None, "driver_version": "570.86.15", "platform": "Linux",
                   "timer": "cuda_events"},
        "peak": peak, "fitted": fitted, "raw": raw, "notes": notes,
    }


pytestmark = pytest.mark.unit


def test_gemm_curve_recovers_the_generating_efficiency():
    """Pooling timings over shapes gives achieved / peak equal to the efficiency that produced them."""
    curves = fit.gemm_curves(synthetic_raw()["gemm"], {"bf16": PEAK_TFLOPS}, [])
    points = dict(curves["bf16"]["points"])
    for m in ROWS:
        assert points[m] == pytest.approx(true_eff(m), rel=1e-9)
    assert curves["bf16"]["max_tflops"] == pytest.approx(PEAK_TFLOPS * true_eff(4096))
    assert curves["bf16"]["torch_dtype"] == "bfloat16"


def test_single_row_gemms_give_the_weight_streaming_bandwidth():
    """Decode GEMVs' weight bytes over their time is the streaming bandwidth they were generated at."""
    assert fit.weight_stream_bw(synthetic_raw(weight_bw=0.7)["gemm"], "bf16") == pytest.approx(0.7 * BW)


def test_half_rows_interpolates_in_log_rows():
    """Half of the best efficiency is found between the two points that bracket it, in log space."""
    points = [(1.0, 0.1), (16.0, 0.3), (256.0, 0.8)]
    rows = fit.half_rows(points)
    assert 16 < rows < 256
    assert math.log(rows) == pytest.approx(math.log(16) + (0.4 - 0.3) / 0.5 * (math.log(256) - math.log(16)))
    assert fit.half_rows([(1.0, 0.9), (2.0, 1.0)]) == 1.0


def test_gemm_curve_above_peak_is_capped_with_a_note():
    """An efficiency above 1 means the peak was wrong: it is capped at 1 and the profile says so."""
    notes: list[str] = []
    curves = fit.gemm_curves(synthetic_raw()["gemm"], {"bf16": PEAK_TFLOPS / 2}, notes)
    assert max(e for _, e in curves["bf16"]["points"]) == 1.0
    assert any("capped at 1.0" in n for n in notes)


def test_kv_attention_and_bandwidth_fits():
    """Decode KV bandwidth, prefill attention efficiency and copy/read bandwidth come back as generated."""
    raw = synthetic_raw(kv_bw=0.45, attention=0.35)
    assert fit.kv_read_bw(raw["attention"]) == pytest.approx(0.45 * BW)
    assert fit.attention_tflops(raw["attention"]) == pytest.approx(0.35 * PEAK_TFLOPS)
    fitted, _ = fit.fit_all(raw, {"tflops": {"bf16": PEAK_TFLOPS}, "hbm_bw_bytes_per_s": BW}, "bf16")
    assert fitted["kv_bw"] == pytest.approx(0.45)
    assert fitted["attention_compute"] == pytest.approx(0.35)
    assert fitted["copy_bw_bytes_per_s"] == pytest.approx(0.9 * BW)
    assert fitted["read_bw_bytes_per_s"] == pytest.approx(0.95 * BW)


def test_eager_overheads_split_layer_and_step():
    """1- and 3-layer tiny-decoder timings separate the per-layer from the per-step launch overhead."""
    out = fit.eager_overheads(synthetic_raw(op_s=6e-6, ops_layer=70, ops_step=15)["launch"])
    assert out["eager_ops_per_layer"] == 70 and out["eager_ops_per_step"] == 15
    assert out["eager_op_overhead_s"] == pytest.approx(6e-6)
    assert out["eager_layer_overhead_s"] == pytest.approx(70 * 6e-6)
    assert out["eager_step_overhead_s"] == pytest.approx(15 * 6e-6)
    assert out["eager_ops_per_moe_layer"] == 120
    assert out["launch_overhead_s"] == 4e-6


def test_moe_factor_recovers_the_expert_slowdown():
    """The eager MoE block's time, less its launches, over the dense-curve time gives the factor."""
    raw = synthetic_raw(moe=0.55)
    fitted, _ = fit.fit_all(raw, {"tflops": {"bf16": PEAK_TFLOPS}, "hbm_bw_bytes_per_s": BW}, "bf16")
    assert fitted["moe_factor"] == pytest.approx(0.55, rel=1e-6)


def test_allreduce_fit_latency_and_bus_bandwidth():
    """Latency is the smallest message's time; bus bandwidth uses the ring factor 2(n-1)/n."""
    notes: list[str] = []
    out = fit.allreduce_fit(synthetic_raw(allreduce=True)["allreduce"], 9e11, notes)
    assert out is not None
    big = 2**28 * 1.5 / (2e-5 + 2**28 * 1.5 / 300e9)
    assert out["latency_s"] == pytest.approx(2e-5 + 8 * 1.5 / 300e9)
    assert out["bus_bw_bytes_per_s"] == pytest.approx(big)
    assert out["bw_fraction"] == pytest.approx(big / 4.5e11)
    assert fit.allreduce_fit([], 9e11, notes) is None


def test_cpu_peaks_are_the_measured_maxima():
    """A CPU's peaks are its best GEMM rate and its best copy/read bandwidth."""
    peak = fit.cpu_peaks(synthetic_raw())
    assert peak["gpu_id"] == "cpu"
    assert peak["tflops"]["bf16"] == pytest.approx(PEAK_TFLOPS * true_eff(4096))
    assert peak["hbm_bw_bytes_per_s"] == pytest.approx(0.95 * BW)


@pytest.mark.parametrize("x", [0.5, 1, 3, 16, 100, 4096, 10_000])
def test_interp_log_matches_the_perf_model(x):
    """The stdlib copy of the curve interpolation agrees with `planner.core.perf`."""
    points = ((1.0, 0.02), (16.0, 0.3), (256.0, 0.7), (4096.0, 0.85))
    assert fit.interp_log(points, x) == pytest.approx(_interp_log(points, x))


def test_fitted_synthetic_profile_validates():
    """A profile assembled from fitted synthetic timings is a valid `CalibrationProfile`."""
    profile = CalibrationProfile.model_validate(synthetic_profile())
    assert profile.gpu_id == "h100-sxm"
    assert profile.created_at == dt.datetime(2026, 11, 22, 10, tzinfo=dt.timezone.utc)
    assert profile.fitted.weight_bw == pytest.approx(0.8)
    assert profile.label == "h100-sxm 2026-11-22 (planner calibrate test, torch 2.13.0)"
