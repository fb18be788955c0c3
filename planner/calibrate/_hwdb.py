"""Peak rates of the GPUs in hardware_db/, read without PyYAML or pydantic.

The calibration must run on a GPU host where only torch is installed, yet divide what it
measured by the matched GPU's published dense peaks. This reader takes just the keys it
needs from the simple block layout every hardware_db file uses (top-level scalars, the
`aliases` flow list, and the `peak_dense_tflops:` / `interconnect:` blocks). A test checks
that it agrees with the validated `Gpu` models for every shipped file; the full planner
always uses the validated models.

Standard library only.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

from planner.errors import CalibrationError

_KEY = re.compile(r"^(?P<indent> *)(?P<key>[A-Za-z0-9_]+):\s*(?P<value>.*?)\s*$")


def hardware_db_dir() -> Path:
    """Where hardware_db/ is: `PLANNER_HARDWARE_DB`, the wheel's `planner/_data`, or the checkout root.

    The same order as `planner.io.settings.data_paths`, repeated here because that module needs
    pydantic-settings.
    """
    override = os.environ.get("PLANNER_HARDWARE_DB")
    if override:
        return Path(override)
    packaged = Path(str(resources.files("planner"))) / "_data" / "hardware_db"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "hardware_db"


def _strip_comment(text: str) -> str:
    """Drop a trailing `# comment` outside quotes."""
    quote = ""
    for i, ch in enumerate(text):
        if ch in "\"'" and not quote:
            quote = ch
        elif ch == quote:
            quote = ""
        elif ch == "#" and not quote and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    return text


def _scalar(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    try:
        return float(text)
    except ValueError:
        return text


def _flow_list(text: str) -> list[str]:
    """`[a, "b c", d]` -> ['a', 'b c', 'd']."""
    inner = text.strip()[1:-1]
    items, current, quote = [], "", ""
    for ch in inner:
        if ch in "\"'" and not quote:
            quote = ch
        elif ch == quote:
            quote = ""
        elif ch == "," and not quote:
            items.append(current)
            current = ""
            continue
        current += ch
    if current.strip():
        items.append(current)
    return [str(_scalar(item)) for item in items]


def parse_gpu(text: str) -> dict[str, Any]:
    """The keys the calibration needs from one hardware_db YAML text."""
    top: dict[str, Any] = {}
    blocks: dict[str, dict[str, Any]] = {"peak_dense_tflops": {}, "interconnect": {}}
    block: str | None = None
    for raw_line in text.splitlines():
        line = _strip_comment(raw_line)
        match = _KEY.match(line)
        if not match:
            continue
        key, value, indent = match["key"], match["value"], len(match["indent"])
        if indent == 0:
            block = key if key in blocks and not value else None
            if value.startswith("["):
                top[key] = _flow_list(value)
            elif value:
                top[key] = _scalar(value)
        elif block is not None and indent == 2 and value:
            blocks[block][key] = _scalar(value)
    return {
        "id": str(top["id"]), "name": str(top["name"]), "aliases": top.get("aliases", []),
        "tflops": {k: float(v) for k, v in blocks["peak_dense_tflops"].items()},
        "hbm_bw_bytes_per_s": float(top["hbm_bw_bytes_per_s"]),
        "link_bidir_bw_bytes_per_s": float(blocks["interconnect"]["link_bidir_bw_bytes_per_s"]),
    }


def load(directory: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every GPU in hardware_db, keyed by id."""
    directory = directory or hardware_db_dir()
    if not directory.is_dir():
        raise CalibrationError("hardware_db directory not found", where=str(directory),
                               hint="set PLANNER_HARDWARE_DB to the hardware_db/ folder of the planner checkout")
    gpus = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            gpu = parse_gpu(path.read_text(encoding="utf-8"))
        except (KeyError, ValueError) as exc:
            raise CalibrationError(f"cannot read {exc} from this file", where=str(path),
                                   hint="check it with `planner gpus`") from None
        gpus[gpu["id"]] = gpu
    return gpus


def _norm(name: str) -> str:
    return re.sub(r"[\s_]+", "-", name.strip().lower())


def match(device_name: str, gpus: dict[str, dict[str, Any]], gpu_id: str | None = None) -> dict[str, Any]:
    """The hardware_db GPU named `gpu_id`, or else the one whose id, name or alias is the device name.

    Raises:
        CalibrationError: No GPU matches; the hint says to pass `--gpu`.
    """
    index: dict[str, dict[str, Any]] = {}
    for gpu in gpus.values():
        for name in (gpu["id"], gpu["name"], *gpu["aliases"]):
            index.setdefault(_norm(name), gpu)
    if gpu_id is not None:
        if _norm(gpu_id) in index:
            return index[_norm(gpu_id)]
        raise CalibrationError("unknown GPU", where="--gpu", value=gpu_id,
                               hint="pick an id from `planner gpus`: " + ", ".join(sorted(gpus)))
    wanted = _norm(device_name)
    for candidate in (wanted, wanted.removeprefix("nvidia-"), wanted.removeprefix("amd-")):
        if candidate in index:
            return index[candidate]
    raise CalibrationError(f"device {device_name!r} matches no GPU in hardware_db", where="--device",
                           hint="pass --gpu ID (see `planner gpus`) to say which GPU this is, or add it to "
                                "hardware_db/ (its aliases should include this device name)")


def peak_of(gpu: dict[str, Any]) -> dict[str, Any]:
    """The `peak` section of a profile for a hardware_db GPU."""
    return {"gpu_id": gpu["id"], "source": f"hardware_db/{gpu['id']}.yaml dense peaks",
            "tflops": dict(gpu["tflops"]), "hbm_bw_bytes_per_s": gpu["hbm_bw_bytes_per_s"],
            "link_bidir_bw_bytes_per_s": gpu["link_bidir_bw_bytes_per_s"]}
