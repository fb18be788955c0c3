"""The data the planner reads once per run: GPUs and runtime profiles, resolved by name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from planner.loaders import load_gpus, load_runtimes, resolve
from planner.settings import Settings, data_paths
from planner.specs.hardware import Gpu
from planner.specs.runtime import Runtime


@dataclass(frozen=True)
class Catalog:
    """GPUs and runtimes keyed by id, plus where calibration profiles live."""

    gpus: dict[str, Gpu]
    runtimes: dict[str, Runtime]
    calibration_dir: Path

    @classmethod
    def load(cls, settings: Settings | None = None) -> Catalog:
        """Load the shipped data, or the directories the settings point at."""
        paths = data_paths(settings)
        return cls(gpus=load_gpus(paths["hardware_db"]), runtimes=load_runtimes(paths["runtime_profiles"]),
                   calibration_dir=paths["calibration"])

    def gpu(self, name: str, flag: str = "--gpu") -> Gpu:
        """Resolve a GPU by id or alias (did-you-mean on a miss)."""
        return resolve(name, self.gpus, "gpu", flag)

    def runtime(self, name: str, flag: str = "--runtime") -> Runtime:
        """Resolve a runtime by id or alias (did-you-mean on a miss)."""
        return resolve(name, self.runtimes, "runtime", flag)
