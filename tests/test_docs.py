"""Every command has help with an Examples block, and every spec field documents itself."""

from __future__ import annotations

import pytest
import typer
from pydantic import BaseModel
from typer.testing import CliRunner

from planner.cli import app
from tests.docstrings import undocumented

runner = CliRunner()
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help_has_examples(command):
    """`planner COMMAND --help` works and shows an Examples block."""
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    assert "Examples:" in result.stdout and f"planner {command}" in result.stdout


def test_top_level_help_lists_commands():
    """`planner --help` lists every command."""
    result = runner.invoke(app, ["--help"], env={"COLUMNS": "100"})
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.stdout


def _spec_models() -> list[type[BaseModel]]:
    import planner.core.arch
    import planner.core.memory
    import planner.core.perf
    import planner.core.serving
    import planner.estimate
    import planner.specs.deployment
    import planner.specs.hardware
    import planner.specs.model
    import planner.specs.modelfile
    import planner.specs.runtime
    import planner.specs.workload

    modules = [planner.specs.hardware, planner.specs.runtime, planner.specs.model, planner.specs.deployment,
               planner.specs.workload, planner.specs.modelfile, planner.core.memory, planner.core.perf, planner.core.serving,
               planner.core.arch, planner.estimate]
    seen: list[type[BaseModel]] = []
    for module in modules:
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == module.__name__:
                seen.append(obj)
    return seen


@pytest.mark.parametrize("model", _spec_models(), ids=lambda m: m.__name__)
def test_every_field_documented(model):
    """Every field of every spec and result model has a docstring."""
    assert not undocumented(model)
