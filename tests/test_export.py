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
from planner.deploy.rules import Target, check_command, check_options, parse
from planner.io.catalog import Catalog
from planner.io.plans import load_report
from planner.specs.report import CandidateSummary
from tests.conftest import ROOT

runner = CliRunner()
MULTI = ROOT / "tests" / "data" / "check" / "model.yaml"  # 3 x L40S, vLLM, bf16
SMALL = ROOT / "tests" / "data" / "plan" / "model.yaml"  # one replica
EMBED = ROOT / "examples" / "embeddings-bge" / "model.yaml"  # BGE-large, an encoder


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
        "sglang_amd": (SMALL, "--gpus", "mi300x", "--runtimes", "sglang"),
        "tgi": (SMALL, "--gpus", "l40s", "--runtimes", "tgi"),
        "arm": (SMALL, "--gpus", "gh200", "--runtimes", "vllm"),
        "embed": (EMBED,),
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


def script_commands(text: str) -> list[list[str]]:
    """The commands of an exported script: comments, `set`, `wait` and the here-document dropped, continuations
    joined, a trailing `&` (a disaggregated plan's servers start in the background) removed."""
    text = re.sub(r"cat > \S+ <<'EOF'\n.*?\nEOF\n", "", text, flags=re.DOTALL)
    lines = [line.removesuffix(" &") for line in text.replace("\\\n", " ").splitlines()
             if line.strip() and not line.startswith("#") and not line.startswith("set ") and line.strip() != "wait"]
    return [shlex.split(line) for line in lines]


def script_argv(text: str) -> list[str]:
    """The one command of an aggregated plan's script."""
    commands = script_commands(text)
    assert len(commands) == 1, commands
    return commands[0]


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


def test_k8s_sglang_enables_metrics(plans, catalog):
    """SGLang in Kubernetes gets --enable-metrics and scales on sglang:num_queue_reqs."""
    docs = list(yaml.safe_load_all(run("export", str(plans["sglang"]), "--to", "k8s").stdout))
    container = docs[0]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python3"] and "--enable-metrics" in container["args"]
    metrics = catalog.runtimes["sglang"].launch.metrics
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


def test_unknown_target_is_a_usage_error(plans, catalog):
    """--to outside the known targets is refused by the CLI (exit 2) and by the library."""
    assert run("export", str(plans["small"]), "--to", "ollama").exit_code == 2
    with pytest.raises(Exception, match="unknown export target"):
        export(load_report(plans["small"]), "ollama", catalog)


def test_output_file_is_written_atomically(plans, tmp_path):
    """-o writes the same text as stdout, scripts executable, and leaves no temporary files."""
    script, manifests = tmp_path / "serve.sh", tmp_path / "deploy.yaml"
    assert run("export", str(plans["small"]), "--to", "vllm", "-o", str(script)).exit_code == 0
    assert script.read_text() == run("export", str(plans["small"]), "--to", "vllm").stdout
    assert os.access(script, os.X_OK)
    assert run("export", str(plans["small"]), "--to", "k8s", "-o", str(manifests)).exit_code == 0
    assert not os.access(manifests, os.X_OK)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["deploy.yaml", "serve.sh"]


# --- every export against the runtime's own rules (runtime_profiles/*.yaml `launch:`) ---------------------------

RULE_CASES = [("vllm", "multi"), ("vllm", "amd"), ("vllm", "fp8"), ("vllm", "embed"), ("sglang", "sglang"),
              ("sglang", "sglang_amd"), ("sglang", "embed"), ("trtllm", "trtllm"), ("trtllm", "trtllm_kv8"),
              ("tgi", "tgi"), ("tgi", "multi")]
"""(runtime, plan): each runtime on each GPU vendor it runs on, plus fp8, fp8-KV and encoder plans."""


@pytest.mark.parametrize(("runtime", "plan"), RULE_CASES)
def test_exported_command_passes_the_runtime_rules(plans, catalog, runtime, plan):
    """The exported script's command, split by the shell, is what the runtime's own parser accepts (program,
    model, every flag known with a valid value) and passes its start-up checks on the planned GPU."""
    result = run("export", str(plans[plan]), "--to", runtime)
    assert result.exit_code == 0, result.output
    assert_script_starts(result.stdout, runtime, load_report(plans[plan]), catalog)


