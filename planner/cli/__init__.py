"""The `planner` command line: thin commands over the library, one catch point for errors.

Exit codes: 0 ok; 1 the answer is no (nothing feasible, a regression); 2 bad input or usage (one
`Error:` line and one `hint:` line); 3 an internal error, a bug (one line; `PLANNER_DEBUG=1` shows the
traceback, for every error); 130 interrupted (SIGINT), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import copy
import functools
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn

import typer
from typer._click import exceptions as click  # typer >= 0.22 vendors click as typer._click
from typer.core import TyperGroup

from planner.cli import _streams, calibrate, catalog, check, estimate, export, memory, plot, recommend, sweep, tokens
from planner.cli._options import set_verbosity
from planner.errors import PlannerError

INTERNAL_ERROR_EXIT = 3
"""Exit code of an unexpected exception: never 1 ("the answer is no") or 2 ("bad input"), so CI can tell."""


def _debug() -> bool:
    return os.environ.get("PLANNER_DEBUG", "").lower() in ("1", "true", "yes")


_LONG_RUN = 120
"""Characters without a space beyond which an error line shows a value cut in the middle (a 5,000-character flag
value was echoed whole)."""


def _compact(line: str) -> str:
    """`line` with every run of more than `_LONG_RUN` non-space characters cut to its start and end."""
    import re

    def cut(match: re.Match[str]) -> str:
        text = match.group(0)
        return f"{text[:60]}...[{len(text) - 80:,} characters]...{text[-20:]}"

    return re.sub(rf"\S{{{_LONG_RUN + 1},}}", cut, line)


def _fail(line: str, hint: str | None, code: int) -> NoReturn:
    sys.stderr.write(f"Error: {_compact(line)}\n")
    if hint:
        sys.stderr.write(f"hint: {hint}\n")
    sys.exit(code)


def _usage_hint(exc: click.UsageError, command_path: str = "planner") -> str:
    """The hint of a usage error; `command_path` names the command when click gives no context (an option missing
    its value is reported by the parser, without one: `planner gpus -f` pointed at `planner --help`)."""
    ctx = exc.ctx
    command = ctx.command_path if ctx is not None else command_path
    param = getattr(exc, "param", None)
    flag = (param.opts[0] if param.opts else param.human_readable_name) if param is not None else None
    if getattr(exc, "hint", None):
        return str(exc.hint)  # type: ignore[attr-defined]
    if isinstance(exc, click.BadParameter) and flag and not isinstance(exc, click.MissingParameter):
        if "is not one of" in exc.format_message():
            return f"choose one of the values listed for {flag}"
        if "is not a path" in exc.format_message():
            return f"give {flag} a file or directory name (`.` is the working directory)"
        return f"give {flag} a value in its range and unit; `{command} --help` describes it"
    return f"see `{command} --help` for the options and examples"


def _usage_line(exc: click.ClickException) -> str:
    """Click's message on one line (it sometimes spans several)."""
    return " ".join(exc.format_message().split())


