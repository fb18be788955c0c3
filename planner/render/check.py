"""Views of a `CheckResult`: a rich terminal view, Markdown for step summaries, GitHub workflow commands.

Pure string/renderable builders; the CLI decides where they go.
"""

from __future__ import annotations

import math
from typing import Any

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from planner.check import cost_line
from planner.render.format import dumps_json, duration, gib, kib, message, params_b, round_floats, with_text
from planner.specs.check import Change, CheckResult
from planner.specs.report import CandidateSummary

_TITLES = {"oom": "baseline no longer fits", "incompatible": "baseline cannot run", "slo": "SLO missed",
           "infeasible": "nothing meets the SLO", "cost": "cost increase"}


def fmt_value(key: str, value: Any) -> str:
    """A compared value in the unit people read: GiB, ms, billions of parameters, token counts."""
    if value is None:
        return "none" if key == "checkpoint_quant" else "-"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return "inf"
    if key == "kv_bytes_per_token":
        return kib(value)
    if "bytes" in key:
        return gib(value)
    if key.endswith("_s"):
        return duration(value)
    if key.startswith("params"):
        return params_b(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.4g}"


def fmt_change(change: Change) -> str:
    """"+25%", "new", or "" when not a number."""
    if change.change_ratio is None:
        return "n/a" if change.before is not None and change.after is None else ""
    pct = 100 * change.change_ratio
    return "0%" if abs(pct) < 0.5 else f"{pct:+.0f}%"


def change_line(change: Change) -> str:
    """"layers 32 -> 40 (+25%)"."""
    delta = fmt_change(change)
    return (f"{change.label} {fmt_value(change.key, change.before)} -> {fmt_value(change.key, change.after)}"
            + (f" ({delta})" if delta else ""))


def _deployment_line(c: CandidateSummary) -> str:
    return (f"{c.replicas} x {c.gpus_per_replica} {c.gpu_name} ({c.runtime} {c.runtime_version}, {c.quant}"
            + (", kv fp8" if c.kv_dtype == "fp8" else "") + f", TP{c.tp_size}"
            + (f" PP{c.pp_size}" if c.pp_size > 1 else "") + ")"
            + (f" ${c.cost_usd_per_month:,.0f}/month" if c.cost_usd_per_month is not None else ""))


def verdict_line(result: CheckResult) -> str:
    """How the baseline deployment serves the new checkpoint, in one line."""
    dep = result.baseline_deployment
    if not dep.fits:
        return f"does not fit: {message(dep.reason) if dep.reason else 'unknown reason'}"
    if dep.overloaded:
        return f"fits, but is overloaded at {dep.load_rps:g} RPS: requests queue without bound"
    if not dep.meets_slo:
        return "fits, misses " + "; ".join(message(m) for m in dep.misses) + f" at {dep.load_rps:g} RPS"
    return f"fits and meets every SLO at {dep.load_rps:g} RPS"


def headline(result: CheckResult) -> str:
    """"FAIL golden-llama-8b-long vs baseline golden-llama-8b: 2 regressions"."""
    n = len(result.regressions)
    status = "PASS" if result.passed else "FAIL"
    tail = "no regression" if result.passed else f"{n} regression{'s' if n != 1 else ''}"
    return f"{status} {result.model.name} vs baseline {result.baseline_model.name}: {tail}"


def _traffic(result: CheckResult) -> str:
    w = result.workload
    slo = ", ".join(s.description for s in result.slo) or "none (capacity only)"
    return (f"{w.rps:g} RPS (checked at {result.baseline_deployment.load_rps:g} RPS with "
            f"{100 * result.headroom:.0f}% headroom), prompts {w.input_tokens.description}, outputs "
            f"{w.output_tokens.description}; SLO {slo}")


# ---------------------------------------------------------------- terminal


