"""Calibration profiles: validation, selection by GPU, and their use as perf-model efficiencies."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pydantic import BaseModel
from typer.testing import CliRunner

import planner.calibrate.verify
import planner.specs.calibration
from planner.calibrate import _hwdb
from planner.cli import app
from planner.core.compat import make_deployment
from planner.core.efficiency import default_efficiency, efficiency_from_profile
from planner.core.perf import PerfModel, gemm_efficiency
from planner.errors import CalibrationError, DataError, SpecError
from planner.io.calibration import cpu_gpu, load_profile
from planner.io.catalog import Catalog
from planner.io.settings import Settings
from planner.specs.calibration import CalibrationProfile
from tests.conftest import MODELS, ROOT
from tests.docstrings import undocumented
from tests.test_calibrate_fit import PEAK_TFLOPS, synthetic_profile

pytestmark = pytest.mark.unit
runner = CliRunner()


def write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


# ---------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["fitted"].__setitem__("weight_bw", 1.5), "fitted.weight_bw"),
        (lambda d: d["fitted"].pop("kv_bw"), "fitted.kv_bw"),
        (lambda d: d.__setitem__("schema_version", 2), "schema_version"),
        (lambda d: d["fitted"]["gemm"]["bf16"].__setitem__("points", [[16, 0.5], [4, 0.2]]), "fitted.gemm.bf16"),
        (lambda d: d["raw"]["gemm"][0].__setitem__("seconds", -1), "raw.gemm.0.seconds"),
        (lambda d: d["device"].__setitem__("kind", "tpu"), "device.kind"),
        (lambda d: d.__setitem__("extra_key", 1), "extra_key"),
    ],
)
def test_bad_profile_error_names_file_and_field(tmp_path, edit, field):
    """A malformed profile is a SpecError naming the file and the field path."""
    data = synthetic_profile()
    edit(data)
    path = write(tmp_path / "bad.json", data)
    with pytest.raises(SpecError) as err:
        load_profile(path)
    assert str(path) in str(err.value) and field in str(err.value)


def test_malformed_json_profile_is_one_line(tmp_path):
    """Broken JSON reports its line and column, not a traceback."""
    path = tmp_path / "broken.json"
    path.write_text("{\n  \"schema_version\": 1,\n", encoding="utf-8")
    with pytest.raises(SpecError, match="malformed JSON at line"):
        load_profile(path)


def _models() -> list[type[BaseModel]]:
    seen = []
    for module in (planner.specs.calibration, planner.calibrate.verify):
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, BaseModel) and obj.__module__ == module.__name__:
                seen.append(obj)
    return seen


@pytest.mark.parametrize("model", _models(), ids=lambda m: m.__name__)
def test_every_calibration_field_documented(model):
    """Every field of the profile and verification models has a docstring."""
    assert not undocumented(model)


def test_shipped_profiles_validate():
    """Every profile shipped in calibration/ is valid and names a GPU of hardware_db."""
    catalog = Catalog.load()
    for gpu_id, profile in catalog.calibrations.items():
        assert profile.gpu_id == gpu_id and gpu_id in catalog.gpus


# ---------------------------------------------------------------- selection


def _catalog(directory: Path) -> Catalog:
    return Catalog.load(Settings(calibration_dir=directory))


def test_newest_matching_profile_is_chosen(tmp_path):
    """Among several profiles the newest one of the deployment's GPU wins; other GPUs are ignored."""
    write(tmp_path / "a.json", synthetic_profile("h100-sxm", "2026-10-01T00:00:00+00:00", weight_bw=0.6))
    write(tmp_path / "b.json", synthetic_profile("h100-sxm", "2026-11-20T00:00:00+00:00", weight_bw=0.7))
    write(tmp_path / "c.json", synthetic_profile("h200", "2026-11-21T00:00:00+00:00", weight_bw=0.9))
    chosen = _catalog(tmp_path).calibration_for("h100-sxm")
    assert chosen is not None and chosen.fitted.weight_bw == pytest.approx(0.7)
    assert _catalog(tmp_path).calibration_for("a100-80gb") is None


def test_no_profile_means_runtime_defaults(tmp_path, model, catalog):
    """Without a matching profile the catalog gives the runtime's default efficiencies."""
    dep = make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("vllm"), max_model_len=4096)
    assert _catalog(tmp_path).efficiency_for(dep) == default_efficiency(dep)
    assert _catalog(tmp_path / "missing").efficiency_for(dep).source.startswith("defaults of runtime profile vllm")


