"""Prefill/decode disaggregation: two pools simulated one after the other, joined by a KV transfer.

The model, in the order a request sees it:
  1. Prefill pool: P instances of `prefill_tp` GPUs, requests dealt round-robin in arrival order. Each instance is
     the existing simulator (`planner.core.sim`) running prefill only: every request asks for one output token, so
     prompts are batched by `max_num_batched_tokens` and wait in that instance's own queue.
  2. KV transfer: the prompt's KV cache moves from the prefill GPUs to the decode GPUs, each GPU sending its own
     shard in parallel: kv bytes per GPU of the prompt / link bandwidth + link latency. The link is NVLink (one
     direction of the per-GPU figure) when both pools fit in one node, else the network (`network_bw_bytes_per_s`
     of hardware_db, the host PCIe link's one direction when not described).
  3. Decode pool: D instances of `decode_tp` GPUs, requests dealt round-robin in order of their KV's arrival. Each
     is the simulator with the transferred prompt held in its own KV budget (`SimConfig.transferred_kv`) and
     `max_num_seqs`; its first iteration for a request computes one token (the step that streams the first token).

TTFT = prefill queue + prefill + KV transfer + decode-pool wait + that first decode iteration (the first token
reaches the client from the decode server). TPOT and ITL come from the decode pool alone. A closed loop of C clients
is planned as the open loop at the rate C / mean end-to-end latency it sustains (a fixed point, Little's law).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Literal

import numpy as np
from pydantic import Field

from planner.core.memory import MemoryBreakdown, kv_sequence_bytes, memory_breakdown
from planner.core.perf import PerfModel
from planner.core.serving import LatencyStats, Mode, ServingResult, arrivals, sim_config, summarise
from planner.core.sim import SimTrace, Simulator
from planner.errors import InfeasibleError, SpecError
from planner.specs._base import Frozen
from planner.specs.deployment import Deployment
from planner.specs.disagg import DisaggConfig
from planner.specs.efficiency import Efficiency
from planner.specs.hardware import Gpu
from planner.specs.workload import LengthDistribution, Workload

LinkKind = Literal["nvlink", "xgmi", "pcie", "network"]
"""What carries the KV transfer: the node's GPU link, or the network between nodes."""

TTFT_DEFINITION = ("TTFT = prefill-pool queue + prefill + KV transfer + decode-pool wait + the decode server's "
                   "first iteration (it streams the first token)")


class KvLink(Frozen):
    """The link the KV cache crosses from a prefill GPU to a decode GPU."""

    kind: LinkKind
    """NVLink/xGMI/PCIe inside one node, or the network between nodes."""
    bw_bytes_per_s: float = Field(gt=0)
    """Bandwidth per GPU, one direction, bytes/s."""
    latency_s: float = Field(ge=0)
    """Fixed cost of one transfer, seconds."""
    source: str
    """Which hardware_db fields these numbers come from."""


def kv_link(gpu: Gpu, total_gpus: int) -> KvLink:
    """The KV-transfer link of a deployment of `total_gpus` GPUs: the node's own link when they fit in one node."""
    ic = gpu.interconnect
    if total_gpus <= ic.gpus_per_node:
        return KvLink(kind=ic.kind, bw_bytes_per_s=ic.link_bidir_bw_bytes_per_s / 2, latency_s=ic.allreduce_latency_s,
                      source=f"{gpu.id} interconnect.link_bidir_bw_bytes_per_s / 2 (one direction), latency "
                             "interconnect.allreduce_latency_s")
    if ic.network_bw_bytes_per_s is not None:
        bw, src = ic.network_bw_bytes_per_s, f"{gpu.id} interconnect.network_bw_bytes_per_s"
    else:
        bw, src = ic.pcie_bidir_bw_bytes_per_s / 2, (f"{gpu.id} has no network_bw_bytes_per_s: the host PCIe "
                                                     "link's one direction (pcie_bidir_bw_bytes_per_s / 2) bounds it")
    latency = ic.network_latency_s if ic.network_latency_s is not None else ic.allreduce_latency_s
    return KvLink(kind="network", bw_bytes_per_s=bw, latency_s=latency, source=src)


