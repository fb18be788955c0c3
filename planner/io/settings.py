"""Process settings (data directories, debug), read from `PLANNER_*` environment variables."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where the planner finds its data and how it reports; flags override these."""

    model_config = SettingsConfigDict(env_prefix="PLANNER_", use_attribute_docstrings=True, frozen=True)

    hardware_db: Path | None = None
    """Directory of GPU YAML files replacing the shipped hardware_db/ (`PLANNER_HARDWARE_DB`)."""
    runtime_profiles: Path | None = None
    """Directory of runtime YAML files replacing the shipped runtime_profiles/ (`PLANNER_RUNTIME_PROFILES`)."""
    calibration_dir: Path | None = None
    """Directory of calibration profiles replacing the shipped calibration/ (`PLANNER_CALIBRATION_DIR`)."""
    debug: bool = Field(default=False)
    """Show full tracebacks for every error (`PLANNER_DEBUG=1`)."""
    cache_dir: Path | None = None
    """Where token counts of samples are cached (`PLANNER_CACHE_DIR`; default $XDG_CACHE_HOME/planner or
    ~/.cache/planner)."""
    cache: bool = True
    """Cache token counts of samples between runs (`PLANNER_CACHE=0` turns it off)."""


_DATA_DIRS = ("hardware_db", "runtime_profiles", "calibration")


def cache_dir(settings: Settings | None = None) -> Path | None:
    """The cache directory, or None when caching is off."""
    settings = settings or Settings()
    if not settings.cache:
        return None
    if settings.cache_dir is not None:
        return settings.cache_dir
    import os

    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "planner"


def data_paths(settings: Settings | None = None) -> dict[str, Path]:
    """Locate hardware_db/, runtime_profiles/ and calibration/.

    Installed wheels carry them in `planner/_data/` (hatch force-include); a source checkout
    uses the top-level directories beside the package. Settings override either. Never the cwd.
    """
    settings = settings or Settings()
    packaged = Path(str(resources.files("planner"))) / "_data"
    base = packaged if packaged.is_dir() else Path(__file__).resolve().parents[2]
    paths = {name: base / name for name in _DATA_DIRS}
    overrides = {"hardware_db": settings.hardware_db, "runtime_profiles": settings.runtime_profiles,
                 "calibration": settings.calibration_dir}
    for name, override in overrides.items():
        if override is not None:
            paths[name] = override
    return paths
