"""Launch commands that start one replica of a deployment in its runtime, with the planned settings.

Flag names follow each runtime's own CLI (vLLM `vllm serve`, SGLang `sglang.launch_server`, TensorRT-LLM
`trtllm-serve`, TGI `text-generation-launcher`, transformers `transformers serve`), and the image is the one
published for the profiled version, the GPU's vendor and its host's CPU architecture (`Runtime.launch`).
Pure: a `Deployment` in, a `LaunchSummary` out.
"""

from __future__ import annotations

import shlex

from planner.deploy.parallel import parallel_args, replica_tp_flag
from planner.deploy.rules import Target, features_on
from planner.deploy.speculative import speculative_args
from planner.specs.deployment import Deployment
from planner.specs.launch import LaunchRules
from planner.specs.report import LaunchSummary

TGI_DEFAULT_MAX_CONCURRENT = 128
"""TGI's own `--max-concurrent-requests` default (launcher/src/main.rs); the router answers 429 beyond it."""


def target_of(dep: Deployment) -> Target:
    """Where the deployment runs, for the launch rules."""
    return Target(vendor=dep.gpu.vendor, architecture=dep.gpu.architecture, encoder=dep.model.encoder_only)


def _quant_args(dep: Deployment, rules: LaunchRules | None, notes: list[str]) -> list[str]:
    """The quantization flag: online quantization of a 16-bit checkpoint, or the checkpoint's own format."""
    if rules is None or dep.quant in ("bf16", "fp16"):
        return []
    ckpt = dep.model.quantization.format if dep.model.quantization else None
    if ckpt == dep.quant:
        value = rules.checkpoint_quantization.get(dep.quant, "")
    elif dep.quant in rules.online_quantization:
        value = rules.online_quantization[dep.quant]
        notes.append(f"the runtime quantizes the 16-bit weights to {dep.quant} while loading")
    else:
        notes.append(f"{dep.quant} weights need a checkpoint quantized offline to {dep.quant} (TensorRT Model "
                     f"Optimizer, llm-compressor or AutoAWQ); point the command at it")
        return []
    return [rules.quantization_flag, value] if value and rules.quantization_flag else []


def image_of(dep: Deployment, notes: list[str]) -> str:
    """The pinned image for this GPU's vendor and host CPU, or the nearest one with a warning note."""
    rules = dep.runtime.launch
    arch = dep.gpu.host_cpu_arch
    if rules is None:
        notes.append(f"WARNING: no image is known for {dep.runtime.name} {dep.runtime.version}")
        return "unknown"
    image = rules.image_for(dep.gpu.vendor, arch)
    if image is not None:
        return image.ref
    others = rules.images_for(dep.gpu.vendor)
    if others:
        notes.append(f"WARNING: {dep.runtime.name} {dep.runtime.version} publishes no {arch} image for "
                     f"{dep.gpu.vendor} GPUs; {others[0].ref} is {'/'.join(others[0].cpu_archs)} only and will not "
                     f"start on {dep.gpu.name} hosts: build an {arch} image of that version and use it instead")
        return others[0].ref
    notes.append(f"WARNING: {dep.runtime.name} {dep.runtime.version} publishes no image for {dep.gpu.vendor} GPUs: "
                 f"build one of that version and use it instead")
    return "unknown"


