"""Resolve what a user brings (model.yaml and/or flags, prompt sample, tokenizer) into plan inputs.

Flags win over model.yaml. This is an edge module: it reads files and tokenizes samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planner.core.speculative import resolve as resolve_speculative
from planner.errors import SpecError
from planner.io import parse
from planner.io.catalog import Catalog
from planner.io.loaders import load_model, load_model_file, model_from_file, model_path
from planner.specs import limits
from planner.specs.model import ModelSpec
from planner.specs.modelfile import ConstraintsFile, ModelFile, WorkloadFile
from planner.specs.runtime import Runtime
from planner.specs.speculative import SpeculativeConfig
from planner.specs.workload import Confidence, Constraints, LengthDistribution, Slo, Workload

DEFAULT_INPUT_TOKENS = "512:1.0"
"""Prompt lengths assumed without a sample or --isl: chat-like, lognormal mean 512 tokens, CV 1.0."""
DEFAULT_OUTPUT_TOKENS = "256:0.8"
"""Output lengths assumed without sample outputs or --osl: lognormal mean 256 tokens, CV 0.8."""

QUANTS = ("bf16", "fp16", "fp8", "int8", "int4-awq", "int4-gptq", "nvfp4", "mxfp4")
KV_DTYPES = ("auto", "fp8")


@dataclass(frozen=True)
class Flags:
    """Command-line overrides; None (or empty) means "not given"."""

    rps: float | None = None
    arrival: str | None = None
    burstiness_cv: float | None = None
    sample: str | None = None
    tokenizer: str | None = None
    chat: bool = False
    isl: str | None = None
    osl: str | None = None
    prefix_cache_share: float | None = None
    slo: list[str] = field(default_factory=list)
    gpus: list[str] = field(default_factory=list)
    runtimes: list[str] = field(default_factory=list)
    quant: list[str] = field(default_factory=list)
    kv_dtype: list[str] = field(default_factory=list)
    providers: list[str] = field(default_factory=list)
    price_kind: str | None = None
    max_gpus_per_replica: int | None = None
    budget_usd_per_month: float | None = None
    headroom: float | None = None
    confidence: Confidence | None = None


@dataclass(frozen=True)
class PlanInputs:
    """Everything `plan()` needs, resolved."""

    model: ModelSpec
    model_ref: str
    workload: Workload
    slo: Slo
    constraints: Constraints
    assumptions: tuple[str, ...]


def choices(values: list[str], allowed: tuple[str, ...], flag: str) -> tuple[str, ...]:
    """Check each value against `allowed` (SpecError naming the flag otherwise); de-duplicated, in order."""
    for value in values:
        if value not in allowed:
            raise SpecError(f"unknown value for {flag}", where=flag, value=value,
                            hint="choose from " + ", ".join(allowed))
    return tuple(dict.fromkeys(values))


def speculative_flags(method: str | None, num_tokens: str | None, acceptance: str | None, model: ModelSpec,
                      runtime: Runtime) -> SpeculativeConfig | None:
    """`--speculative`, `--num-speculative-tokens` and `--acceptance-rate` as a checked configuration (None when
    speculation is off).

    Raises:
        SpecError: A flag without --speculative, or a value that is not a number in range.
    """
    if method is None:
        parse.refuse_orphans("--speculative", {"--num-speculative-tokens": num_tokens, "--acceptance-rate": acceptance},
                             "add --speculative mtp, eagle or ngram")
        return None
    k: int | None = None
    if num_tokens is not None:
        text = num_tokens.strip()
        if not (text.lstrip("-").isascii() and text.lstrip("-").isdigit() and len(text) <= 9):
            raise SpecError("must be a whole number of draft tokens", where="--num-speculative-tokens",
                            value=num_tokens, hint="e.g. --num-speculative-tokens 3")
        k = int(text)
    a: float | None = None
    if acceptance is not None:
        try:
            a = float(acceptance) if acceptance.isascii() else float("nan")
        except ValueError:
            a = float("nan")
        if a != a:  # NaN: not a number
            raise SpecError("must be a number strictly between 0 and 1", where="--acceptance-rate", value=acceptance,
                            hint="the probability one draft token is accepted, e.g. --acceptance-rate 0.7")
    return resolve_speculative(model, runtime, method, k, a)


def model_ref(model_arg: str, mf: ModelFile | None, base: Path) -> str:
    """What launch commands should name: the model.yaml repo_id, a repo id the user gave, else the path."""
    if mf and mf.repo_id:
        return mf.repo_id
    target = mf.model if mf and mf.model else model_arg
    local = (base / target) if mf else Path(target)
    if not local.exists():
        return target
    return str(local) if not str(local).startswith("-") else f"./{local}"  # a folder `-x` would read as an option


def _lengths(flag: str | None, file_value: Any, where_flag: str, where_file: str) -> LengthDistribution | None:
    if flag is not None:
        return parse.lengths(flag, where_flag)
    if file_value is not None:
        return parse.lengths(file_value, where_file)
    return None


def _shortest(dist: LengthDistribution) -> float:
    """The length every request of `dist` reaches (the mean, for a lognormal)."""
    if dist.kind == "fixed":
        return float(dist.value or 1)
    if dist.kind == "uniform":
        return float(dist.low or 1)
    if dist.kind == "lognormal":
        return float(dist.mean or 1)
    return float(min(dist.samples)) if dist.samples else 1.0


def _within_context(inputs: LengthDistribution | None, outputs: LengthDistribution | None, limit: int,
                    where_in: str, where_out: str) -> None:
    """Refuse given lengths the model's context cannot hold, rather than clipping every request silently."""
    prompt, output = _shortest(inputs) if inputs else 1.0, _shortest(outputs) if outputs else 0.0
    sampled = inputs is not None and inputs.kind == "empirical"
    if inputs is not None and prompt >= limit:
        what = f"every prompt of the sample has {prompt:,.0f} tokens or more, which does" if sampled \
            else f"prompts of {prompt:,.0f} tokens do"
        raise SpecError(f"{what} not fit the model's context of {limit:,} tokens", where=where_in,
                        hint="sample prompts that fit the context, or give --isl" if sampled
                        else "shorten the prompt lengths (--isl, or workload.input_tokens in model.yaml)")
    if outputs is not None and prompt + output > limit:
        raise SpecError(f"prompt + output = {prompt + output:,.0f} tokens exceeds the model's context of "
                        f"{limit:,} tokens", where=where_out,
                        hint="shorten the output lengths (--osl, or workload.output_tokens) or the prompts")


