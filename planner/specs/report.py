"""The `Report` of `planner recommend`: one model behind the terminal, JSON and Markdown views.

Metric keys carry their unit and percentile (`ttft_p95_s`, `cost_usd_per_hour`). The JSON form is
a stable contract (`schema_version`), also read back by `planner check` and `planner export`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.specs._base import Frozen
from planner.specs.disagg import DisaggConfig
from planner.specs.hardware import PriceKind
from planner.specs.message import Message
from planner.specs.model import Family, ModelDtype
from planner.specs.runtime import KvDtype, Quant
from planner.specs.speculative import SpeculativeConfig
from planner.specs.uncertainty import Band
from planner.specs.workload import Constraints, Slo, Workload

SCHEMA_VERSION = "2.0"
"""Version of the report JSON layout; bumped on any incompatible change."""

RejectionKind = Literal["incompatible", "oom", "slo", "budget", "no_price", "capacity"]
"""Why a family of candidates was dropped."""


class LengthSummary(Frozen):
    """A token-length distribution, summarised."""

    description: str
    """How it was given ("sample of 1000 (mean 431, p95 1200)", "fixed 512")."""
    mean_tokens: float = Field(ge=0)
    """Mean."""
    p50_tokens: float = Field(ge=0)
    """Median."""
    p95_tokens: float = Field(ge=0)
    """95th percentile."""
    p99_tokens: float = Field(ge=0)
    """99th percentile."""
    max_tokens: float = Field(ge=0)
    """Longest length planned for (max, or the 99.9th percentile of a parametric distribution)."""


class ModelSummary(Frozen):
    """The model planned for."""

    name: str
    """Name (repo id, folder or model.yaml name)."""
    ref: str
    """What the user passed (path or repo id), used in launch commands."""
    family: Family
    """Recognised architecture family."""
    params_total: int = Field(ge=0)
    """All parameters."""
    params_active: int = Field(ge=0)
    """Parameters per token."""
    num_layers: int = Field(ge=1)
    """Transformer layers."""
    hidden_size: int = Field(ge=1)
    """Model width."""
    vocab_size: int = Field(ge=1)
    """Vocabulary size."""
    max_position_embeddings: int = Field(ge=1)
    """Longest supported context, tokens."""
    kv_bytes_per_token: float = Field(ge=0)
    """KV bytes per token at 16-bit, all layers."""
    checkpoint_quant: Quant | None = None
    """Quantization the checkpoint ships in."""
    dtype: ModelDtype
    """Published weight precision."""


class WorkloadSummary(Frozen):
    """The traffic planned for."""

    rps: float = Field(gt=0)
    """Target request rate, requests/s."""
    arrival: str
    """Arrival process."""
    burstiness_cv: float = Field(gt=0)
    """Inter-arrival coefficient of variation."""
    input_tokens: LengthSummary
    """Prompt lengths."""
    output_tokens: LengthSummary
    """Output lengths."""
    prefix_cache_share: float = Field(ge=0)
    """Fraction of prompt tokens from the prefix cache."""


class SloSummary(Frozen):
    """One latency target."""

    key: str
    """Report key it bounds, e.g. `ttft_p95_s`."""
    limit_s: float = Field(gt=0)
    """Upper bound, seconds."""
    description: str
    """"TTFT p95 <= 300 ms"."""
    origin: str | None = None
    """Where the target was set: `--slo`, or the model.yaml it was read from (None: not recorded)."""


class PriceSummary(Frozen):
    """The price a cost was computed from."""

    provider: str
    """Cloud provider."""
    instance: str
    """Instance / SKU."""
    kind: PriceKind
    """Billing kind."""
    price_usd_per_gpu_hour: float = Field(gt=0)
    """Price per GPU-hour."""
    as_of: str
    """Date the price was read."""
    source: str
    """Where it was read."""


class MemorySummary(Frozen):
    """Per-GPU memory of the deployment."""

    gpu_memory_bytes: int = Field(gt=0)
    """Device memory."""
    usable_bytes: float
    """Memory the runtime may use."""
    weights_bytes_per_gpu: float = Field(ge=0)
    """Weights per GPU."""
    activation_bytes_per_gpu: float = Field(ge=0)
    """Activation peak per GPU."""
    overhead_bytes_per_gpu: float = Field(ge=0)
    """CUDA context and graphs per GPU."""
    kv_cache_bytes_per_gpu: float
    """KV cache per GPU."""
    kv_capacity_tokens: int = Field(ge=0)
    """Tokens the KV cache holds (per replica)."""


class LaunchSummary(Frozen):
    """How to start one replica with the planned settings."""

    command: str
    """Shell command line for one replica."""
    image: str
    """Container image of the runtime."""
    program: str
    """Executable the command starts."""
    args: list[str]
    """The program's arguments, one per item."""
    notes: list[str] = Field(default_factory=list)
    """Things the command cannot express (e.g. a pre-quantized checkpoint is needed)."""


