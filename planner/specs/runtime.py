"""Serving-runtime profiles: one `Runtime` per file in runtime_profiles/."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from planner.specs._base import Frozen, Sourced
from planner.specs.disagg import DisaggSupport
from planner.specs.efficiency import PerfConstants
from planner.specs.hardware import Architecture, Vendor
from planner.specs.launch import LaunchRules
from planner.specs.limits import MAX_BATCHED_TOKENS, MAX_SEQS
from planner.specs.speculative import SpeculativeSupport

Quant = Literal["bf16", "fp16", "fp8", "int8", "int4-awq", "int4-gptq", "nvfp4", "mxfp4"]
"""Weight precision / quantization format, as spelled on the command line and in the data files."""

KvDtype = Literal["auto", "fp8"]
"""KV-cache precision: `auto` keeps the activation dtype (bf16/fp16), `fp8` stores e4m3/e5m2."""

ModuleName = Literal["embedding", "lm_head", "router", "attention", "norms"]
"""Parts of a model a runtime may keep in 16-bit when the rest is quantized."""

class StatePool(Frozen):
    """A pool of its own for the fixed per-sequence state of linear-attention / SSM layers (SGLang's Mamba pool),
    carved out of the memory the runtime gives its caches, which caps the requests that can run at once."""

    state_to_kv_memory_ratio: float = Field(gt=0, le=100)
    """State-pool bytes over KV-pool bytes: the cache memory (what is left after weights) is split in this ratio
    (SGLang `--mamba-full-memory-ratio`); dimensionless."""
    slots_per_request: int = Field(ge=1, le=64)
    """State slots the pool keeps per running request (the running one plus those the prefix cache and the
    scheduler track); the running-request cap is the pool's slots // this."""
    padding_slots: int = Field(default=0, ge=0, le=64)
    """Slots the pool allocates but never hands to a request."""
    speculative_draft_states: bool = False
    """With speculative decoding the pool also holds one intermediate state per draft token of each running
    request (verified and rolled back per step)."""


class MemoryPolicy(Frozen):
    """How the runtime carves GPU memory into weights, activations, graphs and KV cache."""

    memory_fraction: float = Field(gt=0, le=1)
    """Fraction the runtime may use (vLLM `gpu_memory_utilization`, SGLang `mem_fraction_static`, ...)."""
    fraction_basis: Literal["total", "free_after_load", "weights_and_kv"]
    """`total`: the fraction of device memory caps weights, activations, graphs and KV (vLLM);
    `weights_and_kv`: the fraction holds only weights and KV, activations and graphs live in the rest
    (SGLang `mem_fraction_static`); `free_after_load`: the fraction of memory still free after weights
    and activations goes to KV (TensorRT-LLM, TGI)."""
    context_outside_fraction: bool = False
    """The CUDA context exists before the runtime measures memory, so it sits in the slack outside the
    fraction instead of reducing the KV cache (vLLM)."""
    cuda_context_bytes: int = Field(ge=0, le=2**36)
    """CUDA/HIP context, cuBLAS workspaces and allocator slack outside the runtime's pools, bytes."""
    cuda_graph_bytes: int = Field(ge=0, le=2**36)
    """Memory held by captured CUDA graphs at default settings, bytes (0 without graphs)."""
    activation_scale: float = Field(gt=0, le=100)
    """Dimensionless multiplier on the planner's per-token activation estimate (1.0 = as modelled)."""
    unquantized_modules: list[ModuleName] = Field(default_factory=list)
    """Modules kept in 16-bit when weights are quantized (e.g. embedding and lm_head)."""
    state_pool: StatePool | None = None
    """Separate pool for the recurrent state of hybrid (linear-attention / SSM) models; None: each sequence's state
    is held in the KV cache next to its KV blocks."""


class Scheduler(Frozen):
    """Default continuous-batching scheduler limits."""

    max_num_seqs: int = Field(ge=1, le=MAX_SEQS)
    """Most sequences running in one iteration (vLLM `--max-num-seqs`, TRT-LLM `max_batch_size`)."""
    speculative_max_num_seqs: int | None = Field(default=None, ge=1, le=MAX_SEQS)
    """Default of `max_num_seqs` when speculative decoding is on and none is given (SGLang resets
    max_running_requests to 48); None: the same default as without it."""
    max_num_batched_tokens: int = Field(ge=1, le=MAX_BATCHED_TOKENS)
    """Token budget of one iteration (prefill chunk + decode tokens)."""
    kv_block_size_tokens: int = Field(ge=1, le=4_096)
    """Tokens per paged KV-cache block."""
    chunked_prefill: bool
    """Whether long prompts are split across iterations by default."""
    batching: Literal["continuous", "static"] = "continuous"
    """`continuous`: sequences join and leave every iteration; `static`: a batch runs until its
    longest sequence ends before the next starts (transformers `generate`)."""
    mixed_batches: bool = True
    """Prefill chunks share iterations with decode tokens; if False, prefill iterations pause decoding
    (SGLang without --enable-mixed-chunk, TGI)."""
    kv_watermark_fraction: float = Field(default=0.0, ge=0, lt=0.5)
    """Share of KV blocks an on-demand scheduler keeps free when admitting new requests, so running sequences
    can grow without immediate preemption."""
    stream_interval_tokens: int = Field(default=1, ge=1)
    """Output tokens per streamed chunk: a client sees tokens in groups of this many (inter-token latency is
    measured between chunks)."""
    detokenizer: Literal["api_server", "own_process"] = "api_server"
    """Where output tokens are detokenized and streamed: in the API server process, queueing with request
    ingest (vLLM's output processor, trtllm-serve), or in a process of its own beside it (SGLang's
    DetokenizerManager), so a flood of arriving requests does not hold back first tokens."""
    kv_reservation: Literal["on_demand", "full"] = "on_demand"
    """`on_demand`: KV blocks grow with each token and the newest sequence is preempted when full
    (vLLM, SGLang, TGI); `full`: prompt + max output is reserved at admission (TensorRT-LLM
    GUARANTEED_NO_EVICT)."""


class SchedulerOverride(Frozen):
    """Scheduler defaults that differ by GPU (the first matching rule applies)."""

    architectures: list[Architecture] = Field(default_factory=list)
    """Applies to these architectures (empty: any)."""
    min_memory_bytes: int | None = Field(default=None, gt=0, le=2**42)
    """Applies to GPUs with at least this much memory, bytes."""
    max_memory_bytes: int | None = Field(default=None, gt=0, le=2**42)
    """Applies to GPUs with less than this much memory, bytes."""
    max_num_seqs: int | None = Field(default=None, ge=1, le=MAX_SEQS)
    """Replacement for `Scheduler.max_num_seqs`."""
    max_num_batched_tokens: int | None = Field(default=None, ge=1, le=MAX_BATCHED_TOKENS)
    """Replacement for `Scheduler.max_num_batched_tokens`."""

    def matches(self, architecture: str, memory_bytes: int) -> bool:
        """Whether a GPU of this architecture and memory falls under the rule."""
        return ((not self.architectures or architecture in self.architectures)
                and (self.min_memory_bytes is None or memory_bytes >= self.min_memory_bytes)
                and (self.max_memory_bytes is None or memory_bytes < self.max_memory_bytes))


class Features(Frozen):
    """Serving features the runtime offers."""

    chunked_prefill: bool
    """Chunked prefill mixed with decode."""
    prefix_caching: bool
    """Automatic prefix (KV) caching across requests."""
    speculative_decoding: bool
    """Draft-model / n-gram / MTP speculative decoding."""
    cuda_graphs: bool
    """Decode iterations replayed from captured CUDA/HIP graphs by default."""
    sliding_window: bool
    """Sliding-window layers keep only the window in the KV cache by default (else full context)."""
    embedding_models: bool
    """Serves encoder-only (embedding / classification) models through its API."""


class Parallelism(Frozen):
    """Parallelism strategies the runtime supports."""

    tp: bool
    """Tensor parallelism."""
    pp: bool
    """Pipeline parallelism."""
    ep: bool
    """Expert parallelism for MoE models."""
    dp_attention: bool = False
    """Attention data parallelism (data-parallel ranks sharing expert-parallel MoE layers)."""
    dp_dense_over_group: bool = False
    """With attention data parallelism the dense MLPs, shared experts, embedding and lm_head are sharded over all
    tp x dp GPUs (tokens gathered, as for the MoE layers; SGLang) rather than replicated per rank (vLLM, TRT-LLM)."""
    dp_divides_limits: bool = False
    """With attention data parallelism the runtime's default running-request cap and prefill token budget are the
    replica's, split evenly among the ranks (SGLang), rather than each rank's own (vLLM, TensorRT-LLM)."""
    expert_load_imbalance: float = Field(default=1.0, ge=1, le=100)
    """Routed rows of the busiest expert-parallel rank over the mean (a stated assumption, see sources)."""
    all_to_all_low_latency_bw_efficiency: float = Field(default=1.0, gt=0, le=1)
    """Share of the link bandwidth the decode (low-latency) dispatch / combine kernels reach."""
    all_to_all_normal_bw_efficiency: float = Field(default=1.0, gt=0, le=1)
    """Share of the link bandwidth the prefill (normal, high-throughput) dispatch / combine kernels reach."""
    max_gpus_per_replica: int = Field(ge=1, le=1_024)
    """Largest number of GPUs one replica may span."""


class PerfOverride(Frozen):
    """Per-architecture adjustments of `PerfConstants` (only the fields given change)."""

    gemm_compute_efficiency: float | None = Field(default=None, gt=0, le=1)
    """See `PerfConstants.gemm_compute_efficiency`."""
    gemm_half_efficiency_tokens: float | None = Field(default=None, gt=0, le=1e6)
    """See `PerfConstants.gemm_half_efficiency_tokens`."""
    weight_bw_efficiency: float | None = Field(default=None, gt=0, le=1)
    """See `PerfConstants.weight_bw_efficiency`."""
    kv_bw_efficiency: float | None = Field(default=None, gt=0, le=1)
    """See `PerfConstants.kv_bw_efficiency`."""
    attention_compute_efficiency: float | None = Field(default=None, gt=0, le=1)
    """See `PerfConstants.attention_compute_efficiency`."""
    step_overhead_s: float | None = Field(default=None, ge=0, le=1)
    """See `PerfConstants.step_overhead_s`."""
    per_seq_overhead_s: float | None = Field(default=None, ge=0, le=1)
    """See `PerfConstants.per_seq_overhead_s`."""
    per_layer_overhead_s: float | None = Field(default=None, ge=0, le=1)
    """See `PerfConstants.per_layer_overhead_s`."""
    request_overhead_s: float | None = Field(default=None, ge=0, le=1)
    """See `PerfConstants.request_overhead_s`."""
    frontend_request_s: float | None = Field(default=None, ge=0, le=1)
    """See `PerfConstants.frontend_request_s`."""
    frontend_prompt_token_s: float | None = Field(default=None, ge=0, le=1)
    """See `PerfConstants.frontend_prompt_token_s`."""
    frontend_output_token_s: float | None = Field(default=None, ge=0, le=1)
    """See `PerfConstants.frontend_output_token_s`."""
    allreduce_bw_efficiency: float | None = Field(default=None, gt=0, le=1)
    """See `PerfConstants.allreduce_bw_efficiency`."""
    weight_only_int4_compute_penalty: float | None = Field(default=None, ge=1, le=100)
    """See `PerfConstants.weight_only_int4_compute_penalty`."""
    moe_gemm_efficiency_factor: float | None = Field(default=None, gt=0, le=1)
    """See `PerfConstants.moe_gemm_efficiency_factor`."""
    use_op_tables: bool | None = None
    """See `PerfConstants.use_op_tables`."""
    use_moe_tables: bool | None = None
    """See `PerfConstants.use_moe_tables`."""


class Runtime(Sourced):
    """One serving runtime, as described by a file in runtime_profiles/."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    """Stable identifier used on the command line (file name without `.yaml`)."""
    name: str
    """Name shown to people."""
    version: str
    """Runtime version the defaults describe."""
    aliases: list[str] = Field(default_factory=list)
    """Other spellings users type (case-insensitive)."""
    vendors: list[Vendor] = Field(min_length=1)
    """GPU vendors the runtime runs on."""
    architectures: list[Architecture] = Field(min_length=1)
    """GPU architectures the runtime supports at all."""
    quantization: dict[Quant, list[Architecture]]
    """Weight formats the runtime serves, each with the architectures that can run it."""
    kv_cache_dtypes: dict[KvDtype, list[Architecture]]
    """KV-cache precisions, each with the architectures that can run it."""
    parallelism: Parallelism
    """Supported parallelism."""
    memory: MemoryPolicy
    """Memory carving."""
    scheduler: Scheduler
    """Scheduler defaults."""
    scheduler_overrides: list[SchedulerOverride] = Field(default_factory=list)
    """GPU-dependent scheduler defaults, first match wins."""
    features: Features
    """Serving features."""
    perf: PerfConstants
    """Performance-model defaults (tuned on ../shared/validation data; see sources)."""
    perf_overrides: dict[Architecture, PerfOverride] = Field(default_factory=dict)
    """Per-architecture adjustments of `perf`."""
    model_families: list[str] | None = None
    """Model families (planner `Family` ids) the runtime loads at `version`, from its supported-models list;
    None: not described (any family is assumed loadable)."""
    speculative: SpeculativeSupport = SpeculativeSupport()
    """Speculative-decoding methods the runtime serves (none when the profile names none)."""
    disaggregation: DisaggSupport = DisaggSupport()
    """Prefill/decode disaggregated serving (none when the profile names no form)."""
    launch: LaunchRules | None = None
    """How to start the runtime and what its parsers accept (images, flags, metrics, refusals), each rule
    with its own source (None: launch commands are generated without checks)."""

    _unsourced_exempt: tuple[str, ...] = ("sources", "prices", "launch")

    @model_validator(mode="after")
    def _consistent(self) -> Runtime:
        for quant, archs in self.quantization.items():
            stray = set(archs) - set(self.architectures)
            if stray:
                raise ValueError(f"quantization.{quant} lists architectures the runtime does not support: {sorted(stray)}")
        if "auto" not in self.kv_cache_dtypes:
            raise ValueError("kv_cache_dtypes must include `auto`")
        return self

    def perf_for(self, architecture: Architecture) -> PerfConstants:
        """Perf defaults with this architecture's overrides applied."""
        override = self.perf_overrides.get(architecture)
        if override is None:
            return self.perf
        changes = override.model_dump(exclude_none=True)
        return self.perf.model_copy(update=changes)

    def scheduler_for(self, architecture: Architecture, memory_bytes: int) -> Scheduler:
        """Scheduler defaults on a GPU of this architecture and memory (first matching override applied)."""
        for rule in self.scheduler_overrides:
            if rule.matches(architecture, memory_bytes):
                changes = rule.model_dump(include={"max_num_seqs", "max_num_batched_tokens"}, exclude_none=True)
                return self.scheduler.model_copy(update=changes)
        return self.scheduler

    def supports_quant(self, quant: Quant, architecture: Architecture) -> bool:
        """Whether `quant` weights can be served on `architecture`."""
        return architecture in self.quantization.get(quant, [])

    def supports_family(self, family: str) -> bool:
        """Whether the runtime's supported-models list covers `family` (unknown families are not refused)."""
        return self.model_families is None or family == "other" or family in self.model_families

    def supports_kv_dtype(self, kv_dtype: KvDtype, architecture: Architecture) -> bool:
        """Whether the KV cache can be stored as `kv_dtype` on `architecture`."""
        return architecture in self.kv_cache_dtypes.get(kv_dtype, [])
