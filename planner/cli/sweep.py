"""`planner sweep`: plan a matrix of checkpoints x traffic x SLO into one table."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from planner.cli._options import (
    QuietOpt,
    VerboseOpt,
    bounded_int,
    check_output,
    long_running,
    output_path,
    path_value,
    progress,
    set_verbosity,
    write_atomic,
)

EXAMPLES = """
Examples:

\b
  planner sweep matrix.yaml
  planner sweep matrix.yaml --format csv -o sweep.csv --workers 8
  planner sweep matrix.yaml --ray ray://head:10001 --format json

Matrix file:

\b
  checkpoints: [examples/models/llama-3.1-8b, examples/models/qwen3-8b]
  traffic:
    - {name: chat, rps: 10, isl: "700:0.8", osl: "200:0.6"}
  slo:
    - {name: interactive, targets: {ttft_p95: 300ms, tpot_p99: 50ms}}
  constraints: {gpus: [l40s, h100-sxm], runtimes: [vllm, sglang]}

Cells run on a local process pool (--workers, default: the CPU count), or on a
Ray cluster with --ray ADDRESS (`local` starts one here; pip install
'planner[sweep]'; planner must be installed on every node). A cell that is
infeasible or has bad input is a row with its reason; exit 1 when no cell
found a deployment.
"""


class SweepFormat(str, Enum):
    """stdout formats of `sweep`."""

    markdown = "markdown"
    csv = "csv"
    json = "json"


def sweep(
    matrix: Annotated[Path, typer.Argument(metavar="MATRIX", help="Matrix YAML/JSON (see below).", parser=path_value)],
    format: Annotated[SweepFormat, typer.Option("--format", "-f", help="Table format.")] = SweepFormat.markdown,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the table here (atomically).", parser=output_path)] = None,
    workers: Annotated[int | None, typer.Option("--workers", "-j", parser=bounded_int(1, 1_024, "processes"),
                                                    help="Local worker processes.")] = None,
    ray: Annotated[str | None, typer.Option(
        "--ray", help="Ray cluster address (ray://host:10001, auto, or local) instead of the local pool.")] = None,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Plan every checkpoint x traffic x SLO of a matrix into one table (CSV, JSON or Markdown)."""
    set_verbosity(quiet, verbose)
    long_running()
    check_output(output, inputs=(matrix,))
    from planner.render import sweep as render
    from planner.sweep import load_matrix, run

    cells = load_matrix(matrix)
    with progress(f"planning {len(cells)} cells" + (f" on Ray ({ray})" if ray else "")):
        rows = run(cells, workers=workers, ray_address=ray)
    text = {SweepFormat.csv: render.to_csv, SweepFormat.json: render.to_json,
            SweepFormat.markdown: render.to_markdown}[format](rows)
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_atomic(output, text, inputs=(matrix,))
    if not any(r.status == "ok" for r in rows):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `sweep` to the app."""
    app.command(epilog=EXAMPLES)(sweep)
