"""Read a checkpoint's tensor inventory from safetensors headers, never the weights.

A safetensors file starts with an 8-byte little-endian header length and that many bytes of JSON:
`{name: {"dtype": ..., "shape": [...], "data_offsets": [...]}, "__metadata__": {...}}`. A local
folder is read file by file (the shards named by `model.safetensors.index.json`, or every
`*.safetensors`); a hub repo id goes through `huggingface_hub.get_safetensors_metadata`, which
fetches the headers only.
"""

from __future__ import annotations

import json
import math
import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import SpecError
from planner.io.files import open_input

MAX_HEADER_BYTES = 100 * 1024 * 1024
"""Largest header accepted (safetensors itself caps it at 100 MB)."""

DTYPE_BYTES: dict[str, float] = {
    "F64": 8, "I64": 8, "U64": 8, "F32": 4, "I32": 4, "U32": 4, "F16": 2, "BF16": 2, "I16": 2, "U16": 2,
    "F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1, "I8": 1, "U8": 1, "BOOL": 1, "F4": 0.5,
}

_SCALE = re.compile(r"(scale|scales|scale_inv|zeros|qzeros|g_idx|zero_point|_amax|input_scale|weight_scale_2)$")
_VISION = re.compile(r"(visual|vision|image|mm_projector|multi_modal_projector|embed_vision|audio|patch_embed)")


@dataclass(frozen=True)
class TensorInfo:
    """One tensor as a header describes it."""

    name: str
    dtype: str
    shape: tuple[int, ...]

    @property
    def numel(self) -> int:
        """Stored elements."""
        return math.prod(self.shape)


def read_header(path: Path) -> dict[str, Any]:
    """The JSON header of one safetensors file (8-byte little-endian length, then JSON).

    Raises:
        SpecError: The file is not a safetensors file.
    """
    try:
        with open_input(path, what="safetensors file") as fh:
            raw = fh.read(8)
            if len(raw) != 8:
                raise SpecError("not a safetensors file (shorter than its 8-byte header length)", where=str(path),
                                hint="the file may be a Git LFS pointer or truncated: fetch the real file")
            (length,) = struct.unpack("<Q", raw)
            if length > MAX_HEADER_BYTES:
                raise SpecError("not a safetensors file (header length out of range)", where=str(path),
                                value=length, hint="the file may be a Git LFS pointer: fetch the real file")
            header = json.loads(fh.read(length))
    except OSError as exc:
        raise SpecError(f"cannot read safetensors header: {exc.strerror}", where=str(path),
                        hint="check the file's permissions") from None
    except (ValueError, RecursionError):
        raise SpecError("not a safetensors file (header is not JSON)", where=str(path),
                        hint="the file may be a Git LFS pointer: fetch the real file") from None
    if not isinstance(header, dict):
        raise SpecError("not a safetensors file (header is not a JSON object)", where=str(path),
                        hint="the file may be damaged: fetch it again")
    return header


MAX_TENSOR_ELEMENTS = 2**44
"""Most elements one tensor may hold (1.8e13: the largest published tensors hold about 1e10)."""


def tensors_of(header: Mapping[str, Any], where: str = "safetensors header") -> list[TensorInfo]:
    """The tensors a header lists (its `__metadata__` entry skipped); a shape that is not a list of
    non-negative integers, or a tensor beyond `MAX_TENSOR_ELEMENTS`, is an error naming the tensor."""
    out = []
    for name, info in header.items():
        if name == "__metadata__" or not isinstance(info, dict):
            continue
        shape = info.get("shape", [])
        if not isinstance(shape, list) or not all(type(x) is int and 0 <= x <= MAX_TENSOR_ELEMENTS for x in shape) \
                or math.prod(shape) > MAX_TENSOR_ELEMENTS:
            raise SpecError("not a safetensors header: a tensor shape must be a list of non-negative integers "
                            f"of at most {MAX_TENSOR_ELEMENTS:.1e} elements", where=f"{where}: {str(name)[:80]}.shape",
                            value=str(shape)[:60], hint="the file may be damaged: fetch it again")
        out.append(TensorInfo(str(name), str(info.get("dtype")), tuple(shape)))
    return out


