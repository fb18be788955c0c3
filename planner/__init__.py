"""planner: pre-deployment capacity planning for LLM inference.

The public API is re-exported here and resolved lazily, so importing a pure core module
(`planner.core.memory`, `planner.core.perf`, ...) never pulls in file or terminal libraries.

    >>> import planner
    >>> catalog = planner.Catalog.load()
    >>> model = planner.load_model("examples/models/llama-3.1-8b")
    >>> dep = planner.make_deployment(model, catalog.gpu("h100"), catalog.runtime("vllm"))
    >>> planner.memory_breakdown(dep).fits
    True
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # errors
    "PlannerError": "planner.errors", "SpecError": "planner.errors", "DataError": "planner.errors",
    "InfeasibleError": "planner.errors", "CalibrationError": "planner.errors",
    # specs
    "ModelSpec": "planner.specs.model", "Gpu": "planner.specs.hardware", "Runtime": "planner.specs.runtime",
    "Deployment": "planner.specs.deployment", "Workload": "planner.specs.workload",
    "LengthDistribution": "planner.specs.workload", "Slo": "planner.specs.workload",
    "SloTarget": "planner.specs.workload", "SpeculativeConfig": "planner.specs.speculative",
    # loading
    "Catalog": "planner.io.catalog", "load_model": "planner.io.loaders", "make_deployment": "planner.core.compat",
    # model core
    "count_params": "planner.core.arch", "ParamCounts": "planner.core.arch",
    "memory_breakdown": "planner.core.memory", "MemoryBreakdown": "planner.core.memory",
    "PerfModel": "planner.core.perf", "Efficiency": "planner.specs.efficiency", "IterationTime": "planner.core.iteration",
    "ServingResult": "planner.core.serving",
    "estimate": "planner.estimate", "EstimateResult": "planner.estimate", "LoadSpec": "planner.estimate",
    "plan": "planner.plan", "assess": "planner.plan", "Assessment": "planner.plan",
    "Report": "planner.specs.report", "Constraints": "planner.specs.workload",
    "check": "planner.check", "CheckResult": "planner.specs.check", "load_report": "planner.io.plans",
    "export": "planner.deploy.export",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'planner' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from planner.check import check
    from planner.core.arch import ParamCounts, count_params
    from planner.core.compat import make_deployment
    from planner.core.iteration import IterationTime
    from planner.core.memory import MemoryBreakdown, memory_breakdown
    from planner.core.perf import PerfModel
    from planner.core.serving import ServingResult
    from planner.deploy.export import export
    from planner.errors import CalibrationError, DataError, InfeasibleError, PlannerError, SpecError
    from planner.estimate import EstimateResult, LoadSpec, estimate
    from planner.io.catalog import Catalog
    from planner.io.loaders import load_model
    from planner.io.plans import load_report
    from planner.plan import Assessment, assess, plan
    from planner.specs.check import CheckResult
    from planner.specs.deployment import Deployment
    from planner.specs.efficiency import Efficiency
    from planner.specs.hardware import Gpu
    from planner.specs.model import ModelSpec
    from planner.specs.report import Report
    from planner.specs.runtime import Runtime
    from planner.specs.speculative import SpeculativeConfig
    from planner.specs.workload import Constraints, LengthDistribution, Slo, SloTarget, Workload