class LoadPoint(Frozen):
    """Predicted latency of one replica at one request rate (a point of the latency-vs-RPS curve)."""

    rps_per_replica: float = Field(gt=0)
    """Request rate offered to one replica, requests/s."""
    ttft_p50_s: float = Field(ge=0)
    """Time to first token, median, seconds (inf when the replica is overloaded)."""
    ttft_p95_s: float = Field(ge=0)
    """Time to first token, 95th percentile, seconds."""
    ttft_p99_s: float = Field(ge=0)
    """Time to first token, 99th percentile, seconds."""
    tpot_p50_s: float = Field(ge=0)
    """Time per output token, median, seconds."""
    tpot_p95_s: float = Field(ge=0)
    """Time per output token, 95th percentile, seconds."""
    tpot_p99_s: float = Field(ge=0)
    """Time per output token, 99th percentile, seconds."""
    itl_p95_s: float = Field(default=0.0, ge=0)
    """Inter-token latency, 95th percentile, seconds."""
    itl_p99_s: float = Field(default=0.0, ge=0)
    """Inter-token latency, 99th percentile, seconds."""
    e2e_p95_s: float = Field(ge=0)
    """End-to-end latency, 95th percentile, seconds."""
    stable: bool
    """False when arrivals exceed what the replica serves (the queue grows without bound)."""
    meets_slo: bool
    """Every SLO holds at this rate."""


class CandidatePoint(Frozen):
    """One simulated deployment, for the cost-vs-latency picture (passing or not)."""

    label: str
    """Short label, e.g. `2x h100-sxm tp2 vllm fp8`."""
    gpu: str
    """GPU id."""
    runtime: str
    """Runtime id."""
    quant: Quant
    """Weight precision."""
    replicas: int = Field(ge=1)
    """Replicas simulated."""
    total_gpus: int = Field(ge=1)
    """GPUs in all replicas."""
    cost_usd_per_month: float | None = None
    """All GPUs, 730 hours (None: no price)."""
    ttft_p95_s: float = Field(ge=0)
    """Time to first token, 95th percentile, at the target RPS plus headroom, seconds."""
    tpot_p95_s: float = Field(ge=0)
    """Time per output token, 95th percentile, at the target RPS plus headroom, seconds."""
    meets_slo: bool
    """Every SLO holds."""


class CandidateSummary(Frozen):
    """One deployment the search evaluated, with its predicted latency and cost."""

    label: str
    """Short label, e.g. `2x h100-sxm tp2 vllm fp8`."""
    gpu: str
    """GPU id."""
    gpu_name: str
    """GPU name."""
    runtime: str
    """Runtime id."""
    runtime_version: str
    """Runtime version the profile describes."""
    quant: Quant
    """Weight precision."""
    kv_dtype: KvDtype
    """KV-cache precision."""
    tp_size: int = Field(ge=1)
    """Tensor-parallel size."""
    pp_size: int = Field(ge=1)
    """Pipeline-parallel size."""
    dp_size: int = Field(default=1, ge=1)
    """Attention data-parallel ranks of tp_size GPUs each."""
    ep_size: int = Field(default=1, ge=1)
    """Expert-parallel group of the MoE layers."""
    gpus_per_replica: int = Field(ge=1)
    """GPUs in one replica."""
    replicas: int = Field(ge=1)
    """Replicas."""
    total_gpus: int = Field(ge=1)
    """GPUs in all replicas."""
    max_num_seqs: int = Field(ge=1)
    """Scheduler cap on running sequences per replica."""
    max_num_batched_tokens: int = Field(ge=1)
    """Scheduler token budget per iteration."""
    max_model_len: int = Field(ge=1)
    """Longest sequence accepted, tokens."""
    speculative: SpeculativeConfig | None = None
    """Speculative decoding planned (method, draft tokens, acceptance rate and its source); None: plain decoding."""
    disagg: DisaggConfig | None = None
    """Prefill/decode disaggregation planned (P:D and each pool's TP; a replica is then one copy of the whole P:D
    deployment); None: aggregated."""
    meets_slo: bool
    """Every SLO holds at the target RPS plus headroom."""
    ttft_p50_s: float = Field(ge=0)
    """Time to first token, median, at the target RPS."""
    ttft_p95_s: float = Field(ge=0)
    """Time to first token, 95th percentile."""
    ttft_p99_s: float = Field(ge=0)
    """Time to first token, 99th percentile."""
    tpot_p50_s: float = Field(ge=0)
    """Time per output token, median."""
    tpot_p95_s: float = Field(ge=0)
    """Time per output token, 95th percentile."""
    tpot_p99_s: float = Field(ge=0)
    """Time per output token, 99th percentile."""
    itl_p50_s: float = Field(default=0.0, ge=0)
    """Inter-token latency (gap between streamed chunks), median."""
    itl_p95_s: float = Field(default=0.0, ge=0)
    """Inter-token latency, 95th percentile."""
    itl_p99_s: float = Field(default=0.0, ge=0)
    """Inter-token latency, 99th percentile."""
    e2e_p50_s: float = Field(ge=0)
    """End-to-end latency, median."""
    e2e_p95_s: float = Field(ge=0)
    """End-to-end latency, 95th percentile."""
    e2e_p99_s: float = Field(ge=0)
    """End-to-end latency, 99th percentile."""
    queue_p95_s: float = Field(ge=0)
    """Time waiting for admission, 95th percentile."""
    output_tokens_per_s: float = Field(ge=0)
    """Output tokens per second served by all replicas at the target RPS."""
    requests_per_s_capacity: float = Field(ge=0)
    """Requests per second all replicas sustain within the SLOs (the RPS the replica count was sized for)."""
    utilization: float = Field(ge=0)
    """Fraction of a replica's throughput capacity (at the largest batch the TPOT target allows) used at the
    target RPS."""
    kv_utilization: float = Field(ge=0)
    """Time-averaged fraction of KV cache in use at the target RPS."""
    concurrency_per_replica: float = Field(ge=0)
    """Mean requests in flight per replica."""
    cost_usd_per_hour: float | None = None
    """All GPUs, one hour (None: no price for this GPU)."""
    cost_usd_per_month: float | None = None
    """All GPUs, 730 hours."""
    cost_usd_per_1m_output_tokens: float | None = None
    """Cost per million output tokens at the target RPS."""
    cost_usd_per_1m_input_tokens: float | None = None
    """Cost per million prompt tokens at the target RPS."""
    cost_usd_per_request: float | None = None
    """Cost per request at the target RPS."""
    price: PriceSummary | None = None
    """Price used."""
    memory: MemorySummary
    """Per-GPU memory."""
    launch: LaunchSummary
    """How to launch one replica."""
    efficiency_source: str
    """Which efficiencies the perf model used."""
    notes: list[str] = Field(default_factory=list)
    """Caps and assumptions specific to this candidate."""
    error_bands: dict[str, Band] = Field(default_factory=dict)
    """Per metric (ttft, tpot, itl, e2e, throughput), the spread of measured / predicted on published runs of this
    runtime under load (calibration/uncertainty.yaml); empty when no table ships."""
    replicas_by_confidence: dict[str, int | None] = Field(default_factory=dict)
    """Replicas this deployment needs at each confidence (`typical`: on the predictions; `high`: every SLO also at
    the pessimistic end of its error band); None: no replica count the search tried meets it."""
    load_curve: list[LoadPoint] = Field(default_factory=list)
    """Latency of one replica against the request rate offered to it (recommendation and alternatives)."""
    slo_capacity_rps_per_replica: dict[str, float] = Field(default_factory=dict)
    """Per SLO key (e.g. `ttft_p95_s`), the highest request rate per replica at which it still holds (the
    capacity knee)."""


