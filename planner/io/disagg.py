"""`--disagg P:D`, `--prefill-tp` and `--decode-tp` as a checked `DisaggConfig`."""

from __future__ import annotations

from planner.errors import SpecError
from planner.io.parse import refuse_orphans
from planner.specs.disagg import MAX_DISAGG_INSTANCES, DisaggConfig


def parse_ratio(text: str) -> tuple[int, int]:
    """`P:D` as two positive instance counts.

    Raises:
        SpecError: Not two whole numbers joined by `:`, or a count of zero or above the limit.
    """
    parts = text.strip().split(":")
    if len(parts) != 2 or not all(p.strip().isascii() and p.strip().isdigit() and len(p.strip()) <= 4
                                  for p in parts):
        raise SpecError("must be P:D, prefill and decode instance counts", where="--disagg", value=text,
                        hint="e.g. --disagg 1:3 (1 prefill and 3 decode instances of --tp GPUs each)")
    p, d = (int(x) for x in parts)
    if not (1 <= p <= MAX_DISAGG_INSTANCES and 1 <= d <= MAX_DISAGG_INSTANCES):
        raise SpecError(f"instance counts must be 1 to {MAX_DISAGG_INSTANCES}", where="--disagg", value=text,
                        hint="each pool needs at least one instance, e.g. --disagg 1:1")
    return p, d


def disagg_flags(ratio: str | None, tp: int, prefill_tp: int | None, decode_tp: int | None) -> DisaggConfig | None:
    """The disaggregation the flags ask for (None: aggregated).

    Raises:
        SpecError: --prefill-tp / --decode-tp without --disagg, or a malformed P:D.
    """
    if ratio is None:
        refuse_orphans("--disagg", {"--prefill-tp": prefill_tp, "--decode-tp": decode_tp},
                       "add --disagg P:D, e.g. --disagg 1:2 --prefill-tp 4 --decode-tp 2")
        return None
    p, d = parse_ratio(ratio)
    return DisaggConfig(prefill_instances=p, decode_instances=d, prefill_tp=prefill_tp or tp,
                        decode_tp=decode_tp or tp)
