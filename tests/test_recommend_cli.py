"""`planner recommend` end to end: output formats, files, exit codes and the golden report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.specs.report import SCHEMA_VERSION
from tests.conftest import MODELS, ROOT

runner = CliRunner()
PLAN = ROOT / "tests" / "data" / "plan" / "model.yaml"
GOLDEN = ROOT / "tests" / "golden" / "recommend_llama8b.json"
L8 = str(MODELS / "llama-3.1-8b")


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "140", "NO_COLOR": "1"})


PRICES = ROOT / "tests" / "data" / "plan" / "prices.yaml"
UNSTABLE_KEYS = {"runtime_version", "image", "efficiency_source", "as_of"}
"""Keys left out of the golden payload: versions, image tags and dates change with data updates, not the model."""


def _stable(value):
    """The report without versions, image tags and dates (prices are pinned by a fixture file)."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in UNSTABLE_KEYS}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    if isinstance(value, str):
        return " ".join(word for word in value.split() if not word.startswith(("vllm/", "lmsysorg/", "nvcr.io/")))
    return value


def test_golden_report(request, monkeypatch):
    """The JSON report of a fixed plan at fixture prices matches tests/golden, versions and dates left out
    (rewrite with --update-golden and review the diff). Paths are given relative to the checkout, as a
    user in it would type them, so the report's SLO origins do not depend on where the checkout lies."""
    monkeypatch.chdir(ROOT)
    result = run("recommend", str(PLAN.relative_to(ROOT)), "--prices", str(PRICES.relative_to(ROOT)),
                 "--format", "json")
    assert result.exit_code == 0, result.output
    got = _stable(json.loads(result.stdout))
    if request.config.getoption("--update-golden"):
        GOLDEN.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    assert got == json.loads(GOLDEN.read_text())


def test_json_is_byte_identical_across_runs():
    """Same inputs and seed give byte-identical JSON."""
    assert run("recommend", str(PLAN), "-f", "json").stdout == run("recommend", str(PLAN), "-f", "json").stdout


def test_report_contract_keys():
    """The JSON carries schema_version, recommendation, alternatives and rejected with unit-suffixed keys."""
    data = json.loads(run("recommend", str(PLAN), "-f", "json").stdout)
    assert data["schema_version"] == SCHEMA_VERSION
    rec = data["recommendation"]
    for key in ("replicas", "ttft_p95_s", "tpot_p99_s", "e2e_p99_s", "cost_usd_per_hour", "cost_usd_per_month",
                "cost_usd_per_1m_output_tokens", "cost_usd_per_request", "utilization", "launch", "memory"):
        assert key in rec
    assert isinstance(data["alternatives"], list) and isinstance(data["rejected"], list)


def test_flags_override_model_yaml():
    """--rps on the command line wins over workload.rps in model.yaml."""
    data = json.loads(run("recommend", str(PLAN), "--rps", "1", "-f", "json").stdout)
    assert data["workload"]["rps"] == 1


def test_output_file_written_atomically(tmp_path):
    """-o writes the JSON report (Markdown for .md) and leaves no temp files."""
    out = tmp_path / "plan.json"
    assert run("recommend", str(PLAN), "-o", str(out)).exit_code == 0
    assert json.loads(out.read_text())["schema_version"] == SCHEMA_VERSION
    md = tmp_path / "plan.md"
    assert run("recommend", str(PLAN), "-o", str(md)).exit_code == 0
    assert md.read_text().startswith("## planner: golden-llama-8b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json", "plan.md"]


def test_terminal_and_markdown_views():
    """The terminal view leads with the recommendation; Markdown renders tables and the launch command."""
    table = run("recommend", str(PLAN)).stdout
    assert table.splitlines()[1].startswith("RECOMMENDED")
    md = run("recommend", str(PLAN), "--format", "markdown").stdout
    assert "| latency | p50 | p95 | p99 |" in md and "```bash" in md


