"""Parsing of the small text syntaxes users type: SLOs, durations, length distributions, lists.

Pure functions raising `SpecError` with the offending text and a hint.
"""

from __future__ import annotations

import math
import re
from typing import Any, cast

from planner.errors import SpecError
from planner.specs.limits import MAX_LATENCY_S, MAX_TOKENS
from planner.specs.workload import LengthDistribution, Percentile, Slo, SloMetric, SloTarget

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|us)?\s*$", re.IGNORECASE | re.ASCII)
_SLO_KEY = re.compile(r"^(?:(ttft|tpot|itl|e2e)_)?p(50|90|95|99)$", re.IGNORECASE | re.ASCII)
SLO_HINT = "write METRIC_pNN=VALUE with METRIC ttft, tpot, itl or e2e, NN 50/90/95/99 and a unit, e.g. ttft_p95=300ms"


def duration_s(text: str | float | int, where: str) -> float:
    """'300ms' -> 0.3, '4s' -> 4.0; a bare number is seconds. Must be > 0."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        value, unit = float(text), "s"
    else:
        match = _DURATION.match(str(text))
        if not match:
            raise SpecError("not a duration", where=where, value=text, hint="use a number with ms or s, e.g. 80ms or 4s")
        value, unit = float(match.group(1)), (match.group(2) or "s").lower()
    if not math.isfinite(value):
        raise SpecError("a latency limit must be a finite number", where=where, value=text, hint="e.g. 300ms")
    if value <= 0:
        raise SpecError("a latency limit must be > 0", where=where, value=text, hint="e.g. 300ms")
    seconds = value * {"ms": 1e-3, "s": 1.0, "us": 1e-6}[unit]
    if seconds > MAX_LATENCY_S:
        raise SpecError(f"a latency limit of {seconds:,.0f} s is longer than a day", where=where, value=text,
                        hint="check the unit: 300ms, 4s")
    return seconds


def slo_target(text: str, *, encoder_only: bool = False, where: str = "--slo") -> tuple[SloTarget, str | None]:
    """Parse one `METRIC_pNN=VALUE` (or bare `pNN=VALUE`); returns the target and a note for bare forms."""
    if "=" not in text:
        raise SpecError("an SLO needs KEY=VALUE", where=where, value=text, hint=SLO_HINT)
    key, _, value = text.partition("=")
    match = _SLO_KEY.match(key.strip())
    if not match:
        raise SpecError("unknown SLO key", where=where, value=key.strip(), hint=SLO_HINT)
    metric, pct = match.group(1), int(match.group(2))
    note = None
    if metric is None:
        metric = "e2e" if encoder_only else "ttft"
        note = (f"`{key.strip()}={value.strip()}` read as {metric.upper()} p{pct} "
                f"({'end-to-end for a prefill-only model' if encoder_only else 'time to first token'})")
    metric = metric.lower()
    if encoder_only and metric in ("tpot", "itl"):
        raise SpecError(f"a prefill-only model has no {metric.upper()}", where=where, value=text, hint="use e2e_pNN or ttft_pNN")
    target = SloTarget(metric=cast(SloMetric, metric), percentile=cast(Percentile, pct),
                       limit_s=duration_s(value.strip(), f"{where} {key.strip()}"))
    return target, note


SLO_OFF = ("off", "none")
"""Values of a `--slo KEY=off` flag that drop the file's target for that metric."""


def slo(items: list[str] | dict[str, Any] | None, *, encoder_only: bool = False, where: str = "--slo",
        origin: str | None = None, base: Slo | None = None) -> Slo:
    """Parse a list of `KEY=VALUE` strings (flags) or a mapping (model.yaml) into an `Slo`, on top of `base`.

    Targets are keyed by metric and percentile (`ttft_p95`): a later target for the same key replaces an earlier
    one (flags: the last wins, as for any repeated option) or `base`'s, and other keys of `base` stay; `KEY=off`
    drops `base`'s target for that key. Two keys of one mapping that name the same target (model.yaml's
    `{p95: 80ms, ttft_p95: 100ms}`) are an error: a mapping has no "later". Each new target records `origin`
    (where it was set); a replaced base target is named in the notes.
    """
    targets: dict[tuple[str, int], SloTarget] = {(t.metric, t.percentile): t for t in (base.targets if base else ())}
    notes: list[str] = list(base.notes) if base else []
    pairs = ([f"{k}={v}" for k, v in items.items()] if isinstance(items, dict) else list(items)) if items else []
    seen: dict[tuple[str, int], str] = {}
    for text in pairs:
        key, _, value = text.partition("=")
        if value.strip().lower() in SLO_OFF:
            target, _ = slo_target(f"{key}=1s", encoder_only=encoder_only, where=where)
            dropped = targets.pop((target.metric, target.percentile), None)
            if dropped is not None:
                notes.append(f"{where} {text.strip()} drops {dropped.describe()}"
                             + (f" from {dropped.origin}" if dropped.origin else ""))
            continue
        target, note = slo_target(text, encoder_only=encoder_only, where=where)
        first = seen.setdefault((target.metric, target.percentile), text.strip())
        if isinstance(items, dict) and first != text.strip():
            raise SpecError(f"two targets for {target.metric.upper()} p{target.percentile}: `{first}` and "
                            f"`{text.strip()}`", where=where, hint="keep one of them (a bare pNN is "
                            f"{'end-to-end' if encoder_only else 'TTFT'} for this model)")
        target = target.model_copy(update={"origin": origin})
        old = targets.get((target.metric, target.percentile))
        if old is not None and old.origin != origin:
            notes.append(f"{where} {text.strip()} replaces {old.describe()}" + (f" from {old.origin}" if old.origin
                                                                                 else ""))
        targets[(target.metric, target.percentile)] = target
        if note:
            notes.append(note)
    return Slo(targets=tuple(targets.values()), notes=tuple(notes))


