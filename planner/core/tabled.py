"""Per-deployment operator timing from measured tables: which grid times which operator group.

Built once per `PerfModel` (pure); every lookup is an interpolation in a prepared grid, falling back
to the operator's roofline at the nearest measured point's efficiency outside the grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from planner.core import shard
from planner.core.optables import Grid, TableIndex, index_of, nearest_file
from planner.specs.deployment import Deployment
from planner.specs.efficiency import Efficiency
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

    def _touched(self, tokens: float) -> float:
        """Share of the experts `tokens` routed tokens reach at all (uniform routing)."""
        return 1.0 - float((1.0 - self.topk / self.num_experts) ** tokens)

    def _roof(self, point: Sequence[float]) -> float:
        gpus, tokens = point[0], point[1]
        share = self.gpus / gpus
        touched = self._touched(tokens)
        return max(tokens * self.flops_token * share / self.peak_flops,
                   self.weight_bytes * share * touched / self.bw_bytes_per_s)

    def seconds(self, tokens: float) -> float:
        """All MoE layers' routed experts at `tokens` token rows."""
        return self.layers * self.grid.seconds((float(self.gpus), max(tokens, 1.0)), self._roof)

    def compute_bound(self, tokens: float) -> bool:
        return tokens * self.flops_token / self.peak_flops >= \
            self.weight_bytes * self._touched(tokens) / self.bw_bytes_per_s


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


class GemmGroup(Protocol):
    """What wiring a table to a linear-layer group needs to know of it (`planner.core.perf`'s groups)."""

    @property
    def name(self) -> str: ...
    @property
    def n_local(self) -> float: ...
    @property
    def k_local(self) -> float: ...
    @property
    def weight_bytes(self) -> float: ...
    @property
    def layers(self) -> int: ...
    @property
    def copies(self) -> int: ...
    @property
    def peak_flops(self) -> float: ...
    @property
    def per_token_rows(self) -> bool: ...
    @property
    def all_rows(self) -> bool: ...
    @property
    def flops_per_row(self) -> float: ...


def wire(dep: Deployment, eff: Efficiency, gemms: Sequence[GemmGroup], *, heads_local: float, attn_pair: float,
         decode_ctx: float, ref_bytes: float, attn_peak_flops: float,
         allreduce_s_per_byte: float) -> tuple[dict[str, object], Efficiency]:
    """The measured tables that time `dep`'s operators (as PerfModel fields: dense GEMMs, attention, routed
    experts, all-reduce), and `eff` with its source naming them; ({}, eff) where none apply.

    `gemms` are the deployment's linear groups in `shard.placements(dep)` order; the other arguments are the
    roofline constants the table wrappers fall back to outside their grids.
    """
    model, gpu, tp = dep.model, dep.gpu, dep.tp_size
    arch_name = gpu.architecture
    a = model.attention
    link = gpu.interconnect
    tab: dict[str, object] = {}
    index = table_index(dep) if (eff.use_op_tables or eff.use_moe_tables) and not eff.gemm_curve else None
    if index is not None:
        used: list[str] = []
        tab_gemms = []
        dense = eff.use_op_tables  # else only the routed experts (use_moe_tables)
        for place, g in zip(shard.placements(dep), gemms) if dense else ():
            if g.copies != 1 or g.all_rows:  # group-wide dense layers stay on the roofline
                continue
            grid = next((gr for d in gemm_dtypes(place.quant, arch_name)
                         if (gr := index.find("gemm", dtype=d)) is not None), None)
            if grid is not None:
                tab_gemms.append(TabledGemm(grid, g.n_local, g.k_local, g.layers, g.peak_flops,
                                            place.bytes_per_weight, gpu.hbm_bw_bytes_per_s, g.per_token_rows))
        if tab_gemms:
            used.append("GEMM")
            tab["_tab_gemms"] = tuple(tab_gemms)
            tab["_tabled_names"] = frozenset(g.name for g, p in zip(gemms, shard.placements(dep))
                                             if g.copies == 1 and not g.all_rows
                                             and gemm_dtypes(p.quant, arch_name)
                                             and any(index.find("gemm", dtype=d)
                                                     for d in gemm_dtypes(p.quant, arch_name)))
        if dense and a.kind != "mla":
            prefill, decode = attention_grids(index, max(1, math.ceil(a.num_kv_heads / tp)), a.head_dim,
                                              dep.kv_dtype)
            if prefill or decode:
                used.append("attention")
                tab["_tab_attention"] = TabledAttention(prefill, decode, max(1.0, heads_local), attn_pair,
                                                        decode_ctx, ref_bytes, attn_peak_flops,
                                                        gpu.hbm_bw_bytes_per_s)
        experts = [g for g in gemms if g.copies > 1]
        if model.moe is not None and experts and dep.ep_size == 1:  # tables of tensor-sharded experts
            ckpt = model.quantization
            grid = moe_grid(
                index, moe_dtypes(dep.quant, arch_name, ckpt is not None and ckpt.format == "fp8"),
                gated=model.mlp_gated, hidden=model.hidden_size, inter=model.moe.expert_intermediate_size,
                num_experts=model.moe.num_experts, topk=model.moe.num_experts_per_tok, sharding="tp")
            if grid is not None:
                used.append("MoE")
                layers = experts[0].layers
                tab["_tab_moe"] = TabledMoe(
                    grid, shard.expert_tp(dep), layers, sum(g.flops_per_row for g in experts) / layers,
                    sum(g.weight_bytes for g in experts) / layers, model.moe.num_experts,
                    model.moe.num_experts_per_tok, experts[0].peak_flops, gpu.hbm_bw_bytes_per_s)
        if dense and tp > 1:
            grid = index.find("all_reduce", dtype="bf16")
            if grid is not None:
                used.append("all-reduce")
                tab["_tab_allreduce"] = TabledAllReduce(grid, tp, link.allreduce_latency_s, allreduce_s_per_byte)
        if used:
            eff = eff.model_copy(update={"source": f"measured tables {index.file.label} ({', '.join(used)}; "
                                                   f"{table_sources(index)}), else {eff.source}"})
    return tab, eff
