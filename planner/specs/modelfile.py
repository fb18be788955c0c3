"""The model.yaml a user writes: which model, its traffic, its SLOs and the search constraints.

Values stay as written here (strings like "300ms" or "512:0.8"); `planner.io.inputs` resolves them,
with command-line flags taking precedence.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from planner.specs._base import Frozen
from planner.specs.hardware import PriceKind
from planner.specs.limits import MAX_GPUS_PER_REPLICA
from planner.specs.runtime import KvDtype, Quant
from planner.specs.workload import Confidence, refuse_bool_limits


class WorkloadFile(Frozen):
    """`workload:` section of model.yaml."""

    rps: float | None = Field(default=None, gt=0)
    """Target request rate, requests/s."""
    arrival: Literal["poisson", "gamma"] = "poisson"
    """Arrival process; `gamma` uses `burstiness_cv`."""
    burstiness_cv: float = Field(default=1.0, gt=0, le=10)
    """Coefficient of variation of inter-arrival times (1 = Poisson, > 1 bursty)."""
    sample: str | None = None
    """Prompt sample (.txt/.jsonl/.json) tokenized with `tokenizer`; relative to model.yaml."""
    chat: bool = False
    """Treat plain-text prompts as single user messages and apply the chat template."""
    input_tokens: int | str | dict[str, Any] | None = None
    """Prompt lengths when there is no sample: 512, "512:0.8" (lognormal mean:cv) or "128-2048"."""
    output_tokens: int | str | dict[str, Any] | None = None
    """Output lengths (same forms); overrides the sample's outputs when given."""
    prefix_cache_share: float = Field(default=0.0, ge=0, lt=1)
    """Fraction of prompt tokens found in the prefix cache."""

    @model_validator(mode="after")
    def _cv_needs_gamma(self) -> WorkloadFile:
        if self.arrival == "poisson" and self.burstiness_cv != 1.0:  # it was stored in the plan and never used
            raise ValueError(f"burstiness_cv {self.burstiness_cv:g} applies only with `arrival: gamma` (Poisson "
                             "arrivals have an inter-arrival CV of 1)")
        return self


class ConstraintsFile(Frozen):
    """`constraints:` section of model.yaml."""

    gpus: list[str] = Field(default_factory=list)
    """GPU ids or aliases to consider (empty: all)."""
    runtimes: list[str] = Field(default_factory=list)
    """Runtime ids to consider (empty: all)."""
    quant: list[Quant] = Field(default_factory=list)
    """Weight precisions to consider (empty: the checkpoint's own, plus fp8 for 16-bit checkpoints)."""
    kv_dtype: list[KvDtype] = Field(default_factory=list)
    """KV-cache precisions to consider (empty: auto, plus fp8 alongside fp8 weights)."""
    providers: list[str] = Field(default_factory=list)
    """Cloud providers whose prices may be used (empty: any)."""
    price_kind: PriceKind = "on_demand"
    """Billing kind of the prices used."""
    max_gpus_per_replica: int | None = Field(default=None, ge=1, le=MAX_GPUS_PER_REPLICA)
    """Largest replica, GPUs."""
    budget_usd_per_month: float | None = Field(default=None, gt=0)
    """Monthly budget; dearer deployments are rejected."""
    headroom: float | None = Field(default=None, ge=0, le=4)
    """Extra load every SLO must hold under, as a fraction of the RPS (0.2 = 120%)."""
    confidence: Confidence | None = None
    """`high`: size replicas so every SLO also holds at the pessimistic end of the prediction's error band."""


class ModelFile(Frozen):
    """Top level of model.yaml."""

    name: str | None = None
    """Name used in reports (defaults to the folder or repo id)."""
    model: str | None = None
    """config.json path, model folder or Hugging Face repo id; relative paths are relative to model.yaml."""
    config: dict[str, Any] | None = None
    """An inline Hugging Face config (instead of `model`)."""
    repo_id: str | None = None
    """Hugging Face repo id (or checkpoint path) to name in launch commands (default: `model`)."""
    tokenizer: str | None = None
    """Tokenizer for the sample: tokenizer.json, .model, .tiktoken, tekken.json, folder, pkg: ref or repo id."""
    quant: Quant | None = None
    """Weight precision to plan for (shorthand for `constraints.quant: [..]`)."""
    kv_dtype: KvDtype | None = None
    """KV-cache precision to plan for (shorthand for `constraints.kv_dtype: [..]`)."""
    workload: WorkloadFile | None = None
    """Traffic."""
    slo: dict[str, str | float] | None = None
    """Latency targets, e.g. {ttft_p95: 300ms, tpot_p99: 40ms}; a bare `p95: 80ms` is TTFT p95."""
    constraints: ConstraintsFile | None = None
    """Search space limits."""

    _no_bool_limits = field_validator("slo", mode="before")(refuse_bool_limits)

    @field_validator("repo_id")
    @classmethod
    def _repo_id_not_an_option(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or value.startswith("-")):  # the launch command's first argument
            raise ValueError("is not a repo id or path (blank, or it starts with '-' and would read as an option)")
        return value

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str | None) -> str | None:
        if value is not None and value and not value.strip():  # a blank name became `llm` in manifests
            raise ValueError("is blank (only spaces)")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> ModelFile:
        if (self.model is None) == (self.config is None):
            raise ValueError("give exactly one of `model` (path or repo id) and `config` (inline)")
        return self
