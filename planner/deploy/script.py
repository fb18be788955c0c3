"""A POSIX shell script that starts one replica of a plan (TensorRT-LLM: with its LLM-API options file). Pure."""

from __future__ import annotations

import shlex
from typing import Any

from planner.deploy.kubernetes import TRTLLM_OPTIONS_FILE, dump


def script_lines(program: str, args: list[str]) -> list[str]:
    """The command with one `--flag value` per continuation line (positional arguments stay on the first)."""
    groups: list[list[str]] = [[program]]
    for arg in args:
        if arg.startswith("--"):
            groups.append([arg])
        else:
            groups[-1].append(arg)
    rendered = [("  " if i else "") + " ".join(shlex.quote(p) for p in g) for i, g in enumerate(groups)]
    return [line + " \\" for line in rendered[:-1]] + rendered[-1:]


def command_script(header: list[str], program: str, args: list[str], options: dict[str, Any] | None) -> str:
    """The script: comment header, the options here-document when there is one, then the command."""
    lines = ["#!/bin/sh", *(f"# {c}" for c in header)]
    if options is not None:
        lines.append("# backend pytorch: no engine build step. The LLM-API options below set the KV cache and "
                     "scheduler.")
        lines += ["set -e", f"cat > {TRTLLM_OPTIONS_FILE} <<'EOF'", dump(options).rstrip("\n"), "EOF"]
    lines += script_lines(program, args)
    return "\n".join(lines) + "\n"
