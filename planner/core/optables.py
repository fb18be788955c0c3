"""Measured operator latencies: log-space interpolation of table grids, roofline transfer outside them.

Pure: the tables arrive loaded (attached to the `Gpu` by the catalog). A point inside a grid whose
surrounding grid points were all measured is interpolated multilinearly in log(latency) over
log(coordinates). Anywhere else (outside the grid, or next to an unmeasured point) the operator's
roofline time is scaled by the efficiency measured at the nearest measured grid point:
`roofline(x) x latency(q) / roofline(q)`.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from planner.errors import DataError
from planner.specs.optables import OpTable, OpTableFile

Roofline = Callable[[Sequence[float]], float]
"""Roofline seconds of an operator at a grid point (its coordinates in the table's axis order)."""


@dataclass(frozen=True)
class Grid:
    """One table, prepared for interpolation (logs taken once)."""

    table: OpTable
    log_axes: tuple[tuple[float, ...], ...] = field(init=False)
    log_s: tuple[float | None, ...] = field(init=False)
    strides: tuple[int, ...] = field(init=False)
    measured: tuple[int, ...] = field(init=False)
    """Flat indices of the measured points."""

    latency_us: tuple[float | None, ...] = field(init=False)

    def __post_init__(self) -> None:
        latency = self.table.latencies_us()
        object.__setattr__(self, "latency_us", latency)
        axes = tuple(tuple(math.log(v) for v in a.values) for a in self.table.axes)
        strides, step = [], 1
        for a in reversed(axes):
            strides.append(step)
            step *= len(a)
        object.__setattr__(self, "log_axes", axes)
        object.__setattr__(self, "strides", tuple(reversed(strides)))
        object.__setattr__(self, "log_s", tuple(None if v is None else math.log(v * 1e-6) for v in latency))
        object.__setattr__(self, "measured", tuple(i for i, v in enumerate(latency) if v is not None))

    def interpolate(self, point: Sequence[float]) -> float | None:
        """Seconds at `point` from the grid, or None outside it or next to an unmeasured grid point."""
        base, weights = 0, []
        for x, axis, stride in zip(point, self.log_axes, self.strides):
            lx = math.log(x)
            if len(axis) == 1:
                if abs(lx - axis[0]) > 1e-9:
                    return None
                weights.append((0, 0.0, stride))
                continue
            if lx < axis[0] - 1e-9 or lx > axis[-1] + 1e-9:
                return None
            i = min(max(bisect_right(axis, lx) - 1, 0), len(axis) - 2)
            t = (lx - axis[i]) / (axis[i + 1] - axis[i])
            base += i * stride
            weights.append((1, min(max(t, 0.0), 1.0), stride))
        total = 0.0
        corners = [(base, 1.0)]
        for has_next, t, stride in weights:
            if not has_next:
                continue
            corners = [c for idx, w in corners for c in ((idx, w * (1 - t)), (idx + stride, w * t))]
        for idx, w in corners:
            if w == 0.0:
                continue
            v = self.log_s[idx]
            if v is None:
                return None
            total += w * v
        return math.exp(total)

    def coords(self, index: int) -> tuple[float, ...]:
        """Grid coordinates of flat index `index`."""
        out = []
        for a, stride in zip(self.table.axes, self.strides):
            out.append(a.values[(index // stride) % len(a.values)])
        return tuple(out)

    def nearest(self, point: Sequence[float]) -> tuple[tuple[float, ...], float]:
        """The measured grid point nearest `point` in log space, and its seconds."""
        lp = [math.log(x) for x in point]
        best, best_d = self.measured[0], math.inf
        for idx in self.measured:
            d = 0.0
            for lx, axis, stride in zip(lp, self.log_axes, self.strides):
                d += (lx - axis[(idx // stride) % len(axis)]) ** 2
            if d < best_d:
                best, best_d = idx, d
        value = self.log_s[best]
        assert value is not None
        return self.coords(best), math.exp(value)

    def seconds(self, point: Sequence[float], roofline: Roofline) -> float:
        """Seconds at `point`: interpolated, else the roofline at the nearest measured point's efficiency."""
        t = self.interpolate(point)
        if t is not None:
            return t
        q, tq = self.nearest(point)
        return roofline(point) * tq / roofline(q)


def _release(version: str) -> tuple[int, ...]:
    """The numeric release of a version string (`1.3.0rc20` -> (1, 3, 0))."""
    nums = [int(n) for n in re.findall(r"\d+", version.split("rc")[0].split("post")[0])[:3]]
    return tuple(nums + [0] * (3 - len(nums)))


def version_distance(a: str, b: str) -> tuple[int, ...]:
    """How far apart two versions are (major, then minor, then patch differences)."""
    return tuple(abs(x - y) for x, y in zip(_release(a), _release(b)))


def nearest_file(files: Sequence[OpTableFile], runtime: str, version: str) -> OpTableFile | None:
    """The table file of `runtime` whose version is nearest `version` (ties: the newer), or None."""
    same = [f for f in files if f.runtime == runtime]
    if not same:
        return None
    return min(same, key=lambda f: (version_distance(f.runtime_version, version),
                                    tuple(-x for x in _release(f.runtime_version))))


@dataclass
class TableIndex:
    """The tables of one file, found by operator and key; grids are prepared on first use."""

    file: OpTableFile
    _by_op: dict[str, list[int]] = field(default_factory=dict, repr=False)
    _grids: dict[int, Grid] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for i, t in enumerate(self.file.tables):
            self._by_op.setdefault(t.op, []).append(i)

    def grid(self, i: int) -> Grid:
        """Table `i` prepared for interpolation.

        Raises:
            DataError: Its latencies are not positive finite numbers (checked on first use, see `OpTable.latency_us`).
        """
        g = self._grids.get(i)
        if g is None:
            try:
                g = self._grids[i] = Grid(self.file.tables[i])
            except ValueError as exc:
                raise DataError(str(exc), where=f"{self.file.source}: tables.{i}.latency_us",
                                hint="latencies are microseconds > 0, space-separated, `_` where unmeasured; "
                                     "re-create the file with benchmarks/derive_tables.py or planner calibrate") \
                    from None
        return g

    def find(self, op: str, **key: str | int | bool) -> Grid | None:
        """The grid of `op` whose key matches exactly, or None."""
        for i in self._by_op.get(op, ()):
            if all(self.file.tables[i].key.get(k) == v for k, v in key.items()):
                return self.grid(i)
        return None

    def nearest(self, op: str, exact: dict[str, str | int | bool], scaled: dict[str, float]) -> Grid | None:
        """The grid of `op` matching `exact`, nearest in log space over the numeric `scaled` keys, or None."""
        best, best_d = None, math.inf
        for i in self._by_op.get(op, ()):
            key = self.file.tables[i].key
            if any(key.get(k) != v for k, v in exact.items()):
                continue
            d = 0.0
            for k, v in scaled.items():
                kv = key.get(k)
                if not isinstance(kv, int) or isinstance(kv, bool) or kv <= 0:
                    d = math.inf
                    break
                d += math.log(kv / v) ** 2
            if d < best_d:
                best, best_d = i, d
        return None if best is None else self.grid(best)

    def ops(self) -> set[str]:
        return set(self._by_op)


def index_of(file: OpTableFile) -> TableIndex:
    """The (cached) index of a table file: prepared grids live as long as the file."""
    cache = file.scratch
    index = cache.get("index")
    if not isinstance(index, TableIndex):
        index = cache["index"] = TableIndex(file)
    return index
