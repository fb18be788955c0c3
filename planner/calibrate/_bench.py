"""Microbenchmarks of one device: GEMMs, memory bandwidth, attention, eager overheads, all-reduce.

Every timing warms up first, then takes the median of repeated samples; a sample runs the
operation enough times to last `min_sample_s`. On a GPU the samples are timed with CUDA events
(device time of back-to-back kernels). On a CPU running one torch thread they are timed with
the process CPU time, the CPU's "device time": a shared machine that deschedules the process
then stretches neither the calibration nor the verification; with more threads (whose OpenMP
spin-waits would count as CPU time) with `time.perf_counter`. Results are plain dicts of raw
measurements (seconds per call), fitted later by `planner.calibrate.fit`.

Standard library and torch only: this module runs where only torch is installed.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from planner.calibrate import _model
from planner.errors import CalibrationError

Progress = Callable[[str], None]
"""Called once per finished measurement with a short label (drives the progress bar)."""

Sample = dict[str, Any]
"""One raw measurement, JSON-ready."""


@dataclass(frozen=True)
class Effort:
    """How hard each timing tries."""

    warmup: int
    """Untimed calls before timing."""
    repeats: int
    """Timed samples; the median is kept."""
    min_sample_s: float
    """Each sample repeats the operation until it lasts at least this long, seconds."""


@dataclass(frozen=True)
class Plan:
    """What to measure on one device, and how hard to try."""

    gemm_dtypes: tuple[str, ...]
    """Planner precisions whose GEMM curve is measured (`bf16`, `fp16`, `fp32`, `fp8`)."""
    gemm_shapes: tuple[tuple[int, int], ...]
    """(N, K) weight shapes, out x in features, of the model layers the curve stands for."""
    gemm_rows: tuple[int, ...]
    """Token rows M per GEMM."""
    attention_dtype: str
    """Precision of the attention and overhead benchmarks."""
    heads: int
    """Query heads of the attention benchmark."""
    kv_heads: int
    """Key/value heads of the attention benchmark."""
    head_dim: int
    """Head dimension of the attention benchmark."""
    prefill_lengths: tuple[int, ...]
    """Prompt lengths of the causal prefill attention benchmark (batch 1)."""
    decode_points: tuple[tuple[int, int], ...]
    """(batch, context tokens) of the decode attention benchmark."""
    moe_shape: tuple[int, int, int, int]
    """(hidden, expert intermediate, experts, top-k) of the eager MoE block benchmark."""
    moe_tokens: tuple[int, ...]
    """Token counts of the MoE block benchmark (enough rows per expert to be compute bound)."""
    bandwidth_bytes: int
    """Size of each buffer of the copy and read benchmarks, bytes."""
    flush_bytes: int
    """Weights of one GEMM shape are cycled through this many bytes of copies, so small-M GEMMs read
    them from memory rather than cache."""
    allreduce_bytes: tuple[int, ...]
    """Message sizes of the all-reduce benchmark, bytes."""
    effort: Effort
    """Warm-up, repeats and sample length of every timing."""


def make_plan(kind: str, quick: bool, cache_bytes: int | None = None, bf16: bool = True) -> Plan:
    """The benchmark plan for a `cuda` or `cpu` device, full or `--quick`.

    GPU shapes are those of Llama-3.1-8B (q/o 4096x4096, k/v 1024x4096, MLP 14336x4096 and
    4096x14336); CPU shapes those of the default CPU verification model (hidden 1024,
    intermediate 2816), so the curve describes the layers that are later predicted. GPUs
    without bf16 (compute capability below 8.0, `bf16=False`) are measured in fp16.
    """
    rows: tuple[int, ...]
    shapes: tuple[tuple[int, int], ...]
    if kind == "cuda":
        rows = (1, 4, 16, 64, 256, 1024, 4096, 8192) if quick else \
            (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192)
        shapes = ((4096, 4096), (14336, 4096)) if quick else ((4096, 4096), (1024, 4096), (14336, 4096), (4096, 14336))
        flush = max(2 * (cache_bytes or 0), 256 * 2**20)
        return Plan(
            gemm_dtypes=("bf16", "fp16", "fp8") if bf16 else ("fp16", "fp8"), gemm_shapes=shapes, gemm_rows=rows,
            attention_dtype="bf16" if bf16 else "fp16",
            heads=32, kv_heads=8, head_dim=128,
            prefill_lengths=(1024, 4096) if quick else (512, 1024, 2048, 4096, 8192),
            decode_points=((1, 4096), (16, 4096), (64, 2048)) if quick else
            ((1, 1024), (1, 8192), (8, 4096), (32, 1024), (32, 8192), (128, 2048)),
            moe_shape=(4096, 14336, 8, 2), moe_tokens=(1024, 4096) if quick else (512, 1024, 2048, 4096, 8192),
            bandwidth_bytes=(512 if quick else 2048) * 2**20, flush_bytes=flush,
            allreduce_bytes=(2**13, 2**20, 2**26) if quick else tuple(2**p for p in range(3, 29, 2)),
            effort=Effort(warmup=3, repeats=5 if quick else 9, min_sample_s=2e-3 if quick else 5e-3),
        )
    rows = (1, 4, 16, 64, 256, 1024) if quick else (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)
    shapes = ((1024, 1024), (2816, 1024)) if quick else ((1024, 1024), (256, 1024), (2816, 1024), (1024, 2816))
    flush = max(2 * (cache_bytes or 0), 96 * 2**20)
    return Plan(
        gemm_dtypes=("bf16", "fp32"), gemm_shapes=shapes, gemm_rows=rows, attention_dtype="bf16",
        heads=16, kv_heads=4, head_dim=64,
        prefill_lengths=(128, 512) if quick else (128, 256, 512, 1024),
        decode_points=((1, 512), (8, 1024)) if quick else ((1, 256), (1, 2048), (8, 512), (8, 2048)),
        moe_shape=(512, 1024, 8, 2), moe_tokens=(128, 512) if quick else (128, 256, 512, 1024),
        bandwidth_bytes=(128 if quick else 512) * 2**20, flush_bytes=flush, allreduce_bytes=(),
        effort=Effort(warmup=1 if quick else 2, repeats=3 if quick else 5, min_sample_s=2e-3 if quick else 1e-2),
    )


def count(plan: Plan, fp8: bool, allreduce: bool) -> int:
    """Number of progress ticks `run_all` will report."""
    dtypes = [d for d in plan.gemm_dtypes if d != "fp8" or fp8]
    gemms = len(dtypes) * len(plan.gemm_shapes) * len(plan.gemm_rows)
    return (gemms + 2 + len(plan.prefill_lengths) + len(plan.decode_points) + len(plan.moe_tokens) + 2
            + (len(plan.allreduce_bytes) if allreduce else 0))


# ---------------------------------------------------------------- timing


def timer_kind(device: torch.device) -> str:
    """`cuda_events`, `process_time` (one CPU thread) or `perf_counter` (several CPU threads)."""
    if device.type == "cuda":
        return "cuda_events"
    return "process_time" if torch.get_num_threads() == 1 else "perf_counter"


class Timer:
    """Seconds per call of a callable: CUDA events on a GPU; CPU time or wall clock on a CPU (`timer_kind`)."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self.cuda = device.type == "cuda"
        self.kind = timer_kind(device)
        self.clock = time.process_time if self.kind == "process_time" else time.perf_counter

    def sync(self) -> None:
        """Wait for queued device work."""
        if self.cuda:
            torch.cuda.synchronize(self.device)

    def per_call(self, fn: Callable[[], object], calls: int) -> float:
        """One sample: run `fn` `calls` times back to back; seconds per call."""
        if self.cuda:
            start = torch.cuda.Event(enable_timing=True)  # type: ignore[no-untyped-call]
            end = torch.cuda.Event(enable_timing=True)  # type: ignore[no-untyped-call]
            start.record()
            for _ in range(calls):
                fn()
            end.record()
            end.synchronize()
            return float(start.elapsed_time(end)) / 1e3 / calls
        t0 = self.clock()
        for _ in range(calls):
            fn()
        return (self.clock() - t0) / calls

    def wall_per_call(self, fn: Callable[[], object], calls: int) -> float:
        """Host seconds per call including the final device sync (issue-rate bound work)."""
        self.sync()
        t0 = self.clock()
        for _ in range(calls):
            fn()
        self.sync()
        return (self.clock() - t0) / calls

    def measure(self, fn: Callable[[], object], effort: Effort, wall: bool = False) -> float:
        """Warm up, size samples to `effort.min_sample_s`, and return the median seconds per call."""
        sample = self.wall_per_call if wall else self.per_call
        for _ in range(effort.warmup):
            fn()
        one = sample(fn, 1)
        calls = max(1, min(10_000, math.ceil(effort.min_sample_s / max(one, 1e-7))))
        return statistics.median(sample(fn, calls) for _ in range(effort.repeats))


