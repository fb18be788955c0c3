"""Published measurements (../shared/validation/public.csv) as planner cases, and their predictions.

Each CSV row becomes a `Case`: the deployment it describes (model config, GPU, runtime, precision,
TP/PP), its lengths and load, and every statistic it reports (throughputs; TTFT, TPOT, ITL and
end-to-end latency with the statistic named: mean, p50, p90, p95, p99, including the extra
statistics a source gives in parentheses, e.g. "median (mean 63.07, p99 64.32)"). Rows are read only
through their columns; no row is special-cased. `predict` makes the same library calls as
`planner estimate`.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from planner.core.compat import make_deployment
from planner.errors import PlannerError
from planner.estimate import EstimateResult, LoadSpec, estimate
from planner.io.catalog import Catalog
from planner.io.loaders import load_model
from planner.specs.model import ModelSpec, QuantConfig
from planner.specs.workload import LengthDistribution

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CSV = ROOT.parent / "shared" / "validation" / "public.csv"

# Hugging Face ids in the CSV -> shipped configs of the same architecture (chat/instruct variants share it).
MODEL_DIRS = {
    "meta-llama/Llama-3.1-8B-Instruct": "llama-3.1-8b", "meta-llama/Llama-3.1-8B": "llama-3.1-8b",
    "meta-llama/Meta-Llama-3-8B-Instruct": "llama-3.1-8b",
    "meta-llama/Llama-3.1-70B-Instruct": "llama-3.1-70b", "meta-llama/Llama-3.1-405B-Instruct": "llama-3.1-405b",
    "meta-llama/Llama-2-7b-hf": "llama-2-7b", "meta-llama/Llama-2-7b-chat-hf": "llama-2-7b",
    "meta-llama/Llama-2-13b-hf": "llama-2-13b", "meta-llama/Llama-2-70b-hf": "llama-2-70b",
    "meta-llama/Llama-2-70b-chat-hf": "llama-2-70b", "mistralai/Mistral-7B-v0.1": "mistral-7b-v0.1",
    "mistralai/Mixtral-8x7B-v0.1": "mixtral-8x7b", "mistralai/Mixtral-8x22B-v0.1": "mixtral-8x22b",
    "deepseek-ai/DeepSeek-V3-0324": "deepseek-v3", "EleutherAI/gpt-j-6b": "gpt-j-6b",
    # Exactly these checkpoints' configs:
    "Qwen/Qwen3-8B": "qwen3-8b", "Qwen/Qwen3-32B": "qwen3-32b", "Qwen/Qwen3-32B-FP8": "qwen3-32b-fp8",
    "Qwen/Qwen3-14B": "qwen3-14b",
    "openai/gpt-oss-20b": "gpt-oss-20b", "openai/gpt-oss-120b": "gpt-oss-120b",
    "deepseek-ai/DeepSeek-V3.2": "deepseek-v3.2", "zai-org/GLM-4.5-Air": "glm-4.5-air",
    "zai-org/GLM-5.2-FP8": "glm-5.2-fp8", "Qwen/Qwen3.5-35B-A3B": "qwen3.5-35b-a3b",
    "zai-org/GLM-4.6": "glm-4.6", "Qwen/Qwen3.5-9B": "qwen3.5-9b",
    # Same architecture as the shipped config (re-quantized or re-trained checkpoints of it):
    "Qwen/Qwen3-8B-FP8": "qwen3-8b", "Qwen/Qwen3-32B-AWQ": "qwen3-32b",
    "Qwen/Qwen3-14B-FP8": "qwen3-14b", "Qwen/Qwen3-14B-AWQ": "qwen3-14b",
    "Qwen/Qwen3-235B-A22B-Instruct-2507": "qwen3-235b-a22b", "Qwen/Qwen3-235B-A22B-Instruct-2507-FP8": "qwen3-235b-a22b-fp8",
    "deepseek-ai/DeepSeek-R1-0528": "deepseek-r1", "zai-org/GLM-4.5-Air-FP8": "glm-4.5-air",
    "zai-org/GLM-4.6-FP8": "glm-4.6",
}

Family = Literal["output_tok_s", "total_tok_s", "requests_per_s", "ttft", "tpot", "itl", "e2e"]
"""What a metric measures."""
Stat = Literal["value", "mean", "p50", "p90", "p95", "p99"]
"""Which statistic (`value` for throughputs)."""
Regime = Literal["batch1", "static", "load", "saturated"]
"""Load regime of a row: one request at a time, a static batch, a finite load (concurrency > 1 or a
request rate), or everything queued at once (offline / rate inf)."""
THROUGHPUT: tuple[Family, ...] = ("output_tok_s", "total_tok_s", "requests_per_s")
LATENCY: tuple[Family, ...] = ("ttft", "tpot", "itl", "e2e")

SHAREGPT_CV = {"input": 1.2, "output": 0.9}
"""Dataset assumption: rows that give only the mean prompt/output length of a ShareGPT run are modelled as
lognormal with these coefficients of variation (ShareGPT_V3 prompts and replies are heavy-tailed; the CVs
are round values of that dataset's length statistics, not fitted to any row)."""


class Skip(Exception):
    """The row cannot be modelled; the message says why."""


@dataclass(frozen=True)
class Metric:
    """One published number of a row."""

    family: Family
    stat: Stat
    measured: float

    @property
    def key(self) -> str:
        return self.family if self.stat == "value" else f"{self.family}_{self.stat}"


@dataclass
class Case:
    """A row of the CSV as the planner sees it."""

    row_id: int
    source_id: str
    runtime: str
    regime: Regime
    raw: dict[str, str]
    label: str = ""
    metrics: list[Metric] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class Prediction:
    """A case and the planner's number for each of its metrics."""

    case: Case
    predicted: dict[str, float]

    def pairs(self) -> Iterable[tuple[Metric, float]]:
        for m in self.case.metrics:
            if m.key in self.predicted:
                yield m, self.predicted[m.key]


# ---------------------------------------------------------------- reading rows


def read_rows(path: Path = DEFAULT_CSV) -> list[dict[str, str]]:
    """The CSV rows as dicts of stripped strings."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _num(text: str) -> float | None:
    match = re.search(r"[-+]?\d*\.?\d+(?:[eE][-+]?\d+)?", text.replace(",", ""))
    return float(match.group()) if match else None


def lengths(text: str, what: str, dataset: str, side: str, default: int | None = None) -> LengthDistribution:
    """'467', '550 (mean)', '~20000 (+-15%)', a ShareGPT mean (lognormal, see SHAREGPT_CV); ranges and 'not stated'
    cannot be modelled."""
    if not text or "not stated" in text or ".." in text:
        if default is not None:
            return LengthDistribution.fixed(default)
        raise Skip(f"{what} not stated" if not text or "not stated" in text else f"{what} is a sweep ({text})")
    kilo = re.match(r"\s*(\d+(?:\.\d+)?)\s*[kK]\b", text)  # "63K (~63000)"
    value = float(kilo.group(1)) * 1000 if kilo else _num(text)
    if value is None:
        raise Skip(f"{what} unreadable ({text})")
    spread = re.search(r"\+-\s*(\d+)%", text)
    if spread:
        frac = float(spread.group(1)) / 100
        return LengthDistribution(kind="uniform", low=max(1, int(value * (1 - frac))), high=int(value * (1 + frac)))
    if "mean" in text and "sharegpt" in dataset.lower():
        return LengthDistribution(kind="lognormal", mean=max(1.0, value), cv=SHAREGPT_CV[side], max_tokens=16384)
    return LengthDistribution.fixed(max(1, int(round(value))))


def runtime_id(text: str) -> str:
    t = text.lower()
    if "trtllm" in t or "tensorrt" in t:
        return "trtllm"
    for rid in ("sglang", "vllm", "tgi"):
        if t.startswith(rid):
            return rid
    raise Skip(f"no runtime profile for {text!r}")


def quant_of(text: str) -> tuple[str | None, int | None]:
    t = text.lower()
    if "not stated" in t:
        return None, None
    if "mxfp4" in t:
        return "mxfp4", None  # the native gpt-oss checkpoint: the loader reads which modules stay 16-bit
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


MAX_SIMULATED_REQUESTS = 3000
"""Runs a source states with more requests are simulated with this many: past a few thousand requests a
saturated replica is in its steady state, and 30,000-request runs would dominate the harness's time."""


GUIDELLM_MAX_CONCURRENCY = 512
"""guidellm's default client-side cap on unanswered requests (its `GUIDELLM__MAX_CONCURRENCY` setting): a
constant-rate profile above the server's pace keeps at most this many requests open."""


def tool_of(row: dict[str, str]) -> str:
    """The benchmark client a row names ('guidellm', 'vllm bench', ...; '' when unstated): each defines TPOT and
    ITL its own way."""
    text = f"{row['dataset']} {row['notes']} {row['source_table']}".lower()
    for tool in ("guidellm", "vllm bench", "benchmark_serving", "bench_serving", "genai-perf", "llmperf", "trtllm-bench"):
        if tool in text:
            return tool
    return ""


def client_cap(row: dict[str, str]) -> int | None:
    """The client's cap on requests in flight in an open-loop run: a stated `max_concurrency=N`, else the
    tool's default (guidellm's), else none."""
    stated = re.search(r"(?<!observed )max[_ ]concurrency[= ](\d+)", row["batch_concurrency_or_rate"])
    if stated:
        return int(stated.group(1))
    return GUIDELLM_MAX_CONCURRENCY if tool_of(row) == "guidellm" else None


def load_of(row: dict[str, str]) -> tuple[LoadSpec, int | None, Regime]:
    """Load spec (with the run's request count when the dataset states it, see MAX_SIMULATED_REQUESTS), a stated
    max_num_seqs, the regime."""
    kind, param = row["load_type"], row["batch_concurrency_or_rate"]
    count = re.search(r"(\d[\d,]*)\s+(?:requests|prompts)", row["dataset"])
    n = min(MAX_SIMULATED_REQUESTS, int(count.group(1).replace(",", ""))) if count else None
    seqs = re.search(r"max_num_seqs=(\d+)", param)
    max_seqs = int(seqs.group(1)) if seqs else None
    # benchmark_throughput / trtllm-bench / an offline engine (offline_max_throughput) and benchmark_latency-style
    # whole-batch timing (static_batch) call the engine in-process; a flood sent at t=0 goes through the server.
    if kind in ("offline_max_throughput", "request_rate_inf") or "inf" in param.lower():
        return LoadSpec(kind="offline", num_requests=n, in_process=kind == "offline_max_throughput"), max_seqs, \
            "saturated"
    value = _num(param)
    if kind in ("static_batch", "batch1_decode"):
        batch = value or 1
        return LoadSpec(kind="batch", value=batch, in_process=kind == "static_batch"), max_seqs, \
            "batch1" if batch <= 1 else "static"
    if kind == "concurrency":
        return LoadSpec(kind="concurrency", value=value, num_requests=n), max_seqs, \
            "batch1" if (value or 1) <= 1 else "load"
    if kind == "request_rate":
        return LoadSpec(kind="rps", value=value, num_requests=n, max_concurrency=client_cap(row)), max_seqs, "load"
    raise Skip(f"load type {kind!r} ({param}) not modelled")


_STAT_WORDS = {"mean": "mean", "avg": "mean", "average": "mean", "median": "p50", "p50": "p50", "p90": "p90",
               "p95": "p95", "p99": "p99"}


def _stat_of(text: str) -> Stat:
    """The statistic a `*_stat` / kind cell names first ('median ...' -> p50; default mean)."""
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word in _STAT_WORDS:
            return _STAT_WORDS[word]  # type: ignore[return-value]
    return "mean"


def _extra_stats(text: str, family: Family) -> list[Metric]:
    """Statistics a source gives in parentheses: '(mean 63.07, p99 64.32)', '(mean TPOT 53.31, p99 ITL 53.97)'."""
    out = []
    inside = re.search(r"\((.*)\)", text)
    if not inside:
        return out
    for part in re.split(r"[,;]", inside.group(1)):
        m = re.match(r"\s*(mean|median|p50|p90|p95|p99)\s*(TPOT|ITL)?\s*(-?\d+(?:\.\d+)?)\b", part, re.I)
        if not m:
            continue
        stat = _STAT_WORDS[m.group(1).lower()]
        fam: Family = family
        if m.group(2):
            fam = "itl" if m.group(2).upper() == "ITL" else "tpot"
        out.append(Metric(fam, stat, float(m.group(3))))  # type: ignore[arg-type]
    return out


def _latency_metrics(row: dict[str, str]) -> list[Metric]:
    out: list[Metric] = []
    if row["ttft_ms"]:
        out.append(Metric("ttft", _stat_of(row["ttft_stat"]), float(row["ttft_ms"])))
        out += _extra_stats(row["ttft_stat"], "ttft")
    kind = row["tpot_itl_kind"]
    if row["tpot_itl_ms"]:
        if "fitted" in kind.lower():
            raise Skip("TPOT is a fitted intercept over a sweep")
        head = kind.split("(")[0].upper()
        family: Family = "itl" if "ITL" in head or "INTER-TOKEN" in head else "tpot"
        out.append(Metric(family, _stat_of(kind), float(row["tpot_itl_ms"])))
        out += _extra_stats(kind, family)
    if row["e2e_latency_ms"]:
        stat = row["e2e_stat"]
        out.append(Metric("e2e", _stat_of(stat) if "batch" not in stat else "mean", float(row["e2e_latency_ms"])))
        if "s x1000" not in stat:  # guidellm's extra statistics are in seconds
            out += _extra_stats(stat, "e2e")
    # Keep one value per metric key (the main cell wins over a parenthesised duplicate).
    seen: dict[str, Metric] = {}
    for m in out:
        seen.setdefault(m.key, m)
    return list(seen.values())


# ---------------------------------------------------------------- cases and predictions


@dataclass
class Built:
    """A case with everything needed to predict it."""

    case: Case
    dep: Any
    isl: LengthDistribution
    osl: LengthDistribution
    load: LoadSpec
    scope: str


def ep_dp_of(row: dict[str, str], rid: str, gpus: int) -> tuple[int, int, int]:
    """(tp, dp, ep) of a row from its `ep_dp` column and the launch flags in its notes; `gpus` is the row's tp.

    SGLang's `--tp 8 --dp 8 --enable-dp-attention` is 8 GPUs as 8 attention ranks of 1 GPU: our tp 1, dp 8;
    its MoE layers stay tensor-parallel over all 8 unless `--ep-size` is given or the DeepEP all-to-all backend
    is on (which sets ep_size = tp_size). A DP-attention flag with no DP size leaves SGLang's dp_size at 1 (plain
    TP). vLLM's `--enable-expert-parallel` makes the MoE group expert-parallel over tp x dp; TensorRT-LLM's
    `--ep_size` likewise (attention DP only with enable_attention_dp).
    """
    text, notes = row["ep_dp"], row["notes"]
    if not text.strip():
        return gpus, 1, 1
    flag = re.search(r"--(?:dp-size|dp|data-parallel-size)[= ](\d+)", notes)
    dp = int(flag.group(1)) if flag and ("DP-attention" in text or "enable_attention_dp" in notes) else 1
    ep_flag = re.search(r"--ep(?:-size|_size)?[= ](\d+)", notes) or re.search(r"EP=(\d+)", text)
    ep = int(ep_flag.group(1)) if ep_flag else 1
    if "DeepEP" in text or "--enable-expert-parallel" in text:
        ep = gpus
    if dp > 1 and rid == "sglang":
        return gpus // dp, dp, ep  # SGLang's --tp counts every GPU of the replica
    return gpus, dp, ep


def build(row: dict[str, str], catalog: Catalog, models: dict[str, ModelSpec]) -> Built:
    """Interpret one row (raises Skip when it cannot be modelled)."""
    folder = MODEL_DIRS.get(row["model"])
    if folder is None or not (ROOT / "examples" / "models" / folder / "config.json").is_file():
        raise Skip(f"no config for {row['model']}")
    if folder not in models:
        models[folder] = load_model(str(ROOT / "examples" / "models" / folder))
    spec = models[folder]
    gpu_class = row["gpu_class"]
    if "ambiguous" in gpu_class:
        raise Skip(f"GPU ambiguous ({gpu_class})")
    notes = []
    if "variant not stated" in gpu_class:
        gpu_class = "h100-sxm"
        notes.append("H100 variant not stated: SXM assumed")
    try:
        gpu = catalog.gpu(gpu_class)
    except PlannerError:
        raise Skip(f"GPU {gpu_class} not in hardware_db") from None
    rid = runtime_id(row["runtime"])
    runtime = catalog.runtime(rid)
    quant, group = quant_of(row["weight_dtype"])
    if quant is not None and spec.quantization is not None and spec.quantization.format != quant:
        spec = spec.model_copy(update={"quantization": None})  # another checkpoint of the same architecture
    if group and spec.quantization is None and quant:
        spec = spec.model_copy(update={"quantization": QuantConfig(format=quant, group_size=group,  # type: ignore[arg-type]
                                                                   method="row")})
    kv = "fp8" if row["kv_cache_dtype"].lower().startswith("fp8") else "auto"
    if not row["tp"]:
        raise Skip("parallelism not stated")
    tp = int(_num(row["tp"]) or _num(row["gpu_count"]) or 1)
    pp = int(_num(row["pp"]) or 1)
    tp, dp, ep = ep_dp_of(row, rid, tp)
    load, max_seqs, regime = load_of(row)
    launched = re.search(r"--max-running-requests[= ](\d+)", row["notes"])  # SGLang's flag for max_num_seqs
    if max_seqs is None and launched:
        max_seqs = int(launched.group(1))
    if max_seqs and dp > 1 and runtime.parallelism.dp_divides_limits:
        max_seqs = max(1, max_seqs // dp)
    if re.search(r"repeated|same prompt", row["dataset"], re.I) and runtime.features.prefix_caching:
        # One prompt sent again and again: every request after the first finds it in the prefix cache.
        load = load.model_copy(update={"prefix_cache_share": 0.99})
    stated = re.search(r"(?:kv_cache_free_gpu_mem_fraction|gpu[-_]memory[-_]utilization)\D{0,3}(0\.\d+)",
                       f"{row['notes']} {row['runtime_version']} {row['ep_dp']}")
    memory_fraction = float(stated.group(1)) if stated else None
    isl = lengths(row["isl"], "input length", row["dataset"], "input")
    osl = lengths(row["osl"], "output length", row["dataset"], "output",
                  128 if row["load_type"] == "batch1_decode" else None)
    longest = int(isl.upper_tokens() + osl.upper_tokens())
    try:
        dep = make_deployment(spec, gpu, runtime, tp_size=tp, pp_size=pp, dp_size=dp, ep_size=ep,
                              quant=quant, kv_dtype=kv,  # type: ignore[arg-type]
                              max_num_seqs=max_seqs, max_model_len=min(spec.max_position_embeddings, max(longest, 1)),
                              memory_fraction=memory_fraction)
    except PlannerError as exc:
        raise Skip(f"incompatible: {exc.message}") from None
    case = Case(int(row["row_id"]), row["source_id"], rid, regime, row, notes=notes)
    case.label = (f"{folder} {gpu.id} tp{tp}{f'pp{pp}' if pp > 1 else ''}{f' dp{dp}' if dp > 1 else ''}"
                  f"{f' ep{dep.ep_size}' if dep.ep_size > 1 else ''} {rid} {dep.quant}"
                  f"{' kvfp8' if kv == 'fp8' else ''} {isl.describe()}/{osl.describe()} {load.kind}"
                  f"{'' if load.value is None else '=' + format(load.value, 'g')}")
    case.metrics = _throughput_metrics(row, load) + _latency_metrics(row)
    if not case.metrics:
        raise Skip("no comparable metric")
    _check_littles_law(row, load, osl)
    return Built(case, dep, isl, osl, load, row["tok_s_scope"].lower())


def _throughput_metrics(row: dict[str, str], load: LoadSpec) -> list[Metric]:
    out = []
    if row["output_tok_s"]:
        out.append(Metric("output_tok_s", "value", float(row["output_tok_s"])))
    elif row["total_tok_s"]:
        out.append(Metric("total_tok_s", "value", float(row["total_tok_s"])))
    if row["requests_per_s"] and load.kind != "rps":
        out.append(Metric("requests_per_s", "value", float(row["requests_per_s"])))
    return out


def _check_littles_law(row: dict[str, str], load: LoadSpec, osl: LengthDistribution) -> None:
    """Skip closed-loop rows whose own numbers contradict Little's law by more than 1.5x (a client-bound run)."""
    if load.kind != "concurrency" or load.value is None:
        return
    if not (row["output_tok_s"] and row["ttft_ms"] and row["tpot_itl_ms"]):
        return
    n_out = osl.expected()
    implied = load.value * n_out / ((float(row["ttft_ms"]) + (n_out - 1) * float(row["tpot_itl_ms"])) / 1e3)
    if not 1 / 1.5 <= implied / float(row["output_tok_s"]) <= 1.5:
        raise Skip("measurement inconsistent with Little's law: its concurrency, TTFT and TPOT imply 1.5x+ "
                   "the reported throughput (a client-bound run)")


def predict(built: Built, catalog: Catalog | None = None) -> Prediction:
    """The planner's number for every metric of a case (runtime profiles from `catalog` when given)."""
    dep = built.dep
    if catalog is not None:
        dep = dep.model_copy(update={"runtime": catalog.runtimes[dep.runtime.id]})
    try:
        est = estimate(dep, built.isl, built.osl, built.load,
                       efficiency=catalog.efficiency_for(dep) if catalog is not None else None)
    except PlannerError as exc:
        raise Skip(f"predicted infeasible: {exc.message}") from None
    built.case.notes = [*built.case.notes[:1], *est.serving.notes]
    return Prediction(built.case, _values(est, built))


def _values(est: EstimateResult, built: Built) -> dict[str, float]:
    s, dep, scope = est.serving, est.deployment, built.scope
    out: dict[str, float] = {}
    per_user = any(w in scope for w in ("per user", "per request", "per-user", "single stream"))
    if per_user:
        decode_only = "decode" in scope or built.case.raw["load_type"] == "batch1_decode"
        out["output_tok_s"] = 1 / s.tpot.mean_s if decode_only else built.osl.expected() / s.e2e.mean_s
    elif "per gpu" in scope:
        out["output_tok_s"] = s.output_tokens_per_s / dep.num_gpus
    else:
        out["output_tok_s"] = s.output_tokens_per_s
    out["total_tok_s"] = s.output_tokens_per_s + s.input_tokens_per_s
    out["requests_per_s"] = s.requests_per_s
    tool = tool_of(built.case.raw)
    # vLLM's and SGLang's serving benchmarks: TPOT per request excluding the first token, ITL the gaps between
    # streamed chunks pooled over requests. guidellm: TPOT is latency / output tokens (TTFT included) and ITL
    # the per-request TPOT above. genai-perf, llmperf and unstated tools: ITL is the per-request TPOT.
    tpot, itl = s.tpot, s.itl if tool in ("vllm bench", "benchmark_serving", "bench_serving") else s.tpot
    if tool == "guidellm":
        tpot, itl = s.latency_per_token, s.tpot
    for family, stats in (("ttft", s.ttft), ("tpot", tpot), ("itl", itl), ("e2e", s.e2e)):
        for stat in ("mean", "p50", "p90", "p95", "p99"):
            out[f"{family}_{stat}"] = 1e3 * getattr(stats, "mean_s" if stat == "mean" else f"{stat}_s")
    return out


def build_all(rows: list[dict[str, str]], catalog: Catalog) -> tuple[list[Built], dict[str, list[int]]]:
    """Every modellable row, and the skipped row ids by reason."""
    models: dict[str, ModelSpec] = {}
    built, skipped = [], {}
    for row in rows:
        try:
            built.append(build(row, catalog, models))
        except Skip as exc:
            skipped.setdefault(str(exc), []).append(int(row["row_id"]))
    return built, skipped


def ape(measured: float, predicted: float) -> float:
    """Absolute percentage error."""
    return abs(predicted - measured) / abs(measured) * 100


def log_error(measured: float, predicted: float) -> float:
    """|ln(predicted / measured)| (symmetric in over- and under-prediction)."""
    return abs(math.log(max(predicted, 1e-12) / measured))
