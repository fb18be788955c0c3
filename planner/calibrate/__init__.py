"""Calibration: microbenchmarks that measure a device, and their use by the performance model.

    python -m planner.calibrate --device cuda -o h100.json      # only torch needed
    planner calibrate --device cpu --quick --verify               # the full CLI

Measuring (`measure`, `_bench`, `_decode_bench`, `_model`, `fit`, `_hwdb`) needs only the
standard library and torch, so it runs on a bare GPU host. Using a profile (`use`, `verify`)
needs the rest of the planner. Names are resolved lazily: importing this package imports
neither torch nor pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "calibrate": "planner.calibrate.measure",
    "efficiency_from_profile": "planner.core.efficiency",
    "load_profile": "planner.io.calibration",
    "cpu_gpu": "planner.io.calibration",
    "newest_matching": "planner.io.calibration",
    "predict": "planner.calibrate.verify",
    "VerifyResult": "planner.calibrate.verify",
}

__all__ = ["VerifyResult", "calibrate", "cpu_gpu", "efficiency_from_profile", "load_profile", "newest_matching",
           "predict"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'planner.calibrate' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:  # pragma: no cover - for type checkers only
    from planner.calibrate.measure import calibrate
    from planner.calibrate.verify import VerifyResult, predict
    from planner.core.efficiency import efficiency_from_profile
    from planner.io.calibration import cpu_gpu, load_profile, newest_matching
