"""`planner sweep`: plan every checkpoint x traffic x SLO of a matrix file into one table.

Cells are independent `recommend` runs (same defaults, same seed), spread over a local process pool, or over a
Ray cluster (`ray_address`; Ray is the optional `sweep` extra, and every node needs planner installed). A cell
that is infeasible or whose inputs are bad becomes a row with its status and reason; it never stops the sweep.

Matrix file (YAML or JSON; relative paths are read from the file's folder):

    checkpoints: [../models/llama-3.1-8b, ../models/qwen3-8b]     # anything `recommend` takes as MODEL
    traffic:
      - {name: chat, rps: 10, isl: "700:0.8", osl: "200:0.6"}
      - {name: rag, rps: 2, isl: 6000, osl: 300}
    slo:
      - {name: interactive, targets: {ttft_p95: 300ms, tpot_p99: 50ms}}
      - {name: batch, targets: {e2e_p95: 30s}}
    constraints: {gpus: [l40s, h100-sxm], runtimes: [vllm, sglang]}
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from planner.errors import PlannerError, SpecError
from planner.specs.limits import MAX_GPUS_PER_REPLICA, MAX_RPS, SEED_MAX
from planner.specs.message import Message
from planner.specs.workload import refuse_bool_limits


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrafficCase(_Strict):
    """One traffic row of the matrix (the `recommend` flags of the same names)."""

    name: str = Field(min_length=1)
    rps: float = Field(gt=0, le=MAX_RPS)
    isl: str | int | None = None
    osl: str | int | None = None
    sample: str | None = None
    tokenizer: str | None = None
    burstiness: float | None = Field(default=None, ge=0.01, le=10)


class SloCase(_Strict):
    """One SLO column of the matrix: targets as in model.yaml (`ttft_p95: 300ms`)."""

    name: str = Field(min_length=1)
    targets: dict[str, str | float] = Field(min_length=1)

    _no_bool_limits = field_validator("targets", mode="before")(refuse_bool_limits)

    @field_validator("targets")
    @classmethod
    def _one_limit_per_target(cls, value: dict[str, str | float]) -> dict[str, str | float]:
        """The targets read as model.yaml's `slo:` is: two keys naming one target (`p95` and `ttft_p95`) are an
        error rather than one of them winning, and so is a limit that is not a duration."""
        from planner.io.parse import slo

        try:
            slo(dict(value), where="targets")
        except SpecError as exc:
            raise ValueError(exc.message + (f" (got {exc.value!r})" if exc.has_value else "")) from None
        return value


class SweepConstraints(_Strict):
    """Search limits shared by every cell (the `recommend` flags of the same names)."""

    gpus: list[str] = Field(default_factory=list)
    runtimes: list[str] = Field(default_factory=list)
    quant: list[str] = Field(default_factory=list)
    max_gpus_per_replica: int | None = Field(default=None, ge=1, le=MAX_GPUS_PER_REPLICA)
    budget_usd_per_month: float | None = Field(default=None, gt=0)
    headroom: float | None = Field(default=None, ge=0, le=4)


class Matrix(_Strict):
    """A sweep: every checkpoint x traffic x SLO."""

    checkpoints: list[Annotated[str, Field(min_length=1, pattern=r"\S")]] = Field(min_length=1)
    traffic: list[TrafficCase] = Field(min_length=1)
    slo: list[SloCase] = Field(min_length=1)
    constraints: SweepConstraints = Field(default_factory=SweepConstraints)
    seed: int = Field(default=0, ge=0, le=SEED_MAX)

    @model_validator(mode="after")
    def _unique(self) -> Matrix:
        # each row is keyed by checkpoint, traffic name and SLO name: a repeat would give two rows one key
        for what, names in (("checkpoints", self.checkpoints), ("traffic names", [t.name for t in self.traffic]),
                            ("slo names", [s.name for s in self.slo])):
            repeated = next((n for i, n in enumerate(names) if n in names[:i]), None)
            if repeated is not None:
                raise ValueError(f"{what} repeat {repeated!r}: each row is keyed by checkpoint, traffic and slo name")
        return self


@dataclass(frozen=True)
class Cell:
    """One plan of the sweep (picklable: it travels to pool and Ray workers)."""

    checkpoint: str
    traffic: TrafficCase
    slo: SloCase
    constraints: SweepConstraints
    seed: int
    base: str
    """Folder relative paths are read from."""


@dataclass(frozen=True)
class Row:
    """One line of the sweep table."""

    checkpoint: str
    traffic: str
    slo: str
    status: str
    """`ok`, `infeasible` (nothing meets the SLO) or `error` (bad input)."""
    gpu: str | None = None
    runtime: str | None = None
    quant: str | None = None
    tp_size: int | None = None
    replicas: int | None = None
    total_gpus: int | None = None
    cost_usd_per_month: float | None = None
    ttft_p95_s: float | None = None
    tpot_p95_s: float | None = None
    reason: str | None = None
    """Why not `ok`: the error line (the infeasible cells' reasons are in `suggestions`)."""
    suggestions: tuple[Message, ...] = ()
    """Infeasible: what would make a deployment meet the SLO (rendered by `planner.render.sweep`)."""


def load_matrix(path: Path) -> list[Cell]:
    """The cells of a matrix file, in checkpoint, traffic, SLO order."""
    from planner.io.files import load_validated

    m = load_validated(Matrix, path, hint="see `planner sweep --help` for the matrix format")
    base = str(path.expanduser().resolve().parent)
    return [Cell(c, t, s, m.constraints, m.seed, base) for c in m.checkpoints for t in m.traffic for s in m.slo]


def _path(base: str, ref: str | None) -> str | None:
    if ref is None or ref.startswith("pkg:") or os.path.isabs(ref):
        return ref
    local = os.path.join(base, ref)
    return local if os.path.exists(local) else ref  # else a hub id


def run_cell(cell: Cell) -> Row:
    """Plan one cell (in a worker process); bad input and infeasible plans become rows."""
    from planner.io.catalog import Catalog
    from planner.io.inputs import Flags, resolve
    from planner.plan import plan

    t, c = cell.traffic, cell.constraints
    names = (cell.checkpoint, t.name, cell.slo.name)
    try:
        catalog = Catalog.load(tables=False)
        flags = Flags(rps=t.rps, isl=None if t.isl is None else str(t.isl), osl=None if t.osl is None else str(t.osl),
                      sample=_path(cell.base, t.sample), tokenizer=_path(cell.base, t.tokenizer),
                      burstiness_cv=t.burstiness, slo=[f"{k}={v}" for k, v in cell.slo.targets.items()],
                      gpus=list(c.gpus), runtimes=list(c.runtimes), quant=list(c.quant),
                      max_gpus_per_replica=c.max_gpus_per_replica, budget_usd_per_month=c.budget_usd_per_month,
                      headroom=c.headroom)
        inputs = resolve(_path(cell.base, cell.checkpoint) or cell.checkpoint, flags, catalog, progress=False)
        catalog = catalog.with_tables(inputs.model)
        report = plan(inputs.model, inputs.workload, inputs.slo, *catalog.select(inputs.constraints),
                      inputs.constraints, model_ref=inputs.model_ref, seed=cell.seed,
                      calibrations=catalog.calibrations, uncertainty=catalog.uncertainty)
    except PlannerError as exc:
        return Row(*names, status="error", reason=exc.line())
    rec = report.recommendation
    if rec is None:
        return Row(*names, status="infeasible", suggestions=tuple(report.suggestions[:2]))
    return Row(*names, status="ok", gpu=rec.gpu, runtime=rec.runtime, quant=rec.quant, tp_size=rec.tp_size,
               replicas=rec.replicas, total_gpus=rec.total_gpus, cost_usd_per_month=rec.cost_usd_per_month,
               ttft_p95_s=rec.ttft_p95_s, tpot_p95_s=rec.tpot_p95_s)


RAY_HINT = "give ray://HOST:PORT (Ray Client, needs 'ray[client]'), HOST:PORT of a head node, auto or local"
_RAY_ADDRESS = re.compile(r"^(?:ray://)?([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:]{2,45}\]):(\d{1,5})$", re.ASCII)
RAY_START_HINT = "start the cluster (`ray start --head`) or check the address; --ray local starts one here"
RAY_CONNECT_S = 3.0
"""How long the head node's port may take to answer before `--ray HOST:PORT` is refused (Ray itself retries for
minutes against an address where nothing listens)."""


def ray_target(text: str) -> str | None:
    """The `ray.init` address for `--ray TEXT` (None: start a local instance), after checking that something
    listens there.

    Raises:
        SpecError: Not an address Ray takes, or nothing answers at it within `RAY_CONNECT_S`.
    """
    if text in ("local", "auto"):
        return None if text == "local" else text
    match = _RAY_ADDRESS.match(text.strip())
    if not match or not 0 < int(match.group(2)) < 65536:
        raise SpecError("not a Ray address", where="--ray", value=text, hint=RAY_HINT)
    host, port = match.group(1).strip("[]"), int(match.group(2))
    try:
        socket.create_connection((host, port), timeout=RAY_CONNECT_S).close()
    except OSError as exc:
        raise SpecError(f"no Ray head node answers at {host}:{port} ({exc.strerror or 'timed out'})", where="--ray",
                        value=text, hint=RAY_START_HINT) from None
    return text.strip()


def run(cells: Sequence[Cell], *, workers: int | None = None, ray_address: str | None = None,
        cell_fn: Callable[[Cell], Row] = run_cell) -> list[Row]:
    """Plan every cell, in the matrix's order: on a local process pool (`workers`, default the CPU count; 1 runs
    in this process), or on the Ray cluster at `ray_address` (`local` starts a local Ray instance)."""
    if ray_address is not None:
        address = ray_target(ray_address)
        try:
            import ray
        except ImportError:
            raise SpecError("--ray needs Ray", where="--ray", value=ray_address,
                            hint="pip install 'planner[sweep]' (or pip install 'ray[default]')") from None
        started = not ray.is_initialized()
        if started:
            try:
                ray.init(address=address, include_dashboard=False, log_to_driver=False)
            except (ConnectionError, ValueError, RuntimeError, TimeoutError) as exc:
                detail = " ".join(str(exc).split())[:160]
                raise SpecError(f"cannot reach or start Ray: {detail}", where="--ray", value=ray_address,
                                hint="install the package the message names" if "pip" in detail else
                                RAY_START_HINT) from None
        try:
            remote = ray.remote(cell_fn)
            return list(ray.get([remote.remote(cell) for cell in cells]))
        finally:
            if started:
                ray.shutdown()
    n = workers or os.cpu_count() or 1
    if n == 1 or len(cells) == 1:
        return [cell_fn(cell) for cell in cells]
    with ProcessPoolExecutor(max_workers=min(n, len(cells))) as pool:
        return list(pool.map(cell_fn, cells))
