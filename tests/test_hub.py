"""A Hugging Face hub id without network fails within seconds, with one Error line that names the real cause."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

from tests.conftest import ROOT


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def planner(tmp_path, *args: str, **env: str) -> tuple[int, str, float]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("HF_") and "proxy" not in k.lower()}
    full = {**base, "PYTHONPATH": str(ROOT), "HF_HOME": str(tmp_path / "hf"), "NO_COLOR": "1", **env}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "planner", *args], env=full, capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    return done.returncode, done.stderr, time.perf_counter() - start


def test_unreachable_hub_fails_fast_with_one_line(tmp_path):
    """With the hub unreachable (HF_ENDPOINT on a closed local port) and an empty cache, `planner memory ORG/NAME`
    exits 2 within 10 s (process start included) with exactly an Error and a hint line, no retry log, and does
    not blame HF_HUB_OFFLINE."""
    port = closed_port()
    code, err, took = planner(tmp_path, "memory", "Qwen/Qwen3-8B", "--gpu", "h100",
                              HF_ENDPOINT=f"http://127.0.0.1:{port}")
    assert code == 2 and took < 10, (took, err)
    error, hint = err.splitlines()
    assert error == ("Error: Qwen/Qwen3-8B: model is not a local path and not in the Hugging Face cache, and the "
                     f"hub cannot be reached (127.0.0.1:{port}: Connection refused)")
    assert hint.startswith("hint: pass a local config.json or model folder") and "HF_HUB_OFFLINE" not in err


def test_hub_offline_says_so(tmp_path):
    """With HF_HUB_OFFLINE=1 and an empty cache, the error says the offline switch is why."""
    code, err, _ = planner(tmp_path, "memory", "Qwen/Qwen3-8B", "--gpu", "h100", HF_HUB_OFFLINE="1")
    assert code == 2
    assert err.splitlines()[0].endswith("not in the Hugging Face cache, and HF_HUB_OFFLINE is set")
    assert err.splitlines()[1] == ("hint: pass a local config.json or model folder, or unset HF_HUB_OFFLINE to "
                                   "download it")


def test_cached_config_is_used_without_network(tmp_path):
    """A config already in the cache is read without any request, even with the hub unreachable (the shipped
    Llama-3.1-8B config copied into the cache layout)."""
    snapshot = tmp_path / "hf" / "hub" / "models--meta-llama--Llama-3.1-8B" / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text((ROOT / "examples/models/llama-3.1-8b/config.json").read_text())
    refs = snapshot.parent.parent / "refs"
    refs.mkdir()
    (refs / "main").write_text("0" * 40)
    code, err, took = planner(tmp_path, "memory", "meta-llama/Llama-3.1-8B", "--gpu", "h100", "-f", "json",
                              HF_ENDPOINT=f"http://127.0.0.1:{closed_port()}")
    assert code == 0, err
    assert took < 15