def test_config_folder_without_sample():
    """A config folder with explicit lengths and a bare SLO works, and the interpretation is reported."""
    result = run("recommend", L8, "--rps", "2", "--isl", "512", "--osl", "128", "--slo", "p95=500ms",
                 "--gpus", "l40s", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert any("read as TTFT p95" in a for a in data["assumptions"])


def test_config_json_path():
    """A config.json path works as the model argument."""
    result = run("recommend", str(MODELS / "llama-3.1-8b" / "config.json"), "--rps", "1", "--isl", "256",
                 "--osl", "64", "--gpus", "l4", "--runtimes", "vllm")
    assert result.exit_code == 0, result.output


def test_infeasible_exits_1():
    """An impossible SLO prints suggestions and exits 1."""
    result = run("recommend", str(PLAN), "--slo", "ttft_p95=1ms")
    assert result.exit_code == 1
    assert "NO DEPLOYMENT MEETS THE SLO" in result.stdout and "suggestion:" in result.stdout


@pytest.mark.parametrize(("args", "line"), [
    (("--rps", "0"), "Invalid value for '--rps'"),
    (("--slo", "ttft_p95=fast"), "Error: --slo ttft_p95: not a duration (got 'fast')"),
    (("--slo", "latency=3s"), "Error: --slo: unknown SLO key (got 'latency')"),
    (("--gpus", "h1000"), "Error: --gpus: unknown gpu (got 'h1000')"),
    (("--runtimes", "vllm,tensorrt"), "Error: --runtimes: unknown runtime (got 'tensorrt')"),
    (("--quant", "fp7"), "Error: --quant: unknown value for --quant (got 'fp7')"),
    (("--isl", "abc"), "Error: --isl: not a token length (got 'abc')"),
    (("--sample", "prompts.jsonl"), "Error: --sample: a prompt sample needs a tokenizer (got 'prompts.jsonl')"),
    (("--price-kind", "cheap"), "Error: --price-kind: unknown price kind (got 'cheap')"),
])
def test_bad_inputs(args, line):
    """Each bad input exits 2 with one clear line and no traceback."""
    result = run("recommend", L8 + "/config.json", "--rps", "1", *args) if "--isl" in args or "--sample" in args else \
        run("recommend", str(PLAN), *args)
    assert result.exit_code == 2, result.output
    assert line in result.output
    assert "Traceback" not in result.output


def test_missing_rps():
    """A bare config needs --rps."""
    result = run("recommend", L8)
    assert result.exit_code == 2 and "no request rate given" in result.stderr


@pytest.mark.parametrize("model_arg", [L8, L8 + "/config.json", str(PLAN)])
def test_issue_command_on_every_model_form(model_arg):
    """`planner recommend MODEL --slo p95=80ms --rps 20` works on a folder, a config.json and a model.yaml."""
    result = run("recommend", model_arg, "--slo", "p95=80ms", "--rps", "20", "--gpus", "h100,l40s", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["recommendation"]["ttft_p95_s"] <= 0.08


def test_model_yaml_with_prompt_sample():
    """The shipped chat example (Llama-3.1-8B, real Llama 3 tokenizer, prompt sample) plans at 20 RPS."""
    pytest.importorskip("llama_models")
    result = run("recommend", str(ROOT / "examples" / "chat-llama-3.1-8b" / "model.yaml"), "--slo", "p95=80ms",
                 "--rps", "20", "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["workload"]["input_tokens"]["description"].startswith("sample of 420")
    assert any("tokenized with pkg:llama_models/llama3/tokenizer.model" in a for a in data["assumptions"])


def test_default_lengths_are_stated():
    """Without a sample or --isl/--osl, chat-like lengths are assumed and the report says so."""
    data = json.loads(run("recommend", L8, "--rps", "2", "--gpus", "l40s", "-f", "json").stdout)
    assert any("assumed chat-like prompts" in a for a in data["assumptions"])
    assert data["workload"]["input_tokens"]["mean_tokens"] == 512


def test_prices_override(tmp_path):
    """--prices replaces the shipped prices of the GPUs it names."""
    prices = tmp_path / "prices.yaml"
    prices.write_text("prices:\n  - {gpu: l40s, provider: internal, instance: rack-7, price_usd_per_gpu_hour: 0.5,"
                      " as_of: 2026-11-01, source: contract}\n")
    data = json.loads(run("recommend", str(PLAN), "--gpus", "l40s", "--prices", str(prices), "-f", "json").stdout)
    assert data["recommendation"]["price"]["provider"] == "internal"
    assert data["recommendation"]["cost_usd_per_hour"] == pytest.approx(0.5 * data["recommendation"]["total_gpus"])


def test_bad_prices_file(tmp_path):
    """A malformed prices file names the field."""
    prices = tmp_path / "prices.yaml"
    prices.write_text("prices:\n  - {gpu: l40s, provider: x1, instance: a, price_usd_per_gpu_hour: -1, as_of: 2026-11-01,"
                      " source: s}\n")
    result = run("recommend", str(PLAN), "--prices", str(prices))
    assert result.exit_code == 2 and "price_usd_per_gpu_hour" in result.stderr


def test_schema_command():
    """`planner schema` prints the report JSON Schema."""
    schema = json.loads(run("schema").stdout)
    assert schema["title"] == "Report" and "recommendation" in schema["properties"]


def test_unwritable_output_dir(tmp_path):
    """-o into a missing directory fails cleanly without a partial file."""
    result = run("recommend", str(PLAN), "-o", str(tmp_path / "nope" / "plan.json"))
    assert result.exit_code == 2 and "output directory does not exist" in result.stderr
    assert not any(Path(tmp_path).rglob("*.json"))


def test_slo_flags_merge_with_the_file_by_metric():
    """`--slo` replaces the model.yaml's target of the same metric and percentile only: the file's TPOT p99 stays,
    each target in the report says where it was set, and the replacement is noted."""
    data = json.loads(run("recommend", str(PLAN), "--slo", "ttft_p95=300ms", "-f", "json").stdout)
    assert {s["key"]: (s["limit_s"], s["origin"]) for s in data["slo"]} == {
        "ttft_p95_s": (0.3, "--slo"), "tpot_p99_s": (0.06, str(PLAN))}
    assert f"--slo ttft_p95=300ms replaces TTFT p95 <= 400 ms from {PLAN}" in data["assumptions"]
    table = run("recommend", str(PLAN), "--slo", "ttft_p95=300ms").stdout
    assert "SLO TTFT p95 <= 300 ms (--slo), TPOT p99 <= 60 ms (model.yaml)" in " ".join(table.split())


def test_slo_flag_off_drops_a_file_target():
    """`--slo tpot_p99=off` drops the file's TPOT target and keeps its TTFT target."""
    from planner.io import parse

    base = parse.slo({"ttft_p95": "400ms", "tpot_p99": "60ms"}, where="m.yaml: slo", origin="m.yaml")
    merged = parse.slo(["tpot_p99=off", "p95=80ms"], where="--slo", origin="--slo", base=base)
    assert [(t.key, t.limit_s, t.origin) for t in merged.targets] == [("ttft_p95_s", 0.08, "--slo")]
    assert merged.notes[0] == "--slo tpot_p99=off drops TPOT p99 <= 60 ms from m.yaml"


def test_recommend_never_picks_a_runtime_without_an_image_for_the_hosts():
    """TGI 3.3.5 ships amd64 images only, and GH200 hosts are arm64 (Grace): recommend rejects it in words rather
    than recommending a plan that cannot start; another runtime on the same GPU is planned."""
    only_tgi = run("recommend", "examples/chat-llama-3.1-8b/model.yaml", "--gpus", "gh200", "--runtimes", "tgi",
                   "--format", "json")
    assert only_tgi.exit_code == 1
    rejected = json.loads(only_tgi.stdout)["rejected"]
    assert rejected and all("publishes no arm64 image" in r["reason"]["template"] for r in rejected)
    other = run("recommend", "examples/chat-llama-3.1-8b/model.yaml", "--gpus", "gh200", "--format", "json")
    assert other.exit_code == 0
    assert json.loads(other.stdout)["recommendation"]["runtime"] != "tgi"
