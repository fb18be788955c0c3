"""`planner check`: a new checkpoint against a baseline plan — verdicts, reasons, formats and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from planner.check import check, check_inputs
from planner.cli import app
from planner.errors import SpecError
from planner.io.catalog import Catalog
from planner.io.parse import parse_fraction
from planner.io.plans import load_checkpoint, load_report
from planner.specs.check import (
    Change,
    CheckResult,
    CostComparison,
    DeploymentCheck,
    Regression,
)
from planner.specs.model import QuantConfig
from tests.conftest import MODELS, ROOT
from tests.docstrings import undocumented

runner = CliRunner()
DATA = ROOT / "tests" / "data" / "check"
MODEL_YAML = DATA / "model.yaml"
BASE_CONFIG = json.loads((MODELS / "llama-3.1-8b" / "config.json").read_text())
GROWN = {"num_hidden_layers": 40, "vocab_size": 200_000, "max_position_embeddings": 262_144}


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"COLUMNS": "140", "NO_COLOR": "1", **(env or {})})


def checkpoint(root: Path, name: str, **changes: object) -> str:
    """A checkpoint folder whose config.json is Llama 3.1 8B with `changes` applied."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps({**BASE_CONFIG, **changes}))
    return str(folder)


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding the baseline plan (3 x L40S bf16, from tests/data/check/model.yaml)."""
    root = tmp_path_factory.mktemp("check")
    result = run("recommend", str(MODEL_YAML), "-o", str(root / "plan.json"))
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture(scope="module")
def baseline(work: Path) -> str:
    """Path of the baseline plan JSON."""
    return str(work / "plan.json")


@pytest.fixture(scope="module")
def grown(work: Path, baseline: str) -> tuple[int, dict]:
    """Exit code and JSON result of checking a checkpoint with more layers, a longer context and a bigger vocabulary."""
    result = run("check", checkpoint(work, "grown", **GROWN), "--baseline", baseline, "--max-cost-increase", "10%",
                 "--format", "json")
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture(scope="module")
def label(baseline: str) -> str:
    """Label of the baseline deployment, e.g. `3 x (1x l40s tp1 vllm bf16)`."""
    rec = load_report(Path(baseline)).recommendation
    assert rec is not None
    return rec.label


def test_baseline_deployment_is_the_tight_one(baseline):
    """The fixture plan recommends several one-GPU 16-bit L40S replicas, so growth shows up as a regression."""
    rec = load_report(Path(baseline)).recommendation
    assert rec is not None and (rec.gpu, rec.runtime, rec.quant, rec.gpus_per_replica) == ("l40s", "vllm", "bf16", 1)
    assert rec.replicas >= 2


def test_unchanged_checkpoint_passes(baseline):
    """The same model.yaml passes: no model change, no regression, exit 0."""
    result = run("check", str(MODEL_YAML), "--baseline", baseline, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["passed"] is True and data["regressions"] == [] and data["model_changes"] == []
    assert data["baseline_deployment"]["fits"] and data["baseline_deployment"]["meets_slo"]
    assert data["cost"]["change_ratio"] == pytest.approx(0.0)


def test_unchanged_config_folder_passes(work, baseline):
    """A config folder with the same architecture as the baseline passes."""
    result = run("check", checkpoint(work, "same"), "--baseline", baseline)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("PASS same vs baseline check-llama-8b: no regression")


def test_grown_checkpoint_fails_with_reasons(grown, label):
    """More layers, a longer context and a bigger vocabulary: exit 1, the SLO miss and the cost rise named."""
    code, data = grown
    assert code == 1 and data["passed"] is False
    messages = [r["message"]["text"] for r in data["regressions"] if r["kind"] == "slo"]
    slo = re.compile(r"^(TTFT p95 [\d.,]+ ms > 500 ms|TPOT p99 [\d.,]+ ms > 50 ms) at 9\.6 RPS with the baseline ")
    assert messages and all(slo.match(m) and m.endswith(label) for m in messages), messages
    cost = next(r["message"]["text"] for r in data["regressions"] if r["kind"] == "cost")
    assert cost.startswith("cheapest plan costs +") and cost.endswith("/month), over the 10% allowed")


def test_grown_checkpoint_reports_model_changes(grown):
    """Each architecture change is listed with before, after and ratio."""
    changes = {c["key"]: c for c in grown[1]["model_changes"]}
    assert set(changes) == {"params_total", "num_layers", "vocab_size", "max_position_embeddings",
                            "kv_bytes_per_token"}
    assert (changes["num_layers"]["before"], changes["num_layers"]["after"]) == (32, 40)
    assert changes["num_layers"]["change_ratio"] == pytest.approx(0.25)
    assert changes["kv_bytes_per_token"]["change_ratio"] == pytest.approx(0.25)
    assert changes["max_position_embeddings"]["after"] == 262_144 and changes["vocab_size"]["after"] == 200_000


def test_grown_checkpoint_effects_on_memory_and_latency(grown):
    """Weights per GPU and TTFT/TPOT p95 at the baseline deployment all grow."""
    effects = {c["key"]: c for c in grown[1]["effects"]}
    for key in ("weights_bytes_per_gpu", "ttft_p95_s", "tpot_p95_s"):
        assert effects[key]["after"] > effects[key]["before"], key
    assert effects["weights_bytes_per_gpu"]["change_ratio"] == pytest.approx(
        grown[1]["model"]["params_total"] / grown[1]["baseline_model"]["params_total"] - 1, rel=0.05)
    assert effects["kv_capacity_tokens"]["change_ratio"] < 0


def test_oversized_checkpoint_no_longer_fits(work, baseline):
    """A checkpoint too big for one L40S names the OOM with the memory needed and available."""
    result = run("check", checkpoint(work, "huge", num_hidden_layers=100), "--baseline", baseline, "-f", "json",
                 "--gpus", "l40s")  # the re-plan on the baseline GPU only (all of them: 5 s more)
    assert result.exit_code == 1, result.output
    first = json.loads(result.stdout)["regressions"][0]
    assert first["kind"] == "oom"
    assert first["message"]["text"].startswith("baseline deployment no longer fits: OOM: needs ")
    assert " GiB per GPU, has 45.0 GiB at TP1 (" in first["message"]["text"]


def test_fp8_checkpoint_shows_the_saving(work, baseline):
    """An FP8 checkpoint passes, halves the weights per GPU and lowers the cheapest plan's cost."""
    ckpt = checkpoint(work, "fp8", quantization_config={"quant_method": "fp8", "activation_scheme": "dynamic"})
    result = run("check", ckpt, "--baseline", baseline, "-f", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    changes = {c["key"]: c for c in data["model_changes"]}
    assert (changes["checkpoint_quant"]["before"], changes["checkpoint_quant"]["after"]) == (None, "fp8")
    effects = {c["key"]: c for c in data["effects"]}
    assert effects["weights_bytes_per_gpu"]["change_ratio"] < -0.3
    assert data["cost"]["change_ratio"] < 0 and data["recommendation"]["quant"] == "fp8"
    assert data["baseline_deployment"]["quant"] == "fp8"
    assert any("checkpoint's fp8 weights" in n for n in data["notes"])


def test_cost_gate_threshold(work, baseline):
    """The cost regression appears only when the rise exceeds --max-cost-increase."""
    ckpt = checkpoint(work, "grown", **GROWN)
    loose = json.loads(run("check", ckpt, "-b", baseline, "--max-cost-increase", "0.99", "-f", "json").stdout)
    assert "cost" not in {r["kind"] for r in loose["regressions"]}
    assert any(w.startswith("cheapest plan costs +") and "within the 99% allowed" in w for w in (x["text"] for x in loose["warnings"]))
    unset = json.loads(run("check", ckpt, "-b", baseline, "-f", "json").stdout)
    assert unset["cost"]["max_increase_ratio"] is None
    assert any("no --max-cost-increase set" in w["text"] for w in unset["warnings"])


@pytest.mark.parametrize(("text", "value"), [("10%", 0.10), ("0.1", 0.1), ("150%", 1.5), ("0", 0.0), (".25", 0.25)])
def test_parse_fraction(text, value):
    """Percentages and fractions both parse."""
    assert parse_fraction(text) == pytest.approx(value)


@pytest.mark.parametrize(("text", "line"), [
    ("ten", "--max-cost-increase: not a percentage or fraction (got 'ten')"),
    ("10", "--max-cost-increase: ambiguous: a bare number is a fraction (got '10')"),
    ("-5%", "--max-cost-increase: not a percentage or fraction (got '-5%')"),
])
def test_parse_fraction_rejects(text, line):
    """Malformed or ambiguous cost limits are refused with the value named."""
    with pytest.raises(SpecError) as info:
        parse_fraction(text)
    assert info.value.line() == line


@pytest.mark.parametrize(("name", "message"), [
    ("foreign.json", "not a planner report (no schema_version)"),
    ("malformed.json", "malformed JSON at line 4, column 1: Expecting property name enclosed in double quotes"),
    ("missing.json", "file not found"),
])
def test_bad_baseline_exits_2(name, message):
    """A foreign, malformed or missing baseline exits 2 with one clear line and no traceback."""
    path = DATA / name
    result = run("check", str(MODEL_YAML), "--baseline", str(path))
    assert result.exit_code == 2, result.output
    assert f"Error: {path}: {message}" in result.stderr.splitlines()
    assert "Traceback" not in result.output


def test_unknown_schema_version_exits_2(tmp_path, baseline):
    """A report of an unknown schema_version exits 2 naming the version."""
    data = json.loads(Path(baseline).read_text())
    data["schema_version"] = "9.9"
    path = tmp_path / "v9.json"
    path.write_text(json.dumps(data))
    result = run("check", str(MODEL_YAML), "--baseline", str(path))
    assert result.exit_code == 2
    assert f"Error: {path}: unknown report schema_version (got '9.9')" in result.stderr.splitlines()


def test_baseline_without_recommendation_exits_2(tmp_path):
    """A baseline where nothing met the SLO has no deployment to compare against: exit 2."""
    plan = tmp_path / "none.json"
    assert run("recommend", str(MODEL_YAML), "--slo", "ttft_p95=1ms", "-o", str(plan)).exit_code == 1
    result = run("check", str(MODEL_YAML), "--baseline", str(plan))
    assert result.exit_code == 2
    assert "Error: --baseline: the baseline plan has no recommendation to compare against" in result.stderr


def test_bad_flags_exit_2(baseline):
    """A bad --max-cost-increase or --slo exits 2 before any planning."""
    result = run("check", str(MODEL_YAML), "-b", baseline, "--max-cost-increase", "lots")
    assert result.exit_code == 2
    assert "Error: --max-cost-increase: not a percentage or fraction (got 'lots')" in result.stderr.splitlines()
    result = run("check", str(MODEL_YAML), "-b", baseline, "--slo", "ttft_p95=soon")
    assert result.exit_code == 2 and "Error: --slo ttft_p95: not a duration (got 'soon')" in result.stderr


def test_github_format_annotations_and_step_summary(work, baseline, tmp_path):
    """--format github prints ::error per regression and a ::notice, and appends Markdown to the step summary."""
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = run("check", checkpoint(work, "grown", **GROWN), "-b", baseline, "--max-cost-increase", "10%",
                 "--format", "github", env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) >= 2
    assert any(line.startswith("::error title=planner check%3A SLO missed::") for line in errors)
    assert any(line.startswith("::error title=planner check%3A cost increase::cheapest plan costs +")
               and "over the 10%25 allowed" in line for line in errors)
    assert lines[-1].startswith(f"::notice title=planner check::FAIL grown vs baseline check-llama-8b: {len(errors)} "
                                "regressions")
    text = summary.read_text()
    assert text.startswith("earlier step\n## planner check: ❌ fail — grown vs baseline check-llama-8b")
    assert "### Regressions" in text and "| layers | 32 | 40 | +25% |" in text


def test_github_format_pass_has_no_errors(baseline, tmp_path):
    """A passing check emits a ::notice and no ::error; without GITHUB_STEP_SUMMARY nothing is written."""
    result = run("check", str(MODEL_YAML), "-b", baseline, "--format", "github")
    assert result.exit_code == 0
    assert "::error" not in result.stdout
    assert result.stdout.splitlines()[-1].startswith("::notice title=planner check::PASS ")


def test_json_is_deterministic_and_sorted(baseline):
    """Two runs give byte-identical JSON with sorted keys."""
    first = run("check", str(MODEL_YAML), "-b", baseline, "-f", "json").stdout
    assert first == run("check", str(MODEL_YAML), "-b", baseline, "-f", "json").stdout
    assert first == json.dumps(json.loads(first), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    CheckResult.model_validate(json.loads(first))


def test_flags_override_the_baseline_inputs(baseline):
    """--rps and --slo replace the baseline's and are reported; a tighter TPOT target fails."""
    result = run("check", str(MODEL_YAML), "-b", baseline, "--rps", "4", "--slo", "tpot_p99=20ms", "-f", "json")
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["workload"]["rps"] == 4 and [s["key"] for s in data["slo"]] == ["tpot_p99_s"]
    assert "RPS 4 (baseline 8)" in data["notes"]
    assert any(r["kind"] == "slo" and r["message"]["text"].startswith("TPOT p99") for r in data["regressions"])


def test_text_view_and_output_files(work, baseline, tmp_path):
    """The terminal view leads with the verdict; -o writes JSON, or Markdown for .md."""
    out, md = tmp_path / "result.json", tmp_path / "result.md"
    result = run("check", checkpoint(work, "grown", **GROWN), "-b", baseline, "-o", str(out))
    assert result.exit_code == 1
    head = result.stdout.splitlines()
    assert re.match(r"^FAIL grown vs baseline check-llama-8b: \d+ regressions?$", head[0]), head[0]
    assert any(line.strip().startswith("regression: T") for line in head)
    assert "model changes" in result.stdout and "baseline deployment: fits, misses T" in result.stdout
    assert json.loads(out.read_text())["passed"] is False
    assert run("check", str(MODEL_YAML), "-b", baseline, "-o", str(md)).exit_code == 0
    assert md.read_text().startswith("## planner check: ✅ pass")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.json", "result.md"]


def test_library_check_inputs_adapt_to_the_checkpoint(baseline, model):
    """check_inputs keeps the baseline's inputs, caps lengths at a shorter context and frees the precision
    constraint for a pre-quantized checkpoint."""
    report = load_report(Path(baseline))
    catalog = Catalog.load()
    inputs = check_inputs(report, model("llama-3.1-8b"), catalog)
    assert inputs.workload == report.inputs.workload and inputs.slo == report.inputs.slo
    assert inputs.constraints.quants == ("bf16",) and inputs.seed == report.seed
    short = model("llama-2-7b")  # 4,096-token context
    capped = check_inputs(report, short, catalog)
    assert capped.workload.input_tokens.max_tokens == 4095 and capped.workload.output_tokens.max_tokens == 4096
    quantized = model("llama-3.1-8b").model_copy(update={"quantization": QuantConfig(format="fp8", method="fp8")})
    assert check_inputs(report, quantized, catalog).constraints.quants == ()


def test_load_checkpoint_uses_repo_id_from_model_yaml():
    """A model.yaml's repo_id names the model in launch commands."""
    spec, ref = load_checkpoint(str(MODEL_YAML))
    assert spec.name == "check-llama-8b" and ref == "meta-llama/Llama-3.1-8B-Instruct"


def test_library_check_is_callable_directly(baseline, model):
    """planner.check.check works without the CLI and agrees with it on the verdict."""
    report = load_report(Path(baseline))
    result = check(report, model("llama-3.1-8b"), Catalog.load())
    assert result.passed and result.baseline.label == report.recommendation.label


@pytest.mark.parametrize("cls", [CheckResult, Change, Regression, DeploymentCheck, CostComparison],
                         ids=lambda c: c.__name__)
def test_result_fields_documented(cls):
    """Every field of the check result models has a docstring."""
    assert not undocumented(cls)


CI = ROOT / "examples" / "ci"


def test_ci_example_workflow_runs_planner_check():
    """examples/ci: the workflow installs planner and runs `planner check` on the committed files, GitHub format."""
    workflow = yaml.safe_load((CI / "planner-check.yml").read_text())
    env = workflow["env"]
    assert (ROOT / env["MODEL"]).is_file() and (ROOT / env["BASELINE"]).is_file()
    runs = [step.get("run", "") for step in workflow["jobs"]["capacity"]["steps"]]
    assert any(r.startswith("python -m pip install") for r in runs)
    command = next(r for r in runs if r.startswith("planner check"))
    argv = command.split()
    assert argv[argv.index("--baseline") + 1] == '"$BASELINE"' and argv[argv.index("--format") + 1] == "github"
    assert parse_fraction(env["MAX_COST_INCREASE"]) == pytest.approx(0.1)
    assert "planner check" in (CI / "README.md").read_text()


def test_ci_example_baseline_passes():
    """The committed example baseline loads and its own checkpoint passes against it
    (if this fails after a model change, regenerate: planner recommend examples/ci/model.yaml -o examples/ci/plan.json)."""
    result = run("check", str(CI / "model.yaml"), "--baseline", str(CI / "plan.json"), "--max-cost-increase", "10%")
    assert result.exit_code == 0, result.output
