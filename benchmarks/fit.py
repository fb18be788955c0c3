"""Fitting a runtime profile's perf constants to rows of public.csv: memoised per-row predictions and
coordinate descent in log space. Used by tune.py (fit on every row) and accuracy.py --cv source (fit on all
sources but one, predict the one left out).

A robust loss over the rows fitted: the mean of |ln(predicted / measured)| clipped at ln 4, plus its median.
Every trial parameter set is predicted once on every row of the runtime and remembered, so folds that take
the same steps share their predictions.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor

import validation
from validation import Skip, build_all, predict, read_rows

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
    "frontend_request_s": (1e-4, 5e-2),
    "frontend_prompt_token_s": (1e-8, 2e-5),
    "frontend_output_token_s": (1e-6, 1e-3),
    "allreduce_bw_efficiency": (0.2, 0.9),
    "moe_gemm_efficiency_factor": (0.5, 1.0),
    "weight_only_int4_compute_penalty": (1.0, 3.0),
}
ARCH_FIELDS = ("gemm_compute_efficiency", "weight_bw_efficiency")
FACTORS = (1.6, 1.25, 1.1)

Values = tuple[tuple[str, str, float, float], ...]
"""(metric key, family, measured, predicted) of one row."""

_CATALOG: Catalog | None = None
_BUILT: dict[int, validation.Built] = {}


def start_params(catalog: Catalog, rid: str, fields: Iterable[str], archs: Iterable[str],
                 start: str = "shipped") -> dict[str, float]:
    """The fitted fields' starting values: the shipped profile's (`shipped`), or the geometric middle of each
    field's bounds (`neutral`, which knows nothing of the rows). Fields at 0 in the profile start at their
    middle either way (a multiplicative step cannot leave 0)."""
    rt = catalog.runtimes[rid]
    out: dict[str, float] = {}
    for f in fields:
        lo, hi = BOUNDS[f]
        value = getattr(rt.perf, f)
        out[f] = value if start == "shipped" and value > 0 else math.sqrt(lo * hi)
    for arch in archs:
        eff = rt.perf_for(arch)  # type: ignore[arg-type]
        for f in ARCH_FIELDS:
            out[f"{arch}.{f}"] = getattr(eff, f) if start == "shipped" else out[f]
    return out


def with_params(catalog: Catalog, rid: str, params: dict[str, float]) -> Catalog:
    """The catalog with runtime `rid`'s perf fields (and `arch.field` overrides) replaced."""
    rt = catalog.runtimes[rid]
    perf = rt.perf.model_copy(update={k: v for k, v in params.items() if "." not in k})
    overrides = dict(rt.perf_overrides)
    for key, value in params.items():
        if "." in key:
            arch, field = key.split(".", 1)
            overrides[arch] = (overrides.get(arch) or PerfOverride()).model_copy(update={field: value})
    sources = {**rt.sources, "perf_overrides": Source(ref="benchmarks/fit.py trial", as_of=dt.date(2026, 12, 2))}
    new_rt = rt.model_copy(update={"perf": perf, "perf_overrides": overrides, "sources": sources})
    return Catalog(gpus=catalog.gpus, runtimes={**catalog.runtimes, rid: new_rt}, calibrations=catalog.calibrations,
                   uncertainty=catalog.uncertainty)


def _init(csv: str, max_requests: int) -> None:
    global _CATALOG, _BUILT
    validation.MAX_SIMULATED_REQUESTS = max_requests
    _CATALOG = Catalog.load()
    built, _ = build_all(read_rows(validation.Path(csv)), _CATALOG)
    _BUILT = {b.case.row_id: b for b in built}


def _predict(args: tuple[list[int], str, tuple[tuple[str, float], ...]]) -> list[tuple[int, Values]]:
    ids, rid, items = args
    assert _CATALOG is not None
    catalog = with_params(_CATALOG, rid, dict(items))
    out = []
    for i in ids:
        if i not in _BUILT:  # the row cannot be modelled (validation.build says why)
            continue
        try:
            pred = predict(_BUILT[i], catalog)
        except Skip:
            continue
        out.append((i, tuple((m.key, m.family, m.measured, v) for m, v in pred.pairs())))
    return out


class RowPredictor:
    """Predictions of a runtime's rows under trial parameters, each parameter set computed once."""

    def __init__(self, pool: ProcessPoolExecutor, workers: int, rid: str, ids: list[int]) -> None:
        self.pool, self.rid = pool, rid
        self.chunks = [ids[i::workers] for i in range(workers)]
        self.memo: dict[tuple[tuple[str, float], ...], dict[int, Values]] = {}

    def __call__(self, params: dict[str, float]) -> dict[int, Values]:
        key = tuple(sorted((k, round(v, 12)) for k, v in params.items()))
        if key not in self.memo:
            parts = self.pool.map(_predict, [(c, self.rid, key) for c in self.chunks])
            self.memo[key] = {i: vals for part in parts for i, vals in part}
        return self.memo[key]


def pool(workers: int, csv: str, max_requests: int) -> ProcessPoolExecutor:
    """Worker processes that each build every row once."""
    return ProcessPoolExecutor(workers, initializer=_init, initargs=(csv, max_requests))


def log_errors(values: Iterable[Values]) -> list[float]:
    return [abs(math.log(max(v, 1e-12) / m)) for vals in values for _, _, m, v in vals if v > 0 and math.isfinite(v)]


def loss(errs: list[float]) -> float:
    if not errs:
        return 0.0
    clip = math.log(4)
    return statistics.fmean(min(e, clip) for e in errs) + statistics.median(errs)


def descend(params: dict[str, float], score: Callable[[dict[str, float]], float],
            log: Callable[[str], None] = lambda _: None, factors: tuple[float, ...] = FACTORS) -> tuple[dict[str, float], float]:
    """Coordinate descent in log space: for each step factor, try every field up and down, take the first move
    that lowers the score, repeat until none does."""
    best = score(params)
    for factor in factors:
        improved = True
        while improved:
            improved = False
            for key in list(params):
                lo, hi = BOUNDS[key.split(".")[-1]]
                for direction in (factor, 1 / factor):
                    trial = dict(params)
                    trial[key] = min(hi, max(lo, params[key] * direction))
                    if trial[key] == params[key]:
                        continue
                    value = score(trial)
                    if value < best - 1e-4:
                        best, params, improved = value, trial, True
                        log(f"  x{direction:.3f} {key} = {params[key]:.4g}  loss {best:.4f}")
                        break
    return params, best


def fit(predictor: RowPredictor, ids: Iterable[int], start: dict[str, float],
        log: Callable[[str], None] = lambda _: None, factors: tuple[float, ...] = FACTORS,
        groups: dict[int, str] | None = None) -> tuple[dict[str, float], float]:
    """Descend from `start` on the loss over rows `ids` only; with `groups` (row -> source), the mean of each
    source's loss, so that a source with many rows does not outweigh the others."""
    chosen = set(ids)

    def score(p: dict[str, float]) -> float:
        rows = predictor(p)
        if groups is None:
            return loss(log_errors(v for i, v in rows.items() if i in chosen))
        by: dict[str, list[Values]] = {}
        for i, v in rows.items():
            if i in chosen:
                by.setdefault(groups[i], []).append(v)
        return statistics.fmean(loss(log_errors(vs)) for vs in by.values()) if by else 0.0

    return descend(start, score, log, factors)
