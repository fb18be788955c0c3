"""The GPUs added for issue 10 (and the validation set's RTX 4090): sourced numbers, prices and runtime support.

Each expected value below is the figure the file's `sources:` entry cites, so a reader can check it by hand:
memory is the nvidia-smi total in MiB x 1048576 (MI355X: the spec-sheet 288 GB read as GiB), peaks are dense
TFLOP/s.
"""

from __future__ import annotations

import pytest

from planner.calibrate import _hwdb
from planner.core.compat import incompatibilities
from planner.io.catalog import Catalog
from planner.io.loaders import load_model
from tests.conftest import ROOT

MIB = 1024 * 1024

# id -> (architecture, compute capability, nvidia-smi MiB, dense bf16 TFLOP/s, memory bandwidth bytes/s)
NEW_GPUS = {
    "b300": ("blackwell", "10.3", 275040, 2250.0, 7.7e12),             # aiconfigurator b300_sxm.yaml; datasheet
    "gb300": ("blackwell", "10.3", 284208, 2500.0, 8.0e12),            # aiconfigurator gb300.yaml; datasheet
    "rtx-pro-6000-server": ("blackwell", "12.0", 97887, 467.8, 1.792e12),  # nvidia-smi; 188 SMs x 1024 x 2.43 GHz
    "rtx-4090": ("ada", "8.9", 24564, 165.2, 1.008e12),                # nvidia-smi; FP32-accumulate rate (hmc-tech)
    "rtx-5090": ("blackwell", "12.0", 32607, 209.5, 1.792e12),         # nvidia-smi; 419 / 2 (FP32 accumulate)
    "mi355x": ("cdna4", "gfx950", 288 * 1024, 2516.6, 8.0e12),         # 288 GB read as GiB; 2.4 GHz x 512 x 2 x 1024
}

CHAT_MODEL = ROOT / "examples" / "chat-llama-3.1-8b" / "model.yaml"


@pytest.fixture(scope="module")
def llama8b():
    """Llama 3.1 8B (bf16), the model of the chat example."""
    return load_model(str(CHAT_MODEL))


@pytest.mark.parametrize("gpu_id", sorted(NEW_GPUS))
def test_new_gpu_numbers_are_the_sourced_ones(catalog: Catalog, gpu_id: str):
    """Each new GPU loads with its sourced architecture, driver memory total, dense BF16 peak and bandwidth."""
    arch, cc, mib, bf16, bw = NEW_GPUS[gpu_id]
    gpu = catalog.gpu(gpu_id)
    assert (gpu.architecture, gpu.compute_capability) == (arch, cc)
    assert gpu.memory_bytes == mib * MIB
    assert gpu.peak_tflops("bf16") == bf16
    assert gpu.hbm_bw_bytes_per_s == bw


@pytest.mark.parametrize("gpu_id", sorted(NEW_GPUS))
def test_new_gpu_is_priced(catalog: Catalog, gpu_id: str):
    """Each new GPU has an on-demand price per GPU-hour with a source and a date."""
    price = catalog.gpu(gpu_id).cheapest_price("on_demand")
    assert price is not None and price.price_usd_per_gpu_hour > 0
    assert price.source and price.as_of


@pytest.mark.parametrize(("alias", "gpu_id"), [
    ("NVIDIA B300 SXM6 AC", "b300"), ("NVIDIA GB300", "gb300"),
    ("NVIDIA RTX PRO 6000 Blackwell Server Edition", "rtx-pro-6000-server"),
    ("NVIDIA GeForce RTX 4090", "rtx-4090"), ("RTX 4090", "rtx-4090"), ("NVIDIA GeForce RTX 5090", "rtx-5090"),
    ("AMD Instinct MI355X", "mi355x"),
])
def test_driver_names_resolve(catalog: Catalog, alias: str, gpu_id: str):
    """The NVML names (and the validation set's `RTX 4090` class) resolve to the new ids."""
    assert catalog.gpu(alias).id == gpu_id


