"""Traffic and latency targets: length distributions, arrivals, SLOs."""

from __future__ import annotations

import functools
import math
from statistics import NormalDist
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from planner.specs._base import Frozen
from planner.specs.hardware import PriceKind
from planner.specs.limits import MAX_GPUS_PER_REPLICA
from planner.specs.runtime import KvDtype, Quant

Percentile = Literal[50, 90, 95, 99]
"""Percentiles an SLO may name."""

Confidence = Literal["typical", "high"]
"""How replicas are sized: on the predicted latencies, or on the pessimistic end of their error bands."""

SloMetric = Literal["ttft", "tpot", "itl", "e2e"]
"""Latency an SLO bounds: time to first token, time per output token (per request), inter-token latency (per
streamed chunk), end-to-end."""


class LengthDistribution(Frozen):
    """Distribution of a token count (prompt or output length).

    `fixed` is one value; `empirical` resamples measured lengths (from a tokenizer sample);
    `lognormal` and `uniform` are parametric alternatives for users without a sample.
    """

    kind: Literal["fixed", "empirical", "lognormal", "uniform"]
    """Shape of the distribution."""
    value: int | None = Field(default=None, ge=1)
    """`fixed`: the token count."""
    samples: tuple[int, ...] = ()
    """`empirical`: observed token counts (resampled with replacement)."""
    mean: float | None = Field(default=None, gt=0)
    """`lognormal`: mean token count."""
    cv: float | None = Field(default=None, gt=0)
    """`lognormal`: coefficient of variation (std / mean)."""
    low: int | None = Field(default=None, ge=1)
    """`uniform`: smallest token count."""
    high: int | None = Field(default=None, ge=1)
    """`uniform`: largest token count."""
    max_tokens: int | None = Field(default=None, ge=1)
    """Cap applied to every draw (e.g. the model's context), tokens."""

    @model_validator(mode="after")
    def _params(self) -> LengthDistribution:
        need = {"fixed": ("value",), "empirical": ("samples",), "lognormal": ("mean", "cv"),
                "uniform": ("low", "high")}[self.kind]
        missing = [name for name in need if not getattr(self, name)]
        if missing:
            raise ValueError(f"a {self.kind} length distribution needs {', '.join(missing)}")
        if self.kind == "empirical" and min(self.samples) < 1:
            raise ValueError("empirical samples must be >= 1 token")
        if self.kind == "uniform" and self.low and self.high and self.low > self.high:
            raise ValueError(f"uniform low ({self.low}) exceeds high ({self.high})")
        return self

    @classmethod
    def fixed(cls, tokens: int) -> LengthDistribution:
        """A constant length."""
        return cls(kind="fixed", value=tokens)

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """Draw `n` lengths (int64, each >= 1, capped at `max_tokens`)."""
        if self.kind == "fixed":
            out = np.full(n, self.value, dtype=np.int64)
        elif self.kind == "empirical":
            out = rng.choice(self._sample_array, size=n, replace=True)
        elif self.kind == "uniform":
            assert self.low is not None and self.high is not None
            out = rng.integers(self.low, self.high + 1, size=n, dtype=np.int64)
        else:
            assert self.mean is not None and self.cv is not None
            sigma2 = np.log1p(self.cv**2)
            mu = np.log(self.mean) - sigma2 / 2
            out = np.rint(rng.lognormal(mu, np.sqrt(sigma2), size=n)).astype(np.int64)
        out = np.maximum(out, 1)
        if self.max_tokens:
            out = np.minimum(out, self.max_tokens)
        return out

    def expected(self) -> float:
        """Mean token count (exact for fixed/empirical/uniform, before the cap for lognormal)."""
        if self.kind == "fixed":
            assert self.value is not None
            return float(min(self.value, self.max_tokens or self.value))
        if self.kind == "empirical":
            return self._empirical_mean
        if self.kind == "uniform":
            assert self.low is not None and self.high is not None
            return (self.low + self.high) / 2
        assert self.mean is not None
        return float(min(self.mean, self.max_tokens or self.mean))

    def quantile(self, q: float) -> float:
        """The `q` quantile (0..1) of the distribution, capped at `max_tokens`."""
        value = self._quantile(q)
        return min(value, float(self.max_tokens)) if self.max_tokens else value

    def upper_tokens(self) -> int:
        """Longest length to plan memory for: the max (or the 99.9th percentile of a lognormal)."""
        return int(math.ceil(self.quantile(0.999 if self.kind == "lognormal" else 1.0)))

    def _quantile(self, q: float) -> float:
        if self.kind == "fixed":
            return self.expected()
        if self.kind == "empirical":
            ordered = self._sorted_samples
            pos = q * (len(ordered) - 1)  # linear interpolation between order statistics (numpy's default)
            lo = int(math.floor(pos))
            hi = min(lo + 1, len(ordered) - 1)
            return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))
        if self.kind == "uniform":
            assert self.low is not None and self.high is not None
            return self.low + q * (self.high - self.low)
        assert self.mean is not None and self.cv is not None
        if q <= 0:
            return 0.0
        if q >= 1:
            return math.inf
        sigma = math.sqrt(math.log1p(self.cv**2))
        return self.mean / math.exp(sigma**2 / 2) * math.exp(sigma * NormalDist().inv_cdf(q))

    @functools.cached_property
    def _empirical_mean(self) -> float:
        """Mean of the empirical samples, capped at `max_tokens` (computed once per distribution)."""
        arr = np.asarray(self.samples, dtype=np.float64)
        if self.max_tokens:
            arr = np.minimum(arr, self.max_tokens)
        return float(arr.mean())

    @functools.cached_property
    def _sample_array(self) -> np.ndarray:
        """The empirical samples as int64 (built once per distribution; every simulation draws from it)."""
        return np.asarray(self.samples, dtype=np.int64)

    @functools.cached_property
    def _sorted_samples(self) -> np.ndarray:
        """The empirical samples in order (computed once per distribution)."""
        return np.sort(np.asarray(self.samples, dtype=np.float64))

    def compact(self, points: int = 1000) -> LengthDistribution:
        """The same distribution with an empirical sample reduced to at most `points` evenly spaced quantiles."""
        if self.kind != "empirical" or len(self.samples) <= points:
            return self
        ordered = np.sort(np.asarray(self.samples, dtype=np.int64))
        idx = np.linspace(0, len(ordered) - 1, points).round().astype(int)
        return self.model_copy(update={"samples": tuple(int(v) for v in ordered[idx])})

    def describe(self) -> str:
        """Short human description ("fixed 512", "empirical n=1000 mean 431")."""
        if self.kind == "fixed":
            return f"fixed {self.value}"
        if self.kind == "empirical":
            return f"sample of {len(self.samples)} (mean {self.expected():.0f}, p95 {self.quantile(0.95):.0f})"
        if self.kind == "uniform":
            return f"uniform {self.low}-{self.high}"
        return f"lognormal mean {self.mean:.0f} cv {self.cv:.2f}"


