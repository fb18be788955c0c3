"""Accuracy of planner predictions against published measurements.

Reads ../shared/validation/public.csv (or --csv), predicts every row it can with the same library calls
`planner estimate` makes (see benchmarks/validation.py), and prints per-row errors, the median absolute
percentage error (MdAPE) per metric and statistic, by source and by load regime, the worst rows, and the
rows it cannot model and why. No row is special-cased.

    python benchmarks/accuracy.py [--csv PATH] [--rows 1-50] [--source S01] [--json OUT] [--quiet] [--workers 2]
    python benchmarks/accuracy.py --cv source [--cv-start shipped|neutral] [--cv-every 3]

`--cv source` is the generalisation check: for every source and every runtime it has rows of, that runtime's
fitted perf constants are refit (benchmarks/fit.py) on the other sources' rows only, and the source's rows are
predicted with the refit constants; per-source and overall MdAPE are printed next to the in-sample ones.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fit
from validation import (
    DEFAULT_CSV,
    LATENCY,
    THROUGHPUT,
    Built,
    Metric,
    Prediction,
    Skip,
    ape,
    build_all,
    predict,
    read_rows,
)

from planner.io.catalog import Catalog


def predict_all(built: list[Built], workers: int = 1) -> tuple[list[Prediction], dict[str, list[int]]]:
    """Predict every built case (in `workers` processes), with the row ids predicted infeasible by reason."""
    if workers > 1 and len(built) > 20:
        chunks = [built[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_predict_chunk, chunks))
    else:
        parts = [_predict_chunk(built)]
    preds = sorted((p for part, _ in parts for p in part), key=lambda p: p.case.row_id)
    skipped: dict[str, list[int]] = defaultdict(list)
    for _, part_skipped in parts:
        for reason, ids in part_skipped.items():
            skipped[reason] += ids
    return preds, skipped


def _predict_chunk(built: list[Built]) -> tuple[list[Prediction], dict[str, list[int]]]:
    out, skipped = [], defaultdict(list)
    for b in built:
        try:
            out.append(predict(b))
        except Skip as exc:
            skipped[str(exc)].append(b.case.row_id)
    return out, dict(skipped)


def summary(preds: list[Prediction]) -> dict[str, dict[str, float]]:
    """MdAPE, mean APE, max and count per metric key, per family, and for all throughput / all latency."""
    groups: dict[str, list[float]] = defaultdict(list)
    for p in preds:
        for m, value in p.pairs():
            err = ape(m.measured, value)
            groups[m.key].append(err)
            if m.family != m.key:
                groups[m.family].append(err)
            groups["throughput (all)" if m.family in THROUGHPUT else "latency (all)"].append(err)
    return {k: {"n": len(v), "mdape": statistics.median(v), "mean": statistics.fmean(v), "max": max(v),
                "over_2x": sum(1 for e in v if e >= 100)} for k, v in groups.items()}


UNCERTAINTY_METRIC = {"output_tok_s": "throughput", "total_tok_s": "throughput", "requests_per_s": "throughput",
                      "ttft": "ttft", "tpot": "tpot", "itl": "itl", "e2e": "e2e"}
MIN_POINTS = 8
"""A runtime x metric x regime group needs this many published numbers for a band of its own."""


def uncertainty_table(preds: list[Prediction], csv: Path, command: str) -> dict:
    """Bands of measured / predicted (10th and 90th percentile, median absolute error) per runtime, metric and
    regime, plus pooled ones, as the data of calibration/uncertainty.yaml."""
    import datetime as dt
    import hashlib

    ratios: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for p in preds:
        for m, v in p.pairs():
            if v <= 0:
                continue
            metric = UNCERTAINTY_METRIC[m.family]
            r = m.measured / v
            for runtime in (p.case.runtime, "any"):
                for regime in (p.case.regime, "any"):
                    ratios[(runtime, metric, regime)].append(r)
    bands = []
    for (runtime, metric, regime), rs in sorted(ratios.items()):
        if len(rs) < MIN_POINTS:
            continue
        qs = statistics.quantiles(rs, n=10, method="inclusive")
        bands.append({"runtime": runtime, "metric": metric, "regime": regime, "n": len(rs),
                      "low_ratio": round(qs[0], 4), "high_ratio": round(qs[-1], 4),
                      "median_abs_error": round(statistics.median(abs(r - 1) for r in rs), 4)})
    return {"schema_version": 1, "generated_by": command, "generated_on": dt.date.today().isoformat(),
            "validation_csv": "../shared/validation/public.csv", "coverage": 0.8, "min_points": MIN_POINTS,
            "csv_sha256": hashlib.sha256(csv.read_bytes()).hexdigest(), "bands": bands}


CV_FIELDS = ("gemm_compute_efficiency", "weight_bw_efficiency", "step_overhead_s", "per_seq_overhead_s",
             "request_overhead_s", "frontend_request_s", "frontend_output_token_s")
"""The perf constants refit per fold: the ones every prediction depends on (the rest keep shipped values)."""


def leave_one_source_out(built: list[Built], preds: list[Prediction], args: argparse.Namespace,
                         log: Any = print) -> tuple[list[Prediction], dict[str, dict[str, float]]]:
    """Each source's rows predicted with its runtimes' constants refit on every other source (every
    `args.cv_every`-th row of them, simulations capped at `args.cv_max_requests` requests while fitting); also
    the refit constants per (runtime, source left out)."""
    catalog = Catalog.load()
    by_id = {b.case.row_id: b for b in built}
    predicted = {p.case.row_id for p in preds}
    out: list[Prediction] = []
    fitted: dict[str, dict[str, float]] = {}
    runtimes = sorted({by_id[i].dep.runtime.id for i in predicted} & set(args.cv_runtimes or catalog.runtimes))
    with fit.pool(args.workers, str(args.csv), args.cv_max_requests) as pool:
        for rid in runtimes:
            ids = sorted(i for i in predicted if by_id[i].dep.runtime.id == rid)
            archs = sorted(catalog.runtimes[rid].perf_overrides)
            fields = [f for f in CV_FIELDS if getattr(catalog.runtimes[rid].perf, f) > 0]
            start = fit.start_params(catalog, rid, fields, archs, args.cv_start)
            sample = ids[:: args.cv_every]  # one fixed subsample, so that folds share their trial predictions
            fit_rows = fit.RowPredictor(pool, args.workers, rid, sample)
            sources = sorted({by_id[i].case.source_id for i in ids})
            for source in sources:
                train = [i for i in sample if by_id[i].case.source_id != source]
                test = [i for i in ids if by_id[i].case.source_id == source]
                log(f"{rid} without {source}: fit on {len(train)} rows, predict {len(test)}", flush=True)
                groups = {i: by_id[i].case.source_id for i in train} if args.cv_weight == "source" else None
                params, _ = fit.fit(fit_rows, train, start, factors=tuple(args.cv_factors), groups=groups)
                train_archs = {by_id[i].dep.gpu.architecture for i in train}
                for arch in archs:
                    if arch not in train_archs:  # nothing left to fit it on: the base values hold there
                        for f in fit.ARCH_FIELDS:
                            if f in params:
                                params[f"{arch}.{f}"] = params[f]
                fitted[f"{rid} -{source}"] = params
                fold = fit.with_params(catalog, rid, params)
                done = []
                for i in test:
                    try:
                        done.append(predict(by_id[i], fold))
                    except Skip:
                        continue
                out += done
                groups = _groups(done)
                log("  " + ", ".join(f"{k.split()[-1]} {statistics.median(v):.1f}% (n={len(v)})"
                                     for k, v in sorted(groups.items()) if k.startswith("all ")), flush=True)
    return sorted(out, key=lambda p: p.case.row_id), fitted


def _table(title: str, groups: dict[str, list[float]]) -> None:
    print(f"\n== {title}")
    print(f"{'':34s} {'n':>5s} {'MdAPE':>7s} {'mean':>7s} {'max':>7s}")
    for key in sorted(groups):
        errs = groups[key]
        print(f"{key:34s} {len(errs):5d} {statistics.median(errs):6.1f}% {statistics.fmean(errs):6.1f}% "
              f"{max(errs):6.0f}%")


def _by_source(p: Prediction, m: Metric, group: str) -> list[str]:
    return [f"{p.case.source_id} {group}", f"all {group}"]


def _by_regime(p: Prediction, m: Metric, group: str) -> list[str]:
    """By regime and metric group over all runtimes, and the p95/p99 TPOT SLOs are set on."""
    keys = [f"{p.case.regime} {group}"]
    if m.family == "tpot" and m.stat in ("p95", "p99"):
        keys.append(f"{p.case.regime} tpot p95/p99")
    return keys


def _groups(preds: list[Prediction],
            keys: Callable[[Prediction, Metric, str], list[str]] = _by_source) -> dict[str, list[float]]:
    """APEs of every metric of `preds`, under each key `keys` gives it (default: its source and `all`)."""
    out: dict[str, list[float]] = defaultdict(list)
    for p in preds:
        for m, v in p.pairs():
            group = "throughput" if m.family in THROUGHPUT else m.family
            err = ape(m.measured, v)
            for key in keys(p, m, group):
                out[key].append(err)
    return out


def _cv_report(preds: list[Prediction], cv_preds: list[Prediction], fitted: dict[str, dict[str, float]]) -> None:
    """In-sample next to leave-one-source-out MdAPE, per source and metric group, and overall; then by regime over
    every modelled row, each cross-validated row at its LOSO prediction and the others (runtimes not crossed, or
    with a single source: nothing to refit on) in sample."""
    crossed = {p.case.row_id for p in cv_preds}
    ins, cv = _groups([p for p in preds if p.case.row_id in crossed]), _groups(cv_preds)
    print("\n== leave-one-source-out (each source predicted with constants refit without it)")
    print(f"{'':24s} {'n':>5s} {'in-sample':>10s} {'LOSO':>8s}")
    for key in sorted(cv, key=lambda k: (k.startswith("all"), k)):
        print(f"{key:24s} {len(cv[key]):5d} {statistics.median(ins.get(key, [float('nan')])):9.1f}% "
              f"{statistics.median(cv[key]):7.1f}%")
    by_row = {p.case.row_id: p for p in cv_preds}
    merged = [by_row.get(p.case.row_id, p) for p in preds]
    ins_r, cv_r = _groups(preds, _by_regime), _groups(merged, _by_regime)
    print("\n== by regime, all runtimes (LOSO where cross-validated, in sample elsewhere)")
    print(f"{'':24s} {'n':>5s} {'in-sample':>10s} {'LOSO':>8s}")
    for key in sorted(cv_r):
        print(f"{key:24s} {len(cv_r[key]):5d} {statistics.median(ins_r[key]):9.1f}% {statistics.median(cv_r[key]):7.1f}%")
    print("\n== refit constants per fold (runtime -source left out)")
    for fold, params in sorted(fitted.items()):
        print(f"{fold:18s} " + " ".join(f"{k}={v:.3g}" for k, v in params.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--rows", help="row_id range, e.g. 1-100")
    parser.add_argument("--source", help="only this source_id, e.g. S01")
    parser.add_argument("--ep-dp", action="store_true", help="only rows with an expert-/data-parallel layout (ep_dp set)")
    parser.add_argument("--json", type=Path, help="write per-row results here")
    parser.add_argument("--quiet", action="store_true", help="summary only")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--uncertainty", type=Path, help="write the error bands (calibration/uncertainty.yaml); "
                        "from the leave-one-source-out predictions with --cv source")
    parser.add_argument("--cv", choices=("source",), help="leave-one-source-out cross-validation")
    parser.add_argument("--cv-start", choices=("shipped", "neutral"), default="shipped",
                        help="refit each fold from the shipped constants or from the middle of their bounds")
    parser.add_argument("--cv-every", type=int, default=3, help="fit each fold on every n-th training row")
    parser.add_argument("--cv-max-requests", type=int, default=600, help="simulated requests per row while fitting")
    parser.add_argument("--cv-runtimes", nargs="+", help="cross-validate only these runtimes' rows")
    parser.add_argument("--cv-weight", choices=("rows", "source"), default="rows",
                        help="each fold's refit loss: over all training rows, or the mean of each source's loss")
    parser.add_argument("--cv-factors", type=float, nargs="+", default=list(fit.FACTORS),
                        help="coordinate-descent step factors of each fold's refit")
    args = parser.parse_args(argv)
    rows = read_rows(args.csv)
    if args.rows:
        lo, hi = (int(x) for x in args.rows.split("-"))
        rows = [r for r in rows if lo <= int(r["row_id"]) <= hi]
    if args.source:
        rows = [r for r in rows if r["source_id"] == args.source]
    if args.ep_dp:
        rows = [r for r in rows if r["ep_dp"].strip()]
    catalog = Catalog.load()
    start = time.perf_counter()
    built, skipped = build_all(rows, catalog)
    preds, infeasible = predict_all(built, args.workers)
    for reason, ids in infeasible.items():
        skipped.setdefault(reason, []).extend(ids)
    elapsed = time.perf_counter() - start
    flat = [(ape(m.measured, v), p, m, v) for p in preds for m, v in p.pairs()]
    if not args.quiet:
        for _, p, m, v in flat:
            print(f"row {p.case.row_id:4d} {p.case.source_id:4s} {m.key:15s} measured {m.measured:10.4g} predicted "
                  f"{v:10.4g} err {100 * (v - m.measured) / m.measured:+7.1f}%  {p.case.label}")
    print(f"\n== {len(preds)} rows modelled, {sum(len(v) for v in skipped.values())} not, in {elapsed:.1f} s")
    stats = summary(preds)
    print(f"{'metric':24s} {'n':>5s} {'MdAPE':>7s} {'mean':>7s} {'max':>7s} {'>2x':>4s}")
    order = [*THROUGHPUT, *[k for f in LATENCY for k in sorted(stats) if k == f or k.startswith(f + "_")],
             "throughput (all)", "latency (all)"]
    for key in dict.fromkeys(order):
        if key in stats:
            s = stats[key]
            print(f"{key:24s} {s['n']:5d} {s['mdape']:6.1f}% {s['mean']:6.1f}% {s['max']:6.0f}% {s['over_2x']:4.0f}")
    by_source: dict[str, list[float]] = defaultdict(list)
    by_regime: dict[str, list[float]] = defaultdict(list)
    for err, p, m, _ in flat:
        group = "throughput" if m.family in THROUGHPUT else m.family
        by_source[f"{p.case.source_id} {group}"].append(err)
        by_regime[f"{p.case.runtime} {p.case.regime} {group}"].append(err)
    _table("by source", by_source)
    _table("by runtime, regime and metric", by_regime)
    print("\n== worst 15")
    for _, p, m, v in sorted(flat, key=lambda f: -f[0])[:15]:
        print(f"row {p.case.row_id:4d} {p.case.source_id:4s} {m.key:15s} {m.measured:10.4g} -> {v:10.4g} "
              f"({100 * (v - m.measured) / m.measured:+.0f}%)  {p.case.label}")
    print("\n== not modelled")
    for reason, ids in sorted(skipped.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(str(i) for i in sorted(ids)[:12]) + (" ..." if len(ids) > 12 else "")
        print(f"{len(ids):4d}  {reason}  [rows {shown}]")
    band_preds = preds
    if args.cv:
        cv_preds, fitted = leave_one_source_out(built, preds, args)
        band_preds = cv_preds
        _cv_report(preds, cv_preds, fitted)
        if args.json:
            args.json.with_suffix(".cv.json").write_text(json.dumps(
                {"fitted": fitted, "rows": [{"row_id": p.case.row_id, "source_id": p.case.source_id,
                                             "metrics": {m.key: {"measured": m.measured, "predicted": v}
                                                         for m, v in p.pairs()}} for p in cv_preds]}, indent=1))
    if args.uncertainty:
        import yaml

        command = "python benchmarks/accuracy.py " + " ".join(argv if argv is not None else sys.argv[1:])
        header = ("# Error bands of planner predictions against ../shared/validation/public.csv (measured / predicted,\n"
                  "# 10th and 90th percentile). Generated; do not edit by hand: re-run the command below.\n")
        args.uncertainty.write_text(header + yaml.safe_dump(uncertainty_table(band_preds, args.csv, command),
                                                            sort_keys=False))
    if args.json:
        args.json.write_text(json.dumps([
            {"row_id": p.case.row_id, "source_id": p.case.source_id, "runtime": p.case.runtime,
             "regime": p.case.regime, "label": p.case.label, "notes": p.case.notes,
             "metrics": {m.key: {"family": m.family, "stat": m.stat, "measured": m.measured, "predicted": v}
                         for m, v in p.pairs()}}
            for p in preds], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
