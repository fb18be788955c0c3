"""`planner estimate`: latency and throughput of one deployment under one load."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer

from planner.cli._options import (
    MAX_RPS,
    MAX_SEQS,
    MAX_TOKENS,
    AcceptanceRateOpt,
    DecodeTpOpt,
    DisaggOpt,
    DpSizeOpt,
    EpSizeOpt,
    FormatOpt,
    GpuOpt,
    KvDtypeOpt,
    ModelArg,
    NumSpeculativeTokensOpt,
    PpOpt,
    PrefillTpOpt,
    QuantOpt,
    RuntimeOpt,
    SeedOpt,
    SpeculativeOpt,
    TableOrJson,
    TpOpt,
    bounded_float,
    bounded_int,
    choice,
    path_value,
    print_json,
    stdout_console,
)
from planner.cli.memory import KV_DTYPES, QUANTS
from planner.errors import SpecError

if TYPE_CHECKING:
    from planner.estimate import LoadSpec

EXAMPLES = """
Examples:

  planner estimate examples/models/llama-3.1-8b --gpu h100 --runtime vllm --isl 1000 --osl 200 --concurrency 32

  planner estimate examples/models/llama-3.1-70b --gpu h200 --tp 4 --runtime trtllm --quant fp8 --isl 2048 --osl 128 --concurrency max

  planner estimate examples/models/mixtral-8x7b --gpu h100 --tp 2 --runtime sglang --isl 512 --osl 256 --batch 64

  planner estimate examples/models/deepseek-r1 --gpu h200 --tp 8 --runtime sglang --isl 1000 --osl 2000 --concurrency 1 --speculative mtp --num-speculative-tokens 3

  planner estimate examples/models/llama-3.1-70b --gpu h200 --tp 2 --runtime sglang --isl 4000 --osl 500 --rps 4 --disagg 1:3

  planner estimate examples/models/llama-3.1-8b --gpu l40s --runtime vllm --isl 800 --osl 150 --rps 4 --format json
