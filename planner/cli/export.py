"""`planner export`: a plan's launch command, Kubernetes manifests or KServe InferenceService."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from planner.cli._options import (
    QuietOpt,
    VerboseOpt,
    check_output,
    output_path,
    path_value,
    set_verbosity,
    warn,
    write_atomic,
)
from planner.errors import SpecError

EXAMPLES = """
Examples:

\b
  planner export plan.json --to vllm
  planner export plan.json --to trtllm -o serve.sh
  planner export plan.json --to k8s --namespace llm -o deploy.yaml
  planner export plan.json --to kserve --name chat-8b -o isvc.yaml

  planner export plan.json --to k8s --format json | jq .autoscaling

Targets vllm, sglang, trtllm and tgi print a shell script starting one replica
(for a runtime other than the plan's, the equivalent command); k8s prints a
Deployment pinned to the planned GPU model, a Service and a KEDA ScaledObject
scaling between the planned replicas and 3x that on metrics the runtime exports
at its profiled version; kserve prints an InferenceService. Images are pinned to
the profiled runtime version. Every command is checked against the runtime's own
flag and start-up rules (runtime_profiles/*.yaml `launch:`). Exit 2 when the
runtime cannot serve the plan (an encoder on TGI, fp8 weights TensorRT-LLM cannot
produce from a 16-bit checkpoint, ...) or the plan has no recommendation.
Warnings (no image for the host CPU, no metric to scale on) also go to stderr.
"""


class ExportFormat(str, Enum):
    """stdout formats of `export`."""

    text = "text"
    json = "json"


class ExportTarget(str, Enum):
    """Export targets."""

    vllm = "vllm"
    sglang = "sglang"
    trtllm = "trtllm"
    tgi = "tgi"
    k8s = "k8s"
    kserve = "kserve"


def export(
    plan: Annotated[Path, typer.Argument(metavar="PLAN", help="Plan JSON written by `planner recommend -o plan.json`.", parser=path_value)],
    to: Annotated[ExportTarget, typer.Option("--to", "-t", help="What to export to.")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here (atomically) instead of stdout.", parser=output_path)]
    = None,
    name: Annotated[str | None, typer.Option(
        "--name", help="Kubernetes object name (default: model name and runtime).")] = None,
    namespace: Annotated[str, typer.Option("--namespace", "-n", help="Kubernetes namespace.")] = "default",
    prometheus_url: Annotated[str | None, typer.Option(
        "--prometheus-url", help="Prometheus the KEDA triggers query.")] = None,
    format: Annotated[ExportFormat, typer.Option(
        "--format", "-f", help="text: the script or manifests; json: them plus command, image, autoscaling, "
                               "warnings and notes as data.")] = ExportFormat.text,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Export a plan: runtime launch command, Kubernetes manifests (KEDA autoscaling) or a KServe InferenceService."""
    set_verbosity(quiet, verbose)
    from planner.deploy.export import DEFAULT_PROMETHEUS_URL, build
    from planner.io.catalog import Catalog
    from planner.io.plans import load_report
    from planner.render.format import dumps_json

    _k8s_name(name, "--name", first="a-z")
    _k8s_name(namespace, "--namespace", first="a-z0-9")
    _http_url(prometheus_url, "--prometheus-url")
    check_output(output, inputs=(plan,))
    report = load_report(plan)
    result = build(report, to.value, Catalog.load(tables=False), name=name, namespace=namespace,
                   prometheus_url=prometheus_url or DEFAULT_PROMETHEUS_URL, where=str(plan))
    for warning in result.warnings:
        warn(warning)
    text = result.text if format is ExportFormat.text else dumps_json(result.data())
    if output is None:
        typer.echo(text, nl=False)
        return
    write_atomic(output, text, executable=text.startswith("#!"), inputs=(plan,))


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


def _http_url(value: str | None, flag: str) -> None:
    """An http(s) URL with a host and a valid port, on one line: it goes verbatim into the KEDA triggers, where
    `javascript:alert(1)` or port 99999 would only fail once the autoscaler queries it."""
    if value is None:
        return
    from urllib.parse import urlsplit

    hint = "an http(s) URL of the Prometheus server, e.g. http://prometheus-operated.monitoring.svc:9090"
    try:
        parts = urlsplit(value)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a port out of range or not a number, a malformed IPv6 host
        parts, port_ok = None, False
    if parts is None or not port_ok or parts.scheme not in ("http", "https") or not parts.hostname \
            or len(value) > 2048 or any(c.isspace() or not c.isprintable() for c in value):
        raise SpecError("not an http(s) URL with a host and a valid port", where=flag,
                        value=value if len(value) <= 60 else value[:57] + "...", hint=hint)


def register(app: typer.Typer) -> None:
    """Add `export` to the app."""
    app.command(epilog=EXAMPLES)(export)