def test_bad_profile_in_calibration_dir_is_a_data_error(tmp_path):
    """A malformed profile in the calibration directory is a DataError naming it."""
    data = synthetic_profile()
    data["fitted"]["kv_bw"] = 0
    write(tmp_path / "bad.json", data)
    with pytest.raises(DataError, match="fitted.kv_bw"):
        _catalog(tmp_path)


def _estimate(*args: str, env: dict[str, str]) -> dict:
    result = runner.invoke(app, ["estimate", str(MODELS / "llama-3.1-8b"), "--gpu", "h100", "--isl", "512",
                                 "--osl", "64", "--batch", "4", "--format", "json", *args], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_estimate_uses_shipped_profile_and_override_wins(tmp_path):
    """`estimate` picks the calibration dir's profile for the GPU; `--calibration PATH` overrides it."""
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    write(shipped / "h100.json", synthetic_profile("h100-sxm", "2026-11-20T00:00:00+00:00"))
    override = write(tmp_path / "mine.json", synthetic_profile("h100-sxm", "2026-09-01T00:00:00+00:00"))
    env = {"PLANNER_CALIBRATION_DIR": str(shipped), "COLUMNS": "120"}
    assert _estimate(env=env)["efficiency_source"].startswith("calibration h100-sxm 2026-11-20")
    assert _estimate("--calibration", str(override), env=env)["efficiency_source"].startswith(
        "calibration h100-sxm 2026-09-01")
    empty = {"PLANNER_CALIBRATION_DIR": str(tmp_path / "none"), "COLUMNS": "120"}
    assert _estimate(env=empty)["efficiency_source"].startswith("defaults of runtime profile")


def test_estimate_rejects_profile_of_another_gpu(tmp_path):
    """A profile measured on another GPU is refused with the GPU to use."""
    other = write(tmp_path / "h200.json", synthetic_profile("h200"))
    result = runner.invoke(app, ["estimate", str(MODELS / "llama-3.1-8b"), "--gpu", "h100", "--isl", "512",
                                 "--osl", "64", "--batch", "4", "--calibration", str(other)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == ("Error: --calibration: calibration profile is for h200, "
                                             "the deployment runs on h100-sxm")


# ---------------------------------------------------------------- use


def test_efficiency_from_profile_replaces_measured_fields(model, catalog):
    """The measured curve, bandwidths and attention replace the defaults; vLLM keeps its own overheads."""
    profile = CalibrationProfile.model_validate(synthetic_profile(weight_bw=0.7, kv_bw=0.4, attention=0.3))
    dep = make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("vllm"), max_model_len=4096)
    base = default_efficiency(dep)
    eff = efficiency_from_profile(dep, profile)
    assert eff.gemm_curve == profile.fitted.gemm["bf16"].points
    assert gemm_efficiency(eff, 4096) == pytest.approx(0.8 * 4096 / (4096 + 64))
    assert (eff.weight_bw_efficiency, eff.kv_bw_efficiency, eff.attention_compute_efficiency) == pytest.approx((0.7, 0.4, 0.3))
    assert eff.step_overhead_s == base.step_overhead_s and eff.per_layer_overhead_s == base.per_layer_overhead_s
    assert eff.moe_gemm_efficiency_factor == base.moe_gemm_efficiency_factor
    assert eff.source.startswith("calibration h100-sxm 2026-11-22")


def test_eager_runtime_takes_measured_launch_overheads(model, catalog):
    """In an eager runtime the per-layer overhead is the measured per-op time x ops per layer."""
    profile = CalibrationProfile.model_validate(synthetic_profile(op_s=7e-6, ops_layer=80, ops_step=20, moe=0.6))
    dense = make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("transformers"),
                            max_model_len=4096)
    eff = efficiency_from_profile(dense, profile)
    assert eff.per_layer_overhead_s == pytest.approx(80 * 7e-6)
    assert eff.step_overhead_s == pytest.approx(20 * 7e-6)
    moe = make_deployment(model("mixtral-8x7b"), catalog.gpu("h100"), catalog.runtime("transformers"),
                          max_model_len=4096)
    moe_eff = efficiency_from_profile(moe, profile)
    assert moe_eff.per_layer_overhead_s == pytest.approx(120 * 7e-6)
    assert moe_eff.moe_gemm_efficiency_factor == pytest.approx(0.6)


def test_fp8_deployment_uses_the_fp8_curve(model, catalog):
    """An FP8 deployment reads the FP8 curve; without one it falls back to the 16-bit curve."""
    data = synthetic_profile()
    dep = make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("vllm"), quant="fp8",
                          max_model_len=4096)
    assert efficiency_from_profile(dep, CalibrationProfile.model_validate(data)).source.endswith("bf16 GEMM curve")
    data = copy.deepcopy(data)
    data["fitted"]["gemm"]["fp8"] = {**data["fitted"]["gemm"]["bf16"], "torch_dtype": "float8_e4m3fn",
                                     "points": [[1, 0.01], [4096, 0.7]]}
    eff = efficiency_from_profile(dep, CalibrationProfile.model_validate(data))
    assert eff.source.endswith("fp8 GEMM curve") and gemm_efficiency(eff, 4096) == pytest.approx(0.7)


