"""`planner export`: launch scripts, Kubernetes and KServe manifests from real plans, parsed back."""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from planner.cli import app
from planner.deploy.export import MAX_REPLICAS_FACTOR, export, scaling
from planner.io.catalog import Catalog
from planner.io.plans import load_report
from planner.specs.report import CandidateSummary
from tests.conftest import ROOT

runner = CliRunner()
MULTI = ROOT / "tests" / "data" / "check" / "model.yaml"  # 3 x L40S, vLLM, bf16
SMALL = ROOT / "tests" / "data" / "plan" / "model.yaml"  # one replica


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "140", "NO_COLOR": "1"})


@pytest.fixture(scope="module")
def plans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real plans made with `planner recommend -o`: vLLM (3 and 1 replicas, fp8), SGLang, TensorRT-LLM, AMD, none."""
    root = tmp_path_factory.mktemp("plans")
    specs = {
        "multi": (MULTI,),
        "small": (SMALL,),
        "fp8": (SMALL, "--gpus", "l40s", "--runtimes", "vllm", "--quant", "fp8", "--kv-dtype", "fp8"),
        "sglang": (SMALL, "--gpus", "l40s", "--runtimes", "sglang"),
        "trtllm": (SMALL, "--gpus", "h100-sxm", "--runtimes", "trtllm"),
        "trtllm_kv8": (SMALL, "--gpus", "h100-sxm", "--runtimes", "trtllm", "--quant", "bf16", "--kv-dtype", "fp8"),
        "amd": (SMALL, "--gpus", "mi300x"),
        "none": (SMALL, "--slo", "ttft_p95=1ms"),
    }
    out = {}
    for name, (model, *flags) in specs.items():
        out[name] = root / f"{name}.json"
        result = run("recommend", str(model), *flags, "-o", str(out[name]))
        assert result.exit_code == (1 if name == "none" else 0), result.output
    return out


def rec_of(path: Path) -> CandidateSummary:
    rec = load_report(path).recommendation
    assert rec is not None
    return rec


def script_argv(text: str) -> list[str]:
    """The command of an exported script: comments, `set` and the here-document dropped, continuations joined."""
    text = re.sub(r"cat > \S+ <<'EOF'\n.*?\nEOF\n", "", text, flags=re.DOTALL)
    lines = [line for line in text.replace("\\\n", " ").splitlines()
             if line.strip() and not line.startswith("#") and not line.startswith("set ")]
    assert len(lines) == 1, lines
    return shlex.split(lines[0])


def flag(argv: list[str], name: str) -> str:
    assert name in argv, (name, argv)
    return argv[argv.index(name) + 1]


TP_AND_SEQS = {
    "vllm": ("vllm", "--tensor-parallel-size", "--max-num-seqs"),
    "sglang": ("python3", "--tp-size", "--max-running-requests"),
    "trtllm": ("trtllm-serve", "--tp_size", "--max_batch_size"),
}


@pytest.mark.parametrize("runtime", ["vllm", "sglang", "trtllm", "tgi"])
def test_runtime_scripts_carry_the_plan(plans, runtime):
    """Each runtime's script is one shell command with the plan's TP size, batch cap and context length."""
    result = run("export", str(plans["multi"]), "--to", runtime)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("#!/bin/sh\n# planner export: check-llama-8b\n")
    argv = script_argv(result.stdout)
    rec = rec_of(plans["multi"])
    if runtime == "tgi":
        assert argv[0] == "text-generation-launcher"
        assert flag(argv, "--num-shard") == str(rec.tp_size)
        assert flag(argv, "--max-total-tokens") == str(rec.max_model_len)
        return
    program, tp, seqs = TP_AND_SEQS[runtime]
    assert argv[0] == program
    assert flag(argv, tp) == str(rec.tp_size) and flag(argv, seqs) == str(rec.max_num_seqs)
    assert flag(argv, "--port") == "8000"


def test_plan_runtime_script_is_the_planned_command(plans):
    """Exporting to the plan's own runtime reproduces report.recommendation.launch exactly."""
    rec = rec_of(plans["fp8"])
    argv = script_argv(run("export", str(plans["fp8"]), "--to", "vllm").stdout)
    assert argv == [rec.launch.program, *rec.launch.args]
    assert "--kv-cache-dtype" in argv and flag(argv, "--quantization") == "fp8"


def test_other_runtime_script_says_it_was_not_planned(plans):
    """A script for a runtime other than the plan's says the prediction was for another runtime."""
    text = run("export", str(plans["multi"]), "--to", "sglang").stdout
    assert "# the plan predicted latency and memory for vllm, not sglang" in text


