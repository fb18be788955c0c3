"""Measured operator tables: format validation, log-space interpolation, roofline transfer, selection."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from pydantic import ValidationError

from planner.core.optables import Grid, nearest_file
from planner.core.perf import PerfModel
from planner.specs.optables import OpTable, OpTableFile

PROV = {"measured_by": "test", "device": "GPU X", "runtime": "vllm", "runtime_version": "0.1",
        "date": dt.date(2026, 1, 1), "source": "hand-written"}


def _table(axes: list[tuple[str, list[float]]], lat: str, op: str = "gemm") -> OpTable:
    return OpTable.model_validate({"op": op, "key": {"dtype": "bf16"},
                                   "axes": [{"name": n, "values": v} for n, v in axes],
                                   "latency_us": lat, "provenance": "p"})


def _file(runtime: str, version: str) -> OpTableFile:
    return OpTableFile.model_validate({"gpu_id": "h100-sxm", "runtime": runtime, "runtime_version": version,
                                       "provenance": {"p": PROV},
                                       "tables": [_table([("m", [1, 4])], "10 40")]})


def test_grid_point_returns_its_measurement():
    """At a grid node the interpolation returns the measured latency (us -> s)."""
    g = Grid(_table([("m", [1, 4]), ("n", [8, 64])], "10 20 40 80"))
    assert g.interpolate((4, 8)) == pytest.approx(40e-6)
    assert g.interpolate((1, 64)) == pytest.approx(20e-6)


def test_log_space_midpoint_is_geometric_mean():
    """Halfway in log(m) between 10 us and 40 us is sqrt(10 x 40) = 20 us."""
    g = Grid(_table([("m", [1, 4])], "10 40"))
    assert g.interpolate((2,)) == pytest.approx(20e-6)


def test_outside_the_grid_scales_the_roofline_by_the_nearest_efficiency():
    """Past the last node the roofline is scaled by latency / roofline at that node: 40 us x (16 / 4)."""
    g = Grid(_table([("m", [1, 4])], "10 40"))
    assert g.interpolate((16,)) is None
    assert g.seconds((16,), lambda p: p[0] * 1e-6) == pytest.approx(160e-6)


def test_unmeasured_neighbour_falls_back_to_nearest_measured_point():
    """Next to an unmeasured node the nearest measured node's efficiency is used (m=2 -> node m=1)."""
    g = Grid(_table([("m", [1, 4, 16])], "10 _ 160"))
    assert g.interpolate((2,)) is None
    assert g.seconds((2,), lambda p: p[0] * 1e-6) == pytest.approx(20e-6)


def test_grid_size_must_match_axes():
    """A table with 3 latencies for a 2-point grid is rejected."""
    with pytest.raises(ValidationError, match="3 latencies for a grid of 2"):
        _table([("m", [1, 4])], "10 40 50")


def test_negative_latency_rejected():
    """Latencies must be positive."""
    with pytest.raises(ValidationError, match="> 0"):
        _table([("m", [1, 4])], "10 -40")


def test_axes_strictly_increasing():
    """Log-space interpolation needs increasing positive coordinates."""
    with pytest.raises(ValidationError, match="strictly increasing"):
        _table([("m", [4, 1])], "10 40")


def test_nearest_runtime_version_wins():
    """vLLM 0.19 picks the 0.24 table over 0.14 only when nearer: distance by minor version."""
    files = [_file("vllm", "0.14.0"), _file("vllm", "0.24.0"), _file("trtllm", "1.3.0rc20")]
    picked = nearest_file(files, "vllm", "0.20.0")
    assert picked is not None and picked.runtime_version == "0.24.0"
    picked = nearest_file(files, "vllm", "0.15.1")
    assert picked is not None and picked.runtime_version == "0.14.0"
    assert nearest_file(files, "tgi", "3.0") is None


def test_version_distance_orders_major_first():
    """A major-version gap outweighs any minor one."""
    files = [_file("trtllm", "0.20.0"), _file("trtllm", "1.3.0rc20")]
    picked = nearest_file(files, "trtllm", "1.0.0")
    assert picked is not None and picked.runtime_version == "1.3.0rc20"


def test_shipped_tables_time_h100_from_tables_and_t4_from_roofline(catalog, model):
    """On h100-sxm the report source names the table file and version; t4 (no tables) keeps the roofline."""
    from planner.io.optables import load_tables
    from planner.io.settings import data_paths
    from planner.specs.deployment import Deployment

    tables = load_tables(data_paths()["calibration"] / "tables")
    assert "t4" not in tables and {"h100-sxm", "h200", "b200", "a100-80gb", "l40s", "gb200"} <= tables.keys()

    def dep(gpu: str) -> Deployment:
        g = catalog.gpu(gpu)
        return Deployment(model=model("llama-3.1-8b"), gpu=g.with_op_tables(tables.get(gpu, ())), runtime=catalog.runtime("vllm"), tp_size=1,
                          quant="fp16" if gpu == "t4" else "bf16", max_num_seqs=8, max_num_batched_tokens=2048,
                          max_model_len=2048, memory_fraction=0.9)

    from planner.core.efficiency import default_efficiency

    on = dep("h100-sxm")
    h100 = PerfModel.build(on, default_efficiency(on).model_copy(update={"use_op_tables": True}))
    assert h100.eff.source.startswith("measured tables h100-sxm vllm 0.24.0 (GEMM")
    assert "aiconfigurator-core 0.12.0" in h100.eff.source
    off = PerfModel.build(on)
    assert off.eff.source.startswith("defaults of runtime profile vllm")  # the switch defaults off
    t4_dep = dep("t4")
    t4 = PerfModel.build(t4_dep, default_efficiency(t4_dep).model_copy(update={"use_op_tables": True}))
    assert t4.eff.source.startswith("defaults of runtime profile vllm")
    step = h100.decode(4, 512)
    assert math.isfinite(step.total_s) and step.gemm_s > 0 and step.attention_s > 0


