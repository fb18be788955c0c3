"""Run independent pieces of a search on several CPU cores (forked worker processes).

The search hands over pure work items (each a function of the search state at hand-over, returning a value);
`ForkMap` runs them in forked copies of this process and returns the values in item order, so a report is the
same byte for byte with one core or many. Workers run only where `os.fork` is the platform's own way (Linux),
with more than one usable core and more than one item; else the items run here, one after the other.

A worker computes and exits: it never writes to the terminal (its stdout and stderr are /dev/null and warnings are
off, so a lock another thread, e.g. the progress spinner, held at fork time is never taken), never runs exit
handlers (`os._exit`), and sends one pickled dict back through a pipe. A worker that fails for any reason is not
trusted: its items run again here, so an exception surfaces with its own traceback.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import struct
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TypeVar

X = TypeVar("X")
Y = TypeVar("Y")

_INDEX = struct.Struct("<I")
"""A work item's index on the work pipe (4 bytes: reads of at most PIPE_BUF bytes are atomic)."""


def usable_cpus() -> int:
    """CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_jobs() -> int:
    """Workers a search may use: `PLANNER_JOBS` (read by `planner.io.settings`), else the usable cores."""
    from planner.io.settings import Settings

    return Settings.from_env().jobs or usable_cpus()


def can_fork() -> bool:
    """Whether this platform forks workers (Linux; macOS and Windows run everything here)."""
    return sys.platform == "linux" and hasattr(os, "fork")


class ForkMap:
    """A `planner.core.search.Mapper` on forked workers."""

    def __init__(self, jobs: int | None = None) -> None:
        """`jobs` workers at most (default: `PLANNER_JOBS`, else the usable cores; 1 runs everything here)."""
        self.workers = (jobs or default_jobs()) if can_fork() else 1

    def __call__(self, fn: Callable[[X], Y], items: Sequence[X], /) -> list[Y]:
        """`[fn(x) for x in items]`, the items taken by free workers from a shared pipe, results in item order.

        `fn` sees the state of this process at the call (forked copies), so it must not rely on effects of other
        items; whatever it changes in a worker's copy is lost.
        """
        items = list(items)
        workers = min(self.workers, len(items))
        if workers < 2:
            return [fn(x) for x in items]
        return _forked(fn, items, workers)


def _forked(fn: Callable[[X], Y], items: list[X], workers: int) -> list[Y]:
    """This process and `workers - 1` forked children take items from one pipe until it is empty.

    The objects that exist at the fork are frozen out of the garbage collector until the items are done: a
    collection in a child would otherwise write to every object's header and so copy the whole parent heap page by
    page (~90 ms for a search's heap), and this process's own collections skip them meanwhile too.
    """
    gc.freeze()
    try:
        return _forked_frozen(fn, items, workers)
    finally:
        gc.unfreeze()


def _forked_frozen(fn: Callable[[X], Y], items: list[X], workers: int) -> list[Y]:
    work_r, work_w = os.pipe()
    os.write(work_w, b"".join(_INDEX.pack(i) for i in range(len(items))))  # < 64 KiB for < 16k items
    os.close(work_w)
    children: list[tuple[int, int]] = []
    for _ in range(workers - 1):
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # worker: never returns into the caller's code
            code = 1
            try:
                sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 (closed by os._exit)
                warnings.simplefilter("ignore")
                os.close(res_r)
                for _, other in children:
                    os.close(other)
                with os.fdopen(res_w, "wb") as out:
                    pickle.dump(_take(fn, items, work_r), out, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)
        os.close(res_w)
        children.append((pid, res_r))
    results: dict[int, Y] = {}
    try:
        results.update(_take(fn, items, work_r))
    except BaseException:
        for pid, _ in children:
            os.kill(pid, signal.SIGKILL)
        raise
    finally:
        os.close(work_r)
        for pid, res_r in children:
            with os.fdopen(res_r, "rb") as inp:
                data = inp.read()
            _, status = os.waitpid(pid, 0)
            if os.waitstatus_to_exitcode(status) == 0 and data:
                results.update(pickle.loads(data))
    # Items a failed worker took (or never sent back) run here.
    return [results[i] if i in results else fn(x) for i, x in enumerate(items)]


def _take(fn: Callable[[X], Y], items: list[X], work_r: int) -> dict[int, Y]:
    """Run the items whose indices this process reads from the work pipe, until it is empty."""
    done: dict[int, Y] = {}
    while len(raw := os.read(work_r, _INDEX.size)) == _INDEX.size:
        (i,) = _INDEX.unpack(raw)
        done[i] = fn(items[i])
    return done
