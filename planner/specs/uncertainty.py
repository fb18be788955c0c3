"""How far a prediction can be trusted: error bands from the validation residuals.

`benchmarks/accuracy.py --uncertainty calibration/uncertainty.yaml` writes one band per runtime, metric and
load regime from the planner's errors on the published measurements of ../shared/validation/public.csv:
the ratios measured / predicted at the 10th and 90th percentile (80% of published runs fell inside), and
the median absolute error. Reports attach the band to every number; `recommend --confidence high` sizes
replicas so every SLO still holds when the latency comes out at the band's pessimistic end.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from planner.specs._base import Frozen

UncertaintyMetric = Literal["ttft", "tpot", "itl", "e2e", "throughput"]
"""What a band is for (throughput covers output and total tokens/s and requests/s)."""

Regime = Literal["batch1", "static", "load", "saturated"]
"""Load regime: one request at a time, a static batch, a finite load (clients > 1 or a request rate), or
everything queued at once."""


MIN_RATIO = 1e-3
"""Smallest plausible measured / predicted ratio at a band's end. The shipped bands span 0.27 - 7.4, an earlier
generation reached 127 (sglang TTFT under load, kept in plans written then); a `1e-300` or `1e300`, which every
printed range and `--confidence high` sizing multiplies by, is a damaged file."""
MAX_RATIO = 1e3
"""Largest plausible measured / predicted ratio (see `MIN_RATIO`)."""


class Band(Frozen):
    """The spread of measured / predicted for one runtime, metric and regime."""

    runtime: str = Field(min_length=1)
    """Runtime id, or `any` (pooled over runtimes)."""
    metric: UncertaintyMetric
    """What the band is for."""
    regime: Regime | Literal["any"]
    """Load regime, or `any` (pooled over regimes)."""
    n: int = Field(ge=1, le=10**9)
    """Published numbers the band was computed from."""
    low_ratio: float = Field(ge=MIN_RATIO, le=MAX_RATIO)
    """Measured / predicted at the 10th percentile: the optimistic end is prediction x this."""
    high_ratio: float = Field(ge=MIN_RATIO, le=MAX_RATIO)
    """Measured / predicted at the 90th percentile: the pessimistic end for latencies is prediction x this."""
    median_abs_error: float = Field(ge=0, le=MAX_RATIO)
    """Median of |measured / predicted - 1| (the typical error)."""

    @model_validator(mode="after")
    def _ordered(self) -> Band:
        if self.low_ratio > self.high_ratio:
            raise ValueError(f"low_ratio ({self.low_ratio}) exceeds high_ratio ({self.high_ratio})")
        return self

    @property
    def label(self) -> str:
        """Where the band comes from, e.g. `vllm load ttft, 143 published points`."""
        return f"{self.runtime} {self.regime} {self.metric}, {self.n} published points"


class UncertaintyTable(Frozen):
    """Every band, with the provenance of the residuals they were computed from."""

    schema_version: Literal[1]
    """Layout version."""
    generated_by: str = Field(min_length=3)
    """The command that wrote the file."""
    generated_on: dt.date
    """When it was written."""
    validation_csv: str
    """The measurements compared against."""
    csv_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    """Hash of that file, so a stale table can be recognised."""
    coverage: float = Field(default=0.8, gt=0, lt=1)
    """Share of published numbers between a band's low and high ratio."""
    min_points: int = Field(ge=1)
    """Groups with fewer published numbers fall back to a pooled band."""
    bands: list[Band]
    """The bands; pooled ones have runtime or regime `any`."""

    @model_validator(mode="after")
    def _one_band_per_key(self) -> UncertaintyTable:
        seen: set[tuple[str, str, str]] = set()
        for i, b in enumerate(self.bands):
            key = (b.runtime, b.metric, b.regime)
            if key in seen:  # `band()` would silently use the last one
                raise ValueError(f"bands[{i}] repeats runtime {b.runtime}, metric {b.metric}, regime {b.regime}")
            seen.add(key)
        return self

    def band(self, runtime: str, metric: UncertaintyMetric, regime: Regime) -> Band | None:
        """The most specific band: this runtime and regime, else this runtime over all regimes, else all runtimes
        in this regime, else all runtimes and regimes."""
        index = {(b.runtime, b.metric, b.regime): b for b in self.bands}
        for key in ((runtime, metric, regime), (runtime, metric, "any"), ("any", metric, regime), ("any", metric, "any")):
            if key in index:
                return index[key]
        return None