# ---------------------------------------------------------------- GEMM


def fp8_supported(device: torch.device) -> bool:
    """Whether `torch._scaled_mm` FP8 GEMMs can run: CUDA compute capability 8.9+ (Ada, Hopper, Blackwell)."""
    if device.type != "cuda" or not hasattr(torch, "_scaled_mm") or not hasattr(torch, "float8_e4m3fn"):
        return False
    return tuple(torch.cuda.get_device_capability(device)) >= (8, 9)


def _weight_pool(n: int, k: int, dtype: str, device: torch.device, flush_bytes: int) -> list[torch.Tensor]:
    """Copies of an (N, K) weight spanning `flush_bytes`, views into one buffer."""
    elem = 1 if dtype == "fp8" else torch.empty((), dtype=_model.TORCH_DTYPES[dtype]).element_size()
    copies = max(1, min(64, math.ceil(flush_bytes / (n * k * elem))))
    if dtype == "fp8":
        pool = torch.empty(copies * n * k, device=device, dtype=torch.bfloat16).uniform_(-1, 1).to(torch.float8_e4m3fn)
    else:
        pool = torch.empty(copies * n * k, device=device, dtype=_model.TORCH_DTYPES[dtype]).uniform_(-1, 1)
    return [pool[i * n * k:(i + 1) * n * k].view(n, k) for i in range(copies)]