class _PlannerGroup(TyperGroup):
    """Typer group whose `invoke` and `main` are the single place errors become exit codes."""

    def invoke(self, ctx: Any) -> Any:
        files = sys.modules.get("planner.io.files")
        if files is not None:  # the inputs an earlier command of this process read (tests, CliRunner) are not ours
            files.INPUTS_READ.clear()
        try:
            return super().invoke(ctx)
        except PlannerError as exc:
            if _debug():
                raise
            command = " ".join(filter(None, (ctx.command_path, ctx.invoked_subcommand)))
            fallback = exc.exit_code == 2  # bad input always gets a next step
            hint = exc.hint or (f"see `{command} --help`" if fallback else None)
            if isinstance(exc, _streams.StdoutError):
                _streams.close_quietly()  # what is still buffered for stdout goes nowhere, not into a second error
            _fail(exc.line(), hint, exc.exit_code)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        run = functools.partial(super().main, args, prog_name, complete_var, standalone_mode=False,
                                windows_expand_args=windows_expand_args, **extra)
        if not standalone_mode:
            return run()
        try:
            rv = run()
        except click.NoArgsIsHelpError as exc:
            exc.show()  # the help text, as click prints it, then the usual two lines
            _fail("missing command", "name one of the commands listed above, e.g. `planner recommend --help`", 2)
        except click.UsageError as exc:
            words = list(sys.argv[1:] if args is None else args)
            named = next((w for w in words if not w.startswith("-")), None)
            path = f"planner {named}" if named in self.commands else "planner"
            _fail(_usage_line(exc), _usage_hint(exc, path), 2)
        except click.ClickException as exc:
            _fail(_usage_line(exc), "check the option values", 2)
        except typer.Abort:
            _fail("aborted", None, 130)
        except PlannerError as exc:  # with PLANNER_DEBUG=1, or raised outside a command (stdout closed for --help)
            if _debug():
                traceback.print_exc()
                sys.exit(exc.exit_code)
            if isinstance(exc, _streams.StdoutError):
                _streams.close_quietly()
            _fail(exc.line(), exc.hint, exc.exit_code)
        except Exception as exc:  # the one catch point of bugs
            if _debug():
                traceback.print_exc()
                sys.exit(INTERNAL_ERROR_EXIT)
            detail = " ".join(str(exc).split())[:200]
            _fail(f"internal error: {type(exc).__name__}{': ' + detail if detail else ''}",
                  "this is a bug in planner, not in your input: rerun with PLANNER_DEBUG=1 for the traceback "
                  "and report it", INTERNAL_ERROR_EXIT)
        sys.exit(rv if isinstance(rv, int) else 0)


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


def _terminate(signum: int, frame: object) -> None:
    """SIGTERM unwinds like SIGINT, so `finally` blocks (temp-file cleanup) run."""
    raise SystemExit(128 + signum)


def for_args(args: Sequence[str]) -> typer.Typer:
    """The app to run `planner ARGS` with: when the first argument names a command, a copy holding only that one.

    Typer builds every registered command's options (reading each function's signature and annotations) before it
    parses anything: ~0.02 s for the twelve, of which one runs. Root options, help, completion and unknown names
    take the whole app, so what a user sees is the same either way."""
    if not args or os.environ.get("_PLANNER_COMPLETE"):
        return app
    chosen = [c for c in app.registered_commands
              if c.callback is not None and (c.name or typer.main.get_command_name(c.callback.__name__)) == args[0]]
    if len(chosen) != 1:
        return app
    one = copy.copy(app)
    one.registered_commands = chosen
    return one


def main() -> None:
    """Console-script entry point."""
    signal.signal(signal.SIGTERM, _terminate)
    _streams.guard()
    try:
        for_args(sys.argv[1:])(prog_name="planner")
    except SystemExit as exc:
        if isinstance(exc.code, int) or exc.code is None:
            _leave(exc.code or 0)
        raise
    _leave(0)


def _leave(code: int) -> None:
    """End the process once its output is flushed, without the interpreter's teardown: after a search that is
    ~0.06 s of freeing every object one by one, for nothing. The ordinary exit (returning) stays where something
    may still need it: another thread still running, torch loaded (its exit handlers), or output that did not
    flush (a closed pipe; Python's own exit reports it as it always does)."""
    import threading

    if threading.active_count() > 1 or "torch" in sys.modules:
        sys.exit(code)
    try:
        sys.stdout.flush()
    except PlannerError as exc:  # the last of the output did not reach stdout (a full disk, a closed pipe)
        _streams.close_quietly()
        sys.stderr.write(f"Error: {exc.line()}\nhint: {exc.hint}\n")
        code = 2
    except (OSError, ValueError):
        sys.exit(code)
    sys.stderr.flush()
    os._exit(code)
