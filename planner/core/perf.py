"""Performance model: seconds for prefill, decode steps and mixed continuous-batching iterations.

Each operator group is timed as a roofline, max(FLOPs / (peak x compute efficiency),
bytes / (bandwidth x memory efficiency)), on one GPU of the deployment; tensor-parallel
all-reduces, pipeline stages and per-iteration runtime overheads are added on top.
Efficiencies come from the runtime profile, or from a measured calibration profile. On GPUs with
measured operator tables (calibration/tables/), GEMMs, attention and all-reduces are timed from the
tables of the runtime version nearest the deployment's instead (`planner.core.tabled`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from planner.core import alltoall, arch, shard, tabled
from planner.core import formats as _quant
from planner.core.efficiency import default_efficiency
from planner.core.iteration import Bound, IterationShape, IterationTime, decode_shape, prefill_shape
from planner.specs.deployment import Deployment
from planner.specs.efficiency import Efficiency
from planner.specs.hardware import ComputeDtype


def gemm_efficiency(eff: Efficiency, rows: float) -> float:
    """Compute efficiency of a GEMM with `rows` token rows: the measured curve, else the parametric one."""
    if eff.gemm_curve:
        return _interp_log(eff.gemm_curve, rows)
    return eff.gemm_compute_efficiency * rows / (rows + eff.gemm_half_efficiency_tokens)


def _interp_log(points: tuple[tuple[float, float], ...], x: float) -> float:
    """Piecewise-linear interpolation in log(x), clamped at the ends."""
    if x <= points[0][0]:
        return points[0][1] * max(x, 1e-9) / points[0][0]
    if x >= points[-1][0]:
        return points[-1][1]
    lx = math.log(x)
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x <= x1:
            t = (lx - math.log(x0)) / (math.log(x1) - math.log(x0))
            return y0 + t * (y1 - y0)
    return points[-1][1]


@dataclass(frozen=True)
class _Gemm:
    """A linear-layer group on one GPU: per-token FLOPs and resident weight bytes."""

    name: str
    n_local: float
    k_local: float
    weight_bytes: float
    """Bytes of all copies on this GPU, all layers of the group."""
    layers: int
    copies: int
    active: int
    peak_flops: float
    penalty: float
    per_token_rows: bool = True
    all_rows: bool = False
    """Sees the rows of every data-parallel rank (sharded over the whole tp x dp group), not one rank's share."""
    row_scale: float = 1.0
    """GEMM rows count as this many 16-bit rows on the efficiency curve: weight-only int4 kernels stream a
    quarter of the bytes per FLOP, so they leave the bandwidth-bound regime at a quarter of the rows."""
    """False for lm_head-like layers that only see sampled rows."""

    @property
    def flops_per_row(self) -> float:
        """FLOPs per token row over all layers (and the active experts)."""
        return 2.0 * self.n_local * self.k_local * self.layers * self.active

    @property
    def act_bytes_per_row(self) -> float:
        """Activation bytes in and out per token row over all layers (16-bit activations)."""
        return (self.n_local + self.k_local) * _quant.ACTIVATION_BYTES * self.layers * self.active

    @property
    def s_per_flop(self) -> float:
        """Seconds per FLOP at 100% efficiency (before any dequantization penalty)."""
        return 1.0 / self.peak_flops