def _gemm_fn(a: torch.Tensor, weights: list[torch.Tensor], fp8: bool) -> Callable[[], object]:
    """A call that multiplies `a` by the next weight copy (F.linear, or _scaled_mm for FP8)."""
    cycle = itertools.cycle(weights)
    if fp8:
        one = torch.ones((), device=a.device, dtype=torch.float32)
        return lambda: torch._scaled_mm(a, next(cycle).t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16)
    return lambda: F.linear(a, next(cycle))


def bench_gemm(device: torch.device, plan: Plan, timer: Timer, dtype: str, progress: Progress) -> list[Sample]:
    """Seconds per GEMM of M rows x each (N, K) shape, weights cycled out of cache.

    FP8 uses `torch._scaled_mm` (e4m3 inputs, per-tensor scales, bf16 output); where it
    rejects an M that is not a multiple of 16 the rows are padded to 16, as FP8 kernels
    do, and the sample records the rows actually run (`m_run`).
    """
    out: list[Sample] = []
    fp8 = dtype == "fp8"
    for n, k in plan.gemm_shapes:
        weights = _weight_pool(n, k, dtype, device, plan.flush_bytes)
        for m in plan.gemm_rows:
            m_run = m
            if fp8:
                a = torch.empty(m, k, device=device, dtype=torch.bfloat16).uniform_(-1, 1).to(torch.float8_e4m3fn)
            else:
                a = torch.empty(m, k, device=device, dtype=_model.TORCH_DTYPES[dtype]).uniform_(-1, 1)
            fn = _gemm_fn(a, weights, fp8)
            try:
                fn()
            except RuntimeError:
                if not fp8 or m % 16 == 0:
                    raise
                m_run = 16 * math.ceil(m / 16)
                a = torch.empty(m_run, k, device=device, dtype=torch.bfloat16).uniform_(-1, 1).to(torch.float8_e4m3fn)
                fn = _gemm_fn(a, weights, fp8)
            seconds = timer.measure(fn, plan.effort)
            out.append({"dtype": dtype, "torch_dtype": "float8_e4m3fn" if fp8 else str(a.dtype).removeprefix("torch."),
                        "m": m, "m_run": m_run, "n": n, "k": k, "seconds": seconds})
            progress(f"GEMM {dtype} {m}x{n}x{k}")
        del weights
    return out


# ---------------------------------------------------------------- memory bandwidth


def bench_bandwidth(device: torch.device, plan: Plan, timer: Timer, progress: Progress) -> list[Sample]:
    """Large device-to-device copy (bytes read + written) and a full reduction (bytes read)."""
    numel = plan.bandwidth_bytes // 4
    src = torch.empty(numel, device=device, dtype=torch.float32).uniform_(-1, 1)
    dst = torch.empty_like(src)
    out: list[Sample] = []
    seconds = timer.measure(lambda: dst.copy_(src), plan.effort)
    out.append({"kind": "copy", "bytes": 2 * numel * 4, "seconds": seconds})
    progress("bandwidth copy")
    seconds = timer.measure(lambda: torch.sum(src), plan.effort)
    out.append({"kind": "read", "bytes": numel * 4, "seconds": seconds})
    progress("bandwidth read")
    return out


# ---------------------------------------------------------------- attention


