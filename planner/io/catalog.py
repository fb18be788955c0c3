"""The data the planner reads once per run: GPUs and runtime profiles, resolved by name."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from planner.core.efficiency import efficiency_for
from planner.errors import DataError
from planner.io.calibration import newest_profiles
from planner.io.files import load_validated
from planner.io.loaders import load_gpus, load_runtimes, resolve
from planner.io.optables import load_tables
from planner.io.settings import Settings, data_paths
from planner.specs.calibration import CalibrationProfile
from planner.specs.deployment import Deployment
from planner.specs.efficiency import Efficiency
from planner.specs.hardware import Gpu, Price, PricesFile
from planner.specs.model import ModelSpec
from planner.specs.runtime import Runtime
from planner.specs.uncertainty import UncertaintyTable
from planner.specs.workload import Constraints


@dataclass(frozen=True)
class Catalog:
    """GPUs and runtimes keyed by id, and the newest calibration profile per GPU id (read once)."""

    gpus: dict[str, Gpu]
    runtimes: dict[str, Runtime]
    calibrations: dict[str, CalibrationProfile]
    """Newest calibration profile per GPU id in the calibration directory."""
    uncertainty: UncertaintyTable | None = None
    """Error bands of the predictions (calibration/uncertainty.yaml), when present."""

    tables_dir: Path | None = None
    """Where the measured operator tables live (calibration/tables/), while they are not read yet."""

    @classmethod
    def load(cls, settings: Settings | None = None, *, tables: bool = True) -> Catalog:
        """Load the shipped data, or the directories the settings point at.

        Args:
            settings: Data directories (default: the `PLANNER_*` environment, else the shipped data).
            tables: Read the measured operator tables now; with False they are read by `with_tables(model)` once the
                model is known (a dense model on profiles that use only the MoE tables never needs them).

        Raises:
            DataError: A data file (GPU, runtime or calibration profile) is malformed; the message names it.
        """
        paths = data_paths(settings)
        if paths["calibration"].exists() and not paths["calibration"].is_dir():
            # a file (a profile given where its directory belongs) silently dropped every profile; a missing
            # directory stays "no profiles", as documented and tested
            raise DataError("calibration path is not a directory", where=str(paths["calibration"]),
                            hint="set PLANNER_CALIBRATION_DIR to the directory of profiles (a profile file goes to "
                                 "--calibration), or unset it")
        bands = paths["calibration"] / "uncertainty.yaml"
        catalog = cls(gpus=load_gpus(paths["hardware_db"]), runtimes=load_runtimes(paths["runtime_profiles"]),
                      calibrations=newest_profiles(paths["calibration"]),
                      uncertainty=load_validated(UncertaintyTable, bands, DataError)
                      if bands.exists() or bands.is_symlink() else None,  # a directory there is an error
                      tables_dir=paths["calibration"] / "tables")
        return catalog.with_tables() if tables else catalog

    def with_tables(self, model: ModelSpec | None = None) -> Catalog:
        """The catalog with the measured operator tables on its GPUs, read (~10 MB, ~0.15 s) only when a runtime
        profile turns them on: `use_op_tables` for any model, `use_moe_tables` for MoE models (every model when
        `model` is None). Tables already read are kept.

        Raises:
            DataError: A table file is malformed, or sits in another GPU's folder.
        """
        if self.tables_dir is None:
            return self
        moe = model is None or model.is_moe
        wanted = any(r.perf.use_op_tables or (moe and r.perf.use_moe_tables)
                     or any(o.use_op_tables or (moe and o.use_moe_tables) for o in r.perf_overrides.values())
                     for r in self.runtimes.values())
        if not wanted:
            return self
        tables = load_tables(self.tables_dir)
        gpus = {gid: g.with_op_tables(tables[gid]) if gid in tables else g for gid, g in self.gpus.items()}
        return replace(self, gpus=gpus, tables_dir=None)

    def gpu(self, name: str, flag: str = "--gpu") -> Gpu:
        """Resolve a GPU by id or alias (did-you-mean on a miss)."""
        return resolve(name, self.gpus, "gpu", flag)

    def runtime(self, name: str, flag: str = "--runtime") -> Runtime:
        """Resolve a runtime by id or alias (did-you-mean on a miss)."""
        return resolve(name, self.runtimes, "runtime", flag)

    def with_prices(self, path: Path) -> Catalog:
        """A catalog whose GPUs named in a prices file carry only that file's prices."""
        data = load_validated(PricesFile, path)
        replaced: dict[str, list[Price]] = {}
        for entry in data.prices:
            gpu = self.gpu(entry.gpu, f"{path}: gpu")
            replaced.setdefault(gpu.id, []).append(Price(**entry.model_dump(exclude={"gpu"})))
        gpus = {gid: g.model_copy(update={"prices": replaced[gid]}) if gid in replaced else g
                for gid, g in self.gpus.items()}
        return replace(self, gpus=gpus)

    def select(self, constraints: Constraints) -> tuple[list[Gpu], list[Runtime]]:
        """The GPUs and runtimes a search considers: those the constraints name, else every data-centre GPU (see
        `unsearched`) and every runtime."""
        # Resolved by name (a tampered baseline's constraints name GPUs this catalog may not hold).
        gpus = ([self.gpu(g, "constraints.gpus") for g in constraints.gpus] if constraints.gpus
                else [g for g in self.gpus.values() if g.segment == "datacenter"])
        runtimes = ([self.runtime(r, "constraints.runtimes") for r in constraints.runtimes] if constraints.runtimes
                    else list(self.runtimes.values()))
        return gpus, runtimes

    def unsearched(self, constraints: Constraints) -> str | None:
        """The assumption to report when the default search leaves consumer GPUs out (None when `--gpus` is given
        or there are none)."""
        if constraints.gpus:
            return None
        skipped = [g.id for g in self.gpus.values() if g.segment != "datacenter"]
        if not skipped:
            return None
        return (f"consumer GPUs not searched: {', '.join(skipped)} (GeForce: not licensed for data-centre use; "
                "name them with --gpus to include them)")

    def calibration_for(self, gpu_id: str) -> CalibrationProfile | None:
        """The newest calibration profile measured on `gpu_id`, or None."""
        return self.calibrations.get(gpu_id)

    def efficiency_for(self, dep: Deployment) -> Efficiency:
        """The efficiencies `dep`'s performance model uses: its GPU's calibration, else the runtime defaults."""
        return efficiency_for(dep, self.calibration_for(dep.gpu.id))
