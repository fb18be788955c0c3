"""`planner calibrate` and `python -m planner.calibrate`: messages, the torch-only entry point, a real CPU run."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from planner.calibrate import __main__ as entry
from planner.calibrate.verify import VerifyResult
from planner.cli import app
from planner.render import calibration as _render
from planner.specs.calibration import CalibrationProfile
from tests.conftest import ROOT
from tests.test_calibrate_fit import synthetic_profile

runner = CliRunner()
NO_TORCH = 'Error: planner calibrate needs PyTorch\nhint: pip install "planner[calibrate]" (or install torch for your CUDA version)'
BLOCKED = ("pydantic", "pydantic_core", "pydantic_settings", "typer", "rich", "yaml", "numpy", "click")


def run(*args: str):
    return runner.invoke(app, ["calibrate", *args], env={"COLUMNS": "120", "NO_COLOR": "1"})


@pytest.mark.unit
def test_missing_torch_is_one_line_with_the_install_command(monkeypatch):
    """Without torch, `planner calibrate` prints one error line and a hint naming the extra, and exits 2."""
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    result = run("--device", "cpu", "--quick")
    assert result.exit_code == 2
    assert result.stderr == NO_TORCH + "\n"


@pytest.mark.unit
def test_module_entry_point_missing_torch(monkeypatch, capsys):
    """`python -m planner.calibrate` without torch prints the same lines and returns 2."""
    monkeypatch.setitem(sys.modules, "torch", None)
    assert entry.main(["--device", "cpu"]) == 2
    assert capsys.readouterr().err == NO_TORCH + "\n"


@pytest.mark.unit
@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--model", "x.json"), "Error: --verify: --model, --calibration and --measured go with --verify"),
        (("--verify", "--measured", "m.json"),
         "Error: --measured: --measured needs the profile the points were measured with"),
        (("--verify", "--calibration", "nope.json", "--measured", "m.json"), "Error: nope.json: file not found"),
    ],
)
def test_usage_errors(args, line):
    """Flag combinations that cannot work are one-line errors with exit code 2."""
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == line


@pytest.mark.unit
def test_profile_table_renders():
    """The profile view shows the GEMM curve, bandwidths and overheads at a fixed width."""
    console = Console(width=120, record=True, color_system=None)
    console.print(_render.profile_view(CalibrationProfile.model_validate(synthetic_profile())))
    text = console.export_text()
    for fragment in ("GEMM efficiency", "bf16 (bfloat16)", "weight streaming", "KV read", "eager overhead",
                     "eager MoE experts", "hardware_db/h100-sxm.yaml"):
        assert fragment in text


_BLOCKER = textwrap.dedent("""
    import importlib.abc, runpy, sys
    BLOCKED = set({blocked!r})
    class Hide(importlib.abc.MetaPathFinder):
        # Wrap every finder so the blocked packages look uninstalled (find_spec -> None everywhere).
        def __init__(self, inner):
            self.inner = inner
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                sys.stderr.write("BLOCKED " + name + "\\n")
                return None
            find = getattr(self.inner, "find_spec", None)
            return find(name, path, target) if find else None
        def invalidate_caches(self):
            getattr(self.inner, "invalidate_caches", lambda: None)()
    sys.meta_path[:] = [Hide(f) for f in sys.meta_path]
    sys.argv = ["planner.calibrate", *sys.argv[1:]]
    runpy.run_module("planner.calibrate", run_name="__main__", alter_sys=True)