def bench_attention(device: torch.device, plan: Plan, timer: Timer, progress: Progress) -> list[Sample]:
    """SDPA as the decoder calls it: causal prefill at each length, decode reading a static cache."""
    dtype = _model.TORCH_DTYPES[plan.attention_dtype]
    h, kvh, d = plan.heads, plan.kv_heads, plan.head_dim
    out: list[Sample] = []
    for length in plan.prefill_lengths:
        q = torch.randn(1, h, length, d, device=device, dtype=dtype)
        k = torch.randn(1, kvh, length, d, device=device, dtype=dtype)
        v = torch.randn_like(k)
        seconds = timer.measure(functools.partial(_model.sdpa, q, k, v, causal=True), plan.effort)
        out.append({"phase": "prefill", "batch": 1, "q_tokens": length, "kv_tokens": length, "heads": h,
                    "kv_heads": kvh, "head_dim": d, "dtype": plan.attention_dtype, "seconds": seconds})
        progress(f"attention prefill {length}")
    for batch, context in plan.decode_points:
        q = torch.randn(batch, h, 1, d, device=device, dtype=dtype)
        # Slices of static caches, as the decoder reads them; cycled so the K/V come from memory, as
        # they do in a model whose layers' caches together overflow the cache.
        kv_bytes = 2 * batch * kvh * (context + 64) * d * q.element_size()
        caches = [(torch.randn(batch, kvh, context + 64, d, device=device, dtype=dtype),
                   torch.randn(batch, kvh, context + 64, d, device=device, dtype=dtype))
                  for _ in range(max(1, min(16, math.ceil(plan.flush_bytes / kv_bytes))))]
        cycle = itertools.cycle([(k[:, :, :context], v[:, :, :context]) for k, v in caches])

        def decode(q: torch.Tensor = q, cycle: Iterator[tuple[torch.Tensor, torch.Tensor]] = cycle) -> torch.Tensor:
            k, v = next(cycle)
            return _model.sdpa(q, k, v, causal=False)

        seconds = timer.measure(decode, plan.effort)
        out.append({"phase": "decode", "batch": batch, "q_tokens": 1, "kv_tokens": context, "heads": h,
                    "kv_heads": kvh, "head_dim": d, "dtype": plan.attention_dtype, "seconds": seconds})
        progress(f"attention decode {batch}x{context}")
        del caches, cycle, decode
    return out


def bench_moe(device: torch.device, plan: Plan, timer: Timer, progress: Progress) -> list[Sample]:
    """The eager MoE block (router, top-k, a loop over the experts hit) at several token counts.

    Fitted against the dense GEMM curve, it gives how much slower expert GEMMs run in an eager
    runtime than dense GEMMs of the same rows (gathers, scatters, small per-expert launches).
    """
    hidden, inter, experts, top_k = plan.moe_shape
    dtype = _model.TORCH_DTYPES[plan.attention_dtype]
    cfg = _model.DecoderConfig(hidden_size=hidden, intermediate_size=inter, num_layers=1, num_heads=1,
                               num_kv_heads=1, head_dim=hidden, vocab_size=1, num_experts=experts,
                               num_experts_per_tok=top_k, expert_intermediate_size=inter)
    block_bytes = experts * 3 * hidden * inter * torch.empty((), dtype=dtype).element_size()
    blocks = []
    for _ in range(max(1, min(16, math.ceil(plan.flush_bytes / block_bytes)))):  # cycled: weights come from memory
        with torch.device("meta"):
            block = _model.Moe(cfg).to(dtype=dtype)
        block = block.to_empty(device=device)
        for param in block.parameters():
            param.data.normal_(0.0, 0.02)
        blocks.append(block)
    out: list[Sample] = []
    for tokens in plan.moe_tokens:
        x = torch.randn(1, tokens, hidden, device=device, dtype=dtype)
        ops = count_ops(functools.partial(blocks[0], x))
        cycle = itertools.cycle(blocks)

        def call(x: torch.Tensor = x, cycle: Iterator[torch.nn.Module] = cycle) -> object:
            return next(cycle)(x)

        seconds = timer.measure(call, plan.effort, wall=True)
        out.append({"tokens": tokens, "hidden": hidden, "inter": inter, "experts": experts, "top_k": top_k,
                    "dtype": plan.attention_dtype, "ops": ops, "seconds": seconds})
        progress(f"MoE block {tokens} tokens")
    return out


# ---------------------------------------------------------------- eager overheads


