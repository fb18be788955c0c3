"""Run the microbenchmarks on one device and assemble a calibration profile (a JSON-ready dict).

Standard library and torch only, so `python -m planner.calibrate` works on a GPU host where
nothing else is installed; `planner.specs.calibration.CalibrationProfile` validates the result.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

import torch

from planner.calibrate import _bench, _hwdb, fit
from planner.errors import CalibrationError

SCHEMA_VERSION = 1
"""Version of the profile layout; bump it when a field changes meaning."""


class Reporter(Protocol):
    """Progress sink: told the number of steps, then each finished step."""

    def start(self, total: int) -> None:
        """The run will report `total` steps."""

    def advance(self, label: str) -> None:
        """One step finished."""


class StderrReporter:
    """Plain `[i/n] label` lines on stderr (the torch-only entry point)."""

    def __init__(self) -> None:
        self.total = 0
        self.done = 0

    def start(self, total: int) -> None:
        """Remember the step count."""
        self.total, self.done = total, 0

    def advance(self, label: str) -> None:
        """Print one line."""
        self.done += 1
        sys.stderr.write(f"[{self.done}/{self.total}] {label}\n")
        sys.stderr.flush()


class _Silent:
    def start(self, total: int) -> None:
        pass

    def advance(self, label: str) -> None:
        pass


def resolve_device(name: str | None) -> torch.device:
    """`cuda`, `cuda:N` or `cpu`; None picks the first GPU when there is one, else the CPU.

    Raises:
        CalibrationError: A GPU was asked for but none is visible, or the index is out of range.
    """
    if name is None:
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if not re.fullmatch(r"cpu|cuda(:\d+)?", name):
        raise CalibrationError("unknown device", where="--device", value=name, hint="use cuda, cuda:N or cpu")
    if name == "cpu":
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise CalibrationError("no CUDA device is visible", where="--device", value=name,
                               hint="run on a GPU host (check nvidia-smi and a CUDA build of torch), or use --device cpu")
    device = torch.device(name)
    index = device.index if device.index is not None else torch.cuda.current_device()
    if index >= torch.cuda.device_count():
        raise CalibrationError(f"only {torch.cuda.device_count()} CUDA device(s) visible", where="--device",
                               value=name, hint="use cuda:0 .. cuda:N-1")
    return torch.device("cuda", index)


def default_cpu_threads() -> int:
    """CPU threads to use: the cores not already busy (1-minute load average), at least one.

    On a shared machine an OpenMP parallel region waits for its slowest thread; a thread that
    competes with another process for a core stalls every GEMM, so only idle cores are used.
    """
    cores = os.cpu_count() or 1
    try:
        busy = round(os.getloadavg()[0])
    except (OSError, AttributeError):
        busy = 0
    return max(1, cores - busy)


def _nvidia_driver() -> str | None:
    """NVIDIA kernel driver version from /proc, else nvidia-smi, else None."""
    try:
        text = Path("/proc/driver/nvidia/version").read_text(encoding="utf-8")
        found = re.search(r"Kernel Module\s+([\d.]+)", text)
        if found:
            return found.group(1)
    except OSError:
        pass
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20, check=True).stdout
        return out.splitlines()[0].strip() or None
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


def _cpu_last_level_cache_bytes() -> int | None:
    sizes = []
    for index in Path("/sys/devices/system/cpu/cpu0/cache").glob("index*"):
        try:
            size = (index / "size").read_text(encoding="utf-8").strip()
        except OSError:
            continue
        scale = {"K": 2**10, "M": 2**20}.get(size[-1:], 1)
        sizes.append(int(size.rstrip("KM")) * scale)
    return max(sizes) if sizes else None


def device_info(device: torch.device) -> dict[str, Any]:
    """Name, versions and sizes of the device, for the profile's `device` section."""
    info: dict[str, Any] = {
        "kind": device.type, "index": device.index, "torch_version": torch.__version__,
        "cuda_version": torch.version.cuda, "hip_version": getattr(torch.version, "hip", None),
        "driver_version": None, "compute_capability": None, "platform": platform.platform(),
    }
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        info.update(name=props.name, count=torch.cuda.device_count(), memory_bytes=int(props.total_memory),
                    compute_capability=f"{props.major}.{props.minor}", driver_version=_nvidia_driver(),
                    multiprocessors=int(props.multi_processor_count), threads=None,
                    cache_bytes=int(getattr(props, "L2_cache_size", 0)) or None)
    else:
        pages = os.sysconf("SC_PHYS_PAGES") if hasattr(os, "sysconf") else 0
        info.update(name=_cpu_name(), count=1, memory_bytes=int(pages * os.sysconf("SC_PAGE_SIZE")) or None,
                    multiprocessors=os.cpu_count(), threads=torch.get_num_threads(),
                    cache_bytes=_cpu_last_level_cache_bytes())
    info["timer"] = _bench.timer_kind(device)
    return info


