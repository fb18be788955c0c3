"""The checkpoint as ground truth: safetensors headers read without weights, params per dtype, the config gap."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.core.arch import count_params
from planner.errors import SpecError
from planner.io import safetensors
from planner.io.hf import parse_hf_config
from planner.io.loaders import load_model
from tests.conftest import TINY_LLAMA

pytestmark = pytest.mark.unit

_BYTES = {"BF16": 2, "F32": 4, "U8": 1, "F8_E4M3": 1}


def write_safetensors(path: Path, tensors: dict[str, tuple[str, tuple[int, ...]]]) -> None:
    """Write a valid safetensors file (8-byte little-endian header length, JSON header, zero data)."""
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, (dtype, shape) in tensors.items():
        size = _BYTES[dtype]
        for dim in shape:
            size *= dim
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + size]}
        offset += size
    raw = json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + bytes(offset))


def llama_tensors(cfg: dict[str, int], dtype: str = "BF16") -> dict[str, tuple[str, tuple[int, ...]]]:
    """The tensor names and shapes of a Llama checkpoint of `cfg` (as transformers saves them)."""
    h, inter, v = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    heads, kv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    d = h // heads
    out = {"model.embed_tokens.weight": (dtype, (v, h)), "model.norm.weight": (dtype, (h,)),
           "lm_head.weight": (dtype, (v, h))}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        out |= {p + "self_attn.q_proj.weight": (dtype, (heads * d, h)), p + "self_attn.k_proj.weight": (dtype, (kv * d, h)),
                p + "self_attn.v_proj.weight": (dtype, (kv * d, h)), p + "self_attn.o_proj.weight": (dtype, (h, heads * d)),
                p + "mlp.gate_proj.weight": (dtype, (inter, h)), p + "mlp.up_proj.weight": (dtype, (inter, h)),
                p + "mlp.down_proj.weight": (dtype, (h, inter)), p + "input_layernorm.weight": (dtype, (h,)),
                p + "post_attention_layernorm.weight": (dtype, (h,))}
    return out


@pytest.fixture()
def checkpoint(tmp_path: Path) -> Path:
    """A tiny Llama checkpoint folder: config.json and one model.safetensors."""
    (tmp_path / "config.json").write_text(json.dumps(TINY_LLAMA))
    write_safetensors(tmp_path / "model.safetensors", llama_tensors(TINY_LLAMA))
    return tmp_path


def test_header_is_read_without_weights(checkpoint):
    """The header gives every tensor's dtype and shape; the data bytes are never read."""
    header = safetensors.read_header(checkpoint / "model.safetensors")
    assert header["model.embed_tokens.weight"]["shape"] == [1000, 256]
    assert len(safetensors.tensors_of(header)) == 3 + 9 * 4


def test_checkpoint_counts_match_the_config(checkpoint):
    """A checkpoint whose tensors are exactly the config's has zero gap and no cause; bf16 holds every param."""
    spec = load_model(str(checkpoint))
    ckpt = spec.checkpoint
    total = count_params(parse_hf_config(TINY_LLAMA, "x")).total
    assert ckpt.params_by_dtype == {"BF16": total}
    assert ckpt.params_logical == ckpt.config_params == total
    assert ckpt.gap == 0 and ckpt.gap_cause is None
    assert ckpt.total_bytes == 2 * total


def test_vision_tower_gap_is_reported(checkpoint):
    """Tower tensors the config does not describe show as a gap > 1% blamed on the vision tower."""
    tensors = llama_tensors(TINY_LLAMA) | {"vision_tower.patch_embed.weight": ("BF16", (256, 3 * 14 * 14 * 8))}
    write_safetensors(checkpoint / "model.safetensors", tensors)
    spec = load_model(str(checkpoint))
    assert spec.checkpoint.params_vision == 256 * 3 * 14 * 14 * 8
    assert spec.checkpoint.gap > 0.01
    assert "vision / audio tower" in spec.checkpoint.gap_cause
    assert any("likely cause: the vision / audio tower" in w for w in spec.warnings)