def terminal(result: CheckResult) -> Group:
    """A view read at a glance: verdict, reasons, model changes, effects, new plan and cost."""
    parts: list[Any] = [Text(headline(result), style="bold green" if result.passed else "bold red"),
                        Text(_traffic(result), style="dim")]
    parts += [Text(f"  regression: {message(r.message)}", style="red") for r in result.regressions]
    if result.model_changes:
        parts.append(_table("model changes", result.model_changes))
    else:
        parts.append(Text("model changes: none (same architecture and precision)"))
    parts.append(_table(f"at the baseline deployment {result.baseline.label} (latency at {result.workload.rps:g} RPS)",
                        result.effects))
    parts.append(Text(f"baseline deployment: {verdict_line(result)}",
                      style="green" if result.baseline_deployment.meets_slo else "red"))
    rec = result.recommendation
    if rec is None:
        parts.append(Text("new plan: no deployment meets the SLO", style="bold red"))
        parts += [Text(f"  suggestion: {message(s)}", style="yellow") for s in result.suggestions]
    else:
        parts.append(Text(f"new plan: {_deployment_line(rec)}", style="bold"))
        parts.append(Text(f"  {message(cost_line(result.cost))}"))
        parts.append(Text(f"  launch: {rec.launch.command}"))
    parts += [Text(f"warning: {message(w)}", style="yellow") for w in result.warnings]
    parts += [Text(f"note: {n}", style="dim") for n in result.notes]
    return Group(*parts)


def _table(title: str, changes: list[Change]) -> Table:
    table = Table(box=box.SIMPLE, header_style="bold", title=title, title_justify="left")
    for col in ("", "baseline", "new", "change"):
        table.add_column(col, justify="left" if not col else "right")
    for c in changes:
        table.add_row(c.label, fmt_value(c.key, c.before), fmt_value(c.key, c.after), fmt_change(c))
    return table


# ---------------------------------------------------------------- Markdown


def to_markdown(result: CheckResult) -> str:
    """A Markdown summary for pull requests and `$GITHUB_STEP_SUMMARY`."""
    mark = "✅ pass" if result.passed else "❌ fail"
    lines = [f"## planner check: {mark} — {result.model.name} vs baseline {result.baseline_model.name}", "",
             _traffic(result) + ".", ""]
    if result.regressions:
        lines += ["### Regressions", ""] + [f"- {message(r.message)}" for r in result.regressions] + [""]
    lines += ["### Model changes", ""]
    lines += _md_table(result.model_changes) if result.model_changes else \
        ["No change in architecture or precision.", ""]
    lines += [f"### At the baseline deployment `{result.baseline.label}`", "",
              f"Memory per GPU, and latency at {result.workload.rps:g} RPS.", ""] + _md_table(result.effects)
    lines += [f"**Verdict:** {verdict_line(result)}.", ""]
    rec = result.recommendation
    lines.append("### New plan")
    lines.append("")
    if rec is None:
        lines += ["**No deployment meets the SLO.**", ""] + [f"- {message(s)}" for s in result.suggestions] + [""]
    else:
        lines += [f"**{_deployment_line(rec)}** — {message(cost_line(result.cost))}.", "", "```bash", rec.launch.command,
                  "```", ""]
    lines += [f"- ⚠️ {message(w)}" for w in result.warnings] + [f"- {n}" for n in result.notes]
    return "\n".join(lines).rstrip("\n") + "\n"


def _md_table(changes: list[Change]) -> list[str]:
    rows = ["| | baseline | new | change |", "|---|---:|---:|---:|"]
    rows += [f"| {c.label} | {fmt_value(c.key, c.before)} | {fmt_value(c.key, c.after)} | {fmt_change(c)} |"
             for c in changes]
    return rows + [""]


# ---------------------------------------------------------------- GitHub Actions


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_commands(result: CheckResult) -> str:
    """GitHub Actions workflow commands: one `::error` per regression, `::warning` per warning, a `::notice` summary."""
    lines = [f"::error title={_escape_property('planner check: ' + _TITLES[r.kind])}::{_escape_data(message(r.message))}"
             for r in result.regressions]
    lines += [f"::warning title={_escape_property('planner check')}::{_escape_data(message(w))}" for w in result.warnings]
    facts = [headline(result)]
    if result.model_changes:
        facts.append("model: " + "; ".join(change_line(c) for c in result.model_changes))
    facts.append("baseline deployment " + verdict_line(result))
    facts.append(message(cost_line(result.cost)))
    lines.append(f"::notice title={_escape_property('planner check')}::{_escape_data('. '.join(facts))}")
    return "\n".join(lines) + "\n"


def to_data(result: CheckResult) -> dict[str, Any]:
    """The JSON-ready dict of a result (floats rounded to 6 significant digits)."""
    return with_text(round_floats(result.model_dump(mode="json")))  # type: ignore[no-any-return]


def to_json(result: CheckResult) -> str:
    """Deterministic JSON: sorted keys, rounded floats, trailing newline."""
    return dumps_json(to_data(result))
