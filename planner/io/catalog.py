"""The data the planner reads once per run: GPUs and runtime profiles, resolved by name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from planner.io.files import load_validated
from planner.io.loaders import load_gpus, load_runtimes, resolve
from planner.io.settings import Settings, data_paths
from planner.core.perf import Efficiency
from planner.specs.deployment import Deployment
from planner.specs.hardware import Gpu, Price, PricesFile
from planner.specs.calibration import CalibrationProfile
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

    def with_prices(self, path: Path) -> Catalog:
        """A catalog whose GPUs named in a prices file carry only that file's prices."""
        data = load_validated(PricesFile, path)
        replaced: dict[str, list[Price]] = {}
        for entry in data.prices:
            gpu = self.gpu(entry.gpu, f"{path}: gpu")
            replaced.setdefault(gpu.id, []).append(Price(**entry.model_dump(exclude={"gpu"})))
        gpus = {gid: g.model_copy(update={"prices": replaced[gid]}) if gid in replaced else g
                for gid, g in self.gpus.items()}
        return Catalog(gpus=gpus, runtimes=self.runtimes, calibration_dir=self.calibration_dir)

    def calibration_for(self, gpu_id: str) -> CalibrationProfile | None:
        """The newest calibration profile in `calibration_dir` measured on `gpu_id`, or None.

        Raises:
            DataError: A profile in the directory is malformed (the message names file and field).
        """
        from planner.calibrate.use import newest_matching, profiles_in

        return newest_matching(list(profiles_in(self.calibration_dir)), gpu_id)

    def efficiency_for(self, dep: Deployment) -> Efficiency | None:
        """Measured efficiencies for `dep` from a calibration profile of its GPU, or None (runtime defaults)."""
        profile = self.calibration_for(dep.gpu.id)
        if profile is None:
            return None
        from planner.calibrate.use import efficiency_from_profile

        return efficiency_from_profile(dep, profile)

    def runtime(self, name: str, flag: str = "--runtime") -> Runtime:
        """Resolve a runtime by id or alias (did-you-mean on a miss)."""
        return resolve(name, self.runtimes, "runtime", flag)
