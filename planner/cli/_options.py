"""Shared Typer option aliases and output helpers for the command modules."""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from planner.specs.limits import MAX_GPUS_PER_REPLICA as MAX_GPUS_PER_REPLICA
from planner.specs.limits import MAX_RPS as MAX_RPS  # the bounds flags share with plan and model.yaml checks
from planner.specs.limits import MAX_SEQS as MAX_SEQS
from planner.specs.limits import MAX_TOKENS as MAX_TOKENS
from planner.specs.limits import SEED_MAX as SEED_MAX


def bounded_float(low: float, high: float, unit: str) -> Callable[[str], float]:
    """A flag parser: a finite ASCII number in [low, high] of `unit`, else a usage error saying so."""
    def parse(text: str | float) -> float:
        if isinstance(text, float):  # a default
            return text
        try:
            value = float(text) if text.isascii() else math.nan
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or not low <= value <= high:
            raise typer.BadParameter(f"{text!r} must be a finite number in [{low:g}, {high:g}] ({unit})")
        return value
    return parse


def bounded_int(low: int, high: int, unit: str) -> Callable[[str], int]:
    """A flag parser: an integer written in ASCII digits in [low, high] of `unit`, else a usage error."""
    def parse(text: str | int) -> int:
        if isinstance(text, int):  # a default
            return text
        stripped = text.strip()
        digits = stripped.removeprefix("-")
        if not (digits.isascii() and digits.isdigit() and len(digits) <= 20) or not low <= int(stripped) <= high:
            raise typer.BadParameter(f"{text!r} must be a whole number in [{low:,}, {high:,}] ({unit})")
        return int(stripped)
    return parse


def path_value(text: str | Path) -> Path:
    """A flag parser for file and directory names: an empty or all-space name is a usage error (`-o ''` meant `.`,
    so `--plot ''` drew into the working directory and `-o ''` was refused as "a directory (got '.')")."""
    if isinstance(text, Path):  # a default
        return text
    if not text.strip():
        raise typer.BadParameter(f"{text!r} is not a path (empty or only spaces)")
    return Path(text)


class FlagError(typer.BadParameter):
    """A usage error of one flag that carries its own next step (`hint`), printed as the `hint:` line."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def output_path(text: str | Path) -> Path:
    """A flag parser for an output file's name (`-o`): as `path_value`, and a name ending in `/` is refused, since
    it names a directory (`Path` drops the slash, so `-o out/` wrote a file `out` and `-o notes.txt/` replaced it)."""
    if isinstance(text, Path):
        return text
    if text.endswith("/") and text.strip("/"):
        raise FlagError(f"{text!r} ends in '/', so it names a directory, not a file",
                        hint=f"name a file, e.g. {text.rstrip('/')}/plan.json, or drop the slash")
    return path_value(text)


def check_output(path: Path | None, inputs: tuple[Path | str | None, ...] = ()) -> bool:
    """Refuse an `-o` path that cannot be written before the command does its work (the same checks as the write,
    `planner.io.files.output_target`); returns whether it names standard output."""
    if path is None:
        return False
    from planner.io.files import output_target

    return output_target(path, "-o", inputs=inputs).fd == 1


def one_stdout(output: Path | None, format_given: bool, inputs: tuple[Path | str | None, ...] = ()) -> bool:
    """`check_output` for a command that also prints to stdout: `-o -` with a `--format` other than the default would
    put two documents on stdout, so it is refused; returns whether `-o` takes stdout (the default print is skipped)."""
    to_stdout = check_output(output, inputs)
    if to_stdout and format_given:
        from planner.errors import SpecError

        raise SpecError("-o names standard output, and --format prints there too: two documents on one stream",
                        where="-o", value=str(output), hint="drop -o to print the --format output, or drop --format "
                                                           "to print only what -o writes (the JSON report)")
    return to_stdout


class TableOrJson(str, Enum):
    """Output formats of the catalog and estimate commands."""

    table = "table"
    json = "json"


ModelArg = Annotated[str, typer.Argument(
    metavar="MODEL",
    help="config.json, model folder, model.yaml, or Hugging Face repo id (org/name).")]
GpuOpt = Annotated[str, typer.Option("--gpu", "-g", help="GPU id or alias (see `planner gpus`).")]
RuntimeOpt = Annotated[str, typer.Option("--runtime", "-r", help="Serving runtime (see `planner runtimes`).")]
TpOpt = Annotated[int, typer.Option("--tp", parser=bounded_int(1, MAX_GPUS_PER_REPLICA, "GPUs"),
                                    help="Tensor-parallel size (GPUs sharing each layer).")]
PpOpt = Annotated[int, typer.Option("--pp", parser=bounded_int(1, 64, "stages"),
                                    help="Pipeline-parallel size (stages of layers).")]
DpSizeOpt = Annotated[int, typer.Option("--dp-size", parser=bounded_int(1, MAX_GPUS_PER_REPLICA, "ranks"),
                                        help="Attention data-parallel ranks of --tp GPUs each (a replica has "
                                             "tp x dp x pp GPUs); MoE layers span all of them.")]
EpSizeOpt = Annotated[int | None, typer.Option("--ep-size", parser=bounded_int(1, MAX_GPUS_PER_REPLICA, "GPUs"),
                                               help="Expert-parallel group of the MoE layers (default: all GPUs "
                                                    "of the replica for MoE models when --dp-size > 1, else 1).")]
SeedOpt = Annotated[int, typer.Option("--seed", parser=bounded_int(0, SEED_MAX, "seed"),
                                      help="Simulation seed (0 to 2^32-1).")]
HeadroomOpt = Annotated[float | None, typer.Option(
    "--headroom", parser=bounded_float(0, 4, "fraction"), help="SLOs must hold at (1 + headroom) x RPS (default 0.2).")]
QuantOpt = Annotated[str | None, typer.Option(
    "--quant", "-q",
    help="Weight precision: bf16, fp16, fp8, int8, int4-awq, int4-gptq, nvfp4, mxfp4 "
         "(default: the checkpoint's).")]
KvDtypeOpt = Annotated[str, typer.Option("--kv-dtype", help="KV-cache precision: auto (16-bit) or fp8.")]
SpeculativeOpt = Annotated[str | None, typer.Option(
    "--speculative", help="Speculative decoding: mtp (the checkpoint's MTP layers), eagle (an EAGLE-3 draft head) or "
                          "ngram (prompt lookup).")]
NumSpeculativeTokensOpt = Annotated[str | None, typer.Option(
    "--num-speculative-tokens", help="With --speculative: draft tokens K verified per step (default: 1 for mtp, 3 "
                                     "for eagle and ngram).")]
DisaggOpt = Annotated[str | None, typer.Option(
    "--disagg", help="Prefill/decode disaggregation P:D: P prefill and D decode instances of --tp GPUs each (1:3 at "
                     "TP 2 is 8 GPUs); the load applies to the whole deployment.")]
PrefillTpOpt = Annotated[int | None, typer.Option(
    "--prefill-tp", parser=bounded_int(1, MAX_GPUS_PER_REPLICA, "GPUs"), help="With --disagg: tensor-parallel GPUs of each prefill "
                                                            "instance (default: --tp).")]
DecodeTpOpt = Annotated[int | None, typer.Option(
    "--decode-tp", parser=bounded_int(1, MAX_GPUS_PER_REPLICA, "GPUs"), help="With --disagg: tensor-parallel GPUs of each decode "
                                                           "instance (default: --tp).")]
AcceptanceRateOpt = Annotated[str | None, typer.Option(
    "--acceptance-rate", help="With --speculative: probability A in (0, 1) that one draft token is accepted "
                              "(default: the method's published rate, stated in the output).")]
FormatOpt = Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", help="Nothing on stderr but errors (no progress, no warnings).")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", help="Also print each step and its time on stderr.")]


class Verbosity:
    """What goes to stderr besides errors: set once per invocation by the global and the command's options."""

    quiet = False
    verbose = False


