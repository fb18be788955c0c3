"""A KServe InferenceService (v1beta1, custom predictor container) of a plan.

Knative's concurrency autoscaler counts requests in flight per pod, the same quantity as the KEDA in-flight
target, so it works for every runtime (it does not depend on the runtime's metrics). Pure.
"""

from __future__ import annotations

from typing import Any

from planner.deploy.kubernetes import Pod
from planner.deploy.scaling import Scaling


def inference_service(pod: Pod, scale: Scaling, autoscale: bool) -> dict[str, Any]:
    """The InferenceService: the planned replicas as the floor, in-flight requests as the scale metric."""
    predictor: dict[str, Any] = {"minReplicas": scale.min_replicas}
    if autoscale:
        predictor.update({"maxReplicas": scale.max_replicas, "scaleMetric": "concurrency",
                          "scaleTarget": scale.in_flight_per_replica})
    else:
        predictor["maxReplicas"] = scale.min_replicas
    predictor.update({"containers": [pod.container("kserve-container", knative=True)], **pod.pod_extras()})
    meta = pod.meta()
    meta["annotations"] = {"serving.kserve.io/enable-prometheus-scraping": "true"}
    return {"apiVersion": "serving.kserve.io/v1beta1", "kind": "InferenceService", "metadata": meta,
            "spec": {"predictor": predictor}}
