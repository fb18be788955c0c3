"""The wheel carries the data directories, and a non-editable install finds them from any directory."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
                   check=True, capture_output=True)
    (path,) = out.glob("planner-*.whl")
    return path


def test_wheel_contains_data(wheel):
    """hardware_db, runtime_profiles and calibration ship under planner/_data, plus py.typed."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for directory in ("hardware_db", "runtime_profiles"):
        shipped = {p.name for p in (ROOT / directory).glob("*.yaml")}
        packed = {Path(n).name for n in names if n.startswith(f"planner/_data/{directory}/")}
        assert shipped <= packed
    assert any(n.startswith("planner/_data/calibration/") for n in names)
    assert "planner/py.typed" in names
    assert not any(n.startswith(("tests/", "examples/")) for n in names)


def test_installed_wheel_finds_data_from_any_directory(wheel, tmp_path):
    """A non-editable install of the wheel runs `planner gpus` from an unrelated directory, data from _data/."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-m", "planner", "gpus", "--format", "json"], cwd=elsewhere,
                            capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    assert "h100-sxm" in result.stdout
    located = subprocess.run([sys.executable, "-c", "import planner.io.settings as s; print(s.__file__); "
                              "print(s.data_paths()['hardware_db'])"], cwd=elsewhere, capture_output=True, text=True,
                             env=env)
    module_file, data_dir = located.stdout.split()
    assert module_file.startswith(str(target)) and data_dir.startswith(str(target)) and "_data" in data_dir