class Rejection(Frozen):
    """A family of candidates (GPU x runtime x precision) the search dropped, and why."""

    gpu: str
    """GPU id."""
    runtime: str
    """Runtime id."""
    quant: str
    """Weight precision."""
    kind: RejectionKind
    """Category of the reason."""
    reason: Message
    """The reason, e.g. `OOM: needs {needed_bytes} per GPU, has {gpu_memory_bytes} at TP8`."""


class PlanInputs(Frozen):
    """The resolved inputs of the plan, so `planner check` can re-plan a new checkpoint the same way."""

    workload: Workload
    """Traffic (a sample's lengths kept as at most 1,000 quantiles)."""
    slo: Slo
    """Latency targets."""
    constraints: Constraints
    """Search constraints."""


class Report(Frozen):
    """Everything `planner recommend` decided and why."""

    schema_version: str = SCHEMA_VERSION
    """Layout version of this JSON."""
    inputs: PlanInputs
    """Resolved inputs (traffic, SLOs, constraints) for re-planning."""
    model: ModelSummary
    """The model."""
    workload: WorkloadSummary
    """The traffic."""
    slo: list[SloSummary]
    """Latency targets."""
    headroom: float = Field(ge=0)
    """SLOs were required to hold at (1 + headroom) x RPS."""
    seed: int
    """Random seed of the simulations."""
    recommendation: CandidateSummary | None
    """Cheapest deployment meeting every SLO (None: nothing does)."""
    alternatives: list[CandidateSummary]
    """Cheapest passing deployment per GPU type and per runtime, other than the recommendation."""
    rejected: list[Rejection]
    """Families dropped, with reasons."""
    suggestions: list[Message]
    """When nothing passes: what would (a looser SLO, a bigger GPU, more budget)."""
    assumptions: list[str]
    """How inputs were interpreted (bare SLOs, sample handling, arrival model)."""
    warnings: list[str]
    """Things to double-check (quantization quality, missing prices, parser guesses)."""
    candidates_evaluated: int = Field(ge=0)
    """Deployments checked for memory and analytic capacity."""
    candidates_simulated: int = Field(ge=0)
    """Deployments simulated."""
    simulated: list[CandidatePoint] = Field(default_factory=list)
    """Every deployment the search simulated, at its final replica count (for cost-vs-latency views)."""
