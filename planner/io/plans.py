"""Reading plans back: the JSON report of `planner recommend` (a `check` baseline, an `export` input) and the
checkpoint a check compares against it."""

from __future__ import annotations

from pathlib import Path

from planner.errors import SpecError
from planner.io.files import MAX_FILE_BYTES, parse_structured, read_text, refuse_control_characters, validate
from planner.specs.model import ModelSpec
from planner.specs.report import SCHEMA_VERSION as REPORT_SCHEMA_VERSION
from planner.specs.report import Report

READABLE_REPORT_VERSIONS = ("1.0", REPORT_SCHEMA_VERSION)
"""Report layouts this planner reads (1.0 wrote rejection reasons and suggestions as plain sentences)."""


def load_report(path: Path) -> Report:
    """Read a plan (`planner recommend -o plan.json`), e.g. the baseline of `check` or the input of `export`.

    Raises:
        SpecError: The file is missing, not JSON, not a planner report, of an unknown schema_version,
            or fails validation (each field named).
    """
    hint = "pass the JSON written by `planner recommend MODEL -o plan.json`"
    text = read_text(path, hint=hint, max_bytes=MAX_FILE_BYTES)
    data = parse_structured(text, str(path), json_syntax=True, hint=hint)
    if not isinstance(data, dict) or "schema_version" not in data:
        raise SpecError("not a planner report (no schema_version)", where=str(path), hint=hint)
    version = data["schema_version"]
    if version not in READABLE_REPORT_VERSIONS:
        raise SpecError("unknown report schema_version", where=str(path), value=version,
                        hint=f"this planner reads schema_version {', '.join(READABLE_REPORT_VERSIONS)}; "
                             "upgrade planner or re-create the plan with `planner recommend -o plan.json`")
    missing = [key for key in ("inputs", "model", "recommendation") if key not in data]
    if missing:
        raise SpecError(f"not a planner report (no {', '.join(missing)})", where=str(path), hint=hint)
    refuse_control_characters(data, str(path))  # its strings end up in scripts and manifests
    return validate(Report, data, str(path))


def load_checkpoint(ref: str) -> tuple[ModelSpec, str]:
    """Load the new checkpoint (config.json, folder, model.yaml or repo id) and the name launch commands use."""
    from planner.io.inputs import model_ref
    from planner.io.loaders import load_model, load_model_file, model_from_file, model_path

    path = model_path(ref)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        mf = load_model_file(path)
        return model_from_file(mf, path), model_ref(ref, mf, path.parent)
    return load_model(ref), model_ref(ref, None, Path("."))
