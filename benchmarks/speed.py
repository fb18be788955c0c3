"""Wall time of `planner recommend` (and `planner --help`) on the shipped Llama-3.1-8B chat example.

Runs the real CLI in fresh processes (import, data loading, tokenizing the sample, the full default
search on the usable cores (`PLANNER_JOBS`), rendering) and prints the median and spread over several runs, plus an
in-process breakdown (the search in one process, where the simulator's share shows, and on workers).
The package is byte-compiled first, as `pip install` leaves it.

    python benchmarks/speed.py [--runs 5] [--model examples/chat-llama-3.1-8b/model.yaml]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, **(env or {})})
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--model", default="examples/chat-llama-3.1-8b/model.yaml")
    args = ap.parse_args()
    # An installed planner has its bytecode compiled (pip does it); this checkout may not (PYTHONDONTWRITEBYTECODE),
    # and compiling ~120 modules would add ~0.15 s to every run below.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "planner"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL,
                   env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    exe = [sys.executable, "-m", "planner"]
    recommend = [*exe, "recommend", args.model, "--format", "json"]
    for label, cmd, env in (("planner --help", [*exe, "--help"], None),
                            ("recommend, sample tokenized every run (PLANNER_CACHE=0)", recommend, {"PLANNER_CACHE": "0"}),
                            ("recommend, token counts cached from an earlier run", recommend, None)):
        timed(cmd, env)  # warm the OS file cache (and the token-count cache for the last case)
        times = [timed(cmd, env) for _ in range(args.runs)]
        print(f"{label:58s} median {statistics.median(times):6.2f} s  min {min(times):6.2f} s  "
              f"max {max(times):6.2f} s  ({args.runs} runs)")

    # In-process breakdown of one run: imports, data files, model + prompt sample (tokenizing), the search,
    # and how much of the search the simulator takes (timed by wrapping Simulator.run).
    gc.disable()  # as the console script runs (planner._console)
    t0 = time.perf_counter()
    from planner.core.sim import loop
    from planner.io.catalog import Catalog
    from planner.io.inputs import Flags, resolve
    from planner.io.parallel import ForkMap
    from planner.plan import plan
    from planner.render.report import to_json
    t1 = time.perf_counter()
    catalog = Catalog.load(tables=False)  # as `planner recommend` does: tables only once the model needs them
    t2 = time.perf_counter()
    inputs = resolve(args.model, Flags(), catalog, progress=False)
    catalog = catalog.with_tables(inputs.model)
    t3 = time.perf_counter()
    sim_s = [0.0, 0]
    run = loop.Simulator.run

    def timed_run(self: loop.Simulator, *a: object, **k: object) -> loop.SimTrace:
        start = time.perf_counter()
        try:
            return run(self, *a, **k)  # type: ignore[arg-type]
        finally:
            sim_s[0] += time.perf_counter() - start
            sim_s[1] += 1

    loop.Simulator.run = timed_run  # type: ignore[method-assign]
    c = inputs.constraints
    report = plan(inputs.model, inputs.workload, inputs.slo, *catalog.select(c), c, model_ref=inputs.model_ref,
                  calibrations=catalog.calibrations, uncertainty=catalog.uncertainty)
    t4 = time.perf_counter()
    loop.Simulator.run = run  # type: ignore[method-assign]
    workers = ForkMap()
    forked = plan(inputs.model, inputs.workload, inputs.slo, *catalog.select(c), c, model_ref=inputs.model_ref,
                  calibrations=catalog.calibrations, uncertainty=catalog.uncertainty, map_fn=workers)
    t5 = time.perf_counter()
    same = "the same report" if to_json(forked) == to_json(report) else "A DIFFERENT REPORT (a bug)"
    print(f"breakdown: imports {t1 - t0:.2f} s, data {t2 - t1:.2f} s, model+sample+tables {t3 - t2:.2f} s, "
          f"search {t4 - t3:.2f} s in one process ({report.candidates_evaluated} candidates, "
          f"{report.candidates_simulated} search simulations; {sim_s[1]} simulator runs in all, taking "
          f"{sim_s[0]:.2f} s); the search on {workers.workers} worker(s) as `recommend` runs it {t5 - t4:.2f} s, "
          f"{same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
