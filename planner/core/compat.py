"""Which model x GPU x runtime x parallelism x precision combinations are legal, and why not."""

from __future__ import annotations

from planner.core import formats as _quant
from planner.core import speculative as _spec
from planner.errors import SpecError
from planner.specs.deployment import Deployment
from planner.specs.hardware import Gpu
from planner.specs.model import ModelSpec
from planner.specs.runtime import KvDtype, Quant, Runtime
from planner.specs.speculative import SpeculativeConfig

_ARCH_NAMES = {
    "turing": "Turing", "ampere": "Ampere", "ada": "Ada", "hopper": "Hopper",
    "blackwell": "Blackwell", "cdna3": "CDNA3", "cdna4": "CDNA4",
}


def default_quant(model: ModelSpec, gpu: Gpu) -> Quant:
    """Weight precision served when the user names none: the checkpoint's own format."""
    if model.quantization is not None:
        return model.quantization.format
    if model.dtype == "fp16":
        return "fp16"
    return _quant.sixteen_bit(gpu.architecture)


def _archs(archs: list[str]) -> str:
    return ", ".join(_ARCH_NAMES.get(a, a) for a in archs) or "no GPU"


def incompatibilities(model: ModelSpec, gpu: Gpu, runtime: Runtime, *, tp_size: int = 1,
                      pp_size: int = 1, quant: Quant | None = None,
                      kv_dtype: KvDtype = "auto", speculative: SpeculativeConfig | None = None) -> list[str]:
    """Every reason this combination cannot run, in words (empty when it can)."""
    quant = quant or default_quant(model, gpu)
    reasons: list[str] = []
    arch = gpu.architecture
    if gpu.vendor not in runtime.vendors or arch not in runtime.architectures:
        reasons.append(f"{runtime.name} does not run on {gpu.name} ({_ARCH_NAMES[arch]}); "
                       f"it supports {_archs(list(runtime.architectures))}")
        return reasons
    if not runtime.supports_family(model.family):
        what = model.architecture or model.model_type
        reasons.append(f"{runtime.name} {runtime.version} cannot load {what} ({model.family}) models: not in its "
                       "supported-models list")
    if model.encoder_only and not runtime.features.embedding_models:
        reasons.append(f"{runtime.name} does not serve encoder-only (embedding) models")
    if model.encoder_only and kv_dtype != "auto":
        reasons.append("an encoder keeps no KV cache; a KV precision does not apply")
    if not runtime.supports_quant(quant, arch):
        supported = runtime.quantization.get(quant)
        where = f"only on {_archs(list(supported))}" if supported else "on no GPU"
        reasons.append(f"{runtime.name} serves {quant} weights {where}; {gpu.name} is {_ARCH_NAMES[arch]}")
    if kv_dtype != "auto" and not runtime.supports_kv_dtype(kv_dtype, arch):
        reasons.append(f"{runtime.name} has no {kv_dtype} KV cache on {gpu.name} ({_ARCH_NAMES[arch]})")
    if model.quantization is not None and quant != model.quantization.format:
        reasons.append(f"the checkpoint is quantized as {model.quantization.format}; it cannot be served "
                       f"as {quant}")
    heads, kv_heads = model.attention.num_heads, model.attention.num_kv_heads
    if tp_size > 1 and not runtime.parallelism.tp:
        reasons.append(f"{runtime.name} has no tensor parallelism")
    if pp_size > 1 and not runtime.parallelism.pp:
        reasons.append(f"{runtime.name} has no pipeline parallelism")
    if heads % tp_size:
        reasons.append(f"tensor-parallel size {tp_size} does not divide the {heads} attention heads")
    elif kv_heads % tp_size and tp_size % kv_heads:
        reasons.append(f"tensor-parallel size {tp_size} and the {kv_heads} KV heads do not divide each other")
    if tp_size > gpu.interconnect.gpus_per_node:
        reasons.append(f"tensor-parallel size {tp_size} exceeds the {gpu.interconnect.gpus_per_node} "
                       f"GPUs of one {gpu.name} node; use pipeline parallelism across nodes")
    if tp_size * pp_size > runtime.parallelism.max_gpus_per_replica:
        reasons.append(f"{tp_size * pp_size} GPUs per replica exceed {runtime.name}'s limit of "
                       f"{runtime.parallelism.max_gpus_per_replica}")
    if pp_size > model.num_layers:
        reasons.append(f"pipeline-parallel size {pp_size} exceeds the {model.num_layers} layers")
    if quant in ("int4-awq", "int4-gptq"):
        group = (model.quantization.group_size if model.quantization else None) or \
            _quant.DEFAULT_GROUP_SIZE[quant]
        inter = model.moe.expert_intermediate_size if model.is_moe and model.moe else model.intermediate_size
        if (inter // tp_size) % group:
            reasons.append(f"{quant} with group size {group} needs the intermediate size per GPU "
                           f"({inter} / {tp_size}) to be a multiple of {group}")
    if speculative is not None:
        reasons += _spec.incompatibilities(model, runtime, speculative, pp_size)
    return reasons


def default_ep_size(model: ModelSpec, tp_size: int, dp_size: int) -> int:
    """Expert-parallel size when none is given: every GPU of the MoE layer for MoE models with attention data
    parallelism, else 1 (experts sharded by tensor parallelism like dense layers)."""
    return tp_size * dp_size if model.is_moe and dp_size > 1 else 1


def dp_ep_incompatibilities(model: ModelSpec, gpu: Gpu, runtime: Runtime, *, tp_size: int, dp_size: int,
                            ep_size: int, pp_size: int = 1) -> list[str]:
    """Every reason an attention data-parallel / expert-parallel layout cannot run, in words."""
    reasons: list[str] = []
    if dp_size > 1 and not runtime.parallelism.dp_attention:
        reasons.append(f"{runtime.name} has no attention data parallelism (--dp-size)")
    if ep_size > 1:
        if not model.is_moe or model.moe is None:
            reasons.append(f"expert-parallel size {ep_size} needs a mixture-of-experts model; {model.name} is dense")
            return reasons
        if not runtime.parallelism.ep:
            reasons.append(f"{runtime.name} has no expert parallelism (--ep-size)")
        group = tp_size * dp_size
        if group % ep_size:
            reasons.append(f"expert-parallel size {ep_size} does not divide the {group} GPUs of the MoE layer "
                           f"(tp {tp_size} x dp {dp_size})")
        if model.moe.num_experts % ep_size:
            reasons.append(f"expert-parallel size {ep_size} does not divide the {model.moe.num_experts} experts")
    if tp_size * dp_size * pp_size > runtime.parallelism.max_gpus_per_replica:
        reasons.append(f"{tp_size * dp_size * pp_size} GPUs per replica exceed {runtime.name}'s limit of "
                       f"{runtime.parallelism.max_gpus_per_replica}")
    return reasons


def make_deployment(model: ModelSpec, gpu: Gpu, runtime: Runtime, *, tp_size: int = 1, pp_size: int = 1,
                    dp_size: int = 1, ep_size: int | None = None, quant: Quant | None = None, kv_dtype: KvDtype = "auto",
                    max_num_seqs: int | None = None, max_num_batched_tokens: int | None = None,
                    max_model_len: int | None = None, memory_fraction: float | None = None,
                    speculative: SpeculativeConfig | None = None) -> Deployment:
    """Build a checked `Deployment`, filling unset limits from the runtime's defaults.

    Raises:
        SpecError: The combination cannot run; the message gives every reason.
    """
    quant = quant or default_quant(model, gpu)
    reasons = incompatibilities(model, gpu, runtime, tp_size=tp_size, pp_size=pp_size, quant=quant,
                                kv_dtype=kv_dtype)
    if reasons:
        raise SpecError("; ".join(reasons), hint=_hint(reasons))
    ep = ep_size if ep_size is not None else default_ep_size(model, tp_size, dp_size)
    if dp_size > 1 or ep > 1:
        par_reasons = dp_ep_incompatibilities(model, gpu, runtime, tp_size=tp_size, dp_size=dp_size, ep_size=ep,
                                              pp_size=pp_size)
        if par_reasons:
            if ep_size is None and ep > 1:  # the user set only --dp-size: say where the expert-parallel size came from
                where = "--dp-size"
                par_reasons = [r.replace(f"expert-parallel size {ep} ", f"the default expert-parallel size {ep} "
                                         f"(tp {tp_size} x dp {dp_size}) ") for r in par_reasons]
                hint = ("choose --dp-size so that tp x dp divides the expert count, or pass --ep-size N dividing "
                        "both; see `planner runtimes` for the runtimes with DP attention / EP")
            else:
                where = "--ep-size" if ep > 1 else "--dp-size"
                hint = ("expert parallelism needs an MoE model and a size dividing tp x dp GPUs and the expert "
                        "count; see `planner runtimes` for the runtimes with DP attention / EP")
            raise SpecError("; ".join(par_reasons), where=where, value=ep if ep_size is not None and ep > 1 else dp_size,
                            hint=hint)
    if speculative is not None and (spec_reasons := _spec.incompatibilities(model, runtime, speculative, pp_size)):
        raise SpecError("; ".join(spec_reasons), where="--speculative", value=speculative.method,
                        hint=_spec.hint(spec_reasons))
    if max_model_len is not None and max_model_len > model.max_position_embeddings:
        raise SpecError("max model length exceeds the model's context", value=max_model_len,
                        where="--context", hint=f"{model.name} supports {model.max_position_embeddings} tokens")
    sched = runtime.scheduler_for(gpu.architecture, gpu.memory_bytes)
    if speculative is not None and sched.speculative_max_num_seqs is not None:
        # The runtime lowers its default running-request cap for speculative decoding (an explicit value wins).
        sched = sched.model_copy(update={"max_num_seqs": sched.speculative_max_num_seqs})
    if dp_size > 1 and runtime.parallelism.dp_divides_limits:
        # The runtime's defaults are the replica's, split among the data-parallel ranks.
        sched = sched.model_copy(update={"max_num_seqs": max(1, sched.max_num_seqs // dp_size),
                                         "max_num_batched_tokens": max(1, sched.max_num_batched_tokens // dp_size)})
    if not runtime.features.sliding_window and any(layer.window_tokens for layer in model.layers):
        model = model.model_copy(update={
            "layers": tuple(layer.model_copy(update={"window_tokens": None}) for layer in model.layers),
            "warnings": (*model.warnings, f"{runtime.name} keeps full-context KV for sliding-window layers "
                                          "by default; planned without the window"),
        })
    return Deployment(
        model=model, gpu=gpu, runtime=runtime, tp_size=tp_size, pp_size=pp_size, dp_size=dp_size, ep_size=ep,
        quant=quant,
        kv_dtype=kv_dtype, max_num_seqs=max_num_seqs or sched.max_num_seqs,
        max_num_batched_tokens=max_num_batched_tokens or sched.max_num_batched_tokens,
        max_model_len=max_model_len or model.max_position_embeddings,
        memory_fraction=memory_fraction or runtime.memory.memory_fraction, speculative=speculative,
    )


def _hint(reasons: list[str]) -> str:
    text = " ".join(reasons)
    if "does not divide" in text:
        return "choose a tensor-parallel size that divides the attention and KV heads (1, 2, 4, 8, ...)"
    if "supported-models list" in text:
        return "pick a runtime whose model_families include it (`planner runtimes --format json` lists them)"
    if "does not run on" in text:
        return "pick another runtime (`planner runtimes`) or GPU (`planner gpus`)"
    if "weights" in text:
        return "pick a precision the GPU supports (bf16 works everywhere but Turing, fp16 everywhere)"
    return "see `planner runtimes` and `planner gpus` for what each supports"
