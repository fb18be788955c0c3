"""The model.yaml a user writes: which model, and (later sections) traffic, SLOs and constraints."""

from __future__ import annotations

from typing import Any

from pydantic import model_validator

from planner.specs._base import Frozen
from planner.specs.runtime import KvDtype, Quant


class ModelFile(Frozen):
    """Top level of model.yaml."""

    name: str | None = None
    """Name used in reports (defaults to the folder or repo id)."""
    model: str | None = None
    """config.json path, model folder or Hugging Face repo id; relative paths are relative to model.yaml."""
    config: dict[str, Any] | None = None
    """An inline Hugging Face config (instead of `model`)."""
    quant: Quant | None = None
    """Weight precision to plan for (default: the checkpoint's own)."""
    kv_dtype: KvDtype | None = None
    """KV-cache precision to plan for (default: auto)."""

    @model_validator(mode="after")
    def _one_source(self) -> ModelFile:
        if (self.model is None) == (self.config is None):
            raise ValueError("give exactly one of `model` (path or repo id) and `config` (inline)")
        return self
