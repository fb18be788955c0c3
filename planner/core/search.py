"""Search: enumerate deployments, prune, simulate finalists, rank by cost.

Candidates are GPU x runtime x weight/KV precision x TP/PP (max_num_seqs follows the TPOT target).
They are filtered by compatibility, then memory, then single-request latency floors; an analytic
capacity bound gives each a lower bound on replicas and cost. Candidates are then simulated
cheapest-bound first (branch and bound): the fewest replicas meeting every SLO at (1 + headroom) x RPS
is found by simulation, and the search stops once no remaining bound can beat the best deployment
found. Returns evaluations and structured rejections; `planner.plan` turns them into a Report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, cast

from planner.core.candidates import (
    Candidate,
    Evaluation,
    Search,
    SimDelta,
)
from planner.core.cost import HOURS_PER_MONTH as HOURS
from planner.core.serving import ServingResult
from planner.specs.calibration import CalibrationProfile
from planner.specs.hardware import Gpu
from planner.specs.message import Message
from planner.specs.model import ModelSpec
from planner.specs.report import Rejection, RejectionKind
from planner.specs.runtime import Runtime
from planner.specs.uncertainty import UncertaintyTable
from planner.specs.workload import Constraints, Slo, Workload

ALTERNATIVES_PER_GROUP = 4
"""Candidates simulated per GPU type and per runtime while looking for alternatives."""


X = TypeVar("X")
Y = TypeVar("Y")


class Mapper(Protocol):
    """`[fn(x) for x in items]`, in item order, possibly on several cores (`planner.io.parallel.ForkMap`). Every
    item is a pure function of the state at the call, so how items are spread cannot change a result."""

    workers: int
    """Items it runs at once (the search evaluates that many candidates ahead)."""

    def __call__(self, fn: Callable[[X], Y], items: Sequence[X], /) -> list[Y]: ...


class SerialMap:
    """The default `Mapper`: one item after the other, here."""

    workers = 1

    def __call__(self, fn: Callable[[X], Y], items: Sequence[X], /) -> list[Y]:
        return [fn(x) for x in items]


serial_map = SerialMap()


def _group_alternatives(s: Search, members: Sequence[Candidate], found: Evaluation | None,
                        evaluated: set[int]) -> list[Evaluation]:
    """Simulate one group's members (cheapest bound first, skipping those simulated already) until one's lowest
    possible cost reaches the group's best passing cost, or `ALTERNATIVES_PER_GROUP` were tried."""
    out: list[Evaluation] = []
    for c in members:
        if found is not None and c.cost_lb >= found.cost_per_hour:
            break
        if id(c) in evaluated:
            continue
        if len(out) >= ALTERNATIVES_PER_GROUP:
            break
        ev = s.evaluate(c)
        out.append(ev)
        if ev.passed and (found is None or ev.rank(s.slo) < found.rank(s.slo)):
            found = ev
    return out


@dataclass(frozen=True)
class _BuildJob:
    """The candidates of one GPU as a `Mapper` item: every runtime and precision family of it (`Search.build`), with
    the rejections recorded on the way (keyed by family, so no other GPU's item touches them)."""

    search: Search
    runtimes: Sequence[Runtime]

    def __call__(self, gpu: Gpu) -> tuple[list[Candidate], dict[tuple[str, str, str], tuple[RejectionKind, Message]]]:
        s, kept = self.search, self.search.rejected
        s.rejected = {}
        try:
            built = [c for runtime in self.runtimes for quant, kv in s.quant_options(gpu, runtime)
                     for c in s.build(gpu, runtime, quant, kv)]
            return built, s.rejected
        finally:
            s.rejected = kept


@dataclass(frozen=True)
class _EvalJob:
    """One candidate of the branch and bound as a `Mapper` item: its evaluation, detached from the search."""

    search: Search
    index: Mapping[int, int]
    """Candidate id -> position in the search's candidate list."""

    def __call__(self, c: Candidate) -> tuple[_Sent, SimDelta]:
        return self.search.detached(lambda: _Sent.of(self.search.evaluate(c), self.index))


@dataclass(frozen=True)
class _GroupJob:
    """One group of the alternatives stage as a `Mapper` item: its evaluations, detached from the search."""

    search: Search
    index: Mapping[int, int]
    """Candidate id -> position in the search's candidate list."""
    best_by: Mapping[str, Evaluation]
    evaluated: set[int]
    """Ids of the candidates simulated before this stage."""

    def __call__(self, job: tuple[str, list[Candidate]]) -> tuple[list[_Sent], SimDelta]:
        key, members = job
        return self.search.detached(lambda: [
            _Sent.of(ev, self.index)
            for ev in _group_alternatives(self.search, members, self.best_by.get(key), self.evaluated)])


BesideFn = Callable[["Search", "Evaluation", bool], object]
"""`fn(search, evaluation, recommended)`: a caller's work on one evaluation of the search (`search(beside=...)`)."""