def transfer_s(kv_bytes_per_gpu: float, link: KvLink) -> float:
    """Seconds to move one prompt's KV shard: bytes per GPU / bandwidth + latency (the GPUs send in parallel)."""
    return kv_bytes_per_gpu / link.bw_bytes_per_s + link.latency_s


def pool_deployment(dep: Deployment, pool: Literal["prefill", "decode"]) -> Deployment:
    """One instance of a pool: the deployment at that pool's TP, aggregated."""
    assert dep.disagg is not None
    tp = dep.disagg.prefill_tp if pool == "prefill" else dep.disagg.decode_tp
    return dep.model_copy(update={"tp_size": tp, "disagg": None})


class PoolResult(Frozen):
    """One pool of a disaggregated deployment."""

    instances: int = Field(ge=1)
    """Instances in the pool."""
    tp_size: int = Field(ge=1)
    """GPUs per instance (tensor-parallel)."""
    utilization: float = Field(ge=0, le=1)
    """Prefill: mean fraction of wall time an instance runs iterations. Decode: mean fraction of an instance's KV
    capacity in use (a decode instance iterates whenever it holds a sequence, so its busy time says little)."""
    queue: LatencyStats
    """Wait from arriving at the pool to admission into a batch."""
    memory: MemoryBreakdown
    """Per-GPU memory of one instance (prefill: at the prompt length; decode: prompt + output)."""
    stable: bool
    """False when this pool's queue grows without bound."""


class DisaggResult(Frozen):
    """What disaggregation adds to an estimate: the pools, the transfer, the bottleneck."""

    config: DisaggConfig
    """P:D and each pool's TP."""
    prefill: PoolResult
    """The prefill pool."""
    decode: PoolResult
    """The decode pool."""
    link: KvLink
    """What carries the KV cache."""
    kv_bytes_per_token_per_gpu: float = Field(ge=0)
    """KV bytes one prompt token holds on one prefill GPU (what each GPU sends)."""
    transfer: LatencyStats
    """KV-transfer time per request."""
    prefill_time: LatencyStats
    """Prefill-pool queue + prefill per request (engine time, before the transfer)."""
    bottleneck: Literal["prefill", "decode"]
    """The pool that limits the rate: the unstable one, else the busier one."""
    ttft_definition: str = TTFT_DEFINITION
    """What TTFT counts here."""


def _deal(order: np.ndarray, parts: int) -> list[np.ndarray]:
    """Round-robin: request indices (in `order`) dealt to `parts` instances."""
    return [order[i::parts] for i in range(parts)]


def _pool_memory(dep: Deployment, context: int, pool: str) -> MemoryBreakdown:
    mem = memory_breakdown(dep, min(context, dep.max_model_len))
    if not mem.fits:
        raise InfeasibleError(
            f"the {pool} pool ({dep.label()}) does not fit: needs {mem.needed_bytes / 2**30:.1f} GiB per GPU, "
            f"has {mem.gpu_memory_bytes / 2**30:.1f} GiB",
            hint=f"raise --{pool}-tp, quantize (--quant fp8), or shorten --isl/--osl")
    return mem


