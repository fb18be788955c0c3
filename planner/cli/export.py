"""`planner export`: a plan's launch command, Kubernetes manifests or KServe InferenceService."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from planner.cli._options import write_atomic
from planner.errors import SpecError

EXAMPLES = """
Examples:

\b
  planner export plan.json --to vllm
  planner export plan.json --to trtllm -o serve.sh
  planner export plan.json --to k8s --namespace llm -o deploy.yaml
  planner export plan.json --to kserve --name chat-8b -o isvc.yaml

Targets vllm, sglang, trtllm and tgi print a shell script starting one replica
(for a runtime other than the plan's, the equivalent command, or exit 2 when
that runtime cannot run the plan); k8s prints a Deployment, a Service and a
KEDA ScaledObject scaling on the runtime's queue depth between the planned
replicas and 3x that; kserve prints an InferenceService. A plan with no
recommendation exits 2.
"""


class ExportTarget(str, Enum):
    """Export targets."""

    vllm = "vllm"
    sglang = "sglang"
    trtllm = "trtllm"
    tgi = "tgi"
    k8s = "k8s"
    kserve = "kserve"


def export(
    plan: Annotated[Path, typer.Argument(metavar="PLAN", help="Plan JSON written by `planner recommend -o plan.json`.")],
    to: Annotated[ExportTarget, typer.Option("--to", "-t", help="What to export to.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.")]
    = None,
    name: Annotated[str | None, typer.Option(
        "--name", help="Kubernetes object name (default: model name and runtime).")] = None,
    namespace: Annotated[str, typer.Option("--namespace", "-n", help="Kubernetes namespace.")] = "default",
    prometheus_url: Annotated[str | None, typer.Option(
        "--prometheus-url", help="Prometheus the KEDA triggers query.")] = None,
) -> None:
    """Export a plan: runtime launch command, Kubernetes manifests (KEDA autoscaling) or a KServe InferenceService."""
    from planner.deploy.export import DEFAULT_PROMETHEUS_URL
    from planner.deploy.export import export as render
    from planner.io.catalog import Catalog
    from planner.io.plans import load_report

    _k8s_name(name, "--name", first="a-z")
    _k8s_name(namespace, "--namespace", first="a-z0-9")
    report = load_report(plan)
    text = render(report, to.value, Catalog.load(), name=name, namespace=namespace,
                  prometheus_url=prometheus_url or DEFAULT_PROMETHEUS_URL, where=str(plan))
    if output is None:
        typer.echo(text, nl=False)
        return
    write_atomic(output, text, executable=text.startswith("#!"))


def _k8s_name(value: str | None, flag: str, *, first: str) -> None:
    """Kubernetes object names are DNS labels: at most 63 lowercase letters, digits and `-` (a Service name
    starts with a letter), so a name the API server would reject is refused here, not at `kubectl apply`."""
    if value is None:
        return
    import re

    if len(value) > 63 or not re.fullmatch(rf"[{first}]([-a-z0-9]*[a-z0-9])?", value):
        raise SpecError("not a valid Kubernetes name", where=flag, value=value,
                        hint="at most 63 lowercase letters, digits and '-', starting with a letter"
                             f"{'' if first == 'a-z' else ' or digit'} and ending with a letter or digit, e.g. chat-8b")


def register(app: typer.Typer) -> None:
    """Add `export` to the app."""
    app.command(epilog=EXAMPLES)(export)
