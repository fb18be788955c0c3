"""The precision a checkpoint is served in: `quantization_config` and ModelOpt's `hf_quant_config.json`."""

from __future__ import annotations

from typing import Any

from planner.errors import SpecError
from planner.io.hf._fields import short
from planner.specs.model import QuantConfig
from planner.specs.runtime import Quant

SUPPORTED_HINT = ("supported: awq/gptq 4-bit, gptq 8-bit, fp8, compressed-tensors, modelopt (FP8, NVFP4), "
                  "mxfp4; or pass --quant to plan another precision")


def quant_config(config: dict[str, Any], where: str) -> QuantConfig | None:
    """The weight format declared by a config's `quantization_config` (or `compression_config`)."""
    key = next((k for k in ("quantization_config", "compression_config") if config.get(k) not in (None, {})), None)
    if key is None:
        return None
    qc = config[key]
    if not isinstance(qc, dict):  # a string or number here was dropped, and the checkpoint planned as 16-bit
        raise SpecError(f"`{key}` must be an object", where=where, value=short(qc),
                        hint='e.g. {"quant_method": "fp8"}; remove the field for an unquantized checkpoint')
    method = str(qc.get("quant_method", "")).lower()
    if not method and qc.get("quant_algo"):
        method = "modelopt"  # ModelOpt exports written into config.json keep only quant_algo
    group = _group_size(qc.get("group_size"), "quantization_config.group_size", where)
    skip = next((_modules(qc[k], f"{key}.{k}", where) for k in ("modules_to_not_convert", "ignore", "exclude_modules",
                                                                "exclude") if qc.get(k)), [])
    fmt: Quant | None = None
    kv: str | None = None
    if method in ("awq", "gptq"):
        bits = qc.get("bits", 4)
        if isinstance(bits, bool) or not isinstance(bits, int):  # 4.0 read as 4 bits, "4" as unsupported
            raise SpecError(f"`{key}.bits` must be an integer", where=where, value=short(bits), hint=SUPPORTED_HINT)
        fmt = ({4: "int4-awq"} if method == "awq" else {4: "int4-gptq", 8: "int8"}).get(bits)  # type: ignore[assignment]
    elif method in ("fp8", "fbgemm_fp8"):
        fmt, group = "fp8", None
    elif method == "mxfp4":
        fmt, group = "mxfp4", 32
    elif method == "modelopt":
        algo = qc.get("quant_algo")
        fmt, group = _modelopt_algo(algo if isinstance(algo, str) else "", qc.get("group_size"))
        kv = qc.get("kv_cache_quant_algo") or qc.get("kv_cache_scheme")
    elif method in ("int8", "w8a8", "w8a16"):
        fmt = "int8"
    elif method == "quark":
        fmt, group, kv = _quark(qc, where)
    elif method == "bitsandbytes":
        fmt = "int8" if qc.get("load_in_8bit") is True else None  # "yes" or 1 is no flag transformers reads
    elif method == "compressed-tensors":
        fmt, group = _compressed_tensors(qc, where)
        kv = qc.get("kv_cache_scheme")
    if fmt is None:
        raise SpecError(f"unsupported quantization_config (quant_method {method!r})", where=where,
                        value=qc.get("bits") or qc.get("format") or method, hint=SUPPORTED_HINT)
    return QuantConfig(format=fmt, group_size=group, method=method, unquantized_modules=skip,
                       kv_cache_dtype="fp8" if kv else None)


def _modelopt_algo(algo: str, group: object) -> tuple[Quant | None, int | None]:
    algo = algo.upper()
    if "FP4" in algo:
        return "nvfp4", int(group) if isinstance(group, int) else 16
    if "FP8" in algo:
        return "fp8", None
    if "W4A16_AWQ" in algo or "INT4_AWQ" in algo:
        return "int4-awq", int(group) if isinstance(group, int) else 128
    if "INT8" in algo or "W8A8" in algo:
        return "int8", None
    return None, None


def hf_quant_config(data: dict[str, Any], where: str) -> QuantConfig:
    """The weight format of a ModelOpt `hf_quant_config.json` (`quantization.quant_algo`)."""
    q = data.get("quantization") if isinstance(data, dict) else None
    if not isinstance(q, dict):
        raise SpecError("hf_quant_config.json has no `quantization` block", where=where,
                        hint="a ModelOpt export writes {\"quantization\": {\"quant_algo\": ...}}")
    algo = q.get("quant_algo")
    fmt, group = _modelopt_algo(algo if isinstance(algo, str) else "",
                                _group_size(q.get("group_size"), "quantization.group_size", where))
    if fmt is None:
        raise SpecError("unsupported ModelOpt quant_algo", where=f"{where}: quantization.quant_algo",
                        value=short(algo), hint=SUPPORTED_HINT)
    return QuantConfig(format=fmt, group_size=group, method="modelopt",
                       unquantized_modules=_modules(q.get("exclude_modules") or [], "quantization.exclude_modules",
                                                    where),
                       kv_cache_dtype="fp8" if q.get("kv_cache_quant_algo") else None,
                       source="hf_quant_config.json")


