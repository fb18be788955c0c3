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
    report = validate(Report, data, str(path))
    check_plausible(report, str(path))
    return report


def check_plausible(report: Report, where: str) -> None:
    """Hold a plan's numbers to the bounds its flags would have: a tampered baseline is refused here, not
    re-planned with a request rate of 1e300 or exported with `--max-num-seqs 1000000000000`."""
    from planner.io import parse
    from planner.specs import limits

    w, c = report.inputs.workload, report.inputs.constraints
    checks: list[tuple[str, float, float, float, str]] = [
        ("seed", report.seed, 0, limits.SEED_MAX, "an unsigned 32-bit seed"),
        ("inputs.constraints.max_replicas", c.max_replicas, 1, limits.MAX_REPLICAS, "replicas"),
        *((f"inputs.slo.targets[{i}].limit_s", t.limit_s, 0, limits.MAX_LATENCY_S, "seconds")
          for i, t in enumerate(report.inputs.slo.targets)),
    ]
    if w.rps is not None:
        checks.append(("inputs.workload.rps", w.rps, 0, limits.MAX_RPS, "requests/s"))
    for name, dist in (("input_tokens", w.input_tokens), ("output_tokens", w.output_tokens)):
        for key in ("value", "mean", "low", "high", "max_tokens"):
            value = getattr(dist, key)
            if value is not None:
                checks.append((f"inputs.workload.{name}.{key}", value, 1, limits.MAX_TOKENS, "tokens"))
        if dist.cv is not None:
            checks.append((f"inputs.workload.{name}.cv", dist.cv, 0, parse.MAX_CV, "coefficient of variation"))
        if dist.samples:
            checks.append((f"inputs.workload.{name}.samples", max(dist.samples), 1, limits.MAX_TOKENS, "tokens"))
    candidates = ([("recommendation", report.recommendation)] if report.recommendation else []) + \
        [(f"alternatives[{i}]", alt) for i, alt in enumerate(report.alternatives)]
    for loc, cand in candidates:
        checks += [(f"{loc}.replicas", cand.replicas, 1, limits.MAX_REPLICAS, "replicas"),
                   (f"{loc}.max_num_seqs", cand.max_num_seqs, 1, limits.MAX_SEQS, "sequences"),
                   (f"{loc}.max_num_batched_tokens", cand.max_num_batched_tokens, 1, limits.MAX_TOKENS, "tokens"),
                   (f"{loc}.max_model_len", cand.max_model_len, 1, limits.MAX_TOKENS, "tokens")]
        max_gpus = limits.MAX_GPUS_PER_REPLICA * limits.MAX_PP_STAGES  # every pipeline stage a full group
        checks += [(f"{loc}.tp_size", cand.tp_size, 1, limits.MAX_GPUS_PER_REPLICA, "GPUs"),
                   (f"{loc}.pp_size", cand.pp_size, 1, limits.MAX_PP_STAGES, "stages"),
                   (f"{loc}.dp_size", cand.dp_size, 1, limits.MAX_GPUS_PER_REPLICA, "ranks"),
                   (f"{loc}.ep_size", cand.ep_size, 1, max_gpus, "GPUs"),
                   (f"{loc}.gpus_per_replica", cand.gpus_per_replica, 1, max_gpus, "GPUs")]
    for name, value, low, high, unit in checks:
        if not low <= value <= high:
            raise SpecError(f"implausible value: must lie in [{_num(low)}, {_num(high)}] ({unit})", where=f"{where}: {name}",
                            value=value, hint=_HINT)
    ref = report.model.ref
    if not ref.strip() or ref.startswith("-"):  # launch commands name it first: `--trust-remote-code` is an option
        raise SpecError("not a model path or repo id: launch commands would read it as "
                        + ("an option" if ref.startswith("-") else "nothing"), where=f"{where}: model.ref",
                        value=ref[:60], hint=_HINT)
    for loc, cand in candidates:  # the shape fields must describe one deployment (export writes them into flags)
        shape = cand.tp_size * cand.pp_size * cand.dp_size
        if cand.disagg is None and cand.gpus_per_replica != shape:
            raise SpecError(f"gpus_per_replica = {cand.gpus_per_replica} but tp_size x pp_size x dp_size = {shape}",
                            where=f"{where}: {loc}.gpus_per_replica", hint=_HINT)
        if cand.total_gpus != cand.replicas * cand.gpus_per_replica:
            raise SpecError(f"total_gpus = {cand.total_gpus} but replicas x gpus_per_replica = "
                            f"{cand.replicas * cand.gpus_per_replica}", where=f"{where}: {loc}.total_gpus", hint=_HINT)


_HINT = ("re-create the plan with `planner recommend -o plan.json`; a hand-edited plan must keep the values a planner "
         "run can write")


def _num(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:g}"


def load_checkpoint(ref: str) -> tuple[ModelSpec, str]:
    """Load the new checkpoint (config.json, folder, model.yaml or repo id) and the name launch commands use."""
    from planner.io.inputs import model_ref
    from planner.io.loaders import load_model, load_model_file, model_from_file, model_path

    path = model_path(ref)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        mf = load_model_file(path)
        return model_from_file(mf, path), model_ref(ref, mf, path.parent)
    return load_model(ref), model_ref(ref, None, Path("."))
