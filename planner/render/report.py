"""Render a `Report`: deterministic JSON, Markdown for pull requests, and a rich terminal view."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from planner.render.format import dumps_json, duration, gib, message, round_floats, usd, with_text
from planner.specs.report import CandidateSummary, Report


def to_data(report: Report) -> dict[str, Any]:
    """The JSON-ready dict of a report (floats rounded to 6 significant digits)."""
    return with_text(round_floats(report.model_dump(mode="json")))  # type: ignore[no-any-return]


def to_json(report: Report) -> str:
    """Deterministic JSON text: sorted keys, rounded floats, trailing newline."""
    return dumps_json(to_data(report))


def _range(c: CandidateSummary, metric: str, value: float) -> str:
    """`41-68 ms`: the 80% range of a prediction from its error band, or `-` without one."""
    band = c.error_bands.get(metric)
    if band is None:
        return "-"
    return f"{duration(value * band.low_ratio)} - {duration(value * band.high_ratio)}"


def _latency_rows(c: CandidateSummary, encoder: bool = False) -> list[tuple[str, str, str, str, str]]:
    rows = [("TTFT", duration(c.ttft_p50_s), duration(c.ttft_p95_s), duration(c.ttft_p99_s),
             _range(c, "ttft", c.ttft_p95_s)),
            ("TPOT", duration(c.tpot_p50_s), duration(c.tpot_p95_s), duration(c.tpot_p99_s),
             _range(c, "tpot", c.tpot_p95_s)),
            ("ITL", duration(c.itl_p50_s), duration(c.itl_p95_s), duration(c.itl_p99_s),
             _range(c, "itl", c.itl_p95_s)),
            ("end-to-end", duration(c.e2e_p50_s), duration(c.e2e_p95_s), duration(c.e2e_p99_s),
             _range(c, "e2e", c.e2e_p95_s))]
    return rows[3:] if encoder else rows


def _confidence_line(report: Report, c: CandidateSummary) -> str:
    """How many replicas each confidence needs, e.g. `typical: 1 replica; high: 2 replicas`."""
    def n(value: int | None) -> str:
        return "not reached" if value is None else f"{value} replica{'s' if value != 1 else ''}"
    chosen = report.inputs.constraints.confidence
    parts = [f"{name}: {n(value)}" + (" (chosen)" if name == chosen else "")
             for name, value in sorted(c.replicas_by_confidence.items(), key=lambda kv: kv[0] != "typical")]
    return "; ".join(parts)


def _knee_line(report: Report, c: CandidateSummary) -> str:
    """The load curve in one line: where each SLO stops holding per replica, against the rate it was sized for."""
    sized = report.workload.rps * (1 + report.headroom) / c.replicas
    tested = max((p.rps_per_replica for p in c.load_curve), default=0.0)
    names = {s.key: s.description.split(" <=")[0] for s in report.slo}
    knees = ", ".join(f"{names.get(key, key)} up to " + (f">= {rps:.3g}" if rps >= tested > 0 else f"{rps:.3g}")
                      for key, rps in sorted(c.slo_capacity_rps_per_replica.items(), key=lambda kv: kv[1]))
    return f"per replica: {knees} RPS; sized for {sized:.3g} RPS (`--plot DIR` draws the curves)"


def _slo_line(report: Report) -> str:
    """The targets, each with where it was set when they come from more than one place (flags over the file)."""
    mixed = len({s.origin for s in report.slo}) > 1
    return ", ".join(s.description + (f" ({_origin(s.origin)})" if mixed and s.origin else "")
                     for s in report.slo) or "none (capacity only)"


def _origin(origin: str) -> str:
    """`--slo`, or a model.yaml path shortened to its file name."""
    return origin if origin.startswith("-") else origin.replace("\\", "/").rsplit("/", 1)[-1]


def terminal(report: Report) -> Group:
    """A view a person reads at a glance: verdict, latency, cost, memory, launch, alternatives, rejections."""
    w = report.workload
    cached = f", {100 * w.prefix_cache_share:.0f}% prefix-cached" if w.prefix_cache_share else ""
    outputs = "" if report.model.kv_bytes_per_token == 0 else f", outputs {w.output_tokens.description}"
    head = Text(f"{report.model.name}: {w.rps:g} RPS, prompts {w.input_tokens.description}{cached}{outputs}; "
                f"SLO {_slo_line(report)}", style="bold")
    parts: list[Any] = [head]
    rec = report.recommendation
    if rec is None:
        parts.append(Text("NO DEPLOYMENT MEETS THE SLO", style="bold red"))
        parts += [Text(f"  suggestion: {message(s)}", style="yellow") for s in report.suggestions]
    else:
        parts.append(Text(f"RECOMMENDED  {rec.replicas} x {rec.gpus_per_replica} {rec.gpu_name} "
                          f"({rec.runtime} {rec.runtime_version}, {rec.quant}"
                          + (", kv fp8" if rec.kv_dtype == "fp8" else "")
                          + f", TP{rec.tp_size}" + (f" PP{rec.pp_size}" if rec.pp_size > 1 else "")
                          + _dp_ep(rec)
                          + f")  {usd(rec.cost_usd_per_hour)}/h  {usd(rec.cost_usd_per_month, 0)}/month",
                          style="bold green"))
        lat = Table(box=box.SIMPLE, header_style="bold", title=f"predicted at {w.rps:g} RPS", title_justify="left")
        for col in ("latency", "p50", "p95", "p99", "p95 80% range"):
            lat.add_column(col, justify="left" if col == "latency" else "right")
        encoder = report.model.kv_bytes_per_token == 0
        for row in _latency_rows(rec, encoder):
            lat.add_row(*row)
        facts = Table.grid(padding=(0, 2))
        facts.add_row("replicas", f"{rec.replicas} x {rec.gpus_per_replica} GPU = {rec.total_gpus} GPUs, sized for "
                      f"{rec.requests_per_s_capacity:g} RPS ({100 * report.headroom:.0f}% headroom)")
        if rec.replicas_by_confidence:
            facts.add_row("confidence", _confidence_line(report, rec))
        if rec.slo_capacity_rps_per_replica:
            facts.add_row("capacity", _knee_line(report, rec))
        facts.add_row("utilization", f"{100 * rec.utilization:.0f}% of capacity, KV cache "
                      f"{100 * rec.kv_utilization:.0f}%, {rec.concurrency_per_replica:.1f} requests in flight/replica")
        if not encoder:
            facts.add_row("throughput", f"{rec.output_tokens_per_s:,.0f} output tokens/s")
        per_tokens = (f"{usd(rec.cost_usd_per_1m_input_tokens)}/1M input tokens" if encoder
                      else f"{usd(rec.cost_usd_per_1m_output_tokens)}/1M output tokens")
        facts.add_row("cost", f"{usd(rec.cost_usd_per_hour)}/h, {usd(rec.cost_usd_per_month, 0)}/month, "
                      f"{per_tokens}, {usd(rec.cost_usd_per_request)}/request")
        if rec.price:
            facts.add_row("price", f"{usd(rec.price.price_usd_per_gpu_hour)}/GPU-h {rec.price.provider} "
                          f"{rec.price.instance} ({rec.price.kind}, {rec.price.as_of})")
        m = rec.memory
        facts.add_row("memory/GPU", f"weights {gib(m.weights_bytes_per_gpu)}, activations "
                      f"{gib(m.activation_bytes_per_gpu)}, overhead {gib(m.overhead_bytes_per_gpu)}, "
                      + (f"free {gib(m.kv_cache_bytes_per_gpu)} (encoder: no KV cache)" if encoder else
                         f"KV {gib(m.kv_cache_bytes_per_gpu)} ({m.kv_capacity_tokens:,} tokens)")
                      + f" of {gib(m.gpu_memory_bytes)}")
        facts.add_row("efficiencies", rec.efficiency_source)
        parts += [lat, facts, Text("launch:", style="bold"), Text(f"  {rec.launch.command}")]
        parts += [Text(f"  note: {n}", style="yellow") for n in rec.launch.notes + rec.notes]
    if report.alternatives:
        alt = Table(box=box.SIMPLE, header_style="bold", title="alternatives", title_justify="left")
        for col in ("deployment", "GPUs", "$/h", "$/month", "TTFT p95", "TPOT p95", "e2e p95"):
            alt.add_column(col, justify="left" if col == "deployment" else "right")
        for c in report.alternatives:
            alt.add_row(f"{c.gpu} {c.runtime} {c.quant}" + (" kv-fp8" if c.kv_dtype == "fp8" else "")
                        + f" TP{c.tp_size}" + (f" PP{c.pp_size}" if c.pp_size > 1 else "") + _dp_ep(c),
                        f"{c.replicas}x{c.gpus_per_replica}", usd(c.cost_usd_per_hour),
                        usd(c.cost_usd_per_month, 0), duration(c.ttft_p95_s), duration(c.tpot_p95_s), duration(c.e2e_p95_s))
        parts.append(alt)
    if report.rejected:
        rej = Table(box=box.SIMPLE, header_style="bold", title="rejected", title_justify="left")
        rej.add_column("GPU / runtime / precision")
        rej.add_column("reason")
        for r in report.rejected:
            rej.add_row(f"{r.gpu} {r.runtime} {r.quant}", message(r.reason))
        parts.append(rej)
    parts += [Text(f"assumption: {a}", style="dim") for a in report.assumptions]
    parts += [Text(f"warning: {w}", style="yellow") for w in report.warnings]
    return Group(*parts)


def to_markdown(report: Report) -> str:
    """A Markdown summary for pull requests and CI step summaries."""
    w = report.workload
    lines = [f"## planner: {report.model.name}", "",
             f"**Traffic** {w.rps:g} RPS, prompts {w.input_tokens.description}, outputs "
             f"{w.output_tokens.description}. **SLO** {_slo_line(report)}.", ""]
    rec = report.recommendation
    if rec is None:
        lines += ["**No deployment meets the SLO.**", ""] + [f"- {message(s)}" for s in report.suggestions] + [""]
    else:
        lines += [f"**Recommended:** {rec.replicas} x {rec.gpus_per_replica} {rec.gpu_name}, {rec.runtime} "
                  f"{rec.runtime_version}, {rec.quant}, TP{rec.tp_size}{_dp_ep(rec)} — {usd(rec.cost_usd_per_hour)}/h, "
                  f"{usd(rec.cost_usd_per_month, 0)}/month, {usd(rec.cost_usd_per_1m_output_tokens)}/1M output tokens",
                  "", "| latency | p50 | p95 | p99 | p95 80% range |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in _latency_rows(rec)]
        lines += ["", "```bash", rec.launch.command, "```", ""]
    if report.alternatives:
        lines += ["| alternative | GPUs | $/month | TTFT p95 | TPOT p95 |", "|---|---:|---:|---:|---:|"]
        lines += [f"| {c.gpu} {c.runtime} {c.quant} TP{c.tp_size}{_dp_ep(c)} | {c.replicas}x{c.gpus_per_replica} | "
                  f"{usd(c.cost_usd_per_month, 0)} | {duration(c.ttft_p95_s)} | {duration(c.tpot_p95_s)} |"
                  for c in report.alternatives]
        lines.append("")
    if report.rejected:
        lines += ["<details><summary>Rejected</summary>", ""]
        lines += [f"- {r.gpu} {r.runtime} {r.quant}: {message(r.reason)}" for r in report.rejected]
        lines += ["", "</details>", ""]
    lines += [f"- {a}" for a in report.assumptions + report.warnings]
    return "\n".join(lines) + "\n"


def _dp_ep(rec: CandidateSummary) -> str:
    """` DP8 EP8` when the plan uses attention data parallelism or expert parallelism, else empty."""
    return f" DP{rec.dp_size} EP{rec.ep_size}" if rec.dp_size > 1 or rec.ep_size > 1 else ""