@dataclass(frozen=True)
class Beside:
    """What a caller's `beside` work made of one evaluation, run beside an alternatives stage. Its simulations are
    not in the search yet: `Search.absorb(delta)` counts and caches them once the caller uses the value."""

    evaluation: Evaluation
    recommended: bool
    """Whether it ran for the branch and bound's best (else for the best of a GPU or runtime so far)."""
    value: object
    delta: SimDelta


@dataclass(frozen=True)
class _WithBeside:
    """An alternatives stage's job whose integer items are instead the caller's `beside` work on `extras[i]`,
    detached like the groups and at full simulation length (not the stage's quick runs)."""

    groups: _GroupJob
    fn: BesideFn | None
    extras: Sequence[tuple[Evaluation, bool]]

    def __call__(self, job: tuple[str, list[Candidate]] | int) -> tuple[object, SimDelta]:
        if not isinstance(job, int):
            return self.groups(job)
        ev, recommended = self.extras[job]
        return self.groups.search.detached(lambda: self._full_length(ev, recommended))

    def _full_length(self, ev: Evaluation, recommended: bool) -> object:
        s = self.groups.search
        assert self.fn is not None
        s.quick = False
        try:
            return self.fn(s, ev, recommended)
        finally:
            s.quick = True


@dataclass(frozen=True)
class _Sent:
    """An evaluation as a worker sends it back: the candidate by its index in the search's list."""

    index: int
    replicas: int
    passed: bool
    misses: list[Message]
    at_load: ServingResult

    @classmethod
    def of(cls, ev: Evaluation, index: Mapping[int, int]) -> _Sent:
        return cls(index[id(ev.cand)], ev.replicas, ev.passed, ev.misses, ev.at_load)

    def evaluation(self, cands: Sequence[Candidate]) -> Evaluation:
        return Evaluation(cands[self.index], self.replicas, self.passed, self.misses, self.at_load)


@dataclass
class SearchResult:
    """What the search found: every candidate, every evaluation, the ranked passing ones, and the rejections."""

    search: Search
    candidates: list[Candidate]
    evaluations: list[Evaluation]
    passing: list[Evaluation]
    """Passing evaluations within the budget, best first."""
    best_by: dict[str, Evaluation]
    """Cheapest passing evaluation per `gpu:<id>` and `runtime:<id>`."""
    rejections: list[Rejection]
    unexplored: int
    """Candidates never simulated because their lowest possible cost exceeds a passing one."""
    beside: list[Beside] = field(default_factory=list)
    """What `search(beside=...)` made of the branch and bound's best and of the alternatives found by the per-GPU
    stage (those the per-runtime stage may still replace)."""


