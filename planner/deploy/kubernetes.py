"""Kubernetes documents of a plan: the pod (container, GPU resources, probes, volumes, GPU-model affinity),
a Deployment, a Service, a KEDA ScaledObject and the TensorRT-LLM options ConfigMap.

Pods are pinned to the planned GPU model through the node labels the GPU operators set (NVIDIA GPU feature
discovery `nvidia.com/gpu.product`; AMD's node labeller `amd.com/gpu.device-id` / `amd.com/gpu.product-name`)
and to the host CPU architecture the image is built for (`kubernetes.io/arch`). Pure: data in, dicts out.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from planner.core import formats as _quant
from planner.deploy.scaling import Scaling, Trigger
from planner.specs.hardware import Gpu
from planner.specs.report import CandidateSummary, LaunchSummary, Report

PORT = 8000
"""Port every exported server listens on (the launch commands pass it explicitly)."""

HEALTH_PATH = "/health"
"""Health endpoint of vLLM, SGLang, TensorRT-LLM (trtllm-serve), TGI and transformers serve."""

TRTLLM_OPTIONS_FILE = "extra_llm_api_options.yaml"
"""File name of the TensorRT-LLM LLM-API options."""

TRTLLM_OPTIONS_DIR = "/etc/trtllm"
"""Where the options ConfigMap is mounted."""


def dump(doc: dict[str, Any]) -> str:
    """Block-style YAML in insertion order, long lines (queries, commands) kept whole."""
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False, width=10_000)


def default_name(report: Report, runtime: str) -> str:
    """A DNS-1123 name from the model name and runtime, e.g. `llama-3-1-8b-instruct-vllm`."""
    slug = re.sub(r"[^a-z0-9]+", "-", report.model.name.split("/")[-1].lower()).strip("-")[:40].strip("-") or "llm"
    return f"{slug}-{runtime}"


def looks_local(ref: str) -> bool:
    """Whether a model reference is a filesystem path rather than a Hugging Face repo id."""
    return ref.startswith(("/", ".", "~")) or ref.count("/") != 1 or ref.endswith((".json", ".yaml", ".yml"))


def cache_gib(report: Report) -> int:
    """Disk for the model cache: the checkpoint's weights plus 20% (tokenizer, config, download slack), GiB."""
    ckpt = report.model.checkpoint_quant
    per_weight = _quant.bytes_per_weight(ckpt) if ckpt else (4.0 if report.model.dtype == "fp32" else 2.0)
    return max(10, math.ceil(report.model.params_total * per_weight * 1.2 / 2**30))


def gpu_affinity(gpu: Gpu) -> dict[str, Any]:
    """Required node affinity: a node with this GPU model (any of its label keys) and the host CPU architecture."""
    arch = {"key": "kubernetes.io/arch", "operator": "In", "values": [gpu.host_cpu_arch]}
    terms = [{"matchExpressions": [{"key": key, "operator": "In", "values": list(values)}, arch]}
             for key, values in sorted(gpu.node_labels.items())]
    if not terms:  # a GPU without known labels: at least the architecture
        terms = [{"matchExpressions": [arch]}]
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}


