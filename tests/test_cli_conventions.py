"""CLI habits: --version, -h, --quiet / --verbose, progress on stderr only on a terminal, shell completion."""

from __future__ import annotations

import os
import pty
import re
import select
import shlex
import subprocess
import sys

from typer.testing import CliRunner

from planner.cli import app
from tests.conftest import ROOT

runner = CliRunner()
SMALL = ROOT / "tests" / "data" / "plan" / "model.yaml"
ENV = {"COLUMNS": "140", "NO_COLOR": "1"}


def run(*args: str):
    return runner.invoke(app, list(args), env=ENV)


def subprocess_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1", **extra}


def test_version_is_the_package_version():
    """`planner --version` (and -V) prints `planner X.Y.Z`, the version pyproject.toml declares, and exits 0."""
    match = re.search(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), flags=re.MULTILINE)
    assert match is not None
    declared = match.group(1)
    for flag in ("--version", "-V"):
        result = run(flag)
        assert result.exit_code == 0 and result.stdout == f"planner {declared}\n"


def test_dash_h_is_help_everywhere():
    """-h prints the same help as --help, for the app and for a command."""
    for args in ([], ["recommend"], ["export"]):
        short, long = run(*args, "-h"), run(*args, "--help")
        assert short.exit_code == long.exit_code == 0
        assert short.stdout == long.stdout and "Usage: planner" in short.stdout


def test_no_progress_when_stderr_is_not_a_terminal():
    """Under a pipe (CliRunner), recommend writes nothing to stderr: no spinner, no step lines."""
    result = run("recommend", str(SMALL), "--format", "json")
    assert result.exit_code == 0 and result.stderr == ""


def test_verbose_prints_each_step_with_its_time():
    """--verbose (on the command or before it) prints one `planner: STEP: N.N s` line per step on stderr, and
    stdout is the same JSON as without it."""
    plain = run("recommend", str(SMALL), "--format", "json")
    for args in (("recommend", str(SMALL), "--format", "json", "--verbose"),
                 ("--verbose", "recommend", str(SMALL), "--format", "json")):
        result = run(*args)
        assert result.exit_code == 0 and result.stdout == plain.stdout
        steps = result.stderr.splitlines()
        assert [s.split(":")[1].strip().split(" (")[0] for s in steps] == ["reading the model and the traffic",
                                                                           "searching 2 GPUs x 2 runtimes"]
        assert all(s.startswith("planner: ") and s.endswith(" s") for s in steps)
    assert run("--quiet", "recommend", str(SMALL), "-f", "json", "--verbose").stderr == ""  # --quiet wins


def test_quiet_silences_warnings_not_errors(tmp_path):
    """--quiet drops export's warning (a GH200 plan exported to TGI: no arm64 TGI image) from stderr, keeps the
    output; errors still print with --quiet."""
    plan = tmp_path / "plan.json"
    assert run("recommend", str(SMALL), "--gpus", "gh200", "--runtimes", "vllm", "-o", str(plan)).exit_code == 0
    loud = run("export", str(plan), "--to", "tgi")
    assert loud.stderr.startswith("warning: Text Generation Inference (TGI) 3.3.5 publishes no arm64 image")
    for args in (("export", str(plan), "--to", "tgi", "--quiet"), ("--quiet", "export", str(plan), "--to", "tgi")):
        quiet = run(*args)
        assert quiet.exit_code == 0 and quiet.stderr == "" and quiet.stdout == loud.stdout
    refused = run("--quiet", "export", str(tmp_path / "missing.json"), "--to", "tgi")
    assert refused.exit_code == 2 and refused.stderr.startswith("Error: ")


