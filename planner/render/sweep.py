"""The sweep table as CSV, JSON or Markdown: the only place its seconds become ms and its costs dollars."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from planner.render.format import dumps_json, message
from planner.sweep import Row

COLUMNS = ("checkpoint", "traffic", "slo", "status", "gpu", "runtime", "quant", "tp_size", "replicas", "total_gpus",
           "cost_usd_per_month", "ttft_p95_s", "tpot_p95_s", "reason")
"""Table columns, in order (CSV and JSON keep the units of their names)."""


def _reason(row: Row) -> str | None:
    return row.reason or ("; ".join(message(s) for s in row.suggestions) or None)


def records(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """One dict per row with `COLUMNS` as keys (SI units; the infeasible cells' suggestions as `reason`)."""
    return [{**{k: getattr(r, k) for k in COLUMNS if k != "reason"}, "reason": _reason(r)} for r in rows]


def to_json(rows: Sequence[Row]) -> str:
    """Deterministic JSON list."""
    return dumps_json(records(rows))


def to_csv(rows: Sequence[Row]) -> str:
    """CSV with a header row; empty cells for missing values."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for rec in records(rows):
        writer.writerow({k: "" if v is None else v for k, v in rec.items()})
    return buf.getvalue()


def to_markdown(rows: Sequence[Row]) -> str:
    """A Markdown table for people: costs in $/month, latencies in ms."""
    head = ["checkpoint", "traffic", "SLO", "status", "deployment", "GPUs", "$/month", "TTFT p95", "TPOT p95"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        dep = (f"{r.replicas}x {r.gpu} {r.runtime} {r.quant} TP{r.tp_size}" if r.status == "ok"
               else (_reason(r) or "").replace("|", "\\|"))
        cost = f"${r.cost_usd_per_month:,.0f}" if r.cost_usd_per_month is not None else ""
        ttft = f"{r.ttft_p95_s * 1e3:,.0f} ms" if r.ttft_p95_s is not None else ""
        tpot = f"{r.tpot_p95_s * 1e3:,.1f} ms" if r.tpot_p95_s is not None else ""
        lines.append("| " + " | ".join([r.checkpoint, r.traffic, r.slo, r.status, dep,
                                        "" if r.total_gpus is None else str(r.total_gpus), cost, ttft, tpot]) + " |")
    return "\n".join(lines) + "\n"
