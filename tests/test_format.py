"""Unit formatting of the reports (the only place bytes and seconds become text)."""

from __future__ import annotations

import pytest

from planner.render.format import gib, size


@pytest.mark.parametrize(("num_bytes", "text"), [
    (1.5 * 1024 ** 3, "1.5 GiB"),
    (1024 ** 3, "1.0 GiB"),
    (29_030_400, "27.7 MiB"),  # Granite 4.0-H-Tiny's Mamba2 state per sequence: 36 x (19,968 + 786,432) bytes
    (1024 ** 2, "1.0 MiB"),
    (786_432, "768 KiB"),
])
def test_size_picks_the_unit(num_bytes: float, text: str) -> None:
    """Sizes below a GiB are not shown as `0.0 GiB`."""
    assert size(num_bytes) == text
    assert gib(num_bytes).endswith(" GiB")
