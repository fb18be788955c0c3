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
import os
import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planner.errors import SpecError
from planner.io.files import open_input, os_error_hint
from planner.io.hf._fields import short

MAX_HEADER_BYTES = 100 * 1024 * 1024
"""Largest header accepted (safetensors itself caps it at 100 MB)."""

DTYPE_BYTES: dict[str, float] = {
    "F64": 8, "I64": 8, "U64": 8, "F32": 4, "I32": 4, "U32": 4, "F16": 2, "BF16": 2, "I16": 2, "U16": 2,
    "F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1, "I8": 1, "U8": 1, "BOOL": 1, "F4": 0.5, "F6_E2M3": 0.75,
    "F6_E3M2": 0.75, "C64": 8,
}
"""Bytes per element of each safetensors dtype (the format's full list; any other dtype is refused)."""

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


MAX_TENSOR_ELEMENTS = 2**44
"""Most elements one tensor may hold (1.8e13: the largest published tensors hold about 1e10)."""


def read_header(path: Path) -> dict[str, Any]:
    """The JSON header of one safetensors file (8-byte little-endian length, then JSON), checked like the
    safetensors library checks it: every tensor a known dtype, a valid shape and `data_offsets` inside the file
    that match its size and overlap no other tensor's (a truncated download or a tampered header is refused).

    Raises:
        SpecError: The file is not a safetensors file, or its header does not describe its data.
    """
    try:
        with open_input(path, what="safetensors file") as fh:
            raw = fh.read(8)
            size = os.fstat(fh.fileno()).st_size
            length = struct.unpack("<Q", raw)[0] if len(raw) == 8 else None
            text = fh.read(length) if length is not None and length <= MAX_HEADER_BYTES else b""
    except IsADirectoryError:
        raise SpecError("expected a safetensors file, got a directory", where=str(path),
                        hint="remove or rename the directory: a checkpoint's *.safetensors are files") from None
    except OSError as exc:
        raise SpecError(f"cannot read safetensors header: {exc.strerror}", where=str(path),
                        hint=os_error_hint(exc)) from None
    if length is None:
        raise SpecError("not a safetensors file (shorter than its 8-byte header length)", where=str(path),
                        hint="the file may be a Git LFS pointer or truncated: fetch the real file")
    if length > MAX_HEADER_BYTES or len(text) < length:
        why = "header length out of range" if length > MAX_HEADER_BYTES else \
            f"its {length:,}-byte header is cut off after {len(text):,} bytes"
        raise SpecError(f"not a safetensors file ({why})", where=str(path), value=length,
                        hint="the file may be a Git LFS pointer or truncated: fetch the real file")
    try:
        header = json.loads(text)
    except (ValueError, RecursionError):
        raise SpecError("not a safetensors file (header is not JSON)", where=str(path),
                        hint="the file may be a Git LFS pointer: fetch the real file") from None
    if not isinstance(header, dict):
        raise SpecError("not a safetensors file (header is not a JSON object)", where=str(path),
                        hint="the file may be damaged: fetch it again")
    _check_layout(header, size - 8 - length, str(path))
    return header


def _check_layout(header: Mapping[str, Any], data_bytes: int, where: str) -> None:
    """Refuse a header whose tensors the file cannot hold: an unknown dtype, missing or negative `data_offsets`,
    a byte range that does not match the shape and dtype, overlaps another tensor or runs past the end."""
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        at = f"{where}: {str(name)[:80]}"
        if not isinstance(info, dict):
            raise SpecError("not a safetensors header: a tensor entry must be an object with dtype, shape and "
                            "data_offsets", where=at, value=short(info), hint="the file may be damaged: fetch it again")
        dtype = info.get("dtype")
        if not isinstance(dtype, str) or dtype not in DTYPE_BYTES:
            raise SpecError("not a safetensors header: unknown tensor dtype", where=f"{at}.dtype",
                            value=short(dtype), hint="safetensors dtypes: " + ", ".join(DTYPE_BYTES))
        numel = math.prod(_shape(info, at))
        offsets = info.get("data_offsets")
        if not (isinstance(offsets, list) and len(offsets) == 2 and all(type(x) is int for x in offsets)
                and 0 <= offsets[0] <= offsets[1]):
            raise SpecError("not a safetensors header: `data_offsets` must be two integers [begin, end] with "
                            "0 <= begin <= end", where=f"{at}.data_offsets", value=short(offsets),
                            hint="the file may be damaged: fetch it again")
        begin, end = offsets
        if end - begin != numel * DTYPE_BYTES[dtype]:
            raise SpecError(f"not a safetensors header: `data_offsets` span {end - begin:,} bytes, but a {dtype} "
                            f"tensor of {numel:,} elements holds {numel * DTYPE_BYTES[dtype]:,.0f}",
                            where=f"{at}.data_offsets", hint="the file may be damaged: fetch it again")
        if end > data_bytes:
            raise SpecError(f"truncated safetensors file: the tensor's data ends at byte {end:,} of a data section "
                            f"of {max(data_bytes, 0):,} bytes", where=at,
                            hint="the download was cut off (or is a Git LFS pointer): fetch the file again")
        spans.append((begin, end, str(name)[:80]))
    spans.sort()
    for (_, end, first), (begin, _, second) in zip(spans, spans[1:]):
        if begin < end:
            raise SpecError(f"not a safetensors header: the data of tensor {second} overlaps that of {first}",
                            where=where, hint="the file may be damaged: fetch it again")


def _shape(info: Mapping[str, Any], where: str) -> list[int]:
    """A tensor's shape: a list of non-negative integers of at most `MAX_TENSOR_ELEMENTS` elements in all."""
    shape = info.get("shape", [])
    if not isinstance(shape, list) or not all(type(x) is int and 0 <= x <= MAX_TENSOR_ELEMENTS for x in shape) \
            or math.prod(shape) > MAX_TENSOR_ELEMENTS:
        raise SpecError("not a safetensors header: a tensor shape must be a list of non-negative integers "
                        f"of at most {MAX_TENSOR_ELEMENTS:.1e} elements", where=f"{where}.shape",
                        value=str(shape)[:60], hint="the file may be damaged: fetch it again")
    return shape


def tensors_of(header: Mapping[str, Any], where: str = "safetensors header") -> list[TensorInfo]:
    """The tensors a header lists (its `__metadata__` entry skipped); a shape that is not a list of
    non-negative integers, or a tensor beyond `MAX_TENSOR_ELEMENTS`, is an error naming the tensor."""
    out = []
    for name, info in header.items():
        if name == "__metadata__" or not isinstance(info, dict):
            continue
        out.append(TensorInfo(str(name), str(info.get("dtype")), tuple(_shape(info, f"{where}: {str(name)[:80]}"))))
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
