"""The exception tree of `planner`.

Every error the planner raises on purpose derives from `PlannerError`; anything
else is a bug and keeps its traceback.

    PlannerError                 base: message + where + value + hint
    ├── SpecError(ValueError)    bad user input (model config, flags, sample files)
    ├── DataError                a bad file in hardware_db/, runtime_profiles/, calibration/
    ├── InfeasibleError          expected "no": nothing fits, nothing meets the SLO, a regression
    │   └── KvCapacityError      not even one sequence of the requested length fits in the KV cache
    └── CalibrationError         a microbenchmark could not run or fit

This module imports nothing from `planner` so every other module may import it.
"""

from __future__ import annotations

from typing import Any


class PlannerError(Exception):
    """Base class of every expected planner error.

    Args:
        message: What is wrong, in one sentence.
        where: Where the bad value came from (file, field path or flag).
        value: The offending value, shown as `(got ...)`.
        hint: The next thing to try.
    """

    exit_code: int = 2

    def __init__(
        self,
        message: str,
        *,
        where: str | None = None,
        value: Any = None,
        hint: str | None = None,
        has_value: bool | None = None,
    ) -> None:
        self.message = message
        self.where = where
        self.value = value
        self.hint = hint
        self.has_value = value is not None if has_value is None else has_value
        super().__init__(self.line())

    def line(self) -> str:
        """Render the one-line form: `where: message (got value)`."""
        text = f"{self.where}: {self.message}" if self.where else self.message
        if self.has_value:
            text += f" (got {self.value!r})"
        return text

    def __str__(self) -> str:
        text = self.line()
        if self.hint:
            text += f"; hint: {self.hint}"
        return text


class SpecError(PlannerError, ValueError):
    """Bad user input: a model config, a flag, a sample or a plan file."""


class DataError(PlannerError):
    """A malformed file in the shipped or user-supplied data directories."""


class InfeasibleError(PlannerError):
    """The honest answer is "no": nothing fits or meets the SLO (exit code 1)."""

    exit_code = 1


class KvCapacityError(InfeasibleError):
    """Not even one sequence of the requested lengths fits in the KV cache of the deployment."""


class CalibrationError(PlannerError):
    """A calibration microbenchmark could not run, or its data could not be fitted."""


__all__ = ["CalibrationError", "DataError", "InfeasibleError", "KvCapacityError", "PlannerError", "SpecError"]