def _run(dep: Deployment, pm_p: PerfModel, pm_d: PerfModel, mem_p: MemoryBreakdown, mem_d: MemoryBreakdown,
         link: KvLink, times: np.ndarray, prompts: np.ndarray, outputs: np.ndarray, cached: np.ndarray,
         horizon_s: float) -> tuple[SimTrace, list[SimTrace], list[SimTrace], np.ndarray, np.ndarray]:
    """Both pools over one arrival sequence: (merged trace, prefill traces, decode traces, transfer s, prefill s)."""
    assert dep.disagg is not None
    n = len(times)
    order = np.argsort(times, kind="stable")
    cfg_p = sim_config(pm_p, mem_p, float(prompts.mean()) + 1)
    ready = np.full(n, math.inf)
    admitted = np.full(n, math.inf)
    pre_traces = []
    for idx in _deal(order, dep.disagg.prefill_instances):
        tr = Simulator(pm_p, cfg_p).run(times[idx], prompts[idx], np.ones(len(idx), dtype=np.int64),
                                        cached_tokens=cached[idx], max_time_s=horizon_s)
        pre_traces.append(tr)
        ready[idx] = np.where(np.isfinite(tr.finish_s) & (tr.finish_s >= 0), tr.finish_s, math.inf)
        admitted[idx] = tr.admitted_s
    per_token = kv_sequence_bytes(pm_p.dep, 1)
    xfer = np.array([transfer_s(kv_sequence_bytes(pm_p.dep, int(p)) if p > 1 else per_token, link) for p in prompts])
    at_decode = ready + xfer
    cfg_d = sim_config(pm_d, mem_d, float(prompts.mean() + outputs.mean()))
    # A decode instance has no prefill pass: a transferred request joins the running batch as one more row of the
    # next iteration (mixed, chunked), whatever the runtime's aggregated scheduling does with prompts.
    cfg_d = dataclasses.replace(cfg_d, transferred_kv=True, mixed=True, chunked_prefill=True)
    first, finish = np.full(n, math.inf), np.full(n, math.inf)
    dec_traces = []
    reached = np.flatnonzero(np.isfinite(at_decode))
    for idx in _deal(reached[np.argsort(at_decode[reached], kind="stable")], dep.disagg.decode_instances):
        if not len(idx):
            continue
        tr = Simulator(pm_d, cfg_d).run(at_decode[idx], prompts[idx], outputs[idx], cached_tokens=prompts[idx],
                                        max_time_s=horizon_s)
        dec_traces.append(tr)
        first[idx], finish[idx] = tr.first_token_s, tr.finish_s
    finish = np.where(finish >= 0, finish, math.inf)
    gaps = [t.gap_s for t in dec_traces] or [np.zeros(0)]
    weights = [t.gap_weight for t in dec_traces] or [np.zeros(0)]
    end_s = max([t.end_s for t in pre_traces + dec_traces] + [1e-9])
    merged = SimTrace(
        arrival_s=times, admitted_s=admitted, first_token_s=first, finish_s=finish, prompt_tokens=prompts,
        output_tokens=outputs, preemptions=sum(t.preemptions for t in dec_traces),
        iterations=sum(t.iterations for t in pre_traces + dec_traces), end_s=end_s,
        kv_token_seconds=sum(t.kv_token_seconds for t in dec_traces) / dep.disagg.decode_instances,
        busy_s=sum(t.busy_s for t in dec_traces) / dep.disagg.decode_instances,
        completed=int(np.isfinite(finish).sum()), truncated=any(t.truncated for t in pre_traces + dec_traces),
        gap_s=np.concatenate(gaps), gap_weight=np.concatenate(weights),
        frontend_busy_s=max([t.frontend_busy_s for t in pre_traces + dec_traces] + [0.0]))
    return merged, pre_traces, dec_traces, xfer, ready - times


def _utilization(traces: list[SimTrace], instances: int) -> float:
    busy = [min(1.0, t.busy_s / t.end_s) if t.end_s else 0.0 for t in traces]
    return float(sum(busy) / instances)


def _queue(traces: list[SimTrace]) -> LatencyStats:
    waits = [np.maximum(0.0, t.admitted_s - t.arrival_s) for t in traces]
    vals = np.concatenate(waits) if waits else np.zeros(0)
    return LatencyStats.of(vals[np.isfinite(vals)])


