"""Derive planner's per-operator tables (calibration/tables/) from NVIDIA aiconfigurator-core's measurements.

aiconfigurator-core 0.12.0 (PyPI, Apache-2.0) ships per-op latencies collected on real GPUs as
parquet files under `aiconfigurator_core/systems/data/<system>/<op>/<runtime>/<version>/`. This
script reads those measurements straight from the pinned wheel (never its code), keeps what
planner's performance model uses, thins the grids, rounds latencies to 4 significant digits and
writes one JSON per (GPU, runtime) in planner's table format (`planner.specs.optables`). The
output is byte-for-byte reproducible from the wheel; `--check` verifies the shipped tables.

Needs the dev-only extra `tables` (pyarrow):

    pip download aiconfigurator-core==0.12.0 --no-deps -d /tmp/aic
    python benchmarks/derive_tables.py /tmp/aic/aiconfigurator_core-0.12.0-*.whl [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import sys
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "calibration" / "tables"
PACKAGE = "aiconfigurator-core 0.12.0"
WHEEL_SHA256 = "aadc4aad0a00bf8a61c477c62bef43de479849c3aa0b1c3078068e08309eccc4"
READ_ON = "2026-12-02"
"""The package states no collection dates; tables carry the date their measurements were read from it."""
PREFIX = "aiconfigurator_core/systems/data/"

SYSTEMS = {"h100_sxm": "h100-sxm", "h200_sxm": "h200", "b200_sxm": "b200", "a100_sxm": "a100-80gb",
           "l40s": "l40s", "gb200": "gb200", "b300_sxm": "b300", "gb300": "gb300",
           "rtx_pro_6000_server": "rtx-pro-6000-server"}
"""aiconfigurator system -> planner hardware_db id."""
RUNTIMES = ("trtllm", "vllm", "sglang")

GEMM_DTYPES = {"bfloat16": "bf16", "float16": "fp16", "fp8": "fp8", "fp8_block": "fp8_block", "nvfp4": "nvfp4",
               "int4_wo": "int4_wo", "int8_wo": "int8_wo", "sq": "int8_sq"}
MOE_DTYPES = {"bfloat16": "bf16", "fp8": "fp8", "fp8_block": "fp8_block", "nvfp4": "nvfp4", "int4_wo": "int4_wo",
              "w4a16_mxfp4": "mxfp4_w4a16"}
KV_DTYPES = {"bfloat16": "bf16", "fp8": "fp8"}
GEMM_M = (1, 2, 4, 8, 16, 32, 48, 64, 96, 128, 192, 256, 512, 768, 1024, 1536, 2048, 3072, 4096, 8192, 16384, 32768)
"""Token rows kept of the GEMM grids (the others are dropped to keep the wheel small)."""
PREFILL_BATCH = (1, 4, 16, 64, 256)
DECODE_BATCH = (1, 4, 16, 64, 256, 1024)
DECODE_CONTEXT = (2, 8, 32, 128, 512, 2048, 8192, 32768, 131072)
MOE_TOKENS = (1, 4, 16, 64, 256, 1024, 4096, 16384)
"""Grid points kept of the attention and MoE sweeps (powers of 4 / 2: log-space interpolation bridges them)."""
MOE_DISTRIBUTION = "power_law_1.01"
"""Expert-load distribution kept of the MoE tables (near-balanced routing with a realistic skew)."""


def _version_key(version: str) -> tuple[Any, ...]:
    """Sort key of a version string: numeric parts numerically, a pre-release before its release."""
    parts: list[Any] = []
    for token in re.findall(r"\d+|[a-z]+", version.lower()):
        parts.append((1, int(token)) if token.isdigit() else (0, token))
    release = not re.search(r"rc|a|b|dev", version.lower().split(".post")[0].split(".")[-1])
    return (*parts, 1 if release else 0)


def _sig(value_ms: float) -> float:
    """Milliseconds -> microseconds at 4 significant digits."""
    return float(f"{value_ms * 1000:.3g}")


class Wheel:
    """The pinned wheel, read in place."""

    def __init__(self, path: Path) -> None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            sys.exit(f"{path}: sha256 {digest} is not the pinned {PACKAGE} wheel ({WHEEL_SHA256})")
        self.zip = zipfile.ZipFile(path)
        self.names = sorted(n for n in self.zip.namelist() if n.startswith(PREFIX))

    def versions(self, system: str, op: str, runtime: str, filename: str) -> list[str]:
        """Versions of `runtime` that measured `filename` for `op` on `system`, newest first."""
        pat = re.compile(rf"^{PREFIX}{system}/{op}/{runtime}/([^/]+)/{re.escape(filename)}$")
        found = [m.group(1) for n in self.names if (m := pat.match(n))]
        return sorted(found, key=_version_key, reverse=True)

    def rows(self, system: str, op: str, runtime: str, version: str, filename: str) -> list[dict[str, Any]]:
        import pyarrow.parquet as pq

        data = self.zip.read(f"{PREFIX}{system}/{op}/{runtime}/{version}/{filename}")
        rows: list[dict[str, Any]] = pq.read_table(io.BytesIO(data)).to_pylist()
        return rows


def _grid(points: dict[tuple[int, ...], float], axes: list[tuple[str, list[int]]]) -> tuple[list[dict[str, Any]],
                                                                                           list[float | None]]:
    """Axes and a row-major latency list (null where unmeasured) of measured points."""
    out: list[float | None] = [None]
    for _, values in axes:
        out = [None] * (len(out) * len(values))
    flat: list[float | None] = []

    def walk(prefix: tuple[int, ...], depth: int) -> None:
        if depth == len(axes):
            value = points.get(prefix)
            flat.append(None if value is None else _sig(value))
            return
        for v in axes[depth][1]:
            walk((*prefix, v), depth + 1)

    walk((), 0)
    return [{"name": name, "values": values} for name, values in axes], flat


def _table(op: str, key: dict[str, Any], axes: list[tuple[str, list[int]]], points: dict[tuple[int, ...], float],
           provenance: str) -> dict[str, Any] | None:
    grid_axes, flat = _grid(points, axes)
    if all(v is None for v in flat):
        return None
    text = " ".join("_" if v is None else (f"{v:g}") for v in flat)
    return {"op": op, "key": key, "axes": grid_axes, "latency_us": text, "provenance": provenance}


_PROVENANCE: dict[str, dict[str, str]] = {}
"""Provenance entries of the file being derived, by id."""


def _provenance(device: str, runtime: str, version: str, kernel: str, path: str) -> str:
    """Register the provenance of a table and return its id (the source file and kernel)."""
    pid = f"{path.split('/', 1)[1].rsplit('_perf.parquet', 1)[0]}:{kernel}"
    _PROVENANCE[pid] = {"measured_by": "NVIDIA (aiconfigurator collectors)", "device": device, "runtime": runtime,
                        "runtime_version": version, "kernel": kernel, "date": READ_ON,
                        "source": f"{PACKAGE} (PyPI, Apache-2.0): {path}"}
    return pid


def _pick_kernel(rows: Iterable[dict[str, Any]]) -> str:
    """The kernel with the most measurements (ties: the first by name): one code path per table."""
    counts: dict[str, int] = defaultdict(int)
    for r in rows:
        counts[r["kernel_source"]] += 1
    return min(counts, key=lambda k: (-counts[k], k))


def gemm_tables(w: Wheel, system: str, runtime: str, version: str) -> list[dict[str, Any]]:
    fname = "gemm_perf.parquet"
    rows = w.rows(system, "gemm", runtime, version, fname)
    path = f"{system}/gemm/{runtime}/{version}/{fname}"
    by_dtype: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["gemm_dtype"] in GEMM_DTYPES:
            by_dtype[r["gemm_dtype"]].append(r)
    out = []
    for dtype in sorted(by_dtype):
        drows = by_dtype[dtype]
        kernel = _pick_kernel(drows)
        pts = {(r["m"], r["n"], r["k"]): r["latency"] for r in drows if r["kernel_source"] == kernel}
        ms = [m for m in GEMM_M if any(p[0] == m for p in pts)]
        ns = sorted({p[1] for p in pts})
        ks = sorted({p[2] for p in pts})
        t = _table("gemm", {"dtype": GEMM_DTYPES[dtype]}, [("m", ms), ("n", ns), ("k", ks)], pts,
                   _provenance(drows[0].get("device", system), runtime, version, kernel, path))
        if t:
            out.append(t)
    return out


def attention_tables(w: Wheel, system: str, runtime: str, version: str, phase: str) -> list[dict[str, Any]]:
    fname = f"{'context' if phase == 'prefill' else 'generation'}_attention_perf.parquet"
    rows = [r for r in w.rows(system, "attention", runtime, version, fname)
            if r.get("window_size", 0) == 0 and r.get("beam_width", 1) == 1 and r["attn_dtype"] == "bfloat16"
            and r["kv_cache_dtype"] in KV_DTYPES]
    path = f"{system}/attention/{runtime}/{version}/{fname}"
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[(r["kv_cache_dtype"], r["num_key_value_heads"], r["head_dim"])].append(r)
    out = []
    for (kv, kv_heads, head_dim) in sorted(groups):
        grows = groups[(kv, kv_heads, head_dim)]
        kernel = _pick_kernel(grows)
        grows = [r for r in grows if r["kernel_source"] == kernel]
        if phase == "prefill":
            pts = {(r["num_heads"], r["batch_size"], r["isl"]): r["latency"] for r in grows
                   if r["batch_size"] in PREFILL_BATCH}
            names = ("heads", "batch", "seq")
        else:
            # `step` is the cached context the new token attends to (isl = 1 new token).
            pts = {(r["num_heads"], r["batch_size"], r["step"] + r["isl"]): r["latency"] for r in grows
                   if r["batch_size"] in DECODE_BATCH and r["step"] + r["isl"] in DECODE_CONTEXT}
            names = ("heads", "batch", "context")
        axes = [(name, sorted({p[i] for p in pts})) for i, name in enumerate(names)]
        key = {"kv_dtype": KV_DTYPES[kv], "num_kv_heads": kv_heads, "head_dim": head_dim}
        t = _table(f"{phase}_attention", key, axes, pts,
                   _provenance(grows[0].get("device", system), runtime, version, kernel, path))
        if t:
            out.append(t)
    return out


def moe_tables(w: Wheel, system: str, runtime: str, version: str) -> list[dict[str, Any]]:
    fname = "moe_perf.parquet"
    rows = [r for r in w.rows(system, "moe", runtime, version, fname)
            if r.get("distribution") == MOE_DISTRIBUTION and r["moe_dtype"] in MOE_DTYPES]
    path = f"{system}/moe/{runtime}/{version}/{fname}"
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["moe_tp_size"] > 1 and r["moe_ep_size"] > 1:
            continue  # mixed TP x EP expert sharding: kept out to keep the wheel small
        gated = "nongated" not in r["kernel_source"]
        sharding = "ep" if r["moe_ep_size"] > 1 else "tp"
        groups[(r["moe_dtype"], gated, r["hidden_size"], r["inter_size"], r["topk"], r["num_experts"],
                sharding)].append(r)
    out = []
    for gkey in sorted(groups):
        dtype, gated, hidden, inter, topk, experts, sharding = gkey
        grows = groups[gkey]
        kernel = _pick_kernel(grows)
        pts = {(r["moe_ep_size"] * r["moe_tp_size"], r["num_tokens"]): r["latency"] for r in grows
               if r["kernel_source"] == kernel and r["num_tokens"] in MOE_TOKENS}
        key = {"dtype": MOE_DTYPES[dtype], "gated": gated, "hidden": hidden, "inter": inter, "topk": topk,
               "num_experts": experts, "sharding": sharding}
        axes = [("gpus", sorted({p[0] for p in pts})), ("tokens", sorted({p[1] for p in pts}))]
        t = _table("moe", key, axes, pts,
                   _provenance(grows[0].get("device", system), runtime, version, kernel, path))
        if t:
            out.append(t)
    return out


def comm_tables(w: Wheel, system: str, runtime: str) -> list[dict[str, Any]]:
    out = []
    versions = w.versions(system, "comm", runtime, "custom_allreduce_perf.parquet")
    if versions:
        v = versions[0]
        fname = "custom_allreduce_perf.parquet"
        rows = w.rows(system, "comm", runtime, v, fname)
        # Several implementations in one file (e.g. sglang custom vs nccl): the fastest per point is what the
        # runtime's dispatcher picks.
        pts: dict[tuple[int, ...], float] = {}
        for r in rows:
            if r["allreduce_dtype"] not in ("bfloat16", "float16", "half"):
                continue
            p = (r["num_gpus"], r["message_size"])
            pts[p] = min(pts.get(p, float("inf")), r["latency"])
        axes = [("world", sorted({p[0] for p in pts})), ("bytes", sorted({p[1] for p in pts}))]
        t = _table("all_reduce", {"dtype": "bf16"}, axes, pts,
                   _provenance(rows[0].get("device", system), runtime, v, "custom all-reduce (fastest per point)",
                               f"{system}/comm/{runtime}/{v}/{fname}"))
        if t:
            out.append(t)
    nccl = w.versions(system, "comm", "nccl", "nccl_perf.parquet")
    if nccl:
        v = nccl[0]
        fname = "nccl_perf.parquet"
        rows = w.rows(system, "comm", "nccl", v, fname)
        by_op: dict[str, dict[tuple[int, ...], float]] = defaultdict(dict)
        for r in rows:
            if r["nccl_dtype"] == "half":
                by_op[r["op_name"]][(r["num_gpus"], r["message_size"])] = r["latency"]
        for op in sorted(by_op):
            if op == "all_reduce" and out:
                continue  # the runtime's own all-reduce table covers it
            pts = by_op[op]
            axes = [("world", sorted({p[0] for p in pts})), ("bytes", sorted({p[1] for p in pts}))]
            t = _table(op, {"dtype": "bf16"}, axes, pts,
                       _provenance(rows[0].get("device", system), "nccl", v, "NCCL", f"{system}/comm/nccl/{v}/{fname}"))
            if t:
                out.append(t)
    return out


def derive(w: Wheel) -> dict[Path, bytes]:
    """Every table file, by path under calibration/tables/, as bytes."""
    files: dict[Path, bytes] = {}
    for system, gpu_id in SYSTEMS.items():
        for runtime in RUNTIMES:
            versions = w.versions(system, "gemm", runtime, "gemm_perf.parquet")
            if not versions:
                continue
            version = versions[0]
            _PROVENANCE.clear()
            tables = gemm_tables(w, system, runtime, version)
            for phase, fname in (("prefill", "context_attention_perf.parquet"),
                                 ("decode", "generation_attention_perf.parquet")):
                av = w.versions(system, "attention", runtime, fname)
                if av:
                    tables += attention_tables(w, system, runtime, av[0], phase)
            mv = w.versions(system, "moe", runtime, "moe_perf.parquet")
            if mv:
                # The newest version with a broad sweep (a later one may hold a few appended shapes only).
                sizes = {v: len(w.rows(system, "moe", runtime, v, "moe_perf.parquet")) for v in mv[:3]}
                best = max(sizes.values())
                pick = next(v for v in mv if sizes.get(v, 0) >= best / 4)
                tables += moe_tables(w, system, runtime, pick)
            tables += comm_tables(w, system, runtime)
            doc = {"schema_version": 1, "gpu_id": gpu_id, "runtime": runtime, "runtime_version": version,
                   "provenance": dict(sorted(_PROVENANCE.items())), "tables": tables}
            lines = [json.dumps(t, separators=(",", ":"), sort_keys=True) for t in tables]
            head = json.dumps({k: v for k, v in doc.items() if k != "tables"}, separators=(",", ":"),
                              sort_keys=True)[:-1]
            text = head + ',"tables":[\n' + ",\n".join(lines) + "\n]}\n"
            files[Path(gpu_id) / f"{runtime}-{version}.json"] = text.encode()
    return files


NOTICE = f"""Per-operator latency tables in this directory are derived from measurements published in
{PACKAGE} (https://pypi.org/project/aiconfigurator-core/, wheel sha256 {WHEEL_SHA256}),
Copyright (c) 2026 NVIDIA CORPORATION & AFFILIATES, licensed under the Apache License, Version 2.0
(https://www.apache.org/licenses/LICENSE-2.0).

Changes: the measurements (aiconfigurator_core/systems/data/<system>/{{gemm,attention,moe,comm}}/...
parquet files) were converted to planner's table format by benchmarks/derive_tables.py: grids thinned
(GEMM token rows, attention batch/context points, full-attention windows, 16-bit attention, one MoE
routing distribution, pure-TP or pure-EP expert sharding, one kernel per table), latencies converted from ms to us and rounded to 3 significant digits. No aiconfigurator code
is used by planner. Each table's provenance names the source file it came from.
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("wheel", type=Path, help=f"the {PACKAGE} wheel")
    parser.add_argument("--check", action="store_true", help="verify calibration/tables/ instead of writing it")
    args = parser.parse_args(argv)
    files = derive(Wheel(args.wheel))
    files[Path("NOTICE")] = NOTICE.encode()
    if args.check:
        expected = {p.relative_to(OUT) for p in OUT.rglob("*") if p.is_file()}
        bad = sorted(str(p) for p in files if not (OUT / p).is_file() or (OUT / p).read_bytes() != files[p])
        extra = sorted(str(p) for p in expected - set(files))
        if bad or extra:
            print(f"differ: {bad}; not derived: {extra}")
            return 1
        print(f"{len(files)} files identical")
        return 0
    for p in {p.relative_to(OUT) for p in OUT.rglob("*.json")} - set(files) if OUT.is_dir() else ():
        (OUT / p).unlink()
    for rel, data in sorted(files.items()):
        (OUT / rel).parent.mkdir(parents=True, exist_ok=True)
        (OUT / rel).write_bytes(data)
    total = sum(len(d) for d in files.values())
    print(f"wrote {len(files)} files, {total / 1e6:.1f} MB, to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