""")


@pytest.mark.slow
def test_torch_only_entry_point(tmp_path):
    """`python -m planner.calibrate --device cpu --quick --verify` runs with pydantic/typer/rich/yaml/numpy
    uninstalled, and the full planner then predicts the points it measured (the GPU-host workflow)."""
    pytest.importorskip("torch")
    out = tmp_path / "cpu.json"
    proc = subprocess.run(
        [sys.executable, "-c", _BLOCKER.format(blocked=BLOCKED), "--device", "cpu", "--quick", "--threads", "1",
         "--verify", "-o", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=1200, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    last_step = max(i for i, line in enumerate(lines) if line.startswith("["))
    early = {line.split()[1].split(".")[0] for line in lines[:last_step] if line.startswith("BLOCKED ")}
    assert early <= {"numpy"}  # torch probes numpy itself; the planner only tries the rest for predictions
    assert "predictions need the full planner" in proc.stderr
    profile = CalibrationProfile.model_validate_json(out.read_text())
    assert profile.device.kind == "cpu" and profile.quick and profile.device.threads == 1
    measured = tmp_path / "measured.json"
    measured.write_text(proc.stdout)
    result = run("--verify", "--calibration", str(out), "--measured", str(measured), "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["points"]) == 14


@pytest.mark.unit
def test_torch_only_summary_lines(capsys):
    """Without rich, the module entry point prints a plain summary of the fitted profile."""
    entry.sys.stdout.write(entry._summary(synthetic_profile()))
    text = capsys.readouterr().out
    assert "device: NVIDIA H100 80GB HBM3 -> h100-sxm" in text and "GEMM bf16 (bfloat16)" in text
    assert "eager layer" in text


@pytest.mark.slow
def test_cpu_quick_calibrate_and_verify(tmp_path):
    """A real CPU `--quick` calibration plus `--verify` predicts the measured steps within 25% (median).

    One thread, so that an OpenMP barrier never waits on a core another process holds: on a
    shared CI machine that makes timings erratic. `--measured` then re-predicts the same points.
    """
    pytest.importorskip("torch")
    profile_path = tmp_path / "cpu.json"
    result = run("--device", "cpu", "--quick", "--verify", "--threads", "1", "--format", "json",
                 "-o", str(profile_path))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    verified = VerifyResult.model_validate(data)
    assert {p.model for p in verified.points} == {"llama-small", "mixtral-small"}
    assert {p.phase for p in verified.points} == {"prefill", "decode"}
    assert all("abs_pct_error" in p for p in data["points"])
    assert verified.gpu_id == "cpu" and verified.runtime == "transformers" and verified.dtype == "bf16"
    assert verified.efficiency_source.startswith("calibration cpu ")
    assert verified.median_abs_pct_error <= 25, data
    profile = CalibrationProfile.model_validate_json(profile_path.read_text())
    assert set(profile.fitted.gemm) == {"bf16", "fp32"} and profile.fitted.moe_factor is not None

    bundle = {"models": {}, "measured": [
        {k: p[k] for k in ("model", "phase", "batch", "tokens", "measured_s")} | {"dtype": "bf16"}
        for p in data["points"]]}
    from planner.calibrate._decode_bench import CPU_MODELS

    bundle["models"] = CPU_MODELS
    measured = tmp_path / "measured.json"
    measured.write_text(json.dumps(bundle))
    again = run("--verify", "--calibration", str(profile_path), "--measured", str(measured), "--format", "json")
    assert again.exit_code == 0, again.output
    # the JSON carries times to 6 significant digits, so the re-prediction agrees to about 1e-5
    assert json.loads(again.stdout)["median_abs_pct_error"] == pytest.approx(verified.median_abs_pct_error, rel=1e-3)
    table = run("--verify", "--calibration", str(profile_path), "--measured", str(measured))
    assert "median absolute error" in table.stdout and "llama-small" in table.stdout


@pytest.mark.unit
def test_importing_calibrate_is_cheap():
    """`import planner.calibrate` (and its fitting and hardware_db reader) loads neither torch nor pydantic."""
    code = ("import sys, planner.calibrate, planner.calibrate.fit, planner.calibrate._hwdb; "
            "print(' '.join(sorted(sys.modules)))")
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                cwd=ROOT).stdout.split())
    assert not loaded & {"torch", "pydantic", "yaml", "typer", "rich", "numpy"}


def test_calibrate_paths_are_data_only():
    """calibration/ holds only profiles, the error bands, its README and tables/ of JSON tables plus their NOTICE
    (copied into the wheel verbatim)."""
    names = {p.name for p in (ROOT / "calibration").iterdir()}
    assert all(name in ("README.md", "uncertainty.yaml", "tables") or name.endswith(".json") for name in names), names
    tables = ROOT / "calibration" / "tables"
    if tables.is_dir():
        stray = [p for p in tables.rglob("*") if p.is_file() and p.name != "NOTICE"
                 and not (p.suffix == ".json" and p.parent.parent == tables)]
        assert not stray, stray
    assert Path(ROOT / "calibration" / "README.md").is_file()
