"""`planner export`: turn a plan's recommendation into what starts it (runtime command, Kubernetes, KServe).

Targets: `vllm`, `sglang`, `trtllm`, `tgi` (a shell script with the runtime's launch command; TensorRT-LLM
adds an `--extra_llm_api_options` YAML), `k8s` (Deployment, Service and a KEDA ScaledObject scaling on the
runtime's queue-depth metric; a ConfigMap for TensorRT-LLM) and `kserve` (an InferenceService).

Autoscaling thresholds come from the plan (documented in `scaling`): replicas never go below the planned
count, and at most `MAX_REPLICAS_FACTOR` times it. Pure: a `Report` in, text out.
"""

from __future__ import annotations

import math
import re
import shlex
from typing import Any, Literal, NamedTuple

import yaml

from planner.core import formats as _quant
from planner.deploy.launch import launch
from planner.errors import SpecError
from planner.io.catalog import Catalog
from planner.specs.deployment import Deployment
from planner.specs.hardware import Gpu
from planner.specs.model import AttentionSpec, LayerSpec, ModelSpec, QuantConfig
from planner.specs.report import CandidateSummary, LaunchSummary, Report
from planner.specs.runtime import Runtime

Target = Literal["vllm", "sglang", "trtllm", "tgi", "k8s", "kserve"]
"""What to export to."""

TARGETS: tuple[str, ...] = ("vllm", "sglang", "trtllm", "tgi", "k8s", "kserve")
"""Every `--to` value."""

PORT = 8000
"""Port every exported server listens on (the launch commands pass it explicitly)."""

MAX_REPLICAS_FACTOR = 3
"""Autoscaling ceiling: this many times the planned replicas (room for bursts of ~3x the planned RPS)."""

DEFAULT_PROMETHEUS_URL = "http://prometheus-operated.monitoring.svc:9090"
"""Prometheus the KEDA triggers query (the prometheus-operator default service)."""

TRTLLM_OPTIONS_FILE = "extra_llm_api_options.yaml"
"""File name of the TensorRT-LLM LLM-API options."""

HEALTH_PATH = "/health"
"""Health endpoint of vLLM, SGLang, TensorRT-LLM (trtllm-serve) and TGI (200 once the model is loaded)."""


class Metrics(NamedTuple):
    """Prometheus endpoint and queue gauges of a runtime."""

    path: str
    """Scrape path."""
    waiting: str
    """Gauge of requests queued for admission."""
    running: str
    """Gauge of requests in the running batch."""


METRICS: dict[str, Metrics] = {
    "vllm": Metrics("/metrics", "vllm:num_requests_waiting", "vllm:num_requests_running"),
    # SGLang exports these only with --enable-metrics (added to the Kubernetes and KServe commands).
    "sglang": Metrics("/metrics", "sglang:num_queue_reqs", "sglang:num_running_reqs"),
    "tgi": Metrics("/metrics", "tgi_queue_size", "tgi_batch_current_size"),
    # TensorRT-LLM 1.x MetricsCollector, served by trtllm-serve at /prometheus/metrics.
    "trtllm": Metrics("/prometheus/metrics", "trtllm_num_requests_waiting", "trtllm_num_requests_running"),
}
"""Queue metrics per runtime (transformers has none: it gets no autoscaler)."""


class Scaling(NamedTuple):
    """Autoscaling settings derived from a plan."""

    min_replicas: int
    """The planned replicas: the SLO was sized for them."""
    max_replicas: int
    """`MAX_REPLICAS_FACTOR` x the planned replicas."""
    in_flight_per_replica: int
    """Target requests in flight (running + waiting) per replica."""
    queue_per_replica: int
    """Target requests waiting per replica."""


def scaling(rec: CandidateSummary, headroom: float) -> Scaling:
    """Autoscaling thresholds from the plan's per-replica concurrency and SLO headroom.

    The plan holds every SLO up to (1 + headroom) x RPS, where each replica carries about
    `concurrency_per_replica x (1 + headroom)` requests in flight (Little's law at the sized load), so that is
    the in-flight target (at most max_num_seqs). Requests queue only once the batch is full; the queue target
    is the headroom share of the concurrency (at least 1): more waiting than that means load beyond what the
    plan sized for.
    """
    concurrency = max(rec.concurrency_per_replica, 1.0)
    in_flight = min(rec.max_num_seqs, max(1, math.ceil(concurrency * (1 + headroom))))
    queue = max(1, math.ceil(concurrency * headroom))
    return Scaling(min_replicas=rec.replicas, max_replicas=MAX_REPLICAS_FACTOR * rec.replicas,
                   in_flight_per_replica=in_flight, queue_per_replica=queue)


