"""Memory model: what one GPU of a deployment holds, and how many tokens of KV cache fit.

Per GPU: weights (sharded by TP, split by PP, each module at its stored precision) +
activation peak for the runtime's token budget + CUDA context + CUDA graphs, all inside the
runtime's memory fraction; the rest is KV cache. A runtime with a state pool of its own (SGLang's Mamba
pool) splits that rest between the KV cache and a pool of per-sequence recurrent states for hybrid
linear-attention / SSM models, and the pool's slots cap the requests that run at once.
"""

from __future__ import annotations

import math

from pydantic import Field

from planner.core import arch, formats, shard
from planner.core import speculative as _spec
from planner.specs._base import Frozen
from planner.specs.deployment import Deployment


class MemoryBreakdown(Frozen):
    """Per-GPU memory of one deployment (the busiest GPU when pipeline stages differ)."""

    params_total: int = Field(ge=0)
    """Parameters of the whole model."""
    params_active: int = Field(ge=0)
    """Parameters one token passes through."""
    gpu_memory_bytes: int = Field(gt=0)
    """Device memory of one GPU."""
    memory_fraction: float = Field(gt=0, le=1)
    """Fraction of memory the runtime may use."""
    usable_bytes: float
    """Memory the runtime may use on one GPU (fraction applied as the runtime applies it)."""
    weights_bytes_per_gpu: float = Field(ge=0)
    """Weights held by one GPU, quantization scales included (the speculative draft's too)."""
    draft_weights_bytes_per_gpu: float = Field(default=0.0, ge=0)
    """Weights of the speculative draft (MTP layers or EAGLE head) on one GPU, included in
    `weights_bytes_per_gpu`."""
    activation_bytes_per_gpu: float = Field(ge=0)
    """Peak activation memory for a full iteration of `max_num_batched_tokens`."""
    cuda_context_bytes: float = Field(ge=0)
    """CUDA context and library workspaces."""
    cuda_graph_bytes: float = Field(ge=0)
    """Captured CUDA graphs."""
    kv_cache_bytes_per_gpu: float
    """Memory left for the KV cache (negative when the rest does not fit)."""
    kv_bytes_per_token: float = Field(ge=0)
    """KV bytes one token adds over all layers of the model (no TP split, no window caps)."""
    kv_bytes_per_token_per_gpu: float = Field(ge=0)
    """KV bytes one token adds on one GPU (TP split, KV heads replicated when fewer than ranks)."""
    context_tokens: int = Field(ge=1)
    """Sequence length the capacity figures refer to."""
    kv_bytes_per_seq_per_gpu: float = Field(ge=0)
    """KV-cache bytes one sequence of `context_tokens` holds on one GPU (sliding / chunked layers capped, blocks
    rounded), plus the fixed recurrent state of its linear-attention / SSM layers unless the runtime keeps that in
    its state pool (`state_pool_bytes_per_gpu`)."""
    state_bytes_per_seq_per_gpu: float = Field(default=0.0, ge=0)
    """Recurrent-state bytes (conv + SSM / linear-attention state) one sequence holds on one GPU, whatever
    its length (included in `kv_bytes_per_seq_per_gpu`)."""
    state_pool_bytes_per_gpu: float = Field(default=0.0, ge=0)
    """Memory of the runtime's separate recurrent-state pool on one GPU (SGLang's Mamba pool), taken from what is
    left after weights before `kv_cache_bytes_per_gpu`; 0 when states share the KV cache."""
    state_pool_slots: int = Field(default=0, ge=0)
    """Per-sequence states that pool holds (per attention data-parallel rank)."""
    state_pool_max_seqs: int | None = Field(default=None, ge=0)
    """Requests one attention data-parallel rank can run at once by that pool (its slots over the slots one running
    request keeps), whatever `max_num_seqs` says; None without such a pool."""
    kv_capacity_tokens: int = Field(ge=0)
    """Tokens of `context_tokens`-long sequences the KV cache holds (per replica)."""
    max_concurrent_seqs: int = Field(ge=0)
    """Sequences of `context_tokens` that fit in the KV cache (and the state pool) at once (memory bound only)."""
    fits: bool
    """Weights, overheads and the KV of at least one `context_tokens` sequence fit."""
    needed_bytes: float = Field(ge=0)
    """Device memory one GPU would need to hold all of it plus one sequence of KV."""
    shortfall_bytes: float = Field(ge=0)
    """How much more device memory one GPU would need to fit (0 when it fits)."""


