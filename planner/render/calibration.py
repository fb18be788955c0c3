"""Rich views of a calibration profile and a verification result (units converted for people here)."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console, Group
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from planner.calibrate.verify import VerifyResult
from planner.specs.calibration import CalibrationProfile


def _rate(tflops: float) -> str:
    return f"{tflops:,.1f} TFLOP/s" if tflops >= 10 else f"{tflops * 1e3:,.0f} GFLOP/s"


def profile_view(profile: CalibrationProfile) -> Group:
    """Device, GEMM curves, bandwidths, attention and overheads of one profile."""
    d, f = profile.device, profile.fitted
    versions = f"torch {d.torch_version}" + (f", CUDA {d.cuda_version}" if d.cuda_version else "") + \
        (f", driver {d.driver_version}" if d.driver_version else "") + (f", {d.threads} threads" if d.threads else "")
    title = Text(f"{d.name} -> {profile.gpu_id}  ·  {versions}  ·  {profile.created_at:%Y-%m-%d %H:%M}"
                 f"{'  ·  quick' if profile.quick else ''}", style="bold")
    gemm = Table(box=box.SIMPLE, header_style="bold", title="GEMM achieved / peak")
    gemm.add_column("rows", justify="right")
    for dtype, curve in f.gemm.items():
        gemm.add_column(f"{dtype} ({curve.torch_dtype})", justify="right")
    rows = sorted({r for curve in f.gemm.values() for r, _ in curve.points})
    for r in rows:
        cells = [next((f"{e:.2f}" for x, e in curve.points if x == r), "") for curve in f.gemm.values()]
        gemm.add_row(f"{r:g}", *cells)
    gemm.add_row("best", *[_rate(c.max_tflops) for c in f.gemm.values()])
    gemm.add_row("peak", *[_rate(profile.peak.tflops[dtype]) for dtype in f.gemm])
    facts = Table.grid(padding=(0, 2))
    peak_bw = profile.peak.hbm_bw_bytes_per_s
    facts.add_row("peaks from", profile.peak.source)
    facts.add_row("memory bandwidth", f"copy {f.copy_bw_bytes_per_s / 1e9:,.1f} GB/s, read "
                  f"{f.read_bw_bytes_per_s / 1e9:,.1f} GB/s (peak {peak_bw / 1e9:,.1f} GB/s)")
    facts.add_row("weight streaming", f"{f.weight_stream_bw_bytes_per_s / 1e9:,.1f} GB/s = {f.weight_bw:.2f} of peak")
    facts.add_row("KV read (decode)", f"{f.kv_read_bw_bytes_per_s / 1e9:,.2f} GB/s = {f.kv_bw:.3f} of peak")
    facts.add_row("prefill attention", f"{_rate(f.attention_tflops)} = {f.attention_compute:.3f} of peak")
    facts.add_row("launch overhead", f"{f.launch_overhead_s * 1e6:,.1f} us per op")
    facts.add_row("eager overhead", f"{f.eager_op_overhead_s * 1e6:,.1f} us per op: layer "
                  f"{f.eager_layer_overhead_s * 1e6:,.0f} us ({f.eager_ops_per_layer:.0f} ops), step "
                  f"{f.eager_step_overhead_s * 1e6:,.0f} us ({f.eager_ops_per_step:.0f} ops)")
    if f.moe_factor is not None:
        facts.add_row("eager MoE experts", f"{f.moe_factor:.2f} of dense GEMM efficiency")
    if f.allreduce is not None:
        a = f.allreduce
        share = f" = {a.bw_fraction:.2f} of link" if a.bw_fraction else ""
        facts.add_row(f"all-reduce x{a.world_size}", f"{a.latency_s * 1e6:,.1f} us latency, "
                      f"{a.bus_bw_bytes_per_s / 1e9:,.0f} GB/s bus{share}")
    parts: list[Any] = [title, gemm, facts]
    parts += [Text(f"note: {n}", style="yellow") for n in profile.notes]
    return Group(*parts)


def verify_view(result: VerifyResult) -> Group:
    """Predicted versus measured time per point, and the median error."""
    table = Table(box=box.SIMPLE, header_style="bold")
    for col in ("model", "phase", "batch", "tokens", "measured", "predicted", "error", "bound"):
        table.add_column(col, justify="left" if col in ("model", "phase", "bound") else "right")
    for p in result.points:
        table.add_row(p.model, p.phase, str(p.batch), str(p.tokens), f"{p.measured_s * 1e3:,.2f} ms",
                      f"{p.predicted_s * 1e3:,.2f} ms", f"{p.abs_pct_error:.1f}%", p.bound)
    title = Text(f"{result.device} ({result.gpu_id}), {result.dtype}, {result.runtime} runtime profile", style="bold")
    footer = Text(f"median absolute error {result.median_abs_pct_error:.1f}% over {len(result.points)} points; "
                  f"efficiencies: {result.efficiency_source}")
    return Group(title, table, footer)


class RichReporter:
    """A rich progress bar on stderr; one bar per `start`.

    Redrawn only when a step finishes: rich's auto-refresh thread would compete for the GIL
    with the eager benchmarks it reports on and slow them down.
    """

    def __init__(self) -> None:
        self.progress = Progress(TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=Console(stderr=True, highlight=False),
                                 transient=False,
                                 auto_refresh=False)
        self.task: Any = None

    def __enter__(self) -> RichReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.task is not None:
            self.progress.stop()

    def start(self, total: int) -> None:
        """Open a new bar of `total` steps (the display starts with the first bar)."""
        if self.task is None:
            self.progress.start()
        self.task = self.progress.add_task("starting", total=total)
        self.progress.refresh()

    def advance(self, label: str) -> None:
        """One step done; show what."""
        self.progress.update(self.task, advance=1, description=label)
        self.progress.refresh()
