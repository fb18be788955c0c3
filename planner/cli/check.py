"""`planner check`: a CI gate comparing a new checkpoint with a baseline plan."""

from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from planner.cli._options import (
    MAX_RPS,
    SEED_MAX,
    HeadroomOpt,
    ModelArg,
    QuietOpt,
    VerboseOpt,
    bounded_float,
    bounded_int,
    one_stdout,
    output_path,
    path_value,
    progress,
    set_verbosity,
    stdout_console,
    write_atomic,
)

EXAMPLES = """
Examples:

\b
  planner check checkpoints/v2/config.json --baseline plan.json
  planner check model.yaml --baseline plan.json --max-cost-increase 10%
  planner check org/model-v2 -b plan.json --rps 30 --slo ttft_p95=300ms -f json
  planner check model.yaml -b deploy/plan.json --format github

Exit codes: 0 pass, 1 regression (each reason printed), 2 bad input (e.g. a
baseline that is not a planner report). Traffic, SLO and constraints come from
the baseline; flags override them. In GitHub Actions, --format github prints
annotations and appends a summary to $GITHUB_STEP_SUMMARY.
"""


class CheckFormat(str, Enum):
    """Output formats of `check`."""

    text = "text"
    json = "json"
    github = "github"
    markdown = "markdown"


def check(
    model: ModelArg,
    baseline: Annotated[Path, typer.Option(
        "--baseline", "-b", help="Baseline plan: the JSON of `planner recommend -o plan.json`.", parser=path_value)],
    rps: Annotated[float | None, typer.Option(
        "--rps", parser=bounded_float(0.0001, MAX_RPS, "requests/s"), help="Target RPS (default: the baseline's).")] = None,
    slo: Annotated[list[str] | None, typer.Option(
        "--slo", help="Latency targets replacing the baseline's, repeatable: ttft_p95=300ms, tpot_p99=40ms.")] = None,
    max_cost_increase: Annotated[str | None, typer.Option(
        "--max-cost-increase", help="Fail when the cheapest plan costs more than this over the baseline: 10% or 0.1 "
                                    "(default: cost is reported, not gated).")] = None,
    headroom: HeadroomOpt = None,
    gpus: Annotated[list[str] | None, typer.Option("--gpus", help="GPUs the re-plan may use.")] = None,
    runtimes: Annotated[list[str] | None, typer.Option("--runtimes", help="Runtimes the re-plan may use.")] = None,
    quant: Annotated[list[str] | None, typer.Option("--quant", help="Weight precisions the re-plan may use.")] = None,
    kv_dtype: Annotated[list[str] | None, typer.Option("--kv-dtype", help="KV precisions the re-plan may use.")] = None,
    prices: Annotated[Path | None, typer.Option("--prices", help="YAML of your own GPU-hour prices.", parser=path_value)] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", parser=bounded_int(0, SEED_MAX, "seed"), help="Simulation seed (default: the baseline's).")] = None,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Also write the result (JSON; Markdown if it ends in .md).", parser=output_path)] = None,
    format: Annotated[CheckFormat, typer.Option("--format", "-f", help="stdout format.")] = CheckFormat.text,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Check a new checkpoint against a baseline plan: does the deployment still fit and meet the SLO, at what cost?"""
    set_verbosity(quiet, verbose)
    to_stdout = one_stdout(output, format is not CheckFormat.text, inputs=(model, baseline, prices))
    from planner.check import check as run_check
    from planner.check import check_inputs
    from planner.cli._options import print_json
    from planner.io import parse
    from planner.io.catalog import Catalog
    from planner.io.inputs import KV_DTYPES, QUANTS, choices
    from planner.io.parse import csv_list, parse_fraction
    from planner.io.plans import load_checkpoint, load_report
    from planner.render import check as render
    from planner.render.check import to_data, to_json

    limit = parse_fraction(max_cost_increase) if max_cost_increase is not None else None
    report = load_report(baseline)
    catalog = Catalog.load(tables=False)
    if prices is not None:
        catalog = catalog.with_prices(prices)
    spec, ref = load_checkpoint(model)
    catalog = catalog.with_tables(spec)
    inputs = check_inputs(
        report, spec, catalog, rps=rps, headroom=headroom, seed=seed,
        slo=parse.slo(list(slo), encoder_only=spec.encoder_only) if slo else None,
        gpus=tuple(csv_list(gpus, "--gpus")), runtimes=tuple(csv_list(runtimes, "--runtimes")),
        quants=choices(csv_list(quant, "--quant"), QUANTS, "--quant"), kv_dtypes=choices(csv_list(kv_dtype, "--kv-dtype"), KV_DTYPES,
                                                                                   "--kv-dtype"))
    with progress("re-planning the new checkpoint against the baseline"):
        result = run_check(report, spec, catalog, inputs, model_ref=ref, max_cost_increase=limit)
    if output is not None:
        write_atomic(output, render.to_markdown(result) if output.suffix == ".md" else to_json(result),
                     inputs=(model, baseline, prices))
    if to_stdout:
        pass  # -o - printed the result already
    elif format is CheckFormat.json:
        print_json(to_data(result))
    elif format is CheckFormat.markdown:
        typer.echo(render.to_markdown(result), nl=False)
    elif format is CheckFormat.github:
        typer.echo(render.github_commands(result), nl=False)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            from planner.io.files import append_text

            append_text(Path(summary), render.to_markdown(result), "$GITHUB_STEP_SUMMARY", "append the summary")
    else:
        stdout_console().print(render.terminal(result))
    if not result.passed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `check` to the app."""
    app.command(epilog=EXAMPLES)(check)
