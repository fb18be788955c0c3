"""Per-deployment operator timing from measured tables: which grid times which operator group.

Built once per `PerfModel` (pure); every lookup is an interpolation in a prepared grid, falling back
to the operator's roofline at the nearest measured point's efficiency outside the grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from planner.core.optables import Grid, TableIndex, index_of, nearest_file
from planner.specs.deployment import Deployment
from planner.specs.hardware import Architecture
from planner.specs.runtime import Quant

_GEMM_DTYPES: dict[str, tuple[str, ...]] = {
    "bf16": ("bf16",), "fp16": ("fp16", "bf16"), "fp8": ("fp8", "fp8_block"), "int8": ("int8_sq",),
    "int4-awq": ("int4_wo",), "int4-gptq": ("int4_wo",),
}
"""Table precisions that time a weight format's GEMMs, in order of preference."""


def gemm_dtypes(quant: Quant, architecture: Architecture) -> tuple[str, ...]:
    """Table precisions for GEMMs of `quant` weights on `architecture` (none: the roofline times them)."""
    if quant == "nvfp4":
        return ("nvfp4",) if architecture == "blackwell" else ()
    return _GEMM_DTYPES.get(quant, ())


_MOE_DTYPES: dict[str, tuple[str, ...]] = {
    "bf16": ("bf16",), "fp16": ("bf16",), "int4-awq": ("int4_wo",), "int4-gptq": ("int4_wo",),
    "mxfp4": ("mxfp4_w4a16",),
}
"""Table precisions of the fused-MoE kernels that serve a weight format's routed experts. MXFP4 experts run
MXFP4-weight x 16-bit-activation kernels on every measured GPU (vLLM's gpt-oss triton / Marlin experts)."""


def moe_dtypes(quant: Quant, architecture: Architecture, checkpoint_fp8: bool) -> tuple[str, ...]:
    """Table precisions for routed experts of `quant` weights (none: the roofline times them). FP8 checkpoints of
    MoE models are published block-scaled (DeepSeek-V3, Qwen3, GLM-4.5, MiniMax: 128x128 blocks), so they look
    for block-scaled kernels first; FP8 quantized at load time is per-tensor first."""
    if quant == "nvfp4":
        return ("nvfp4",) if architecture == "blackwell" else ()
    if quant == "fp8":
        return ("fp8_block", "fp8") if checkpoint_fp8 else ("fp8", "fp8_block")
    return _MOE_DTYPES.get(quant, ())


@dataclass(frozen=True)
class TabledMoe:
    """The routed experts of every MoE layer, timed from a fused-MoE table (gpus x tokens: the expert-sharding
    degree and the tokens entering one GPU's MoE layer)."""

    grid: Grid
    gpus: int
    """This deployment's expert-sharding degree (TP size for tensor-sharded experts)."""
    layers: int
    """MoE layers on this GPU."""
    flops_token: float
    """FLOPs one token spends in one layer's routed experts on this GPU (its top-k, this GPU's share)."""
    weight_bytes: float
    """Routed-expert weight bytes of one layer on this GPU."""
    num_experts: int
    topk: int
    peak_flops: float
    bw_bytes_per_s: float

    def _roof(self, point: Sequence[float]) -> float:
        gpus, tokens = point[0], point[1]
        share = self.gpus / gpus
        touched = 1 - (1 - self.topk / self.num_experts) ** tokens
        return float(max(tokens * self.flops_token * share / self.peak_flops,
                         self.weight_bytes * share * touched / self.bw_bytes_per_s))

    def seconds(self, tokens: float) -> float:
        """All MoE layers' routed experts at `tokens` token rows."""
        return self.layers * self.grid.seconds((float(self.gpus), max(tokens, 1.0)), self._roof)

    def compute_bound(self, tokens: float) -> bool:
        touched = 1 - (1 - self.topk / self.num_experts) ** tokens
        return bool(tokens * self.flops_token / self.peak_flops >= self.weight_bytes * touched / self.bw_bytes_per_s)


def moe_grid(index: TableIndex, dtypes: Sequence[str], *, gated: bool, hidden: int, inter: int, num_experts: int,
             topk: int, sharding: str) -> Grid | None:
    """The fused-MoE grid measured for exactly this expert shape (gpus x tokens axes), or None."""
    for d in dtypes:
        grid = index.find("moe", dtype=d, gated=gated, hidden=hidden, inter=inter, num_experts=num_experts,
                          topk=topk, sharding=sharding)
        if grid is not None and tuple(a.name for a in grid.table.axes) == ("gpus", "tokens"):
            return grid
    return None


