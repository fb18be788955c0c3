"""Shared Typer option aliases and output helpers for the command modules."""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console


class TableOrJson(str, Enum):
    """Output formats of the catalog and estimate commands."""

    table = "table"
    json = "json"


ModelArg = Annotated[str, typer.Argument(
    metavar="MODEL",
    help="config.json, model folder, model.yaml, or Hugging Face repo id (org/name).")]
GpuOpt = Annotated[str, typer.Option("--gpu", "-g", help="GPU id or alias (see `planner gpus`).")]
RuntimeOpt = Annotated[str, typer.Option("--runtime", "-r", help="Serving runtime (see `planner runtimes`).")]
TpOpt = Annotated[int, typer.Option("--tp", min=1, max=72, help="Tensor-parallel size (GPUs sharing each layer).")]
PpOpt = Annotated[int, typer.Option("--pp", min=1, max=64, help="Pipeline-parallel size (stages of layers).")]
QuantOpt = Annotated[str | None, typer.Option(
    "--quant", "-q",
    help="Weight precision: bf16, fp16, fp8, int8, int4-awq, int4-gptq, nvfp4, mxfp4 "
         "(default: the checkpoint's).")]
KvDtypeOpt = Annotated[str, typer.Option("--kv-dtype", help="KV-cache precision: auto (16-bit) or fp8.")]
FormatOpt = Annotated[TableOrJson, typer.Option("--format", "-f", help="Output format.")]


def stdout_console() -> Console:
    """Console for data (stdout); width from $COLUMNS so tests can fix it."""
    width = int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else None
    return Console(width=width, highlight=False, soft_wrap=False)


def stderr_console() -> Console:
    """Console for progress and errors."""
    return Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    """Write deterministic JSON data to stdout."""
    from planner.render.format import dumps_json

    sys.stdout.write(dumps_json(data))


def write_atomic(path: Path, text: str, *, executable: bool = False) -> None:
    """Write an output file without ever leaving half of it or replacing a non-file (`planner.io.files.write_output`)."""
    from planner.io.files import write_output

    write_output(path, text, executable=executable)


def choice(value: str | None, allowed: tuple[str, ...], flag: str) -> str | None:
    """Check one free-text option against its allowed values (None passes through)."""
    if value is None:
        return None
    from planner.io.inputs import choices

    return choices([value], allowed, flag)[0]