def test_rules_refuse_what_the_runtimes_refuse(catalog):
    """The rules catch the commands the runtimes refuse: TGI ROCm prefill below the longest prompt (the MI300X
    chat plan of issue 14), vLLM batched tokens below max_num_seqs, an unknown flag, a memory fraction of 0, an
    SGLang chunk not a multiple of the Blackwell page size, an options key TensorRT-LLM's models reject."""
    tgi, vllm = catalog.runtimes["tgi"].launch, catalog.runtimes["vllm"].launch
    amd, hopper = Target("amd", "cdna3"), Target("nvidia", "hopper")
    tgi_args = ["--model-id", "m", "--max-batch-prefill-tokens", "4096", "--max-input-tokens", "8191",
                "--max-total-tokens", "8192"]
    (problem,) = check_command("text-generation-launcher", tgi_args, tgi, amd)
    assert problem.startswith("`max_batch_prefill_tokens` must be >= `max_input_tokens`")
    assert check_command("text-generation-launcher", tgi_args, tgi, hopper) == []  # CUDA image chunks prefill
    (problem,) = check_command("vllm", ["serve", "m", "--max-num-seqs", "256", "--max-num-batched-tokens", "128"],
                               vllm, hopper)
    assert "max_num_batched_tokens must be greater than or equal to max_num_seqs" in problem
    assert check_command("vllm", ["serve", "m", "--max-num-seq", "8"], vllm, hopper)[0] == \
        "unrecognized argument '--max-num-seq'"
    assert check_command("vllm", ["serve", "m", "--gpu-memory-utilization", "0"], vllm, hopper) == \
        ["--gpu-memory-utilization must be > 0 (got 0)"]
    sglang = catalog.runtimes["sglang"].launch
    args = ["-m", "sglang.launch_server", "--model-path", "m", "--chunked-prefill-size", "1000"]
    assert check_command("python3", args, sglang, Target("nvidia", "hopper")) == []
    assert len(check_command("python3", args, sglang, Target("nvidia", "blackwell"))) == 1
    trtllm = catalog.runtimes["trtllm"].launch
    assert check_options({"kv_cache_config": {"dtype": "fp8", "max_tokens_in_buffer": 1}}, trtllm) == \
        ["options file: unknown key kv_cache_config.max_tokens_in_buffer"]


def test_encoders_are_refused_where_the_runtime_cannot_serve_them(plans):
    """An embedding plan exported to TGI or TensorRT-LLM exits 2 with one Error and one hint line; vLLM and
    SGLang get their embedding switches."""
    for runtime in ("tgi", "trtllm"):
        result = run("export", str(plans["embed"]), "--to", runtime)
        assert result.exit_code == 2
        error, hint = result.stderr.splitlines()
        assert "not encoder (embedding) models" in error and hint.startswith("hint: export to vllm")
    assert flag(script_argv(run("export", str(plans["embed"]), "--to", "vllm").stdout), "--runner") == "pooling"
    assert "--is-embedding" in script_argv(run("export", str(plans["embed"]), "--to", "sglang").stdout)


def test_tgi_admits_bursts_instead_of_429(plans):
    """TGI's --max-concurrent-requests covers the in-flight requests of a replica at the autoscaling ceiling
    (3x the planned load), never less than its batch cap or TGI's own default of 128."""
    rec = rec_of(plans["tgi"])
    admitted = int(flag(script_argv(run("export", str(plans["tgi"]), "--to", "tgi").stdout),
                        "--max-concurrent-requests"))
    s = scaling(rec, load_report(plans["tgi"]).headroom)
    assert admitted == max(128, rec.max_num_seqs, MAX_REPLICAS_FACTOR * s.in_flight_per_replica)


