"""Fuzz harness: hostile configs, model.yaml files, flags, plans, output paths, data dirs and cache entries
through the real CLI, asserting what every invocation must do whatever the input.

Each invocation must: exit 0, 1 or 2 (3 is a bug); print no traceback; on exit 2 print one `Error:` line
followed by one `hint:` line; write no file but the named output; keep device nodes and symlinks as they
were; print only finite numbers in JSON; finish in seconds. Seeded through hypothesis (`derandomize`), a
few hundred cases run in the fast suite and a larger corpus behind `-m slow`; the crash-reproducing
inputs the harness and the issue found are kept as regression cases at the bottom.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, Phase, event, given, seed, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from typer.testing import CliRunner

from planner.cli import app
from planner.io.catalog import Catalog
from tests.conftest import MODELS, ROOT
from tests.test_calibrate_fit import synthetic_profile
from tests.test_hf_config import QWEN2_5_VL_7B, _gemma3n

runner = CliRunner()
PLAN = ROOT / "examples" / "ci" / "plan.json"
L8 = str(MODELS / "llama-3.1-8b")
BASES = {name: json.loads((MODELS / name / "config.json").read_text())
         for name in ("llama-3.1-8b", "mixtral-8x7b", "deepseek-v3", "qwen3-30b-a3b", "gemma-3-27b",
                      "nemotron-h-56b", "gpt-oss-20b", "bert-base-uncased")}
BASES["gemma-3n-e4b"] = _gemma3n(35, 16384, 15)  # configs with towers and per-layer widths, inline in test_hf_config
BASES["qwen2.5-vl-7b"] = QWEN2_5_VL_7B
SLOW_SECONDS = 30.0
"""An invocation taking longer than this counts as a hang."""


PHASES = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)
"""No explain phase: it reruns a failing whole-CLI case dozens of times for little extra."""


def fuzz(body: Any, fast: int, slow: int, **strategies: Any) -> tuple[Any, Any]:
    """A seeded property run with `fast` examples in the default suite and `slow` ones behind `-m slow`."""
    def make(n: int, slow_run: bool) -> Any:
        test = settings(max_examples=n, derandomize=not slow_run, deadline=None, database=None, phases=PHASES,
                        suppress_health_check=list(HealthCheck))(given(**strategies)(body))
        return pytest.mark.slow(seed(SLOW_SEED)(test)) if slow_run else test
    return make(fast, False), make(slow, True)


SLOW_SEED = 20261202
"""The slow corpus is seeded too (reproducible in CI), with a seed of its own so it explores past the fast run."""


@contextlib.contextmanager
def chdir(path: Path) -> Iterator[None]:
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@pytest.fixture(scope="module", autouse=True)
def _catalog_once() -> Iterator[None]:
    """Load each data-dir combination once per module (Catalog.load is most of a fast invocation)."""
    real = Catalog.load.__func__  # type: ignore[attr-defined]
    cache: dict[bool, Catalog] = {}

    def load(cls: type[Catalog], settings: Any = None, *, tables: bool = True) -> Catalog:
        key = tuple(os.environ.get(f"PLANNER_{k}") for k in ("HARDWARE_DB", "RUNTIME_PROFILES", "CALIBRATION_DIR"))
        if settings is not None or key != (None, None, None):
            return real(cls, settings, tables=tables)  # data-dir fuzzing: always the real load
        if tables not in cache:
            cache[tables] = real(cls, settings, tables=tables)
        return cache[tables]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Catalog, "load", classmethod(load))
        yield


# ---------------------------------------------------------------- the oracle


def _files(root: Path) -> dict[str, tuple[int, int]]:
    """Every path under `root` with its type bits and size (symlinks not followed)."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            st_ = path.lstat()
            out[str(path.relative_to(root))] = (stat.S_IFMT(st_.st_mode), st_.st_size)
    return out


def _finite(data: Any, where: str = "") -> None:
    if isinstance(data, float):
        assert math.isfinite(data), f"non-finite number at {where}"
    elif isinstance(data, dict):
        for key, value in data.items():
            _finite(value, f"{where}.{key}")
    elif isinstance(data, list):
        for index, value in enumerate(data):
            _finite(value, f"{where}[{index}]")


def check(args: list[str], cwd: Path, *, output: str | None = None, env: dict[str, str] | None = None) -> Any:
    """Run the CLI in `cwd` and assert the invariants; returns the result."""
    before = _files(cwd)
    start = time.monotonic()
    with chdir(cwd):
        result = runner.invoke(app, args, env={"COLUMNS": "100", "NO_COLOR": "1", **(env or {})})
    elapsed = time.monotonic() - start
    shown = f"planner {' '.join(a[:200] for a in args)}\n--- stderr ---\n{result.stderr[-3000:]}"
    if currently_in_test_context():  # statistics for --hypothesis-show-statistics
        event(f"exit {result.exit_code}")
        if result.exit_code == 2 and result.stderr.startswith("Error: "):
            event(result.stderr.split("\n")[0][7:60].split("(got")[0].split(": ")[-1])
    assert elapsed < SLOW_SECONDS, f"took {elapsed:.0f} s: {shown}"
    assert result.exit_code in (0, 1, 2), f"exit {result.exit_code}: {shown}"
    assert result.exception is None or isinstance(result.exception, SystemExit), shown
    assert "Traceback" not in result.output, shown
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        errors = [i for i, line in enumerate(lines) if line.startswith("Error: ")]
        assert len(errors) == 1 and errors[0] == len(lines) - 2 and lines[-1].startswith("hint: "), shown
    after = _files(cwd)
    changed = {p for p in set(before) | set(after) if before.get(p) != after.get(p)}
    allowed = {str(Path(output))} if output else set()
    assert changed <= allowed, f"files changed besides the output: {sorted(changed - allowed)}: {shown}"
    if "json" in args and result.exit_code in (0, 1) and result.stdout.strip().startswith(("{", "[")):
        _finite(json.loads(result.stdout))
    return result


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="planner-fuzz-") as tmp:
        yield Path(tmp)


# ---------------------------------------------------------------- strategies

HOSTILE = [0, -1, 1, 2, 3, 7, 64, 2**31, 2**53 + 1, 10**12, 10**30, 10**400, 1e30, 1e308, 0.5, 128.0, 1e-300,
           "", " ", "32", "\u00b2", "\u0663", "1e3", "x" * 5000, None, True, False, [], {}, [0], [1, 2, 3],
           {"a": 1}, ["x"], float("nan"), float("inf")]
hostile = st.one_of(st.sampled_from(HOSTILE), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(), st.text(max_size=12), st.lists(st.integers(-3, 300), max_size=4))

CONFIG_KEYS = ["hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads", "head_dim",
               "intermediate_size", "vocab_size", "max_position_embeddings", "moe_intermediate_size",
               "n_routed_experts", "num_local_experts", "num_experts_per_tok", "num_experts", "kv_lora_rank",
               "q_lora_rank", "qk_rope_head_dim", "qk_nope_head_dim", "v_head_dim", "sliding_window", "layer_types",
               "torch_dtype", "model_type", "architectures", "tie_word_embeddings", "quantization_config",
               "rope_scaling", "text_config", "first_k_dense_replace", "moe_layer_freq", "n_shared_experts",
               "shared_expert_intermediate_size", "mlp_only_layers", "decoder_sparse_step",
               "hybrid_override_pattern", "ssm_state_size", "mamba_num_heads", "mamba_head_dim", "n_groups",
               "conv_kernel", "num_nextn_predict_layers", "sliding_window_pattern", "attention_bias",
               "layer_norm_eps", "n_embd", "n_layer", "n_head", "num_layers", "d_model", "rope_theta"]


@st.composite
def configs(draw: st.DrawFn) -> tuple[str, str]:
    """A shipped config with 1-3 fields set to hostile values or deleted, as JSON text (sometimes torn)."""
    name = draw(st.sampled_from(sorted(BASES)))
    config = copy.deepcopy(BASES[name])
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(sorted(set(CONFIG_KEYS) | set(config))))
        if draw(st.integers(0, 4)) == 0:
            config.pop(key, None)
        else:
            config[key] = draw(hostile)
    text = json.dumps(config)
    if draw(st.integers(0, 9)) == 0:  # a torn or corrupted file
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["", "\x00", "}", "]]]", "\ufeff", "\u2028"]))
    return name, text


def fuzz_configs(case):
    """Hostile config.json files: `memory` ends in a result, a no, or one clean line (never a traceback)."""
    _, text = case
    with workdir() as cwd:
        (cwd / "config.json").write_text(text)
        check(["memory", str(cwd / "config.json"), "--gpu", "h100", "-f", "json"], cwd)



test_fuzz_configs, test_fuzz_configs_slow = fuzz(fuzz_configs, 30, 200, case=configs())

MODEL_YAML_RAW = [
    "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nmodel: *g\n",
    "config: &c\n  model_type: llama\n  self: *c\n",
    "model: !!python/object/apply:os.system [echo hi]\n",
    "model: [" * 5000,
    "\t model: x\n",
    "- a\n- b\n",
    "model: " + "9" * 5000 + "\n",
    "",
    "name: \u202e\n",
]