def export(report: Report, to: str, catalog: Catalog, *, name: str | None = None, namespace: str = "default",
           prometheus_url: str = DEFAULT_PROMETHEUS_URL, where: str = "plan") -> str:
    """The text of one export target for the plan's recommendation.

    Args:
        report: The plan.
        to: One of `TARGETS`.
        catalog: GPUs and runtimes (for the GPU vendor and other runtimes' settings).
        name: Kubernetes object name (default: from the model name and runtime).
        namespace: Kubernetes namespace.
        prometheus_url: Prometheus the KEDA triggers query.
        where: Where the plan came from (its path), for error messages.

    Raises:
        SpecError: Unknown target, a plan without a recommendation, or a runtime that cannot run the plan
            (e.g. TensorRT-LLM on an AMD GPU).
    """
    if to not in TARGETS:
        raise SpecError("unknown export target", where="--to", value=to, hint="choose one of " + ", ".join(TARGETS))
    rec = _recommendation(report, where)
    if to in ("k8s", "kserve"):
        runtime = rec.runtime
        kube = _Kube(report, rec, _gpu(catalog, rec.gpu), launch_for(report, runtime, catalog), namespace,
                     name or default_name(report), prometheus_url)
        return kube.manifests() if to == "k8s" else kube.inference_service()
    return command_script(report, to, launch_for(report, to, catalog), catalog)


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


def launch_for(report: Report, runtime_id: str, catalog: Catalog) -> LaunchSummary:
    """The plan's launch command, or the equivalent one for another runtime (same GPUs, parallelism, precision,
    scheduler limits; that runtime's own memory fraction).

    Raises:
        SpecError: The runtime cannot run this deployment.
    """
    rec = _recommendation(report)
    if runtime_id == rec.runtime:
        return rec.launch
    if runtime_id not in catalog.runtimes:
        raise SpecError("unknown runtime", where="--to", value=runtime_id, hint="`planner runtimes` lists them")
    gpu, runtime = _gpu(catalog, rec.gpu), catalog.runtimes[runtime_id]
    reasons = _cannot_run(rec, gpu, runtime)
    if reasons:
        raise SpecError(f"cannot export this plan to {runtime.name}: " + "; ".join(reasons), where="--to",
                        value=runtime_id, hint=f"export to the plan's runtime ({rec.runtime}), or re-plan with "
                                               f"`planner recommend ... --runtimes {runtime_id}`")
    ckpt = report.model.checkpoint_quant
    # launch() reads only the checkpoint's quantization from the model, and the plan does not carry the full
    # architecture: a one-layer placeholder with the checkpoint's quantization stands in for it.
    model = ModelSpec(name=report.model.name, model_type="placeholder", family="other", hidden_size=1,
                      intermediate_size=1, vocab_size=1, max_position_embeddings=rec.max_model_len,
                      attention=AttentionSpec(num_heads=1, num_kv_heads=1, head_dim=1, v_head_dim=1),
                      layers=(LayerSpec(),),
                      quantization=QuantConfig.model_validate({"format": ckpt, "method": ckpt}) if ckpt else None)
    dep = Deployment.model_validate({
        "model": model, "gpu": gpu, "runtime": runtime, "tp_size": rec.tp_size, "pp_size": rec.pp_size,
        "quant": rec.quant, "kv_dtype": rec.kv_dtype, "max_num_seqs": rec.max_num_seqs,
        "max_num_batched_tokens": rec.max_num_batched_tokens, "max_model_len": rec.max_model_len,
        "memory_fraction": runtime.memory.memory_fraction})
    return launch(dep, report.model.ref, PORT)


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
        "return_perf_metrics": True,
        "enable_iter_perf_stats": True,
    }


