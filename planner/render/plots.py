"""Pictures of a plan's trade-offs (matplotlib, the optional `plot` extra): figures only, the caller saves them.

- `latency`: TTFT and TPOT (at each SLO's percentile, p95 otherwise) against the request rate per replica for the
  recommendation and the alternatives that carry a load curve, with the SLO lines, the planned rate and each
  curve's capacity knee (the highest rate at which every SLO still holds).
- `cost`: monthly cost against TTFT p95 for every simulated deployment, passing or not, the Pareto front (no
  other deployment is both cheaper and faster) marked, and the recommendation.
- `memory`: per-GPU memory of the recommendation and the alternatives: weights, activations, overheads, KV
  cache, and what the runtime leaves unused.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from planner.errors import SpecError
from planner.specs.report import CandidatePoint, CandidateSummary, Report

if TYPE_CHECKING:
    from matplotlib.figure import Figure

NAMES = ("latency", "cost", "memory")
"""The figures `figures()` returns, in order (the file stems)."""

_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise SpecError("plots need matplotlib", where="--plot",
                        hint="pip install 'planner[plot]' (or pip install matplotlib)") from None


def _label(c: CandidateSummary) -> str:
    return (f"{c.replicas}x{c.gpus_per_replica} {c.gpu} {c.runtime} {c.quant}" + (" kv-fp8" if c.kv_dtype == "fp8"
                                                                                   else "")
            + f" TP{c.tp_size}" + (f" PP{c.pp_size}" if c.pp_size > 1 else ""))


def _slo_percentile(report: Report, metric: str) -> tuple[int, float | None]:
    """The percentile plotted for a metric (its SLO's, else 95) and the SLO limit in seconds (None: no SLO)."""
    for s in report.slo:
        if s.key.startswith(f"{metric}_p"):
            return int(s.key.split("_p")[1].split("_")[0]), s.limit_s
    return 95, None


def _curved(report: Report) -> list[CandidateSummary]:
    out = [report.recommendation] if report.recommendation else []
    return [c for c in out + list(report.alternatives) if c.load_curve]


def latency_figure(report: Report) -> Figure:
    """TTFT and TPOT against the request rate per replica, with SLO lines, planned rate and capacity knees."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.6), layout="constrained")
    axes = fig.subplots(1, 2)
    curved = _curved(report)
    for ax, metric in zip(axes, ("ttft", "tpot")):
        pct, limit = _slo_percentile(report, metric)
        attr = f"{metric}_p{pct if pct in (50, 95, 99) else 95}_s"
        for i, c in enumerate(curved):
            color = _COLORS[i % len(_COLORS)]
            pts = [(p.rps_per_replica, getattr(p, attr) * 1e3) for p in c.load_curve
                   if p.stable and math.isfinite(getattr(p, attr))]
            if not pts:
                continue
            ax.plot(*zip(*pts), marker="o", color=color, lw=2.2 if i == 0 else 1.4,
                    label=("recommended: " if i == 0 else "") + _label(c))
            over = [p.rps_per_replica for p in c.load_curve if not p.stable]
            if over:
                ax.plot(over, [max(y for _, y in pts)] * len(over), "x", color=color, ms=8)
            knee = min(c.slo_capacity_rps_per_replica.values(), default=None)
            if knee is not None and math.isfinite(knee):
                ax.axvline(knee, color=color, ls=":", lw=1.2)
                ax.annotate(f"knee {knee:.3g}", (knee, 0.97), xycoords=("data", "axes fraction"), rotation=90,
                            va="top", ha="right", fontsize=8, color=color)
        if limit is not None:
            ax.axhline(limit * 1e3, color="red", ls="--", lw=1.2, label=f"SLO {metric.upper()} p{pct} "
                                                                        f"{limit * 1e3:g} ms")
        if report.recommendation is not None:
            planned = report.workload.rps * (1 + report.headroom) / report.recommendation.replicas
            ax.axvline(planned, color="grey", ls="-.", lw=1, label=f"sized for {planned:.3g} RPS/replica")
        if limit is not None:  # keep the SLO region readable: an overloaded curve leaves through the top
            ax.set_ylim(0, 4 * limit * 1e3)
        else:
            ax.set_ylim(bottom=0)
        ax.set_xlabel("requests/s per replica")
        ax.set_ylabel(f"{metric.upper()} p{pct} (ms)")
        ax.set_title(f"{metric.upper()} p{pct} against load (x: overloaded)")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left")
    axes[1].legend(fontsize=7, loc="upper left")
    fig.suptitle(f"{report.model.name}: latency per replica", fontsize=11)
    return fig


def pareto(points: list[CandidatePoint]) -> list[CandidatePoint]:
    """Priced points no other point beats on both cost and TTFT p95 (lower is better), by cost."""
    priced = sorted((p for p in points if p.cost_usd_per_month is not None and math.isfinite(p.ttft_p95_s)),
                    key=lambda p: (p.cost_usd_per_month or 0.0, p.ttft_p95_s))
    front: list[CandidatePoint] = []
    for p in priced:
        if not front or p.ttft_p95_s < front[-1].ttft_p95_s:
            front.append(p)
    return front


def cost_figure(report: Report) -> Figure:
    """Monthly cost against TTFT p95 for every simulated deployment, the Pareto front and the recommendation."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.5, 5.5), layout="constrained")
    ax = fig.subplots()
    pts = [p for p in report.simulated if p.cost_usd_per_month is not None and math.isfinite(p.ttft_p95_s)
           and p.ttft_p95_s > 0]
    for meets, color, label in ((True, "#2ca02c", "meets the SLO"), (False, "#bbbbbb", "misses the SLO")):
        group = [p for p in pts if p.meets_slo == meets]
        if group:
            ax.scatter([p.ttft_p95_s * 1e3 for p in group], [p.cost_usd_per_month or 0 for p in group], s=22,
                       alpha=0.8, zorder=2, color=color, label=label)
    front = pareto(pts)
    if front:
        ax.step([p.ttft_p95_s * 1e3 for p in front], [p.cost_usd_per_month or 0 for p in front], where="post",
                color="black", lw=1.2, zorder=3, label="Pareto front (cost vs TTFT p95)")
        ax.scatter([p.ttft_p95_s * 1e3 for p in front], [p.cost_usd_per_month or 0 for p in front],
                   facecolors="none", edgecolors="black", s=60, zorder=3)
    rec = report.recommendation
    mine = next((p for p in pts if rec is not None and p.label == rec.label), None)  # the same load as the others
    if rec is not None and mine is not None:
        on_front = "" if mine in front else " (not on the front: a same-cost or cheaper one is faster)"
        ax.scatter([mine.ttft_p95_s * 1e3], [mine.cost_usd_per_month or 0], marker="*", s=260, color="gold",
                   edgecolors="black", zorder=4, label="recommended: " + _label(rec) + on_front)
    _, limit = _slo_percentile(report, "ttft")
    if limit is not None:
        ax.axvline(limit * 1e3, color="red", ls="--", lw=1.2, label=f"TTFT SLO {limit * 1e3:g} ms")
    if pts:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("TTFT p95 at the sized load (ms, log)")
    ax.set_ylabel("cost ($/month, log)")
    ax.set_title(f"{report.model.name}: {len(pts)} simulated deployments")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return fig


def memory_figure(report: Report) -> Figure:
    """Per-GPU memory (GiB) of the recommendation and the alternatives, stacked by use."""
    from matplotlib.figure import Figure

    cands = ([report.recommendation] if report.recommendation else []) + list(report.alternatives)
    fig = Figure(figsize=(9, 1.2 + 0.55 * max(1, len(cands))), layout="constrained")
    ax = fig.subplots()
    parts = (("weights", "weights_bytes_per_gpu", "#1f77b4"), ("activations", "activation_bytes_per_gpu", "#ff7f0e"),
             ("overheads", "overhead_bytes_per_gpu", "#8c564b"), ("KV cache", "kv_cache_bytes_per_gpu", "#2ca02c"))
    labels = [("* " if i == 0 and report.recommendation else "") + _label(c) for i, c in enumerate(cands)]
    y = list(range(len(cands)))[::-1]
    left = [0.0] * len(cands)
    for name, attr, color in parts:
        widths = [max(0.0, float(getattr(c.memory, attr))) / 2**30 for c in cands]
        ax.barh(y, widths, left=left, color=color, label=name)
        left = [a + b for a, b in zip(left, widths)]
    unused = [max(0.0, c.memory.gpu_memory_bytes / 2**30 - used) for c, used in zip(cands, left)]
    ax.barh(y, unused, left=left, color="#dddddd", label="left unused by the runtime")
    for yi, c in zip(y, cands):
        ax.text(c.memory.gpu_memory_bytes / 2**30, yi, f" {c.memory.gpu_memory_bytes / 2**30:.0f} GiB",
                va="center", fontsize=8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("GiB per GPU")
    ax.set_title(f"{report.model.name}: memory per GPU (* recommended)")
    ax.legend(fontsize=8, ncols=5, loc="lower center", bbox_to_anchor=(0.5, 1.08))
    ax.grid(alpha=0.3, axis="x")
    return fig


def figures(report: Report) -> dict[str, Figure]:
    """The three figures of a plan, by name (see `NAMES`).

    Raises:
        SpecError: matplotlib is not installed, or the plan has nothing to draw (no recommendation and no
            simulated deployment).
    """
    _require_matplotlib()
    if report.recommendation is None and not report.simulated:
        raise SpecError("the plan has no simulated deployment to draw", where="plan",
                        hint="re-run `planner recommend` with constraints some deployment fits")
    return {"latency": latency_figure(report), "cost": cost_figure(report), "memory": memory_figure(report)}

