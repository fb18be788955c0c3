"""`python -m planner.calibrate`: measure a device where only the standard library and torch exist.

Writes the same profile as `planner calibrate`; `--verify` also times the verification models
and, when the rest of the planner is importable, prints the predicted-versus-measured table.
Where it is not, it prints the measurements as JSON for `planner calibrate --verify --measured`.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path
from typing import Any

from planner.errors import PlannerError

EXAMPLES = """
Examples:

  python -m planner.calibrate --device cuda -o calibration/h100-sxm-2026-11-22.json

  python -m planner.calibrate --device cpu --quick --format json

  python -m planner.calibrate --device cuda --verify -o h100.json > measured.json
"""

NO_TORCH = "planner calibrate needs PyTorch"
NO_TORCH_HINT = 'pip install "planner[calibrate]" (or install torch for your CUDA version)'
"""The one line printed when torch is missing."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m planner.calibrate", epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Measure GEMM, memory, attention, launch and all-reduce performance of one device "
                    "and fit the planner's efficiencies (a calibration profile).")
    parser.add_argument("--device", help="cuda, cuda:N or cpu (default: the first GPU, else the CPU)")
    parser.add_argument("--quick", action="store_true", help="fewer points and repeats (under a minute on a GPU)")
    parser.add_argument("--gpu", help="hardware_db id of the GPU when its name matches no alias")
    parser.add_argument("--threads", type=int, help="CPU threads (default: the idle cores)")
    parser.add_argument("-o", "--output", type=Path, help="write the calibration profile JSON here")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="stdout format")
    parser.add_argument("--verify", action="store_true",
                        help="also time random-weight decoders and compare with the planner's prediction")
    parser.add_argument("--model", type=Path, action="append", default=[],
                        help="config.json (or its folder) to verify; repeatable (default: built-in models)")
    return parser


def _summary(profile: dict[str, Any]) -> str:
    """A few plain lines (no rich here) describing the fitted profile."""
    f = profile["fitted"]
    lines = [f"device: {profile['device']['name']} -> {profile['peak']['gpu_id']} ({profile['peak']['source']})"]
    for dtype, curve in f["gemm"].items():
        points = ", ".join(f"{int(r)}:{e:.2f}" for r, e in curve["points"])
        lines.append(f"GEMM {dtype} ({curve['torch_dtype']}): best {curve['max_tflops']:.3g} TFLOP/s; "
                     f"rows:efficiency {points}")
    lines += [
        (f"memory: copy {f['copy_bw_bytes_per_s'] / 1e9:.1f} GB/s, read {f['read_bw_bytes_per_s'] / 1e9:.1f} GB/s, "
         f"weight streaming {f['weight_bw']:.2f}, KV read {f['kv_bw']:.3f} of peak"),
        f"attention: {f['attention_tflops']:.3g} TFLOP/s = {f['attention_compute']:.3f} of peak",
        (f"overheads: launch {f['launch_overhead_s'] * 1e6:.1f} us, eager layer "
         f"{f['eager_layer_overhead_s'] * 1e6:.0f} us ({f['eager_ops_per_layer']:.0f} ops), eager step "
         f"{f['eager_step_overhead_s'] * 1e6:.0f} us"),
    ]
    if f.get("allreduce"):
        a = f["allreduce"]
        lines.append(f"all-reduce x{a['world_size']}: {a['latency_s'] * 1e6:.1f} us, "
                     f"{a['bus_bw_bytes_per_s'] / 1e9:.0f} GB/s bus")
    return "\n".join(lines + [f"note: {n}" for n in profile["notes"]]) + "\n"


def _verify(profile: dict[str, Any], args: argparse.Namespace) -> None:
    from planner.calibrate import _decode_bench
    from planner.calibrate.measure import StderrReporter

    if args.model:
        models = dict(_decode_bench.load_config(path) for path in args.model)
    else:
        models = _decode_bench.default_models(profile["device"]["kind"])
    measured = _decode_bench.measure_models(models, args.device, StderrReporter())
    try:
        from planner.calibrate.verify import predict
        from planner.specs.calibration import CalibrationProfile
    except ImportError:  # torch-only host: hand the measurements to a full install
        sys.stdout.write(json.dumps({"models": models, "measured": measured}, indent=2) + "\n")
        sys.stderr.write("predictions need the full planner: run `planner calibrate --verify --measured FILE "
                         "--calibration PROFILE` with this output and the profile\n")
        return
    result = predict(CalibrationProfile.model_validate(profile), models, measured)
    if args.format == "json":
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), indent=2, sort_keys=True) + "\n")
        return
    for p in result.points:
        sys.stdout.write(f"{p.model} {p.phase} batch {p.batch} tokens {p.tokens}: measured "
                         f"{p.measured_s * 1e3:.2f} ms, predicted {p.predicted_s * 1e3:.2f} ms, "
                         f"error {p.abs_pct_error:.1f}%\n")
    sys.stdout.write(f"median abs error {result.median_abs_pct_error:.1f}%\n")


def main(argv: list[str] | None = None) -> int:
    """Run the calibration; the exit code is 0, or 2 on a usage or calibration error."""
    args = _parser().parse_args(argv)
    warnings.filterwarnings("ignore", message="Failed to initialize NumPy")  # torch works without numpy
    try:
        import torch  # noqa: F401  (fail here, with the install line, not deep inside)
    except ImportError:
        sys.stderr.write(f"Error: {NO_TORCH}\nhint: {NO_TORCH_HINT}\n")
        return 2
    from planner.calibrate.measure import StderrReporter, calibrate

    try:
        profile = calibrate(args.device, quick=args.quick, gpu_id=args.gpu, threads=args.threads,
                            reporter=StderrReporter())
        if args.output:
            args.output.write_text(json.dumps(profile, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if args.verify:
            _verify(profile, args)
        elif args.format == "json":
            sys.stdout.write(json.dumps(profile, indent=2, sort_keys=True) + "\n")
        else:
            sys.stdout.write(_summary(profile))
    except PlannerError as exc:
        sys.stderr.write(f"Error: {exc.line()}\n" + (f"hint: {exc.hint}\n" if exc.hint else ""))
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
