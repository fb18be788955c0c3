"""Accuracy of planner predictions against published measurements.

Reads ../shared/validation/public.csv (or --csv), predicts every row it can with the same
library calls `planner estimate` makes, and prints per-row errors, the median absolute
percentage error (MdAPE) per metric, the worst rows, and the rows it cannot model and why.

Rows are interpreted only through their columns (model, GPU, TP/PP, runtime, precision,
lengths, load type and its parameter, the metric's statistic and scope); no row is special-cased.

    python benchmarks/accuracy.py [--csv PATH] [--rows 1-50] [--json OUT] [--quiet]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from planner.io.catalog import Catalog
from planner.core.compat import make_deployment
from planner.errors import PlannerError
from planner.estimate import LoadSpec, estimate
from planner.io.loaders import load_model
from planner.specs.model import ModelSpec
from planner.specs.workload import LengthDistribution

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "validation" / "public.csv"

# Hugging Face ids in the CSV -> shipped configs (same architecture; chat/instruct variants share it).
MODEL_DIRS = {
    "meta-llama/Llama-3.1-8B-Instruct": "llama-3.1-8b", "meta-llama/Llama-3.1-8B": "llama-3.1-8b",
    "meta-llama/Meta-Llama-3-8B-Instruct": "llama-3.1-8b",
    "meta-llama/Llama-3.1-70B-Instruct": "llama-3.1-70b", "meta-llama/Llama-3.1-405B-Instruct": "llama-3.1-405b",
    "meta-llama/Llama-2-7b-hf": "llama-2-7b", "meta-llama/Llama-2-7b-chat-hf": "llama-2-7b",
    "meta-llama/Llama-2-13b-hf": "llama-2-13b", "meta-llama/Llama-2-70b-hf": "llama-2-70b",
    "meta-llama/Llama-2-70b-chat-hf": "llama-2-70b", "mistralai/Mistral-7B-v0.1": "mistral-7b-v0.1",
    "mistralai/Mixtral-8x7B-v0.1": "mixtral-8x7b", "mistralai/Mixtral-8x22B-v0.1": "mixtral-8x22b",
    "deepseek-ai/DeepSeek-V3-0324": "deepseek-v3", "EleutherAI/gpt-j-6b": "gpt-j-6b",
}

THROUGHPUT = ("output_tok_s", "total_tok_s", "requests_per_s")
LATENCY = ("ttft_ms", "tpot_itl_ms", "e2e_latency_ms")


class Skip(Exception):
    """The row cannot be modelled; the message says why."""


@dataclass
class Row:
    row_id: int
    source_id: str
    label: str
    metrics: dict[str, tuple[float, float]] = field(default_factory=dict)  # metric -> (measured, predicted)
    notes: list[str] = field(default_factory=list)


def _num(text: object) -> float | None:
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return None
    match = re.search(r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", str(text).replace(",", ""))
    return float(match.group()) if match else None


def lengths(text: object, what: str, default: int | None = None) -> LengthDistribution:
    """Parse '467', '550 (mean)', '~20000 (+-15%)'; ranges and 'not stated' cannot be modelled."""
    raw = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text)
    if not raw or "not stated" in raw or ".." in raw:
        if default is not None:
            return LengthDistribution.fixed(default)
        raise Skip(f"{what} not stated" if not raw or "not stated" in raw else f"{what} is a sweep ({raw})")
    kilo = re.match(r"\s*(\d+(?:\.\d+)?)\s*[kK]\b", raw)  # "63K (~63000)"
    value = float(kilo.group(1)) * 1000 if kilo else _num(raw)
    if value is None:
        raise Skip(f"{what} unreadable ({raw})")
    spread = re.search(r"\+-\s*(\d+)%", raw)
    if spread:
        frac = float(spread.group(1)) / 100
        return LengthDistribution(kind="uniform", low=max(1, int(value * (1 - frac))), high=int(value * (1 + frac)))
    return LengthDistribution.fixed(max(1, int(round(value))))


def runtime_id(text: str) -> str:
    t = text.lower()
    if "trtllm" in t or "tensorrt" in t:
        return "trtllm"
    for rid in ("sglang", "vllm", "tgi"):
        if t.startswith(rid):
            return rid
    raise Skip(f"no runtime profile for {text!r}")


def quant_of(text: str, spec: ModelSpec) -> tuple[str | None, int | None]:
    t = text.lower()
    if "not stated" in t:
        return None, None
    if "awq" in t:
        return "int4-awq", None
    if "int4" in t:
        group = re.search(r"group size (\d+)", t)
        return "int4-gptq", int(group.group(1)) if group else None
    if "int8" in t:
        return "int8", None
    for q in ("fp8", "bf16", "fp16"):
        if t.startswith(q):
            return q, None
    raise Skip(f"weight precision {text!r} not modelled")


def load_of(row: pd.Series) -> tuple[LoadSpec, int | None]:
    """Load spec (with the run's request count when the dataset states it) and a stated max_num_seqs."""
    kind, param = str(row.load_type), str(row.batch_concurrency_or_rate)
    count = re.search(r"(\d[\d,]*)\s+(?:requests|prompts)", str(row.dataset))
    n = int(count.group(1).replace(",", "")) if count else None
    max_seqs = None
    m = re.search(r"max_num_seqs=(\d+)", param)
    if m:
        max_seqs = int(m.group(1))
    if kind in ("offline_max_throughput", "request_rate_inf") or "inf" in param.lower():
        return LoadSpec(kind="offline", num_requests=n), max_seqs
    value = _num(param)
    if kind in ("static_batch", "batch1_decode"):
        return LoadSpec(kind="batch", value=value or 1), max_seqs
    if kind == "concurrency":
        return LoadSpec(kind="concurrency", value=value, num_requests=n), max_seqs
    if kind == "request_rate":
        return LoadSpec(kind="rps", value=value, num_requests=n), max_seqs
    raise Skip(f"load type {kind!r} ({param}) not modelled")


def predict(row: pd.Series, catalog: Catalog, models: dict[str, ModelSpec]) -> Row:
    out = Row(int(row.row_id), str(row.source_id), "")
    folder = MODEL_DIRS.get(str(row.model))
    if folder is None or not (ROOT / "examples" / "models" / folder / "config.json").is_file():
        raise Skip(f"no config for {row.model}")
    if folder not in models:
        models[folder] = load_model(str(ROOT / "examples" / "models" / folder))
    spec = models[folder]
    gpu_class = str(row.gpu_class)
    if "ambiguous" in gpu_class:
        raise Skip(f"GPU ambiguous ({gpu_class})")
    if "variant not stated" in gpu_class:
        gpu_class = "h100-sxm"
        out.notes.append("H100 variant not stated: SXM assumed")
    try:
        gpu = catalog.gpu(gpu_class)
    except PlannerError:
        raise Skip(f"GPU {gpu_class} not in hardware_db") from None
    runtime = catalog.runtime(runtime_id(str(row.runtime)))
    quant, group = quant_of(str(row.weight_dtype), spec)
    if quant is not None and spec.quantization is not None and spec.quantization.format != quant:
        # The row used another checkpoint of the same architecture (e.g. an AWQ re-quantization).
        spec = spec.model_copy(update={"quantization": None})
    if group and spec.quantization is None and quant:
        from planner.specs.model import QuantConfig

        spec = spec.model_copy(update={"quantization": QuantConfig(format=quant, group_size=group, method="row")})
    kv = "fp8" if str(row.kv_cache_dtype).lower().startswith("fp8") else "auto"
    tp = int(_num(row.tp) or _num(row.gpu_count) or 1)
    pp = int(_num(row.pp) or 1)
    if math.isnan(row.tp) if isinstance(row.tp, float) else False:
        raise Skip("parallelism not stated")
    load, max_seqs = load_of(row)
    # A memory fraction the source states (TRT-LLM kv_cache_free_gpu_mem_fraction, vLLM gpu_memory_utilization).
    stated = re.search(r"(?:kv_cache_free_gpu_mem_fraction|gpu[-_]memory[-_]utilization)\D{0,3}(0\.\d+)",
                       f"{row.notes} {row.runtime_version} {row.ep_dp}")
    memory_fraction = float(stated.group(1)) if stated else None
    default_osl = 128 if row.load_type == "batch1_decode" else None
    isl = lengths(row.isl, "input length")
    osl = lengths(row.osl, "output length", default_osl)
    longest = int(isl.quantile(1.0) + osl.quantile(1.0))
    try:
        dep = make_deployment(spec, gpu, runtime, tp_size=tp, pp_size=pp, quant=quant, kv_dtype=kv,  # type: ignore[arg-type]
                              max_num_seqs=max_seqs, max_model_len=min(spec.max_position_embeddings, max(longest, 1)),
                              memory_fraction=memory_fraction)
    except PlannerError as exc:
        raise Skip(f"incompatible: {exc.message}") from None
    try:
        est = estimate(dep, isl, osl, load)
    except PlannerError as exc:
        raise Skip(f"predicted infeasible: {exc.message}") from None
    s = est.serving
    out.label = (f"{folder} {gpu.id} tp{tp}{f'pp{pp}' if pp > 1 else ''} {runtime.id} {dep.quant}"
                 f"{' kvfp8' if kv == 'fp8' else ''} {isl.describe()}/{osl.describe()} {load.kind}"
                 f"{'' if load.value is None else '=' + format(load.value, 'g')}")
    out.notes += list(s.notes)
    scope = str(row.tok_s_scope).lower()
    per_user = any(w in scope for w in ("per user", "per request", "per-user", "single stream"))
    if pd.notna(row.output_tok_s):
        if per_user:
            decode_only = "decode" in scope or row.load_type == "batch1_decode"
            pred = 1 / s.tpot.mean_s if decode_only else osl.expected() / s.e2e.mean_s
        elif "per gpu" in scope:
            pred = s.output_tokens_per_s / dep.num_gpus
        else:
            pred = s.output_tokens_per_s
        out.metrics["output_tok_s"] = (float(row.output_tok_s), pred)
    if pd.notna(row.total_tok_s) and pd.isna(row.output_tok_s):
        out.metrics["total_tok_s"] = (float(row.total_tok_s), s.output_tokens_per_s + s.input_tokens_per_s)
    if pd.notna(row.requests_per_s) and load.kind != "rps":
        out.metrics["requests_per_s"] = (float(row.requests_per_s), s.requests_per_s)

    def stat(kind: object, stats: object) -> float:
        k = str(kind).lower()
        return float(getattr(stats, "p50_s" if ("median" in k or "p50" in k) else "mean_s"))

    if pd.notna(row.ttft_ms):
        out.metrics["ttft_ms"] = (float(row.ttft_ms), 1e3 * stat(row.ttft_stat, s.ttft))
    if pd.notna(row.tpot_itl_ms):
        if "fitted" in str(row.tpot_itl_kind).lower():
            raise Skip("TPOT is a fitted intercept over a sweep")
        out.metrics["tpot_itl_ms"] = (float(row.tpot_itl_ms), 1e3 * stat(row.tpot_itl_kind, s.tpot))
    if pd.notna(row.e2e_latency_ms):
        out.metrics["e2e_latency_ms"] = (float(row.e2e_latency_ms), 1e3 * stat(row.e2e_stat, s.e2e))
    if not out.metrics:
        raise Skip("no comparable metric")
    _check_littles_law(row, load, osl)
    return out


def _check_littles_law(row: pd.Series, load: LoadSpec, osl: LengthDistribution) -> None:
    """Skip closed-loop rows whose own numbers contradict Little's law by more than 1.5x.

    With C requests in flight, output throughput = C x osl / (TTFT + (osl - 1) x TPOT). A reported
    throughput far below that means the stated concurrency was never reached (a client-bound run), so
    the row's latencies describe a different load than its label.
    """
    if load.kind != "concurrency" or load.value is None:
        return
    if pd.isna(row.output_tok_s) or pd.isna(row.ttft_ms) or pd.isna(row.tpot_itl_ms):
        return
    n_out = osl.expected()
    implied = load.value * n_out / ((float(row.ttft_ms) + (n_out - 1) * float(row.tpot_itl_ms)) / 1e3)
    ratio = implied / float(row.output_tok_s)
    if not 1 / 1.5 <= ratio <= 1.5:
        raise Skip("measurement inconsistent with Little's law: its concurrency, TTFT and TPOT imply 1.5x+ "
                   "the reported throughput (a client-bound run)")


def evaluate(df: pd.DataFrame, catalog: Catalog, models: dict[str, ModelSpec] | None = None
             ) -> tuple[list[Row], dict[str, list[int]]]:
    """Predict every row of `df`; returns the modelled rows and the skipped row ids by reason."""
    models = {} if models is None else models
    rows: list[Row] = []
    skipped: dict[str, list[int]] = defaultdict(list)
    for _, r in df.iterrows():
        try:
            rows.append(predict(r, catalog, models))
        except Skip as exc:
            skipped[str(exc)].append(int(r.row_id))
    return rows, skipped


def ape(measured: float, predicted: float) -> float:
    return abs(predicted - measured) / abs(measured) * 100


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--rows", help="row_id range, e.g. 1-100")
    parser.add_argument("--source", help="only this source_id, e.g. S01")
    parser.add_argument("--json", type=Path, help="write per-row results here")
    parser.add_argument("--quiet", action="store_true", help="summary only")
    args = parser.parse_args(argv)
    df = pd.read_csv(args.csv)
    if args.rows:
        lo, hi = (int(x) for x in args.rows.split("-"))
        df = df[(df.row_id >= lo) & (df.row_id <= hi)]
    if args.source:
        df = df[df.source_id == args.source]
    catalog = Catalog.load()
    start = time.perf_counter()
    rows, skipped = evaluate(df, catalog)
    elapsed = time.perf_counter() - start
    per_metric: dict[str, list[float]] = defaultdict(list)
    flat = []
    for row in rows:
        for metric, (meas, pred) in row.metrics.items():
            err = ape(meas, pred)
            per_metric[metric].append(err)
            flat.append((err, row, metric, meas, pred))
            if not args.quiet:
                print(f"row {row.row_id:4d} {row.source_id} {metric:15s} measured {meas:10.4g} predicted "
                      f"{pred:10.4g} err {100 * (pred - meas) / meas:+7.1f}%  {row.label}")
    print(f"\n== {len(rows)} rows modelled, {sum(len(v) for v in skipped.values())} not, in {elapsed:.1f} s")
    print(f"{'metric':16s} {'n':>4s} {'MdAPE':>7s} {'mean':>7s} {'max':>7s} {'>2x':>4s}")
    groups = {"throughput (all)": THROUGHPUT, "latency (all)": LATENCY}
    for metric in (*THROUGHPUT, *LATENCY):
        errs = per_metric.get(metric)
        if errs:
            over = sum(1 for e in errs if e >= 100)
            print(f"{metric:16s} {len(errs):4d} {statistics.median(errs):6.1f}% {statistics.mean(errs):6.1f}% "
                  f"{max(errs):6.1f}% {over:4d}")
    for name, metrics in groups.items():
        errs = [e for m in metrics for e in per_metric.get(m, [])]
        if errs:
            print(f"{name:16s} {len(errs):4d} {statistics.median(errs):6.1f}% {statistics.mean(errs):6.1f}%")
    print("\n== by source")
    by_source: dict[tuple[str, str], list[float]] = defaultdict(list)
    for err, row, metric, _, _ in flat:
        by_source[(row.source_id, metric)].append(err)
    for (src, metric), errs in sorted(by_source.items()):
        print(f"{src:4s} {metric:16s} n={len(errs):4d} MdAPE {statistics.median(errs):6.1f}%  max {max(errs):7.1f}%")
    two_x = [f for f in flat if f[4] / f[3] >= 2 or f[3] / f[4] >= 2]
    print(f"rows off by 2x or more: {len(two_x)}")
    print("\n== worst 15")
    for err, row, metric, meas, pred in sorted(flat, key=lambda f: -f[0])[:15]:
        print(f"row {row.row_id:4d} {row.source_id} {metric:15s} {meas:10.4g} -> {pred:10.4g} "
              f"({100 * (pred - meas) / meas:+.0f}%)  {row.label}")
    print("\n== not modelled")
    for reason, ids in sorted(skipped.items(), key=lambda kv: -len(kv[1])):
        shown = ", ".join(str(i) for i in ids[:12]) + (" ..." if len(ids) > 12 else "")
        print(f"{len(ids):4d}  {reason}  [rows {shown}]")
    if args.json:
        args.json.write_text(json.dumps([
            {"row_id": r.row_id, "source_id": r.source_id, "label": r.label, "notes": r.notes,
             "metrics": {m: {"measured": a, "predicted": b} for m, (a, b) in r.metrics.items()}}
            for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