def test_calibrated_perf_model_is_faster_with_better_efficiencies(model, catalog):
    """Higher measured efficiencies give a shorter predicted decode step (the loop is wired through)."""
    dep = make_deployment(model("llama-3.1-8b"), catalog.gpu("h100"), catalog.runtime("vllm"), max_model_len=4096)
    slow = efficiency_from_profile(dep, CalibrationProfile.model_validate(synthetic_profile(weight_bw=0.4)))
    fast = efficiency_from_profile(dep, CalibrationProfile.model_validate(synthetic_profile(weight_bw=0.9)))
    assert PerfModel.build(dep, fast).decode(1, 1024).total_s < PerfModel.build(dep, slow).decode(1, 1024).total_s


def test_cpu_profile_describes_a_gpu_the_perf_model_runs_on(catalog, tiny_config):
    """A CPU profile becomes a valid `Gpu` with the measured peaks, usable with the eager runtime."""
    data = synthetic_profile("cpu")
    data["device"].update(kind="cpu", name="AMD EPYC", threads=2, compute_capability=None, index=None, timer="perf_counter")
    profile = CalibrationProfile.model_validate(data)
    gpu = cpu_gpu(profile)
    assert gpu.id == "cpu" and gpu.peak_tflops("bf16") == PEAK_TFLOPS and gpu.hbm_bw_bytes_per_s == 2e12
    from planner.io.hf_config import parse_hf_config

    dep = make_deployment(parse_hf_config(tiny_config, "tiny"), gpu, catalog.runtime("transformers"))
    assert dep.quant == "bf16"
    assert PerfModel.build(dep, efficiency_from_profile(dep, profile)).prefill(1, 128).total_s > 0
    with pytest.raises(SpecError, match="only a CPU profile"):
        cpu_gpu(CalibrationProfile.model_validate(synthetic_profile()))


# ---------------------------------------------------------------- hardware_db without PyYAML


@pytest.mark.parametrize("gpu_id", sorted(p.stem for p in (ROOT / "hardware_db").glob("*.yaml")))
def test_stdlib_hardware_db_reader_agrees_with_validated_specs(catalog, gpu_id):
    """The PyYAML-free reader returns the same peaks, bandwidths and aliases as the validated `Gpu`."""
    gpu = catalog.gpus[gpu_id]
    parsed = _hwdb.load(ROOT / "hardware_db")[gpu_id]
    assert parsed["name"] == gpu.name and parsed["aliases"] == gpu.aliases
    assert parsed["tflops"] == gpu.peak_dense_tflops.model_dump(exclude_none=True)
    assert parsed["hbm_bw_bytes_per_s"] == gpu.hbm_bw_bytes_per_s
    assert parsed["link_bidir_bw_bytes_per_s"] == gpu.interconnect.link_bidir_bw_bytes_per_s


@pytest.mark.parametrize(
    ("device_name", "gpu_id"),
    [("NVIDIA H100 80GB HBM3", "h100-sxm"), ("NVIDIA H200", "h200"), ("NVIDIA A100-SXM4-80GB", "a100-80gb"),
     ("NVIDIA L4", "l4"), ("AMD Instinct MI300X", "mi300x"), ("NVIDIA H100 PCIe", "h100-pcie")],
)
def test_device_names_match_hardware_db(device_name, gpu_id):
    """The names drivers report resolve to hardware_db entries through their aliases."""
    assert _hwdb.match(device_name, _hwdb.load(ROOT / "hardware_db"))["id"] == gpu_id


def test_unknown_device_asks_for_gpu_flag():
    """An unmatched device name is a CalibrationError whose hint is `--gpu`; `--gpu` overrides the name."""
    gpus = _hwdb.load(ROOT / "hardware_db")
    with pytest.raises(CalibrationError) as err:
        _hwdb.match("NVIDIA H200 NVL", gpus)
    assert "pass --gpu ID" in (err.value.hint or "")
    assert _hwdb.match("NVIDIA H200 NVL", gpus, gpu_id="h200")["id"] == "h200"
    with pytest.raises(CalibrationError, match="unknown GPU"):
        _hwdb.match("x", gpus, gpu_id="h999")
