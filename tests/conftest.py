"""Shared fixtures: the shipped catalog, real model configs, a tiny Llama."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from planner.io.catalog import Catalog
from planner.io.loaders import load_model
from planner.specs.model import ModelSpec

# Properties whose examples are whole searches run a handful of examples locally and many in CI
# (`HYPOTHESIS_PROFILE=ci`, set by .ci/run); cheap properties set their own, larger max_examples.
settings.register_profile("default", max_examples=8, deadline=None)
settings.register_profile("ci", max_examples=40, deadline=None, print_blob=True)

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "examples" / "models"


def pytest_configure(config: pytest.Config) -> None:
    import os as _os

    settings.load_profile(_os.environ.get("HYPOTHESIS_PROFILE", "default"))
    # Keep the token-count cache of test runs out of the user's ~/.cache.
    import os
    import tempfile

    os.environ.setdefault("PLANNER_CACHE_DIR", tempfile.mkdtemp(prefix="planner-test-cache-"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/*.json")


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The shipped hardware_db and runtime_profiles."""
    return Catalog.load()


@pytest.fixture(scope="session")
def model() -> ModelLoader:
    """Load a shipped real config by folder name (cached)."""
    return ModelLoader()


class ModelLoader:
    def __init__(self) -> None:
        self._cache: dict[str, ModelSpec] = {}

    def __call__(self, name: str) -> ModelSpec:
        if name not in self._cache:
            self._cache[name] = load_model(str(MODELS / name))
        return self._cache[name]


TINY_LLAMA = {
    "model_type": "llama", "hidden_size": 256, "intermediate_size": 688, "num_hidden_layers": 4,
    "num_attention_heads": 8, "num_key_value_heads": 2, "vocab_size": 1000,
    "max_position_embeddings": 2048, "torch_dtype": "bfloat16", "tie_word_embeddings": False,
}


@pytest.fixture()
def tiny_config() -> dict[str, object]:
    """A small Llama-style config dict (fresh copy per test)."""
    return dict(TINY_LLAMA)