@pytest.mark.parametrize("gpu_id", ["b300", "gb300", "rtx-pro-6000-server"])
def test_shipped_tables_attach(catalog: Catalog, gpu_id: str):
    """The ids match the calibration/tables/<id>/ folders, so their measured operator tables attach."""
    assert {t.runtime for t in catalog.gpu(gpu_id).op_tables} >= {"vllm", "sglang", "trtllm"}


def test_blackwell_ultra_int8_cut(catalog: Catalog):
    """B300 and GB300 carry the cut INT8 rate (~0.15 POPS dense), far below B200's 4.5 POPS."""
    assert catalog.gpu("b300").peak_tflops("int8") == 150.0
    assert catalog.gpu("gb300").peak_tflops("int8") == 165.0
    assert catalog.gpu("b200").peak_tflops("int8") == 4500.0


def test_geforce_half_rate_accumulate(catalog: Catalog):
    """GeForce FP16/BF16 (FP32 accumulate) is half the INT8 rate; the professional RTX PRO 6000 is not halved."""
    for gpu_id in ("rtx-4090", "rtx-5090"):
        gpu = catalog.gpu(gpu_id)
        assert gpu.peak_tflops("bf16") == pytest.approx(gpu.peak_tflops("int8") / 4, rel=0.01)
    pro = catalog.gpu("rtx-pro-6000-server")
    assert pro.peak_tflops("bf16") == pytest.approx(pro.peak_tflops("int8") / 2, rel=0.01)


def test_pcie_only_boards(catalog: Catalog):
    """The RTX boards have no NVLink: their GPU-to-GPU link is PCIe."""
    for gpu_id in ("rtx-pro-6000-server", "rtx-4090", "rtx-5090"):
        assert catalog.gpu(gpu_id).interconnect.kind == "pcie"


def test_grace_hosts_are_arm64(catalog: Catalog):
    """GB300 ships on Grace (arm64) with a 72-GPU NVLink domain; B300 on x86 HGX boards of 8."""
    gb300, b300 = catalog.gpu("gb300"), catalog.gpu("b300")
    assert (gb300.host_cpu_arch, gb300.interconnect.gpus_per_node) == ("arm64", 72)
    assert (b300.host_cpu_arch, b300.interconnect.gpus_per_node) == ("amd64", 8)


@pytest.mark.parametrize("gpu_id", ["b300", "gb300", "rtx-pro-6000-server", "rtx-5090"])
def test_fp4_served_on_blackwell(catalog: Catalog, llama8b, gpu_id: str):
    """vLLM serves NVFP4 weights on every Blackwell part, data-center (sm_100/103) and RTX (sm_120) alike."""
    assert incompatibilities(llama8b, catalog.gpu(gpu_id), catalog.runtime("vllm"), quant="nvfp4") == []


def test_nvfp4_refused_on_ada(catalog: Catalog, llama8b):
    """No runtime serves NVFP4 on the Ada RTX 4090; the reason names the architecture."""
    for rt in ("vllm", "sglang", "trtllm"):
        reasons = incompatibilities(llama8b, catalog.gpu("rtx-4090"), catalog.runtime(rt), quant="nvfp4")
        assert any("nvfp4" in r and "Ada" in r for r in reasons), reasons


def test_fp8_on_rtx_4090(catalog: Catalog, llama8b):
    """Ada has FP8 tensor cores: vLLM and TensorRT-LLM serve FP8 weights on the RTX 4090."""
    for rt in ("vllm", "trtllm"):
        assert incompatibilities(llama8b, catalog.gpu("rtx-4090"), catalog.runtime(rt), quant="fp8") == []


def test_tgi_refuses_blackwell(catalog: Catalog, llama8b):
    """The TGI profile lists no Blackwell support, so it refuses B300 as it refuses B200."""
    reasons = incompatibilities(llama8b, catalog.gpu("b300"), catalog.runtime("tgi"))
    assert reasons and "does not run on" in reasons[0]


