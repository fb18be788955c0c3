"""Leave-one-point-out interpolation error of the shipped operator tables (calibration/tables/).

For every measured grid point with measured neighbours on both sides along an axis, the point is
predicted from those two neighbours by the same log-latency / log-coordinate interpolation the
performance model uses, and compared with its measurement. Because the neighbours sit one grid
step further apart than in the real lookup, this over-states the error of interpolating at
points between grid nodes. Prints the median and 90th-percentile absolute error per file and
operator (and per table with --per-table).

    python benchmarks/table_loo.py [--gpu h100-sxm] [--per-table]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from planner.core.optables import Grid
from planner.io.optables import load_tables
from planner.io.settings import data_paths


def loo_errors(grid: Grid) -> list[float]:
    """Absolute relative errors (%) of each interior point predicted from its two neighbours, per axis."""
    errors = []
    values = grid.latency_us
    for idx in grid.measured:
        for logs, stride in zip(grid.log_axes, grid.strides):
            i = (idx // stride) % len(logs)
            if i == 0 or i == len(logs) - 1:
                continue
            lo, hi = values[idx - stride], values[idx + stride]
            here = values[idx]
            if lo is None or hi is None or here is None:
                continue
            t = (logs[i] - logs[i - 1]) / (logs[i + 1] - logs[i - 1])
            pred = math.exp((1 - t) * math.log(lo) + t * math.log(hi))
            errors.append(100 * abs(pred - here) / here)
    return errors


def _fmt(errors: list[float]) -> str:
    if not errors:
        return "   no interior points"
    p90 = statistics.quantiles(errors, n=10)[-1] if len(errors) > 1 else errors[0]
    return f"{len(errors):7d} {statistics.median(errors):7.1f}% {p90:7.1f}%"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gpu", help="only this hardware_db id")
    parser.add_argument("--per-table", action="store_true", help="one line per table")
    args = parser.parse_args(argv)
    files = load_tables(data_paths()["calibration"] / "tables")
    print(f"{'file':42s} {'op':18s} {'points':>7s} {'median':>8s} {'p90':>8s}")
    overall: dict[str, list[float]] = defaultdict(list)
    for gpu_id, group in files.items():
        if args.gpu and gpu_id != args.gpu:
            continue
        for f in group:
            by_op: dict[str, list[float]] = defaultdict(list)
            for table in f.tables:
                errors = loo_errors(Grid(table))
                by_op[table.op] += errors
                overall[table.op] += errors
                if args.per_table:
                    key = ",".join(f"{k}={v}" for k, v in sorted(table.key.items()))
                    print(f"  {f.label:40s} {table.op:18s} {_fmt(errors)}  {key}")
            for op, errors in sorted(by_op.items()):
                print(f"{f.label:42s} {op:18s} {_fmt(errors)}")
    print()
    for op, errors in sorted(overall.items()):
        print(f"{'all files':42s} {op:18s} {_fmt(errors)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