@dataclass(frozen=True)
class TabledGemm:
    """A dense linear group timed from a GEMM table."""

    grid: Grid
    n: float
    k: float
    layers: int
    peak_flops: float
    bytes_per_weight: float
    bw_bytes_per_s: float
    per_token_rows: bool

    def roofline(self, point: Sequence[float]) -> float:
        m, n, k = point[0], point[1], point[2]
        return max(2 * m * n * k / self.peak_flops, (n * k * self.bytes_per_weight + 2 * m * (n + k))
                   / self.bw_bytes_per_s)

    def seconds(self, m: float) -> float:
        """All layers of the group at `m` token rows."""
        return self.layers * self.grid.seconds((m, self.n, self.k), self.roofline)

    def compute_bound(self, m: float) -> bool:
        return 2 * m * self.n * self.k / self.peak_flops >= (self.n * self.k * self.bytes_per_weight
                                                             + 2 * m * (self.n + self.k)) / self.bw_bytes_per_s


@dataclass(frozen=True)
class TabledAttention:
    """Prefill and decode attention of one layer from attention tables (either may be missing)."""

    prefill: Grid | None
    decode: Grid | None
    heads: float
    """Query heads of one layer on this GPU (the grids' first axis)."""
    flops_pair: float
    """FLOPs per query-key pair of one layer (this GPU's heads)."""
    decode_flops_ctx: float
    """FLOPs per cached token read by one decode token, one layer."""
    kv_bytes_token: float
    """KV bytes per cached token of one layer on this GPU."""
    peak_flops: float
    bw_bytes_per_s: float

    def _prefill_roof(self, point: Sequence[float]) -> float:
        heads, batch, seq = point[0], point[1], point[2]
        return heads / self.heads * batch * seq * (seq + 1) / 2 * self.flops_pair / self.peak_flops

    def _decode_roof(self, point: Sequence[float]) -> float:
        heads, batch, ctx = point[0], point[1], point[2]
        return max(heads / self.heads * batch * ctx * self.decode_flops_ctx / self.peak_flops,
                   batch * ctx * self.kv_bytes_token / self.bw_bytes_per_s)

    def prefill_s(self, seqs: float, pairs: float) -> float:
        """One layer: `seqs` prompt chunks with `pairs` query-key pairs in all (causal-equivalent length)."""
        assert self.prefill is not None
        per_seq = pairs / seqs
        seq = max(1.0, (math.sqrt(1 + 8 * per_seq) - 1) / 2)  # s with s(s+1)/2 = pairs per sequence
        return self.prefill.seconds((self.heads, max(seqs, 1.0), seq), self._prefill_roof)

    def decode_s(self, batch: float, context: float) -> float:
        """One layer: `batch` decode tokens each reading `context` cached tokens."""
        assert self.decode is not None
        return self.decode.seconds((self.heads, max(batch, 1.0), max(context, 1.0)), self._decode_roof)


@dataclass(frozen=True)
class TabledAllReduce:
    """Tensor-parallel all-reduce from a collective table."""

    grid: Grid
    world: int
    latency_s: float
    s_per_byte: float

    def _roof(self, point: Sequence[float]) -> float:
        return self.latency_s + point[1] * self.s_per_byte

    def seconds(self, msg_bytes: float) -> float:
        return self.grid.seconds((float(self.world), max(msg_bytes, 1.0)), self._roof)


def table_index(dep: Deployment) -> TableIndex | None:
    """The tables of `dep`'s GPU for the runtime version nearest `dep.runtime.version`, or None."""
    f = nearest_file(dep.gpu.op_tables, dep.runtime.id, dep.runtime.version)
    return None if f is None else index_of(f)


def attention_grids(index: TableIndex, kv_heads: int, head_dim: int,
                    kv_dtype: str) -> tuple[Grid | None, Grid | None]:
    """Prefill and decode grids (query heads x batch x length) for these local KV heads and head size (the
    nearest measured key where not measured exactly)."""
    scaled = {"num_kv_heads": float(kv_heads), "head_dim": float(head_dim)}
    kv = "fp8" if kv_dtype == "fp8" else "bf16"
    prefill = index.nearest("prefill_attention", {"kv_dtype": kv}, scaled) or \
        index.nearest("prefill_attention", {"kv_dtype": "bf16"}, scaled)
    decode = index.nearest("decode_attention", {"kv_dtype": kv}, scaled) or \
        index.nearest("decode_attention", {"kv_dtype": "bf16"}, scaled)
    return prefill, decode


def table_sources(index: TableIndex) -> str:
    """Where a file's tables were published (the part of each provenance source before its file path)."""
    return ", ".join(sorted({p.source.split(":")[0] for p in index.file.provenance.values()}))
