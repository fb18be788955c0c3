"""Fit a runtime profile's perf constants to the published measurements in public.csv.

Coordinate descent in log space over the runtime's `perf` fields (and per-architecture overrides of the two
main efficiencies), minimising a robust error over that runtime's rows (see benchmarks/fit.py). Prints the
fitted values to paste into runtime_profiles/<runtime>.yaml with a `source:` naming this script.

    python benchmarks/tune.py vllm [--archs cdna3] [--fields step_overhead_s ...] [--start shipped|neutral]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit
from validation import DEFAULT_CSV, Skip, read_rows, runtime_id

from planner.io.catalog import Catalog


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runtime")
    ap.add_argument("--csv", default=str(DEFAULT_CSV))
    ap.add_argument("--archs", nargs="*", default=[], help="architectures to give their own efficiencies")
    ap.add_argument("--fields", nargs="*", default=list(fit.BOUNDS), help="perf fields to fit")
    ap.add_argument("--start", choices=("shipped", "neutral"), default="shipped")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--every", type=int, default=1, help="use every n-th row (faster, coarser)")
    ap.add_argument("--max-requests", type=int, default=1000, help="cap on simulated requests per row while fitting")
    ap.add_argument("--weight", choices=("rows", "source"), default="rows",
                    help="loss over all rows (how the shipped constants were fitted), or the mean of each source's loss "
                         "(one large source does not outweigh the others)")
    ap.add_argument("--factors", type=float, nargs="+", default=list(fit.FACTORS), help="coordinate-descent steps")
    args = ap.parse_args(argv)
    ids = []
    sources: dict[int, str] = {}
    for r in read_rows(Path(args.csv)):
        try:
            if runtime_id(r["runtime"]) == args.runtime:
                ids.append(int(r["row_id"]))
                sources[int(r["row_id"])] = r["source_id"]
        except Skip:
            continue
    ids = ids[:: args.every]
    catalog = Catalog.load()
    start = fit.start_params(catalog, args.runtime, args.fields, args.archs, args.start)
    with fit.pool(args.workers, args.csv, args.max_requests) as pool:
        predictor = fit.RowPredictor(pool, args.workers, args.runtime, ids)
        errs = fit.log_errors(predictor(start).values())
        print(f"{len(ids)} rows, {len(errs)} metrics, start loss {fit.loss(errs):.4f} "
              f"(MdAPE {100 * (math.exp(statistics.median(errs)) - 1):.1f}%)", flush=True)
        params, best = fit.fit(predictor, ids, start, log=lambda line: print(line, flush=True),
                               factors=tuple(args.factors), groups=sources if args.weight == "source" else None)
        errs = fit.log_errors(predictor(params).values())
    print(f"\nfinal loss {best:.4f}, MdAPE {100 * (math.exp(statistics.median(errs)) - 1):.1f}%")
    for key, value in params.items():
        print(f"{key}: {value:.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