def _stage_layer_counts(num_layers: int, pp_size: int) -> list[int]:
    base, extra = divmod(num_layers, pp_size)
    return [base + (1 if i < extra else 0) for i in range(pp_size)]


def weights_bytes_per_gpu(dep: Deployment) -> float:
    """Weight bytes on the busiest GPU (max over pipeline stages)."""
    model, tp = dep.model, dep.tp_size
    per_layer = 0.0  # bytes of one average layer on one rank
    head_bytes = 0.0
    for place in shard.placements(dep):
        total = place.weight_bytes + place.bias_bytes
        if place.linear.group == "lm_head":
            head_bytes += total
        else:
            per_layer += total / model.num_layers
    counts = arch.count_params(model)
    sixteen = formats.ACTIVATION_BYTES  # norms, small attention tensors and vision towers stay 16-bit
    per_layer += arch.small_params(model) / model.num_layers * sixteen
    _, embed_bpw = formats.module_bytes_per_weight(dep, "embedding")
    embed_tp = dep.moe_group_gpus if dep.dp_size > 1 and dep.runtime.parallelism.dp_dense_over_group else tp
    embed_bytes = counts.embedding / (embed_tp if not model.encoder_only else 1) * embed_bpw
    vision_bytes = counts.vision / tp * sixteen
    stages = _stage_layer_counts(model.num_layers, dep.pp_size)
    per_stage = []
    for i, layers in enumerate(stages):
        b = layers * per_layer
        if i == 0:
            b += embed_bytes + vision_bytes
        if i == len(stages) - 1:
            b += head_bytes
        per_stage.append(b)
    return max(per_stage)


def activation_bytes_per_gpu(dep: Deployment) -> float:
    """Peak activation memory of one iteration at the token budget (the runtime's profiling run).

    Per batched token: a few hidden-size buffers, the local Q/K/V projections, and the widest
    local MLP intermediate (gate+up); plus float32 logits (and their softmax copy) for every
    sequence sampled in the iteration. Scaled by the runtime's `activation_scale`.
    """
    model, tp = dep.model, dep.tp_size
    tokens = min(dep.max_num_batched_tokens, dep.max_model_len * dep.max_num_seqs)
    a = model.attention
    qkv_local = a.num_heads * a.head_dim / tp + 2 * arch.kv_heads_per_gpu(model, tp) * a.head_dim
    inter = model.intermediate_size
    if model.is_moe and model.moe:
        routed = model.moe.num_experts_per_tok * model.moe.expert_intermediate_size
        inter = max(inter if not all(layer.moe for layer in model.layers) else 0, routed,
                    model.moe.shared_intermediate_size)
    width = 4 * model.hidden_size + qkv_local + 3 * inter / tp
    per_token = width * formats.ACTIVATION_BYTES * dep.runtime.memory.activation_scale
    logits = 0.0 if model.encoder_only else dep.max_num_seqs * model.vocab_size / tp * 4.0 * 2
    return tokens * per_token + logits


def kv_sequence_bytes(dep: Deployment, context_tokens: int) -> float:
    """KV bytes one sequence of `context_tokens` holds on the busiest GPU (sliding / chunked layers capped at their
    window), plus the fixed recurrent state of its linear-attention / SSM layers."""
    kvb = formats.kv_dtype_bytes(dep.kv_dtype)
    draft = _spec.draft_kv_bytes_per_token_per_gpu(dep) * context_tokens if dep.speculative else 0.0
    return arch.cache_bytes_for_context(dep.model, context_tokens, kvb, dep.tp_size, dep.pp_size) + draft


