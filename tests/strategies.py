"""Shared hypothesis strategies for workloads, SLOs and load levels."""

from __future__ import annotations

from hypothesis import strategies as st

from planner.specs.workload import LengthDistribution, Workload

rps = st.floats(min_value=0.5, max_value=40, allow_nan=False)
prompt_mean = st.integers(min_value=64, max_value=4000)
output_mean = st.integers(min_value=16, max_value=800)
cv = st.floats(min_value=0.1, max_value=1.5)
limit_ms = st.integers(min_value=20, max_value=5000)


@st.composite
def workloads(draw: st.DrawFn, rate: float | None = None) -> Workload:
    """Lognormal prompt/output lengths, capped at 16k/4k tokens, at a drawn or given RPS."""
    return Workload(
        rps=rate if rate is not None else draw(rps),
        input_tokens=LengthDistribution(kind="lognormal", mean=draw(prompt_mean), cv=draw(cv), max_tokens=16000),
        output_tokens=LengthDistribution(kind="lognormal", mean=draw(output_mean), cv=draw(cv), max_tokens=4000),
    )
