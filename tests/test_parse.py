"""SLO, duration and length syntax."""

from __future__ import annotations

import pytest

from planner.errors import SpecError
from planner.io import parse

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(("text", "seconds"), [("80ms", 0.08), ("4s", 4.0), ("0.5s", 0.5), ("250", 250.0),
                                               (" 12.5 ms ", 0.0125), ("1500us", 0.0015)])
def test_durations(text, seconds):
    """Durations accept ms, s and us; a bare number is seconds."""
    assert parse.duration_s(text, "x") == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["fast", "-3ms", "0ms", "3 minutes", "ms"])
def test_bad_durations(text):
    """Non-durations and non-positive limits are refused."""
    with pytest.raises(SpecError):
        parse.duration_s(text, "x")


def test_full_slo_forms():
    """ttft/tpot/e2e with p50/90/95/99 parse to seconds with their report keys."""
    slo = parse.slo(["ttft_p95=300ms", "tpot_p99=40ms", "e2e_p95=4s", "itl_p50=20ms"])
    assert {t.key: t.limit_s for t in slo.targets} == {
        "ttft_p95_s": 0.3, "tpot_p99_s": 0.04, "e2e_p95_s": 4.0, "itl_p50_s": 0.02}
    assert slo.notes == ()


def test_bare_p95_is_ttft_for_generative():
    """`p95=80ms` means TTFT p95 for a generative model, and the report says so."""
    slo = parse.slo(["p95=80ms"])
    assert slo.targets[0].key == "ttft_p95_s" and "TTFT p95" in slo.notes[0]


def test_bare_p95_is_e2e_for_encoders():
    """`p95=50ms` means end-to-end p95 for a prefill-only model."""
    slo = parse.slo(["p95=50ms"], encoder_only=True)
    assert slo.targets[0].key == "e2e_p95_s" and "prefill-only" in slo.notes[0]


def test_mapping_form_from_model_yaml():
    """The model.yaml mapping form parses like flags."""
    assert parse.slo({"ttft_p99": "1s", "tpot_p95": 0.05}).targets[1].limit_s == 0.05


def test_later_target_wins():
    """A repeated metric/percentile keeps the last value."""
    assert [t.limit_s for t in parse.slo(["p95=80ms", "ttft_p95=120ms"]).targets] == [0.12]


@pytest.mark.parametrize(("text", "message"), [
    ("p95", "an SLO needs KEY=VALUE"),
    ("latency_p95=3s", "unknown SLO key"),
    ("ttft_p97=3s", "unknown SLO key"),
    ("ttft_p95=fast", "not a duration"),
    ("ttft_p95=0ms", "a latency limit must be > 0"),
])
def test_bad_slos(text, message):
    """Malformed SLOs name the problem."""
    with pytest.raises(SpecError, match=message):
        parse.slo([text])


def test_tpot_on_encoder_rejected():
    """Encoders have no TPOT."""
    with pytest.raises(SpecError, match="no TPOT"):
        parse.slo(["tpot_p95=10ms"], encoder_only=True)


@pytest.mark.parametrize(("value", "kind", "mean"), [
    (512, "fixed", 512), ("512", "fixed", 512), ("512:0.8", "lognormal", 512), ("128-2048", "uniform", 1088),
    ({"kind": "lognormal", "mean": 300, "cv": 0.5}, "lognormal", 300)])
def test_lengths(value, kind, mean):
    """Length forms map to fixed, lognormal and uniform distributions."""
    dist = parse.lengths(value, "--isl")
    assert dist.kind == kind and dist.expected() == pytest.approx(mean)


@pytest.mark.parametrize("value", [0, "0", "-5", "abc", "2048-128", "512:", True, {"kind": "fixed"}])
def test_bad_lengths(value):
    """Zero, negative, reversed ranges and junk are refused."""
    with pytest.raises(SpecError):
        parse.lengths(value, "--isl")


def test_csv_list():
    """Repeated and comma-separated values flatten in order."""
    assert parse.csv_list(["h100,l40s", "a10g", " b200 "]) == ["h100", "l40s", "a10g", "b200"]
