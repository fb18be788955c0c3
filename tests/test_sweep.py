"""`planner sweep`: a checkpoint x traffic x SLO matrix planned into one table, on a process pool or on Ray."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.sweep import load_matrix, run, run_cell
from tests.conftest import ROOT

runner = CliRunner()

MATRIX = """\
checkpoints: [{models}/llama-3.1-8b, ./missing-model]
traffic:
  - {{name: chat, rps: 2, isl: 512, osl: 128}}
slo:
  - {{name: loose, targets: {{ttft_p95: 2s}}}}
  - {{name: impossible, targets: {{ttft_p95: 1ms}}}}
constraints: {{gpus: [l40s], runtimes: [vllm]}}
"""


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 checkpoints x 1 traffic x 2 SLO matrix; one checkpoint is missing, one SLO is impossible."""
    path = tmp_path_factory.mktemp("sweep") / "matrix.yaml"
    path.write_text(MATRIX.format(models=ROOT / "examples" / "models"))
    return path


@pytest.fixture(scope="module")
def pooled(matrix: Path) -> str:
    """The CSV of `planner sweep matrix.yaml --format csv --workers 2`."""
    result = runner.invoke(app, ["sweep", str(matrix), "--format", "csv", "--workers", "2"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_cell_is_a_row_in_matrix_order(pooled):
    """Four rows (checkpoint, then SLO order): the feasible cell has a deployment whose TTFT meets its SLO, the
    impossible SLO is `infeasible` with a reason, the missing checkpoint is `error` with its Error line."""
    rows = list(csv.DictReader(io.StringIO(pooled)))
    assert [(r["checkpoint"].rsplit("/", 1)[-1], r["slo"], r["status"]) for r in rows] == [
        ("llama-3.1-8b", "loose", "ok"), ("llama-3.1-8b", "impossible", "infeasible"),
        ("missing-model", "loose", "error"), ("missing-model", "impossible", "error")]
    ok = rows[0]
    assert ok["gpu"] == "l40s" and ok["runtime"] == "vllm" and float(ok["ttft_p95_s"]) <= 2.0
    assert int(ok["replicas"]) >= 1 and float(ok["cost_usd_per_month"]) > 0
    assert rows[1]["reason"] and rows[2]["reason"].startswith("MODEL: model not found")


def test_pool_matches_one_process(matrix, pooled):
    """The process pool gives the same table as planning the cells one by one in this process (same seed)."""
    from planner.render.sweep import to_csv

    assert to_csv(run(load_matrix(matrix), workers=1)) == pooled


def test_json_and_markdown(matrix):
    """JSON is a list of rows with SI units; Markdown is a table with one line per cell."""
    data = json.loads(runner.invoke(app, ["sweep", str(matrix), "-f", "json", "-j", "1"]).stdout)
    assert len(data) == 4 and data[0]["ttft_p95_s"] <= 2.0 and data[3]["status"] == "error"
    md = runner.invoke(app, ["sweep", str(matrix), "-j", "1"]).stdout.splitlines()
    assert md[0].startswith("| checkpoint | traffic | SLO | status |") and len(md) == 2 + 4


def test_bad_matrix_exits_2(tmp_path):
    """A matrix with an unknown key exits 2 with one Error line naming the field."""
    path = tmp_path / "m.yaml"
    path.write_text("checkpoints: [a]\ntraffic: [{name: t, rps: 1}]\nslo: [{name: s, targets: {ttft_p95: 1s}}]\n"
                    "gpu: [l4]\n")
    result = runner.invoke(app, ["sweep", str(path)])
    assert result.exit_code == 2 and result.stderr.startswith(f"Error: {path}") and "gpu" in result.stderr


@pytest.mark.slow
def test_sweep_on_a_local_ray_instance(matrix, pooled):
    """--ray local starts a Ray instance, plans each cell as a Ray task, and gives the pool's table."""
    pytest.importorskip("ray")
    rows = run(load_matrix(matrix), ray_address="local", cell_fn=run_cell)
    from planner.render.sweep import to_csv

    assert to_csv(rows) == pooled