def test_tgi_on_rocm_refuses_a_plan_relying_on_chunked_prefill(plans):
    """The MI300X TGI image has no prefill chunking: a plan whose prompts exceed its prefill budget exits 2."""
    result = run("recommend", str(SMALL), "--gpus", "mi300x", "--runtimes", "tgi", "-o",
                 str(plans["small"].parent / "tgi_amd.json"))
    assert result.exit_code == 0, result.output
    rec = rec_of(plans["small"].parent / "tgi_amd.json")
    result = run("export", str(plans["small"].parent / "tgi_amd.json"), "--to", "tgi")
    assert rec.max_num_batched_tokens < 4805  # the sample's longest prompt (tests/data/plan)
    assert result.exit_code == 2 and "relies on chunked prefill" in result.stderr.splitlines()[0]


def test_arm64_hosts_get_a_warning_when_no_arm64_image_exists(plans):
    """TGI publishes amd64 images only: `recommend` never picks it on GH200 (arm64) hosts, and a GH200 plan exported
    to TGI warns on stderr and in the script."""
    result = run("export", str(plans["arm"]), "--to", "tgi")
    assert result.exit_code == 0
    (warning,) = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert "publishes no arm64 image for nvidia GPUs" in warning
    assert "# WARNING: " + warning.removeprefix("warning: ") in result.stdout


def _unknown_fields(doc: object, schema: dict, path: str = "") -> list[str]:
    """Fields of `doc` a structural CRD schema does not declare (the API server would prune or reject them)."""
    if isinstance(doc, dict) and "properties" in schema:
        out = []
        for key, value in doc.items():
            if key not in schema["properties"]:
                out.append(f"{path}.{key}")
            else:
                out += _unknown_fields(value, schema["properties"][key], f"{path}.{key}")
        return out
    if isinstance(doc, list) and "items" in schema:
        return [p for i, item in enumerate(doc) for p in _unknown_fields(item, schema["items"], f"{path}[{i}]")]
    return []


CRDS = ROOT / "tests" / "data" / "crds"


def assert_manifests_valid(docs: list[dict], rec: CandidateSummary, catalog: Catalog) -> None:
    """Kubernetes objects pass kubernetes-validate (strict), a ScaledObject the KEDA 2.20 CRD schema, an
    InferenceService KServe 0.20's predictor fields; images are the profiled version (never latest) and every pod
    requires a node with the planned GPU model and the image's CPU architecture."""
    import jsonschema
    import kubernetes_validate

    gpu, runtime = catalog.gpus[rec.gpu], catalog.runtimes[rec.runtime]
    keda = json.loads((CRDS / "keda-2.20.2-scaledobject-v1alpha1.json").read_text())
    kserve = json.loads((CRDS / "kserve-0.20.0-inferenceservice-predictor.json").read_text())
    pods = []
    for doc in docs:
        if doc["kind"] == "ScaledObject":
            jsonschema.validate(doc, keda)
            assert _unknown_fields(doc, keda) == []
            assert doc["spec"]["triggers"], "every runtime with metrics gets a trigger"
        elif doc["kind"] == "InferenceService":
            predictor = doc["spec"]["predictor"]
            assert set(doc["spec"]) <= set(kserve["spec_keys"]) and set(predictor) <= set(kserve["predictor_keys"])
            assert predictor["scaleMetric"] in kserve["scaleMetric_enum"]
            pods.append(predictor)
        else:
            kubernetes_validate.validate(doc, "1.33", strict=True)
        if doc["kind"] == "Deployment":
            pods.append(doc["spec"]["template"]["spec"])
    assert pods
    for pod in pods:
        (container,) = pod["containers"]
        image = container["image"]
        assert ":latest" not in image and image.split(":")[1].lstrip("v").startswith(runtime.version)
        terms = pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        label = "amd.com/gpu.product-name" if gpu.vendor == "amd" else "nvidia.com/gpu.product"
        wanted = {"key": label, "operator": "In", "values": gpu.node_labels[label]}
        assert any(wanted in t["matchExpressions"] for t in terms)
        assert all({"key": "kubernetes.io/arch", "operator": "In", "values": [gpu.host_cpu_arch]}
                   in t["matchExpressions"] for t in terms)