def local_files(folder: Path) -> list[Path]:
    """The safetensors files of a checkpoint folder: the shards of its index, else every *.safetensors."""
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        try:
            weight_map = json.loads(index.read_text())["weight_map"]
            if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
                raise TypeError("weight_map must map tensor names to shard file names")
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            raise SpecError("model.safetensors.index.json has no weight_map", where=str(index),
                            hint="a sharded checkpoint's index maps each tensor to its shard") from None
        files = sorted({v for v in weight_map.values() if "/" not in v and "\x00" not in v and len(v) < 256})
        return [folder / f for f in files if (folder / f).is_file()]  # shards beside the index only
    return sorted(folder.glob("*.safetensors"))


def local_tensors(folder: Path) -> list[TensorInfo] | None:
    """Every tensor of a local checkpoint folder, from its headers (None when it has no safetensors)."""
    files = local_files(folder)
    if not files:
        return None
    out: list[TensorInfo] = []
    for path in files:
        out.extend(tensors_of(read_header(path), str(path)))
    return out


def hub_tensors(repo_id: str) -> list[TensorInfo] | None:
    """Every tensor of a hub checkpoint from `huggingface_hub.get_safetensors_metadata` (headers only).

    Returns None when the repo has no safetensors or the hub cannot be reached (offline use).
    """
    try:
        from huggingface_hub import get_safetensors_metadata
    except ImportError:  # pragma: no cover - huggingface-hub is a core dependency
        return None
    from planner.io import hub

    if hub.offline() or hub.unreachable() is not None:
        return None  # offline use: the config arithmetic alone (no 25 s of retries)
    try:
        meta = get_safetensors_metadata(repo_id)
    except Exception:
        return None
    out: list[TensorInfo] = []
    for file_meta in meta.files_metadata.values():
        for name, info in file_meta.tensors.items():
            out.append(TensorInfo(name, str(info.dtype), tuple(int(x) for x in info.shape)))
    return out


@dataclass(frozen=True)
class Inventory:
    """A checkpoint's parameters by dtype and by role, from its tensor headers."""

    params_by_dtype: dict[str, int]
    num_tensors: int
    total_bytes: int
    params_logical: int
    params_mtp: int
    params_vision: int


def inventory(tensors: Iterable[TensorInfo], *, num_layers: int, packed_per_element: Mapping[str, int]) -> Inventory:
    """Count a tensor list: stored elements per dtype, and the logical parameters they represent.

    Args:
        tensors: The checkpoint's tensors.
        num_layers: Decoder layers of the config; `layers.{i}` with i >= this are MTP / draft layers.
        packed_per_element: Parameters one stored element packs, by dtype (U8: 2 for NVFP4 / MXFP4,
            I32: 8 for GPTQ / AWQ int4); other dtypes hold one parameter per element.
    """
    by_dtype: dict[str, int] = {}
    total_bytes = 0.0
    logical = mtp = vision = count = 0
    layer_re = re.compile(r"layers\.(\d+)\.")
    for t in tensors:
        count += 1
        n = t.numel
        by_dtype[t.dtype] = by_dtype.get(t.dtype, 0) + n
        total_bytes += n * DTYPE_BYTES.get(t.dtype, 2)
        base = t.name.removesuffix(".weight").removesuffix(".bias")
        if _SCALE.search(base) or _SCALE.search(t.name) or t.name.endswith("e_score_correction_bias_scale"):
            continue
        params = n * packed_per_element.get(t.dtype, 1)
        m = layer_re.search(t.name)
        if ("mtp" in t.name.split(".")[0:3] or (m and int(m.group(1)) >= num_layers)) and not _VISION.search(t.name):
            mtp += params
            continue
        if _VISION.search(t.name):
            vision += params
        logical += params
    return Inventory(params_by_dtype=by_dtype, num_tensors=count, total_bytes=round(total_bytes),
                     params_logical=logical, params_mtp=mtp, params_vision=vision)