def search(model: ModelSpec, workload: Workload, slo: Slo, gpus: Sequence[Gpu], runtimes: Sequence[Runtime],
           constraints: Constraints, *, calibrations: Mapping[str, CalibrationProfile], seed: int,
           sim_requests: int, max_len: int, uncertainty: UncertaintyTable | None = None,
           map_fn: Mapper = serial_map,
           beside: BesideFn | None = None) -> SearchResult:
    """Branch and bound over every legal deployment; the cheapest passing ones per GPU and runtime too
    (independent groups of that second stage through `map_fn`).

    `beside(search, evaluation, recommended)` is the caller's work on an evaluation (the report's summary of it),
    run as more items of the alternatives stages so that it does not wait for them, at full simulation length;
    its results are `SearchResult.beside`. It runs for the branch and bound's cheapest passing deployment beside
    the per-GPU stage (the later stages only look at deployments whose lowest possible cost exceeds that one's, so
    it stays the cheapest unless a budget rules it out), and for each other best per GPU or runtime found by then
    beside the per-runtime stage (which may still replace a few: those results go unused).
    """
    s = Search(model=model, workload=workload, slo=slo, constraints=constraints, seed=seed,
               sim_requests=sim_requests, calibrations=calibrations, max_len=max_len, uncertainty=uncertainty,
               confidence=constraints.confidence)
    # Every legal deployment, GPU by GPU (independent pieces: a GPU's families and their rejections are its own).
    cands: list[Candidate] = []
    for built, rejected in map_fn(_BuildJob(s, runtimes), list(gpus)):
        cands += built
        s.rejected.update(rejected)
    cands.sort(key=lambda c: (c.cost_lb, c.replicas_lb * c.dep.num_gpus, c.dep.label()))
    evals: list[Evaluation] = []
    best: Evaluation | None = None
    best_by: dict[str, Evaluation] = {}

    def record(ev: Evaluation) -> None:
        nonlocal best
        c = ev.cand
        evals.append(ev)
        if not ev.passed:
            s.reject(c.family, "slo", _miss_message(ev))
            return
        if best is None or ev.rank(slo) < best.rank(slo):
            best = ev
        for key in (f"gpu:{c.dep.gpu.id}", f"runtime:{c.dep.runtime.id}"):
            if key not in best_by or ev.rank(slo) < best_by[key].rank(slo):
                best_by[key] = ev

    def beaten(c: Candidate) -> bool:
        return best is not None and c.cost_lb > best.cost_per_hour  # equal bounds may still win on SLO margin

    # Branch and bound, `map_fn.workers` candidates at a time: the next ones in bound order are evaluated together
    # (each evaluation reads only its own candidate), then recorded in order; one that the recorded results have
    # beaten is dropped unrecorded, as if never simulated.
    index = {id(c): i for i, c in enumerate(cands)}
    run_one = _EvalJob(s, index)
    i, done = 0, False
    while not done and i < len(cands) and not beaten(cands[i]):
        batch = cands[i:i + max(1, map_fn.workers)]
        for c, (sent, delta) in zip(batch, map_fn(run_one, batch)):
            if beaten(c):
                done = True
                break
            s.absorb(delta)
            record(sent.evaluation(cands))
            i += 1
    # Alternatives: the cheapest passing deployment per GPU type and per runtime (shorter simulations). Within one
    # prefix every candidate is in exactly one group and a group's stopping rule reads only its own best, so the
    # groups are independent pieces of work; their evaluations are recorded in group order.
    done_beside: list[Beside] = []
    s.quick = True
    for prefix in ("gpu", "runtime"):
        groups: dict[str, list[Candidate]] = {}
        for c in cands:
            groups.setdefault(f"{prefix}:{c.dep.gpu.id if prefix == 'gpu' else c.dep.runtime.id}", []).append(c)
        run_group = _GroupJob(s, index, best_by, {id(ev.cand) for ev in evals})
        extras: list[tuple[Evaluation, bool]] = []
        if beside is not None and best is not None:
            if prefix == "gpu":
                extras = [(best, True)]
            else:
                extras = [(ev, False) for ev in {id(ev): ev for ev in best_by.values() if ev is not best}.values()]
        items: list[tuple[str, list[Candidate]] | int] = list(groups.items())
        # The recommendation's work is the longest item (a full-length run, its load curve): first; the alternatives'
        # are short: after the groups.
        items = [0, *items] if prefix == "gpu" and extras else [*items, *range(len(extras))]
        outs = map_fn(_WithBeside(run_group, beside, extras), items)
        for item, (out, delta) in zip(items, outs):
            if isinstance(item, int):
                ev, recommended = extras[item]
                done_beside.append(Beside(ev, recommended, out, delta))
                continue
            s.absorb(delta)
            for sent in cast("list[_Sent]", out):
                record(sent.evaluation(cands))
    s.quick = False
    budget = constraints.budget_usd_per_month
    passing = sorted((ev for ev in evals if ev.passed), key=lambda ev: ev.rank(slo))
    if budget is not None:
        for ev in passing:
            month = ev.cost_per_hour * HOURS
            if month > budget:
                s.reject(ev.cand.family, "budget", Message.of(
                    "{cost_usd_per_month}/month exceeds the {budget_usd_per_month} budget ({replicas} x {deployment})",
                    cost_usd_per_month=month, budget_usd_per_month=budget, replicas=ev.replicas,
                    deployment=ev.cand.dep.label()))
        passing = [ev for ev in passing if ev.cost_per_hour * HOURS <= budget]
    # A family is rejected only if none of its shapes is viable: drop families that passed, and families with
    # shapes the branch and bound never needed to simulate (dearer than the recommendation).
    evaluated = {id(ev.cand) for ev in evals}
    unexplored = [c for c in cands if id(c) not in evaluated]
    for c in unexplored:
        if budget is not None and c.cost_lb * HOURS > budget:
            s.reject(c.family, "budget", Message.of(
                "at least {cost_usd_per_month}/month for {replicas} x {deployment}, over the "
                "{budget_usd_per_month} budget", cost_usd_per_month=c.cost_lb * HOURS, replicas=c.replicas_lb,
                deployment=c.dep.label(), budget_usd_per_month=budget))
        else:
            s.rejected.pop(c.family, None)
    for ev in passing:
        s.rejected.pop(ev.cand.family, None)
    rejections = [Rejection(gpu=g, runtime=r, quant=q, kind=kind, reason=reason)
                  for (g, r, q), (kind, reason) in sorted(s.rejected.items())]
    return SearchResult(search=s, candidates=cands, evaluations=evals, passing=passing, best_by=best_by,
                        rejections=rejections, unexplored=len(unexplored), beside=done_beside)


def _miss_message(ev: Evaluation) -> Message:
    """`TTFT p95 412 ms > 300 ms with 3 x (1x l4 tp1 vllm bf16)`: every miss, one sentence."""
    return Message.of("{misses} with {replicas} x ({deployment})", misses=Message.join(ev.misses),
                      replicas=ev.replicas, deployment=ev.cand.dep.label())