def calibrate(device: str | None = None, *, quick: bool = False, gpu_id: str | None = None,
              threads: int | None = None, peak: dict[str, Any] | None = None,
              reporter: Reporter | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Measure a device and return its calibration profile as a JSON-ready dict.

    Args:
        device: `cuda`, `cuda:N` or `cpu` (None: the first GPU, else the CPU).
        quick: Fewer points and repeats (under a minute on a GPU).
        gpu_id: hardware_db id of the GPU when its device name matches no alias.
        threads: CPU threads torch may use (CPU only; default: `default_cpu_threads`).
        peak: Peaks to divide by, overriding the hardware_db lookup (the CLI passes the
            validated catalog entry).
        reporter: Progress sink.
        now: Timestamp to record (tests pass a fixed one).

    Raises:
        CalibrationError: The device is missing, unmatched, or a benchmark failed.
    """
    reporter = reporter or _Silent()
    dev = resolve_device(device)
    if dev.type == "cpu":
        if gpu_id:
            raise CalibrationError("--gpu names a hardware_db GPU; a CPU is described by its measured maxima",
                                   where="--gpu", value=gpu_id, hint="drop --gpu, or use --device cuda")
        torch.set_num_threads(threads or default_cpu_threads())
    else:
        torch.cuda.set_device(dev)
    info = device_info(dev)
    if dev.type == "cuda" and peak is None:
        peak = _hwdb.peak_of(_hwdb.match(info["name"], _hwdb.load(), gpu_id))
    bf16 = dev.type == "cpu" or torch.cuda.get_device_capability(dev)[0] >= 8
    plan = _bench.make_plan(dev.type, quick, info.get("cache_bytes"), bf16=bf16)
    notes: list[str] = []
    fp8 = "fp8" in plan.gemm_dtypes and _bench.fp8_supported(dev) and bool(peak and peak["tflops"].get("fp8"))
    if "fp8" in plan.gemm_dtypes and not fp8:
        notes.append("FP8 GEMMs skipped: torch._scaled_mm needs compute capability 8.9+ and an FP8 peak")
    world = min(torch.cuda.device_count(), 8) if dev.type == "cuda" else 1
    reporter.start(_bench.count(plan, fp8, world > 1))
    timer = _bench.Timer(dev)
    torch.manual_seed(0)
    raw: dict[str, Any] = {"gemm": [], "bandwidth": [], "attention": [], "moe": [], "launch": [], "allreduce": []}
    with torch.no_grad():
        for dtype in plan.gemm_dtypes:
            if dtype != "fp8" or fp8:
                raw["gemm"] += _bench.bench_gemm(dev, plan, timer, dtype, reporter.advance)
                _free(dev)
        raw["bandwidth"] = _bench.bench_bandwidth(dev, plan, timer, reporter.advance)
        _free(dev)
        raw["attention"] = _bench.bench_attention(dev, plan, timer, reporter.advance)
        _free(dev)
        raw["moe"] = _bench.bench_moe(dev, plan, timer, reporter.advance)
        _free(dev)
        raw["launch"] = _bench.bench_overheads(dev, plan, timer, reporter.advance)
    if world > 1:
        raw["allreduce"] = _bench.bench_allreduce(world, plan, "nccl", reporter.advance)
    if dev.type == "cpu":
        peak = fit.cpu_peaks(raw)
    assert peak is not None
    try:
        fitted, fit_notes = fit.fit_all(raw, peak, plan.attention_dtype)
    except (ValueError, KeyError, ZeroDivisionError) as exc:
        raise CalibrationError(f"could not fit the measurements: {exc}", hint="rerun without --quick") from None
    created = (now or dt.datetime.now(dt.timezone.utc)).isoformat(timespec="seconds")
    from planner import __version__

    return {
        "schema_version": SCHEMA_VERSION, "created_at": created, "tool": f"planner calibrate {__version__}",
        "quick": quick, "device": info, "peak": peak, "fitted": fitted, "raw": raw, "notes": notes + fit_notes,
    }


def _free(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.empty_cache()
