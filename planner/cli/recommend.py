"""`planner recommend` (the main job) and `planner schema`."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from planner.cli._options import (
    MAX_GPUS_PER_REPLICA,
    MAX_RPS,
    HeadroomOpt,
    ModelArg,
    QuietOpt,
    SeedOpt,
    VerboseOpt,
    Verbosity,
    bounded_float,
    bounded_int,
    choice,
    one_stdout,
    output_path,
    path_value,
    print_json,
    progress,
    set_verbosity,
    show_progress,
    stdout_console,
    write_atomic,
)

if TYPE_CHECKING:
    from planner.specs.workload import Confidence

EXAMPLES = """
Examples:

  planner recommend examples/chat-llama-3.1-8b/model.yaml

  planner recommend examples/chat-llama-3.1-8b/model.yaml --slo p95=80ms --rps 20

  planner recommend examples/models/llama-3.1-70b --rps 5 --isl 4000:0.5 --osl 300 --slo ttft_p95=2s --slo tpot_p99=60ms

  planner recommend model.yaml --gpus h100,l40s --runtimes vllm,sglang --budget-usd-per-month 20000 -o plan.json

  planner recommend model.yaml --format markdown >> "$GITHUB_STEP_SUMMARY"

  planner recommend examples/chat-llama-3.1-8b/model.yaml --plot plots/
"""

SCHEMA_EXAMPLES = """
Examples:

  planner schema > report.schema.json
