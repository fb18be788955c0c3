"""`planner calibrate`: measure this device's efficiencies, and check them against a real model run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from planner.cli._options import (
    FormatOpt,
    TableOrJson,
    bounded_int,
    check_output,
    long_running,
    output_path,
    path_value,
    print_json,
    stdout_console,
    write_atomic,
)
from planner.errors import CalibrationError, SpecError
from planner.render.format import dumps_json

NO_TORCH = "planner calibrate needs PyTorch"
NO_TORCH_HINT = 'pip install "planner[calibrate]" (or install torch for your CUDA version)'
"""The error line when torch is missing (the same as `python -m planner.calibrate`)."""

EXAMPLES = """
Examples:

  planner calibrate --device cuda -o calibration/h100-sxm-2026-11-22.json

  planner calibrate --device cpu --quick --format json

  planner calibrate --device cpu --verify

  planner calibrate --device cuda --verify --model examples/models/llama-3.1-8b/config.json

  planner calibrate --verify --measured measured.json --calibration h100.json
"""


def _require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError:
        raise CalibrationError(NO_TORCH, hint=NO_TORCH_HINT) from None


def _models(paths: list[Path], device_kind: str) -> dict[str, dict[str, Any]]:
    from planner.calibrate import _decode_bench

    if not paths:
        return _decode_bench.default_models(device_kind)
    return dict(_decode_bench.load_config(path) for path in paths)


def calibrate_cmd(
    device: Annotated[str | None, typer.Option(
        "--device", "-d", help="cuda, cuda:N or cpu (default: the first GPU, else the CPU).")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="Fewer points and repeats (under a minute on a GPU).")] = False,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the calibration profile JSON here.", parser=output_path)] = None,
    format: FormatOpt = TableOrJson.table,
    gpu: Annotated[str | None, typer.Option(
        "--gpu", "-g", help="hardware_db GPU id, when the device name matches no alias.")] = None,
    threads: Annotated[int | None, typer.Option("--threads", parser=bounded_int(1, 4_096, "threads"),
                                                 help="CPU threads (default: the idle cores).")] = None,
    verify: Annotated[bool, typer.Option(
        "--verify", help="Also time random-weight decoders and compare with the planner's prediction.")] = False,
    model: Annotated[list[Path] | None, typer.Option(
        "--model", "-m", metavar="CONFIG",
        help="config.json (or its folder) to verify; repeatable (default: built-in models).")] = None,
    calibration: Annotated[Path | None, typer.Option(
        "--calibration", help="Verify with this profile instead of measuring a new one.", parser=path_value)] = None,
    measured: Annotated[Path | None, typer.Option(
        "--measured", help="Predict the points timed by `python -m planner.calibrate --verify` (needs --calibration).", parser=path_value)] = None,
) -> None:
    """Measure GEMM, memory, attention and launch performance of a device and fit the planner's efficiencies."""
    long_running()
    from planner.calibrate import verify as verify_mod
    from planner.io.calibration import load_profile
    from planner.render import calibration as _render
    from planner.specs.calibration import CalibrationProfile

    if (calibration or measured or model) and not verify:
        raise SpecError("--model, --calibration and --measured go with --verify", where="--verify",
                        hint="add --verify, or drop them to just calibrate")
    if output is not None and calibration is not None:
        raise SpecError("-o writes a profile this run measures; --calibration measures none", where="-o",
                        hint="drop -o, or drop --calibration to measure a new profile")
    if measured is not None and calibration is None:
        raise SpecError("--measured needs the profile the points were measured with", where="--measured",
                        hint="add --calibration PROFILE.json")
    check_output(output)
    if measured is None:
        _require_torch()
    with _render.RichReporter() as reporter:
        if calibration is not None:
            profile = load_profile(calibration)
        else:
            from planner.calibrate.measure import calibrate

            raw = calibrate(device, quick=quick, gpu_id=gpu, threads=threads, reporter=reporter)
            profile = CalibrationProfile.model_validate(raw)
            if output is not None:
                write_atomic(output, dumps_json(raw))
        if verify:
            bundle = verify_mod.load_measured(measured) if measured is not None else None
            models = bundle.models if bundle else _models(model or [], profile.device.kind)
            points = [p.model_dump() for p in bundle.measured] if bundle else None
            result = verify_mod.run(profile, models, device, reporter, points)
    if format is TableOrJson.json:
        print_json((result if verify else profile).model_dump(mode="json"))
    else:
        stdout_console().print(_render.verify_view(result) if verify else _render.profile_view(profile))


def register(app: typer.Typer) -> None:
    """Add `calibrate` to the app."""
    app.command("calibrate", epilog=EXAMPLES)(calibrate_cmd)