def disagg_open_loop(dep: Deployment, workload: Workload, *, efficiency: Efficiency | None = None, seed: int = 0,
                     duration_s: float = 600.0, max_requests: int = 12000, drain: bool = False,
                     all_at_once: int | None = None) -> tuple[ServingResult, DisaggResult]:
    """A disaggregated deployment under `workload` (its rate applies to the whole deployment).

    `all_at_once` = N sends N requests at t = 0 (offline / burst) instead of arrivals at the rate.

    Raises:
        InfeasibleError: A pool does not fit in memory.
    """
    cfg = dep.disagg
    assert cfg is not None
    dep_p, dep_d = pool_deployment(dep, "prefill"), pool_deployment(dep, "decode")
    isl_hi = workload.input_tokens.upper_tokens()
    mem_p = _pool_memory(dep_p, isl_hi + 1, "prefill")
    mem_d = _pool_memory(dep_d, isl_hi + workload.output_tokens.upper_tokens(), "decode")
    pm_p, pm_d = PerfModel.build(dep_p, efficiency), PerfModel.build(dep_d, efficiency)
    rng = np.random.default_rng(seed)
    if all_at_once is not None:
        n = all_at_once
        times = np.zeros(n)
    else:
        assert workload.rps is not None
        n = int(min(max_requests, max(200, workload.rps * duration_s)))
        times = arrivals(workload, n, rng)
    prompts = workload.input_tokens.draw(rng, n)
    outputs = workload.output_tokens.draw(rng, n)
    cached = np.floor(prompts * workload.prefix_cache_share).astype(np.int64)
    horizon = math.inf if drain or all_at_once is not None else float(times[-1]) * 3 + 60.0
    link = kv_link(dep.gpu, dep.num_gpus)
    merged, pre, dec, xfer, pre_s = _run(dep, pm_p, pm_d, mem_p, mem_d, link, times, prompts, outputs, cached,
                                         horizon)
    stable = not merged.truncated
    notes = [f"disaggregated {cfg.prefill_instances} prefill x TP{cfg.prefill_tp} + {cfg.decode_instances} decode "
             f"x TP{cfg.decode_tp}; KV over {link.kind} at {link.bw_bytes_per_s / 1e9:,.0f} GB/s per GPU; "
             + TTFT_DEFINITION]
    if not stable:
        notes.append(f"overloaded: {n - merged.completed} of {n} requests unfinished after {horizon:.0f} s")
    done = np.isfinite(merged.finish_s)
    in_flight = float(np.sum(merged.finish_s[done] - times[done]) / max(merged.end_s, 1e-9))
    mode: Mode = "offline" if all_at_once is not None and workload.rps is None else "rps"
    result = summarise(pm_d, merged, mode, in_flight, notes, 0.0 if mode == "offline" else 0.05,
                        sim_config(pm_d, mem_d, float(prompts.mean() + outputs.mean())).kv_capacity_tokens, stable)
    pre_stable = not any(t.truncated for t in pre)
    dec_stable = not any(t.truncated for t in dec)
    cap_d = sim_config(pm_d, mem_d, float(prompts.mean() + outputs.mean())).kv_capacity_tokens
    u_p = _utilization(pre, cfg.prefill_instances)
    u_d = min(1.0, sum(t.kv_token_seconds / t.end_s / max(1, cap_d) for t in dec if t.end_s) / cfg.decode_instances)
    bottleneck: Literal["prefill", "decode"] = ("prefill" if not pre_stable else "decode" if not dec_stable
                                                else "prefill" if u_p > u_d else "decode")
    finite = np.isfinite(pre_s)
    info = DisaggResult(
        config=cfg,
        prefill=PoolResult(instances=cfg.prefill_instances, tp_size=cfg.prefill_tp, utilization=u_p,
                           queue=_queue(pre), memory=mem_p, stable=pre_stable),
        decode=PoolResult(instances=cfg.decode_instances, tp_size=cfg.decode_tp, utilization=u_d,
                          queue=_queue(dec), memory=mem_d, stable=dec_stable),
        link=link, kv_bytes_per_token_per_gpu=kv_sequence_bytes(dep_p, max(1, int(prompts.mean()))) /
        max(1, int(prompts.mean())), transfer=LatencyStats.of(xfer), prefill_time=LatencyStats.of(pre_s[finite]),
        bottleneck=bottleneck)
    return result, info