class Workload(Frozen):
    """The traffic a deployment must serve."""

    rps: float | None = Field(default=None, gt=0)
    """Mean request arrival rate, requests/s (None: not an open-loop workload)."""
    arrival: Literal["poisson", "gamma"] = "poisson"
    """Inter-arrival distribution: Poisson, or gamma with coefficient of variation `burstiness_cv`."""
    burstiness_cv: float = Field(default=1.0, gt=0, le=10)
    """Coefficient of variation of inter-arrival times (1 = Poisson; > 1 bursty)."""
    input_tokens: LengthDistribution
    """Prompt length distribution, tokens."""
    output_tokens: LengthDistribution
    """Output length distribution, tokens."""
    prefix_cache_share: float = Field(default=0.0, ge=0, lt=1)
    """Fraction of prompt tokens served from the prefix cache (shared system prompts, multi-turn)."""


def refuse_bool_limits(value: Any) -> Any:
    """A `before` validator of an SLO mapping (model.yaml `slo:`, a sweep's `targets:`): `ttft_p95: true` would be
    coerced to 1.0 and read as a 1 s target."""
    if isinstance(value, dict):
        for key, limit in value.items():
            if isinstance(limit, bool):
                raise ValueError(f"{key}: {limit!r} is not a duration (write e.g. 300ms or 2s)")
    return value


class SloTarget(Frozen):
    """One latency bound, e.g. TTFT p95 <= 300 ms."""

    metric: SloMetric
    """Latency measured."""
    percentile: Percentile
    """Percentile over requests that must meet the limit."""
    limit_s: float = Field(gt=0)
    """Upper bound, seconds."""
    origin: str | None = None
    """Where the target was set: `--slo`, or the model.yaml it was read from (None: not recorded)."""

    @property
    def key(self) -> str:
        """Report key of the bounded metric, e.g. `ttft_p95_s`."""
        return f"{self.metric}_p{self.percentile}_s"

    def describe(self) -> str:
        """"TTFT p95 <= 300 ms"."""
        value = f"{self.limit_s * 1e3:g} ms" if self.limit_s < 1 else f"{self.limit_s:g} s"
        return f"{self.metric.upper()} p{self.percentile} <= {value}"


class Slo(Frozen):
    """All latency bounds a deployment must meet (empty: no latency target)."""

    targets: tuple[SloTarget, ...] = ()
    """The bounds; each must hold."""
    notes: tuple[str, ...] = ()
    """How bare targets were interpreted (e.g. `p95=80ms` read as TTFT p95)."""


class Constraints(Frozen):
    """What the search may choose from, and the cost and headroom rules."""

    gpus: tuple[str, ...] = ()
    """GPU ids to consider (empty: every GPU in hardware_db)."""
    runtimes: tuple[str, ...] = ()
    """Runtime ids to consider (empty: every runtime profile)."""
    quants: tuple[Quant, ...] = ()
    """Weight precisions (empty: the checkpoint's own, plus fp8 for 16-bit checkpoints)."""
    kv_dtypes: tuple[KvDtype, ...] = ()
    """KV-cache precisions (empty: auto, plus fp8 alongside fp8 weights)."""
    providers: tuple[str, ...] = ()
    """Providers whose prices may be used (empty: any)."""
    price_kind: PriceKind = "on_demand"
    """Billing kind of the prices used."""
    max_gpus_per_replica: int = Field(default=8, ge=1, le=MAX_GPUS_PER_REPLICA)
    """Largest replica, GPUs."""
    budget_usd_per_month: float | None = Field(default=None, gt=0)
    """Monthly budget (None: unlimited)."""
    headroom: float = Field(default=0.2, ge=0, le=4)
    """Every SLO must hold at (1 + headroom) x the target RPS."""
    max_replicas: int = Field(default=256, ge=1)
    """Largest replica count the search will consider."""
    confidence: Confidence = "typical"
    """`typical`: replicas sized on the predicted latencies; `high`: every SLO must also hold at the pessimistic
    end of the prediction's error band (calibration/uncertainty.yaml)."""
