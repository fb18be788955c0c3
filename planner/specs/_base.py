"""Shared building blocks of the spec models: a frozen strict base and sourced numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator


class Frozen(BaseModel):
    """Base of every spec: immutable, rejects unknown keys. Every field is documented by the docstring under it
    (tests/test_docs.py checks it in the source; pydantic's `use_attribute_docstrings` would re-read and parse every
    module's source at each start-up, ~0.15 s)."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        populate_by_name=True,
        defer_build=True,
    )


class Source(Frozen):
    """Where a number came from."""

    ref: str = Field(min_length=3)
    """URL or document (with section) the number was read from."""
    as_of: dt.date
    """Date the source was read or published (YYYY-MM-DD)."""


def _numeric_paths(data: Any, prefix: str = "") -> list[str]:
    """List dotted paths of every numeric leaf (bools excluded) in nested dicts."""
    paths: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            paths.extend(_numeric_paths(value, path))
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        paths.append(prefix)
    return paths


class Sourced(Frozen):
    """A data-file model whose every number must name its source in `sources`.

    `sources` maps a dotted field path (or a parent of it, covering all its children)
    to a `Source`. Lists with their own per-entry sources (prices) are exempt.
    """

    sources: dict[str, Source] = Field(default_factory=dict)
    """Source of each number, keyed by dotted field path; a parent path covers its children."""

    _unsourced_exempt: tuple[str, ...] = ("sources", "prices")
    _sources_checked: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _every_number_has_a_source(self) -> Sourced:
        if self._sources_checked:
            return self  # an instance passed into another model is not re-checked
        # Only numbers written in the file need a source (defaults the file leaves out do not).
        dumped = self.model_dump(exclude=set(self._unsourced_exempt), exclude_none=True, exclude_unset=True)
        missing = []
        for path in _numeric_paths(dumped):
            parts = path.split(".")
            prefixes = {".".join(parts[:i]) for i in range(1, len(parts) + 1)}
            if not prefixes & self.sources.keys():
                missing.append(path)
        if missing:
            raise ValueError(
                "numbers without a source: " + ", ".join(missing)
                + " (add an entry under `sources:` for each, or for a parent key)"
            )
        unknown = [key for key in self.sources if not _path_exists(dumped, key)]
        if unknown:
            raise ValueError("sources name fields that do not exist: " + ", ".join(unknown))
        self._sources_checked = True
        return self


def _path_exists(data: Any, path: str) -> bool:
    """Whether a dotted path names a key (present or explicitly null-free) in nested dicts."""
    node = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True