@dataclass(frozen=True)
class PerfModel:
    """Per-deployment constants, precomputed once; `iteration()` is cheap enough for simulation."""

    dep: Deployment
    eff: Efficiency
    _gemms: tuple[_Gemm, ...] = field(repr=False)
    _bw: float
    _attn_peak_flops: float
    _kv_bytes_token_layer: float
    _attn_flops_pair_layer: float
    _decode_flops_ctx_layer: float
    _full_layers: float
    """Attention layers reading the whole context, weighted by their KV bytes per token relative to the
    reference layer (`_kv_bytes_token_layer`)."""
    _window_counts: tuple[tuple[int, float], ...]
    """(window, weighted layer count) of the sliding / chunked / top-k sparse attention reads."""
    _allreduces: int
    _allreduce_s_per_byte: float
    _allreduce_latency_s: float
    _act_bytes: float
    _decode_fixed: dict[int, float] = field(default_factory=dict, repr=False, compare=False)
    _gemm_cache: dict[tuple[int, ...], tuple[float, float, float]] = field(default_factory=dict, repr=False,
                                                                           compare=False)
    _row_gemms: tuple[tuple[float, float, float, float, float], ...] = ()
    """Dense groups that see every token row: (seconds per row at 100% efficiency, weight bytes, act bytes/row,
    dequantization penalty - 1, row scale on the efficiency curve)."""
    _sampled_gemms: tuple[tuple[float, float, float, float, float], ...] = ()
    """Groups that see only sampled rows (lm_head), same layout."""
    _wide_row_gemms: tuple[tuple[float, float, float, float, float], ...] = ()
    """Dense groups sharded over the whole tp x dp group under attention data parallelism (every rank's rows)."""
    _wide_sampled_gemms: tuple[tuple[float, float, float, float, float], ...] = ()
    """The lm_head when it is sharded so."""
    _expert_gemms: tuple[_Gemm, ...] = ()
    """Routed-expert groups."""
    _decode_s_per_token_layer: float = 0.0
    """Roofline seconds per (context token x layer) of decode attention."""
    _attn_layers: float = 0.0
    _num_layers: int = 0
    """The model's layer count (read per iteration)."""
    """Weighted count of all attention layers (full and windowed): `_full_layers` + the window counts."""
    _state_bytes_seq: float = 0.0
    """Recurrent state (linear attention / SSM) one sequence reads and writes back per step, bytes per GPU."""
    _state_flops_token: float = 0.0
    """FLOPs one token spends on the recurrent-state update and read, per GPU."""
    _tab_gemms: tuple[tabled.TabledGemm, ...] = ()
    """Dense groups timed from measured GEMM tables (these are left out of `_row_gemms` / `_sampled_gemms`)."""
    _tab_attention: tabled.TabledAttention | None = None
    """Attention timed from measured tables (None: the roofline)."""
    _tab_allreduce: tabled.TabledAllReduce | None = None
    _tab_moe: tabled.TabledMoe | None = None
    """Routed experts timed from a measured fused-MoE table (None: the expert groups' roofline)."""
    """Tensor-parallel all-reduce timed from a measured table (None: latency + bytes / link bandwidth)."""
    _tabled_names: frozenset[str] = frozenset()
    """Names of the linear groups in `_tab_gemms`."""
    _comm_cache: dict[int, float] = field(default_factory=dict, repr=False, compare=False)
    _spec_k: int = 0
    """Speculative draft tokens per decode step (0: no speculation)."""
    _spec_tokens_per_step: float = 1.0
    """Expected tokens one verify step emits per sequence."""
    _spec_draft_layers: int = 0
    """Layers the draft runs per proposed token (0: n-gram lookup on the CPU)."""
    _verify_cache: dict[int, float] = field(default_factory=dict, repr=False, compare=False)
    _draft_cache: dict[int, float] = field(default_factory=dict, repr=False, compare=False)
    _dp: int = 1
    """Attention data-parallel ranks: dense layers and attention see 1/dp of the replica's rows each."""
    _ep: int = 1
    """Expert-parallel group size: each GPU multiplies the rows routed to its num_experts / ep experts."""
    _expert_imbalance: float = 1.0
    """Rows of the busiest expert-parallel rank over the mean (1 without expert parallelism)."""
    _moe_layers: int = 0
    """MoE layers whose tokens cross GPUs by dispatch / combine (with data parallelism), else 0."""
    _a2a: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    """Dispatch + combine of one MoE layer: (bytes sent per token row of the replica per GPU, latency s,
    seconds per byte with the low-latency kernels (decode), seconds per byte with the normal ones (prefill))."""

    def __post_init__(self) -> None:
        # Hot-path constants of the simulator, derived once from the operator groups.
        def packed(g: _Gemm) -> tuple[float, float, float, float, float]:
            return g.flops_per_row * g.s_per_flop, g.weight_bytes, g.act_bytes_per_row, g.penalty - 1.0, g.row_scale

        eff = self.eff
        t_c = self._decode_flops_ctx_layer / (self._attn_peak_flops * eff.attention_compute_efficiency)
        t_m = self._kv_bytes_token_layer / (self._bw * eff.kv_bw_efficiency)
        rest = [g for g in self._gemms if g.name not in self._tabled_names]
        object.__setattr__(self, "_row_gemms", tuple(packed(g) for g in rest if g.copies == 1 and g.per_token_rows
                                                      and not g.all_rows))
        object.__setattr__(self, "_sampled_gemms", tuple(packed(g) for g in rest if not g.per_token_rows
                                                          and not g.all_rows))
        object.__setattr__(self, "_wide_row_gemms", tuple(packed(g) for g in rest if g.copies == 1 and g.per_token_rows
                                                           and g.all_rows))
        object.__setattr__(self, "_wide_sampled_gemms", tuple(packed(g) for g in rest if not g.per_token_rows
                                                               and g.all_rows))
        object.__setattr__(self, "_expert_gemms", tuple(g for g in self._gemms if g.copies > 1))
        object.__setattr__(self, "_decode_s_per_token_layer", max(t_c, t_m))
        object.__setattr__(self, "_num_layers", self.dep.model.num_layers)
        object.__setattr__(self, "_attn_layers", self._full_layers + sum(c for _, c in self._window_counts))

    @classmethod
    def build(cls, dep: Deployment, eff: Efficiency | None = None) -> PerfModel:
        """Precompute the operator groups of `dep` on one GPU."""
        eff = eff or default_efficiency(dep)
        model, gpu, tp = dep.model, dep.gpu, dep.tp_size
        arch_name = gpu.architecture
        sixteen: ComputeDtype = "fp16" if arch_name == "turing" else "bf16"
        quant_dtype = _quant.compute_dtype(dep.quant, arch_name)
        gemms: list[_Gemm] = []
        for place in shard.placements(dep):
            lin, q = place.linear, place.quant
            dtype: ComputeDtype
            if q == dep.quant and q not in ("bf16", "fp16"):
                dtype = quant_dtype
            elif q == "fp16":
                dtype = "fp16"
            else:
                dtype = sixteen
            peak = (gpu.peak_tflops(dtype) or gpu.peak_tflops(sixteen) or gpu.peak_dense_tflops.fp16) * 1e12
            weight_only = _quant.is_weight_only(q, arch_name)
            # The dequantization penalty was fitted on int4 (AWQ/GPTQ) rows; MXFP4-weight kernels measure at the
            # 16-bit efficiency (H100 fused-MoE tables: W4A16 MXFP4 and bf16 experts within ~20% of each other).
            penalty = eff.weight_only_int4_compute_penalty if weight_only and q in ("int4-awq", "int4-gptq") else 1.0
            gemms.append(_Gemm(lin.name, place.n_local, place.k_local, place.weight_bytes, lin.num_layers, lin.copies,
                               lin.active_copies, peak, penalty, per_token_rows=lin.group != "lm_head",
                               all_rows=shard.group_wide(lin, dep) and lin.copies == 1,
                               row_scale=_quant.ACTIVATION_BYTES / place.bytes_per_weight if weight_only else 1.0))
        a = model.attention
        heads_local = a.num_heads / tp
        if a.kind == "mla":
            assert a.kv_lora_rank and a.qk_rope_head_dim
            attn_pair = 2 * heads_local * (a.head_dim + a.v_head_dim)
            decode_ctx = 2 * heads_local * (2 * a.kv_lora_rank + a.qk_rope_head_dim)
        else:
            attn_pair = 2 * heads_local * (a.head_dim + a.v_head_dim)
            decode_ctx = attn_pair
        kvb = _quant.kv_dtype_bytes(dep.kv_dtype)
        # What decode attention reads per cached token: full layers the whole context, sliding / chunked
        # layers their window, DSA layers their top-k (plus the indexer scan); weighted by KV bytes.
        ref_bytes = arch.kv_bytes_per_token_layer(model, kvb, tp)
        full_w, windows = 0.0, dict[int, float]()
        for cap, per_token in arch.kv_read_groups(model, kvb, tp):
            weight = per_token / ref_bytes if ref_bytes else 0.0
            if cap is None:
                full_w += weight
            else:
                windows[cap] = windows.get(cap, 0.0) + weight
        link = gpu.interconnect
        link_uni = link.link_bidir_bw_bytes_per_s / 2
        ring = 2 * (tp - 1) / tp if tp > 1 else 0.0
        allreduce_s_per_byte = ring / (link_uni * eff.allreduce_bw_efficiency) if tp > 1 else 0.0
        attn_peak = (gpu.peak_tflops(sixteen) or gpu.peak_dense_tflops.fp16) * 1e12
        tab, eff = tabled.wire(dep, eff, gemms, heads_local=heads_local, attn_pair=attn_pair,
                               decode_ctx=decode_ctx, ref_bytes=ref_bytes, attn_peak_flops=attn_peak,
                               allreduce_s_per_byte=allreduce_s_per_byte)
        dp_ep = alltoall.dp_ep_fields(dep)
        allreduces = 2 * model.num_layers
        if dep.dp_size > 1:
            # MoE layers combine by all-to-all across the data-parallel ranks instead of a TP all-reduce.
            allreduces -= alltoall.gathered_layers(dep) if model.moe is not None else 0
        return cls(
            dep=dep, eff=eff, _gemms=tuple(gemms), _bw=gpu.hbm_bw_bytes_per_s,
            _attn_peak_flops=attn_peak,
            _kv_bytes_token_layer=ref_bytes,
            _attn_flops_pair_layer=attn_pair, _decode_flops_ctx_layer=decode_ctx,
            _full_layers=full_w, _window_counts=tuple(sorted(windows.items())),
            _state_bytes_seq=arch.state_bytes_per_seq(model, tp),
            _state_flops_token=arch.state_flops_per_token(model, tp),
            _allreduces=allreduces,
            _allreduce_s_per_byte=allreduce_s_per_byte,
            _allreduce_latency_s=link.allreduce_latency_s if tp > 1 else 0.0,
            _act_bytes=_quant.ACTIVATION_BYTES,
            _spec_k=dep.speculative.num_speculative_tokens if dep.speculative else 0,
            _spec_tokens_per_step=dep.speculative.tokens_per_step if dep.speculative else 1.0,
            _spec_draft_layers=1 if dep.speculative and dep.speculative.num_draft_layers else 0,
            **tab,  # type: ignore[arg-type]
            **dp_ep,  # type: ignore[arg-type]
        )

    def for_deployment(self, dep: Deployment) -> PerfModel:
        """This model for `dep`, the same deployment with other scheduler limits (`max_num_seqs`,
        `max_num_batched_tokens`, `max_model_len`): operator times read none of them, so the precomputed groups and
        the step caches carry over."""
        return dataclasses.replace(self, dep=dep)

    # ------------------------------------------------------------------ timing

    @property
    def num_speculative_tokens(self) -> int:
        """Draft tokens verified per decode step of a sequence (0: no speculative decoding)."""
        return self._spec_k

    @property
    def tokens_per_step(self) -> float:
        """Expected tokens a decode (verify) step emits per sequence (1 without speculation)."""
        return self._spec_tokens_per_step

    def _penalty_taper(self, rows: float) -> float:
        """Share of the weight-only dequantization penalty paid at `rows` rows: none for GEMV-like shapes
        (bandwidth-bound kernels such as Marlin hide it), all of it for large GEMMs."""
        return rows / (rows + self.eff.gemm_half_efficiency_tokens)

    def _ctx_layers(self, mean_ctx: float) -> float:
        """Sum over layers of the context a token attends to (sliding layers capped at their window)."""
        total = self._full_layers * mean_ctx
        if self._window_counts:
            for window, count in self._window_counts:
                total += count * min(mean_ctx, window)
        return total

    def _gemm_parts(self, rows: int, sampled: int, rank_rows: int | None = None,
                    rank_sampled: int | None = None) -> tuple[float, float, float]:
        """(gemm, compute-bound, memory-bound) seconds of the linear layers for `rows` token rows, of which
        `sampled` go through the lm_head; depends on nothing else, so it is cached per shape."""
        eff = self.eff
        gemm_s = compute_s = memory_s = 0.0
        inv_bw = 1.0 / (self._bw * eff.weight_bw_efficiency)
        all_rows, all_sampled, dp = rows, sampled, self._dp
        if dp > 1:  # dense layers and the lm_head run per data-parallel rank on its (busiest rank's) share
            rows = math.ceil(rows / dp) if rank_rows is None else rank_rows
            sampled = math.ceil(sampled / dp) if rank_sampled is None else rank_sampled
        groups = [(rows, self._row_gemms), (sampled, self._sampled_gemms)]
        if self._wide_row_gemms or self._wide_sampled_gemms:
            groups += [(all_rows, self._wide_row_gemms), (all_sampled, self._wide_sampled_gemms)]
        for m, group in groups:
            c_eff = gemm_efficiency(eff, m) if m > 0 else 0.0
            if m <= 0:
                continue
            scale = m / c_eff
            taper = self._penalty_taper(m)
            for flop_s, w_bytes, act, extra, row_scale in group:
                if row_scale == 1.0:
                    t_c = scale * flop_s * (1.0 + extra * taper)
                else:
                    t_c = m / gemm_efficiency(eff, m * row_scale) * flop_s * (1.0 + extra * self._penalty_taper(m * row_scale))
                t_m = (w_bytes + m * act) * inv_bw
                if t_c >= t_m:
                    compute_s += t_c
                    gemm_s += t_c
                else:
                    memory_s += t_m
                    gemm_s += t_m
        moe = self._tab_moe
        tabled_ops: list[tuple[tabled.TabledGemm | tabled.TabledMoe, int]] = [
            (tg, rows if tg.per_token_rows else sampled) for tg in self._tab_gemms]
        if moe is not None:
            tabled_ops.append((moe, all_rows))  # the MoE layers see the tokens of every data-parallel rank
        for op, m in tabled_ops:
            if m <= 0:
                continue
            t = op.seconds(m)
            gemm_s += t
            if op.compute_bound(m):
                compute_s += t
            else:
                memory_s += t
        ep = self._ep
        for g in () if moe is not None else self._expert_gemms:
            m = all_rows  # the MoE layers see the tokens of every data-parallel rank
            if m <= 0:
                continue
            # Routed experts: each sees m*k/E rows; count the experts a batch touches at all. With expert
            # parallelism this GPU holds E/ep of them and multiplies its share of the routed rows, times the
            # load imbalance of the busiest rank.
            local = g.copies / ep
            touched = local * (1 - (1 - g.active / g.copies) ** m)
            share = self._expert_imbalance / ep if ep > 1 else 1.0
            per_expert_rows = m * g.active / ep * share * ep / touched  # rows each touched expert multiplies
            c_eff = gemm_efficiency(eff, per_expert_rows * g.row_scale) * eff.moe_gemm_efficiency_factor
            penalty = 1.0 + (g.penalty - 1.0) * self._penalty_taper(per_expert_rows * g.row_scale)
            t_c = m * share * g.flops_per_row * g.s_per_flop * penalty / c_eff
            t_m = (g.weight_bytes * touched / local + m * share * g.act_bytes_per_row) * inv_bw
            if t_c >= t_m:
                compute_s += t_c
                gemm_s += t_c
            else:
                memory_s += t_m
                gemm_s += t_m
        return gemm_s, compute_s, memory_s

    def _stage(self, s: IterationShape) -> tuple[float, float, float, float, float]:
        """Kernel time of all layers for one micro-batch: (gemm, attention, comm, compute-, memory-bound)."""
        eff = self.eff
        rows = s.decode_seqs + s.draft_tokens + s.prefill_tokens
        if self._dp == 1:
            key: tuple[int, ...] = (rows, s.sampled_seqs)
            cached = self._gemm_cache.get(key)
            if cached is None:
                cached = self._gemm_cache[key] = self._gemm_parts(rows, s.sampled_seqs)
        else:
            rank = s.busiest_rank(self._dp)
            key = (rows, s.sampled_seqs, rank.tokens, rank.sampled_seqs)
            cached = self._gemm_cache.get(key)
            if cached is None:
                cached = self._gemm_cache[key] = self._gemm_parts(rows, s.sampled_seqs, rank.tokens, rank.sampled_seqs)
        gemm_s, compute_s, memory_s = cached
        comm_s = self._comm_s(rows, decode_only=s.prefill_tokens == 0) if self._allreduce_s_per_byte or self._moe_layers \
            else 0.0
        if self._dp != 1:  # attention runs per data-parallel rank on its share of the sequences (the busiest rank)
            s = rank
            rows = s.tokens
        # Attention: prefill pairs are compute; decode reads every cached token's K/V per layer.
        attn_s = 0.0
        if s.prefill_attention_pairs or s.decode_seqs or (s.prefill_seqs and self._state_bytes_seq):
            layers = self._attn_layers
            mean_ctx = s.decode_context_tokens / s.decode_seqs if s.decode_seqs else 0.0
            decode_ctx = s.decode_seqs * self._ctx_layers(mean_ctx)  # token-layers of KV read by decode
            pair_layers = s.prefill_attention_pairs * self._full_layers
            for window, count in self._window_counts:
                pair_layers += count * min(s.prefill_attention_pairs, s.prefill_tokens * window)
            past = s.prefill_past_tokens * layers
            kv_bytes = (decode_ctx + past + s.prefill_tokens * layers) * self._kv_bytes_token_layer
            # Linear-attention / SSM layers: no growing KV, a fixed state read and written per sequence step.
            kv_bytes += (s.decode_seqs + s.prefill_seqs) * 2 * self._state_bytes_seq
            # Draft tokens are extra queries over the same cached context: the KV is read once, the FLOPs grow.
            queries = 1.0 + s.draft_tokens / s.decode_seqs if s.decode_seqs else 1.0
            flops = pair_layers * self._attn_flops_pair_layer + decode_ctx * self._decode_flops_ctx_layer * queries
            flops += rows * self._state_flops_token
            tab = self._tab_attention
            if tab is not None:
                # Measured kernels: prefill chunks (full and window-capped layers) and decode reads by table,
                # the recurrent state and the past-context reads of chunked prompts by the roofline.
                measured = 0.0
                if tab.prefill is not None and s.prefill_attention_pairs and s.prefill_seqs:
                    measured += self._full_layers * tab.prefill_s(s.prefill_seqs, s.prefill_attention_pairs)
                    for window, count in self._window_counts:
                        pairs = min(s.prefill_attention_pairs, s.prefill_tokens * window)
                        measured += count * tab.prefill_s(s.prefill_seqs, pairs)
                    flops -= pair_layers * self._attn_flops_pair_layer
                if tab.decode is not None and s.decode_seqs:
                    measured += self._decode_table_s(s.decode_seqs, mean_ctx)
                    flops -= decode_ctx * self._decode_flops_ctx_layer
                    kv_bytes -= decode_ctx * self._kv_bytes_token_layer
                t_c = max(flops, 0.0) / (self._attn_peak_flops * eff.attention_compute_efficiency)
                t_m = max(kv_bytes, 0.0) / (self._bw * eff.kv_bw_efficiency)
                attn_s = measured + max(t_c, t_m)
                if t_c >= t_m:
                    compute_s += t_c + measured
                else:
                    memory_s += t_m + measured
            else:
                t_c = flops / (self._attn_peak_flops * eff.attention_compute_efficiency)
                t_m = kv_bytes / (self._bw * eff.kv_bw_efficiency)
                attn_s = max(t_c, t_m)
                if t_c >= t_m:
                    compute_s += t_c
                else:
                    memory_s += t_m
        return gemm_s, attn_s, comm_s, compute_s, memory_s

    def _comm_s(self, rows: int, decode_only: bool = True) -> float:
        """Tensor-parallel all-reduces (within a data-parallel rank, on its rows) and the MoE dispatch / combine
        across ranks of one iteration with `rows` token rows of the replica (cached per row count and regime)."""
        key = rows if decode_only else -rows - 1
        cached = self._comm_cache.get(key)
        if cached is None:
            cached = 0.0
            if self._allreduce_s_per_byte:
                msg = math.ceil(rows / self._dp) * self.dep.model.hidden_size * self._act_bytes
                if self._tab_allreduce is not None:
                    cached = self._allreduces * self._tab_allreduce.seconds(msg)
                else:
                    cached = self._allreduces * (self._allreduce_latency_s + msg * self._allreduce_s_per_byte)
            if self._moe_layers and rows:
                cached += self._moe_layers * alltoall.all_to_all_s(rows, self._a2a, decode_only)
            self._comm_cache[key] = cached
        return cached

    def _decode_table_s(self, batch: int, mean_ctx: float) -> float:
        """Measured decode attention of all layers: full layers read the context, windowed ones their window."""
        tab = self._tab_attention
        assert tab is not None
        total = self._full_layers * tab.decode_s(batch, mean_ctx) if self._full_layers else 0.0
        for window, count in self._window_counts:
            total += count * tab.decode_s(batch, min(mean_ctx, window))
        return total

    def iteration(self, shape: IterationShape) -> IterationTime:
        """Time of one iteration doing `shape` on this deployment.

        With pipeline parallelism the batch is split into `pp` micro-batches; each stage runs
        each micro-batch over its share of layers, so an iteration takes the time of all layers
        at one micro-batch, times `pp` micro-batches, over `pp` stages.
        """
        gemm_s, attn_s, comm_s, compute_s, memory_s, overhead_s = self._parts(shape)
        total = gemm_s + attn_s + comm_s + overhead_s
        draft_s = self._draft_part_s(shape, gemm_s + attn_s + comm_s)
        overhead_s = max(0.0, overhead_s - draft_s)
        parts: dict[Bound, float] = {"compute": compute_s, "memory": memory_s,
                                     "communication": comm_s, "overhead": overhead_s}
        bound = max(parts, key=lambda k: parts[k])
        return IterationTime(total_s=total, gemm_s=gemm_s, attention_s=attn_s, communication_s=comm_s,
                             overhead_s=overhead_s, draft_s=draft_s, compute_bound_s=compute_s, memory_bound_s=memory_s,
                             bound=bound)

    def _overhead_s(self, seqs: int) -> float:
        """Runtime overhead of one iteration with `seqs` sequences (scheduler, per sequence, per layer); with
        attention data parallelism each rank's own scheduler handles its share of the sequences in parallel."""
        eff = self.eff
        return (eff.step_overhead_s + eff.per_seq_overhead_s * (seqs if self._dp == 1 else math.ceil(seqs / self._dp))
                + eff.per_layer_overhead_s * self._num_layers)

    def _parts(self, shape: IterationShape) -> tuple[float, float, float, float, float, float]:
        """(gemm, attention, communication, compute-bound, memory-bound, overhead) seconds of an iteration."""
        pp = self.dep.pp_size
        micro = shape.split(pp) if pp > 1 else shape
        gemm_s, attn_s, comm_s, compute_s, memory_s = self._stage(micro)
        if pp > 1:
            link = self.dep.gpu.interconnect
            hop = micro.tokens * self.dep.model.hidden_size * self._act_bytes / (link.link_bidir_bw_bytes_per_s / 2)
            comm_s += (pp - 1) * (hop + link.allreduce_latency_s)
        overhead_s = self._overhead_s(shape.decode_seqs + shape.prefill_seqs)
        if self._spec_draft_layers:
            overhead_s += self._draft_part_s(shape, gemm_s + attn_s + comm_s)
        return gemm_s, attn_s, comm_s, compute_s, memory_s, overhead_s

    def _draft_part_s(self, shape: IterationShape, kernel_s: float) -> float:
        """The draft's share of an iteration: its K proposals for the decoding sequences, and its one layer over the
        prompt tokens being prefilled (an MTP / EAGLE layer keeps the prompt's KV too), taken as one layer's share
        of the target's kernel time for those rows."""
        if not self._spec_draft_layers:
            return 0.0
        out = self.draft_s(shape.decode_seqs, shape.decode_context_tokens) if shape.draft_tokens else 0.0
        if shape.prefill_tokens and shape.tokens:
            out += kernel_s * shape.prefill_tokens / shape.tokens / self.dep.model.num_layers
        return out

    def step_s(self, shape: IterationShape) -> float:
        """Just the seconds of `iteration(shape)` (the simulator's hot path, no result object)."""
        if self.dep.pp_size == 1:
            if shape.prefill_tokens == 0 and shape.draft_tokens == 0:
                # Decode-only: seconds per generated token (with speculation, the verify step over its tokens).
                return self.decode_s(shape.decode_seqs, shape.decode_context_tokens)
            if not self._spec_draft_layers:  # `_total` without its layers of calls (the simulator's mixed steps)
                gemm_s, attn_s, comm_s, _, _ = self._stage(shape)
                return gemm_s + attn_s + comm_s + self._overhead_s(shape.decode_seqs + shape.prefill_seqs)
        return self._total(shape)

    def _total(self, shape: IterationShape) -> float:
        gemm_s, attn_s, comm_s, _, _, overhead_s = self._parts(shape)
        return gemm_s + attn_s + comm_s + overhead_s

    def decode_s(self, batch: int, context_sum: float) -> float:
        """Seconds per generated token of a decode-only step (no pipeline stages): one step, or with speculative
        decoding the verify pass plus the draft's proposals over the tokens a step emits on average."""
        if not self._spec_k:
            return self._plain_decode_s(batch, context_sum)
        if batch <= 0:
            return 0.0
        return (self.verify_s(batch, context_sum) + self.draft_s(batch, context_sum)) / self._spec_tokens_per_step

    def decode_step_fn(self) -> Callable[[int, float], float]:
        """`decode_s` itself, or without speculation the function it calls (one call less per simulated step)."""
        return self.decode_s if self._spec_k else self._plain_decode_s

    def verify_s(self, batch: int, context_sum: float) -> float:
        """Seconds of a speculative verify pass: `batch` sequences of K + 1 rows each (the last token and K draft
        tokens) through every GEMM and the lm_head, attending to their context (read once, K + 1 queries)."""
        k = self._spec_k
        fixed = self._verify_cache.get(batch)
        if fixed is None:
            rows = batch * (k + 1)
            gemm_s, _, comm_s, _, _ = self._stage(IterationShape(decode_seqs=batch, draft_tokens=batch * k,
                                                                 sampled_seqs=rows))
            fixed = gemm_s + comm_s + self._overhead_s(batch)
            self._verify_cache[batch] = fixed
        eff = self.eff
        t_c = self._decode_flops_ctx_layer / (self._attn_peak_flops * eff.attention_compute_efficiency)
        rank = math.ceil(batch / self._dp)  # sequences of the busiest data-parallel rank
        token_layers = rank * self._ctx_layers(context_sum / batch)
        if self._tab_attention is not None and self._tab_attention.decode is not None:
            # Measured single-query kernel, plus the roofline compute of the K extra queries.
            return fixed + self._decode_table_s(rank, context_sum / batch) + k * token_layers * t_c
        t_m = self._kv_bytes_token_layer / (self._bw * eff.kv_bw_efficiency)
        return fixed + token_layers * max((k + 1) * t_c, t_m)

    def draft_s(self, batch: int, context_sum: float) -> float:
        """Seconds the draft takes to propose K tokens for `batch` sequences: K runs of one layer of the target's
        shape (the MTP module, or an EAGLE head of the same width; an average layer of this deployment) with its
        attention over the context, the lm_head and one layer's launch overhead; 0 for n-gram lookup (CPU)."""
        if not self._spec_draft_layers or batch <= 0:
            return 0.0
        layers = self.dep.model.num_layers
        fixed = self._draft_cache.get(batch)
        if fixed is None:
            body_s, _, _ = self._gemm_parts(batch, 0)
            head_s, _, _ = self._gemm_parts(0, batch)
            comm_s = self._comm_s(batch) if self._allreduce_s_per_byte or self._moe_layers else 0.0
            fixed = (body_s + comm_s) / layers + head_s + self.eff.per_layer_overhead_s
            self._draft_cache[batch] = fixed
        attention_s = (self._plain_decode_s(batch, context_sum) - self._plain_decode_s(batch, 0.0)) / layers
        return self._spec_k * (fixed + attention_s)

    def _plain_decode_s(self, batch: int, context_sum: float) -> float:
        """Seconds of a decode-only step (no pipeline stages): cached per batch, attention added exactly.

        Decode attention FLOPs and KV bytes are both linear in the context read, so its roofline
        time is a per-token constant times the (window-capped) context; the rest depends only on
        the batch size.
        """
        if batch <= 0:
            return 0.0
        fixed = self._decode_fixed.get(batch)
        if fixed is None:
            no_ctx = IterationShape(decode_seqs=batch, decode_context_tokens=0.0, sampled_seqs=batch)
            gemm_s, _, comm_s, _, _ = self._stage(no_ctx)
            fixed = gemm_s + comm_s + self._overhead_s(batch)
            self._decode_fixed[batch] = fixed
        rank = batch if self._dp == 1 else math.ceil(batch / self._dp)  # sequences of the busiest data-parallel rank
        if self._tab_attention is not None and self._tab_attention.decode is not None:
            return fixed + self._decode_table_s(rank, context_sum / batch)
        token_layers = rank * self._ctx_layers(context_sum / batch)
        return fixed + token_layers * self._decode_s_per_token_layer

    def prefill(self, batch: int, prompt_tokens: int) -> IterationTime:
        """Prefill of `batch` prompts of `prompt_tokens` in one iteration (no chunking)."""
        causal = not self.dep.model.encoder_only
        return self.iteration(prefill_shape(batch, prompt_tokens, causal=causal, finishes=causal))

    def decode(self, batch: int, context_tokens: float) -> IterationTime:
        """One decode step of `batch` sequences at `context_tokens` context each."""
        return self.iteration(decode_shape(batch, context_tokens))