def launch(dep: Deployment, model_ref: str, port: int = 8000, *,
           max_concurrent_requests: int | None = None) -> LaunchSummary:
    """The command line that starts one replica of `dep` serving `model_ref`.

    Args:
        dep: The deployment.
        model_ref: What the runtime loads (a Hugging Face repo id or a path).
        port: Port the server listens on.
        max_concurrent_requests: Requests a router-fronted runtime (TGI) admits before answering 429; None: at
            least its default, and never fewer than the running batch.
    """
    rid = dep.runtime.id
    rules = dep.runtime.launch
    notes: list[str] = []
    quant_args = _quant_args(dep, rules, notes)
    fp8_kv = dep.kv_dtype == "fp8"
    if rid == "vllm":
        args = ["serve", model_ref, "--tensor-parallel-size", str(dep.tp_size),
                "--pipeline-parallel-size", str(dep.pp_size), "--max-num-seqs", str(dep.max_num_seqs),
                "--max-num-batched-tokens", str(dep.max_num_batched_tokens), "--max-model-len",
                str(dep.max_model_len), "--gpu-memory-utilization", f"{dep.memory_fraction:.2f}",
                "--host", "0.0.0.0", "--port", str(port)]
        args += quant_args
        args += ["--kv-cache-dtype", "fp8"] if fp8_kv else []
        args += ["--runner", "pooling"] if dep.model.encoder_only else []
        program = "vllm"
    elif rid == "sglang":
        split = dep.dp_size if dep.runtime.parallelism.dp_divides_limits else 1  # SGLang's limits: the replica's
        args = ["-m", "sglang.launch_server", "--model-path", model_ref, "--tp-size", str(replica_tp_flag(dep)),
                "--pp-size", str(dep.pp_size), "--max-running-requests", str(dep.max_num_seqs * split),
                "--chunked-prefill-size", str(dep.max_num_batched_tokens * split), "--context-length",
                str(dep.max_model_len), "--mem-fraction-static", f"{dep.memory_fraction:.2f}",
                "--host", "0.0.0.0", "--port", str(port)]
        args += quant_args
        args += ["--kv-cache-dtype", "fp8_e4m3"] if fp8_kv else []
        args += ["--is-embedding"] if dep.model.encoder_only else []
        program = "python3"
    elif rid == "trtllm":
        args = ["serve", model_ref, "--backend", "pytorch", "--tp_size", str(replica_tp_flag(dep)), "--pp_size",
                str(dep.pp_size), "--max_batch_size", str(dep.max_num_seqs), "--max_num_tokens",
                str(dep.max_num_batched_tokens), "--max_seq_len", str(dep.max_model_len),
                "--kv_cache_free_gpu_memory_fraction", f"{dep.memory_fraction:.2f}", "--host", "0.0.0.0",
                "--port", str(port)]
        if fp8_kv:
            notes.append("FP8 KV cache: set `kv_cache_config: {dtype: fp8}` in the --extra_llm_api_options YAML")
        program = "trtllm-serve"
    elif rid == "tgi":
        max_input = dep.max_model_len - 1
        prefill = dep.max_num_batched_tokens
        chunked, _ = features_on(rules, target_of(dep)) if rules else (True, True)
        if not chunked and prefill < max_input:
            # Without chunking the router refuses to start unless a whole prompt fits one prefill batch.
            notes.append(f"this TGI build has no prefill chunking: --max-batch-prefill-tokens raised from {prefill} "
                         f"to the longest prompt ({max_input} tokens); the plan modelled {prefill}-token chunks")
            prefill = max_input
        concurrent = max(max_concurrent_requests or TGI_DEFAULT_MAX_CONCURRENT, dep.max_num_seqs)
        args = ["--model-id", model_ref, "--num-shard", str(dep.tp_size), "--max-concurrent-requests",
                str(concurrent), "--max-batch-prefill-tokens", str(prefill),
                "--max-total-tokens", str(dep.max_model_len), "--max-input-tokens", str(max_input),
                "--cuda-memory-fraction", f"{dep.memory_fraction:.2f}", "--port", str(port)]
        args += quant_args
        args += ["--kv-cache-dtype", "fp8_e4m3fn"] if fp8_kv else []
        if dep.pp_size > 1:
            notes.append("TGI has no pipeline parallelism; this plan needs another runtime")
        program = "text-generation-launcher"
    else:
        args = ["serve", model_ref, "--host", "0.0.0.0", "--port", str(port)]
        notes.append("transformers serves static batches without paged KV cache: a baseline, not for production")
        program = "transformers"
    args += parallel_args(dep, notes)
    args += speculative_args(dep, notes)
    image = image_of(dep, notes)
    command = " ".join(shlex.quote(part) for part in (program, *args))
    return LaunchSummary(command=command, image=image, program=program, args=args, notes=notes)
