"""Rich terminal views and JSON payloads of the catalog, memory and estimate results.

Units are converted for people here (GiB, ms, TFLOP/s) and nowhere in the core.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from planner.core.memory import MemoryBreakdown
from planner.estimate import EstimateResult
from planner.render.format import GIB, gib, size
from planner.render.format import count as human_count
from planner.render.format import duration as ms
from planner.specs.deployment import Deployment
from planner.specs.hardware import Gpu
from planner.specs.model import CheckpointSpec
from planner.specs.runtime import Runtime


def gpu_json(gpu: Gpu) -> dict[str, Any]:
    """Stable JSON view of a GPU (the validated file contents)."""
    return gpu.model_dump(mode="json")


def gpus_table(gpus: list[Gpu]) -> Table:
    """One row per GPU with memory, bandwidth, dense peaks and the cheapest on-demand price."""
    table = Table(title="GPUs (hardware_db)", box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False,
                  padding=(0, 1))
    for col in ("id", "arch", "GiB", "TB/s", "bf16", "fp8", "fp4", "link GB/s", "$/h"):
        table.add_column(col, justify="left" if col in ("id", "arch") else "right")
    link_names = {"nvlink": "NVLink", "pcie": "PCIe", "xgmi": "xGMI"}
    for gpu in gpus:
        peak = gpu.peak_dense_tflops
        price = gpu.cheapest_price()
        table.add_row(
            gpu.id, gpu.architecture, f"{gpu.memory_bytes / GIB:,.0f}", f"{gpu.hbm_bw_bytes_per_s / 1e12:.2f}",
            f"{(peak.bf16 or peak.fp16):,.0f}", f"{peak.fp8:,.0f}" if peak.fp8 else "-",
            f"{peak.fp4:,.0f}" if peak.fp4 else "-",
            f"{gpu.interconnect.link_bidir_bw_bytes_per_s / 1e9:,.0f} {link_names[gpu.interconnect.kind]}",
            f"{price.price_usd_per_gpu_hour:.2f}" if price else "-",
        )
    table.caption = "dense peak TFLOP/s; cheapest on-demand $/GPU-hour (all prices: --format json)"
    return table


def runtimes_table(runtimes: list[Runtime]) -> Group:
    """One block per runtime: hardware, precisions, parallelism, memory policy, scheduler and features."""
    parts: list[Any] = [Text("Runtimes (runtime_profiles)", style="bold")]
    for rt in runtimes:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column()
        par = "/".join(k.upper() for k in ("tp", "pp", "ep") if getattr(rt.parallelism, k))
        feats = ", ".join(k.replace("_", " ") for k, v in rt.features.model_dump().items() if v) or "-"
        sched = rt.scheduler
        grid.add_row("hardware", f"{', '.join(rt.vendors)}: {', '.join(rt.architectures)}")
        grid.add_row("weights", ", ".join(rt.quantization))
        grid.add_row("KV cache", ", ".join(rt.kv_cache_dtypes))
        grid.add_row("parallelism", f"{par} up to {rt.parallelism.max_gpus_per_replica} GPUs per replica")
        grid.add_row("memory", f"fraction {rt.memory.memory_fraction:.2f} ({rt.memory.fraction_basis.replace('_', ' ')})")
        grid.add_row("scheduler", f"{sched.batching}, max {sched.max_num_seqs} seqs, {sched.max_num_batched_tokens} "
                     f"tokens/iteration, {sched.kv_block_size_tokens}-token blocks, KV {sched.kv_reservation.replace('_', ' ')}")
        grid.add_row("features", feats)
        parts += [Text(""), Text(f"{rt.id}  {rt.name} {rt.version}", style="bold"), grid]
    return Group(*parts)


def deployment_json(dep: Deployment) -> dict[str, Any]:
    """The identifying settings of a deployment (no nested specs)."""
    return {
        "model": dep.model.name, "gpu": dep.gpu.id, "runtime": dep.runtime.id, "tp_size": dep.tp_size,
        "pp_size": dep.pp_size, "dp_size": dep.dp_size, "ep_size": dep.ep_size, "num_gpus": dep.num_gpus,
        "label": dep.label(), "quant": dep.quant, "kv_dtype": dep.kv_dtype,
        "max_num_seqs": dep.max_num_seqs, "max_num_batched_tokens": dep.max_num_batched_tokens,
        "max_model_len": dep.max_model_len, "memory_fraction": dep.memory_fraction,
    }


def memory_json(dep: Deployment, mem: MemoryBreakdown) -> dict[str, Any]:
    """`planner memory --format json` payload: the breakdown plus the deployment and warnings."""
    ckpt = dep.model.checkpoint
    return {**mem.model_dump(mode="json"), "deployment": deployment_json(dep),
            "checkpoint": ckpt.model_dump(mode="json") if ckpt else None,
            "warnings": list(dep.model.warnings)}


def memory_view(dep: Deployment, mem: MemoryBreakdown) -> Group:
    """A per-GPU memory table a person reads at a glance, with the verdict on top."""
    if mem.fits:
        verdict = Text(f"FITS  {dep.label()}: {gib(mem.kv_cache_bytes_per_gpu)} left for KV cache per GPU",
                       style="bold green")
    else:
        verdict = Text(f"DOES NOT FIT  {dep.label()}: needs {gib(mem.needed_bytes)} per GPU, has "
                       f"{gib(mem.gpu_memory_bytes)} (short by {gib(mem.shortfall_bytes)})", style="bold red")
    table = Table(box=box.SIMPLE, show_header=True, header_style="bold")
    table.add_column("per GPU")
    table.add_column("amount", justify="right")
    table.add_column("note")
    table.add_row("device memory", gib(mem.gpu_memory_bytes), dep.gpu.name)
    table.add_row("usable by runtime", gib(mem.usable_bytes),
                  f"{dep.runtime.name} memory fraction {mem.memory_fraction:.2f}")
    table.add_row("weights", gib(mem.weights_bytes_per_gpu),
                  f"{human_count(mem.params_total)} params, {dep.quant}, TP {dep.tp_size} PP {dep.pp_size}"
                  + (f" DP {dep.dp_size} EP {dep.ep_size} (KV pool per DP rank)" if dep.dp_size > 1 or dep.ep_size > 1
                     else ""))
    table.add_row("activation peak", gib(mem.activation_bytes_per_gpu),
                  f"{dep.max_num_batched_tokens} batched tokens, {dep.max_num_seqs} seqs")
    table.add_row("CUDA context", gib(mem.cuda_context_bytes), "")
    table.add_row("CUDA graphs", gib(mem.cuda_graph_bytes), "")
    if mem.state_pool_max_seqs is not None:
        pool = dep.runtime.memory.state_pool
        per = f", {pool.slots_per_request} per running request" if pool is not None else ""
        table.add_row("state pool", gib(mem.state_pool_bytes_per_gpu),
                      f"{mem.state_pool_slots:,} linear-attention / SSM states{per} -> at most "
                      f"{mem.state_pool_max_seqs:,} running")
    table.add_row("KV cache", gib(max(0.0, mem.kv_cache_bytes_per_gpu)),
                  f"{mem.kv_bytes_per_token_per_gpu / 1024:,.1f} KiB/token/GPU ({dep.kv_dtype})")
    summary = Table.grid(padding=(0, 2))
    summary.add_row("KV capacity", f"{mem.kv_capacity_tokens:,} tokens")
    summary.add_row(f"max concurrent seqs at {mem.context_tokens:,} tokens", f"{mem.max_concurrent_seqs:,}")
    summary.add_row("params total / active", f"{human_count(mem.params_total)} / {human_count(mem.params_active)}")
    summary.add_row("KV bytes per token (model)", f"{mem.kv_bytes_per_token:,.0f}")
    if mem.state_bytes_per_seq_per_gpu:
        summary.add_row("recurrent state per sequence", f"{size(mem.state_bytes_per_seq_per_gpu)} per GPU "
                        "(linear-attention / SSM layers, fixed size)")
    parts: list[Any] = [verdict, table, summary]
    ckpt = dep.model.checkpoint
    if ckpt is not None:
        parts.append(checkpoint_view(ckpt))
    parts += [Text(f"warning: {w}", style="yellow") for w in dep.model.warnings]
    return Group(*parts)


def checkpoint_view(ckpt: CheckpointSpec) -> Table:
    """The checkpoint's parameters per stored dtype and the gap to the config arithmetic."""
    table = Table(title=f"checkpoint ({ckpt.source})", box=box.SIMPLE, header_style="bold", title_justify="left")
    table.add_column("dtype")
    table.add_column("parameters", justify="right")
    for dtype, n in ckpt.params_by_dtype.items():
        table.add_row(dtype, f"{n:,}")
    table.add_row("logical", f"{ckpt.params_logical:,}", end_section=False)
    if ckpt.params_mtp:
        table.add_row("MTP layers (besides)", f"{ckpt.params_mtp:,}")
    table.add_row("config arithmetic", f"{ckpt.config_params:,}")
    gap = f"{100 * ckpt.gap:+.2f}%"
    table.caption = f"gap {gap}: {ckpt.gap_cause}" if ckpt.gap_cause else f"gap {gap} (within 1%)"
    return table