def resolve(model_arg: str, flags: Flags, catalog: Catalog, *, progress: bool = True) -> PlanInputs:
    """Merge model.yaml (when MODEL is one) with flags and tokenize the sample.

    Raises:
        SpecError: Missing RPS or lengths, bad units, unknown GPUs/runtimes, bad files.
    """
    path = model_path(model_arg)
    mf: ModelFile | None = None
    base = Path(".")
    if path.suffix in (".yaml", ".yml") and path.is_file():
        mf = load_model_file(path)
        base = path.parent
        model = model_from_file(mf, path)
    else:
        model = load_model(model_arg)
    wf = (mf.workload if mf else None) or WorkloadFile()
    cf = (mf.constraints if mf else None) or ConstraintsFile()
    assumptions: list[str] = []
    where = str(path) if mf else "flags"

    rps = flags.rps if flags.rps is not None else wf.rps
    if rps is None:
        raise SpecError("no request rate given", where="--rps", hint="pass --rps 20, or set workload.rps in model.yaml")
    if not (isinstance(rps, (int, float)) and 0 < rps <= limits.MAX_RPS):
        raise SpecError(f"a request rate must lie in (0, {limits.MAX_RPS:,.0f}] requests/s", value=rps,
                        where="--rps" if flags.rps is not None else f"{where}: workload.rps",
                        hint="requests per second, e.g. 20")
    sample = flags.sample or (str(base / wf.sample) if wf.sample else None)
    input_dist = _lengths(flags.isl, wf.input_tokens, "--isl", f"{where}: workload.input_tokens")
    output_dist = _lengths(flags.osl, wf.output_tokens, "--osl", f"{where}: workload.output_tokens")
    if sample:
        tokenizer = flags.tokenizer or (mf.tokenizer if mf else None)
        if tokenizer is None and path.is_dir():
            tokenizer = str(path)
        if tokenizer is None:
            raise SpecError("a prompt sample needs a tokenizer", where="--sample", value=sample,
                            hint="pass --tokenizer (tokenizer.json, .model, .tiktoken, tekken.json, a folder, "
                                 "a pkg: ref or a repo id), or set `tokenizer:` in model.yaml")
        if mf and mf.tokenizer and not flags.tokenizer and not mf.tokenizer.startswith("pkg:"):
            local = base / mf.tokenizer
            tokenizer = str(local) if local.exists() else mf.tokenizer
        from planner.io.tokens import tokenize_sample

        stats = tokenize_sample(sample, tokenizer, progress=progress, as_chat=flags.chat or wf.chat)
        if input_dist is None:
            input_dist = stats.input_tokens
            assumptions.append(f"prompt lengths from {stats.num_prompts} prompts in {Path(sample).name} tokenized "
                               f"with {tokenizer} (mean {stats.prompt_tokens_mean:.0f}, p95 "
                               f"{stats.prompt_tokens_p95:.0f})")
            if stats.chat_template_note:
                assumptions.append(stats.chat_template_note)
        if output_dist is None and stats.output_tokens is not None:
            output_dist = stats.output_tokens
            assumptions.append(f"output lengths from {stats.num_outputs} outputs in the sample")
    given = (input_dist is not None, output_dist is not None and not model.encoder_only)
    if model.encoder_only:
        output_dist = LengthDistribution.fixed(1)
        assumptions.append("prefill-only (encoder) model: one forward pass per request, no decode")
    if input_dist is None:
        input_dist = parse.lengths(DEFAULT_INPUT_TOKENS, "default input lengths")
        assumptions.append(f"no prompt sample or --isl: assumed chat-like prompts ({input_dist.describe()} tokens); "
                           "pass --sample (with --tokenizer) or --isl for a real plan")
    if output_dist is None:
        output_dist = parse.lengths(DEFAULT_OUTPUT_TOKENS, "default output lengths")
        assumptions.append(f"no output lengths in the sample or --osl: assumed {output_dist.describe()} tokens; "
                           "pass --osl or add outputs to the sample")
    limit = model.max_position_embeddings
    from_sample = f"{sample}: the sample's token counts" if sample else None
    _within_context(input_dist if given[0] else None, output_dist if given[1] else None, limit,
                    "--isl" if flags.isl else f"{where}: workload.input_tokens" if wf.input_tokens is not None
                    else from_sample or "--isl",
                    "--osl" if flags.osl else f"{where}: workload.output_tokens" if wf.output_tokens is not None
                    else from_sample or "--osl")
    input_dist = input_dist.model_copy(update={"max_tokens": min(input_dist.max_tokens or limit, limit - 1)})
    output_dist = output_dist.model_copy(update={"max_tokens": min(output_dist.max_tokens or limit, limit)})
    arrival = flags.arrival or wf.arrival
    if arrival not in ("poisson", "gamma"):
        raise SpecError("unknown arrival process", where="--arrival", value=arrival, hint="poisson or gamma")
    cv = flags.burstiness_cv if flags.burstiness_cv is not None else wf.burstiness_cv
    if flags.burstiness_cv is not None and flags.arrival is None and abs(cv - 1.0) > 1e-9:
        arrival = "gamma"
    if arrival == "poisson" and abs(cv - 1.0) > 1e-9:
        if flags.burstiness_cv is not None:  # `--arrival poisson --burstiness 3`: the CV was kept and never used
            raise SpecError(f"--burstiness {cv:g} contradicts --arrival poisson (Poisson arrivals have an "
                            "inter-arrival CV of 1)", where="--burstiness",
                            hint="drop --arrival poisson (--burstiness implies gamma), or drop --burstiness")
        cv = 1.0  # `--arrival poisson` over a file's gamma CV: the flag wins, so Poisson with its CV of 1
    share = flags.prefix_cache_share if flags.prefix_cache_share is not None else wf.prefix_cache_share
    workload = Workload(rps=rps, arrival=arrival, burstiness_cv=cv,
                        input_tokens=input_dist, output_tokens=output_dist, prefix_cache_share=share)

    # The file's targets, then the flags on top: a flag replaces the file's target of the same metric only.
    file_slo = parse.slo(mf.slo if mf else None, encoder_only=model.encoder_only, where=f"{where}: slo",
                         origin=where if mf else None)
    slo = parse.slo(flags.slo, encoder_only=model.encoder_only, where="--slo", origin="--slo", base=file_slo)

    gpus = [catalog.gpu(g, "--gpus").id for g in (flags.gpus or cf.gpus)]
    runtimes = [catalog.runtime(r, "--runtimes").id for r in (flags.runtimes or cf.runtimes)]
    quants = list(flags.quant) or list(cf.quant) or ([mf.quant] if mf and mf.quant else [])
    kvs = list(flags.kv_dtype) or list(cf.kv_dtype) or ([mf.kv_dtype] if mf and mf.kv_dtype else [])
    price_kind = flags.price_kind or cf.price_kind
    if price_kind not in ("on_demand", "spot", "reserved_1y", "reserved_3y"):
        raise SpecError("unknown price kind", where="--price-kind", value=price_kind,
                        hint="on_demand, spot, reserved_1y or reserved_3y")
    constraints = Constraints(
        gpus=tuple(dict.fromkeys(gpus)), runtimes=tuple(dict.fromkeys(runtimes)),
        quants=choices(quants, QUANTS, "--quant"), kv_dtypes=choices(kvs, KV_DTYPES, "--kv-dtype"),
        providers=tuple(p.lower() for p in (flags.providers or cf.providers)),
        price_kind=price_kind,
        max_gpus_per_replica=flags.max_gpus_per_replica or cf.max_gpus_per_replica or 8,
        budget_usd_per_month=flags.budget_usd_per_month or cf.budget_usd_per_month,
        headroom=flags.headroom if flags.headroom is not None else (cf.headroom if cf.headroom is not None else 0.2),
        confidence=flags.confidence or cf.confidence or "typical",
    )
    return PlanInputs(model=model, model_ref=model_ref(model_arg, mf, base), workload=workload, slo=slo,
                      constraints=constraints, assumptions=tuple(assumptions))
