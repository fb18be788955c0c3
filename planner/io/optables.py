"""Per-operator latency tables on disk: every `calibration/tables/<gpu>/*.json`, validated, by GPU id.

Interpolating them is pure and lives in `planner.core.optables`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from planner.errors import DataError
from planner.io.files import read_bytes
from planner.specs.optables import OpTableFile


def load_table_file(path: Path) -> OpTableFile:
    """Read and validate one table file.

    Raises:
        DataError: The file is missing, malformed, or a field is invalid; the message names the field.
    """
    data = read_bytes(path, DataError, what="table file")
    try:
        return OpTableFile.model_validate_json(data).with_source(str(path))
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise DataError(f"{loc}: {err['msg']} ({exc.error_count()} error(s))", where=str(path),
                        hint="table files are written by benchmarks/derive_tables.py or planner calibrate; "
                             "latencies are microseconds") from None


def load_tables(directory: Path) -> dict[str, tuple[OpTableFile, ...]]:
    """Every table file under `directory/<gpu_id>/`, by GPU id (empty if the directory does not exist).

    Raises:
        DataError: A file is malformed, or names another GPU than its folder.
    """
    if not directory.is_dir():
        if directory.exists():  # a file there silently dropped every table
            raise DataError("the operator tables path is not a directory", where=str(directory),
                            hint="keep the tables in <calibration dir>/tables/<gpu id>/*.json, or remove the file")
        return {}
    out: dict[str, list[OpTableFile]] = {}
    read_from: dict[tuple[str, str, str], Path] = {}
    for path in sorted(directory.glob("*/*.json")):
        f = load_table_file(path)
        if f.gpu_id != path.parent.name:
            raise DataError(f"gpu_id is {f.gpu_id!r} but the file sits in {path.parent.name}/", where=str(path),
                            hint="keep each GPU's tables in the folder named by its hardware_db id")
        first = read_from.setdefault((f.gpu_id, f.runtime, f.runtime_version), path)
        if first != path:  # one of them would be used, silently
            raise DataError(f"a second table file for {f.runtime} {f.runtime_version} on {f.gpu_id} (the first is "
                            f"{first.name})", where=str(path), hint="keep one file per runtime version; merge them")
        out.setdefault(f.gpu_id, []).append(f)
    return {gpu: tuple(files) for gpu, files in sorted(out.items())}
