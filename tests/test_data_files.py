"""Every shipped data file validates, and every number in it names its source."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from planner.errors import DataError
from planner.io.files import validate
from planner.io.loaders import load_gpus, load_runtimes
from planner.specs.hardware import Gpu
from planner.specs.runtime import Runtime
from tests.conftest import ROOT

GPU_FILES = sorted((ROOT / "hardware_db").glob("*.yaml"))
RUNTIME_FILES = sorted((ROOT / "runtime_profiles").glob("*.yaml"))


@pytest.mark.parametrize("path", GPU_FILES, ids=lambda p: p.stem)
def test_gpu_file_valid(path: Path):
    """Each hardware_db file validates and its id matches its file name."""
    gpu = validate(Gpu, yaml.safe_load(path.read_text()), str(path), DataError)
    assert gpu.id == path.stem
    assert gpu.peak_dense_tflops.fp16 >= gpu.peak_dense_tflops.fp32  # tensor cores beat FP32 everywhere


@pytest.mark.parametrize("path", RUNTIME_FILES, ids=lambda p: p.stem)
def test_runtime_file_valid(path: Path):
    """Each runtime profile validates and its id matches its file name."""
    rt = validate(Runtime, yaml.safe_load(path.read_text()), str(path), DataError)
    assert rt.id == path.stem


def test_required_gpus_present():
    """hardware_db covers the accelerators the foundation issue lists."""
    ids = {p.stem for p in GPU_FILES}
    assert {"t4", "l4", "a10g", "l40s", "a100-40gb", "a100-80gb", "h100-sxm", "h100-pcie", "h200", "gh200", "b200",
            "gb200", "mi300x", "mi325x"} <= ids


def test_required_runtimes_present():
    """runtime_profiles covers vLLM, SGLang, TensorRT-LLM, TGI and transformers."""
    assert {"vllm", "sglang", "trtllm", "tgi", "transformers"} <= {p.stem for p in RUNTIME_FILES}


def test_fp8_only_on_capable_architectures():
    """No runtime claims FP8 weights on Turing or Ampere."""
    for rt in load_runtimes(ROOT / "runtime_profiles").values():
        assert not {"turing", "ampere"} & set(rt.quantization.get("fp8", []))


def test_unsourced_number_rejected(tmp_path):
    """A GPU file with a number lacking a source is a DataError naming the field."""
    data = yaml.safe_load((ROOT / "hardware_db" / "h100-sxm.yaml").read_text())
    del data["sources"]["tdp_watts"]
    (tmp_path / "h100-sxm.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(DataError, match="numbers without a source: tdp_watts"):
        load_gpus(tmp_path)


def test_negative_bandwidth_rejected(tmp_path):
    """A negative bandwidth is rejected with file, field and value."""
    data = yaml.safe_load((ROOT / "hardware_db" / "h100-sxm.yaml").read_text())
    data["hbm_bw_bytes_per_s"] = -1
    path = tmp_path / "h100-sxm.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(DataError) as info:
        load_gpus(tmp_path)
    assert str(path) in str(info.value) and "hbm_bw_bytes_per_s" in str(info.value) and "-1" in str(info.value)


def test_malformed_yaml(tmp_path):
    """Broken YAML is a DataError with the line number."""
    (tmp_path / "x.yaml").write_text("id: x\n  bad: [\n")
    with pytest.raises(DataError, match="malformed YAML at line"):
        load_gpus(tmp_path)


def test_id_must_match_file_name(tmp_path):
    """A file whose id differs from its name is refused."""
    data = yaml.safe_load((ROOT / "hardware_db" / "l4.yaml").read_text())
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(DataError, match="id must match the file name"):
        load_gpus(tmp_path)


def test_prices_have_dates_and_sources():
    """Every price names its provider, date and source."""
    for gpu in load_gpus(ROOT / "hardware_db").values():
        for price in gpu.prices:
            assert price.source and price.as_of and price.price_usd_per_gpu_hour > 0