"""


def _load(concurrency: str | None, batch: int | None, rps: float | None, burst: int | None,
          num_requests: int | None, **common: Any) -> LoadSpec:
    from planner.estimate import LoadSpec
    given = [name for name, value in (("--concurrency", concurrency), ("--batch", batch), ("--rps", rps),
                                      ("--burst", burst)) if value is not None]
    if len(given) != 1:
        raise SpecError("give exactly one of --concurrency, --batch, --rps and --burst", where=" ".join(given) or "load",
                        hint="--concurrency 32 (closed loop), --concurrency max (offline), --batch 8, --rps 5, --burst 100")
    if batch is not None:
        return LoadSpec(kind="batch", value=batch, **common)
    if burst is not None:
        return LoadSpec(kind="burst", value=burst, **common)
    if rps is not None:
        return LoadSpec(kind="rps", value=rps, num_requests=num_requests, **common)
    assert concurrency is not None
    if concurrency.lower() == "max":
        return LoadSpec(kind="offline", num_requests=num_requests, **common)
    if not (concurrency.isascii() and concurrency.isdigit() and len(concurrency) <= 9) \
            or not 1 <= int(concurrency) <= MAX_SEQS:
        raise SpecError("--concurrency must be a positive integer or `max`", where="--concurrency",
                        value=concurrency, hint=f"a whole number of requests up to {MAX_SEQS:,} in ASCII digits, "
                                                "e.g. --concurrency 64, or --concurrency max for offline throughput")
    return LoadSpec(kind="concurrency", value=int(concurrency), num_requests=num_requests, **common)


def estimate_cmd(
    model: ModelArg,
    gpu: GpuOpt,
    isl: Annotated[int, typer.Option("--isl", parser=bounded_int(1, MAX_TOKENS, "tokens"),
                                    help="Input (prompt) tokens per request.")],
    osl: Annotated[int, typer.Option("--osl", parser=bounded_int(1, MAX_TOKENS, "tokens"),
                                    help="Output tokens per request.")],
    runtime: RuntimeOpt = "vllm",
    tp: TpOpt = 1,
    pp: PpOpt = 1,
    dp_size: DpSizeOpt = 1,
    ep_size: EpSizeOpt = None,
    quant: QuantOpt = None,
    kv_dtype: KvDtypeOpt = "auto",
    speculative: SpeculativeOpt = None,
    num_speculative_tokens: NumSpeculativeTokensOpt = None,
    acceptance_rate: AcceptanceRateOpt = None,
    disagg: DisaggOpt = None,
    prefill_tp: PrefillTpOpt = None,
    decode_tp: DecodeTpOpt = None,
    concurrency: Annotated[str | None, typer.Option(
        "--concurrency", "-c", help="Requests always in flight (closed loop), or `max` for offline throughput.")] = None,
    batch: Annotated[int | None, typer.Option("--batch", "-b", parser=bounded_int(1, MAX_SEQS, "requests"),
                                              help="Static batch of requests that start together.")] = None,
    rps: Annotated[float | None, typer.Option(
        "--rps", parser=bounded_float(0.0001, MAX_RPS, "requests/s"), help="Open-loop arrival rate, requests/s.")] = None,
    burst: Annotated[int | None, typer.Option(
        "--burst", parser=bounded_int(1, MAX_SEQS, "requests"), help="N requests sent at once.")] = None,
    arrival: Annotated[str, typer.Option("--arrival", help="With --rps: poisson, or gamma (bursty, see --burstiness).")
                       ] = "poisson",
    burstiness: Annotated[float, typer.Option("--burstiness", parser=bounded_float(0.01, 10, "inter-arrival CV"),
                                              help="With --arrival gamma: inter-arrival CV (> 1 burstier).")] = 1.0,
    prefix_cache_share: Annotated[float, typer.Option(
        "--prefix-cache-share", parser=bounded_float(0, 0.99, "fraction"), help="Fraction of each prompt served from the prefix cache.")] = 0.0,
    max_concurrency: Annotated[int | None, typer.Option(
        "--max-concurrency", parser=bounded_int(1, MAX_SEQS, "requests"),
        help="With --rps: the client keeps at most N requests unanswered.")] = None,
    in_process: Annotated[bool, typer.Option(
        "--in-process", help="The engine called in-process (vLLM's LLM.generate or benchmark_throughput/latency, "
                             "SGLang's offline engine, trtllm-bench): no API server in the request path.")] = False,
    num_requests: Annotated[int | None, typer.Option(
        "--num-requests", parser=bounded_int(1, 100_000, "requests"), help="Requests in the simulated run (default: enough for a steady state).")] = None,
    max_num_seqs: Annotated[int | None, typer.Option(
        "--max-num-seqs", parser=bounded_int(1, MAX_SEQS, "sequences"), help="Scheduler cap on running sequences (default: the runtime's).")] = None,
    seed: SeedOpt = 0,
    calibration: Annotated[Path | None, typer.Option(
        "--calibration", help="Calibration profile JSON from `planner calibrate` (default: the newest shipped "
                              "profile of this GPU, else the runtime's default efficiencies).", parser=path_value)] = None,
    format: FormatOpt = TableOrJson.table,
) -> None:
    """Predict TTFT, TPOT, end-to-end latency and throughput of one deployment under one load."""
    from planner.core.compat import make_deployment
    from planner.core.disagg import with_disagg
    from planner.core.efficiency import efficiency_from_profile
    from planner.estimate import estimate
    from planner.io.calibration import load_profile
    from planner.io.catalog import Catalog
    from planner.io.disagg import disagg_flags
    from planner.io.inputs import speculative_flags
    from planner.io.loaders import load_model
    from planner.render.views import estimate_json, estimate_view
    from planner.specs.runtime import KvDtype, Quant
    from planner.specs.workload import LengthDistribution
    arrival_kind = choice(arrival, ("poisson", "gamma"), "--arrival")
    if rps is None and (arrival_kind == "gamma" or burstiness != 1.0):  # they shape open-loop arrivals only
        raise SpecError("--arrival gamma and --burstiness apply only with --rps", where="--arrival/--burstiness",
                        hint="give --rps N for an open loop, or drop them (--concurrency, --batch and --burst set "
                             "their own arrivals)")
    if arrival_kind == "poisson" and burstiness != 1.0:
        raise SpecError(f"--burstiness {burstiness:g} applies only with --arrival gamma (Poisson arrivals have an "
                        "inter-arrival CV of 1)", where="--burstiness", hint="add --arrival gamma, or drop --burstiness")
    if max_concurrency is not None and rps is None:
        raise SpecError("--max-concurrency caps an open loop", where=f"--max-concurrency {max_concurrency}",
                        hint="give --rps too, or use --concurrency N for a closed loop")
    load = _load(concurrency, batch, rps, burst, num_requests, arrival=arrival_kind, burstiness_cv=burstiness,
                 prefix_cache_share=prefix_cache_share, max_concurrency=max_concurrency, in_process=in_process)
    spec = load_model(model)
    catalog = Catalog.load(tables=False).with_tables(spec)
    if isl + osl > spec.max_position_embeddings:
        raise SpecError(f"--isl + --osl = {isl + osl:,} tokens exceeds the model's context of "
                        f"{spec.max_position_embeddings:,} tokens", where="--isl/--osl",
                        hint="shorten the prompt or the output; the model cannot hold a longer sequence")
    rt = catalog.runtime(runtime)
    pd_config = disagg_flags(disagg, tp, prefill_tp, decode_tp)
    if pd_config is not None and spec.encoder_only:  # it was simulated as if the encoder had a decode pool
        raise SpecError("an encoder has no decode phase; prefill/decode disaggregation does not apply",
                        where="--disagg", value=disagg, hint="drop --disagg: an encoder request is one prefill")
    spec_config = speculative_flags(choice(speculative, ("mtp", "eagle", "ngram"), "--speculative"),
                                    num_speculative_tokens, acceptance_rate, spec, rt)
    dep = make_deployment(
        spec, catalog.gpu(gpu), rt, tp_size=tp, pp_size=pp, dp_size=dp_size, ep_size=ep_size,
        speculative=spec_config,
        quant=cast(Quant | None, choice(quant, QUANTS, "--quant")),
        kv_dtype=cast(KvDtype, choice(kv_dtype, KV_DTYPES, "--kv-dtype")),
        max_num_seqs=max_num_seqs, max_model_len=isl + osl,
    )
    if pd_config is not None:
        dep = with_disagg(dep, pd_config)
    efficiency = efficiency_from_profile(dep, load_profile(calibration)) if calibration else catalog.efficiency_for(dep)
    result = estimate(dep, LengthDistribution.fixed(isl), LengthDistribution.fixed(osl), load,
                      efficiency=efficiency, seed=seed, uncertainty=catalog.uncertainty)
    if format is TableOrJson.json:
        print_json(estimate_json(result))
    else:
        stdout_console().print(estimate_view(result))


def register(app: typer.Typer) -> None:
    """Add `estimate` to the app."""
    app.command("estimate", epilog=EXAMPLES)(estimate_cmd)