@dataclass(frozen=True)
class Pod:
    """What every document of one export shares: names, labels, the server container and the pod settings."""

    report: Report
    rec: CandidateSummary
    gpu: Gpu
    lsum: LaunchSummary
    namespace: str
    name: str
    metrics_path: str | None
    extra_args: list[str] = field(default_factory=list)

    @property
    def gpu_key(self) -> str:
        """The extended resource of the GPU vendor's device plugin."""
        return "amd.com/gpu" if self.gpu.vendor == "amd" else "nvidia.com/gpu"

    @property
    def labels(self) -> dict[str, str]:
        """Labels on every object."""
        return {"app.kubernetes.io/name": self.name, "app.kubernetes.io/component": "llm-server",
                "app.kubernetes.io/managed-by": "planner"}

    def meta(self, name: str | None = None) -> dict[str, Any]:
        """Object metadata."""
        return {"name": name or self.name, "namespace": self.namespace, "labels": dict(self.labels)}

    def args(self) -> list[str]:
        """The server's arguments, plus what the cluster needs (metrics switches, the options file)."""
        return list(self.lsum.args) + [a for a in self.extra_args if a not in self.lsum.args]

    def probe(self, period_s: int, failures: int, port: bool = True) -> dict[str, Any]:
        """An HTTP probe of the health endpoint."""
        get: dict[str, Any] = {"path": HEALTH_PATH}
        if port:
            get["port"] = "http"
        return {"httpGet": get, "periodSeconds": period_s, "timeoutSeconds": 5, "failureThreshold": failures}

    def container(self, name: str, knative: bool = False) -> dict[str, Any]:
        """The server container with GPU limits, probes and mounts."""
        mounts: list[dict[str, Any]] = [{"name": "dshm", "mountPath": "/dev/shm"},
                                        {"name": "model-cache", "mountPath": "/models"}]
        if self.rec.runtime == "trtllm":
            mounts.append({"name": "llm-api-options", "mountPath": TRTLLM_OPTIONS_DIR, "readOnly": True})
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
        """GPU-model affinity, the GPU taint toleration and the volumes."""
        shm_gib = min(64, 8 * self.rec.gpus_per_replica)  # NCCL/RCCL and the tokenizer workers use /dev/shm
        volumes: list[dict[str, Any]] = [
            {"name": "dshm", "emptyDir": {"medium": "Memory", "sizeLimit": f"{shm_gib}Gi"}},
            {"name": "model-cache", "emptyDir": {"sizeLimit": f"{cache_gib(self.report)}Gi"}},
        ]
        if self.rec.runtime == "trtllm":
            volumes.append({"name": "llm-api-options", "configMap": {"name": f"{self.name}-llm-api-options"}})
        return {"affinity": gpu_affinity(self.gpu),
                "tolerations": [{"key": self.gpu_key, "operator": "Exists", "effect": "NoSchedule"}],
                "volumes": volumes}

    def options_config_map(self, options_yaml: str) -> dict[str, Any]:
        """The TensorRT-LLM LLM-API options as a ConfigMap."""
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": self.meta(f"{self.name}-llm-api-options"),
                "data": {TRTLLM_OPTIONS_FILE: options_yaml}}


def deployment(pod: Pod) -> dict[str, Any]:
    """The Deployment of the planned replicas."""
    selector = {"app.kubernetes.io/name": pod.name}
    annotations = {"prometheus.io/scrape": "true", "prometheus.io/port": str(PORT),
                   "prometheus.io/path": pod.metrics_path or "/metrics"}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": pod.meta(),
        "spec": {"replicas": pod.rec.replicas, "selector": {"matchLabels": selector},
                 "template": {"metadata": {"labels": dict(pod.labels), "annotations": annotations},
                              "spec": {"terminationGracePeriodSeconds": 60,
                                       "containers": [pod.container("server")], **pod.pod_extras()}}},
    }


def service(pod: Pod) -> dict[str, Any]:
    """A ClusterIP Service in front of the replicas."""
    return {"apiVersion": "v1", "kind": "Service", "metadata": pod.meta(),
            "spec": {"type": "ClusterIP", "selector": {"app.kubernetes.io/name": pod.name},
                     "ports": [{"name": "http", "port": PORT, "targetPort": "http", "protocol": "TCP"}]}}


def scaled_object(pod: Pod, scale: Scaling, triggers: list[Trigger], prometheus_url: str) -> dict[str, Any]:
    """A KEDA ScaledObject between the planned replicas and the ceiling, on the given triggers."""
    return {
        "apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject", "metadata": pod.meta(),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": pod.name},
            "minReplicaCount": scale.min_replicas, "maxReplicaCount": scale.max_replicas,
            "pollingInterval": 15, "cooldownPeriod": 600,
            # Scale in slowly: a new replica takes minutes to load weights.
            "advanced": {"horizontalPodAutoscalerConfig": {"behavior": {"scaleDown": {
                "stabilizationWindowSeconds": 600, "policies": [{"type": "Pods", "value": 1, "periodSeconds": 300}]}}}},
            "triggers": [t.document(prometheus_url) for t in triggers],
        },
    }
