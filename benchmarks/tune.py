"""Fit a runtime profile's perf constants to the published measurements in public.csv.

Coordinate descent in log space over the runtime's `perf` fields (and per-architecture
overrides of the two main efficiencies), minimising a robust error over that runtime's rows:
mean of |ln(predicted / measured)| clipped at ln 4, plus its median. Prints the fitted values
to paste into runtime_profiles/<runtime>.yaml with a `source:` naming this script.

    python benchmarks/tune.py trtllm [--archs ampere ada] [--workers 2] [--every 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validation import DEFAULT_CSV, Skip, build_all, log_error, predict, read_rows, runtime_id

from planner.io.catalog import Catalog
from planner.specs._base import Source
from planner.specs.runtime import PerfOverride

BOUNDS: dict[str, tuple[float, float]] = {
    "gemm_compute_efficiency": (0.25, 0.92),
    "gemm_half_efficiency_tokens": (4.0, 48.0),  # beyond ~48 rows the curve would fake a compute floor above the weight-streaming time
    "weight_bw_efficiency": (0.4, 0.92),
    "kv_bw_efficiency": (0.2, 0.92),
    "attention_compute_efficiency": (0.1, 0.9),
    "step_overhead_s": (1e-4, 5e-2),
    "per_seq_overhead_s": (1e-7, 2e-4),
    "per_layer_overhead_s": (1e-7, 2e-3),
    "request_overhead_s": (1e-4, 0.2),
    "allreduce_bw_efficiency": (0.2, 0.9),
    "moe_gemm_efficiency_factor": (0.5, 1.0),
    "weight_only_int4_compute_penalty": (1.0, 3.0),
}
ARCH_FIELDS = ("gemm_compute_efficiency", "weight_bw_efficiency")

_CATALOG: Catalog | None = None
_ROWS: dict[int, dict[str, str]] = {}


def _init(csv: str) -> None:
    global _CATALOG, _ROWS
    _CATALOG = Catalog.load()
    _ROWS = {int(r["row_id"]): r for r in read_rows(Path(csv))}


def _with(catalog: Catalog, rid: str, params: dict[str, Any]) -> Catalog:
    rt = catalog.runtimes[rid]
    perf = rt.perf.model_copy(update={k: v for k, v in params.items() if "." not in k})
    overrides = dict(rt.perf_overrides)
    for key, value in params.items():
        if "." in key:
            arch, field = key.split(".", 1)
            overrides[arch] = (overrides.get(arch) or PerfOverride()).model_copy(update={field: value})
    sources = {**rt.sources, "perf_overrides": Source(ref="benchmarks/tune.py trial", as_of=dt.date.today())}
    new_rt = rt.model_copy(update={"perf": perf, "perf_overrides": overrides, "sources": sources})
    return Catalog(gpus=catalog.gpus, runtimes={**catalog.runtimes, rid: new_rt}, calibrations=catalog.calibrations)


def _errors(args: tuple[list[int], str, dict[str, Any]]) -> list[float]:
    ids, rid, params = args
    assert _CATALOG is not None
    catalog = _with(_CATALOG, rid, params)
    built, _ = build_all([_ROWS[i] for i in ids], catalog)
    errs = []
    for b in built:
        try:
            errs += [log_error(m.measured, v) for m, v in predict(b, catalog).pairs() if v > 0]
        except Skip:
            continue
    return errs


def loss(errs: list[float]) -> float:
    clip = math.log(4)
    return statistics.fmean(min(e, clip) for e in errs) + statistics.median(errs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runtime")
    ap.add_argument("--csv", default=str(DEFAULT_CSV))
    ap.add_argument("--archs", nargs="*", default=[], help="architectures to give their own efficiencies")
    ap.add_argument("--fields", nargs="*", default=list(BOUNDS), help="perf fields to fit")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--every", type=int, default=1, help="use every n-th row (faster, coarser)")
    args = ap.parse_args(argv)
    ids = []
    for r in read_rows(Path(args.csv)):
        try:
            if runtime_id(r["runtime"]) == args.runtime:
                ids.append(int(r["row_id"]))
        except Skip:
            continue
    ids = ids[:: args.every]
    catalog = Catalog.load()
    rt = catalog.runtimes[args.runtime]
    params: dict[str, Any] = {f: getattr(rt.perf, f) for f in args.fields}
    for arch in args.archs:
        eff = rt.perf_for(arch)  # type: ignore[arg-type]
        for f in ARCH_FIELDS:
            params[f"{arch}.{f}"] = getattr(eff, f)
    chunks = [ids[i:: args.workers] for i in range(args.workers)]
    with ProcessPoolExecutor(args.workers, initializer=_init, initargs=(args.csv,)) as pool:

        def score(p: dict[str, Any]) -> tuple[float, list[float]]:
            errs = [e for part in pool.map(_errors, [(c, args.runtime, p) for c in chunks]) for e in part]
            return loss(errs), errs

        best, errs = score(params)
        print(f"{len(ids)} rows, {len(errs)} metrics, start loss {best:.4f} "
              f"(MdAPE {100 * (math.exp(statistics.median(errs)) - 1):.1f}%)", flush=True)
        for factor in (1.6, 1.25, 1.1):
            improved = True
            while improved:
                improved = False
                for key in list(params):
                    field = key.split(".")[-1]
                    lo, hi = BOUNDS[field]
                    for direction in (factor, 1 / factor):
                        trial = dict(params)
                        trial[key] = min(hi, max(lo, params[key] * direction))
                        if trial[key] == params[key]:
                            continue
                        value, trial_errs = score(trial)
                        if value < best - 1e-4:
                            best, params, errs, improved = value, trial, trial_errs, True
                            print(f"  x{direction:.3f} {key} = {params[key]:.4g}  loss {best:.4f}", flush=True)
                            break
        print(f"\nfinal loss {best:.4f}, MdAPE {100 * (math.exp(statistics.median(errs)) - 1):.1f}%")
        for key, value in params.items():
            print(f"{key}: {value:.4g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