def pooled_state_bytes(dep: Deployment) -> float:
    """Recurrent-state bytes of one sequence on the busiest GPU that the runtime keeps in a pool of their own
    (`MemoryPolicy.state_pool`); 0 when the model has no such state or the states share the KV cache."""
    if dep.runtime.memory.state_pool is None or dep.model.encoder_only:
        return 0.0
    return arch.state_bytes_busiest_stage(dep.model, dep.tp_size, dep.pp_size)


def kv_pool_sequence_bytes(dep: Deployment, context_tokens: int) -> float:
    """Bytes one sequence of `context_tokens` takes from the KV cache on the busiest GPU: `kv_sequence_bytes` less
    the recurrent state a separate state pool holds."""
    return kv_sequence_bytes(dep, context_tokens) - pooled_state_bytes(dep)


def state_pool_slots(dep: Deployment, pool_bytes: float, state_bytes: float) -> int:
    """Per-sequence states a state pool of `pool_bytes` holds (`state_bytes` each).

    With speculative decoding (and `speculative_draft_states`) every running request also needs one intermediate
    state per draft token (k + 1 for a chain of k), so slots K solve K + (K / slots_per_request + 1) x draft +
    padding <= pool / state, as SGLang sizes its Mamba pool.
    """
    pool = dep.runtime.memory.state_pool
    if pool is None or state_bytes <= 0:
        return 0
    draft = dep.speculative.num_speculative_tokens + 1 if dep.speculative and pool.speculative_draft_states else 0
    usable = pool_bytes / state_bytes - pool.padding_slots - draft
    return max(0, math.floor(usable / (1 + draft / pool.slots_per_request)))


def kv_token_capacity(dep: Deployment, kv_cache_bytes: float, context_tokens: float) -> int:
    """Tokens a KV cache of `kv_cache_bytes` per GPU holds at the per-token cost of `context_tokens`-long sequences
    (a model without a KV cache holds an unbounded number)."""
    ctx = max(1, int(context_tokens))
    per_token = kv_pool_sequence_bytes(dep, ctx) / ctx
    return int(max(0.0, kv_cache_bytes) / per_token) if per_token > 0 else 10**12