"""


class ReportFormat(str, Enum):
    """Output formats of `recommend`."""

    table = "table"
    json = "json"
    markdown = "markdown"


def recommend(
    model: ModelArg,
    rps: Annotated[float | None, typer.Option("--rps", parser=bounded_float(0.0001, MAX_RPS, "requests/s"),
                                                     help="Target requests per second.")] = None,
    slo: Annotated[list[str] | None, typer.Option(
        "--slo", help="Latency target, repeatable: ttft_p95=300ms, tpot_p99=40ms, e2e_p95=4s; bare p95=80ms "
                      "means TTFT p95 (end-to-end for prefill-only models).")] = None,
    sample: Annotated[str | None, typer.Option("--sample", help="Prompt sample (.txt/.jsonl/.json).")] = None,
    tokenizer: Annotated[str | None, typer.Option(
        "--tokenizer", "-t", help="Tokenizer for the sample (file, folder, pkg: ref or repo id).")] = None,
    chat: Annotated[bool, typer.Option("--chat", help="Apply the chat template to plain-text prompts.")] = False,
    isl: Annotated[str | None, typer.Option(
        "--isl", help="Prompt tokens: 512 (fixed), 512:0.8 (lognormal mean:cv) or 128-2048 (uniform).")] = None,
    osl: Annotated[str | None, typer.Option("--osl", help="Output tokens, same forms as --isl.")] = None,
    arrival: Annotated[str | None, typer.Option("--arrival", help="poisson (default) or gamma.")] = None,
    burstiness: Annotated[float | None, typer.Option(
        "--burstiness", parser=bounded_float(0.01, 10, "inter-arrival CV"), help="Inter-arrival CV (1 = Poisson; > 1 bursty; implies gamma).")] = None,
    prefix_cache_share: Annotated[float | None, typer.Option(
        "--prefix-cache-share", parser=bounded_float(0, 0.99, "fraction"), help="Fraction of prompt tokens found in the prefix cache.")] = None,
    gpus: Annotated[list[str] | None, typer.Option("--gpus", help="GPUs to consider, comma-separated.")] = None,
    runtimes: Annotated[list[str] | None, typer.Option("--runtimes", help="Runtimes to consider.")] = None,
    quant: Annotated[list[str] | None, typer.Option("--quant", help="Weight precisions to consider.")] = None,
    kv_dtype: Annotated[list[str] | None, typer.Option("--kv-dtype", help="KV precisions to consider.")] = None,
    provider: Annotated[list[str] | None, typer.Option("--provider", help="Price providers to use.")] = None,
    price_kind: Annotated[str | None, typer.Option(
        "--price-kind", help="on_demand (default), spot, reserved_1y or reserved_3y.")] = None,
    prices: Annotated[Path | None, typer.Option("--prices", help="YAML of your own GPU-hour prices.", parser=path_value)] = None,
    max_gpus_per_replica: Annotated[int | None, typer.Option(
        "--max-gpus-per-replica", parser=bounded_int(1, MAX_GPUS_PER_REPLICA, "GPUs"))] = None,
    budget_usd_per_month: Annotated[float | None, typer.Option(
        "--budget-usd-per-month", parser=bounded_float(0.01, 1e12, "USD/month"))] = None,
    headroom: HeadroomOpt = None,
    confidence: Annotated[str | None, typer.Option(
        "--confidence", help="typical: size replicas on the predicted latencies; high: every SLO must also hold at "
                             "the pessimistic end of the prediction's error band.")] = None,
    seed: SeedOpt = 0,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Also write the report (JSON; Markdown if it ends in .md).", parser=output_path)] = None,
    format: Annotated[ReportFormat, typer.Option("--format", "-f", help="stdout format.")] = ReportFormat.table,
    plot: Annotated[Path | None, typer.Option(
        "--plot", help="Also draw the plan into this directory: latency, cost and memory as PNG and SVG "
                       "(needs the `plot` extra); the three best alternatives then get load curves too, in the "
                       "report as well.", parser=path_value)] = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Recommend GPU, runtime, precision, batch limits and replicas that meet the SLO at the lowest cost."""
    set_verbosity(quiet, verbose)
    to_stdout = one_stdout(output, format is not ReportFormat.table, inputs=(model, prices, sample))
    if plot is not None:
        from planner.cli.plot import check_plot_directory

        check_plot_directory(plot)
    from planner.io.catalog import Catalog
    from planner.io.inputs import Flags, resolve
    from planner.io.parallel import ForkMap
    from planner.io.parse import csv_list
    from planner.plan import CURVED_ALTERNATIVES, plan
    from planner.render.report import terminal, to_data, to_json, to_markdown
    catalog = Catalog.load(tables=False)  # the tables are read once the model is known
    if prices is not None:
        catalog = catalog.with_prices(prices)
    flags = Flags(rps=rps, arrival=arrival, burstiness_cv=burstiness, sample=sample, tokenizer=tokenizer, chat=chat,
                  isl=isl, osl=osl, prefix_cache_share=prefix_cache_share, slo=list(slo or []),
                  gpus=csv_list(gpus, "--gpus"), runtimes=csv_list(runtimes, "--runtimes"),
                  quant=csv_list(quant, "--quant"), kv_dtype=csv_list(kv_dtype, "--kv-dtype"),
                  providers=csv_list(provider, "--provider"), price_kind=price_kind,
                  max_gpus_per_replica=max_gpus_per_replica, budget_usd_per_month=budget_usd_per_month,
                  headroom=headroom,
                  confidence=cast("Confidence | None", choice(confidence, ("typical", "high"), "--confidence")))
    with progress("reading the model and the traffic (tokenizing the sample)", spinner=False):
        inputs = resolve(model, flags, catalog, progress=show_progress())  # its own bar while tokenizing
    c = inputs.constraints
    catalog = catalog.with_tables(inputs.model)
    gpu_list, runtime_list = catalog.select(c)
    with progress(f"searching {len(gpu_list)} GPUs x {len(runtime_list)} runtimes (simulating the candidates)"):
        report = plan(
            inputs.model, inputs.workload, inputs.slo, gpu_list, runtime_list, c, model_ref=inputs.model_ref,
            seed=seed, calibrations=catalog.calibrations, uncertainty=catalog.uncertainty,
            assumptions=[*inputs.assumptions, *filter(None, [catalog.unsearched(c)])], map_fn=ForkMap(),
            curved_alternatives=CURVED_ALTERNATIVES if plot is not None else 0,  # only the plots draw theirs
        )
    if output is not None:
        write_atomic(output, to_markdown(report) if output.suffix == ".md" else to_json(report),
                     inputs=(model, prices, sample))
    if plot is not None:
        from planner.cli.plot import write_plots

        with progress("drawing the plots"):
            written = write_plots(report, plot)
        if not Verbosity.quiet:
            sys.stderr.write(f"plots: {', '.join(str(p) for p in written)}\n")
    if to_stdout:
        pass  # -o - printed the report already
    elif format is ReportFormat.json:
        print_json(to_data(report))
    elif format is ReportFormat.markdown:
        typer.echo(to_markdown(report), nl=False)
    else:
        stdout_console().print(terminal(report))
    if report.recommendation is None:
        raise typer.Exit(1)


def schema() -> None:
    """Print the JSON Schema of the recommend report (`--format json`, `-o plan.json`)."""
    from planner.specs.report import Report
    typer.echo(json.dumps(Report.model_json_schema(), indent=2, sort_keys=True))


def register(app: typer.Typer) -> None:
    """Add `recommend` and `schema` to the app."""
    app.command(epilog=EXAMPLES)(recommend)
    app.command(epilog=SCHEMA_EXAMPLES)(schema)
