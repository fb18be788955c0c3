"""Measured per-operator latency tables: one format for GEMMs, attention, MoE and collectives.

A table file (`calibration/tables/<gpu>/<runtime>-<version>.json`) holds the tables one runtime
version measured on one GPU. Each table is a dense grid: a few numeric axes (token rows, context,
message bytes, ...) with one latency per grid point, row-major, `null` where the point was not
measured; categorical coordinates (precision, head counts, ...) are in its `key`. Interpolation
is pure and lives in `planner.core.optables`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from pydantic import Field, FiniteFloat, PrivateAttr, model_validator

from planner.specs._base import Frozen

Op = Literal["gemm", "prefill_attention", "decode_attention", "moe", "all_reduce", "all_gather", "alltoall",
             "reduce_scatter"]
"""Operator a table times."""

GemmDtype = Literal["bf16", "fp16", "fp8", "fp8_block", "nvfp4", "int4_wo", "int8_wo", "int8_sq", "mxfp4_w4a16"]
"""GEMM precisions a table can describe (fp8: per-tensor scales; fp8_block: 128x128 block scales;
int4_wo / int8_wo: weight-only; int8_sq: SmoothQuant W8A8; mxfp4_w4a16: MXFP4 weights, 16-bit activations)."""


MIN_LATENCY_US = 1e-3
"""Smallest plausible measured latency, microseconds (1 ns; the shortest kernel in the shipped tables takes 1.5 us,
a launch alone ~2 us): a `0`, a `1e-999` (read as 0) or a value in the wrong unit is refused."""
MAX_LATENCY_US = 1e9
"""Largest plausible measured latency, microseconds (1,000 s; the longest in the shipped tables is 1.35 s)."""


class Provenance(Frozen):
    """Who measured a table, on what, and where it was published."""

    measured_by: str = Field(min_length=2)
    """Person, team or tool that ran the measurement."""
    device: str = Field(min_length=2)
    """Device name as the driver reported it during the measurement."""
    runtime: str
    """Runtime (or library, e.g. nccl) whose kernels were timed."""
    runtime_version: str
    """Version of that runtime or library."""
    kernel: str = ""
    """Kernel or code path timed (empty when not stated)."""
    date: dt.date
    """Date of the measurement, or of its publication when that is all that is known."""
    source: str = Field(min_length=3)
    """Where the numbers were read from (package and file, or `planner calibrate` run)."""


class Axis(Frozen):
    """One numeric axis of a grid."""

    name: str = Field(pattern=r"^[a-z_]+$")
    """Axis name (e.g. `m`, `n`, `k`, `batch`, `seq`, `context`, `tokens`, `world`, `bytes`)."""
    values: tuple[FiniteFloat, ...] = Field(min_length=1)
    """Grid coordinates, strictly increasing, positive and finite (interpolation is in log space)."""

    @model_validator(mode="after")
    def _increasing(self) -> Axis:
        values = self.values
        if values[0] <= 0:  # increasing values are then all positive
            raise ValueError(f"axis {self.name}: values must be > 0 (log-space interpolation)")
        if any(b <= a for a, b in zip(values, values[1:])):
            raise ValueError(f"axis {self.name}: values must be strictly increasing")
        return self


class OpTable(Frozen):
    """Latency of one operator over a grid, at fixed categorical coordinates."""

    op: Op
    """Operator timed."""
    key: dict[str, str | int | bool]
    """Fixed coordinates of this grid (e.g. dtype, num_heads, num_kv_heads, head_dim, kv_dtype)."""
    axes: tuple[Axis, ...] = Field(min_length=1, max_length=3)
    """Grid axes, outermost first."""
    latency_us: str = Field(pattern=r"^[0-9.e+_ -]+$")
    """Measured latency per grid point, microseconds: space-separated numbers, row-major over `axes` (last axis
    fastest), `_` where the point was not measured (one string keeps loading the tables cheap; the numbers are
    parsed and checked when a table is first used)."""
    provenance: str
    """Id of this table's entry in its file's `provenance` (who measured it, on what, runtime and version)."""

    @model_validator(mode="after")
    def _shape(self) -> OpTable:
        size = math.prod(len(a.values) for a in self.axes)
        count = self.latency_us.count(" ") + 1
        if count != size:
            raise ValueError(f"{self.op} {self.key}: {count} latencies for a grid of {size} points")
        if "-" in self.latency_us.replace("e-", ""):
            raise ValueError(f"{self.op} {self.key}: latencies must be > 0")
        return self

    def latencies_us(self) -> tuple[float | None, ...]:
        """The latencies as numbers (None where unmeasured), microseconds.

        Raises:
            ValueError: A latency is not a number or outside [`MIN_LATENCY_US`, `MAX_LATENCY_US`], or none is
                measured.
        """
        try:
            values = tuple(None if v == "_" else float(v) for v in self.latency_us.split(" "))
        except ValueError:  # the load-time pattern lets through strings such as `1..2`, `e` or `+`
            bad = next(v for v in self.latency_us.split(" ") if v != "_" and not _is_number(v))
            raise ValueError(f"{self.op} {self.key}: {bad!r} is not a number") from None
        implausible = [v for v in values if v is not None and not MIN_LATENCY_US <= v <= MAX_LATENCY_US]
        if implausible:  # `0`, `1e-999` (read as 0), `1e999` (read as inf), or another unit
            raise ValueError(f"{self.op} {self.key}: latency {implausible[0]:g} us is outside "
                             f"[{MIN_LATENCY_US:g}, {MAX_LATENCY_US:g}] us")
        if all(v is None for v in values):
            raise ValueError(f"{self.op} {self.key}: no measured point")
        return values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class OpTableFile(Frozen):
    """The tables one runtime version measured on one GPU (a file under calibration/tables/)."""

    schema_version: Literal[1] = 1
    """Format version of this file."""
    gpu_id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    """hardware_db id of the GPU measured."""
    runtime: str
    """planner runtime id the kernels belong to (`trtllm`, `vllm`, `sglang`)."""
    runtime_version: str
    """Runtime version of the GEMM tables (each table states its own in its provenance)."""
    provenance: dict[str, Provenance] = Field(min_length=1)
    """Provenance of the tables by id (tables of one measured file share one entry)."""
    tables: tuple[OpTable, ...] = Field(min_length=1)
    """The measured tables."""

    _scratch: dict[str, object] = PrivateAttr(default_factory=dict)
    _source: str = PrivateAttr(default="")

    @property
    def source(self) -> str:
        """Where the file was read from (set by the loader; errors found when a table is first used name it), or
        its label when it was not read from a file."""
        return self._source or f"operator tables {self.label}"

    def with_source(self, path: str) -> OpTableFile:
        """This file, remembering `path` as where it was read from."""
        self._source = path
        return self

    @property
    def scratch(self) -> dict[str, object]:
        """Memo space for derived lookup structures (prepared grids); never part of the data."""
        return self._scratch

    @model_validator(mode="after")
    def _provenance_known(self) -> OpTableFile:
        unknown = sorted({t.provenance for t in self.tables} - self.provenance.keys())
        if unknown:
            raise ValueError(f"tables name provenance ids that are not in `provenance`: {unknown}")
        return self

    def provenance_of(self, table: OpTable) -> Provenance:
        """Who measured `table`, on what, and where it was published."""
        return self.provenance[table.provenance]

    @property
    def label(self) -> str:
        """Short name shown in reports: `<gpu> <runtime> <version>`."""
        return f"{self.gpu_id} {self.runtime} {self.runtime_version}"
