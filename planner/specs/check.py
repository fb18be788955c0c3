"""Result of `planner check`: the verdict, the regressions, and the evidence behind them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.specs._base import Frozen
from planner.specs.message import Message
from planner.specs.report import CandidateSummary, ModelSummary, SloSummary, WorkloadSummary
from planner.specs.runtime import KvDtype, Quant
from planner.specs.workload import Constraints, Slo, Workload

SCHEMA_VERSION = "2.0"
"""Version of the `CheckResult` JSON layout."""


RegressionKind = Literal["oom", "incompatible", "slo", "infeasible", "cost"]
"""Why a check fails: the baseline deployment no longer fits / cannot run / misses an SLO, nothing meets
the SLO any more, or the cheapest plan costs more than allowed."""


class Change(Frozen):
    """One quantity compared between the baseline and the new checkpoint."""

    key: str
    """Field name, with its unit (`num_layers`, `weights_bytes_per_gpu`, `ttft_p95_s`)."""
    label: str
    """Name shown to people ("layers", "weights per GPU", "TTFT p95")."""
    before: float | int | str | None
    """Baseline value, in the unit of `key` (None: not available)."""
    after: float | int | str | None
    """New value, in the unit of `key` (None: not available, e.g. the deployment no longer fits)."""
    change_ratio: float | None = None
    """after / before - 1 for numbers (None for text or missing values)."""


class Regression(Frozen):
    """One reason the check fails."""

    kind: RegressionKind
    """Category of the reason."""
    message: Message
    """The reason, with its numbers."""


class DeploymentCheck(Frozen):
    """How the baseline deployment serves the new checkpoint."""

    label: str
    """The baseline deployment, e.g. `2 x (1x h100-sxm tp1 vllm fp8 kv-fp8)`."""
    quant: Quant
    """Weight precision assessed (the baseline's, or the new checkpoint's own format)."""
    kv_dtype: KvDtype
    """KV-cache precision assessed."""
    load_rps: float = Field(ge=0)
    """Request rate the SLOs were checked at: (1 + headroom) x RPS, requests/s."""
    fits: bool
    """The new checkpoint fits in memory on this deployment (and the combination can run)."""
    reason: Message | None = None
    """Why it does not fit or cannot run."""
    meets_slo: bool
    """Every SLO holds at `load_rps`."""
    overloaded: bool = False
    """Arrivals exceed what the baseline replicas serve (the queue grows without bound)."""
    misses: list[Message] = Field(default_factory=list)
    """SLO targets missed."""
    weights_bytes_per_gpu: float | None = None
    """Weights of the new checkpoint per GPU (None when the combination cannot run)."""
    needed_bytes_per_gpu: float | None = None
    """Memory one GPU needs for weights, activations, overheads and one sequence of KV."""
    gpu_memory_bytes: int | None = None
    """Device memory of one GPU."""
    predicted: CandidateSummary | None = None
    """Predicted latency, memory and cost of the new checkpoint here, at the target RPS (None when it does not fit)."""


class CostComparison(Frozen):
    """Monthly cost of the baseline deployment against the new cheapest plan."""

    baseline_usd_per_month: float | None
    """Cost of the baseline deployment as planned (None: no price)."""
    new_usd_per_month: float | None
    """Cost of the new checkpoint's cheapest plan (None: no plan or no price)."""
    change_ratio: float | None
    """new / baseline - 1 (None when either is missing)."""
    max_increase_ratio: float | None
    """Allowed increase (`--max-cost-increase`; None: cost is reported, not gated)."""


class CheckResult(Frozen):
    """The verdict of `planner check` and the evidence behind it."""

    schema_version: str = SCHEMA_VERSION
    """Layout version of this JSON."""
    passed: bool
    """No regression: the CI gate passes (exit 0)."""
    regressions: list[Regression]
    """Every reason the check fails (empty when it passes)."""
    baseline_model: ModelSummary
    """The checkpoint the baseline was planned for."""
    model: ModelSummary
    """The new checkpoint."""
    model_changes: list[Change]
    """Architecture and precision fields that differ (empty: the same architecture)."""
    effects: list[Change]
    """Memory and latency at the baseline deployment, baseline plan against the new checkpoint."""
    baseline: CandidateSummary
    """The baseline deployment as the baseline report recorded it."""
    baseline_deployment: DeploymentCheck
    """How the baseline deployment serves the new checkpoint."""
    recommendation: CandidateSummary | None
    """The cheapest deployment of the new checkpoint meeting every SLO (None: nothing does)."""
    suggestions: list[Message]
    """When nothing meets the SLO: what would."""
    cost: CostComparison
    """Baseline cost against the new cheapest plan."""
    workload: WorkloadSummary
    """The traffic checked."""
    slo: list[SloSummary]
    """The latency targets checked."""
    headroom: float = Field(ge=0)
    """SLOs were checked at (1 + headroom) x RPS."""
    seed: int
    """Simulation seed."""
    warnings: list[Message]
    """Things to look at that do not fail the check (latency growth within the SLO, cost growth, drift)."""
    notes: list[str]
    """How the check was done (inputs overridden, precision assessed)."""


class CheckInputs(Frozen):
    """Traffic, SLO and constraints for the re-plan: the baseline's, with overrides applied."""

    workload: Workload
    """Traffic."""
    slo: Slo
    """Latency targets."""
    constraints: Constraints
    """Search constraints."""
    seed: int
    """Simulation seed."""
    notes: tuple[str, ...] = ()
    """What was overridden or adapted, in words."""
