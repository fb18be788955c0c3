"""CLI behaviour through typer's CliRunner: output, exit codes and exact error lines."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from planner.cli import app
from tests.conftest import MODELS

runner = CliRunner()
L8 = str(MODELS / "llama-3.1-8b")


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"COLUMNS": "120", "NO_COLOR": "1", **(env or {})})


def test_gpus_table():
    """`planner gpus` lists every GPU with its bandwidth."""
    result = run("gpus")
    assert result.exit_code == 0
    assert "h100-sxm" in result.stdout and "mi300x" in result.stdout and "3.35" in result.stdout


def test_gpus_json():
    """`planner gpus --format json` is a list of validated GPU objects."""
    data = json.loads(run("gpus", "--format", "json").stdout)
    assert {g["id"] for g in data} >= {"t4", "b200", "mi325x"}


def test_runtimes_table_and_json():
    """`planner runtimes` renders and its JSON names every runtime."""
    assert "trtllm" in run("runtimes").stdout
    assert {r["id"] for r in json.loads(run("runtimes", "-f", "json").stdout)} >= {"vllm", "sglang", "tgi"}


def test_memory_json_contract():
    """`planner memory --format json` carries the stable keys scripts rely on."""
    result = run("memory", L8, "--gpu", "h100", "--context", "8192", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    for key in ("params_total", "params_active", "kv_bytes_per_token", "weights_bytes_per_gpu", "fits",
                "kv_capacity_tokens", "max_concurrent_seqs"):
        assert key in data
    assert data["params_total"] == 8_030_261_248 and data["kv_bytes_per_token"] == 131072 and data["fits"]


def test_memory_table_does_not_fit_exits_1():
    """A deployment that does not fit says by how much and exits 1."""
    result = run("memory", str(MODELS / "llama-3.1-70b"), "--gpu", "h100", "--context", "8192")
    assert result.exit_code == 1
    assert "DOES NOT FIT" in result.stdout and "short by" in result.stdout


def test_memory_table_fits():
    """A fitting deployment shows the KV capacity."""
    result = run("memory", L8, "--gpu", "l40s", "--context", "4096")
    assert result.exit_code == 0
    assert "FITS" in result.stdout and "KV capacity" in result.stdout


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("--gpu", "h10"), "Error: --gpu: unknown gpu (got 'h10')"),
        (("--gpu", "h100", "--runtime", "vlm"), "Error: --runtime: unknown runtime (got 'vlm')"),
        (("--gpu", "h100", "--tp", "3"), "Error: tensor-parallel size 3 does not divide the 32 attention heads"),
        (("--gpu", "a100-80gb", "--quant", "fp8"),
         "Error: vLLM serves fp8 weights only on Ada, Hopper, Blackwell, CDNA3, CDNA4; "
         "NVIDIA A100-SXM4-80GB is Ampere"),
        (("--gpu", "h100", "--quant", "fp7"), "Error: --quant: unknown value for --quant (got 'fp7')"),
        (("--gpu", "mi300x", "--runtime", "trtllm"),
         "Error: TensorRT-LLM does not run on AMD Instinct MI300X 192GB (CDNA3); "
         "it supports Ampere, Ada, Hopper, Blackwell"),
        (("--gpu", "h100", "--context", "200000"),
         "Error: --context: max model length exceeds the model's context (got 200000)"),
    ],
)
def test_memory_errors(args, line):
    """Bad input: one exact error line, a hint, exit code 2, no traceback."""
    result = run("memory", L8, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[0] == line
    assert result.stderr.splitlines()[1].startswith("hint: ")
    assert "Traceback" not in result.output


def test_did_you_mean():
    """A near miss suggests the closest GPU id."""
    assert "did you mean 'h100-sxm'?" in run("memory", L8, "--gpu", "h10").stderr


@pytest.mark.parametrize(
    ("content", "suffix", "line"),
    [
        ("{not json", ".json", "malformed JSON at line 1, column 2"),
        ("[1, 2]", ".json", "a model config must be a JSON object"),
        ('{"model_type": "llama", "hidden_size": 64}', ".json", "config is missing the required field"),
        ('{"model_type": "llama", "hidden_size": -64, "num_hidden_layers": 2, "num_attention_heads": 2, '
         '"vocab_size": 10, "intermediate_size": 10, "max_position_embeddings": 10}', ".json",
         "`hidden_size` must be an integer >= 1 (got -64)"),
        ("model: [unclosed\n", ".yaml", "malformed YAML"),
        ("- just\n- a list\n", ".yaml", "model.yaml must be a mapping"),
        ("name: x\n", ".yaml", "give exactly one of `model`"),
    ],
)
def test_bad_model_files(tmp_path, content, suffix, line):
    """Malformed or nonsensical model files exit 2 with the problem named."""
    path = tmp_path / f"model{suffix}"
    path.write_text(content)
    result = run("memory", str(path), "--gpu", "h100")
    assert result.exit_code == 2
    assert line in result.stderr.splitlines()[0]


def test_missing_model_path():
    """A path that does not exist is a clear error."""
    result = run("memory", "nothing/here.json", "--gpu", "h100")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == "Error: nothing/here.json: file not found"


def test_debug_env_shows_traceback():
    """PLANNER_DEBUG=1 re-raises the planner error for a full traceback."""
    result = run("memory", L8, "--gpu", "h10", env={"PLANNER_DEBUG": "1"})
    assert result.exit_code != 0 and result.exception is not None


def test_hardware_db_override(tmp_path):
    """PLANNER_HARDWARE_DB replaces the shipped GPUs."""
    import shutil

    shutil.copy(MODELS.parent.parent / "hardware_db" / "l4.yaml", tmp_path / "l4.yaml")
    result = run("gpus", "--format", "json", env={"PLANNER_HARDWARE_DB": str(tmp_path)})
    assert [g["id"] for g in json.loads(result.stdout)] == ["l4"]


def test_bad_setting_in_the_environment_is_one_error_line():
    """PLANNER_CACHE=maybe names the variable and its value, exit 2, no traceback."""
    result = run("gpus", env={"PLANNER_CACHE": "maybe"})
    assert result.exit_code == 2 and result.stderr.startswith("Error: PLANNER_CACHE"), result.stderr
    assert "'maybe'" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("args", [("memory", L8, "--gpu", "h100", "--tp", "0"), ("memory", L8, "--bogus"),
                                  ("memory",), ("estimate", L8, "--gpu", "h100", "--isl", "x", "--osl", "1")])
def test_usage_errors_are_one_error_and_one_hint(args):
    """Click/typer usage errors print exactly one `Error:` line and one `hint:` line, exit 2, no usage block."""
    result = run(*args)
    lines = result.stderr.splitlines()
    assert result.exit_code == 2 and len(lines) == 2, result.stderr
    assert lines[0].startswith("Error: ") and lines[1].startswith("hint: ") and "Usage:" not in result.stderr


def test_unexpected_exception_exits_3_without_traceback(monkeypatch):
    """A bug exits 3 (never 1 or 2) with one `internal error` line; PLANNER_DEBUG=1 shows the traceback."""
    from planner.io.catalog import Catalog

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(Catalog, "load", broken)
    result = run("gpus")
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        "Error: internal error: RuntimeError: boom",
        "hint: this is a bug in planner, not in your input: rerun with PLANNER_DEBUG=1 for the traceback and "
        "report it"]
    debug = run("gpus", env={"PLANNER_DEBUG": "1"})
    assert debug.exit_code == 3 and "Traceback" in debug.stderr and "RuntimeError: boom" in debug.stderr
