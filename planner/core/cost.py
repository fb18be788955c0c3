"""Cost of a deployment: $/hour, $/month, $/1M output tokens and $/request from GPU-hour prices."""

from __future__ import annotations

from pydantic import Field

from planner.specs._base import Frozen
from planner.specs.hardware import Gpu, Price, PriceKind

HOURS_PER_MONTH = 730.0
"""Average hours in a month (8,760 / 12), the convention cloud price pages use."""


class Cost(Frozen):
    """What a deployment costs at a given price and load."""

    price: Price
    """The GPU-hour price used."""
    num_gpus: int = Field(ge=1)
    """GPUs billed (replicas x GPUs per replica)."""
    cost_usd_per_hour: float = Field(ge=0)
    """All GPUs for one hour."""
    cost_usd_per_month: float = Field(ge=0)
    """All GPUs for a month of 730 hours."""
    cost_usd_per_1m_output_tokens: float = Field(ge=0)
    """Hourly cost over the output tokens served in that hour, per million."""
    cost_usd_per_1m_input_tokens: float = Field(ge=0)
    """Hourly cost over the prompt tokens served in that hour, per million (the unit for embeddings)."""
    cost_usd_per_request: float = Field(ge=0)
    """Hourly cost over the requests served in that hour."""


def pick_price(gpu: Gpu, kind: PriceKind = "on_demand", providers: tuple[str, ...] = ()) -> Price | None:
    """Cheapest published price of `kind` at one of `providers` (any provider when empty)."""
    allowed = {p.lower() for p in providers}
    prices = [p for p in gpu.prices if p.kind == kind and (not allowed or p.provider.lower() in allowed)]
    return min(prices, key=lambda p: (p.price_usd_per_gpu_hour, p.provider, p.instance), default=None)


def cost(price: Price, num_gpus: int, requests_per_s: float, output_tokens_per_request: float,
         input_tokens_per_request: float = 0.0) -> Cost:
    """Cost of `num_gpus` GPUs at `price` serving `requests_per_s` requests of those token counts.

    Linear in the GPU count: twice the replicas cost exactly twice as much.
    """
    per_hour = price.price_usd_per_gpu_hour * num_gpus
    requests_per_hour = requests_per_s * 3600.0
    tokens_per_hour = requests_per_hour * output_tokens_per_request
    inputs_per_hour = requests_per_hour * input_tokens_per_request
    return Cost(
        price=price, num_gpus=num_gpus, cost_usd_per_hour=per_hour, cost_usd_per_month=per_hour * HOURS_PER_MONTH,
        cost_usd_per_1m_output_tokens=per_hour / tokens_per_hour * 1e6 if tokens_per_hour else 0.0,
        cost_usd_per_1m_input_tokens=per_hour / inputs_per_hour * 1e6 if inputs_per_hour else 0.0,
        cost_usd_per_request=per_hour / requests_per_hour if requests_per_hour else 0.0,
    )
