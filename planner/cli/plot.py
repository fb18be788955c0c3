"""`planner plot`: the pictures of a saved plan (also `planner recommend --plot DIR`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from planner.cli._options import QuietOpt, VerboseOpt, path_value, set_verbosity

if TYPE_CHECKING:
    from planner.specs.report import Report

EXAMPLES = """
Examples:

\b
  planner plot plan.json -o plots/
  planner recommend examples/chat-llama-3.1-8b/model.yaml --plot plots/

Writes latency.{png,svg} (TTFT and TPOT against requests/s per replica, SLO
lines, capacity knees), cost.{png,svg} (cost per month against TTFT p95 for
every simulated deployment, the Pareto front marked) and memory.{png,svg}
(per-GPU memory breakdown). Needs matplotlib: pip install 'planner[plot]'.
"""


def write_plots(report: Report, directory: Path) -> list[Path]:
    """Save the plan's figures as PNG and SVG in `directory` (created), each file written whole or not at all."""
    from planner.errors import SpecError
    from planner.render.plots import figures

    figs = figures(report)
    directory = directory.expanduser()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpecError(f"cannot create the plot directory: {exc.strerror}", where="--plot", value=str(directory),
                        hint="choose a writable directory") from None
    written = []
    for name, fig in figs.items():
        for ext in ("png", "svg"):
            path = directory / f"{name}.{ext}"
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=f".{ext}")
            os.close(fd)
            os.chmod(tmp, 0o644)  # mkstemp makes it private; plots are ordinary files
            try:
                fig.savefig(tmp, format=ext, dpi=110)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            written.append(path)
    return written


def plot(
    plan: Annotated[Path, typer.Argument(metavar="PLAN", help="Plan JSON written by `planner recommend -o plan.json`.", parser=path_value)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Directory for the PNG and SVG files.", parser=path_value)] = Path("."),
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Draw a plan: latency against load, cost against latency (Pareto front), memory per GPU (PNG and SVG)."""
    set_verbosity(quiet, verbose)
    from planner.io.plans import load_report

    for path in write_plots(load_report(plan), output):
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add `plot` to the app."""
    app.command(epilog=EXAMPLES)(plot)
