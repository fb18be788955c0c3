"""Compatibility name for `planner.io.hf` (the family adapters live there)."""

from __future__ import annotations

from planner.io.hf import parse_hf_config

__all__ = ["parse_hf_config"]