def test_tp_limited_by_pcie_node(catalog: Catalog, llama8b):
    """Tensor parallelism wider than the 8-GPU box is refused on the RTX 5090; GB300 allows TP 16 in its rack."""
    assert any("exceeds the 8 GPUs" in r for r in
               incompatibilities(llama8b, catalog.gpu("rtx-5090"), catalog.runtime("vllm"), tp_size=16))
    assert not any("exceeds" in r for r in
                   incompatibilities(llama8b, catalog.gpu("gb300"), catalog.runtime("vllm"), tp_size=16))


@pytest.mark.parametrize(("device_name", "gpu_id"), [
    ("NVIDIA B300 SXM6 AC", "b300"), ("NVIDIA GB300", "gb300"),
    ("NVIDIA RTX PRO 6000 Blackwell Server Edition", "rtx-pro-6000-server"),
    ("NVIDIA GeForce RTX 4090", "rtx-4090"), ("NVIDIA GeForce RTX 5090", "rtx-5090"),
    ("AMD Instinct MI355X", "mi355x"),
])
def test_calibrate_matches_device_names(device_name: str, gpu_id: str):
    """`planner calibrate`'s PyYAML-free reader maps the torch device names to the new ids."""
    assert _hwdb.match(device_name, _hwdb.load(ROOT / "hardware_db"))["id"] == gpu_id


def test_mi355x_runs_on_rocm_runtimes(catalog: Catalog, llama8b):
    """vLLM, SGLang and transformers run on the MI355X (ROCm, CDNA4), with FP8 weights on vLLM and SGLang."""
    gpu = catalog.gpu("mi355x")
    for rt in ("vllm", "sglang", "transformers"):
        assert incompatibilities(llama8b, gpu, catalog.runtime(rt)) == []
    for rt in ("vllm", "sglang"):
        assert incompatibilities(llama8b, gpu, catalog.runtime(rt), quant="fp8", kv_dtype="fp8") == []


def test_trtllm_refuses_mi355x(catalog: Catalog, llama8b):
    """TensorRT-LLM is NVIDIA-only: it refuses the MI355X and says why."""
    reasons = incompatibilities(llama8b, catalog.gpu("mi355x"), catalog.runtime("trtllm"))
    assert reasons == ["TensorRT-LLM does not run on AMD Instinct MI355X 288GB (CDNA4); it supports Ampere, Ada, "
                       "Hopper, Blackwell"]


def test_mi355x_fp4_and_no_nvfp4(catalog: Catalog, llama8b):
    """CDNA4 has FP4 matrix cores (MXFP4 served by vLLM); NVIDIA's NVFP4 is refused, as on MI300X."""
    gpu = catalog.gpu("mi355x")
    assert gpu.peak_tflops("fp4") == 10066.4 and gpu.peak_tflops("tf32") is None
    assert incompatibilities(llama8b, gpu, catalog.runtime("vllm"), quant="mxfp4") == []
    assert any("nvfp4" in r for r in incompatibilities(llama8b, gpu, catalog.runtime("vllm"), quant="nvfp4"))


def test_tgi_has_no_cdna4(catalog: Catalog, llama8b):
    """TGI's profile lists MI300 (CDNA3) only, so the MI355X is refused rather than assumed."""
    reasons = incompatibilities(llama8b, catalog.gpu("mi355x"), catalog.runtime("tgi"))
    assert reasons and "CDNA4" in reasons[0]


def test_consumer_gpus_only_when_named(catalog):
    """GeForce cards are not searched by default (the report says so); naming one with --gpus searches it."""
    from planner.specs.workload import Constraints

    default, _ = catalog.select(Constraints())
    assert {"rtx-4090", "rtx-5090"}.isdisjoint(g.id for g in default)
    assert {"b300", "gb300", "rtx-pro-6000-server", "mi355x", "h100-sxm"} <= {g.id for g in default}
    note = catalog.unsearched(Constraints())
    assert note is not None and "rtx-4090, rtx-5090" in note and "--gpus" in note
    named, _ = catalog.select(Constraints(gpus=["rtx-4090"]))
    assert [g.id for g in named] == ["rtx-4090"] and catalog.unsearched(Constraints(gpus=["rtx-4090"])) is None