def assert_script_starts(text: str, runtime: str, report, catalog: Catalog) -> None:
    """The script's command (a disaggregated plan: each pool's server; its router is not a runtime command) passes
    the runtime's parser rules and start-up checks on the planned GPU."""
    commands = script_commands(text) if report.recommendation.disagg is not None else [script_argv(text)]
    servers = [argv for argv in commands if "sglang_router.launch_router" not in argv]
    assert servers
    rules = catalog.runtimes[runtime].launch
    assert rules is not None
    gpu = catalog.gpus[report.recommendation.gpu]
    target = Target(gpu.vendor, gpu.architecture, encoder=report.model.family == "bert")
    for argv in servers:
        parsed = parse(argv[0], argv[1:], rules)
        assert parsed.problems == [] and parsed.model == report.model.ref
        assert check_command(argv[0], argv[1:], rules, target) == []
    if runtime == "trtllm":
        options = yaml.safe_load(re.search(r"<<'EOF'\n(.*?)\nEOF\n", text, flags=re.DOTALL).group(1))
        assert check_options(options, rules) == []


@pytest.mark.parametrize("plan", ["multi", "sglang", "trtllm", "amd", "sglang_amd", "tgi", "arm", "embed"])
def test_manifests_validate_pin_the_image_and_the_gpu(plans, catalog, plan):
    """k8s and kserve exports validate (kubernetes-validate strict, KEDA and KServe schemas), pin the image to the
    profiled version and the pod to the planned GPU model and CPU architecture."""
    rec = rec_of(plans[plan])
    docs = list(yaml.safe_load_all(run("export", str(plans[plan]), "--to", "k8s").stdout))
    assert docs[-1]["kind"] == "ScaledObject"  # every runtime planned here exports a metric to scale on
    kserve_docs = list(yaml.safe_load_all(run("export", str(plans[plan]), "--to", "kserve").stdout))
    assert [d["kind"] for d in kserve_docs] == (["ConfigMap"] if rec.runtime == "trtllm" else []) + ["InferenceService"]
    assert_manifests_valid(docs + kserve_docs, rec, catalog)


EXAMPLES = ["chat-llama-3.1-8b", "embeddings-bge", "moe-qwen3-30b-a3b", "rag-llama-3.1-70b"]


@pytest.mark.slow
@pytest.mark.parametrize("gpus", [None, "mi300x"])
@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_exports_or_is_refused(tmp_path, catalog, example, gpus):
    """Each shipped example (as planned, and re-planned on an AMD GPU) exports to every target either as a
    command the runtime's rules accept and manifests that validate, or exit 2 with one Error and one hint line."""
    plan = tmp_path / "plan.json"
    flags = ["--gpus", gpus] if gpus else []
    result = run("recommend", str(ROOT / "examples" / example / "model.yaml"), *flags, "-o", str(plan))
    assert result.exit_code == 0, result.output
    report = load_report(plan)
    exported = 0
    for to in ("vllm", "sglang", "trtllm", "tgi", "k8s", "kserve"):
        result = run("export", str(plan), "--to", to)
        if result.exit_code == 2:
            error, hint = result.stderr.splitlines()
            assert error.startswith("Error: --to: cannot export this plan to") and hint.startswith("hint: ")
            continue
        assert result.exit_code == 0, result.output
        exported += 1
        if to in ("k8s", "kserve"):
            assert_manifests_valid(list(yaml.safe_load_all(result.stdout)), report.recommendation, catalog)
        else:
            assert_script_starts(result.stdout, to, report, catalog)
    # the plan's own runtime, k8s and kserve at least, and vLLM or SGLang; a disaggregated plan: SGLang PD or vLLM
    # with a KV connector (no Kubernetes form is rendered for it)
    assert exported >= (2 if report.recommendation is not None and report.recommendation.disagg else 4)


def test_export_format_json(plans):
    """--format json carries the same command and documents as the text export, plus autoscaling as data."""
    text = run("export", str(plans["multi"]), "--to", "k8s").stdout
    data = json.loads(run("export", str(plans["multi"]), "--to", "k8s", "--format", "json").stdout)
    assert data["text"] == text and data["documents"] == list(yaml.safe_load_all(text))
    assert data["command"]["args"] == rec_of(plans["multi"]).launch.args
    assert data["autoscaling"]["min_replicas"] == 3
    assert [t["name"] for t in data["autoscaling"]["triggers"]] == ["queue-depth", "in-flight"]
