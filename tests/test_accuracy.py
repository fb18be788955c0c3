"""Accuracy against published measurements (../shared/validation/public.csv): MdAPE ceilings that must not regress.

The ceilings are the errors the model reaches today plus a small margin; lower them when the model improves.
Sources and the row interpretation are in benchmarks/validation.py and ../shared/validation/SOURCES.md.
"""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

CEILINGS_PCT = {
    "throughput (all)": 9.5,
    "output_tok_s": 8.0,
    "ttft_mean": 23.5,
    "tpot": 34.5,
    "itl": 31.0,
    "e2e": 6.5,
    "latency (all)": 28.0,
}
"""MdAPE ceilings, percent, per metric group, over every modelled row. Re-based on 2026-12-02 when the checkpoint
configs of S105 (GPUStack's 227 rows of modern MoE models under saturation) began to ship and those rows entered
the modelled set: they raised TPOT/ITL from ~7-9% to ~22-24% (DeepSeek-class MoE on 8x H200 predicted 1.5-3x too
fast) while the request-path fit lowered TTFT from ~45% to ~22% over the same set. Re-based again on 2026-12-03
when the harness began to model MXFP4 (S105's 54 native gpt-oss rows, mostly 1,000 requests at once) and routed
experts began to be timed from the measured fused-MoE tables: on the 835 rows modelled before, TTFT MdAPE
21.9% -> 19.9%, requests/s 15.3% -> 12.5%, output tok/s 7.2% -> 7.0%, TPOT 24.1% -> 24.7%; the gpt-oss rows,
whose concurrency-capped runs are predicted within 4-14% but whose saturated runs are not (vLLM throughput
~57%, TTFT ~110%), raised TTFT-mean to 22.5%, TPOT to 33.1% and ITL to 29.6%."""
MIN_ROWS = 880
"""Rows the harness must be able to model (a drop means a family or GPU stopped being understood)."""


@pytest.mark.slow
def test_mdape_ceilings():
    """Every metric group's median absolute percentage error stays at or under its ceiling."""
    from accuracy import predict_all, summary
    from validation import DEFAULT_CSV, build_all, read_rows

    from planner.io.catalog import Catalog

    if not DEFAULT_CSV.is_file():
        pytest.skip(f"{DEFAULT_CSV} is not present")
    built, _ = build_all(read_rows(DEFAULT_CSV), Catalog.load())
    preds, _ = predict_all(built, workers=2)
    assert len(preds) >= MIN_ROWS
    stats = summary(preds)
    over = {k: round(stats[k]["mdape"], 1) for k, ceiling in CEILINGS_PCT.items() if stats[k]["mdape"] > ceiling}
    assert not over, f"MdAPE over its ceiling: {over}"
