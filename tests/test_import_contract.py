"""The pure model core imports no I/O, terminal or heavy libraries; the CLI never imports torch."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = ["planner.core.arch", "planner.core.memory", "planner.core.perf", "planner.core.serving", "planner.core.sim", "planner.core.compat",
        "planner.estimate"]
FORBIDDEN = ["yaml", "typer", "rich", "torch", "click", "huggingface_hub", "tokenizers", "pandas"]


def _loaded_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_nothing_forbidden(module):
    """Importing a core module in a fresh interpreter loads no I/O, terminal or torch module."""
    loaded = _loaded_after(f"import {module}")
    assert not {m for m in FORBIDDEN if m in loaded}


def test_cli_does_not_import_torch():
    """`planner --help` start-up never imports torch or tokenizer libraries."""
    loaded = _loaded_after("import planner.cli")
    assert "torch" not in loaded and "tokenizers" not in loaded and "sentencepiece" not in loaded


def test_cli_start_up_loads_no_spec_models():
    """Building the command tree (`planner --help`, completion) loads neither pydantic nor a spec module: their
    class construction is most of a start-up's time (0.5 s against 0.2 s here)."""
    loaded = _loaded_after("import planner.cli")
    assert "pydantic" not in loaded
    assert not {m for m in loaded if m.startswith(("planner.specs.", "planner.core", "planner.io."))
                and m != "planner.specs.limits"}


def test_core_is_deterministic(model, catalog):
    """The same inputs and seed give the same simulated result."""
    from planner.core.compat import make_deployment
    from planner.estimate import LoadSpec, estimate
    from planner.specs.workload import LengthDistribution

    dep = make_deployment(model("llama-3.1-8b"), catalog.gpu("l40s"), catalog.runtime("vllm"), max_model_len=4096)
    dist = LengthDistribution(kind="lognormal", mean=400, cv=0.8, max_tokens=2000)
    a = estimate(dep, dist, dist, LoadSpec(kind="rps", value=3, num_requests=300), seed=7)
    b = estimate(dep, dist, dist, LoadSpec(kind="rps", value=3, num_requests=300), seed=7)
    assert a.serving == b.serving
