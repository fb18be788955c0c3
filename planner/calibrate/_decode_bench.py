"""Time prefill and decode steps of random-weight decoders (the measured half of `--verify`).

Standard library and torch only: on a GPU host with nothing but torch the measurements are
taken here and written out, and the planner's predictions are added wherever the full
package is installed (`planner calibrate --verify --measured FILE`).
"""

from __future__ import annotations

import functools
import gc
import json
from pathlib import Path
from typing import Any

import torch

from planner.calibrate import _bench, _model
from planner.calibrate.measure import Reporter, resolve_device
from planner.errors import CalibrationError

Point = dict[str, Any]
"""`{"model", "phase", "batch", "tokens"}`, plus `measured_s` once timed."""

CPU_MODELS: dict[str, dict[str, Any]] = {
    "llama-small": {
        "model_type": "llama", "hidden_size": 1024, "intermediate_size": 2816, "num_hidden_layers": 6,
        "num_attention_heads": 16, "num_key_value_heads": 4, "vocab_size": 32000, "max_position_embeddings": 4096,
        "rope_theta": 10000.0, "rms_norm_eps": 1e-5, "torch_dtype": "bfloat16", "tie_word_embeddings": False,
    },
    "mixtral-small": {
        "model_type": "mixtral", "hidden_size": 512, "intermediate_size": 1024, "num_hidden_layers": 4,
        "num_attention_heads": 8, "num_key_value_heads": 2, "vocab_size": 32000, "max_position_embeddings": 4096,
        "num_local_experts": 8, "num_experts_per_tok": 2, "rope_theta": 1e6, "rms_norm_eps": 1e-5,
        "torch_dtype": "bfloat16", "tie_word_embeddings": False,
    },
}
"""Default verification models on a CPU: a small Llama and a small Mixtral (run in well under a minute)."""

GPU_MODELS: dict[str, dict[str, Any]] = {
    "llama-3.1-8b-shape": {
        "model_type": "llama", "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32,
        "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 128256,
        "max_position_embeddings": 131072, "rope_theta": 500000.0, "rms_norm_eps": 1e-5,
        "torch_dtype": "bfloat16", "tie_word_embeddings": False,
    },
    "mixtral-8x7b-4-layers": {
        "model_type": "mixtral", "hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 4,
        "num_attention_heads": 32, "num_key_value_heads": 8, "vocab_size": 32000, "max_position_embeddings": 32768,
        "num_local_experts": 8, "num_experts_per_tok": 2, "rope_theta": 1e6, "rms_norm_eps": 1e-5,
        "torch_dtype": "bfloat16", "tie_word_embeddings": False,
    },
}
"""Default verification models on a GPU: Llama-3.1-8B's shape (32 layers) and Mixtral-8x7B's layer
shape cut to 4 layers (about 11 GiB), both with random weights."""

CPU_POINTS: tuple[tuple[str, int, int], ...] = (
    ("prefill", 1, 128), ("prefill", 1, 512), ("prefill", 4, 128),
    ("decode", 1, 256), ("decode", 8, 256), ("decode", 1, 1024), ("decode", 8, 1024),
)
"""(phase, batch, tokens) verified on a CPU; tokens are the prompt (prefill) or the context read (decode)."""

GPU_POINTS: tuple[tuple[str, int, int], ...] = (
    ("prefill", 1, 512), ("prefill", 1, 2048), ("prefill", 4, 2048), ("prefill", 1, 8192),
    ("decode", 1, 1024), ("decode", 16, 1024), ("decode", 64, 2048), ("decode", 1, 8192), ("decode", 32, 4096),
)
"""(phase, batch, tokens) verified on a GPU."""


def default_models(device_kind: str) -> dict[str, dict[str, Any]]:
    """The verification models for a device kind (copies)."""
    return {name: dict(cfg) for name, cfg in (GPU_MODELS if device_kind == "cuda" else CPU_MODELS).items()}


def default_points(device_kind: str, model: str) -> list[Point]:
    """The points to time for one model."""
    points = GPU_POINTS if device_kind == "cuda" else CPU_POINTS
    return [{"model": model, "phase": phase, "batch": batch, "tokens": tokens} for phase, batch, tokens in points]