def test_trtllm_script_writes_llm_api_options(plans):
    """The TensorRT-LLM script writes its LLM-API YAML (KV dtype and fraction) and passes it to trtllm-serve."""
    text = run("export", str(plans["trtllm_kv8"]), "--to", "trtllm").stdout
    options = yaml.safe_load(re.search(r"<<'EOF'\n(.*?)\nEOF\n", text, flags=re.DOTALL).group(1))
    assert options["kv_cache_config"]["dtype"] == "fp8"  # the plan stores the KV cache in fp8
    assert 0 < options["kv_cache_config"]["free_gpu_memory_fraction"] <= 1
    assert options["cuda_graph_config"]["max_batch_size"] == rec_of(plans["trtllm_kv8"]).max_num_seqs
    argv = script_argv(text)
    assert argv[:2] == ["trtllm-serve", "serve"]
    assert flag(argv, "--extra_llm_api_options") == "extra_llm_api_options.yaml"


def test_k8s_manifests(plans):
    """k8s: a Deployment (replicas, GPU limits, image, args, probes, /dev/shm), a Service and a KEDA ScaledObject."""
    result = run("export", str(plans["multi"]), "--to", "k8s", "--namespace", "llm")
    assert result.exit_code == 0, result.output
    docs = list(yaml.safe_load_all(result.stdout))
    assert [d["kind"] for d in docs] == ["Deployment", "Service", "ScaledObject"]
    dep, svc, scaled = docs
    rec = rec_of(plans["multi"])
    assert dep["spec"]["replicas"] == rec.replicas == 3
    pod = dep["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["image"] == rec.launch.image == "vllm/vllm-openai:v0.33.0"
    assert container["command"] == ["vllm"] and container["args"] == rec.launch.args
    assert flag(container["args"], "--tensor-parallel-size") == str(rec.tp_size)
    assert flag(container["args"], "--max-num-seqs") == str(rec.max_num_seqs)
    assert container["resources"]["limits"] == {"nvidia.com/gpu": rec.gpus_per_replica}
    assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": "http"}
    assert container["livenessProbe"]["httpGet"]["path"] == "/health"
    assert {"name": "dshm", "mountPath": "/dev/shm"} in container["volumeMounts"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["dshm"]["emptyDir"]["medium"] == "Memory" and "model-cache" in volumes
    labels = dep["spec"]["template"]["metadata"]["labels"]
    assert dep["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert svc["spec"]["selector"].items() <= labels.items() and svc["spec"]["ports"][0]["port"] == 8000
    assert all(d["metadata"]["namespace"] == "llm" for d in docs)
    spec = scaled["spec"]
    assert spec["scaleTargetRef"]["name"] == dep["metadata"]["name"]
    assert spec["minReplicaCount"] == 3 and spec["maxReplicaCount"] == MAX_REPLICAS_FACTOR * 3
    want = scaling(rec, load_report(plans["multi"]).headroom)
    triggers = {t["name"]: t["metadata"] for t in spec["triggers"]}
    assert triggers["queue-depth"]["query"].startswith("sum(vllm:num_requests_waiting{namespace=\"llm\"")
    assert triggers["queue-depth"]["threshold"] == str(want.queue_per_replica)
    assert "vllm:num_requests_running" in triggers["in-flight"]["query"]
    assert triggers["in-flight"]["threshold"] == str(want.in_flight_per_replica)


def test_scaling_thresholds_follow_headroom_and_concurrency(plans):
    """In-flight target = concurrency x (1 + headroom), queue target = its headroom share, both at least 1."""
    rec = rec_of(plans["multi"])
    s = scaling(rec, 0.2)
    assert s.in_flight_per_replica == min(rec.max_num_seqs, -(-rec.concurrency_per_replica * 1.2 // 1))
    assert s.queue_per_replica >= 1 and s.in_flight_per_replica > s.queue_per_replica
    assert scaling(rec, 0.0).queue_per_replica == 1
    assert scaling(rec, 1.0).in_flight_per_replica >= s.in_flight_per_replica


def test_k8s_sglang_enables_metrics(plans):
    """SGLang in Kubernetes gets --enable-metrics and scales on sglang:num_queue_reqs."""
    docs = list(yaml.safe_load_all(run("export", str(plans["sglang"]), "--to", "k8s").stdout))
    container = docs[0]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python3"] and "--enable-metrics" in container["args"]
    metrics = Catalog.load().runtimes["sglang"].launch.metrics
    assert metrics is not None and metrics.waiting == "sglang:num_queue_reqs"
    assert metrics.waiting in docs[2]["spec"]["triggers"][0]["metadata"]["query"]


def test_k8s_trtllm_mounts_options_configmap(plans):
    """TensorRT-LLM in Kubernetes: a ConfigMap with the LLM-API options, mounted and passed, scraped at its path."""
    docs = list(yaml.safe_load_all(run("export", str(plans["trtllm"]), "--to", "k8s").stdout))
    assert [d["kind"] for d in docs] == ["ConfigMap", "Deployment", "Service", "ScaledObject"]
    options = yaml.safe_load(docs[0]["data"]["extra_llm_api_options.yaml"])
    assert options["kv_cache_config"]["dtype"] in ("auto", "fp8")
    pod = docs[1]["spec"]["template"]
    container = pod["spec"]["containers"][0]
    assert flag(container["args"], "--extra_llm_api_options") == "/etc/trtllm/extra_llm_api_options.yaml"
    assert {"name": "llm-api-options", "configMap": {"name": docs[0]["metadata"]["name"]}} in pod["spec"]["volumes"]
    assert pod["metadata"]["annotations"]["prometheus.io/path"] == "/prometheus/metrics"
    # TensorRT-LLM 1.2.1 has no queue gauge: the fallback scales on the served request rate and the TTFT p95.
    triggers = {t["name"]: t["metadata"]["query"] for t in docs[3]["spec"]["triggers"]}
    assert "trtllm_num_requests_waiting" not in " ".join(triggers.values())
    assert triggers["request-rate"].startswith("sum(rate(trtllm_request_success_total{")
    assert "trtllm_time_to_first_token_seconds_bucket" in triggers["ttft-slo"]


def test_k8s_amd_gpu_resources(plans):
    """An AMD plan requests amd.com/gpu and uses the ROCm image."""
    docs = list(yaml.safe_load_all(run("export", str(plans["amd"]), "--to", "k8s").stdout))
    container = docs[0]["spec"]["template"]["spec"]["containers"][0]
    assert list(container["resources"]["limits"]) == ["amd.com/gpu"]
    assert container["image"] == rec_of(plans["amd"]).launch.image


def test_kserve_inference_service(plans):
    """kserve: an InferenceService with the plan's replicas, GPUs, image and args, scaling on concurrency."""
    result = run("export", str(plans["multi"]), "--to", "kserve", "--name", "chat-8b")
    assert result.exit_code == 0, result.output
    (isvc,) = list(yaml.safe_load_all(result.stdout))
    assert isvc["apiVersion"] == "serving.kserve.io/v1beta1" and isvc["kind"] == "InferenceService"
    assert isvc["metadata"]["name"] == "chat-8b"
    rec = rec_of(plans["multi"])
    predictor = isvc["spec"]["predictor"]
    assert predictor["minReplicas"] == rec.replicas and predictor["maxReplicas"] == MAX_REPLICAS_FACTOR * rec.replicas
    assert predictor["scaleMetric"] == "concurrency"
    assert predictor["scaleTarget"] == scaling(rec, 0.2).in_flight_per_replica
    (container,) = predictor["containers"]
    assert container["image"] == rec.launch.image and container["args"] == rec.launch.args
    assert container["resources"]["limits"]["nvidia.com/gpu"] == rec.gpus_per_replica
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"


def test_trtllm_on_amd_is_refused(plans):
    """Exporting an AMD plan to TensorRT-LLM exits 2 and says why."""
    result = run("export", str(plans["amd"]), "--to", "trtllm")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == ("Error: --to: cannot export this plan to TensorRT-LLM 1.2.1: TensorRT-LLM "
                                             "does "
                                             "not run on AMD Instinct MI300X 192GB (amd cdna3) (got 'trtllm')")


def test_trtllm_fp8_on_a_16bit_checkpoint_is_refused(plans):
    """An fp8 plan on a bf16 checkpoint is refused for TensorRT-LLM (it cannot quantize while loading), with the
    offline quantization step as the hint; vLLM quantizes online, so the same plan exports there."""
    result = run("export", str(plans["fp8"]), "--to", "trtllm")
    assert result.exit_code == 2
    error, hint = result.stderr.splitlines()[:2]
    assert "TensorRT-LLM cannot quantize a 16-bit checkpoint to fp8 while loading" in error
    assert hint.startswith("hint: quantize the checkpoint to fp8 first")
    assert run("export", str(plans["fp8"]), "--to", "vllm").exit_code == 0


def test_plan_without_recommendation_exits_2(plans):
    """A plan where nothing met the SLO has nothing to export: exit 2 with the reason."""
    result = run("export", str(plans["none"]), "--to", "k8s")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (f"Error: {plans['none']}: the plan has no recommendation: nothing met the "
                                             "SLO, so there is nothing to export")


def test_foreign_file_exits_2(tmp_path):
    """A JSON that is not a planner report exits 2 with one line."""
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"hello": "world"}))
    result = run("export", str(path), "--to", "vllm")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == f"Error: {path}: not a planner report (no schema_version)"


def test_unknown_target_is_a_usage_error(plans):
    """--to outside the known targets is refused by the CLI (exit 2) and by the library."""
    assert run("export", str(plans["small"]), "--to", "ollama").exit_code == 2
    with pytest.raises(Exception, match="unknown export target"):
        export(load_report(plans["small"]), "ollama", Catalog.load())


def test_output_file_is_written_atomically(plans, tmp_path):
    """-o writes the same text as stdout, scripts executable, and leaves no temporary files."""
    script, manifests = tmp_path / "serve.sh", tmp_path / "deploy.yaml"
    assert run("export", str(plans["small"]), "--to", "vllm", "-o", str(script)).exit_code == 0
    assert script.read_text() == run("export", str(plans["small"]), "--to", "vllm").stdout
    assert os.access(script, os.X_OK)
    assert run("export", str(plans["small"]), "--to", "k8s", "-o", str(manifests)).exit_code == 0
    assert not os.access(manifests, os.X_OK)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deploy.yaml", "serve.sh"]
