"""Launch commands that start one replica of a deployment in its runtime, with the planned settings.

Flag names follow each runtime's own CLI (vLLM `vllm serve`, SGLang `sglang.launch_server`,
TensorRT-LLM `trtllm-serve`, TGI `text-generation-launcher`, transformers `transformers serve`).
"""

from __future__ import annotations

import shlex

from planner.specs.deployment import Deployment
from planner.specs.report import LaunchSummary

# Formats a runtime quantizes on the fly from a 16-bit checkpoint, and the flag value it takes.
_ONLINE_QUANT = {"vllm": {"fp8": "fp8"}, "sglang": {"fp8": "fp8"}, "tgi": {"fp8": "fp8"}}
_PREQUANT_FLAG = {"tgi": {"int4-awq": "awq", "int4-gptq": "gptq"}}


def launch(dep: Deployment, model_ref: str, port: int = 8000) -> LaunchSummary:
    """The command line that starts one replica of `dep` serving `model_ref`."""
    rid = dep.runtime.id
    ckpt = dep.model.quantization.format if dep.model.quantization else None
    notes: list[str] = []
    online = _ONLINE_QUANT.get(rid, {}).get(dep.quant)
    needs_prequant = dep.quant not in ("bf16", "fp16") and ckpt != dep.quant and online is None
    if needs_prequant:
        notes.append(f"{dep.quant} weights need a checkpoint quantized offline to {dep.quant} "
                     f"(e.g. with llm-compressor, AutoAWQ or TensorRT Model Optimizer); point the command at it")
    quant_flag = online if ckpt != dep.quant and online else _PREQUANT_FLAG.get(rid, {}).get(dep.quant)
    fp8_kv = dep.kv_dtype == "fp8"
    if rid == "vllm":
        args = ["serve", model_ref, "--tensor-parallel-size", str(dep.tp_size),
                "--pipeline-parallel-size", str(dep.pp_size), "--max-num-seqs", str(dep.max_num_seqs),
                "--max-num-batched-tokens", str(dep.max_num_batched_tokens), "--max-model-len",
                str(dep.max_model_len), "--gpu-memory-utilization", f"{dep.memory_fraction:.2f}",
                "--port", str(port)]
        args += ["--quantization", quant_flag] if quant_flag else []
        args += ["--kv-cache-dtype", "fp8"] if fp8_kv else []
        args += ["--runner", "pooling"] if dep.model.encoder_only else []
        program = "vllm"
    elif rid == "sglang":
        args = ["-m", "sglang.launch_server", "--model-path", model_ref, "--tp-size", str(dep.tp_size),
                "--pp-size", str(dep.pp_size), "--max-running-requests", str(dep.max_num_seqs),
                "--chunked-prefill-size", str(dep.max_num_batched_tokens), "--context-length",
                str(dep.max_model_len), "--mem-fraction-static", f"{dep.memory_fraction:.2f}",
                "--host", "0.0.0.0", "--port", str(port)]
        args += ["--quantization", quant_flag] if quant_flag else []
        args += ["--kv-cache-dtype", "fp8_e4m3"] if fp8_kv else []
        args += ["--is-embedding"] if dep.model.encoder_only else []
        program = "python3"
    elif rid == "trtllm":
        args = ["serve", model_ref, "--backend", "pytorch", "--tp_size", str(dep.tp_size), "--pp_size",
                str(dep.pp_size), "--max_batch_size", str(dep.max_num_seqs), "--max_num_tokens",
                str(dep.max_num_batched_tokens), "--max_seq_len", str(dep.max_model_len),
                "--kv_cache_free_gpu_memory_fraction", f"{dep.memory_fraction:.2f}", "--host", "0.0.0.0",
                "--port", str(port)]
        if fp8_kv:
            notes.append("FP8 KV cache: set `kv_cache_config: {dtype: fp8}` in the --extra_llm_api_options YAML")
        program = "trtllm-serve"
    elif rid == "tgi":
        args = ["--model-id", model_ref, "--num-shard", str(dep.tp_size), "--max-concurrent-requests",
                str(max(dep.max_num_seqs, 128)), "--max-batch-prefill-tokens", str(dep.max_num_batched_tokens),
                "--max-total-tokens", str(dep.max_model_len), "--max-input-tokens", str(dep.max_model_len - 1),
                "--cuda-memory-fraction", f"{dep.memory_fraction:.2f}", "--port", str(port)]
        args += ["--quantize", quant_flag] if quant_flag else []
        args += ["--kv-cache-dtype", "fp8_e4m3fn"] if fp8_kv else []
        if dep.pp_size > 1:
            notes.append("TGI has no pipeline parallelism; this plan needs another runtime")
        program = "text-generation-launcher"
    else:
        args = ["serve", "--port", str(port), "--force-model", model_ref]
        notes.append("transformers serves static batches without paged KV cache: a baseline, not for production")
        program = "transformers"
    command = " ".join(shlex.quote(part) for part in (program, *args))
    images = dep.runtime.images
    image = images.get(dep.gpu.vendor) or images.get("nvidia") or "unknown"
    return LaunchSummary(command=command, image=image, program=program, args=args, notes=notes)