def estimate_json(result: EstimateResult) -> dict[str, Any]:
    """`planner estimate --format json`: the stable summary keys plus the deployment and memory."""
    return {
        **result.summary(), "deployment": deployment_json(result.deployment),
        "load": result.load.model_dump(mode="json"),
        "input_tokens": result.input_tokens.describe(), "output_tokens": result.output_tokens.describe(),
        "memory": {k: v for k, v in result.memory.model_dump(mode="json").items()
                   if k in ("weights_bytes_per_gpu", "kv_cache_bytes_per_gpu", "kv_capacity_tokens", "fits")},
        "efficiency_source": result.efficiency_source,
        "warnings": list(result.deployment.model.warnings),
    }


def _disagg_rows(thr: Table, result: EstimateResult) -> None:
    """Rows for the two pools of a disaggregated deployment."""
    d = result.disagg
    assert d is not None
    c = d.config
    thr.add_row("prefill pool", f"{c.prefill_instances} x TP{c.prefill_tp} ({c.prefill_instances * c.prefill_tp} GPUs)"
                f", busy {100 * d.prefill.utilization:.0f}%, queue + prefill {ms(d.prefill_time.mean_s)} mean / "
                f"{ms(d.prefill_time.p95_s)} p95, {gib(d.prefill.memory.needed_bytes)} per GPU")
    thr.add_row("decode pool", f"{c.decode_instances} x TP{c.decode_tp} ({c.decode_instances * c.decode_tp} GPUs), "
                f"KV in use {100 * d.decode.utilization:.0f}%, queue {ms(d.decode.queue.mean_s)} mean, "
                f"{gib(d.decode.memory.needed_bytes)} per GPU")
    thr.add_row("KV transfer", f"{ms(d.transfer.mean_s)} mean over {d.link.kind} "
                f"({d.link.bw_bytes_per_s / 1e9:,.0f} GB/s per GPU, {d.kv_bytes_per_token_per_gpu / 1024:,.0f} KiB "
                f"per token per GPU)")
    thr.add_row("bottleneck", f"the {d.bottleneck} pool")