def _summary_comments(report: Report, rec: CandidateSummary) -> list[str]:
    kv = ", fp8 KV cache" if rec.kv_dtype == "fp8" else ""
    par = f"TP{rec.tp_size}" + (f" PP{rec.pp_size}" if rec.pp_size > 1 else "")
    cost = f", ${rec.cost_usd_per_month:,.0f}/month" if rec.cost_usd_per_month is not None else ""
    return [f"planner export: {report.model.name}",
            (f"plan: {rec.replicas} replica(s) x {rec.gpus_per_replica} {rec.gpu_name}, {rec.runtime} "
             f"{rec.runtime_version}, {rec.quant} weights{kv}, {par}{cost}"),
            (f"predicted at {report.workload.rps:g} RPS: TTFT p95 {rec.ttft_p95_s * 1e3:,.0f} ms, "
             f"TPOT p95 {rec.tpot_p95_s * 1e3:,.1f} ms")]


def _script_lines(program: str, args: list[str]) -> list[str]:
    """The command with one `--flag value` per continuation line (positional arguments stay on the first)."""
    groups: list[list[str]] = [[program]]
    for arg in args:
        if arg.startswith("--"):
            groups.append([arg])
        else:
            groups[-1].append(arg)
    rendered = [("  " if i else "") + " ".join(shlex.quote(p) for p in g) for i, g in enumerate(groups)]
    return [line + " \\" for line in rendered[:-1]] + rendered[-1:]


def command_script(report: Report, runtime_id: str, lsum: LaunchSummary, catalog: Catalog) -> str:
    """A POSIX shell script that starts one replica (run it once per replica, behind a load balancer)."""
    rec = _recommendation(report)
    lines = ["#!/bin/sh", *(f"# {c}" for c in _summary_comments(report, rec))]
    if runtime_id != rec.runtime:
        lines.append(f"# the plan predicted latency and memory for {rec.runtime}, not {runtime_id}: confirm with "
                     f"`planner recommend ... --runtimes {runtime_id}`")
    lines.append(f"# one replica; run {rec.replicas} behind a load balancer. Image: {lsum.image}")
    notes = [n for n in lsum.notes if "--extra_llm_api_options" not in n]
    lines += [f"# note: {n}" for n in notes]
    args = list(lsum.args)
    if runtime_id == "trtllm":
        runtime = catalog.runtimes.get("trtllm")
        options = _dump(trtllm_options(rec, args, runtime))
        lines.append("# backend pytorch: no engine build step. The LLM-API options below set the KV cache and "
                     "scheduler.")
        lines += ["set -e", f"cat > {TRTLLM_OPTIONS_FILE} <<'EOF'", options.rstrip("\n"), "EOF"]
        args += ["--extra_llm_api_options", TRTLLM_OPTIONS_FILE]
    lines += _script_lines(lsum.program, args)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- Kubernetes


def default_name(report: Report) -> str:
    """A DNS-1123 name from the model name and runtime, e.g. `llama-3-1-8b-instruct-vllm`."""
    rec = _recommendation(report)
    slug = re.sub(r"[^a-z0-9]+", "-", report.model.name.split("/")[-1].lower()).strip("-")[:40].strip("-") or "llm"
    return f"{slug}-{rec.runtime}"


def _dump(doc: dict[str, Any]) -> str:
    """Block-style YAML in insertion order, long lines (queries, commands) kept whole."""
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=10_000)


def _looks_local(ref: str) -> bool:
    """Whether a model reference is a filesystem path rather than a Hugging Face repo id."""
    return ref.startswith(("/", ".", "~")) or ref.count("/") != 1 or ref.endswith((".json", ".yaml", ".yml"))


def _cache_gib(report: Report) -> int:
    """Disk for the model cache: the checkpoint's weights plus 20% (tokenizer, config, download slack), GiB."""
    ckpt = report.model.checkpoint_quant
    per_weight = _quant.bytes_per_weight(ckpt) if ckpt else (4.0 if report.model.dtype == "fp32" else 2.0)
    return max(10, math.ceil(report.model.params_total * per_weight * 1.2 / 2**30))