def test_mtp_layers_counted_apart(checkpoint):
    """Tensors of layers past num_hidden_layers are MTP layers: counted apart, not a gap."""
    extra = {f"model.layers.4.{k}": v for k, v in {"eh_proj.weight": ("BF16", (256, 512))}.items()}
    write_safetensors(checkpoint / "model.safetensors", llama_tensors(TINY_LLAMA) | extra)
    ckpt = load_model(str(checkpoint)).checkpoint
    assert ckpt.params_mtp == 256 * 512 and ckpt.gap == 0


def test_unmodelled_block_gap(checkpoint):
    """Extra text tensors are an unmodelled block, named with their count."""
    extra = {f"model.layers.{i}.mystery.weight": ("BF16", (256, 256)) for i in range(4)}
    write_safetensors(checkpoint / "model.safetensors", llama_tensors(TINY_LLAMA) | extra)
    ckpt = load_model(str(checkpoint)).checkpoint
    assert ckpt.gap_cause.startswith("an unmodelled block: +262,144 parameters")


def test_sharded_index_and_packed_nvfp4(tmp_path):
    """Shards named by the index are all read; NVFP4 U8 elements hold two parameters, scales are not params."""
    cfg = {**TINY_LLAMA, "quantization_config": {"quant_method": "modelopt", "quant_algo": "NVFP4"}}
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    tensors = llama_tensors(TINY_LLAMA)
    packed = {}
    for name, (dtype, shape) in tensors.items():
        if "mlp" in name:
            packed[name] = ("U8", (shape[0], shape[1] // 2))
            packed[name.replace(".weight", ".weight_scale")] = ("F8_E4M3", (shape[0], shape[1] // 16))
        else:
            packed[name] = (dtype, shape)
    names = sorted(packed)
    write_safetensors(tmp_path / "a.safetensors", {n: packed[n] for n in names[::2]})
    write_safetensors(tmp_path / "b.safetensors", {n: packed[n] for n in names[1::2]})
    index = {"metadata": {}, "weight_map": {n: ("a" if i % 2 == 0 else "b") + ".safetensors"
                                            for i, n in enumerate(names)}}
    (tmp_path / "model.safetensors.index.json").write_text(json.dumps(index))
    ckpt = load_model(str(tmp_path)).checkpoint
    assert "U8" in ckpt.params_by_dtype and "F8_E4M3" in ckpt.params_by_dtype
    assert ckpt.params_logical == ckpt.config_params


def test_not_a_safetensors_file(tmp_path):
    """An LFS pointer or any non-safetensors file is a SpecError that says so."""
    path = tmp_path / "model.safetensors"
    path.write_text("version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 12\n")
    with pytest.raises(SpecError, match="not a safetensors file"):
        safetensors.read_header(path)


def test_hf_quant_config_sets_precision(model):
    """A ModelOpt hf_quant_config.json beside the config sets the served format and the KV precision."""
    spec = model("deepseek-v3.1-nvfp4")
    assert spec.quantization.format == "nvfp4" and spec.quantization.group_size == 16
    assert spec.quantization.kv_cache_dtype == "fp8" and spec.quantization.source == "hf_quant_config.json"
    assert "lm_head" in spec.quantization.unquantized_modules
    assert model("nemotron-3-super-120b-a12b-fp8").quantization.format == "fp8"


def test_memory_cli_reports_params_per_dtype_and_gap(checkpoint):
    """`planner memory` on a folder with safetensors prints params per dtype and the gap to the config."""
    result = CliRunner().invoke(app, ["memory", str(checkpoint), "--gpu", "l4"],
                                env={"COLUMNS": "120", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    total = count_params(parse_hf_config(TINY_LLAMA, "x")).total
    assert "BF16" in result.output and f"{total:,}" in result.output
    assert "gap +0.00% (within 1%)" in result.output
    payload = CliRunner().invoke(app, ["memory", str(checkpoint), "--gpu", "l4", "--format", "json"]).output
    assert json.loads(payload)["checkpoint"]["params_by_dtype"] == {"BF16": total}