def memory_breakdown(dep: Deployment, context_tokens: int | None = None) -> MemoryBreakdown:
    """Per-GPU memory of `dep` and the KV capacity for sequences of `context_tokens`.

    Args:
        dep: The deployment.
        context_tokens: Sequence length for the capacity figures (default: `dep.max_model_len`).
    """
    model, policy = dep.model, dep.runtime.memory
    context = context_tokens or dep.max_model_len
    counts = arch.count_params(model)
    draft_weights = _spec.draft_weights_bytes_per_gpu(dep)
    weights = weights_bytes_per_gpu(dep) + draft_weights
    activation = activation_bytes_per_gpu(dep)
    graphs = float(policy.cuda_graph_bytes) if dep.runtime.features.cuda_graphs else 0.0
    ctx = float(policy.cuda_context_bytes)
    mem = dep.gpu.memory_bytes
    fixed = weights + activation + ctx + graphs
    fraction = dep.memory_fraction
    # Memory the runtime's fraction does not cover but that must still exist on the device.
    outside = ctx if policy.context_outside_fraction else 0.0
    if policy.fraction_basis == "total":
        usable = fraction * mem
        kv_avail = usable - (fixed - outside)
    elif policy.fraction_basis == "weights_and_kv":
        # SGLang: the static pool (weights + KV) gets the fraction; activations, graphs and the context
        # must fit in the rest, else the pool shrinks by the overflow.
        usable = fraction * mem
        overflow = max(0.0, (activation + graphs + ctx) - (1 - fraction) * mem)
        kv_avail = usable - weights - overflow
    else:
        usable = mem - (1 - fraction) * max(0.0, mem - fixed)
        kv_avail = fraction * (mem - fixed)
    kvb = formats.kv_dtype_bytes(dep.kv_dtype)
    per_token_gpu = arch.kv_bytes_per_token(model, kvb, dep.tp_size) / dep.pp_size
    block = dep.runtime.scheduler.kv_block_size_tokens
    rounded = math.ceil(context / block) * block
    seq_bytes = kv_pool_sequence_bytes(dep, rounded)
    cache_avail = kv_avail  # what weights and overheads leave for the caches
    state_bytes = pooled_state_bytes(dep)
    pool_bytes, slots, state_cap = 0.0, 0, None
    if state_bytes > 0 and policy.state_pool is not None:
        # The runtime splits the cache memory between its state pool and the KV cache in a fixed ratio.
        ratio = policy.state_pool.state_to_kv_memory_ratio
        pool_bytes = max(0.0, cache_avail) * ratio / (1 + ratio)
        kv_avail = cache_avail - pool_bytes
        slots = state_pool_slots(dep, pool_bytes, state_bytes)
        state_cap = slots // policy.state_pool.slots_per_request
    if model.encoder_only:
        seqs = dep.max_num_seqs if kv_avail >= 0 else 0
        capacity = seqs * context
        need_cache = 0.0
    else:
        seqs = max(0, math.floor(kv_avail / seq_bytes)) if seq_bytes > 0 else 0
        capacity = int(max(0.0, kv_avail) / (seq_bytes / context)) if seq_bytes > 0 else 0
        need_cache = seq_bytes
    if state_cap is not None and policy.state_pool is not None:
        pool = policy.state_pool
        seqs = min(seqs, state_cap)
        # Cache memory for one sequence's KV and for a pool that runs one request: its slots, padding and (with
        # speculative decoding) the draft states of the request and of the solve's extra one.
        draft = dep.speculative.num_speculative_tokens + 1 if dep.speculative and pool.speculative_draft_states else 0
        pool_need = state_bytes * (pool.slots_per_request + pool.padding_slots + 2 * draft)
        ratio = pool.state_to_kv_memory_ratio
        need_cache = max(need_cache * (1 + ratio), pool_need * (1 + ratio) / ratio)
    if policy.fraction_basis == "total":
        needed = (fixed - outside + need_cache) / fraction + outside
    elif policy.fraction_basis == "weights_and_kv":
        needed = max((weights + need_cache) / fraction, weights + need_cache + activation + graphs + ctx)
    else:
        needed = fixed + need_cache / fraction
    fits = cache_avail >= need_cache and cache_avail >= 0 and (state_cap is None or state_cap >= 1)
    return MemoryBreakdown(
        params_total=counts.total, params_active=counts.active, gpu_memory_bytes=mem,
        memory_fraction=dep.memory_fraction, usable_bytes=usable, weights_bytes_per_gpu=weights,
        draft_weights_bytes_per_gpu=draft_weights,
        activation_bytes_per_gpu=activation, cuda_context_bytes=ctx, cuda_graph_bytes=graphs,
        kv_cache_bytes_per_gpu=kv_avail, kv_bytes_per_token=arch.kv_bytes_per_token(model, kvb),
        kv_bytes_per_token_per_gpu=per_token_gpu, context_tokens=context,
        kv_bytes_per_seq_per_gpu=seq_bytes, kv_capacity_tokens=capacity, max_concurrent_seqs=seqs,
        state_pool_bytes_per_gpu=pool_bytes, state_pool_slots=slots, state_pool_max_seqs=state_cap,
        state_bytes_per_seq_per_gpu=arch.state_bytes_per_seq(model, dep.tp_size) / dep.pp_size,
        fits=fits, needed_bytes=needed, shortfall_bytes=0.0 if fits else max(0.0, needed - mem),
    )