def set_verbosity(quiet: bool = False, verbose: bool = False, *, reset: bool = False) -> None:
    """Apply --quiet / --verbose (either the global or the command's; --quiet wins); `reset`: a new invocation."""
    if reset:
        Verbosity.quiet = Verbosity.verbose = False
    Verbosity.quiet = Verbosity.quiet or quiet
    Verbosity.verbose = (Verbosity.verbose or verbose) and not Verbosity.quiet
    if Verbosity.verbose:
        log = logging.getLogger("planner")
        if not log.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("planner: %(message)s"))
            log.addHandler(handler)
        log.setLevel(logging.DEBUG)


def stderr_is_terminal() -> bool:
    """Whether stderr is an interactive terminal (progress is drawn only there)."""
    return sys.stderr.isatty() and os.environ.get("TERM") != "dumb"


def show_progress() -> bool:
    """Whether progress may be drawn: stderr is a terminal and not --quiet."""
    return not Verbosity.quiet and stderr_is_terminal()


@contextmanager
def progress(step: str, spinner: bool = True) -> Iterator[None]:
    """A spinner with the step's name on stderr while it runs, only when `show_progress()` (`spinner=False`: the
    step draws its own bar); with --verbose, one line per step with its wall time (terminal or not)."""
    start = time.perf_counter()
    if spinner and show_progress():
        with stderr_console().status(f"{step} ...", spinner="dots"):
            yield
    else:
        yield
    if Verbosity.verbose:
        sys.stderr.write(f"planner: {step}: {time.perf_counter() - start:.1f} s\n")


def warn(message: str) -> None:
    """A warning on stderr (silenced by --quiet)."""
    if not Verbosity.quiet:
        sys.stderr.write(f"warning: {message}\n")


def stdout_console() -> Console:
    """Console for data (stdout); width from $COLUMNS so tests can fix it."""
    width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else None
    return Console(width=width, highlight=False, soft_wrap=False)


def stderr_console() -> Console:
    """Console for progress and errors."""
    return Console(stderr=True, highlight=False)


def long_running() -> None:
    """A command that runs long or plans many times: the cyclic garbage collector back on (the console script
    starts with it off, `planner._console`)."""
    import gc

    gc.enable()


def print_json(data: Any) -> None:
    """Write deterministic JSON data to stdout."""
    from planner.render.format import dumps_json

    sys.stdout.write(dumps_json(data))


def write_atomic(path: Path, text: str, *, executable: bool = False, inputs: tuple[Path | str | None, ...] = ()) -> None:
    """Write an output file without ever leaving half of it or replacing a non-file or one of the command's `inputs`
    (`planner.io.files.write_output`)."""
    from planner.io.files import write_output

    write_output(path, text, executable=executable, inputs=inputs)


def choice(value: str | None, allowed: tuple[str, ...], flag: str) -> str | None:
    """Check one free-text option against its allowed values (None passes through)."""
    if value is None:
        return None
    from planner.io.inputs import choices

    return choices([value], allowed, flag)[0]
