"""Process settings (data directories, the token-count cache), read from `PLANNER_*` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from planner.errors import SpecError

ENV_PREFIX = "PLANNER_"


class Settings(BaseModel):
    """Where the planner finds its data and how it caches; flags override these. `Settings.from_env()` reads them
    from `PLANNER_*` environment variables (a plain model: pydantic-settings cost 0.1 s of every start-up)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hardware_db: Path | None = None
    """Directory of GPU YAML files replacing the shipped hardware_db/ (`PLANNER_HARDWARE_DB`)."""
    runtime_profiles: Path | None = None
    """Directory of runtime YAML files replacing the shipped runtime_profiles/ (`PLANNER_RUNTIME_PROFILES`)."""
    calibration_dir: Path | None = None
    """Directory of calibration profiles replacing the shipped calibration/ (`PLANNER_CALIBRATION_DIR`)."""
    cache_dir: Path | None = None
    """Where token counts of samples are cached (`PLANNER_CACHE_DIR`; default $XDG_CACHE_HOME/planner or
    ~/.cache/planner)."""
    cache: bool = True
    """Cache token counts of samples between runs (`PLANNER_CACHE=0` turns it off)."""
    jobs: int | None = Field(default=None, ge=1, le=1024)
    """Worker processes a search may use (`PLANNER_JOBS`; default: the usable CPU cores; 1: none, all in this
    process). Reports are the same whatever the number."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the `PLANNER_*` variables of `environ` (default: this process's) give; empty values are
        unset.

        Raises:
            SpecError: A variable's value is not valid for its setting (e.g. `PLANNER_CACHE=maybe`).
        """
        env = os.environ if environ is None else environ
        values = {name: env[ENV_PREFIX + name.upper()] for name in cls.model_fields
                  if env.get(ENV_PREFIX + name.upper())}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            err = exc.errors()[0]
            name = ENV_PREFIX + str(err["loc"][0]).upper()
            raise SpecError(f"not a valid value: {err['msg']}", where=name, value=values.get(str(err["loc"][0])),
                            hint=f"unset {name} or give {_HINTS.get(name, 'a directory')}") \
                from None


_HINTS = {ENV_PREFIX + "CACHE": "0 or 1", ENV_PREFIX + "JOBS": "a whole number of worker processes, 1 to 1024"}
"""What a valid value looks like, for the settings that are not directories."""

_DATA_DIRS = ("hardware_db", "runtime_profiles", "calibration")


def cache_dir(settings: Settings | None = None) -> Path | None:
    """The cache directory, or None when caching is off."""
    settings = settings or Settings.from_env()
    if not settings.cache:
        return None
    if settings.cache_dir is not None:
        return settings.cache_dir
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "planner"


def data_paths(settings: Settings | None = None) -> dict[str, Path]:
    """Locate hardware_db/, runtime_profiles/ and calibration/.

    Installed wheels carry them in `planner/_data/` (hatch force-include); a source checkout
    uses the top-level directories beside the package. Settings override either. Never the cwd.
    """
    settings = settings or Settings.from_env()
    packaged = Path(str(resources.files("planner"))) / "_data"
    base = packaged if packaged.is_dir() else Path(__file__).resolve().parents[2]
    paths = {name: base / name for name in _DATA_DIRS}
    overrides = {"hardware_db": settings.hardware_db, "runtime_profiles": settings.runtime_profiles,
                 "calibration": settings.calibration_dir}
    for name, override in overrides.items():
        if override is not None:
            paths[name] = override
    return paths
