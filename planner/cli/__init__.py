"""The `planner` command line: thin commands over the library, one catch point for errors.

Exit codes: 0 ok; 1 the answer is no (nothing feasible, a regression); 2 bad input or usage;
anything else is a bug and keeps its traceback (`PLANNER_DEBUG=1` shows it for every error).
"""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from planner.cli import calibrate, catalog, check, estimate, export, memory, plot, recommend, sweep, tokens
from planner.cli._options import set_verbosity
from planner.errors import PlannerError


class _PlannerGroup(TyperGroup):
    """Typer group whose `invoke` is the single place planner errors become exit codes."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PlannerError as exc:
            if os.environ.get("PLANNER_DEBUG", "").lower() in ("1", "true", "yes"):
                raise
            sys.stderr.write(f"Error: {exc.line()}\n")
            if exc.hint:
                sys.stderr.write(f"hint: {exc.hint}\n")
            raise typer.Exit(exc.exit_code) from None


app = typer.Typer(
    name="planner",
    cls=_PlannerGroup,
    help="Pre-deployment capacity planner for LLM inference: which GPU, runtime, batch size, "
         "replicas and cost meet your traffic and latency target.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from planner import __version__

        typer.echo(f"planner {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", "-V", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="Nothing on stderr but errors (every command).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", help="Each step and its time on stderr (every command).")]
    = False,
) -> None:
    set_verbosity(quiet, verbose, reset=True)


for _module in (recommend, check, export, plot, sweep, estimate, memory, tokens, catalog, calibrate):
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    app(prog_name="planner")
