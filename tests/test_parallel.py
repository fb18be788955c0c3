"""Forked workers: results in item order, failures re-run here, and reports identical with one core or several."""

from __future__ import annotations

import os

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.core.search import serial_map
from planner.io.parallel import ForkMap, can_fork
from planner.io.parse import slo
from planner.plan import plan
from planner.render.report import to_json
from planner.specs.workload import Constraints, LengthDistribution, Workload

forks = pytest.mark.skipif(not can_fork(), reason="forked workers run on Linux only")


@forks
def test_results_in_item_order_from_other_processes() -> None:
    """Every item comes back in its place, and the workers took some (another pid). This process takes items too,
    so it dawdles over each one it takes: the workers, forked meanwhile, take the rest."""
    import time

    parent = os.getpid()

    def fn(x: int) -> tuple[int, int]:
        if os.getpid() == parent:
            time.sleep(0.5)
        return x * x, os.getpid()

    out = ForkMap(3)(fn, list(range(8)))
    assert [v for v, _ in out] == [x * x for x in range(8)]
    assert {pid for _, pid in out} - {parent}


@forks
def test_a_failing_worker_is_rerun_here() -> None:
    """A worker that dies (here: exits without sending anything) has its items run again in this process."""
    parent = os.getpid()

    def fn(x: int) -> int:
        if os.getpid() != parent:
            os._exit(7)
        return x + 1

    assert ForkMap(2)(fn, [1, 2, 3, 4]) == [2, 3, 4, 5]


@forks
def test_an_exception_surfaces_here_with_its_type() -> None:
    """An item that raises raises in the caller (re-run here), not as a worker's exit status."""
    def fn(x: int) -> int:
        if x == 3:
            raise KeyError("three")
        return x

    with pytest.raises(KeyError, match="three"):
        ForkMap(2)(fn, [1, 2, 3, 4])


def test_one_job_or_one_item_runs_here() -> None:
    """`PLANNER_JOBS=1` (or a single item) forks nothing."""
    parent = os.getpid()
    assert ForkMap(1)(lambda x: os.getpid(), [1, 2, 3]) == [parent] * 3
    assert ForkMap(4)(lambda x: os.getpid(), [1]) == [parent]


@forks
def test_report_identical_with_workers(model, catalog) -> None:
    """The same plan, byte for byte (simulation count included), in one process and on three workers."""
    w = Workload(rps=12.0, input_tokens=LengthDistribution.fixed(900), output_tokens=LengthDistribution.fixed(250))
    gpus = [catalog.gpu(g) for g in ("l40s", "h100-sxm", "a100-80gb", "l4")]
    runtimes = [catalog.runtime(r) for r in ("vllm", "sglang", "tgi")]

    def run(map_fn):  # type: ignore[no-untyped-def]
        return plan(model("llama-3.1-8b"), w, slo(["ttft_p95=300ms", "tpot_p99=40ms"]), gpus, runtimes,
                    Constraints(), sim_requests=300, calibrations=catalog.calibrations,
                    uncertainty=catalog.uncertainty, map_fn=map_fn)

    serial, forked = run(serial_map), run(ForkMap(3))
    assert serial.recommendation is not None and len(serial.alternatives) >= 2
    assert to_json(forked) == to_json(serial)


@pytest.mark.parametrize("value", ["0", "two", "5000"])
def test_bad_jobs_setting_is_one_line(value: str) -> None:
    """`PLANNER_JOBS` outside 1..1024 is refused with the variable named and a hint, exit 2."""
    result = CliRunner().invoke(app, ["recommend", "meta-llama/Llama-3.1-8B", "--rps", "1"],
                                env={"PLANNER_JOBS": value})
    assert result.exit_code == 2, result.output
    assert "PLANNER_JOBS" in result.output and "hint: unset PLANNER_JOBS or give a whole number" in result.output
