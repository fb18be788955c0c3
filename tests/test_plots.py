"""`planner recommend --plot DIR` and `planner plot plan.json`: the three pictures as PNG and SVG, from a real plan."""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import SpecError
from planner.io.plans import load_report
from planner.render.plots import NAMES, figures, pareto
from planner.specs.report import CandidatePoint
from tests.conftest import ROOT

pytest.importorskip("matplotlib")

runner = CliRunner()
SMALL = ROOT / "tests" / "data" / "plan" / "model.yaml"  # TTFT p95 <= 400 ms, TPOT p99 <= 60 ms; L40S, H100


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A plan made and drawn by `planner recommend -o plan.json --plot DIR`: (plan, DIR)."""
    root = tmp_path_factory.mktemp("plots")
    plan, out = root / "plan.json", root / "out"
    result = runner.invoke(app, ["recommend", str(SMALL), "-o", str(plan), "--plot", str(out)], env={"NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return plan, out


def test_recommend_plot_writes_three_pictures_as_png_and_svg(drawn):
    """--plot writes latency, cost and memory as PNG (valid signature, a real raster, not a blank) and SVG."""
    _, out = drawn
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{n}.{e}" for n in NAMES for e in ("png", "svg"))
    for name in NAMES:
        png = (out / f"{name}.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert width >= 600 and height >= 200
        assert len(png) > 20_000  # lines, markers and text, not an empty canvas
        root = ET.parse(out / f"{name}.svg").getroot()
        assert root.tag.endswith("svg")


def test_pictures_carry_the_plan(drawn):
    """The figures draw the plan's own numbers: the latency axes at each SLO's percentile with its limit line, one
    curve per load-curved deployment; every simulated deployment on the cost axes; one memory bar per candidate."""
    plan, _ = drawn
    report = load_report(plan)
    figs = figures(report)
    ttft_ax, tpot_ax = figs["latency"].axes
    assert ttft_ax.get_ylabel() == "TTFT p95 (ms)" and tpot_ax.get_ylabel() == "TPOT p99 (ms)"
    assert "SLO TTFT p95 400 ms" in [t.get_text() for t in ttft_ax.get_legend().get_texts()]
    assert 400.0 in [line.get_ydata()[0] for line in ttft_ax.get_lines()]
    curved = [c for c in [report.recommendation, *report.alternatives] if c and c.load_curve]
    assert len([t for t in ttft_ax.get_legend().get_texts() if "TP" in t.get_text()]) == len(curved)
    (cost_ax,) = figs["cost"].axes
    priced = [p for p in report.simulated if p.cost_usd_per_month is not None and p.ttft_p95_s > 0]
    groups = [c for c in cost_ax.collections if c.get_label() in ("meets the SLO", "misses the SLO")]
    assert sum(len(c.get_offsets()) for c in groups) == len(priced) > 0
    (mem_ax,) = figs["memory"].axes
    assert len(mem_ax.get_yticklabels()) == 1 + len(report.alternatives)


def test_plot_command_redraws_a_saved_plan(drawn, tmp_path):
    """`planner plot plan.json -o DIR` writes the same six files and lists them on stdout."""
    plan, first = drawn
    result = runner.invoke(app, ["plot", str(plan), "-o", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output
    assert sorted(Path(line).name for line in result.stdout.splitlines()) == sorted(p.name for p in first.iterdir())


def test_pareto_front_by_hand():
    """The front keeps the points no other point beats on both cost and TTFT: (1000 $, 50 ms) and (2000 $, 20 ms);
    (1500 $, 60 ms) is beaten by the first, (3000 $, 20 ms) by the second; unpriced points are left out."""
    def point(cost, ttft):
        return CandidatePoint(label=f"{cost}/{ttft}", gpu="l40s", runtime="vllm", quant="bf16", replicas=1,
                              total_gpus=1, cost_usd_per_month=cost, ttft_p95_s=ttft, tpot_p95_s=0.01, meets_slo=True)
    pts = [point(1500, 0.06), point(1000, 0.05), point(3000, 0.02), point(2000, 0.02), point(None, 0.001)]
    assert [p.label for p in pareto(pts)] == ["1000/0.05", "2000/0.02"]


def test_without_matplotlib_the_error_names_the_extra(drawn, monkeypatch):
    """Without matplotlib, plotting is one error naming the `plot` extra."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(SpecError) as info:
        figures(load_report(drawn[0]))
    assert info.value.hint == "pip install 'planner[plot]' (or pip install matplotlib)"
