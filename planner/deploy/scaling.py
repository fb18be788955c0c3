"""Autoscaling from a plan: replica bounds, per-replica targets, and KEDA triggers on metrics the runtime exports.

Replicas never go below the planned count (the SLO was sized for them) and at most `MAX_REPLICAS_FACTOR`
times it. Triggers use only metrics the runtime exports at the profiled version (`Runtime.launch.metrics`):

- queue gauges (waiting, running) where the runtime has them (vLLM, SGLang, TGI);
- otherwise (TensorRT-LLM 1.2.1 has no queue gauge) the fallback: the served request rate per replica (rate of
  the finished-requests counter) against the rate each replica was sized for, plus the TTFT p95 from the
  runtime's histogram against the TTFT SLO. Finished requests lag arrivals by one request's latency and stop
  growing once a replica saturates, so the rate target is the sized rate, below saturation.

Pure: plan numbers in, trigger documents out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from planner.specs.launch import Metrics
from planner.specs.report import CandidateSummary, Report

MAX_REPLICAS_FACTOR = 3
"""Autoscaling ceiling: this many times the planned replicas (room for bursts of ~3x the planned RPS)."""

RATE_WINDOW = "2m"
"""PromQL range of the rate() and histogram fallbacks: long enough to smooth single requests."""


@dataclass(frozen=True)
class Scaling:
    """Autoscaling settings derived from a plan."""

    min_replicas: int
    """The planned replicas: the SLO was sized for them."""
    max_replicas: int
    """`MAX_REPLICAS_FACTOR` x the planned replicas."""
    in_flight_per_replica: int
    """Target requests in flight (running + waiting) per replica."""
    queue_per_replica: int
    """Target requests waiting per replica."""
    rps_per_replica: float
    """Request rate each replica was sized for (SLOs hold up to it), requests/s."""


def scaling(rec: CandidateSummary, headroom: float, sized_rps: float | None = None) -> Scaling:
    """Autoscaling thresholds from the plan's per-replica concurrency and SLO headroom.

    The plan holds every SLO up to (1 + headroom) x RPS, where each replica carries about
    `concurrency_per_replica x (1 + headroom)` requests in flight (Little's law at the sized load), so that is
    the in-flight target (at most max_num_seqs). Requests queue only once the batch is full; the queue target
    is the headroom share of the concurrency (at least 1): more waiting than that means load beyond what the
    plan sized for.
    """
    concurrency = max(rec.concurrency_per_replica, 1.0)
    in_flight = min(rec.max_num_seqs, max(1, math.ceil(concurrency * (1 + headroom))))
    queue = max(1, math.ceil(concurrency * headroom))
    rps = (sized_rps if sized_rps is not None else rec.requests_per_s_capacity) / rec.replicas
    return Scaling(min_replicas=rec.replicas, max_replicas=MAX_REPLICAS_FACTOR * rec.replicas,
                   in_flight_per_replica=in_flight, queue_per_replica=queue, rps_per_replica=rps)


def burst_concurrency(rec: CandidateSummary, headroom: float) -> int:
    """Requests one replica should admit before refusing (TGI `--max-concurrent-requests`): what it holds in
    flight when the load reaches the autoscaling ceiling before new replicas are up, and never fewer than its
    running batch."""
    s = scaling(rec, headroom)
    return max(rec.max_num_seqs, MAX_REPLICAS_FACTOR * s.in_flight_per_replica)


@dataclass(frozen=True)
class Trigger:
    """One KEDA Prometheus trigger and what it means."""

    name: str
    query: str
    threshold: str
    metric_type: str
    meaning: str

    def document(self, server: str) -> dict[str, Any]:
        """The trigger as KEDA's ScaledObject spec writes it."""
        return {"type": "prometheus", "name": self.name, "metricType": self.metric_type,
                "metadata": {"serverAddress": server, "query": self.query, "threshold": self.threshold}}


def _number(value: float) -> str:
    """A KEDA threshold: a plain decimal (KEDA parses it as a resource quantity)."""
    return f"{value:.3f}".rstrip("0").rstrip(".") if not float(value).is_integer() else str(int(value))


def triggers(metrics: Metrics | None, report: Report, rec: CandidateSummary, namespace: str,
             name: str) -> list[Trigger]:
    """KEDA triggers for the plan on the runtime's own metrics (empty: it exports none to scale on)."""
    if metrics is None:
        return []
    s = scaling(rec, report.headroom)
    labels = f'namespace="{namespace}",pod=~"{name}-.*"'
    if metrics.waiting and metrics.running:
        # Both gauges in one selector: a `sum(a) + sum(b)` would be empty whenever either series is missing.
        in_flight = f'sum({{__name__=~"{metrics.running}|{metrics.waiting}",{labels}}})'
        return [Trigger("queue-depth", f"sum({metrics.waiting}{{{labels}}})", str(s.queue_per_replica),
                        "AverageValue", f"{metrics.waiting} above {s.queue_per_replica} per replica"),
                Trigger("in-flight", in_flight, str(s.in_flight_per_replica), "AverageValue",
                        f"{metrics.running} + {metrics.waiting} above {s.in_flight_per_replica} per replica")]
    out = []
    if metrics.finished_requests:
        out.append(Trigger("request-rate", f"sum(rate({metrics.finished_requests}{{{labels}}}[{RATE_WINDOW}]))",
                           _number(s.rps_per_replica), "AverageValue",
                           f"served requests/s above the {s.rps_per_replica:.3g} per replica the plan sized for "
                           f"(fallback: no queue gauge at this version)"))
    ttft = next((t for t in report.slo if t.key.startswith("ttft_")), None)
    if metrics.ttft_histogram and ttft is not None:
        q = int(ttft.key.split("_p")[1].split("_")[0]) / 100
        query = (f"histogram_quantile({q:g}, sum by (le) (rate({metrics.ttft_histogram}_bucket{{{labels}}}"
                 f"[{RATE_WINDOW}])))")
        out.append(Trigger("ttft-slo", query, _number(ttft.limit_s), "Value",
                           f"TTFT p{int(q * 100)} above the {ttft.description} target (fallback)"))
    return out
