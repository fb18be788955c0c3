"""Launch commands of a prefill/decode-disaggregated deployment, in each runtime's standard form.

SGLang: prefill and decode servers started with `--disaggregation-mode prefill|decode` and a transfer backend, behind
`python -m sglang_router.launch_router --pd-disaggregation --prefill URL --decode URL`. vLLM: every server started
with `--kv-transfer-config '{"kv_connector":"NixlConnector","kv_role":"kv_both"}'`, requests routed by a proxy that
sends each prompt to a prefiller, then to a decoder. TensorRT-LLM's `trtllm-serve disaggregated` needs a config file
and TGI has no disaggregation: both are refused (see runtime_profiles/*.yaml `disaggregation`).
"""

from __future__ import annotations

import json
import shlex

from planner.deploy.launch import launch
from planner.errors import SpecError
from planner.specs._base import Frozen
from planner.specs.deployment import Deployment
from planner.specs.report import LaunchSummary

PREFILL_PORT = 30000
"""Port of the first prefill server (one port up per further instance)."""
DECODE_PORT = 31000
"""Port of the first decode server."""
ROUTER_PORT = 8000
"""Port the router / proxy serves clients on."""
NIXL = {"kv_connector": "NixlConnector", "kv_role": "kv_both"}
"""vLLM's KV-connector configuration for NIXL transfers (vLLM docs features/nixl_connector_usage.md)."""


class DisaggLaunch(Frozen):
    """The commands that start a disaggregated deployment: one per prefill and decode instance, and the router."""

    prefill: list[LaunchSummary]
    """One command per prefill instance."""
    decode: list[LaunchSummary]
    """One command per decode instance."""
    router: str
    """The command that starts the router / proxy in front of both pools ('' where the user supplies one)."""
    notes: list[str]
    """What the commands cannot express."""


def _pool(dep: Deployment, tp: int) -> Deployment:
    return dep.model_copy(update={"tp_size": tp, "disagg": None})


def _with(summary: LaunchSummary, extra: list[str]) -> LaunchSummary:
    args = [*summary.args, *extra]
    return summary.model_copy(update={
        "args": args, "command": " ".join(shlex.quote(p) for p in (summary.program, *args))})


def disagg_launch(dep: Deployment, model_ref: str) -> DisaggLaunch:
    """The launch commands of `dep` (which must be disaggregated) serving `model_ref`.

    Raises:
        SpecError: The runtime has no standard form the planner can render (TensorRT-LLM, TGI, transformers).
    """
    cfg = dep.disagg
    assert cfg is not None
    rid, form = dep.runtime.id, dep.runtime.disaggregation.form
    if form not in ("sglang-pd", "vllm-kv-connector"):
        raise SpecError(f"cannot export this plan to {dep.runtime.name}: it is prefill/decode-disaggregated and "
                        f"{dep.runtime.name} has no launch form for that here", where="--to", value=rid,
                        hint="TensorRT-LLM needs a `trtllm-serve disaggregated` config file and TGI has no "
                             "disaggregation; plan with --runtime sglang or vllm to export it")
    backend = dep.runtime.disaggregation.transfer_backends[0]
    pre_dep, dec_dep = _pool(dep, cfg.prefill_tp), _pool(dep, cfg.decode_tp)
    notes = [f"{cfg.prefill_instances} prefill x TP{cfg.prefill_tp} and {cfg.decode_instances} decode x "
             f"TP{cfg.decode_tp}: give each server its own GPUs (CUDA_VISIBLE_DEVICES) and a reachable host"]
    pre_ports = [PREFILL_PORT + i for i in range(cfg.prefill_instances)]
    dec_ports = [DECODE_PORT + i for i in range(cfg.decode_instances)]
    if form == "sglang-pd":
        prefill = [_with(launch(pre_dep, model_ref, port), ["--disaggregation-mode", "prefill",
                                                             "--disaggregation-transfer-backend", backend])
                   for port in pre_ports]
        decode = [_with(launch(dec_dep, model_ref, port), ["--disaggregation-mode", "decode",
                                                            "--disaggregation-transfer-backend", backend])
                  for port in dec_ports]
        router = ["python3", "-m", "sglang_router.launch_router", "--pd-disaggregation"]
        for port in pre_ports:
            router += ["--prefill", f"http://PREFILL_HOST:{port}"]
        for port in dec_ports:
            router += ["--decode", f"http://DECODE_HOST:{port}"]
        router += ["--host", "0.0.0.0", "--port", str(ROUTER_PORT)]
        notes.append(f"replace PREFILL_HOST / DECODE_HOST with the servers' addresses; KV moves over {backend}")
        return DisaggLaunch(prefill=prefill, decode=decode, router=" ".join(shlex.quote(p) for p in router),
                            notes=notes)
    kv = ["--kv-transfer-config", json.dumps(NIXL, separators=(",", ":"))]
    prefill = [_with(launch(pre_dep, model_ref, port), kv) for port in pre_ports]
    decode = [_with(launch(dec_dep, model_ref, port), kv) for port in dec_ports]
    notes.append("vLLM ships no production router for disaggregation: front the servers with a proxy that sends each "
                 "request to a prefiller (max_tokens 1), then to a decoder (vLLM examples toy_proxy_server.py, "
                 "llm-d or NVIDIA Dynamo)")
    return DisaggLaunch(prefill=prefill, decode=decode, router="", notes=notes)


def disagg_script(header: list[str], out: DisaggLaunch) -> str:
    """A shell script that lists every server command, then the router (each server on its own GPUs / host)."""
    lines = ["#!/bin/sh", *(f"# {c}" for c in header), *(f"# note: {n}" for n in out.notes),
             f"# image: {out.prefill[0].image}"]
    for i, cmd in enumerate(out.prefill):
        lines += [f"# prefill instance {i + 1} of {len(out.prefill)}", cmd.command + " &"]
    for i, cmd in enumerate(out.decode):
        lines += [f"# decode instance {i + 1} of {len(out.decode)}", cmd.command + " &"]
    if out.router:
        lines += ["# router in front of both pools", out.router]
    else:
        lines += ["# start a proxy in front of both pools (see the note above)", "wait"]
    return "\n".join(lines) + "\n"