def test_progress_is_drawn_on_a_terminal():
    """With stderr on a pseudo-terminal, recommend draws its steps there while stdout (a pipe) gets only the
    report; --quiet draws nothing."""
    for quiet, want in ((False, True), (True, False)):
        master, slave = pty.openpty()
        cmd = [sys.executable, "-m", "planner", "recommend", str(SMALL), "-f", "json", *(["--quiet"] if quiet else [])]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=slave, env=subprocess_env(TERM="xterm"),
                                cwd=ROOT)
        os.close(slave)
        drawn = b""
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            drawn += chunk
        out, _ = proc.communicate(timeout=120)
        os.close(master)
        assert proc.returncode == 0 and out.startswith(b"{")
        assert (b"searching 2 GPUs x 2 runtimes" in drawn) is want, drawn[-300:]


def test_shell_completion():
    """--show-completion prints a bash completion script for `planner`, and the completion protocol offers the
    commands and the export targets."""
    # As a user runs it: from bash, whose process the option detects (typer asks shellingham, which walks the
    # process ancestry; under pytest-xdist or CliRunner there may be no shell above the test, and it fails).
    # (Through a pipe, so bash forks rather than exec-ing python in its own place.)
    shown = subprocess.run(["bash", "-c", f"set -o pipefail; {shlex.quote(sys.executable)} -m planner --show-completion | cat"],
                           env=subprocess_env(), capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert shown.returncode == 0 and "complete -o default -F _planner_completion planner" in shown.stdout

    def complete(words: str, cword: int) -> list[str]:
        env = subprocess_env(COMP_WORDS=words, COMP_CWORD=str(cword), _PLANNER_COMPLETE="complete_bash")
        done = subprocess.run([sys.executable, "-m", "planner"], env=env, capture_output=True, text=True,
                              timeout=60, cwd=ROOT)
        return done.stdout.split()

    assert complete("planner rec", 1) == ["recommend"]
    assert complete("planner export plan.json --to ", 4) == ["vllm", "sglang", "trtllm", "tgi", "k8s", "kserve"]


def test_console_script_runs_without_the_cyclic_collector(monkeypatch):
    """`planner` (and `python -m planner`) run the command line with the garbage collector off; importing the
    package as a library leaves it as it was."""
    import gc

    import planner._console
    import planner.cli

    seen: list[bool] = []
    monkeypatch.setattr(planner.cli, "main", lambda: seen.append(gc.isenabled()))
    try:
        planner._console.main()
    finally:
        gc.enable()
    assert seen == [False]
    code = "import gc, planner, planner.cli, planner.plan; print(gc.isenabled())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=subprocess_env(), check=True)
    assert out.stdout.strip() == "True"


def test_long_commands_turn_the_collector_back_on(tmp_path):
    """`sweep` and `calibrate` may run for minutes and plan many times: they turn the collector back on."""
    import gc

    for args in (["sweep", str(tmp_path / "missing.yaml")], ["calibrate", "--model", "x.json"]):
        gc.disable()
        try:
            result = run(*args)
            assert result.exit_code == 2, result.output
            assert gc.isenabled()
        finally:
            gc.enable()


def test_the_console_script_builds_only_the_command_it_runs(monkeypatch):
    from planner.cli import for_args

    one = for_args(["recommend", "model.yaml"])
    assert [c.callback.__name__ for c in one.registered_commands] == ["recommend"]
    assert len(app.registered_commands) > 10  # the shared app is untouched
    for args in ([], ["--help"], ["--verbose", "recommend"], ["recommnd"], ["schema-x"]):
        assert for_args(args) is app
    assert [c.callback.__name__ for c in for_args(["estimate"]).registered_commands] == ["estimate_cmd"]
    for command in ("recommend", "estimate", "gpus", "sweep"):
        full = runner.invoke(app, [command, "--help"])
        alone = runner.invoke(for_args([command]), [command, "--help"])
        assert full.exit_code == alone.exit_code == 0
        assert alone.output == full.output
    bad = [runner.invoke(a, ["recommend", "--rps", "x", "m.yaml"]) for a in (app, for_args(["recommend"]))]
    assert bad[0].exit_code == bad[1].exit_code == 2 and bad[0].output == bad[1].output
    monkeypatch.setenv("_PLANNER_COMPLETE", "bash_complete")
    assert for_args(["recommend"]) is app
