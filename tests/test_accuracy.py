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
    "throughput (all)": 7.0,
    "output_tok_s": 7.0,
    "ttft_mean": 16.0,
    "tpot": 8.0,
    "itl": 9.0,
    "e2e": 6.5,
    "latency (all)": 9.0,
}
"""MdAPE ceilings, percent, per metric group."""
MIN_ROWS = 700
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