def count_ops(fn: Callable[[], object]) -> int:
    """ATen operators one call of `fn` dispatches (views and in-place ops included)."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class _Counter(TorchDispatchMode):  # type: ignore[no-untyped-call]
        calls = 0

        def __torch_dispatch__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
            _Counter.calls += 1
            return func(*args, **(kwargs or {}))

    with _Counter():  # type: ignore[no-untyped-call]
        fn()
    return _Counter.calls


def bench_overheads(device: torch.device, plan: Plan, timer: Timer, progress: Progress) -> list[Sample]:
    """Per-op launch overhead, and the eager overhead of a decoder layer and of a step.

    `launch`: a tiny in-place add, host wall clock per op. `eager_step`: one greedy decode step
    (batch 1, 16 cached tokens) of tiny decoders with 1 and 3 layers, so small that every op is
    launch/dispatch bound; the difference per layer is the eager per-layer overhead, the rest the
    per-step overhead (embedding, final norm, lm_head, argmax). `eager_moe_step`: the same with
    one MoE layer, for the op count of an MoE layer. ATen ops are counted for each.
    """
    out: list[Sample] = []
    x = torch.zeros(1, device=device)
    ops = 100

    def tiny_ops() -> None:
        for _ in range(ops):
            x.add_(1.0)

    seconds = timer.measure(tiny_ops, plan.effort, wall=True) / ops
    out.append({"kind": "launch", "layers": 0, "ops": 1, "seconds": seconds})
    progress("launch overhead")
    dtype = _model.TORCH_DTYPES[plan.attention_dtype]
    with torch.no_grad():
        for layers, moe in ((1, False), (3, False), (1, True)):
            cfg = _model.tiny_config(layers, moe=moe)
            model = _model.build(cfg, 32, device, dtype)
            cache = _model.KvCache(cfg, 1, 32, device, dtype)
            tokens = torch.zeros(1, 1, dtype=torch.long, device=device)
            step = functools.partial(model.step, tokens, cache, 16)
            n_ops = count_ops(step)
            seconds = timer.measure(step, plan.effort, wall=True)
            out.append({"kind": "eager_moe_step" if moe else "eager_step", "layers": layers, "ops": n_ops,
                        "seconds": seconds})
    progress("eager layer overhead")
    return out


# ---------------------------------------------------------------- all-reduce


def _allreduce_worker(rank: int, world: int, backend: str, init_file: str, sizes: Sequence[int],
                      warmup: int, repeats: int, result_file: str) -> None:
    """One rank of the all-reduce benchmark; rank 0 writes `[[bytes, seconds], ...]` as JSON."""
    import json

    import torch.distributed as dist

    cuda = backend == "nccl"
    device = torch.device("cuda", rank) if cuda else torch.device("cpu")
    if cuda:
        torch.cuda.set_device(device)
    dist.init_process_group(backend, init_method=f"file://{init_file}", rank=rank, world_size=world)
    timer = Timer(device)
    results = []
    try:
        for size in sizes:
            buf = torch.ones(max(1, size // 2), device=device, dtype=torch.bfloat16 if cuda else torch.float16)
            for _ in range(warmup):
                dist.all_reduce(buf)
            samples = []
            for _ in range(repeats):
                dist.barrier()
                samples.append(timer.wall_per_call(functools.partial(dist.all_reduce, buf), 5))
            results.append([buf.numel() * buf.element_size(), statistics.median(samples)])
    finally:
        dist.destroy_process_group()
    if rank == 0:
        with open(result_file, "w", encoding="utf-8") as handle:
            json.dump(results, handle)


def bench_allreduce(world: int, plan: Plan, backend: str, progress: Progress) -> list[Sample]:
    """All-reduce latency and bandwidth across `world` ranks (NCCL on GPUs, one process per GPU).

    Each size is timed as the host wall clock of 5 back-to-back collectives after a barrier,
    median over `plan.repeats` samples; bus bandwidth is derived in `fit`.
    """
    import json

    from torch.multiprocessing.spawn import ProcessException, spawn

    with tempfile.TemporaryDirectory() as tmp:
        init_file = os.path.join(tmp, "init")
        result_file = os.path.join(tmp, "result.json")
        try:
            spawn(_allreduce_worker, nprocs=world, join=True,  # type: ignore[no-untyped-call]
                     args=(world, backend, init_file, list(plan.allreduce_bytes), plan.effort.warmup, plan.effort.repeats,
                           result_file))
        except (ProcessException, RuntimeError) as exc:  # a failed rank surfaces as ProcessRaisedException
            raise CalibrationError(f"all-reduce benchmark failed: {exc}".splitlines()[0],
                                   hint="check NCCL (NCCL_DEBUG=INFO), or hide extra GPUs with "
                                        "CUDA_VISIBLE_DEVICES") from None
        with open(result_file, encoding="utf-8") as handle:
            pairs = json.load(handle)
    out = [{"bytes": int(b), "seconds": float(s), "world_size": world, "backend": backend} for b, s in pairs]
    for sample in out:
        progress(f"all-reduce {sample['bytes']} B")
    return out