_LOGNORMAL = re.compile(r"^\s*(\d{1,12})\s*[:~]\s*(\d{0,6}\.?\d{1,12})\s*$", re.ASCII)
_RANGE = re.compile(r"^\s*(\d{1,12})\s*-\s*(\d{1,12})\s*$", re.ASCII)


def lengths(value: Any, where: str) -> LengthDistribution:
    """A token-length distribution from a flag or model.yaml value.

    Forms: `512` (fixed), `512:0.8` (lognormal with mean 512 and CV 0.8), `128-2048` (uniform),
    or a mapping with the `LengthDistribution` fields (`{kind: lognormal, mean: 512, cv: 0.8}`).
    """
    hint = "use 512 (fixed), 512:0.8 (lognormal mean:cv) or 128-2048 (uniform)"
    if isinstance(value, dict):
        from planner.io.files import validate

        return _bounded(validate(LengthDistribution, value, where), where, value)
    if isinstance(value, bool):
        raise SpecError("not a token length", where=where, value=value, hint=hint)
    if isinstance(value, int):
        if value < 1:
            raise SpecError("token lengths must be >= 1", where=where, value=value, hint=hint)
        return _bounded(LengthDistribution.fixed(value), where, value)
    text = str(value)
    if text.strip().isascii() and text.strip().isdigit() and len(text.strip()) <= 12:
        return lengths(int(text), where)
    match = _LOGNORMAL.match(text)
    if match and int(match.group(1)) >= 1 and float(match.group(2)) > 0:
        return _bounded(LengthDistribution(kind="lognormal", mean=float(match.group(1)), cv=float(match.group(2))),
                        where, value)
    match = _RANGE.match(text)
    if match and 1 <= int(match.group(1)) <= int(match.group(2)):
        return _bounded(LengthDistribution(kind="uniform", low=int(match.group(1)), high=int(match.group(2))),
                        where, value)
    raise SpecError("not a token length (ASCII digits)" if not text.isascii() else "not a token length",
                    where=where, value=value, hint=hint)


MAX_CV = 10.0
"""Largest lognormal CV accepted (measured prompt sets have CVs of 0.3-3)."""


def _bounded(dist: LengthDistribution, where: str, value: Any) -> LengthDistribution:
    """`dist`, if its lengths stay below `MAX_TOKENS` and its spread below `MAX_CV`."""
    longest = max(x for x in (dist.value, dist.high, dist.mean, dist.max_tokens, 1) if x is not None)
    if not math.isfinite(longest) or longest > MAX_TOKENS:
        raise SpecError(f"token lengths above {MAX_TOKENS:,} are not plausible", where=where, value=value,
                        hint="the longest published context is 10,485,760 tokens")
    if dist.cv is not None and not (math.isfinite(dist.cv) and dist.cv <= MAX_CV):
        raise SpecError(f"a length CV above {MAX_CV:g} is not plausible", where=where, value=value,
                        hint="measured prompt sets have CVs of 0.3-3; e.g. 512:0.8")
    return dist


def csv_list(values: list[str] | None, flag: str | None = None) -> list[str]:
    """Flatten repeated and comma-separated option values: ['a,b', 'c'] -> ['a', 'b', 'c'].

    With `flag`, a value that names nothing (`--gpus ''`) is an error rather than silently "any".
    """
    out: list[str] = []
    for value in values or []:
        items = [v.strip() for v in value.split(",") if v.strip()]
        if not items and flag is not None:
            raise SpecError(f"{flag} is empty", where=flag, value=value,
                            hint=f"name at least one value, or leave {flag} out to consider all")
        out += items
    return out


_FRACTION = re.compile(r"^\s*(\d{1,9}(?:\.\d{0,12})?|\.\d{1,12})\s*(%?)\s*$", re.ASCII)


def parse_fraction(text: str, where: str = "--max-cost-increase") -> float:
    """'10%' -> 0.1, '0.1' -> 0.1; a bare number above 1 is refused as ambiguous."""
    match = _FRACTION.match(text)
    if not match:
        raise SpecError("not a percentage or fraction", where=where, value=text, hint="write 10% or 0.1")
    value = float(match.group(1))
    if match.group(2):
        return value / 100
    if value > 1:
        raise SpecError("ambiguous: a bare number is a fraction", where=where, value=text,
                        hint=f"write {value:g}% for {value:g} percent, or {value / 100:g}")
    return value


def refuse_orphans(parent: str, flags: dict[str, object], hint: str) -> None:
    """Refuse sub-flags given without the flag they refine (`--acceptance-rate` without `--speculative`).

    Raises:
        SpecError: The first of `flags` (name -> value) that was given (not None).
    """
    given = [flag for flag, value in flags.items() if value is not None]
    if given:
        raise SpecError(f"applies only with {parent}", where=given[0], hint=hint)
