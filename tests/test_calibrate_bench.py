"""The torch side of calibration: the verification decoder, benchmark plans and their non-GPU logic."""

from __future__ import annotations

import functools
import json

import pytest

torch = pytest.importorskip("torch")

from planner.calibrate import _bench, _decode_bench, _model, fit, measure
from planner.errors import CalibrationError

CPU = torch.device("cpu")


def tiny(moe: bool = False) -> _model.DecoderConfig:
    return _model.DecoderConfig(hidden_size=64, intermediate_size=96, num_layers=2, num_heads=4, num_kv_heads=2,
                                head_dim=16, vocab_size=50, num_experts=4 if moe else 0,
                                num_experts_per_tok=2 if moe else 0, expert_intermediate_size=32 if moe else 0)


@pytest.mark.unit
@pytest.mark.parametrize("moe", [False, True])
def test_decode_with_kv_cache_matches_full_prefill(moe):
    """A decode step after a prefill gives the logits a prefill of the whole sequence gives (RoPE, GQA, cache)."""
    cfg = tiny(moe)
    model = _model.build(cfg, 32, CPU, torch.float32, seed=1)
    ids = torch.randint(0, cfg.vocab_size, (2, 9), generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        full = model(ids, _model.KvCache(cfg, 2, 32, CPU, torch.float32), 0)
        cache = _model.KvCache(cfg, 2, 32, CPU, torch.float32)
        model(ids[:, :8], cache, 0)
        step = model(ids[:, 8:], cache, 8)
    assert torch.allclose(full, step, atol=1e-5)


@pytest.mark.unit
def test_decoder_config_from_hf_fields_and_errors():
    """Config fields map onto the decoder; a missing field or an unsupported architecture is named."""
    cfg = _model.DecoderConfig.from_hf(_decode_bench.CPU_MODELS["mixtral-small"])
    assert (cfg.num_experts, cfg.num_experts_per_tok, cfg.expert_intermediate_size, cfg.head_dim) == (8, 2, 1024, 64)
    with pytest.raises(CalibrationError, match="config: num_hidden_layers"):
        _model.DecoderConfig.from_hf({"hidden_size": 64, "num_attention_heads": 4, "intermediate_size": 8,
                                      "vocab_size": 10})
    with pytest.raises(CalibrationError, match="no MLA attention"):
        _model.DecoderConfig.from_hf({"kv_lora_rank": 512})


@pytest.mark.unit
def test_load_config_from_folder_and_errors(tmp_path):
    """`--model` takes a config.json or its folder; unreadable files are one-line errors."""
    folder = tmp_path / "my-model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(_decode_bench.CPU_MODELS["llama-small"]))
    assert _decode_bench.load_config(folder)[0] == "my-model"
    assert _decode_bench.load_config(folder / "config.json")[1]["hidden_size"] == 1024
    with pytest.raises(CalibrationError, match="cannot read the model config"):
        _decode_bench.load_config(tmp_path / "nope.json")


@pytest.mark.unit
def test_sixteen_bit_follows_the_checkpoint():
    """Verification runs fp16 checkpoints in fp16 and the rest in bf16 (as `default_quant` serves them)."""
    assert _decode_bench.sixteen_bit({"torch_dtype": "float16"}, CPU) == "fp16"
    assert _decode_bench.sixteen_bit({"torch_dtype": "bfloat16"}, CPU) == "bf16"
    with pytest.raises(CalibrationError, match="unquantized"):
        _decode_bench.sixteen_bit({"quantization_config": {"quant_method": "awq"}}, CPU)


@pytest.mark.unit
def test_count_ops_sees_every_layer():
    """Each extra decoder layer adds the same number of dispatched ATen ops."""
    counts = []
    for layers in (1, 2, 3):
        cfg = _model.tiny_config(layers)
        model = _model.build(cfg, 32, CPU, torch.float32)
        cache = _model.KvCache(cfg, 1, 32, CPU, torch.float32)
        with torch.no_grad():
            counts.append(_bench.count_ops(functools.partial(model.step, torch.zeros(1, 1, dtype=torch.long), cache, 16)))
    assert counts[2] - counts[1] == counts[1] - counts[0] > 20


@pytest.mark.unit
def test_plans_and_progress_count():
    """GPU plans measure bf16/fp16/FP8 over M = 1..8192; the progress total matches the benchmarks."""
    full, quick = _bench.make_plan("cuda", False), _bench.make_plan("cuda", True)
    assert full.gemm_rows[0] == 1 and full.gemm_rows[-1] == 8192 and "fp8" in full.gemm_dtypes
    assert len(quick.gemm_rows) < len(full.gemm_rows) and quick.effort.repeats < full.effort.repeats
    cpu = _bench.make_plan("cpu", True)
    assert cpu.allreduce_bytes == () and "fp8" not in cpu.gemm_dtypes
    gemms = 3 * len(quick.gemm_shapes) * len(quick.gemm_rows)
    expected = (gemms + 2 + len(quick.prefill_lengths) + len(quick.decode_points) + len(quick.moe_tokens) + 2
                + len(quick.allreduce_bytes))
    assert _bench.count(quick, fp8=True, allreduce=True) == expected
    assert _bench.count(quick, fp8=False, allreduce=False) == expected - len(quick.gemm_shapes) * len(
        quick.gemm_rows) - len(quick.allreduce_bytes)


@pytest.mark.unit
def test_fp8_needs_a_capable_gpu():
    """FP8 GEMMs are only attempted on CUDA devices of compute capability 8.9 or newer."""
    assert not _bench.fp8_supported(CPU)


@pytest.mark.unit
@pytest.mark.parametrize(("name", "message"), [("tpu", "unknown device"), ("cuda:0", "no CUDA device is visible")])
def test_resolve_device_errors(name, message):
    """Bad or absent devices are CalibrationErrors that say what to use instead."""
    if name.startswith("cuda") and torch.cuda.is_available():
        pytest.skip("a GPU is visible")
    with pytest.raises(CalibrationError, match=message):
        measure.resolve_device(name)


@pytest.mark.unit
def test_cpu_refuses_gpu_id():
    """`--gpu` names a hardware_db GPU and makes no sense for a CPU run."""
    with pytest.raises(CalibrationError, match="--gpu"):
        measure.calibrate("cpu", gpu_id="h100")


@pytest.mark.unit
def test_cpu_timer_takes_the_median():
    """The timer warms up, then returns the median of its samples."""
    calls = []
    timer = _bench.Timer(CPU)
    seconds = timer.measure(lambda: calls.append(1), _bench.Effort(warmup=2, repeats=3, min_sample_s=0.0))
    assert seconds >= 0 and len(calls) == 2 + 1 + 3


@pytest.mark.slow
def test_allreduce_benchmark_runs_on_gloo():
    """The all-reduce benchmark's process group, timing and fit run end to end (gloo on CPU stands in for NCCL)."""
    plan = _bench.make_plan("cpu", True)
    plan = _bench.Plan(**{**plan.__dict__, "allreduce_bytes": (64, 2**16)})
    samples = _bench.bench_allreduce(2, plan, "gloo", lambda label: None)
    assert [s["bytes"] for s in samples] == [64, 2**16] and all(s["seconds"] > 0 for s in samples)
    out = fit.allreduce_fit(samples, None, [])
    assert out is not None and out["world_size"] == 2 and out["bw_fraction"] is None
