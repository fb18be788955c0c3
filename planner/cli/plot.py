"""`planner plot`: the pictures of a saved plan (also `planner recommend --plot DIR`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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


def check_plot_directory(directory: Path, where: str = "--plot") -> None:
    """Refuse a plot directory that cannot hold the figures, before any work: `-` (standard output), or a path that
    exists and is not a directory (a file, a device; a symlink to one)."""
    from planner.errors import SpecError

    if str(directory) == "-":  # `-o -` means standard output elsewhere; it cannot hold six files
        raise SpecError("plots are PNG and SVG files in a directory; `-` (standard output) cannot hold them",
                        where=where, value="-", hint="name a directory, e.g. plots/ (`./-` if you mean one called -)")
    path = directory.expanduser()
    if (path.exists() or path.is_symlink()) and not path.is_dir():
        raise SpecError("the plot directory exists and is not a directory", where=where, value=str(directory),
                        hint="name a new or existing directory, e.g. plots/")


def write_plots(report: Report, directory: Path, where: str = "--plot") -> list[Path]:
    """Save the plan's figures as PNG and SVG in `directory` (created), each file written whole or not at all.

    A figure's name that exists and is not a regular file (a directory, a device, a FIFO, a symlink to one) is
    refused and left alone; a symlink to a regular file has its target replaced, never the link. `where` is the
    flag that named the directory, for errors.
    """
    from planner.errors import SpecError
    from planner.io.files import output_target, replace_file
    from planner.render.plots import figures

    check_plot_directory(directory, where)
    figs = figures(report)
    directory = directory.expanduser()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SpecError(f"cannot create the plot directory: {exc.strerror}", where=where, value=str(directory),
                        hint="choose a writable directory") from None
    # Every name is checked before any file is written: a refusal leaves nothing half-drawn.
    hint = "remove it, or choose another directory"
    targets = {directory / f"{name}.{ext}": output_target(directory / f"{name}.{ext}", where, subject="a plot file's name",
                                                          noun="plot", in_place_ok=False, hint=hint)
               for name in figs for ext in ("png", "svg")}
    written = []
    for name, fig in figs.items():
        for ext in ("png", "svg"):
            path = directory / f"{name}.{ext}"

            def draw(tmp: str, fig: Any = fig, ext: str = ext) -> None:
                fig.savefig(tmp, format=ext, dpi=110)

            replace_file(targets[path], draw, where, noun="plot", shown=path)
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

    check_plot_directory(output, "-o")
    for path in write_plots(load_report(plan), output, "-o"):
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add `plot` to the app."""
    app.command(epilog=EXAMPLES)(plot)
