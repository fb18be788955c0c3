"""Units for people: the one place seconds become ms, bytes become GiB and dollars get a sign.

Every view (terminal, Markdown, GitHub annotations, rejection reasons) formats through these
functions, so one quantity reads the same everywhere.
"""

from __future__ import annotations

import json
import math
from typing import Any

GIB = 1024**3
"""Bytes per GiB."""


def duration(seconds: float | None) -> str:
    """Seconds for people: `17.6 ms`, `80 ms`, `412 ms`, `10.7 s`; `-` for missing or infinite."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    if seconds >= 10:
        return f"{seconds:,.1f} s"
    if seconds >= 0.1:
        return f"{seconds * 1e3:,.0f} ms"
    text = f"{seconds * 1e3:,.1f}"
    return f"{text[:-2] if text.endswith('.0') else text} ms"


def gib(num_bytes: float) -> str:
    """Bytes as GiB with one decimal: `15.0 GiB`."""
    return f"{num_bytes / GIB:,.1f} GiB"


def size(num_bytes: float) -> str:
    """Bytes in the largest unit that keeps them at or above one: `1.5 GiB`, `29.4 MiB`, `786 KiB`."""
    if num_bytes >= GIB:
        return gib(num_bytes)
    if num_bytes >= 1024 ** 2:
        return f"{num_bytes / 1024 ** 2:,.1f} MiB"
    return kib(num_bytes)


def kib(num_bytes: float) -> str:
    """Bytes as KiB without decimals: `128 KiB`."""
    return f"{num_bytes / 1024:,.0f} KiB"


def usd(value: float | None, digits: int = 2) -> str:
    """Dollars: `$1,088`, `$1.49`; sub-cent amounts keep two significant digits (`$0.000025`)."""
    if value is None or not math.isfinite(value):
        return "-"
    if 0 < value < 0.01:
        digits = max(2, 1 - math.floor(math.log10(value)))
        return f"${value:.{digits}f}"
    return f"${value:,.{digits}f}"


def usd_month(value: float | None) -> str:
    """Dollars per month without cents: `$1,088`."""
    return usd(value, 0)


def count(value: float) -> str:
    """Large counts: `1.23 B`, `527.33 K`, `12`."""
    for unit, scale in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(value) >= scale:
            return f"{value / scale:,.2f} {unit}"
    return f"{value:,.0f}"


def params_b(value: float) -> str:
    """Parameters in billions: `8.03 B`."""
    return f"{value / 1e9:,.2f} B"


def percent(fraction: float, digits: int = 0) -> str:
    """A fraction as a percentage: `54%`."""
    return f"{100 * fraction:.{digits}f}%"


def round_floats(value: Any) -> Any:
    """Round floats to 6 significant digits (and non-finite ones to null) so JSON is byte-stable."""
    if isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            return None
        return float(f"{value:.6g}")
    if isinstance(value, dict):
        return {k: round_floats(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [round_floats(v) for v in value]
    return value


def dumps_json(data: Any) -> str:
    """Deterministic JSON text: floats rounded, sorted keys, two-space indent, trailing newline."""
    return json.dumps(round_floats(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def quantity(name: str, value: float | int | str) -> str:
    """A value named with its unit, for people: `_bytes` -> GiB, `_s` -> ms/s, `_usd_per_month` -> $ without
    cents, other `_usd` -> $, `_fraction` -> %, counts with thousands separators."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return "inf"
    if name.endswith("_bytes"):
        return gib(value)
    if name.endswith("_s"):
        return duration(value)
    if name.endswith("_usd_per_month") or name.endswith("_usd_month"):
        return usd_month(value)
    if "_usd" in name or name.startswith("usd"):
        return usd(value)
    if name.endswith("_fraction"):
        return percent(value)
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.3g}"


def message(msg: Any) -> str:
    """A `planner.specs.message.Message` as a sentence for people."""
    return str(msg.template.format(**{k: quantity(k, v) for k, v in msg.values.items()}))


def with_text(data: Any) -> Any:
    """JSON data with a rendered `text` beside every message (a dict of exactly `template` and `values`)."""
    if isinstance(data, dict):
        out = {k: with_text(v) for k, v in data.items()}
        if set(data) == {"template", "values"} and isinstance(data["values"], dict):
            out["text"] = str(data["template"]).format(
                **{k: quantity(k, v) for k, v in data["values"].items()})
        return out
    if isinstance(data, list):
        return [with_text(v) for v in data]
    return data