def disagg_closed_loop(dep: Deployment, clients: int, prompt: LengthDistribution, output: LengthDistribution, *,
                       efficiency: Efficiency | None = None, seed: int = 0, prefix_cache_share: float = 0.0,
                       iterations: int = 4) -> tuple[ServingResult, DisaggResult]:
    """`clients` requests always in flight, planned as the open loop at the rate they sustain: rate = clients /
    mean end-to-end latency (Little's law), found by a damped fixed-point iteration from the no-queue latency."""
    assert dep.disagg is not None
    pm_d = PerfModel.build(pool_deployment(dep, "decode"), efficiency)
    pm_p = PerfModel.build(pool_deployment(dep, "prefill"), efficiency)
    from planner.core.iteration import decode_shape, prefill_shape
    isl, osl = max(1, int(prompt.expected())), output.expected()
    per_dec = max(1, clients // dep.disagg.decode_instances)
    e2e = pm_p.iteration(prefill_shape(1, isl)).total_s + osl * pm_d.step_s(decode_shape(per_dec, isl + osl / 2))
    rate = clients / max(e2e, 1e-6)
    best: tuple[ServingResult, DisaggResult] | None = None
    used = rate
    for _ in range(iterations):
        used = rate
        wl = Workload(rps=rate, input_tokens=prompt, output_tokens=output, prefix_cache_share=prefix_cache_share)
        res, info = disagg_open_loop(dep, wl, efficiency=efficiency, seed=seed,
                                     duration_s=max(60.0, 30 * clients / rate), max_requests=4000)
        best = (res, info)
        got = res.e2e.mean_s if res.stable and math.isfinite(res.e2e.mean_s) else 4 * e2e
        rate = math.sqrt(rate * clients / max(got, 1e-6))  # geometric damping
        e2e = got
    assert best is not None
    res, info = best
    note = (f"closed loop of {clients} clients planned as an open loop at {used:.3g} req/s "
            "(clients / mean end-to-end latency)")
    return res.model_copy(update={"mode": "concurrency", "concurrency": float(clients),
                                  "notes": (*res.notes, note)}), info


def with_disagg(dep: Deployment, config: DisaggConfig) -> Deployment:
    """`dep` served disaggregated as `config`, checked against the runtime and each pool's TP.

    Raises:
        SpecError: The runtime has no disaggregated serving, or a pool's TP cannot shard the model.
    """
    from planner.core.compat import incompatibilities
    rt = dep.runtime
    if not rt.disaggregation.supported:
        raise SpecError(f"{rt.name} has no prefill/decode disaggregated serving", where="--disagg",
                        value=f"{config.prefill_instances}:{config.decode_instances}",
                        hint="use --runtime sglang, vllm or trtllm, or drop --disagg")
    if dep.dp_size > 1 or dep.ep_size > 1:
        raise SpecError("disaggregated pools of attention data-parallel / expert-parallel instances are not modelled",
                        where="--disagg", value=f"dp {dep.dp_size}, ep {dep.ep_size}",
                        hint="drop --dp-size/--ep-size to plan TP pools, or drop --disagg to plan DP+EP")
    for pool, tp in (("prefill", config.prefill_tp), ("decode", config.decode_tp)):
        reasons = incompatibilities(dep.model, dep.gpu, rt, tp_size=tp, pp_size=dep.pp_size, quant=dep.quant,
                                    kv_dtype=dep.kv_dtype)
        if reasons:
            raise SpecError(f"the {pool} pool at TP {tp}: " + "; ".join(reasons), where=f"--{pool}-tp", value=tp,
                            hint="choose a tensor-parallel size that divides the attention and KV heads")
    return dep.model_copy(update={"disagg": config})