def _modules(value: object, key: str, where: str) -> list[str]:
    """The module names a quantization block leaves unquantized: a list of strings (a number or a bare string
    here is a hand edit that would silently quantize, or skip, the wrong modules)."""
    if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
        raise SpecError(f"`{key}` must be a list of module names", where=where, value=short(value),
                        hint='e.g. ["lm_head"]; check the config against the published one')
    return list(value)


MAX_GROUP_SIZE = 1_048_576
"""Largest plausible quantization group (published checkpoints group 16-128 weights; -1 means one per row)."""


def _group_size(value: object, key: str, where: str) -> int | None:
    """A quantization group size: absent, a positive integer, or -1 (GPTQ's one scale per row, read as the format's
    default group: a few percent more scale bytes, never fewer, and no group divisibility rule to fail); anything
    else is an error naming the field."""
    if value is None or (value == -1 and not isinstance(value, bool)):
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_GROUP_SIZE:
        raise SpecError(f"`{key}` must be an integer in [1, {MAX_GROUP_SIZE:,}], or -1 for one group per row",
                        where=where, value=short(value),
                        hint="check the config against the model card (published checkpoints group 32-128)")
    return value


def _quark(qc: dict[str, Any], where: str) -> tuple[Quant | None, int | None, str | None]:
    """AMD Quark: `global_quant_config.weight.dtype` is the weight format (fp8_e4m3 / fp8_e5m2, fp4 in groups of 32
    with e8m0 scales = MXFP4, int4 / uint4 in groups = AWQ-style, int8); `kv_cache_group` with fp8 output tensors
    in `layer_quant_config` is an FP8 KV cache."""
    glob = qc.get("global_quant_config")
    weight = glob.get("weight") if isinstance(glob, dict) else None
    if isinstance(weight, list):  # a weight quantized in stages (e.g. fp8 then fp4): the last one is stored
        weight = weight[-1] if weight else None
    if not isinstance(weight, dict):
        raise SpecError("a Quark `quantization_config` needs `global_quant_config.weight`", where=where,
                        value=short(glob), hint='e.g. {"global_quant_config": {"weight": {"dtype": "fp8_e4m3"}}}')
    dtype = str(weight.get("dtype", "")).lower()
    size = _group_size(weight.get("group_size"), "quantization_config.global_quant_config.weight.group_size", where)
    fmt: Quant | None = None
    if dtype.startswith("fp8"):
        fmt, size = "fp8", None
    elif dtype in ("fp4", "mxfp4", "fp4_e2m1"):
        fmt, size = "mxfp4", size or 32
    elif dtype in ("int4", "uint4"):
        fmt, size = "int4-awq", size or 128
    elif dtype in ("int8", "uint8"):
        fmt, size = "int8", None
    kv: str | None = None
    layers = qc.get("layer_quant_config")
    if qc.get("kv_cache_group") and isinstance(layers, dict):
        outs = [cfg.get("output_tensors") for cfg in layers.values() if isinstance(cfg, dict)]
        if any(isinstance(o, dict) and str(o.get("dtype", "")).lower().startswith("fp8") for o in outs):
            kv = "fp8"
    return fmt, size, kv


def _compressed_tensors(qc: dict[str, Any], where: str) -> tuple[Quant | None, int | None]:
    fmt_name = str(qc.get("format", ""))
    if "nvfp4" in fmt_name:
        return "nvfp4", 16
    if "mxfp4" in fmt_name:
        return "mxfp4", 32
    groups = qc.get("config_groups") or {}
    if not isinstance(groups, dict) or not all(isinstance(g, dict) and isinstance(g.get("weights") or {}, dict)
                                               for g in groups.values()):
        raise SpecError("`quantization_config.config_groups` must map group names to objects with a `weights` "
                        "object", where=where, value=short(groups),
                        hint='e.g. {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 4, "type": "int"}}}')
    for name, group in groups.items():
        weights = group.get("weights") or {}
        bits, kind = weights.get("num_bits"), weights.get("type")
        size = _group_size(weights.get("group_size"), f"quantization_config.config_groups.{name}.weights."
                           "group_size", where)
        if "mxfp4" in str(group.get("format", "")):
            return "mxfp4", 32
        if bits == 8 and kind == "float":
            return "fp8", None
        if bits == 8 and kind == "int":
            return "int8", None
        if bits == 4 and kind == "int":
            return "int4-gptq", size
        if bits == 4 and kind == "float":
            return "nvfp4", size or 16
    return None, None