class _Kube:
    """Builds the Kubernetes and KServe documents of one plan."""

    def __init__(self, report: Report, rec: CandidateSummary, gpu: Gpu, lsum: LaunchSummary, namespace: str,
                 name: str, prometheus_url: str) -> None:
        self.report, self.rec, self.gpu, self.lsum = report, rec, gpu, lsum
        self.namespace, self.name, self.prometheus_url = namespace, name, prometheus_url
        self.metrics = METRICS.get(rec.runtime)
        self.scale = scaling(rec, report.headroom)
        self.gpu_key = "amd.com/gpu" if gpu.vendor == "amd" else "nvidia.com/gpu"
        self.labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/component": "llm-server",
                       "app.kubernetes.io/managed-by": "planner"}

    def meta(self, name: str | None = None) -> dict[str, Any]:
        return {"name": name or self.name, "namespace": self.namespace, "labels": dict(self.labels)}

    def args(self) -> list[str]:
        args = list(self.lsum.args)
        if self.rec.runtime == "sglang" and "--enable-metrics" not in args:
            args.append("--enable-metrics")
        if self.rec.runtime == "trtllm":
            args += ["--extra_llm_api_options", f"/etc/trtllm/{TRTLLM_OPTIONS_FILE}"]
        return args

    def probe(self, period_s: int, failures: int, port: bool = True) -> dict[str, Any]:
        get: dict[str, Any] = {"path": HEALTH_PATH}
        if port:
            get["port"] = "http"
        return {"httpGet": get, "periodSeconds": period_s, "timeoutSeconds": 5, "failureThreshold": failures}

    def container(self, name: str, knative: bool = False) -> dict[str, Any]:
        mounts: list[dict[str, Any]] = [{"name": "dshm", "mountPath": "/dev/shm"},
                                        {"name": "model-cache", "mountPath": "/models"}]
        if self.rec.runtime == "trtllm":
            mounts.append({"name": "llm-api-options", "mountPath": "/etc/trtllm", "readOnly": True})
        port: dict[str, Any] = {"containerPort": PORT, "protocol": "TCP"}
        if not knative:
            port = {"name": "http", **port}
        c: dict[str, Any] = {
            "name": name, "image": self.lsum.image, "command": [self.lsum.program], "args": self.args(),
            "ports": [port],
            "env": [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token",
                                                                         "optional": True}}},
                    {"name": "HF_HOME", "value": "/models"}, {"name": "HF_HUB_CACHE", "value": "/models/hub"},
                    {"name": "HUGGINGFACE_HUB_CACHE", "value": "/models/hub"}],
            "resources": {"limits": {self.gpu_key: self.rec.gpus_per_replica}},
            # Loading (and downloading) weights takes minutes: allow up to 30 min before liveness applies.
            "startupProbe": self.probe(10, 180, port=not knative),
            "readinessProbe": self.probe(10, 3, port=not knative),
            "livenessProbe": self.probe(30, 5, port=not knative),
            "volumeMounts": mounts,
        }
        if knative:
            del c["startupProbe"]  # Knative serving rejects startup probes on older releases
        return c

    def pod_extras(self) -> dict[str, Any]:
        shm_gib = min(64, 8 * self.rec.gpus_per_replica)  # NCCL/RCCL and the tokenizer workers use /dev/shm
        volumes: list[dict[str, Any]] = [
            {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": f"{shm_gib}Gi"}},
            {"name": "model-cache", "emptyDir": {"sizeLimit": f"{_cache_gib(self.report)}Gi"}},
        ]
        if self.rec.runtime == "trtllm":
            volumes.append({"name": "llm-api-options", "configMap": {"name": f"{self.name}-llm-api-options"}})
        return {"tolerations": [{"key": self.gpu_key, "operator": "Exists", "effect": "NoSchedule"}],
                "volumes": volumes}

    def header(self) -> list[str]:
        lines = [f"# {c}" for c in _summary_comments(self.report, self.rec)]
        lines.append(f"# scaling: {self.scale.min_replicas}-{self.scale.max_replicas} replicas; targets per replica: "
                     f"{self.scale.queue_per_replica} waiting, {self.scale.in_flight_per_replica} in flight "
                     f"(planned concurrency {self.rec.concurrency_per_replica:.1f} x (1 + {self.report.headroom:g} "
                     f"headroom))")
        lines.append("# gated models: kubectl create secret generic hf-token --from-literal=token=hf_...")
        if _looks_local(self.report.model.ref):
            lines.append(f"# the model is a local path ({self.report.model.ref}): mount it into the pod at that path")
        lines.append("# model-cache is an emptyDir (weights re-download on every start): use a PersistentVolumeClaim "
                     "or a node-local cache for faster scale-out")
        lines += [f"# note: {n}" for n in self.lsum.notes if "--extra_llm_api_options" not in n]
        if self.metrics is None:
            lines.append(f"# {self.rec.runtime} exports no queue metric: no autoscaler is generated")
        return lines

    def manifests(self) -> str:
        """Deployment, Service and KEDA ScaledObject (plus the TensorRT-LLM options ConfigMap)."""
        docs: list[dict[str, Any]] = []
        if self.rec.runtime == "trtllm":
            options = _dump(trtllm_options(self.rec, self.lsum.args))
            docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": self.meta(f"{self.name}-llm-api-options"),
                         "data": {TRTLLM_OPTIONS_FILE: options}})
        selector = {"app.kubernetes.io/name": self.name}
        annotations = {"prometheus.io/scrape": "true", "prometheus.io/port": str(PORT),
                       "prometheus.io/path": self.metrics.path if self.metrics else "/metrics"}
        docs.append({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": self.meta(),
            "spec": {"replicas": self.rec.replicas, "selector": {"matchLabels": selector},
                     "template": {"metadata": {"labels": dict(self.labels), "annotations": annotations},
                                  "spec": {"terminationGracePeriodSeconds": 60,
                                           "containers": [self.container("server")], **self.pod_extras()}}},
        })
        docs.append({"apiVersion": "v1", "kind": "Service", "metadata": self.meta(),
                     "spec": {"type": "ClusterIP", "selector": selector,
                              "ports": [{"name": "http", "port": PORT, "targetPort": "http", "protocol": "TCP"}]}})
        if self.metrics is not None:
            docs.append(self.scaled_object())
        header = self.header()
        if self.metrics is not None:
            header += ["# KEDA queries select pods by the `namespace` and `pod` labels of the usual kubernetes-pods "
                       + "scrape job;", "# adjust them (and serverAddress) to your Prometheus."]
        return "\n".join(header) + "\n" + "---\n".join(_dump(d) for d in docs)

    def scaled_object(self) -> dict[str, Any]:
        assert self.metrics is not None
        sel = f'{{namespace="{self.namespace}",pod=~"{self.name}-.*"}}'
        waiting = f"sum({self.metrics.waiting}{sel})"
        # Both gauges in one selector: a `sum(a) + sum(b)` would be empty whenever either series is missing.
        in_flight = (f'sum({{__name__=~"{self.metrics.running}|{self.metrics.waiting}",namespace="{self.namespace}",'
                     f'pod=~"{self.name}-.*"}})')

        def trigger(name: str, query: str, threshold: int) -> dict[str, Any]:
            return {"type": "prometheus", "name": name, "metricType": "AverageValue",
                    "metadata": {"serverAddress": self.prometheus_url, "query": query, "threshold": str(threshold)}}

        return {
            "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": self.meta(),
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": self.name},
                "minReplicaCount": self.scale.min_replicas, "maxReplicaCount": self.scale.max_replicas,
                "pollingInterval": 15, "cooldownPeriod": 600,
                # Scale in slowly: a new replica takes minutes to load weights.
                "advanced": {"horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": {
                    "stabilizationWindowSeconds": 600, "policies": [{"type": "Pods", "value": 1,
                                                                    "periodSeconds": 300}]}}}},
                "triggers": [trigger("queue-depth", waiting, self.scale.queue_per_replica),
                             trigger("in-flight", in_flight, self.scale.in_flight_per_replica)],
            },
        }

    def inference_service(self) -> str:
        """A KServe InferenceService with a custom runtime container, scaling on in-flight requests."""
        predictor: dict[str, Any] = {"minReplicas": self.scale.min_replicas}
        if self.metrics is not None:
            # Knative's concurrency metric is requests in flight per pod: the same target as the KEDA one.
            predictor.update({"maxReplicas": self.scale.max_replicas, "scaleMetric": "concurrency",
                              "scaleTarget": self.scale.in_flight_per_replica})
        else:
            predictor["maxReplicas"] = self.scale.min_replicas
        predictor.update({"containers": [self.container("kserve-container", knative=True)], **self.pod_extras()})
        docs: list[dict[str, Any]] = []
        if self.rec.runtime == "trtllm":
            options = _dump(trtllm_options(self.rec, self.lsum.args))
            docs.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": self.meta(f"{self.name}-llm-api-options"),
                         "data": {TRTLLM_OPTIONS_FILE: options}})
        meta = self.meta()
        meta["annotations"] = {"serving.kserve.io/enable-prometheus-scraping": "true"}
        docs.append({"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": meta,
                     "spec": {"predictor": predictor}})
        return "\n".join(self.header()) + "\n" + "---\n".join(_dump(d) for d in docs)