def estimate_view(result: EstimateResult) -> Group:
    """Latency and throughput table with the dominating bounds."""
    s, dep = result.serving, result.deployment
    load = result.load
    arrivals = "Poisson" if load.arrival == "poisson" else f"gamma, CV {load.burstiness_cv:g}"
    what = {"batch": f"static batch of {load.value or 0:g}", "concurrency": f"{load.value or 0:g} requests in flight",
            "offline": "offline (all requests queued at once)", "burst": f"a burst of {load.value or 0:g} requests",
            "rps": f"{load.value or 0:g} requests/s ({arrivals})"
                   + (f", at most {load.max_concurrency} in flight" if load.max_concurrency else "")}
    where = "  ·  in-process (no API server)" if load.in_process else ""
    title = Text(f"{dep.label()}  ·  {what[load.kind]}{where}  ·  {result.input_tokens.describe()} in / "
                 f"{result.output_tokens.describe()} out", style="bold")
    bands = result.error_bands
    lat = Table(box=box.SIMPLE, header_style="bold")
    for col in ("latency", "mean", "p50", "p95", "p99", "p95 80% range"):
        lat.add_column(col, justify="left" if col == "latency" else "right")
    for name, key, stats in (("TTFT", "ttft", s.ttft), ("TPOT", "tpot", s.tpot), ("ITL", "itl", s.itl),
                             ("end-to-end", "e2e", s.e2e), ("queue", "", s.queue)):
        band = bands.get(key)
        spread = f"{ms(stats.p95_s * band.low_ratio)} - {ms(stats.p95_s * band.high_ratio)}" if band else "-"
        lat.add_row(name, ms(stats.mean_s), ms(stats.p50_s), ms(stats.p95_s), ms(stats.p99_s), spread)
    thr = Table.grid(padding=(0, 2))
    tb = bands.get("throughput")
    thr.add_row("output tokens/s", f"{s.output_tokens_per_s:,.0f} total, "
                f"{s.output_tokens_per_s / dep.num_gpus:,.0f} per GPU"
                + (f" (80% range {s.output_tokens_per_s * tb.low_ratio:,.0f} - "
                   f"{s.output_tokens_per_s * tb.high_ratio:,.0f})" if tb else ""))
    thr.add_row("requests/s", f"{s.requests_per_s:,.2f}")
    thr.add_row("concurrency", f"{s.concurrency:,.1f}")
    thr.add_row("KV cache in use", f"{100 * s.kv_utilization:.0f}%")
    thr.add_row("bound", f"prefill {s.prefill_bound}, decode {s.decode_bound}")
    thr.add_row("efficiencies", result.efficiency_source)
    if dep.speculative is not None:
        sp = dep.speculative
        thr.add_row("speculative", f"{sp.method}, {sp.num_speculative_tokens} draft tokens/step, acceptance rate "
                    f"{sp.acceptance_rate:g} per draft token -> {sp.tokens_per_step:.2f} tokens per verify step "
                    f"((1 - a^(K+1)) / (1 - a)); draft weights {gib(result.memory.draft_weights_bytes_per_gpu)} per GPU")
        thr.add_row("acceptance from", sp.acceptance_source)
    if result.disagg is not None:
        _disagg_rows(thr, result)
    if bands:
        first = next(iter(bands.values()))
        thr.add_row("error bands", f"measured / predicted on published runs ({first.runtime} {first.regime}; "
                    "calibration/uncertainty.yaml): 80% fell inside each range")
    parts: list[Any] = [title, lat, thr]
    parts += [Text(f"note: {n}", style="yellow") for n in s.notes]
    parts += [Text(f"warning: {w}", style="yellow") for w in dep.model.warnings]
    return Group(*parts)