def load_config(path: Path) -> tuple[str, dict[str, Any]]:
    """(name, config dict) from a config.json or a folder holding one.

    Raises:
        CalibrationError: The file is missing or not a JSON object.
    """
    file = path / "config.json" if path.is_dir() else path
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CalibrationError(f"cannot read the model config: {exc.strerror}", where=str(file),
                               hint="pass a config.json or a folder holding one") from None
    except ValueError as exc:
        raise CalibrationError(f"malformed JSON: {exc}", where=str(file)) from None
    if not isinstance(data, dict):
        raise CalibrationError("a config.json must hold a JSON object", where=str(file))
    name = file.parent.name if file.name == "config.json" and file.parent.name else file.stem
    return name, data


def sixteen_bit(config: dict[str, Any], device: torch.device) -> str:
    """The 16-bit format the planner serves this unquantized model in on this device.

    Mirrors `planner.core.compat.default_quant`: fp16 for fp16 checkpoints and on GPUs without bf16
    (compute capability below 8.0), bf16 otherwise.
    """
    if config.get("quantization_config"):
        raise CalibrationError("the verification decoder runs unquantized 16-bit models only",
                               where="quantization_config", hint="pass the config of the unquantized model")
    if str(config.get("torch_dtype") or config.get("dtype") or "") in ("float16", "fp16", "half"):
        return "fp16"
    if device.type == "cuda" and torch.cuda.get_device_capability(device)[0] < 8:
        return "fp16"
    return "bf16"


def measure_models(models: dict[str, dict[str, Any]], device: str | None, reporter: Reporter) -> list[Point]:
    """Time the default points of every model on the device (points carry their `dtype`)."""
    dev = resolve_device(device)
    plans = {name: default_points(dev.type, name) for name in models}
    reporter.start(sum(len(points) for points in plans.values()))
    out: list[Point] = []
    for name, config in models.items():
        dtype = sixteen_bit(config, dev)
        points = [{**p, "dtype": dtype} for p in plans[name]]
        out += measure_model(name, config, points, device, dtype, verify_effort(dev.type), reporter)
    return out


def measure_model(name: str, config: dict[str, Any], points: list[Point], device: str | None, dtype: str,
                  effort: _bench.Effort, reporter: Reporter, seed: int = 0) -> list[Point]:
    """Time each point of one model: a greedy prefill of the whole prompt, or one decode step.

    A decode point at context C writes token C-1 into a static cache holding C-1 random tokens
    and attends over all C, as a generation step C-1 tokens into the sequence does.
    """
    dev = resolve_device(device)
    cfg = _model.DecoderConfig.from_hf(config, where=name)
    torch_dtype = _model.TORCH_DTYPES[dtype]
    max_tokens = max(p["tokens"] for p in points) + 1
    if dev.type == "cuda":
        elem = torch.empty((), dtype=torch_dtype).element_size()
        need = _model.weight_bytes(cfg, elem) + max(_model.kv_bytes(cfg, p["batch"], p["tokens"] + 1, elem)
                                                    for p in points)
        have = torch.cuda.get_device_properties(dev).total_memory
        if need > 0.9 * have:
            raise CalibrationError(f"verification model {name} needs {need / 2**30:.1f} GiB with its largest KV "
                                   f"cache; the GPU has {have / 2**30:.1f} GiB", where="--model",
                                   hint="verify with a smaller config (--model)")
    timer = _bench.Timer(dev)
    out: list[Point] = []
    with torch.no_grad():
        model = _model.build(cfg, max_tokens, dev, torch_dtype, seed=seed)
        gen = torch.Generator(device="cpu").manual_seed(seed)
        for point in points:
            batch, tokens = point["batch"], point["tokens"]
            cache = _model.KvCache(cfg, batch, tokens + 1, dev, torch_dtype)
            if point["phase"] == "prefill":
                ids = torch.randint(0, cfg.vocab_size, (batch, tokens), generator=gen).to(dev)
                pos = 0
            else:
                ids = torch.randint(0, cfg.vocab_size, (batch, 1), generator=gen).to(dev)
                pos = tokens - 1

            step = functools.partial(model.step, ids, cache, pos)
            out.append({**point, "measured_s": timer.measure(step, effort)})
            reporter.advance(f"verify {name} {point['phase']} {batch}x{tokens}")
            del cache, step
        del model
    gc.collect()
    if dev.type == "cuda":
        torch.cuda.empty_cache()
    return out


def verify_effort(device_kind: str) -> _bench.Effort:
    """Warm-up and repeats of the verification timings (whole model steps, so few)."""
    if device_kind == "cuda":
        return _bench.Effort(warmup=2, repeats=5, min_sample_s=0.0)
    return _bench.Effort(warmup=2, repeats=5, min_sample_s=0.0)
