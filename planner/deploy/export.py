"""`planner export`: turn a plan's recommendation into what starts it (runtime command, Kubernetes, KServe).

Targets: `vllm`, `sglang`, `trtllm`, `tgi` (a shell script with the runtime's launch command; TensorRT-LLM
adds an `--extra_llm_api_options` YAML), `k8s` (Deployment pinned to the planned GPU model, Service and a KEDA
ScaledObject on metrics the runtime exports; a ConfigMap for TensorRT-LLM) and `kserve` (an
InferenceService).

Every export is checked against the runtime's own rules (`Runtime.launch`, see `planner.deploy.rules`):
what the runtime cannot serve (an encoder on TGI, a quantization it cannot produce, chunked prefill the build
lacks) is refused with a `SpecError` (exit 2), and a command its parser would refuse is never written.
Pure: a `Report` in, text (or data) out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from planner.deploy import kserve, kubernetes
from planner.deploy.kubernetes import PORT, TRTLLM_OPTIONS_DIR, TRTLLM_OPTIONS_FILE, Pod, default_name, dump
from planner.deploy.launch import launch
from planner.deploy.parallel import trtllm_parallel_options
from planner.deploy.rules import Target, check_command, check_options, refusals
from planner.deploy.scaling import MAX_REPLICAS_FACTOR, Scaling, Trigger, burst_concurrency, scaling, triggers
from planner.deploy.script import command_script
from planner.deploy.speculative import speculative_config
from planner.errors import SpecError
from planner.io.catalog import Catalog
from planner.specs.deployment import Deployment
from planner.specs.hardware import Gpu
from planner.specs.model import AttentionSpec, LayerSpec, ModelSpec, QuantConfig
from planner.specs.report import CandidateSummary, LaunchSummary, Report
from planner.specs.runtime import Runtime
from planner.specs.speculative import SpeculativeConfig

__all__ = ["DEFAULT_PROMETHEUS_URL", "MAX_REPLICAS_FACTOR", "PORT", "TARGETS", "Export", "Target", "build",
           "default_name", "export", "launch_for", "scaling", "trtllm_options"]

ExportTarget = Literal["vllm", "sglang", "trtllm", "tgi", "k8s", "kserve"]
"""What to export to."""

TARGETS: tuple[str, ...] = ("vllm", "sglang", "trtllm", "tgi", "k8s", "kserve")
"""Every `--to` value."""

DEFAULT_PROMETHEUS_URL = "http://prometheus-operated.monitoring.svc:9090"
"""Prometheus the KEDA triggers query (the prometheus-operator default service)."""


@dataclass(frozen=True)
class Export:
    """One export: its text and what it is made of (for `--format json` and for checks)."""

    target: str
    """The `--to` value."""
    runtime: str
    """Runtime id of the command."""
    runtime_version: str
    """Runtime version the command is for (the image's version)."""
    text: str
    """The script or the YAML documents, as written to a file."""
    program: str
    """Executable of the server command."""
    args: list[str]
    """Its arguments, as the container (or script) passes them."""
    image: str
    """Container image."""
    documents: list[dict[str, Any]] = field(default_factory=list)
    """Kubernetes / KServe objects (empty for scripts)."""
    options: dict[str, Any] | None = None
    """TensorRT-LLM LLM-API options."""
    triggers: list[Trigger] = field(default_factory=list)
    """Autoscaling triggers (k8s)."""
    scale: Scaling | None = None
    """Replica bounds and per-replica targets (k8s, kserve)."""
    warnings: list[str] = field(default_factory=list)
    """What will not work as written (no image for the host CPU, no autoscaling signal)."""
    notes: list[str] = field(default_factory=list)
    """What the command cannot express or changes from the plan."""

    def data(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "target": self.target, "runtime": self.runtime, "runtime_version": self.runtime_version,
            "image": self.image, "command": {"program": self.program, "args": list(self.args)},
            "documents": self.documents, "options": self.options,
            "autoscaling": None if self.scale is None else {
                "min_replicas": self.scale.min_replicas, "max_replicas": self.scale.max_replicas,
                "in_flight_per_replica": self.scale.in_flight_per_replica,
                "queue_per_replica": self.scale.queue_per_replica, "rps_per_replica": self.scale.rps_per_replica,
                "triggers": [{"name": t.name, "query": t.query, "threshold": t.threshold, "metric_type": t.metric_type,
                              "meaning": t.meaning} for t in self.triggers]},
            "warnings": self.warnings, "notes": self.notes, "text": self.text,
        }


def export(report: Report, to: str, catalog: Catalog, *, name: str | None = None, namespace: str = "default",
           prometheus_url: str = DEFAULT_PROMETHEUS_URL, where: str = "plan") -> str:
    """The text of one export target for the plan's recommendation (see `build`)."""
    return build(report, to, catalog, name=name, namespace=namespace, prometheus_url=prometheus_url,
                 where=where).text


def build(report: Report, to: str, catalog: Catalog, *, name: str | None = None, namespace: str = "default",
          prometheus_url: str = DEFAULT_PROMETHEUS_URL, where: str = "plan") -> Export:
    """One export target for the plan's recommendation, checked against the runtime's rules.

    Args:
        report: The plan.
        to: One of `TARGETS`.
        catalog: GPUs and runtimes (for the GPU, the runtime's launch rules and other runtimes' settings).
        name: Kubernetes object name (default: from the model name and runtime).
        namespace: Kubernetes namespace.
        prometheus_url: Prometheus the KEDA triggers query.
        where: Where the plan came from (its path), for error messages.

    Raises:
        SpecError: Unknown target, a plan without a recommendation, or a runtime that cannot serve the plan
            (e.g. TensorRT-LLM on an AMD GPU, an encoder on TGI, fp8 weights TensorRT-LLM cannot produce from a
            16-bit checkpoint, TGI's ROCm build for a plan relying on chunked prefill).
    """
    if to not in TARGETS:
        raise SpecError("unknown export target", where="--to", value=to, hint="choose one of " + ", ".join(TARGETS))
    rec = _recommendation(report, where)
    gpu = _gpu(catalog, rec.gpu)
    runtime_id = rec.runtime if to in ("k8s", "kserve") else to
    runtime = _runtime(catalog, runtime_id)
    _refuse(report, rec, gpu, runtime)
    if rec.disagg is not None:
        return _disagg_export(report, rec, to, runtime, plan_deployment(report, runtime_id, catalog))
    max_concurrent = burst_concurrency(rec, report.headroom) if runtime_id == "tgi" else None
    lsum = launch_for(report, runtime_id, catalog, max_concurrent_requests=max_concurrent)
    rules = runtime.launch
    options = trtllm_options(rec, lsum.args, runtime) if runtime_id == "trtllm" else None
    header = _summary_comments(report, rec)
    notes = [n for n in lsum.notes if not n.startswith("WARNING") and "--extra_llm_api_options" not in n]
    warnings = [n.removeprefix("WARNING: ") for n in lsum.notes if n.startswith("WARNING")]
    if runtime_id == "tgi" and max_concurrent is not None:
        notes.append(f"--max-concurrent-requests {max_concurrent}: the in-flight requests one replica holds at "
                     f"{MAX_REPLICAS_FACTOR}x the planned load, so bursts queue instead of getting HTTP 429")
    name = name or default_name(report, runtime_id)
    if to in ("k8s", "kserve"):
        metrics = rules.metrics if rules else None
        extra = list(metrics.needs_flags) if metrics else []
        if options is not None:
            extra += ["--extra_llm_api_options", f"{TRTLLM_OPTIONS_DIR}/{TRTLLM_OPTIONS_FILE}"]
        pod = Pod(report, rec, gpu, lsum, namespace, name, metrics.path if metrics else None, extra)
        args = pod.args()
    else:
        args = list(lsum.args) + (["--extra_llm_api_options", TRTLLM_OPTIONS_FILE] if options is not None else [])
    _check(lsum.program, args, options, runtime, gpu, report)
    if to not in ("k8s", "kserve"):
        if runtime_id != rec.runtime:
            header.append(f"the plan predicted latency and memory for {rec.runtime}, not {runtime_id}: confirm with "
                          f"`planner recommend ... --runtimes {runtime_id}`")
        header.append(f"one replica; run {rec.replicas} behind a load balancer. Image: {lsum.image}")
        header += [f"WARNING: {w}" for w in warnings] + [f"note: {n}" for n in notes]
        text = command_script(header, lsum.program, args, options)
        return Export(to, runtime_id, runtime.version, text, lsum.program, args, lsum.image, options=options,
                      warnings=warnings, notes=notes)
    scale = scaling(rec, report.headroom)
    found = triggers(rules.metrics if rules else None, report, rec, namespace, name)
    if to == "k8s" and not found:
        warnings.append(f"{runtime.name} {runtime.version} exports no metric to scale on: no autoscaler is "
                        f"generated; the Deployment keeps {rec.replicas} replicas")
    docs: list[dict[str, Any]] = [pod.options_config_map(dump(options))] if options is not None else []
    if to == "k8s":
        docs += [kubernetes.deployment(pod), kubernetes.service(pod)]
        if found:
            docs.append(kubernetes.scaled_object(pod, scale, found, prometheus_url))
    else:
        docs.append(kserve.inference_service(pod, scale, autoscale=True))
    lines = header + _kube_header(report, rec, gpu, scale, found, to) + [f"WARNING: {w}" for w in warnings]
    lines += [f"note: {n}" for n in notes]
    text = "\n".join(f"# {line}" for line in lines) + "\n" + "---\n".join(dump(d) for d in docs)
    return Export(to, runtime_id, runtime.version, text, lsum.program, args, lsum.image, documents=docs,
                  options=options, triggers=found if to == "k8s" else [], scale=scale, warnings=warnings, notes=notes)


def _recommendation(report: Report, where: str = "plan") -> CandidateSummary:
    if report.recommendation is None:
        raise SpecError("the plan has no recommendation: nothing met the SLO, so there is nothing to export",
                        where=where, hint="re-run `planner recommend` with a looser SLO, more GPUs or budget until "
                                           "it recommends a deployment")
    return report.recommendation


def _gpu(catalog: Catalog, gpu_id: str) -> Gpu:
    if gpu_id not in catalog.gpus:
        raise SpecError("the plan's GPU is not in the hardware database", where="plan: recommendation.gpu",
                        value=gpu_id, hint="`planner gpus` lists the known ones")
    return catalog.gpus[gpu_id]


def _runtime(catalog: Catalog, runtime_id: str) -> Runtime:
    if runtime_id not in catalog.runtimes:
        raise SpecError("unknown runtime", where="--to", value=runtime_id, hint="`planner runtimes` lists them")
    return catalog.runtimes[runtime_id]


def is_encoder(report: Report) -> bool:
    """Whether the plan is for an encoder-only (embedding) model (the family the config parser reads as one)."""
    return report.model.family == "bert"


def target_of(report: Report, gpu: Gpu) -> Target:
    """Where the plan's command runs."""
    return Target(vendor=gpu.vendor, architecture=gpu.architecture, encoder=is_encoder(report))


def _refuse(report: Report, rec: CandidateSummary, gpu: Gpu, runtime: Runtime) -> None:
    """Raise when `runtime` cannot serve the plan on its GPU (hardware, parallelism, precision, features)."""
    hardware = _cannot_run(rec, gpu, runtime) if runtime.id != rec.runtime else []
    hint = (f"export to the plan's runtime ({rec.runtime}), or re-plan with `planner recommend ... --runtimes "
            f"{runtime.id}`")
    found = []
    if runtime.launch is not None:
        # The runtime's own rules first (what it cannot serve at all, e.g. encoders), then the hardware.
        max_input = math.ceil(report.workload.input_tokens.max_tokens)
        found = refusals(runtime.launch, runtime.name, target_of(report, gpu), quant=rec.quant,
                         checkpoint_quant=report.model.checkpoint_quant,
                         max_num_batched_tokens=rec.max_num_batched_tokens, max_input_tokens=max_input,
                         prefix_cache_share=report.workload.prefix_cache_share)
    reasons = [r.reason for r in found] + hardware
    hint = found[0].hint if found else hint
    if reasons:
        raise SpecError(f"cannot export this plan to {runtime.name} {runtime.version}: " + "; ".join(reasons),
                        where="--to", value=runtime.id, hint=hint)


def _cannot_run(rec: CandidateSummary, gpu: Gpu, runtime: Runtime) -> list[str]:
    arch = gpu.architecture
    if gpu.vendor not in runtime.vendors or arch not in runtime.architectures:
        return [f"{runtime.name} does not run on {gpu.name} ({gpu.vendor} {arch})"]
    out = []
    if not runtime.supports_quant(rec.quant, arch):
        out.append(f"{runtime.name} cannot serve {rec.quant} weights on {gpu.name}")
    if rec.kv_dtype != "auto" and not runtime.supports_kv_dtype(rec.kv_dtype, arch):
        out.append(f"{runtime.name} has no {rec.kv_dtype} KV cache on {gpu.name}")
    if rec.tp_size > 1 and not runtime.parallelism.tp:
        out.append(f"{runtime.name} has no tensor parallelism (the plan uses TP{rec.tp_size})")
    if rec.pp_size > 1 and not runtime.parallelism.pp:
        out.append(f"{runtime.name} has no pipeline parallelism (the plan uses PP{rec.pp_size})")
    if rec.gpus_per_replica > runtime.parallelism.max_gpus_per_replica:
        out.append(f"{rec.gpus_per_replica} GPUs per replica exceed {runtime.name}'s limit")
    return out


def _check(program: str, args: list[str], options: dict[str, Any] | None, runtime: Runtime, gpu: Gpu,
           report: Report) -> None:
    """Never write a command the runtime's own parser or start-up checks would refuse."""
    if runtime.launch is None:
        return
    problems = check_command(program, args, runtime.launch, target_of(report, gpu))
    if options is not None:
        problems += check_options(options, runtime.launch)
    if problems:
        raise SpecError(f"the exported {runtime.name} {runtime.version} command would not start: "
                        + "; ".join(problems), where="--to", value=runtime.id,
                        hint="re-plan with `planner recommend` (an older plan may carry settings this planner no "
                             "longer exports), or export to another runtime")


def launch_for(report: Report, runtime_id: str, catalog: Catalog, *,
               max_concurrent_requests: int | None = None) -> LaunchSummary:
    """The plan's launch command for `runtime_id` (the plan's own runtime, or the equivalent one for another:
    same GPUs, parallelism, precision, scheduler limits; that runtime's own memory fraction), rebuilt from the
    runtime's current launch rules (pinned image, flags).

    Raises:
        SpecError: The runtime or GPU is unknown.
    """
    dep = plan_deployment(report, runtime_id, catalog).model_copy(update={"disagg": None})
    return launch(dep, report.model.ref, PORT, max_concurrent_requests=max_concurrent_requests)


def _disagg_export(report: Report, rec: CandidateSummary, to: str, runtime: Runtime, dep: Deployment) -> Export:
    """A disaggregated plan: the prefill, decode and router commands as one script (Kubernetes refused)."""
    from planner.deploy.disagg import disagg_launch, disagg_script
    if to in ("k8s", "kserve"):
        raise SpecError(f"cannot export this plan to {to}: it is prefill/decode-disaggregated and no Kubernetes form is "
                        "rendered for it",
                        where="--to", value=to,
                        hint=f"export the launch commands with --to {rec.runtime} (deploy them with llm-d or NVIDIA "
                             "Dynamo), or re-plan aggregated")
    out = disagg_launch(dep.model_copy(update={"disagg": rec.disagg}), report.model.ref)
    header = _summary_comments(report, rec) + [f"{rec.replicas} copy(ies) of the whole P:D deployment"]
    text = disagg_script(header, out)
    first = out.prefill[0]
    return Export(to, runtime.id, runtime.version, text, first.program, list(first.args), first.image,
                  notes=[*out.notes, *first.notes])


def plan_deployment(report: Report, runtime_id: str, catalog: Catalog) -> Deployment:
    """The plan's recommendation as a Deployment for `runtime_id` (a placeholder one-layer model: launch commands
    read only the checkpoint's quantization and whether the model is an encoder).

    Raises:
        SpecError: The runtime or GPU is unknown.
    """
    rec = _recommendation(report)
    gpu, runtime = _gpu(catalog, rec.gpu), _runtime(catalog, runtime_id)
    ckpt = report.model.checkpoint_quant
    # launch() reads only the checkpoint's quantization and whether the model is an encoder, and the plan does
    # not carry the full architecture: a one-layer placeholder with those properties stands in for it.
    model = ModelSpec(name=report.model.name, model_type="placeholder", family=report.model.family,
                      encoder_only=is_encoder(report), hidden_size=1, intermediate_size=1, vocab_size=1,
                      max_position_embeddings=max(rec.max_model_len, report.model.max_position_embeddings),
                      attention=AttentionSpec(num_heads=1, num_kv_heads=1, head_dim=1, v_head_dim=1),
                      layers=(LayerSpec(),),
                      quantization=QuantConfig.model_validate({"format": ckpt, "method": ckpt}) if ckpt else None)
    fraction = (float(_arg(rec.launch.args, _FRACTION_FLAG.get(runtime_id, "")) or 0)
                if runtime_id == rec.runtime else 0.0) or runtime.memory.memory_fraction
    dep = Deployment.model_validate({
        "model": model, "gpu": gpu, "runtime": runtime, "tp_size": rec.tp_size, "pp_size": rec.pp_size,
        "dp_size": rec.dp_size, "ep_size": rec.ep_size, "quant": rec.quant, "kv_dtype": rec.kv_dtype,
        "max_num_seqs": rec.max_num_seqs,
        "max_num_batched_tokens": rec.max_num_batched_tokens, "max_model_len": rec.max_model_len,
        "memory_fraction": fraction, "speculative": _speculative_for(rec, runtime)})
    _check_dp_ep(rec, runtime)
    return dep


def _speculative_for(rec: CandidateSummary, runtime: Runtime) -> SpeculativeConfig | None:
    """The plan's speculative decoding, refused on a runtime that does not serve its method."""
    spec = rec.speculative
    if spec is not None and spec.method not in runtime.speculative.methods:
        raise SpecError(f"{runtime.name} {runtime.version} has no {spec.method} speculative decoding, which the plan "
                        "uses", where="--to", value=runtime.id,
                        hint="export to a runtime that serves it (vllm, sglang or trtllm), or re-plan for this one")
    return spec


def _check_dp_ep(rec: CandidateSummary, runtime: Runtime) -> None:
    """Refuse a plan with attention data parallelism or expert parallelism on a runtime that has neither."""
    par = runtime.parallelism
    missing = [what for what, used, has in (("attention data parallelism", rec.dp_size > 1, par.dp_attention),
                                            ("expert parallelism", rec.ep_size > 1, par.ep)) if used and not has]
    if missing:
        raise SpecError(f"{runtime.name} {runtime.version} has no {' or '.join(missing)}, which the plan uses "
                        f"(DP{rec.dp_size} EP{rec.ep_size})", where="--to", value=runtime.id,
                        hint="export to vllm, sglang or trtllm, or re-plan for this runtime")


_FRACTION_FLAG = {"vllm": "--gpu-memory-utilization", "sglang": "--mem-fraction-static",
                  "trtllm": "--kv_cache_free_gpu_memory_fraction", "tgi": "--cuda-memory-fraction"}
"""The memory-fraction flag of each runtime (the plan's own value is kept when re-exporting its runtime)."""


def _arg(args: list[str], flag: str) -> str | None:
    return args[args.index(flag) + 1] if flag in args and args.index(flag) + 1 < len(args) else None


def trtllm_options(rec: CandidateSummary, launch_args: list[str], runtime: Runtime | None = None) -> dict[str, Any]:
    """TensorRT-LLM LLM-API options (`--extra_llm_api_options`): KV-cache dtype and memory fraction, scheduler,
    CUDA graphs up to the batch cap, and the per-request metrics the Prometheus endpoint needs."""
    fraction = _arg(launch_args, "--kv_cache_free_gpu_memory_fraction")
    return {
        "kv_cache_config": {
            "dtype": "fp8" if rec.kv_dtype == "fp8" else "auto",
            "free_gpu_memory_fraction": float(fraction) if fraction else (
                runtime.memory.memory_fraction if runtime else 0.9),
            "enable_block_reuse": True,
        },
        "enable_chunked_prefill": True,
        # The plan models TensorRT-LLM reserving prompt + max output at admission (its default policy).
        "scheduler_config": {"capacity_scheduler_policy": "GUARANTEED_NO_EVICT"},
        "cuda_graph_config": {"max_batch_size": rec.max_num_seqs, "enable_padding": True},
        # The per-request Prometheus metrics (/prometheus/metrics) are computed from the perf metrics.
        "return_perf_metrics": True,
        "enable_iter_perf_stats": True,
        **({"speculative_config": speculative_config(rec.speculative)} if rec.speculative else {}),
        **trtllm_parallel_options(rec.dp_size),
    }


def _summary_comments(report: Report, rec: CandidateSummary) -> list[str]:
    kv = ", fp8 KV cache" if rec.kv_dtype == "fp8" else ""
    par = f"TP{rec.tp_size}" + (f" PP{rec.pp_size}" if rec.pp_size > 1 else "") + \
        (f" DP{rec.dp_size}" if rec.dp_size > 1 else "") + (f" EP{rec.ep_size}" if rec.ep_size > 1 else "")
    cost = f", ${rec.cost_usd_per_month:,.0f}/month" if rec.cost_usd_per_month is not None else ""
    return [f"planner export: {report.model.name}",
            (f"plan: {rec.replicas} replica(s) x {rec.gpus_per_replica} {rec.gpu_name}, {rec.runtime} "
             f"{rec.runtime_version}, {rec.quant} weights{kv}, {par}{cost}"),
            (f"predicted at {report.workload.rps:g} RPS: TTFT p95 {rec.ttft_p95_s * 1e3:,.0f} ms, "
             f"TPOT p95 {rec.tpot_p95_s * 1e3:,.1f} ms")]


def _kube_header(report: Report, rec: CandidateSummary, gpu: Gpu, scale: Scaling, found: list[Trigger],
                 to: str) -> list[str]:
    lines = [f"pinned to {gpu.name} nodes ({', '.join(sorted(gpu.node_labels)) or 'no GPU label known'}; "
             f"kubernetes.io/arch={gpu.host_cpu_arch})",
             f"scaling: {scale.min_replicas}-{scale.max_replicas} replicas; targets per replica: "
             f"{scale.queue_per_replica} waiting, {scale.in_flight_per_replica} in flight (planned concurrency "
             f"{rec.concurrency_per_replica:.1f} x (1 + {report.headroom:g} headroom))"]
    if to == "k8s":
        lines += [f"trigger {t.name}: {t.meaning}" for t in found]
        if found:
            lines += ["KEDA queries select pods by the `namespace` and `pod` labels of the usual kubernetes-pods "
                      "scrape job;", "adjust them (and serverAddress) to your Prometheus."]
    lines.append("gated models: kubectl create secret generic hf-token --from-literal=token=hf_...")
    if kubernetes.looks_local(report.model.ref):
        lines.append(f"the model is a local path ({report.model.ref}): mount it into the pod at that path")
    lines.append("model-cache is an emptyDir (weights re-download on every start): use a PersistentVolumeClaim "
                 "or a node-local cache for faster scale-out")
    return lines