@st.composite
def model_yamls(draw: st.DrawFn) -> str:
    """A small model.yaml with 1-3 fields set to hostile values, or a raw hostile YAML text."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.sampled_from(MODEL_YAML_RAW))
    doc: dict[str, Any] = {"model": L8, "workload": {"rps": 2, "input_tokens": 512, "output_tokens": 128},
                           "slo": {"ttft_p95": "2s"}, "constraints": {"gpus": ["h100"], "runtimes": ["vllm"]}}
    paths = [("model",), ("name",), ("repo_id",), ("quant",), ("kv_dtype",), ("tokenizer",), ("workload", "rps"),
             ("workload", "input_tokens"), ("workload", "output_tokens"), ("workload", "arrival"),
             ("workload", "burstiness_cv"), ("workload", "prefix_cache_share"), ("workload", "sample"),
             ("slo", "ttft_p95"), ("slo", "tpot_p99"), ("slo", "e2e_p95"), ("slo",), ("workload",),
             ("constraints", "gpus"), ("constraints", "runtimes"), ("constraints", "headroom"),
             ("constraints", "max_gpus_per_replica"), ("constraints", "budget_usd_per_month"),
             ("constraints", "price_kind"), ("constraints", "quant"), ("config",)]
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths))
        value = draw(st.one_of(hostile, st.sampled_from(["300ms", "0ms", "1e400s", "inf", "512:0.8", "9-3",
                                                         "10%", "h100", "vllm", "\u00b2\u00b3"])))
        node = doc
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(node.get(key), dict) else node.setdefault(key, {})
            if not isinstance(node, dict):
                break
        else:
            node[path[-1]] = value
    return yaml.safe_dump(doc, allow_unicode=True)


def fuzz_model_yaml(text):
    """Hostile model.yaml files through `recommend`: a plan, a no, or one clean line."""
    with workdir() as cwd:
        (cwd / "model.yaml").write_text(text)
        check(["recommend", str(cwd / "model.yaml"), "-f", "json"], cwd)



test_fuzz_model_yaml, test_fuzz_model_yaml_slow = fuzz(fuzz_model_yaml, 12, 60, text=model_yamls())

FLAG_VALUES = ["0", "-1", "1", "2", "8", "64", "1e9", "inf", "-inf", "nan", "1e400", "9" * 30, "\u00b2", "\u0663",
               "1_000", "0x10", " 5", "", "max", "0.5", "3.0", "65536", "300ms", "p95=80ms", "ttft_p95=inf",
               "ttft_p95=1e999s", "512:0.8", "1-4000", "4000-1", "h100", "vllm", "fp8", "nope", ",", "-"]
flag_value = st.one_of(st.sampled_from(FLAG_VALUES), st.text(max_size=6))


VALID = {
    "--isl": ["128", "1000", "8000"], "--osl": ["16", "200", "2000"], "-c": ["1", "16", "max"], "--batch": ["1", "8"],
    "--rps": ["0.5", "4", "20"], "--burst": ["4", "64"], "--max-num-seqs": ["8", "256"], "--seed": ["0", "7"],
    "--tp": ["1", "2"], "--pp": ["1", "2"], "--quant": ["fp8", "int4-awq", "nvfp4"], "--kv-dtype": ["auto", "fp8"],
    "--num-requests": ["50", "400"], "--arrival": ["poisson", "gamma"], "--burstiness": ["1", "3"],
    "--prefix-cache-share": ["0", "0.5"], "--runtime": ["vllm", "sglang", "trtllm", "tgi"],
    "--slo": ["ttft_p95=300ms", "tpot_p99=40ms", "p95=2s", "e2e_p99=10s"], "--headroom": ["0", "0.5"],
    "--budget-usd-per-month": ["1000", "50000"], "--max-gpus-per-replica": ["1", "8"],
    "--price-kind": ["on_demand", "spot"], "--confidence": ["typical", "high"], "--provider": ["aws", "gcp"],
    "--gpus": ["h100", "l40s"], "--isl-r": ["512:0.8", "100-2000", "300"],
}
"""Plausible values per flag: most drawn values are valid, so the search and the simulator run too."""


def value_for(draw: st.DrawFn, flag: str) -> str:
    """A valid value for `flag` two times in three, else a hostile one."""
    if draw(st.integers(0, 2)):
        return str(draw(st.sampled_from(VALID[flag])))
    return str(draw(flag_value))


@st.composite
def estimate_args(draw: st.DrawFn) -> list[str]:
    """`estimate` with drawn lengths, one load flag and up to three extra flags (each hostile one time in three)."""
    load = draw(st.sampled_from(["-c", "--batch", "--rps", "--burst"]))
    args = ["estimate", L8, "--gpu", draw(st.sampled_from(["h100", "h100", "l4", "x", ""])),
            "--isl", value_for(draw, "--isl"), "--osl", value_for(draw, "--osl"), load, value_for(draw, load)]
    for flag in draw(st.lists(st.sampled_from(["--max-num-seqs", "--seed", "--tp", "--pp", "--quant", "--kv-dtype",
                                               "--num-requests", "--arrival", "--burstiness",
                                               "--prefix-cache-share", "--runtime"]), max_size=3, unique=True)):
        args += [flag, value_for(draw, flag)]
    return [*args, "-f", "json"]


def fuzz_estimate_flags(args):
    """Hostile `estimate` flags: a prediction or one clean line, within seconds."""
    with workdir() as cwd:
        check(args, cwd)


test_fuzz_estimate_flags, test_fuzz_estimate_flags_slow = fuzz(fuzz_estimate_flags, 30, 150, args=estimate_args())


@st.composite
def recommend_args(draw: st.DrawFn) -> list[str]:
    """`recommend` on one GPU and runtime with a drawn --rps and up to three extra flags (hostile one in three)."""
    args = ["recommend", L8, "--gpus", draw(st.sampled_from(["h100", "h100", "l40s", "h100,", "", ",", "nope"])),
            "--runtimes", "vllm", "--rps", value_for(draw, "--rps")]
    for flag in draw(st.lists(st.sampled_from(["--isl", "--osl", "--slo", "--headroom", "--seed", "--quant",
                                               "--budget-usd-per-month", "--max-gpus-per-replica", "--burstiness",
                                               "--prefix-cache-share", "--kv-dtype", "--price-kind", "--confidence",
                                               "--arrival", "--provider"]), max_size=3, unique=True)):
        args += [flag, value_for(draw, "--isl-r" if flag in ("--isl", "--osl") else flag)]
    return [*args, "-f", "json"]


def fuzz_recommend_flags(args):
    """Hostile `recommend` flags: a plan, a no, or one clean line."""
    with workdir() as cwd:
        check(args, cwd)


test_fuzz_recommend_flags, test_fuzz_recommend_flags_slow = fuzz(fuzz_recommend_flags, 10, 40, args=recommend_args())



def _leaves(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data[:3]):
            yield from _leaves(value, (*path, index))


PLAN_DATA = json.loads(PLAN.read_text())
PLAN_PATHS = [p for p in _leaves(PLAN_DATA) if p]


@st.composite
def plans(draw: st.DrawFn) -> str:
    """The example plan with 1-3 of its values (anywhere in the tree) replaced by hostile ones or deleted."""
    data = copy.deepcopy(PLAN_DATA)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PLAN_PATHS))
        node = data
        for key in path[:-1]:
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                break
        else:
            with contextlib.suppress(KeyError, IndexError, TypeError):
                if draw(st.integers(0, 5)) == 0 and isinstance(node, dict):
                    del node[path[-1]]
                else:
                    node[path[-1]] = draw(st.one_of(hostile, st.sampled_from(
                        ["h100", "nope", "bad name!", "A" * 300, "../../etc", "vllm", "tgi", "$(reboot)", "a\nb"])))
    return json.dumps(data)


def fuzz_export_plans(text, target):
    """Tampered plans through `export`: a script or manifest, or one clean line."""
    with workdir() as cwd:
        (cwd / "plan.json").write_text(text)
        check(["export", str(cwd / "plan.json"), "--to", target], cwd)



test_fuzz_export_plans, test_fuzz_export_plans_slow = fuzz(fuzz_export_plans, 30, 120, text=plans(), target=st.sampled_from(["vllm", "sglang", "trtllm", "tgi", "k8s", "kserve"]))

def fuzz_check_baselines(text):
    """Tampered baselines through `check`: validated like any input before they are trusted."""
    with workdir() as cwd:
        (cwd / "plan.json").write_text(text)
        check(["check", str(ROOT / "examples" / "ci" / "model.yaml"), "-b", str(cwd / "plan.json"), "-f", "json"],
              cwd)


test_fuzz_check_baselines, test_fuzz_check_baselines_slow = fuzz(fuzz_check_baselines, 5, 25, text=plans())

OUTPUTS = ["-", "null", "stdout-link", "out.sh", "dir", "link-to-dir", "dangling", "link-to-file",
           "missing/out.sh", "", ".", "..", "x" * 300, "a\nb", "dir/", "file/inner", "\u00e9.sh"]


def fuzz_output_paths(name):
    """`-o` onto anything: written as asked, or refused in one line; devices, dirs and links stay as they were."""
    with workdir() as cwd:
        (cwd / "dir").mkdir()
        (cwd / "file").write_text("keep")
        (cwd / "target").write_text("old")
        (cwd / "link-to-dir").symlink_to(cwd / "dir")
        (cwd / "dangling").symlink_to(cwd / "nowhere")
        (cwd / "link-to-file").symlink_to(cwd / "target")
        # Private device and descriptor link: a regression replaces these, never the machine's /dev/null or
        # /dev/stdout (an early run of this harness on the pre-fix tree, as root, replaced both).
        os.mknod(cwd / "null", 0o666 | stat.S_IFCHR, os.makedev(1, 3)) if os.geteuid() == 0 else \
            (cwd / "null").symlink_to("/dev/null")
        (cwd / "stdout-link").symlink_to("/proc/self/fd/1")
        expected = {"out.sh": "out.sh", "link-to-file": "target", "\u00e9.sh": "\u00e9.sh", "a\nb": "a\nb"}.get(name)
        result = check(["export", str(PLAN), "--to", "vllm", "-o", name], cwd, output=expected)
        assert stat.S_ISCHR(os.stat(cwd / "null").st_mode) and (cwd / "stdout-link").is_symlink()
        assert (cwd / "link-to-dir").is_symlink() and (cwd / "dangling").is_symlink()
        assert (cwd / "link-to-file").is_symlink() and (cwd / "file").read_text() == "keep"
        if expected:
            assert result.exit_code == 0 and (cwd / expected).read_text().startswith("#!")



test_fuzz_output_paths, test_fuzz_output_paths_slow = fuzz(fuzz_output_paths, len(OUTPUTS), len(OUTPUTS) * 3, name=st.sampled_from(OUTPUTS))

DATA_MUTATIONS = [".inf", "-.inf", ".nan", "-1", "0", "1e400", "'x'", "[]", "{}", "~", "&a [*a]"]


def fuzz_data_dirs(data):
    """A hardware_db or runtime profile with one number replaced (also .inf/.nan) or the file torn: a result or
    one clean line naming the file."""
    kind = data.draw(st.sampled_from(["hardware_db", "runtime_profiles"]))
    with workdir() as cwd:
        shutil.copytree(ROOT / kind, cwd / kind)
        files = sorted((cwd / kind).glob("*.yaml"))
        path = data.draw(st.sampled_from(files))
        lines = path.read_text().splitlines()
        numeric = [i for i, line in enumerate(lines) if ":" in line and line.split(":", 1)[1].strip()[:1].isdigit()]
        if numeric and data.draw(st.booleans()):
            i = data.draw(st.sampled_from(numeric))
            key = lines[i].split(":", 1)[0]
            lines[i] = f"{key}: {data.draw(st.sampled_from(DATA_MUTATIONS))}"
            path.write_text("\n".join(lines) + "\n")
        else:
            text = path.read_text()
            path.write_text(text[: data.draw(st.integers(0, len(text)))])
        env = {"PLANNER_HARDWARE_DB" if kind == "hardware_db" else "PLANNER_RUNTIME_PROFILES": str(cwd / kind)}
        result = check(["memory", L8, "--gpu", "h100", "-f", "json"], cwd, env=env)
        if result.exit_code == 2 and "unknown GPU" not in result.stderr and "unknown runtime" not in result.stderr:
            assert str(cwd / kind) in result.stderr  # the error names the data file



test_fuzz_data_dirs, test_fuzz_data_dirs_slow = fuzz(fuzz_data_dirs, 10, 40, data=st.data())



TINY = ROOT / "tests" / "data" / "samples" / "tiny-tokenizer"
PRICES = yaml.safe_load((ROOT / "examples" / "prices.yaml").read_text())
TEKKEN = "pkg:mistral_common/data/tekken_240911.json"
ROLES = ["user", "assistant", "system", "tool", "", "developer", 5, None]
content = st.one_of(st.text(max_size=30), st.sampled_from(["", None, 5, [], {"type": "text"}, "\u202e" * 3]),
                    st.lists(st.fixed_dictionaries({"type": st.sampled_from(["text", "image", 1]),
                                                    "text": st.text(max_size=8)}), max_size=2))
good_chat = st.lists(st.tuples(st.sampled_from(["user", "assistant"]), st.text(min_size=1, max_size=20)),
                    min_size=1, max_size=3).map(
    lambda turns: {"messages": [{"role": "user" if i % 2 == 0 else "assistant", "content": c}
                                for i, (_, c) in enumerate(turns)]})
record = st.one_of(
    good_chat, st.fixed_dictionaries({"prompt": st.text(min_size=1, max_size=30)}),
    st.fixed_dictionaries({"messages": st.lists(st.fixed_dictionaries(
        {"role": st.sampled_from(ROLES), "content": content}), max_size=4)}),
    st.fixed_dictionaries({"prompt": content}, optional={"output": content}),
    st.sampled_from([{}, [], "text", 5, None, {"text": "hello"}, {"prompt": "x", "completion": "y"}]))


@st.composite
def samples(draw: st.DrawFn) -> tuple[str, str]:
    """A .jsonl or .json prompt sample of hostile records (or a torn line), and its name."""
    if draw(st.integers(0, 9)) == 0:  # past the JSON parser's depth, or a number past int_max_str_digits
        return draw(st.sampled_from(["[" * 100_000, '{"prompt": ' + "[" * 5_000 + "]" * 5_000 + "}",
                                     '[{"prompt": "a", "output": ' + "9" * 5000 + "}]"])), \
            draw(st.sampled_from(["s.json", "s.jsonl"]))
    records = draw(st.lists(record, min_size=0, max_size=5))
    if draw(st.booleans()):
        text = "\n".join(json.dumps(r) for r in records) + draw(st.sampled_from(["", "\n", "\n{", "\nnot json"]))
        return text, "s.jsonl"
    return json.dumps(records if draw(st.integers(0, 3)) else {"records": records}), "s.json"


def fuzz_token_samples(sample, tokenizer, chat):
    """Hostile prompt samples through `tokens`: counts, or one clean line naming the record."""
    text, name = sample
    with workdir() as cwd:
        (cwd / name).write_text(text)
        check(["tokens", str(cwd / name), "-t", tokenizer, *(["--chat"] if chat else []), "-f", "json"], cwd,
              env={"PLANNER_CACHE": "0"})


test_fuzz_token_samples, test_fuzz_token_samples_slow = fuzz(
    fuzz_token_samples, 15, 60, sample=samples(), tokenizer=st.sampled_from([str(TINY), TEKKEN]),
    chat=st.booleans())


CACHE_VALUES = [[-1, 2], [0, 2], [10**30, 2], [1e30, 2], [1.5, 2], ["3", 2], [True, 2], [], None, "x", {"a": 1},
                [2**27 + 1, 2], [3, -2]]


@given(case=st.one_of(st.tuples(st.sampled_from(["prompt_counts", "output_counts"]), st.sampled_from(CACHE_VALUES)),
                     st.tuples(st.sampled_from(["backend", "note"]), st.sampled_from([5, [], {"a": 1}]))))
@settings(max_examples=8, derandomize=True, deadline=None, database=None, phases=PHASES,
          suppress_health_check=list(HealthCheck))
def test_fuzz_token_cache_entries(case):
    """A tampered token-cache entry (negative, zero, 1e30 or mistyped counts) is ignored and rewritten:
    the counts match a cold run, and the next run reads the rewritten entry."""
    with workdir() as cwd:
        sample = cwd / "s.txt"
        sample.write_text("one two three\nfour five\n")
        env = {"PLANNER_CACHE_DIR": str(cwd / "cache")}
        args = ["tokens", str(sample), "-t", str(TINY), "-f", "json"]
        cold = json.loads(runner.invoke(app, args, env=env).stdout)
        (entry,) = (cwd / "cache").rglob("*.json")
        data = json.loads(entry.read_text())
        field, value = case
        data[field] = value
        entry.write_text(json.dumps(data))
        warm = check(args, cwd, output=str(entry.relative_to(cwd)), env=env)
        assert warm.exit_code == 0 and json.loads(warm.stdout) == cold
        assert json.loads(entry.read_text())["prompt_counts"] == [3, 2]


@st.composite
def checkpoint_folders(draw: st.DrawFn) -> tuple[bytes, str | None, int]:
    """A safetensors header with hostile shapes, dtypes or data offsets (or torn bytes), sometimes a hostile index,
    and the size of the data section to give the file (sparse: the weights are never read)."""
    header: dict[str, Any] = {"__metadata__": {"format": "pt"},
                              "model.embed_tokens.weight": {"dtype": "BF16", "shape": [128256, 4096]},
                              "model.layers.0.mlp.down_proj.weight": {"dtype": "BF16", "shape": [4096, 14336]}}
    for _ in range(draw(st.integers(0, 3))):
        name = draw(st.sampled_from(["model.embed_tokens.weight", "model.layers.0.mlp.down_proj.weight",
                                     "model.layers.99.x.weight", "vision_tower.x.weight"]))
        field = draw(st.sampled_from(["shape", "dtype", None]))
        if field is None:
            header[name] = draw(hostile)
        else:
            entry = header.setdefault(name, {"dtype": "BF16", "shape": [1]})
            if isinstance(entry, dict):
                entry[field] = draw(st.one_of(hostile, st.lists(hostile, max_size=3),
                                              st.sampled_from(["F8_E4M3", "U8", "I32", "F64", "?"])))
    offset = 0  # lay the data out as a writer would, so a valid header reaches the inventory
    for entry in header.values():
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        shape, size = (entry.get("shape"), {"BF16": 2, "F8_E4M3": 1, "U8": 1, "I32": 4, "F64": 8}.get(dtype)) \
            if isinstance(entry, dict) and isinstance(dtype, str) else (None, None)
        if size and isinstance(shape, list) and all(type(x) is int and 0 <= x < 2**20 for x in shape):
            entry["data_offsets"] = [offset, offset + size * math.prod(shape)]
            offset += size * math.prod(shape)
    data_bytes = offset
    if draw(st.integers(0, 3)) == 0:  # tampered offsets: negative, overlapping, past the end, missing, mistyped
        name = draw(st.sampled_from(["model.embed_tokens.weight", "model.layers.0.mlp.down_proj.weight"]))
        if isinstance(header.get(name), dict):
            header[name]["data_offsets"] = draw(st.sampled_from([[-2, 0], [0, 2], [0, 2**62], None, [0.0, 2.0], "x",
                                                                 [3, 1], [0, 2, 4], [True, 2]]))
        data_bytes = draw(st.sampled_from([offset, offset - 1, 0]))
    raw = json.dumps(header).encode()
    blob = len(raw).to_bytes(8, "little") + raw
    mode = draw(st.integers(0, 9))
    if mode == 0:
        blob, data_bytes = blob[: draw(st.integers(0, len(blob)))], 0
    elif mode == 1:
        blob = draw(st.sampled_from([2**63, 2**40, 10**8, 0])).to_bytes(8, "little") + raw
    index = None
    if draw(st.integers(0, 4)) == 0:
        index = json.dumps(draw(st.sampled_from([
            {"weight_map": {"a": "model.safetensors"}}, {"weight_map": []}, {"weight_map": {"a": 5}}, {},
            {"weight_map": {"a": "../../etc/passwd"}}, {"weight_map": {"a": "missing.safetensors"}}, []])))
    return blob, index, max(data_bytes, 0)


def fuzz_checkpoint_folders(folder):
    """Model folders with tampered safetensors headers or index: a breakdown or one clean line."""
    blob, index, data_bytes = folder
    with workdir() as cwd:
        model = cwd / "m"
        model.mkdir()
        (model / "config.json").write_text(json.dumps(BASES["llama-3.1-8b"]))
        with open(model / "model.safetensors", "wb") as handle:
            handle.write(blob)
            handle.truncate(len(blob) + data_bytes)  # a sparse data section
        if index is not None:
            (model / "model.safetensors.index.json").write_text(index)
        check(["memory", str(model), "--gpu", "h100", "-f", "json"], cwd)


test_fuzz_checkpoint_folders, test_fuzz_checkpoint_folders_slow = fuzz(
    fuzz_checkpoint_folders, 20, 80, folder=checkpoint_folders())


@st.composite
def side_files(draw: st.DrawFn) -> tuple[str, str]:
    """A --prices or --calibration file with hostile values, or hostile YAML/JSON text."""
    kind = draw(st.sampled_from(["prices", "calibration"]))
    if kind == "prices":
        doc: Any = {"prices": copy.deepcopy(PRICES["prices"][:2])}
        key = draw(st.sampled_from(sorted(doc["prices"][0]) + ["extra"]))
        doc["prices"][0][key] = draw(st.one_of(hostile, st.sampled_from(["h100", "nope", "spot", "2026-13-01"])))
        text = yaml.safe_dump(doc, allow_unicode=True)
    else:
        doc = synthetic_profile()
        paths = [p for p in _leaves(doc) if p]
        for _ in range(draw(st.integers(1, 3))):
            if not paths:
                break
            path = draw(st.sampled_from(paths))
            node = doc
            for key in path[:-1]:
                node = node[key] if isinstance(node, (dict, list)) else node
            with contextlib.suppress(KeyError, IndexError, TypeError):
                node[path[-1]] = draw(hostile)
        text = json.dumps(doc)
    if draw(st.integers(0, 9)) == 0:
        text = text[: draw(st.integers(0, len(text)))]
    return kind, text


def fuzz_side_files(case):
    """Tampered --prices (recommend) and --calibration (estimate) files: a result or one clean line."""
    kind, text = case
    with workdir() as cwd:
        if kind == "prices":
            (cwd / "prices.yaml").write_text(text)
            args = ["recommend", L8, "--gpus", "h100", "--runtimes", "vllm", "--rps", "2", "--prices",
                    str(cwd / "prices.yaml"), "-f", "json"]
        else:
            (cwd / "profile.json").write_text(text)
            args = ["estimate", L8, "--gpu", "h100", "--isl", "500", "--osl", "50", "-c", "4", "--calibration",
                    str(cwd / "profile.json"), "-f", "json"]
        check(args, cwd)


test_fuzz_side_files, test_fuzz_side_files_slow = fuzz(fuzz_side_files, 10, 40, case=side_files())


@given(name=st.one_of(st.text(max_size=70), st.sampled_from(["chat-8b", "Chat", "a" * 64, "-a", "a-", "1a", ""])),
       namespace=st.one_of(st.sampled_from(["default", "llm", "1x", "UP", "a b", "a" * 64]), st.text(max_size=8)),
       target=st.sampled_from(["k8s", "kserve"]))
@settings(max_examples=15, derandomize=True, deadline=None, database=None, phases=PHASES,
          suppress_health_check=list(HealthCheck))
def test_fuzz_kubernetes_names(name, namespace, target):
    """--name and --namespace reach a manifest only as valid Kubernetes names (DNS labels)."""
    with workdir() as cwd:
        result = check(["export", str(PLAN), "--to", target, "--name", name, "--namespace", namespace], cwd)
        if result.exit_code == 0:
            docs = [d for d in yaml.safe_load_all(result.stdout) if d]
            for doc in docs:
                meta = doc["metadata"]
                assert len(meta["name"]) <= 63 and meta["name"] == name and meta["namespace"] == namespace


# ---------------------------------------------------------------- regression cases
# Inputs that crashed, hung or were wrongly accepted before the fixes (found by this harness on the
# pre-fix tree, or listed in issue 15). Each names the first line of the error it must now give.

L8_TEXT = json.dumps(BASES["llama-3.1-8b"])
QWEN_MOE = json.loads((MODELS / "qwen3-30b-a3b" / "config.json").read_text())
BOMB = MODEL_YAML_RAW[0]


def _with_text(config: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {**config, "text_config": {**config["text_config"], **fields}}


SWEEP_MATRIX = (f"checkpoints: [{L8}]\ntraffic: [{{name: chat, rps: 2, isl: 500, osl: 50}}]\n"
                "slo: [{name: i, targets: {ttft_p95: 2s}}]\nconstraints: {gpus: [h100], runtimes: [vllm]}\n")


def _safetensors_text(header: dict[str, Any], data_bytes: int = 0, length: int | None = None) -> str:
    """A safetensors file as text (every byte below 0x80, so `write_text` writes it verbatim): the 8-byte header
    length (`length`, default the header's own), the JSON header and `data_bytes` zero bytes of data."""
    raw = json.dumps(header)
    text = (len(raw) if length is None else length).to_bytes(8, "little").decode("latin-1") + raw + "\0" * data_bytes
    assert text.isascii()
    return text


def _example(name: str, **fields: Any) -> str:
    """A shipped example config.json with `fields` replaced (None deletes one), as JSON text."""
    config = json.loads((MODELS / name / "config.json").read_text())
    for key, value in fields.items():
        config.pop(key, None) if value is None else config.__setitem__(key, value)
    return json.dumps(config)


def _config(**fields: Any) -> str:
    return json.dumps({**QWEN_MOE, **fields})


REGRESSIONS: list[tuple[str, dict[str, str], list[str], str]] = [
    # (id, files to write, args ({f} = the work dir), expected start of the Error line after "Error: ")
    ("int-beyond-float", {"c.json": _config(hidden_size=10**400)}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: hidden_size: integer beyond the range of a 64-bit float"),
    ("5000-digit-int", {"c.json": _config()[:-1] + ', "vocab_size": 1' + "0" * 5000 + "}"},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: malformed JSON: a number has more than 4,300 digits"),
    ("deep-json", {"c.json": "[" * 100_000 + "]" * 100_000}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: JSON nested deeper than 64 levels"),
    ("yaml-alias-bomb", {"m.yaml": BOMB}, ["memory", "{f}/m.yaml", "--gpu", "h100"],
     "{f}/m.yaml: file expands to more than 1,000,000 values"),
    ("yaml-self-reference", {"m.yaml": "config: &c\n  x: *c\n"}, ["memory", "{f}/m.yaml", "--gpu", "h100"],
     "{f}/m.yaml: config.x.x"),
    ("long-model-arg", {}, ["memory", "x" * 10_000, "--gpu", "h100"], "MODEL: not a usable path or repo id"),
    ("superscript-input-tokens", {"m.yaml": f"model: {L8}\nworkload: {{rps: 1, input_tokens: \"\u00b2\"}}\n"},
     ["recommend", "{f}/m.yaml"], "{f}/m.yaml: workload.input_tokens: not a token length"),
    ("superscript-concurrency", {}, ["estimate", L8, "--gpu", "h100", "--isl", "9", "--osl", "9", "-c", "\u00b2"],
     "--concurrency: --concurrency must be a positive integer or `max`"),
    ("rps-inf", {}, ["recommend", L8, "--rps", "inf"], "Invalid value for '--rps': 'inf' must be a finite number"),
    ("seed-negative", {}, ["estimate", L8, "--gpu", "h100", "--isl", "9", "--osl", "9", "-c", "1", "--seed", "-1"],
     "Invalid value for '--seed': '-1' must be a whole number in [0, 4,294,967,295]"),
    ("max-num-seqs-1e9", {}, ["estimate", L8, "--gpu", "h100", "--isl", "9", "--osl", "9", "-c", "1",
                              "--max-num-seqs", "1000000000"], "Invalid value for '--max-num-seqs'"),
    ("isl-beyond-context", {}, ["estimate", L8, "--gpu", "h100", "--isl", "200000", "--osl", "9", "-c", "1"],
     "--isl/--osl: --isl + --osl = 200,009 tokens exceeds the model's context of 131,072 tokens"),
    ("vocab-1e12", {"c.json": _config(vocab_size=10**12)}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `vocab_size` = 1,000,000,000,000 is not a plausible model"),
    ("experts-1e9", {"c.json": _config(num_experts=10**9)}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `num_experts` = 1,000,000,000 is not a plausible model"),
    ("layers-1e6", {"c.json": _config(num_hidden_layers=10**6)}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `num_hidden_layers` = 1,000,000 is not a plausible model"),
    ("moe-intermediate-0", {"c.json": _config(moe_intermediate_size=0)}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `moe_intermediate_size` must be an integer >= 1"),
    ("top-k-all-experts", {"c.json": _config(num_experts_per_tok=128)}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: routes each token to 128 of 128 experts"),
    ("float-head-dim", {"c.json": _config(head_dim=128.5)}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `head_dim` must be an integer"),
    ("hidden-1e30", {"c.json": _config(hidden_size=1e30)}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `hidden_size` must be an integer"),
    ("gpus-empty", {}, ["recommend", L8, "--rps", "1", "--gpus", ""], "--gpus: --gpus is empty"),
    ("output-list", {"s.json": '[{"prompt": "", "output": []}]'},
     ["tokens", "{f}/s.json", "-t", str(TINY)], "{f}/s.json: record 0: output must be a string"),
    ("deep-json-sample", {"s.json": "[" * 100_000 + "]" * 100_000}, ["tokens", "{f}/s.json", "-t", str(TINY)],
     "{f}/s.json: sample is nested too deeply"),
    ("deep-jsonl-sample", {"s.jsonl": '{"prompt": ' + "[" * 100_000 + "]" * 100_000 + "}\n"},
     ["tokens", "{f}/s.jsonl", "-t", str(TINY)], "{f}/s.jsonl: line 1 is nested too deeply"),
    ("mistral-tool-role", {"s.jsonl": '{"messages": [{"role": "user", "content": "a"}, {"role": "tool", '
                                      '"content": "42"}]}\n'},
     ["tokens", "{f}/s.jsonl", "-t", TEKKEN],
     "{f}/s.jsonl: line 1: mistral_common rejected the messages: a message lacks the field 'tool_call_id'"),
    ("baseline-unknown-gpu", {"p.json": json.dumps({**PLAN_DATA, "inputs": {**PLAN_DATA["inputs"], "constraints": {
        **PLAN_DATA["inputs"]["constraints"], "gpus": ["nope"]}}})},
     ["check", str(ROOT / "examples" / "ci" / "model.yaml"), "-b", "{f}/p.json"], "constraints.gpus: unknown gpu"),
    ("baseline-newline", {"p.json": json.dumps({**PLAN_DATA, "model": {**PLAN_DATA["model"], "name": "x\nrm -rf ~"}})},
     ["export", "{f}/p.json", "--to", "vllm"], "{f}/p.json: model.name: holds a control character"),
    ("baseline-infinity", {"p.json": json.dumps(PLAN_DATA).replace('"rps": 10.0', '"rps": Infinity', 1)},
     ["export", "{f}/p.json", "--to", "vllm"], "{f}/p.json: inputs.workload.rps: must be a finite number"),
    ("baseline-seed-negative", {"p.json": json.dumps({**PLAN_DATA, "seed": -1})},
     ["check", str(ROOT / "examples" / "ci" / "model.yaml"), "-b", "{f}/p.json"],
     "{f}/p.json: seed: implausible value: must lie in [0, 4,294,967,295]"),
    ("plan-max-num-seqs-1e12", {"p.json": json.dumps({**PLAN_DATA, "recommendation": {
        **PLAN_DATA["recommendation"], "max_num_seqs": 10**12}})}, ["export", "{f}/p.json", "--to", "k8s"],
     "{f}/p.json: recommendation.max_num_seqs: implausible value: must lie in [1, 65,536] (sequences)"),
    ("baseline-rps-1e300", {"p.json": json.dumps(PLAN_DATA).replace('"rps": 10.0', '"rps": 1e300', 1)},
     ["check", str(ROOT / "examples" / "ci" / "model.yaml"), "-b", "{f}/p.json"],
     "{f}/p.json: inputs.workload.rps: implausible value"),
    ("safetensors-string-shape", {"m/config.json": json.dumps(BASES["llama-3.1-8b"]),
                                  "m/model.safetensors": "HEADER"},
     ["memory", "{f}/m", "--gpu", "h100"], "{f}/m/model.safetensors: model.x.weight.shape: not a safetensors header"),
    ("k8s-bad-name", {}, ["export", str(PLAN), "--to", "k8s", "--name", "Bad_Name!"],
     "--name: not a valid Kubernetes name"),
    ("usage-error", {}, ["memory", L8, "--tp", "0", "--gpu", "h100"], "Invalid value for '--tp'"),
    ("ray-empty-address", {"m.yaml": SWEEP_MATRIX}, ["sweep", "{f}/m.yaml", "--ray", ""], "--ray: not a Ray address"),
    ("ray-auto-no-cluster", {"m.yaml": SWEEP_MATRIX}, ["sweep", "{f}/m.yaml", "--ray", "auto"],
     "--ray: cannot reach or start Ray: Could not find any running Ray instance"),
    ("ray-nothing-listens", {"m.yaml": SWEEP_MATRIX}, ["sweep", "{f}/m.yaml", "--ray", "127.0.0.1:1"],
     "--ray: no Ray head node answers at 127.0.0.1:1 (Connection refused)"),
    ("lone-surrogate-sample", {"s.jsonl": '{"prompt": "\\ud800"}\n'}, ["tokens", "{f}/s.jsonl", "-t", str(TINY), "--chat"],
     "{f}/s.jsonl: line 1: holds a lone surrogate escape (\\ud800), which is not valid Unicode"),
    ("lone-surrogate-plan", {"p.json": json.dumps({**PLAN_DATA, "model": {**PLAN_DATA["model"], "name": "x\ud800"}})},
     ["export", "{f}/p.json", "--to", "k8s"], "{f}/p.json: model.name: holds a lone surrogate escape (\\ud800)"),
    ("lone-surrogate-config-key", {"c.json": '{"\\udc00": 1}'}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: (top level) (a key): holds a lone surrogate escape (\\udc00)"),
    ("mamba-conv-kernel-1e6", {"c.json": json.dumps({**BASES["nemotron-h-56b"], "conv_kernel": 10**6})},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `conv_kernel` = 1,000,000 is not a plausible model"),
    ("ssm-state-1e6", {"c.json": json.dumps({**BASES["nemotron-h-56b"], "ssm_state_size": 10**6})},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `ssm_state_size` = 1,000,000 is not a plausible model"),
    ("mla-v-head-1e5", {"c.json": json.dumps({**BASES["deepseek-v3"], "v_head_dim": 10**5})},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `v_head_dim` = 100,000 is not a plausible model"),
    ("mtp-layers-1e4", {"c.json": json.dumps({**BASES["deepseek-v3"], "num_nextn_predict_layers": 10**4})},
     ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `num_nextn_predict_layers` = 10,000 is not a plausible model"),
    ("dense-layers-beyond-depth", {"c.json": json.dumps({**BASES["deepseek-v3"], "first_k_dense_replace": 100})},
     ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `first_k_dense_replace` = 100 exceeds `num_hidden_layers` = 61"),
    ("adapter-field-beyond-any-bound", {"c.json": json.dumps({**BASES["qwen3-30b-a3b"], "decoder_sparse_step": 10**9})},
     ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `decoder_sparse_step` = 1,000,000,000 is not a plausible model"),
    ("plot-dir-empty", {}, ["recommend", L8, "--rps", "1", "--gpus", "h100", "--runtimes", "vllm", "--plot", ""],
     "Invalid value for '--plot': '' is not a path (empty or only spaces)"),
    ("output-empty", {}, ["export", str(PLAN), "--to", "vllm", "-o", ""],
     "Invalid value for '--output' / '-o': '' is not a path (empty or only spaces)"),
    ("output-spaces", {}, ["plot", str(PLAN), "-o", " "],
     "Invalid value for '--output' / '-o': ' ' is not a path (empty or only spaces)"),
    ("sparse-step-beyond-depth", {"c.json": _config(decoder_sparse_step=1000)}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `decoder_sparse_step` = 1,000 exceeds `num_hidden_layers` = 48: the pattern would never repeat"),
    ("mtp-layers-string", {"c.json": json.dumps(_with_text(json.loads((MODELS / "qwen3.5-27b" / "config.json")
                                                                      .read_text()), mtp_num_hidden_layers="8"))},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `text_config.mtp_num_hidden_layers` must be an integer"),
    ("shared-width-bool", {"c.json": json.dumps({**json.loads((MODELS / "minimax-m2.5" / "config.json").read_text()),
                                                 "shared_intermediate_size": True})},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `shared_intermediate_size` must be an integer"),
    ("sliding-window-true", {"c.json": json.dumps({**BASES["gemma-3-27b"], "sliding_window": True})},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `sliding_window` must be an integer"),
    ("index-heads-zero", {"c.json": json.dumps({**json.loads((MODELS / "deepseek-v3.2" / "config.json").read_text()),
                                                "index_n_heads": 0})},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `index_n_heads` must be an integer >= 1"),
    ("plan-tp-1024", {"p.json": json.dumps({**PLAN_DATA, "recommendation": {
        **PLAN_DATA["recommendation"], "tp_size": 1024, "gpus_per_replica": 1024}})}, ["export", "{f}/p.json", "--to", "vllm"],
     "{f}/p.json: recommendation.tp_size: implausible value: must lie in [1, 72] (GPUs) (got 1024)"),
    ("plan-shape-mismatch", {"p.json": json.dumps({**PLAN_DATA, "recommendation": {
        **PLAN_DATA["recommendation"], "tp_size": 3}})}, ["export", "{f}/p.json", "--to", "k8s"],
     "{f}/p.json: recommendation.gpus_per_replica: gpus_per_replica = 1 but tp_size x pp_size x dp_size = 3"),
    ("plan-total-mismatch", {"p.json": json.dumps({**PLAN_DATA, "recommendation": {
        **PLAN_DATA["recommendation"], "replicas": 5}})}, ["export", "{f}/p.json", "--to", "k8s"],
     "{f}/p.json: recommendation.total_gpus: total_gpus = 2 but replicas x gpus_per_replica = 5"),
    ("prometheus-url-script", {}, ["export", str(PLAN), "--to", "k8s", "--prometheus-url", "javascript:alert(1)"],
     "--prometheus-url: not an http(s) URL with a host and a valid port (got 'javascript:alert(1)')"),
    ("prometheus-url-port", {}, ["export", str(PLAN), "--to", "k8s", "--prometheus-url", "http://prom:99999"],
     "--prometheus-url: not an http(s) URL with a host and a valid port (got 'http://prom:99999')"),
    ("output-is-the-plan", {"p.json": json.dumps(PLAN_DATA)}, ["export", "{f}/p.json", "--to", "vllm", "-o", "{f}/p.json"],
     "-o: output path is the command's own input; it is left alone (got '{f}/p.json')"),
    ("output-is-the-matrix", {"m.yaml": SWEEP_MATRIX}, ["sweep", "{f}/m.yaml", "-j", "1", "-o", "{f}/m.yaml"],
     "-o: output path is the command's own input; it is left alone (got '{f}/m.yaml')"),
    ("modelyaml-model-not-found", {"m.yaml": "model: /dev/zero\n"}, ["memory", "{f}/m.yaml", "--gpu", "h100"],
     "{f}/m.yaml: model: model not found (got '/dev/zero')"),
    ("sample-beyond-context", {"s.txt": "word " * 200_000 + "\n"},
     ["recommend", L8, "--gpus", "h100", "--runtimes", "vllm", "--rps", "1", "--sample", "{f}/s.txt", "-t", str(TINY)],
     "{f}/s.txt: the sample's token counts: every prompt of the sample has 200,000 tokens or more"),
    ("yaml-impossible-date", {"m.yaml": f"model: {L8}\nname: 2026-13-45\n"}, ["memory", "{f}/m.yaml", "--gpu", "h100"],
     "{f}/m.yaml: malformed YAML: an invalid date (month must be in 1..12)"),
    ("calibration-not-a-profile", {"p.json": json.dumps(PLAN_DATA)},
     ["estimate", L8, "--gpu", "h100", "--isl", "9", "--osl", "9", "-c", "1", "--calibration", "{f}/p.json"],
     "{f}/p.json: not a calibration profile (no schema_version, device and fitted)"),
    ("modelyaml-slo-ignored-by-memory", {"m.yaml": f"model: {L8}\nslo: {{e2e_p95: vllm}}\n"},
     ["memory", "{f}/m.yaml", "--gpu", "h100"], "{f}/m.yaml: slo e2e_p95: not a duration (got 'vllm')"),
    ("modelyaml-lengths-ignored-by-check", {"m.yaml": f"model: {L8}\nworkload: {{output_tokens: fp8}}\n"},
     ["check", "{f}/m.yaml", "-b", str(PLAN)], "{f}/m.yaml: workload.output_tokens: not a token length (got 'fp8')"),
    ("modelyaml-rps-ignored-by-estimate", {"m.yaml": f"model: {L8}\nworkload: {{rps: 1.0e+300}}\n"},
     ["estimate", "{f}/m.yaml", "--gpu", "h100", "--isl", "9", "--osl", "9", "-c", "1"],
     "{f}/m.yaml: workload.rps: a request rate must lie in (0, 1,000,000] requests/s"),
    ("rope-factor-huge", {"c.json": _config(rope_scaling={"rope_type": "yarn", "factor": 1e300})},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `rope_scaling.factor` must be a number in (0, 1,024]"),
    ("rope-scaling-string", {"c.json": _config(rope_scaling="yarn")}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `rope_scaling` must be an object or null"),
    ("layer-types-short", {"c.json": json.dumps(_with_text(BASES["gemma-3-27b"], layer_types=["full_attention"] * 3))},
     ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: inconsistent model config: `layer_types` lists 3 layers but `num_hidden_layers` = 62"),
    ("layer-types-unknown", {"c.json": json.dumps(_with_text(BASES["gemma-3-27b"], layer_types=["conv"] * 62))},
     ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `layer_types` holds a layer kind the planner does not model (got 'conv')"),
    ("mlp-only-layers-beyond-depth", {"c.json": _config(mlp_only_layers=[100])}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `mlp_only_layers` must be a list of layer indices in [0, 47] (got [100])"),
    ("tie-embeddings-string", {"c.json": _config(tie_word_embeddings="false")}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `tie_word_embeddings` must be true or false (got 'false')"),
    ("vision-depth-1e6", {"c.json": json.dumps({**BASES["gemma-3-27b"], "vision_config": {
        **BASES["gemma-3-27b"]["vision_config"], "num_hidden_layers": 10**6}})}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: tower field `num_hidden_layers` = 1,000,000 is not a plausible model: it must lie in [1, 1,024]"),
    ("vision-patch-0", {"c.json": json.dumps({**BASES["gemma-3-27b"], "vision_config": {
        **BASES["gemma-3-27b"]["vision_config"], "patch_size": 0}})}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: tower field `patch_size` must be an integer >= 1 (got 0)"),
    ("vision-width-string", {"c.json": json.dumps({**BASES["qwen2.5-vl-7b"], "vision_config": {
        **BASES["qwen2.5-vl-7b"]["vision_config"], "hidden_size": "1280"}})}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: tower field `hidden_size` must be an integer (got '1280')"),
    ("gptq-bits-float", {"c.json": json.dumps({**BASES["llama-3.1-8b"], "quantization_config": {
        "quant_method": "gptq", "bits": 4.5, "group_size": 128}})}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `quantization_config.bits` must be an integer (got 4.5)"),
    ("gptq-group-zero", {"c.json": json.dumps({**BASES["llama-3.1-8b"], "quantization_config": {
        "quant_method": "gptq", "bits": 4, "group_size": 0}})}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `quantization_config.group_size` must be an integer in [1, 1,048,576], or -1 for one group per row"),
    ("compressed-tensors-groups-string", {"c.json": json.dumps({**BASES["llama-3.1-8b"], "quantization_config": {
        "quant_method": "compressed-tensors", "config_groups": "x"}})}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `quantization_config.config_groups` must map group names to objects with a `weights` object"),
    ("routing-groups-uneven", {"c.json": json.dumps({**BASES["deepseek-v3"], "n_group": 7})},
     ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: inconsistent model config: `n_group` = 7 does not divide the 256 routed experts into equal groups"),
    ("routing-topk-group-beyond-groups", {"c.json": json.dumps({**BASES["deepseek-v3"], "topk_group": 9})},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: inconsistent model config: `topk_group` = 9 exceeds"),
    ("routing-groups-too-few-experts", {"c.json": json.dumps({**BASES["deepseek-v3"], "topk_group": 1, "n_group": 64})},
     ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: inconsistent model config: each token picks 8 experts from 1 groups of 4"),
    # a burstiness CV with Poisson arrivals was stored in the plan and never used by the simulation
    ("estimate-burstiness-poisson", {}, ["estimate", L8, "--gpu", "h100", "--isl", "9", "--osl", "9", "--rps", "2",
                                         "--burstiness", "3"],
     "--burstiness: --burstiness 3 applies only with --arrival gamma"),
    ("estimate-gamma-closed-loop", {}, ["estimate", L8, "--gpu", "h100", "--isl", "9", "--osl", "9", "-c", "2",
                                        "--arrival", "gamma"],
     "--arrival/--burstiness: --arrival gamma and --burstiness apply only with --rps"),
    ("recommend-burstiness-poisson", {}, ["recommend", L8, "--gpus", "h100", "--runtimes", "vllm", "--rps", "1",
                                          "--arrival", "poisson", "--burstiness", "3"],
     "--burstiness: --burstiness 3 contradicts --arrival poisson"),
    ("modelyaml-burstiness-poisson", {"m.yaml": f"model: {L8}\nworkload: {{rps: 1, burstiness_cv: 3}}\n"},
     ["recommend", "{f}/m.yaml", "--gpus", "h100", "--runtimes", "vllm"],
     "{f}/m.yaml: workload: burstiness_cv 3 applies only with `arrival: gamma`"),
    # two keys of model.yaml's slo mapping naming one target: one of them silently won
    ("modelyaml-slo-bare-and-named", {"m.yaml": f"model: {L8}\nslo: {{p95: 80ms, ttft_p95: 100ms}}\n"},
     ["recommend", "{f}/m.yaml", "--gpus", "h100", "--runtimes", "vllm", "--rps", "1"],
     "{f}/m.yaml: slo: two targets for TTFT p95: `p95=80ms` and `ttft_p95=100ms`"),
    # PyYAML keeps the last of two equal keys: a second `workload:` silently replaced the first
    ("yaml-duplicate-key", {"m.yaml": f"model: {L8}\nworkload: {{rps: 1}}\nworkload: {{rps: 2}}\n"},
     ["memory", "{f}/m.yaml", "--gpu", "h100"],
     "{f}/m.yaml: malformed YAML at line 3, column 1: the key 'workload' appears twice in one mapping"),
    ("modelyaml-slo-bool", {"m.yaml": f"model: {L8}\nslo: {{ttft_p95: true}}\n"}, ["memory", "{f}/m.yaml", "--gpu", "h100"],
     "{f}/m.yaml: slo: ttft_p95: True is not a duration"),
    ("modelyaml-name-blank", {"m.yaml": f"model: {L8}\nname: '  '\n"}, ["memory", "{f}/m.yaml", "--gpu", "h100"],
     "{f}/m.yaml: name: is blank (only spaces)"),
    ("plot-dir-dash", {}, ["plot", str(PLAN), "-o", "-"],
     "-o: plots are PNG and SVG files in a directory; `-` (standard output) cannot hold them"),
    # matrix-wide values reached Constraints / the RNG unchecked: internal errors (exit 3), or a seed past 2^32 used
    ("sweep-seed-negative", {"m.yaml": SWEEP_MATRIX + "seed: -1\n"}, ["sweep", "{f}/m.yaml", "-j", "1"],
     "{f}/m.yaml: seed: Input should be greater than or equal to 0 (got -1)"),
    ("sweep-seed-huge", {"m.yaml": SWEEP_MATRIX + "seed: 99999999999\n"}, ["sweep", "{f}/m.yaml", "-j", "1"],
     "{f}/m.yaml: seed: Input should be less than or equal to 4294967295"),
    ("sweep-headroom-100", {"m.yaml": SWEEP_MATRIX.replace("runtimes: [vllm]}", "runtimes: [vllm], headroom: 100}")},
     ["sweep", "{f}/m.yaml", "-j", "1"], "{f}/m.yaml: constraints.headroom: Input should be less than or equal to 4"),
    ("sweep-gpus-per-replica-1e5", {"m.yaml": SWEEP_MATRIX.replace("runtimes: [vllm]}",
                                                                   "runtimes: [vllm], max_gpus_per_replica: 100000}")},
     ["sweep", "{f}/m.yaml", "-j", "1"],
     "{f}/m.yaml: constraints.max_gpus_per_replica: Input should be less than or equal to 72"),
    ("sweep-checkpoint-twice", {"m.yaml": SWEEP_MATRIX.replace(f"[{L8}]", f"[{L8}, {L8}]")},
     ["sweep", "{f}/m.yaml", "-j", "1"], "{f}/m.yaml: (top level): checkpoints repeat"),
    ("sweep-slo-bool", {"m.yaml": SWEEP_MATRIX.replace("ttft_p95: 2s", "ttft_p95: true")},
     ["sweep", "{f}/m.yaml", "-j", "1"], "{f}/m.yaml: slo.0.targets: ttft_p95: True is not a duration"),
    # two keys naming one target: the last one silently won (model.yaml refuses the same mapping)
    ("sweep-slo-twice", {"m.yaml": SWEEP_MATRIX.replace("ttft_p95: 2s", "ttft_p95: 2s, p95: 1s")},
     ["sweep", "{f}/m.yaml", "-j", "1"],
     "{f}/m.yaml: slo.0.targets: two targets for TTFT p95: `ttft_p95=2s` and `p95=1s`"),
    # a limit that is no duration became an error row per cell (exit 1), not a matrix error
    ("sweep-slo-not-duration", {"m.yaml": SWEEP_MATRIX.replace("ttft_p95: 2s", "ttft_p95: 2parsecs")},
     ["sweep", "{f}/m.yaml", "-j", "1"], "{f}/m.yaml: slo.0.targets: not a duration (got '2parsecs')"),
    # a model ref starting with '-' became an option of the launch command (`--model-path --trust-remote-code`)
    ("plan-ref-option", {"p.json": json.dumps({**PLAN_DATA, "model": {**PLAN_DATA["model"], "ref": "--trust-remote-code"}})},
     ["export", "{f}/p.json", "--to", "sglang"],
     "{f}/p.json: model.ref: not a model path or repo id: launch commands would read it as an option"),
    ("plan-ref-empty", {"p.json": json.dumps({**PLAN_DATA, "model": {**PLAN_DATA["model"], "ref": ""}})},
     ["export", "{f}/p.json", "--to", "vllm"], "{f}/p.json: model.ref: not a model path or repo id"),
    ("modelyaml-repo-id-option", {"m.yaml": f"model: {L8}\nrepo_id: --trust-remote-code\n"},
     ["memory", "{f}/m.yaml", "--gpu", "h100"], "{f}/m.yaml: repo_id: is not a repo id or path"),
    ("encoder-disagg", {}, ["estimate", str(MODELS / "bge-large-en-v1.5"), "--gpu", "h100", "--isl", "100", "--osl", "10",
                            "--rps", "2", "--disagg", "1:1"],
     "--disagg: an encoder has no decode phase; prefill/decode disaggregation does not apply (got '1:1')"),
    # estimate took an inter-arrival CV up to 20 while recommend and model.yaml stop at 10
    ("estimate-burstiness-as-recommend", {}, ["estimate", L8, "--gpu", "h100", "--rps", "2", "--arrival",
                                              "gamma", "--burstiness", "15"],
     "Invalid value for '--burstiness': '15' must be a finite number in [0.01, 10]"),
    # models round (helper): config fields read through int() / truthiness, per-layer lists of another length,
    # tower and quantization blocks of the wrong type, safetensors headers that do not describe their file,
    # model.yaml files naming each other
    ("hf-quant-exclude-int", {"m/config.json": L8_TEXT, "m/hf_quant_config.json": json.dumps(
        {"quantization": {"quant_algo": "FP8", "exclude_modules": 5}})}, ["memory", "{f}/m", "--gpu", "h100"],
     "{f}/m/hf_quant_config.json: `quantization.exclude_modules` must be a list of module names (got 5)"),
    ("quant-skip-modules-string", {"c.json": _example("llama-3.1-8b", quantization_config={
        "quant_method": "fp8", "ignore": "lm_head"})}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `quantization_config.ignore` must be a list of module names (got 'lm_head')"),
    ("quant-config-string", {"c.json": _example("deepseek-v3", quantization_config="fp8")},
     ["memory", "{f}/c.json", "--gpu", "h200"], "{f}/c.json: `quantization_config` must be an object (got 'fp8')"),
    ("awq-bits-float", {"c.json": _example("llama-3.1-8b", quantization_config={"quant_method": "awq", "bits": 4.0})},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `quantization_config.bits` must be an integer (got 4.0)"),
    ("safetensors-empty", {"m/config.json": L8_TEXT, "m/model.safetensors": ""}, ["memory", "{f}/m", "--gpu", "h100"],
     "{f}/m/model.safetensors: not a safetensors file (shorter than its 8-byte header length)"),
    ("safetensors-header-cut-off", {"m/config.json": L8_TEXT, "m/model.safetensors": _safetensors_text({}, length=50)},
     ["memory", "{f}/m", "--gpu", "h100"],
     "{f}/m/model.safetensors: not a safetensors file (its 50-byte header is cut off after 2 bytes)"),
    ("safetensors-data-truncated", {"m/config.json": L8_TEXT, "m/model.safetensors": _safetensors_text(
        {"a": {"dtype": "BF16", "shape": [16, 4], "data_offsets": [0, 128]}}, 100)}, ["memory", "{f}/m", "--gpu", "h100"],
     "{f}/m/model.safetensors: a: truncated safetensors file: the tensor's data ends at byte 128"),
    ("safetensors-dtype-unknown", {"m/config.json": L8_TEXT, "m/model.safetensors": _safetensors_text(
        {"a": {"dtype": "BF17", "shape": [2], "data_offsets": [0, 4]}}, 4)}, ["memory", "{f}/m", "--gpu", "h100"],
     "{f}/m/model.safetensors: a.dtype: not a safetensors header: unknown tensor dtype (got 'BF17')"),
    ("safetensors-negative-offset", {"m/config.json": L8_TEXT, "m/model.safetensors": _safetensors_text(
        {"a": {"dtype": "BF16", "shape": [2], "data_offsets": [-4, 0]}}, 4)}, ["memory", "{f}/m", "--gpu", "h100"],
     "{f}/m/model.safetensors: a.data_offsets: not a safetensors header: `data_offsets` must be two integers"),
    ("safetensors-overlap", {"m/config.json": L8_TEXT, "m/model.safetensors": _safetensors_text(
        {"a": {"dtype": "BF16", "shape": [2], "data_offsets": [0, 4]},
         "b": {"dtype": "BF16", "shape": [2], "data_offsets": [2, 6]}}, 6)}, ["memory", "{f}/m", "--gpu", "h100"],
     "{f}/m/model.safetensors: not a safetensors header: the data of tensor b overlaps that of a"),
    ("kv-channels-1e6", {"c.json": _example("llama-3.1-8b", head_dim=None, kv_channels=10**6)},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `kv_channels` = 1,000,000 is not a plausible model"),
    ("expert-width-float", {"c.json": _example("mixtral-8x7b", expert_intermediate_size=1.5)},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `expert_intermediate_size` must be an integer (got 1.5)"),
    ("shared-experts-float", {"c.json": _example("deepseek-v3", n_shared_experts=None, num_shared_experts=1.5)},
     ["memory", "{f}/c.json", "--gpu", "h200"], "{f}/c.json: `num_shared_experts` must be an integer (got 1.5)"),
    ("mlp-layer-types-unknown", {"c.json": _example("deepseek-v3", mlp_layer_types=[5] * 61)},
     ["memory", "{f}/c.json", "--gpu", "h200"], "{f}/c.json: `mlp_layer_types` must be a list of layer kinds"),
    ("mlp-layer-types-short", {"c.json": _example("deepseek-v3", mlp_layer_types=["sparse"] * 3)},
     ["memory", "{f}/c.json", "--gpu", "h200"],
     "{f}/c.json: inconsistent model config: `mlp_layer_types` lists 3 layers but `num_hidden_layers` = 61"),
    ("indexer-types-unknown", {"c.json": _example("deepseek-v3.2", indexer_types=["x"] * 61)},
     ["memory", "{f}/c.json", "--gpu", "h200"],
     "{f}/c.json: `indexer_types` holds a layer kind the planner does not model (got 'x')"),
    ("moe-layer-freq-short", {"c.json": _example("deepseek-v3", moe_layer_freq=[1, 0] * 10)},
     ["memory", "{f}/c.json", "--gpu", "h200"],
     "{f}/c.json: inconsistent model config: `moe_layer_freq` lists 20 layers but the model has 61"),
    ("no-rope-layers-flags", {"c.json": json.dumps(_with_text(json.loads(_example("llama-4-scout")),
                                                              no_rope_layers=[2] * 48))},
     ["memory", "{f}/c.json", "--gpu", "h200"], "{f}/c.json: `no_rope_layers` must be a list of 0/1 flags"),
    ("llama4-moe-layers-beyond-depth", {"c.json": json.dumps(_with_text(json.loads(_example("llama-4-scout")),
                                                                        moe_layers=[100]))},
     ["memory", "{f}/c.json", "--gpu", "h200"], "{f}/c.json: `moe_layers` must be a list of layer indices in [0, 47]"),
    ("nas-heads-in-group-0", {"c.json": json.dumps({**json.loads(_example("llama-3.3-nemotron-super-49b")),
                                                    "block_configs": [{"attention": {"n_heads_in_group": 0},
                                                                       "ffn": {"ffn_mult": 2.625}}] * 80})},
     ["memory", "{f}/c.json", "--gpu", "h200"],
     "{f}/c.json: `block_configs[0].attention.n_heads_in_group` must be a whole divisor of the 64 attention heads"),
    ("nas-no-op-string", {"c.json": json.dumps({**json.loads(_example("llama-3.3-nemotron-super-49b")),
                                                "block_configs": [{"attention": {"no_op": "false"},
                                                                   "ffn": {"ffn_mult": 2.625}}] * 80})},
     ["memory", "{f}/c.json", "--gpu", "h200"],
     "{f}/c.json: block_configs[0].attention: `no_op` must be true or false (got 'false')"),
    ("nas-blocks-short", {"c.json": json.dumps({**json.loads(_example("llama-3.3-nemotron-super-49b")),
                                                "block_configs": [{"attention": {}, "ffn": {}}] * 3})},
     ["memory", "{f}/c.json", "--gpu", "h200"], "{f}/c.json: `block_configs` must list one entry per layer (80)"),
    ("pixel-shuffle-negative", {"c.json": json.dumps({**json.loads(_example("llama-4-scout")), "vision_config": {
        **json.loads(_example("llama-4-scout"))["vision_config"], "pixel_shuffle_ratio": -0.5}})},
     ["memory", "{f}/c.json", "--gpu", "h200"],
     "{f}/c.json: tower field `pixel_shuffle_ratio` must be a number in (0, 1] (got -0.5)"),
    ("vision-config-string", {"c.json": json.dumps({**BASES["gemma-3-27b"], "vision_config": "siglip"})},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `vision_config` must be an object (got 'siglip')"),
    ("model-type-number", {"c.json": _example("llama-3.1-8b", model_type=5)}, ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: `model_type` must be a string (got 5)"),
    ("minimax-m2-no-experts", {"c.json": _example("minimax-m2.5", num_local_experts=None)},
     ["memory", "{f}/c.json", "--gpu", "h200"], "{f}/c.json: config is missing `num_local_experts`"),
    ("multi-query-string", {"c.json": _example("llama-3.1-8b", multi_query="yes")},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `multi_query` must be true or false (got 'yes')"),
    ("qk-norm-string", {"c.json": _example("glm-4.5-air", use_qk_norm="false")},
     ["memory", "{f}/c.json", "--gpu", "h200"], "{f}/c.json: `use_qk_norm` must be true or false (got 'false')"),
    ("modelyaml-model-blank", {"m.yaml": "model: ''\n"}, ["memory", "{f}/m.yaml", "--gpu", "h100"],
     "{f}/m.yaml: model: is empty"),
    ("model-arg-empty", {}, ["memory", "", "--gpu", "h100"], "MODEL: is empty"),
    ("tokenizer-arg-empty", {"s.txt": "a b\n"}, ["tokens", "{f}/s.txt", "-t", ""], "--tokenizer: is empty"),
    ("modelyaml-cycle", {"a.yaml": "model: b.yaml\n", "b.yaml": "model: a.yaml\n"},
     ["memory", "{f}/a.yaml", "--gpu", "h100"], "{f}/a.yaml: model: model.yaml files name each other in a cycle"),
    ("modelyaml-names-itself", {"m.yaml": "model: m.yaml\n"}, ["memory", "{f}/m.yaml", "--gpu", "h100"],
     "{f}/m.yaml: model: model.yaml files name each other in a cycle"),
    ("modelyaml-relative-missing", {"d/m.yaml": "model: nope.json\n"}, ["memory", "{f}/d/m.yaml", "--gpu", "h100"],
     "{f}/d/nope.json: file not found"),
    # well-typed, each field within its bound, but out of all proportion: reached the memory model as "needs 16 TB"
    ("attention-wider-than-plausible", {"c.json": _example("llama-3.1-8b", num_attention_heads=4096, head_dim=8192)},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: this config is not a plausible model: its attention is "
                                                 "4,096 heads x 8,192 = 33,554,432 wide"),
    ("mlp-wider-than-plausible", {"c.json": _example("llama-3.1-8b", hidden_size=64, head_dim=None,
                                                     intermediate_size=1_048_576)},
     ["memory", "{f}/c.json", "--gpu", "h100"],
     "{f}/c.json: this config is not a plausible model: an MLP 1,048,576 wide is over 64x its hidden_size (64"),
    ("dense-layers-all", {"c.json": _example("deepseek-v3", first_k_dense_replace=61)},
     ["memory", "{f}/c.json", "--gpu", "h200"], "{f}/c.json: `first_k_dense_replace` = 61 equals `num_hidden_layers`"),
    # a family chosen by `architectures` / `model_type` that ignores the layout the config describes
    ("hybrid-under-llama-arch", {"c.json": json.dumps({**BASES["nemotron-h-56b"], "architectures": ["LlamaForCausalLM"]})},
     ["memory", "{f}/c.json", "--gpu", "h200"], "{f}/c.json: `hybrid_override_pattern` describes a layer layout the "
                                                 "llama family does not have (only nemotron_h configs have it)"),
    ("deepseek-under-llama-arch", {"c.json": _example("deepseek-v3", architectures=["LlamaForCausalLM"])},
     ["memory", "{f}/c.json", "--gpu", "h200"],
     "{f}/c.json: `first_k_dense_replace` describes a layer layout the llama family does not have"),
    ("llama-under-mamba-arch", {"c.json": _example("llama-3.1-8b", architectures=["MambaForCausalLM"])},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: `architectures` and `model_type` name models built "
                                                 "differently (mamba: attention-free SSM; llama: decoder)"),
    ("sliding-layers-without-window", {"c.json": _example("llama-3.1-8b", layer_types=["sliding_attention"] * 32)},
     ["memory", "{f}/c.json", "--gpu", "h100"], "{f}/c.json: inconsistent model config: `layer_types` has sliding "
                                                 "attention layers but the config sets no `sliding_window`"),
    # flags round (helper)
    # `-o notes/` lost its slash in Path(): it wrote a file `notes`, and `-o file/` replaced the file
    ("output-trailing-slash", {"file": "keep"}, ["export", str(PLAN), "--to", "vllm", "-o", "{f}/file/"],
     "Invalid value for '--output' / '-o': '{f}/file/' ends in '/', so it names a directory, not a file"),
    # any path under /proc counted as a descriptor and was opened and written in place (a sysctl as root)
    ("output-proc-file", {}, ["export", str(PLAN), "--to", "vllm", "-o", "/proc/version"],
     "-o: output path is in /proc or /sys (a kernel interface, not a file); it is left alone"),
    ("output-descriptor-closed", {}, ["export", str(PLAN), "--to", "vllm", "-o", "/proc/self/fd/99"],
     "-o: cannot write the output: descriptor 99 is not open"),
    # an unwritable -o failed only after the whole search
    ("output-missing-dir-before-search", {}, ["recommend", L8, "--gpus", "h100", "--runtimes", "vllm", "--rps", "1",
                                              "-o", "{f}/missing/plan.json"], "-o: output directory does not exist"),
    # `-o - -f json` printed two JSON documents on stdout
    ("output-stdout-twice", {}, ["recommend", L8, "--gpus", "h100", "--runtimes", "vllm", "--rps", "1", "-o", "-",
                                 "-f", "json"], "-o: -o names standard output, and --format prints there too"),
    ("check-output-stdout-twice", {}, ["check", str(ROOT / "examples" / "ci" / "model.yaml"), "-b", str(PLAN),
                                       "-o", "/dev/stdout", "-f", "markdown"],
     "-o: -o names standard output, and --format prints there too"),
    ("plot-dir-is-a-file", {"file": "keep"}, ["recommend", L8, "--gpus", "h100", "--runtimes", "vllm", "--rps", "1",
                                              "--plot", "{f}/file"],
     "--plot: the plot directory exists and is not a directory"),
    # an option missing its value pointed at `planner --help`, not the command's
    ("option-without-value-hint", {}, ["gpus", "-f"], "Option '-f' requires an argument."),
    # data round (helper)
    # a --prices instance with a newline was accepted, written into the plan, then refused by `export` of that plan
    ("prices-newline", {"p.yaml": yaml.safe_dump({"prices": [{**PRICES["prices"][0], "instance": "x\nrm -rf ~"}]})},
     ["recommend", L8, "--gpus", "h100", "--runtimes", "vllm", "--rps", "2", "--prices", "{f}/p.yaml"],
     "{f}/p.yaml: prices[0].instance: holds a control character (a newline or escape) where plain text belongs"),
    ("calibration-label-newline", {"c.json": json.dumps({**synthetic_profile(), "label": "a\nb"})},
     ["estimate", L8, "--gpu", "h100", "--isl", "500", "--osl", "50", "-c", "4", "--calibration", "{f}/c.json"],
     "{f}/c.json: label: holds a control character (a newline or escape) where plain text belongs"),
    # after the helpers' rounds: a million simulated requests of long sequences ran for minutes (a hang to CI)
    ("num-requests-1e6", {}, ["estimate", L8, "--gpu", "h100", "--isl", "9", "--osl", "9", "-c", "4",
                              "--num-requests", "1000000"],
     "Invalid value for '--num-requests': '1000000' must be a whole number in [1, 100,000] (requests)"),
    # a 5,000-character value was echoed whole in the Error line
    ("long-value-cut", {}, ["recommend", L8, "--rps", "1", "--gpus", "x" * 5000],
     "--gpus: unknown gpu (got '" + "x" * 59 + "...[4,923 characters]..." + "x" * 18 + "')"),
]


def _header_file() -> bytes:
    raw = json.dumps({"model.x.weight": {"dtype": "BF16", "shape": ["a", 2]}}).encode()
    return len(raw).to_bytes(8, "little") + raw


@pytest.mark.parametrize(("files", "args", "line"), [r[1:] for r in REGRESSIONS], ids=[r[0] for r in REGRESSIONS])
def test_regression_case(files, args, line, tmp_path):
    """A crash-reproducing input now exits 2 with one `Error:` line (the expected one) and one `hint:` line."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if text == "HEADER":
            path.write_bytes(_header_file())
        else:
            path.write_text(text)
    result = check([a.replace("{f}", str(tmp_path)) for a in args], tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2].startswith("Error: " + line.replace("{f}", str(tmp_path))), result.stderr


def test_gptq_channelwise_group_is_read(tmp_path):
    """GPTQ's `group_size: -1` (one scale per row, common in published checkpoints) is read as int4-gptq, not refused
    as an out-of-range group (it was "Input should be greater than or equal to 1")."""
    config = {**BASES["llama-3.1-8b"], "quantization_config": {"quant_method": "gptq", "bits": 4, "group_size": -1}}
    (tmp_path / "c.json").write_text(json.dumps(config))
    result = check(["memory", str(tmp_path / "c.json"), "--gpu", "h100", "-f", "json"], tmp_path)
    assert result.exit_code == 0 and json.loads(result.stdout)["deployment"]["quant"] == "int4-gptq", result.stderr


def test_regression_data_file_infinity(tmp_path):
    """A hardware_db number written as .inf is an error naming the file and the field (it was accepted)."""
    shutil.copytree(ROOT / "hardware_db", tmp_path / "hw")
    path = tmp_path / "hw" / "h100-sxm.yaml"
    path.write_text(path.read_text().replace("hbm_bw_bytes_per_s: ", "hbm_bw_bytes_per_s: .inf #", 1))
    result = check(["gpus"], tmp_path, env={"PLANNER_HARDWARE_DB": str(tmp_path / "hw")})
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}: hbm_bw_bytes_per_s: must be a finite number (got inf)")


@pytest.mark.parametrize(("kind", "name", "old", "new", "line"), [
    ("hardware_db", "a100-80gb.yaml", "  bf16: 312.0", "  bf16: 1.0e-300",
     "peak_dense_tflops.bf16: Input should be greater than or equal to 0.001 (got 1e-300)"),
    ("hardware_db", "h100-sxm.yaml", "memory_bytes: ", "memory_bytes: 1 #",
     "memory_bytes: Input should be greater than or equal to 1073741824 (got 1)"),
    ("runtime_profiles", "vllm.yaml", "  cuda_graph_bytes: ", "  cuda_graph_bytes: 99999999999999999999 #",
     "memory.cuda_graph_bytes: Input should be less than or equal to 68719476736"),
], ids=["tflops-1e-300", "memory-1-byte", "cuda-graphs-1e20"])
def test_regression_data_file_implausible(tmp_path, kind, name, old, new, line):
    """A data-file number no hardware or runtime could have is an error naming the file and field (a 1e-300
    TFLOP/s GPU was accepted and predicted a TTFT of 1e301 s)."""
    shutil.copytree(ROOT / kind, tmp_path / kind)
    path = tmp_path / kind / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    env = {"PLANNER_HARDWARE_DB" if kind == "hardware_db" else "PLANNER_RUNTIME_PROFILES": str(tmp_path / kind)}
    result = check(["memory", L8, "--gpu", "h100", "-f", "json"], tmp_path, env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {path}: {line}"), result.stderr


def test_regression_step_summary_fifo_without_reader(tmp_path, monkeypatch):
    """`check -f github` with GITHUB_STEP_SUMMARY on a FIFO nobody reads is one clean line (it hung forever)."""
    monkeypatch.setattr("planner.io.files.FIFO_WAIT_S", 0.2)
    os.mkfifo(tmp_path / "summary")
    result = check(["check", str(ROOT / "examples" / "ci" / "model.yaml"), "-b", str(PLAN), "-f", "github"], tmp_path,
                   env={"GITHUB_STEP_SUMMARY": str(tmp_path / "summary")})
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2] == (f"Error: $GITHUB_STEP_SUMMARY: cannot append the summary: nobody is "
                                              f"reading the FIFO (waited 0.2 s) (got "
                                              f"'{tmp_path / 'summary'}')")


def test_regression_calibration_dir_is_a_file(tmp_path):
    """PLANNER_CALIBRATION_DIR naming a file is an error (it silently dropped every calibration profile)."""
    (tmp_path / "profile.json").write_text("{}")
    result = check(["memory", L8, "--gpu", "h100"], tmp_path,
                   env={"PLANNER_CALIBRATION_DIR": str(tmp_path / "profile.json")})
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2] == f"Error: {tmp_path / 'profile.json'}: calibration path is not a directory"


@pytest.mark.parametrize(("args", "line"), [
    (["tokens", "{f}/in.json", "-t", str(TINY)], "{f}/in.json: cannot read the sample file: nobody is writing to the FIFO"),
    (["memory", "{f}/in.json", "--gpu", "h100"], "{f}/in.json: cannot read the file: nobody is writing to the FIFO"),
    (["tokens", str(ROOT / "tests" / "data" / "samples" / "lines.txt"), "-t", "{f}/in.json"],
     "{f}/in.json: cannot read the tokenizer file: nobody is writing to the FIFO"),
    (["export", "{f}/in.json", "--to", "vllm"], "{f}/in.json: cannot read the file: nobody is writing to the FIFO"),
], ids=["sample", "config", "tokenizer", "plan"])
def test_regression_input_fifo_without_writer(args, line, tmp_path, monkeypatch):
    """An input on a FIFO nobody writes to is one clean line (a sample or tokenizer there hung forever)."""
    monkeypatch.setattr("planner.io.files.FIFO_WAIT_S", 0.2)
    os.mkfifo(tmp_path / "in.json")
    result = check([a.replace("{f}", str(tmp_path)) for a in args], tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2].startswith("Error: " + line.replace("{f}", str(tmp_path))), result.stderr


@pytest.mark.parametrize(("args", "line"), [
    (["tokens", "/dev/zero", "-t", str(TINY)], "/dev/zero: expected a sample file, got a device or socket"),
    (["tokens", str(ROOT / "tests" / "data" / "samples" / "lines.txt"), "-t", "/dev/zero"],
     "/dev/zero: expected a tokenizer file, got a device or socket"),
    (["recommend", L8, "--rps", "1", "--gpus", "h100", "--runtimes", "vllm", "--prices", "/dev/zero"],
     "/dev/zero: expected a file, got a device or socket"),
], ids=["sample", "tokenizer", "prices"])
def test_regression_input_device(args, line, tmp_path):
    """A device as an input file is refused in one line (`--sample /dev/zero` read until killed)."""
    result = check(args, tmp_path, env={"PLANNER_CACHE": "0"})
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2].startswith("Error: " + line), result.stderr


@pytest.mark.parametrize("kind", ["dir", "fifo", "link-to-null", "dangling"])
def test_regression_plot_file_not_regular(kind, tmp_path):
    """`plot -o DIR` where a figure's name is a directory, FIFO or symlink to a device is one clean line and
    nothing is drawn (os.replace swapped the link for a PNG, or crashed onto a directory as an internal error)."""
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    out.mkdir()
    name = out / "memory.png"
    {"dir": name.mkdir, "fifo": lambda: os.mkfifo(name), "link-to-null": lambda: name.symlink_to("/dev/null"),
     "dangling": lambda: name.symlink_to(tmp_path / "nowhere")}[kind]()
    result = check(["plot", str(PLAN), "-o", str(out)], tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2].startswith("Error: -o: a plot file's name "), result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["memory.png"]  # nothing half-drawn
    assert name.is_symlink() or name.is_dir() or stat.S_ISFIFO(os.lstat(name).st_mode)


@pytest.mark.parametrize(("args", "line"), [
    (["sweep", "m.yaml", "-j", "0"], "Invalid value for '--workers' / '-j': '0' must be a whole number in [1, 1,024]"),
    (["sweep", "m.yaml", "-j", "100000"], "Invalid value for '--workers' / '-j': '100000' must be a whole number"),
    (["calibrate", "--threads", "0"], "Invalid value for '--threads': '0' must be a whole number in [1, 4,096]"),
], ids=["workers-0", "workers-1e5", "threads-0"])
def test_regression_count_flags_bounded(args, line, tmp_path):
    """-j and --threads are bounded with the value in the error (0 gave 'Input should be greater than or equal to 1'
    without the value, and -j had no upper bound)."""
    result = check(args, tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-2].startswith("Error: " + line), result.stderr


@pytest.mark.parametrize("target", ["s.txt", "m/config.json", "tok/tokenizer.json"])
def test_regression_output_onto_an_input_read(target, tmp_path):
    """`-o` onto a file the command read without naming it (the sample model.yaml names, the config.json of a model
    folder, a tokenizer file on a token-cache hit) is refused and the file kept (the report replaced it)."""
    shutil.copytree(MODELS / "llama-3.1-8b", tmp_path / "m")
    shutil.copytree(TINY, tmp_path / "tok")
    (tmp_path / "s.txt").write_text("one two three\nfour five\n")
    (tmp_path / "m.yaml").write_text(f"model: m\ntokenizer: {tmp_path / 'tok'}\nworkload: {{rps: 1, sample: s.txt}}\n"
                                     "constraints: {gpus: [h100], runtimes: [vllm]}\n")
    env = {"PLANNER_CACHE_DIR": str(tmp_path / "cache")}
    args = ["recommend", str(tmp_path / "m.yaml"), "-f", "json"]
    assert runner.invoke(app, args, env=env).exit_code == 0  # warms the token cache: the tokenizer is not opened again
    before = (tmp_path / target).read_bytes()
    result = runner.invoke(app, [*args, "-o", str(tmp_path / target)], env=env)
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-2].startswith("Error: -o: output path is the command's own input")
    assert (tmp_path / target).read_bytes() == before


def test_mamba_head_dim_auto_is_read(tmp_path):
    """Granite 4.0-H's `mamba_d_head: "auto"` (transformers derives it) is read, not refused as a non-integer by the
    plausibility bounds (it was "`mamba_d_head` must be an integer")."""
    config = {"architectures": ["GraniteMoeHybridForCausalLM"], "model_type": "granitemoehybrid", "hidden_size": 1536,
              "num_hidden_layers": 4, "num_attention_heads": 12, "num_key_value_heads": 4, "intermediate_size": 4096,
              "vocab_size": 49160, "max_position_embeddings": 131072, "mamba_n_heads": 48, "mamba_d_head": "auto",
              "mamba_d_state": 128, "mamba_expand": 2, "shared_intermediate_size": 4096,
              "layer_types": ["mamba", "attention", "mamba", "mamba"]}
    (tmp_path / "c.json").write_text(json.dumps(config))
    result = check(["memory", str(tmp_path / "c.json"), "--gpu", "h100", "-f", "json"], tmp_path)
    assert result.exit_code == 0, result.stderr


def test_safetensors_layout_checked_like_the_library(tmp_path):
    """A header whose offsets match its shapes and dtypes (F4 packs two per byte) and fit the file is read; the same
    header in a file cut one byte short is refused as truncated."""
    header = {"a": {"dtype": "F4", "shape": [4], "data_offsets": [0, 2]},
              "b": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [2, 10]}}
    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text(json.dumps(BASES["llama-3.1-8b"]))
    for data_bytes, code in ((10, 0), (9, 2)):
        (model / "model.safetensors").write_text(_safetensors_text(header, data_bytes))
        result = check(["memory", str(model), "--gpu", "h100", "-f", "json"], tmp_path)
        assert result.exit_code == code, result.stderr
    assert "truncated safetensors file" in result.stderr


def test_config_symlink_loop(tmp_path):
    """A config.json that is a symlink loop is one clean line whose hint names the loop (it said "see `planner
    memory --help`"); a safetensors shard that loops says the same."""
    (tmp_path / "c.json").symlink_to(tmp_path / "c.json")
    result = check(["memory", str(tmp_path / "c.json"), "--gpu", "h100"], tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "hint: the path is a symlink loop: point the link at the real file"
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text(L8_TEXT)
    (tmp_path / "m" / "model.safetensors").symlink_to(tmp_path / "m" / "model.safetensors")
    result = check(["memory", str(tmp_path / "m"), "--gpu", "h100"], tmp_path)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == "hint: the path is a symlink loop: point the link at the real file"


def test_hf_cache_symlink_loop(tmp_path):
    """HF_HOME on a symlink loop is one clean line naming the cache, for a model and a tokenizer repo id (pathlib's
    RuntimeError from the cache lookup was an internal error, exit 3)."""
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    env = {"HF_HOME": str(tmp_path / "loop"), "HF_HUB_CACHE": str(tmp_path / "loop" / "hub"), "PLANNER_CACHE": "0"}
    (tmp_path / "s.txt").write_text("a b\n")
    for args in (["memory", "org/name", "--gpu", "h100"], ["tokens", str(tmp_path / "s.txt"), "-t", "org/name"]):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr("huggingface_hub.constants.HF_HUB_CACHE", env["HF_HUB_CACHE"])
            result = check(args, tmp_path, env=env)
        assert result.exit_code == 2, result.stderr
        assert "cannot use the Hugging Face cache: Symlink loop" in result.stderr.splitlines()[-2]


def test_regression_option_without_value_names_the_command(tmp_path):
    """`planner gpus -f` (a parser error click reports without a context) hints at `planner gpus --help`."""
    result = check(["gpus", "-f"], tmp_path)
    assert result.stderr.splitlines()[-1] == "hint: see `planner gpus --help` for the options and examples"


def test_regression_no_arguments_is_help_and_two_lines(tmp_path):
    """`planner` alone prints the help, then one `Error:` and one `hint:` line (it was the help alone, exit 2)."""
    result = check([], tmp_path)
    assert result.exit_code == 2 and "Commands:" in result.output
    assert result.stderr.splitlines()[-2:] == [
        "Error: missing command", "hint: name one of the commands listed above, e.g. `planner recommend --help`"]


def test_regression_stderr_descriptor_is_written_not_replaced(tmp_path):
    """`-o /dev/stderr` with stderr redirected to a file appends the output there; the file is not replaced by a
    new one (os.replace swapped the user's `2>>log` for the script), and on a terminal it is not refused."""
    import subprocess
    import sys

    log = tmp_path / "log"
    log.write_text("before\n")
    inode = log.stat().st_ino
    with open(log, "a") as err:
        proc = subprocess.run([sys.executable, "-m", "planner", "export", str(PLAN), "--to", "vllm", "-o", "/dev/stderr"],
                              stderr=err, stdout=subprocess.PIPE, cwd=tmp_path, timeout=60,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0 and log.stat().st_ino == inode
    assert log.read_text().startswith("before\n#!")


@pytest.mark.parametrize(("redirect", "line"), [
    (">&-", "Error: stdout: cannot write to standard output: it is closed"),
    (">/dev/full", "Error: stdout: cannot write to standard output: No space left on device"),
], ids=["closed", "full"])
def test_regression_stdout_unwritable_is_one_clean_error(redirect, line, tmp_path):
    """A closed or full stdout is one `Error:` + `hint:` and exit 2 (AttributeError / OSError: exit 1 or 3)."""
    import subprocess
    import sys

    if redirect == ">/dev/full" and not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    proc = subprocess.run(f"{sys.executable} -m planner gpus {redirect}", shell=True, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.splitlines()[0] == line and proc.stderr.splitlines()[1].startswith("hint: ")


def test_regression_closed_stderr_keeps_the_exit_code(tmp_path):
    """With stderr closed (`2>&-`) a successful command still exits 0 (it exited 1, "the answer is no")."""
    import subprocess
    import sys

    proc = subprocess.run(f"{sys.executable} -m planner gpus >/dev/null 2>&-", shell=True, cwd=tmp_path, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0


def test_regression_cache_dir_name_too_long(tmp_path):
    """PLANNER_CACHE_DIR past the OS's name length is a cache that does not work, not an internal error."""
    lines = ROOT / "tests" / "data" / "samples" / "lines.txt"
    result = check(["tokens", str(lines), "-t", str(TINY), "-f", "json"], tmp_path,
                   env={"PLANNER_CACHE_DIR": "x" * 5000})
    assert result.exit_code == 0, result.stderr


# data round (helper): faults in the data directories (PLANNER_HARDWARE_DB / _RUNTIME_PROFILES / _CALIBRATION_DIR)

QWEN3_MOE = str(MODELS / "qwen3-30b-a3b")
"""A MoE model: its estimate reads the measured MoE operator tables."""


def _edit_yaml(name: str, edit: Any) -> Any:
    def mutate(root: Path) -> None:
        data = yaml.safe_load((root / name).read_text())
        edit(data)
        (root / name).write_text(yaml.safe_dump(data, allow_unicode=True))
    return mutate


def _edit_tables(edit: Any) -> Any:
    def mutate(root: Path) -> None:
        for path in (root / "tables" / "h100-sxm").glob("*.json"):
            data = json.loads(path.read_text())
            for table in data["tables"]:
                table["latency_us"] = edit(table["latency_us"])
            path.write_text(json.dumps(data))
    return mutate


def _first(value: str) -> Any:
    return lambda latencies: " ".join([value, *latencies.split(" ")[1:]])


ESTIMATE_MOE = ["estimate", QWEN3_MOE, "--gpu", "h100", "--isl", "500", "--osl", "50", "-c", "4", "--runtime", "vllm"]
DATA_DIR_FAULTS = [
    # (id, kind, mutation of the copied directory, args, expected start of the Error line ({d} = the directory))
    ("table-latency-inf", "calibration", _edit_tables(_first("1e999")), ESTIMATE_MOE,
     "{d}/tables/h100-sxm/vllm-0.24.0.json: tables.94.latency_us: moe"),  # read as inf: internal error (exit 3)
    ("table-latency-0", "calibration", _edit_tables(_first("0")), ESTIMATE_MOE,
     "{d}/tables/h100-sxm/vllm-0.24.0.json: tables.94.latency_us: moe"),
    ("table-latency-not-a-number", "calibration", _edit_tables(_first("1..2")), ESTIMATE_MOE,
     "{d}/tables/h100-sxm/vllm-0.24.0.json: tables.94.latency_us: moe"),
    ("table-none-measured", "calibration", _edit_tables(lambda lat: " ".join("_" for _ in lat.split(" "))),
     ESTIMATE_MOE, "{d}/tables/h100-sxm/vllm-0.24.0.json: tables.94.latency_us: moe"),
    ("table-axis-nan", "calibration", lambda root: (root / "tables/h100-sxm/vllm-0.24.0.json").write_text(
        (root / "tables/h100-sxm/vllm-0.24.0.json").read_text().replace('"values":[', '"values":[NaN,', 1)),
     ESTIMATE_MOE, "{d}/tables/h100-sxm/vllm-0.24.0.json: tables.0.axes.0.values.0: Input should be a finite number"),
    ("table-file-twice", "calibration", lambda root: shutil.copy(root / "tables/h100-sxm/vllm-0.24.0.json",
                                                               root / "tables/h100-sxm/vllm-copy.json"),
     ESTIMATE_MOE, "{d}/tables/h100-sxm/vllm-copy.json: a second table file for vllm 0.24.0 on h100-sxm"),
    ("tables-path-a-file", "calibration", lambda root: (shutil.rmtree(root / "tables"), (root / "tables").write_text("")),
     ESTIMATE_MOE, "{d}/tables: the operator tables path is not a directory"),
    ("bands-ratio-1e300", "calibration", _edit_yaml("uncertainty.yaml", lambda d: d["bands"][0].update(high_ratio=1e300)),
     ["gpus"], "{d}/uncertainty.yaml: bands.0.high_ratio: Input should be less than or equal to 1000"),
    ("bands-twice", "calibration", _edit_yaml("uncertainty.yaml", lambda d: d["bands"].append(d["bands"][0])),
     ["gpus"], "{d}/uncertainty.yaml: (top level): bands[70] repeats runtime any, metric e2e, regime any"),
    ("bands-a-directory", "calibration", lambda root: ((root / "uncertainty.yaml").unlink(),
                                                       (root / "uncertainty.yaml").mkdir()),
     ["gpus"], "{d}/uncertainty.yaml: expected a file, got a directory"),  # was silently ignored
    ("gpu-alias-of-another", "hardware_db", _edit_yaml("l4.yaml", lambda d: d.update(aliases=["h100"])),
     ["gpus"], "{d}/l4.yaml: aliases: alias 'h100' is also an id or alias of h100-sxm.yaml"),
    ("runtime-alias-is-an-id", "runtime_profiles", _edit_yaml("sglang.yaml", lambda d: d.update(aliases=["vllm"])),
     ["runtimes"], "{d}/sglang.yaml: aliases: alias 'vllm' is also an id or alias of vllm.yaml"),
    ("gpu-name-newline", "hardware_db", _edit_yaml("l40s.yaml", lambda d: d.update(name="L40S\nkind: Secret")),
     ["export", str(PLAN), "--to", "k8s"], "{d}/l40s.yaml: name: holds a control character"),  # broke the YAML
    ("gpu-label-value", "hardware_db", _edit_yaml("l40s.yaml", lambda d: d.update(
        node_labels={"nvidia.com/gpu.product": ["$(reboot)"]})), ["export", str(PLAN), "--to", "k8s"],
     "{d}/l40s.yaml: node_labels: nvidia.com/gpu.product: '$(reboot)' is not a Kubernetes label value"),
    ("gpu-label-no-values", "hardware_db", _edit_yaml("l40s.yaml", lambda d: d.update(
        node_labels={"nvidia.com/gpu.product": []})), ["export", str(PLAN), "--to", "k8s"],
     "{d}/l40s.yaml: node_labels: nvidia.com/gpu.product: no values"),
    ("data-file-a-directory", "hardware_db", lambda root: (root / "zz.yaml").mkdir(), ["gpus"],
     "{d}/zz.yaml: expected a file, got a directory"),  # its hint was `see planner gpus --help`
]
_DATA_ENV = {"hardware_db": "PLANNER_HARDWARE_DB", "runtime_profiles": "PLANNER_RUNTIME_PROFILES",
             "calibration": "PLANNER_CALIBRATION_DIR"}


@pytest.mark.parametrize(("kind", "mutate", "args", "line"), [r[1:] for r in DATA_DIR_FAULTS],
                         ids=[r[0] for r in DATA_DIR_FAULTS])
def test_regression_data_dir_fault(kind, mutate, args, line, tmp_path):
    """A damaged data directory is one `Error:` line naming the file and field, with a hint that fits (these
    crashed as internal errors, were silently used or ignored, or reached manifests)."""
    root = tmp_path / kind
    shutil.copytree(ROOT / kind, root)
    mutate(root)
    result = check(args, tmp_path, env={_DATA_ENV[kind]: str(root), "PLANNER_CACHE": "0"})
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[-2].startswith("Error: " + line.replace("{d}", str(root))), result.stderr
    assert "--help" not in result.stderr.splitlines()[-1]


CACHE_ENTRIES = {
    "other-counts": lambda e: {**e, "prompt_counts": [5, 7]},  # plausible but not this sample's: wrong numbers
    "more-outputs-than-prompts": lambda e: {**e, "output_counts": [1, 1, 1]},
    "backend-surrogate": lambda e: {**e, "backend": "\ud800"},  # every later run ended in an internal error
    "note-injected": lambda e: {**e, "note": "injected"},
    "old-layout": lambda e: {k: e[k] for k in ("prompt_counts", "output_counts", "backend", "note")},
    "other-key": lambda e: {**e, "key": "0" * 64},
}


@pytest.mark.parametrize("name", sorted(CACHE_ENTRIES))
def test_regression_token_cache_entry_changed(name, tmp_path):
    """A token-cache entry changed after it was written (even to plausible counts) is ignored and rewritten: the
    report equals a cold run's, now and on the next run."""
    sample = tmp_path / "s.txt"
    sample.write_text("one two three\nfour five\n")
    env = {"PLANNER_CACHE_DIR": str(tmp_path / "cache")}
    args = ["tokens", str(sample), "-t", str(TINY), "-f", "json"]
    cold = runner.invoke(app, args, env=env).stdout
    (entry,) = (tmp_path / "cache").rglob("*.json")
    written = json.loads(entry.read_text())
    entry.write_text(json.dumps(CACHE_ENTRIES[name](written)))
    for _ in range(2):
        warm = check(args, tmp_path, output=str(entry.relative_to(tmp_path)), env=env)
        assert warm.exit_code == 0 and warm.stdout == cold
    assert json.loads(entry.read_text()) == written
