"""Cost arithmetic from GPU-hour prices."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.core.cost import HOURS_PER_MONTH, cost, pick_price
from planner.specs.hardware import Price

pytestmark = pytest.mark.unit
PRICE = Price(provider="acme", instance="x1", price_usd_per_gpu_hour=2.5, as_of=dt.date(2026, 1, 1), source="test")


def test_hand_checked_costs():
    """8 GPUs at $2.50 serving 10 req/s of 200 tokens: $20/h, $14,600/month, $2.78/1M tokens."""
    c = cost(PRICE, 8, 10.0, 200.0)
    assert c.cost_usd_per_hour == 20.0
    assert c.cost_usd_per_month == 20.0 * HOURS_PER_MONTH == 14600.0
    assert c.cost_usd_per_1m_output_tokens == pytest.approx(20.0 / (10 * 3600 * 200) * 1e6)
    assert c.cost_usd_per_request == pytest.approx(20.0 / 36000)


@given(gpus=st.integers(min_value=1, max_value=512), k=st.integers(min_value=1, max_value=8))
def test_cost_linear_in_replicas(gpus, k):
    """k times the GPUs cost exactly k times as much per hour."""
    assert cost(PRICE, gpus * k, 1.0, 1.0).cost_usd_per_hour == pytest.approx(k * cost(PRICE, gpus, 1.0, 1.0).cost_usd_per_hour)


def test_pick_cheapest_allowed_provider(catalog):
    """The cheapest on-demand price wins, restricted to the named providers."""
    gpu = catalog.gpu("h100-sxm")
    cheapest = pick_price(gpu)
    assert cheapest is not None and cheapest.price_usd_per_gpu_hour == min(
        p.price_usd_per_gpu_hour for p in gpu.prices if p.kind == "on_demand")
    aws = pick_price(gpu, providers=("aws",))
    assert aws is not None and aws.provider == "aws"
    assert pick_price(gpu, providers=("nobody",)) is None