def _moe(lat: str) -> Grid:
    return Grid(OpTable.model_validate({"op": "moe", "key": {"dtype": "bf16"},
                                        "axes": [{"name": "gpus", "values": [1, 2]},
                                                 {"name": "tokens", "values": [1, 1024]}],
                                        "latency_us": lat, "provenance": "p"}))


def test_tabled_moe_is_the_measured_layer_times_the_moe_layers():
    """At TP 2 and 1024 tokens a 40 us layer x 10 MoE layers is 400 us; halfway in log(tokens) the geometric
    mean of 5 us and 40 us."""
    from planner.core.tabled import TabledMoe

    moe = TabledMoe(_moe("10 80 5 40"), gpus=2, layers=10, flops_token=1e9, weight_bytes=1e9, num_experts=8,
                    topk=2, peak_flops=1e15, bw_bytes_per_s=1e12)
    assert moe.seconds(1024) == pytest.approx(10 * 40e-6)
    assert moe.seconds(32) == pytest.approx(10 * math.sqrt(5e-6 * 40e-6))


def test_tabled_moe_past_the_grid_scales_its_roofline():
    """At 4096 tokens (4x the last node, compute-bound: 4096 x 1e9 FLOPs / 1e15) the roofline grows 4x, so the
    measured 40 us becomes 160 us per layer."""
    from planner.core.tabled import TabledMoe

    moe = TabledMoe(_moe("10 80 5 40"), gpus=2, layers=1, flops_token=1e9, weight_bytes=1e6, num_experts=8,
                    topk=2, peak_flops=1e15, bw_bytes_per_s=1e12)
    assert moe.compute_bound(4096)
    assert moe.seconds(4096) == pytest.approx(160e-6)


def test_moe_table_precisions():
    """Block-scaled FP8 first for FP8 checkpoints, per-tensor first when quantized at load; MXFP4 experts run
    W4A16 kernels; NVFP4 only on Blackwell; INT8 has no fused-MoE table."""
    from planner.core.tabled import moe_dtypes

    assert moe_dtypes("fp8", "hopper", True) == ("fp8_block", "fp8")
    assert moe_dtypes("fp8", "hopper", False) == ("fp8", "fp8_block")
    assert moe_dtypes("mxfp4", "hopper", True) == ("mxfp4_w4a16",)
    assert moe_dtypes("nvfp4", "hopper", True) == ()
    assert moe_dtypes("nvfp4", "blackwell", True) == ("nvfp4",)
    assert moe_dtypes("int8", "ampere", False) == ()


def test_gpt_oss_experts_come_from_the_measured_mxfp4_table(model, catalog):
    """gpt-oss-120b on one H100 under vLLM: 4096 prompt tokens through the MoE layers take the measured
    fused-MoE latency of its exact shape (hidden 2880, 128 experts, top-4, MXFP4 W4A16, TP 1: 2,460 us per
    layer, aiconfigurator-core h100_sxm vllm 0.24.0) x 36 layers = 88.6 ms; the roofline (16-bit efficiency, no
    dequantization penalty for MXFP4) agrees within 25%."""
    from planner.core.compat import make_deployment
    from planner.core.efficiency import default_efficiency

    dep = make_deployment(model("gpt-oss-120b"), catalog.gpu("h100-sxm"), catalog.runtime("vllm"), tp_size=1)
    pm = PerfModel.build(dep)
    assert pm._tab_moe is not None and "MoE" in pm.eff.source
    assert pm._tab_moe.seconds(4096) == pytest.approx(36 * 2460e-6, rel=1e-3)
    roof = PerfModel.build(dep, default_efficiency(dep).model_copy(update={"use_moe_tables": False}))
    assert roof._tab_moe is None
    assert roof.prefill(1, 4096).gemm_s == pytest.approx(pm.prefill(1, 4096).gemm_s, rel=0.25)


def test_catalog_reads_the_tables_only_for_models_that_use_them():
    """The shipped profiles use only the MoE tables: a dense model's catalog never reads them, a MoE model's does,
    and the eager load (no model known) has them on every GPU that ships some."""
    from pathlib import Path

    from planner.io.catalog import Catalog
    from planner.io.loaders import load_model

    MODELS = Path(__file__).resolve().parent.parent / "examples" / "models"

    lazy = Catalog.load(tables=False)
    assert lazy.tables_dir is not None and not lazy.gpus["h100-sxm"].op_tables
    dense = lazy.with_tables(load_model(str(MODELS / "llama-3.1-8b")))
    assert not dense.gpus["h100-sxm"].op_tables
    moe = lazy.with_tables(load_model(str(MODELS / "qwen3-30b-a3b")))
    assert moe.tables_dir is None and moe.gpus["h100-sxm"].op_tables
    assert moe.with_tables() is moe  # tables already read are kept
    eager = Catalog.load()
    assert [f.label for f in eager.gpus["h100-sxm"].op_tables] == [f.label for f in moe.gpus["h100-sxm"].op_tables]
