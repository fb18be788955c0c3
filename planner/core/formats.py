"""Weight-format facts: storage bytes per weight and the tensor-core precision a GEMM runs at.

These are properties of the formats themselves (their published layouts), not of hardware or
runtimes, so they live in code with the layout that defines each number.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planner.specs.hardware import Architecture, ComputeDtype
from planner.specs.runtime import Quant

if TYPE_CHECKING:
    from planner.specs.deployment import Deployment

ACTIVATION_BYTES = 2.0
"""Bytes per activation element: runtimes keep activations (and biases) in 16-bit whatever the weight format."""

#: Default scale-group sizes when a checkpoint does not state one.
DEFAULT_GROUP_SIZE: dict[Quant, int] = {
    "int4-awq": 128,   # AutoAWQ default q_group_size
    "int4-gptq": 128,  # AutoGPTQ / GPTQModel default group_size
    "nvfp4": 16,       # NVFP4: one FP8 (E4M3) scale per 16 values (NVIDIA Blackwell docs)
    "mxfp4": 32,       # OCP Microscaling spec v1.0: one E8M0 scale per 32 values
}


def bytes_per_weight(quant: Quant, group_size: int | None = None) -> float:
    """Storage bytes per weight, scales and zero points included.

    Layouts: AWQ/GPTQ pack 4-bit weights with an fp16 scale and a 4-bit zero point per group
    (2 + 0.5 bytes per group); NVFP4 adds a 1-byte E4M3 scale per 16 values; MXFP4 a 1-byte
    E8M0 scale per 32 values; FP8/INT8 carry per-channel or 128x128-block fp32 scales, under
    0.03% of the weights, counted as 4 bytes per 128x128 block.
    """
    group = group_size or DEFAULT_GROUP_SIZE.get(quant, 128)
    if quant in ("bf16", "fp16"):
        return 2.0
    if quant in ("fp8", "int8"):
        return 1.0 + 4.0 / (128 * 128)
    if quant in ("int4-awq", "int4-gptq"):
        return 0.5 + 2.5 / group
    if quant in ("nvfp4", "mxfp4"):
        return 0.5 + 1.0 / group
    raise AssertionError(f"unhandled quant {quant}")


_MXFP4_NATIVE: tuple[Architecture, ...] = ("blackwell", "cdna4")
"""Architectures with MXFP4 tensor-core math (Blackwell's FP4 cores; CDNA4's MXFP4/MXFP6 matrix cores, AMD Instinct
MI350 series); elsewhere MXFP4 weights are dequantized to 16 bits."""


def is_weight_only(quant: Quant, architecture: Architecture) -> bool:
    """Whether GEMMs dequantize weights to 16-bit (compute at the 16-bit rate)."""
    if quant in ("int4-awq", "int4-gptq"):
        return True
    if quant == "mxfp4":
        return architecture not in _MXFP4_NATIVE
    return False


def compute_dtype(quant: Quant, architecture: Architecture) -> ComputeDtype:
    """Tensor-core input precision GEMMs run at for `quant` weights on `architecture`.

    FP8 runs W8A8 on FP8 tensor cores; INT8 runs SmoothQuant-style W8A8 on INT8 cores;
    NVFP4/MXFP4 use FP4 cores on Blackwell, MXFP4 also on CDNA4; weight-only formats compute in 16-bit.
    """
    sixteen: ComputeDtype = "fp16" if architecture == "turing" else "bf16"
    if quant == "fp16":
        return "fp16"
    if quant == "fp8":
        return "fp8"
    if quant == "int8":
        return "int8"
    if (quant == "nvfp4" and architecture == "blackwell") or (quant == "mxfp4" and architecture in _MXFP4_NATIVE):
        return "fp4"
    return sixteen


def sixteen_bit(architecture: Architecture) -> Quant:
    """The 16-bit format unquantized weights are served in on this architecture."""
    return "fp16" if architecture == "turing" else "bf16"


def kv_dtype_bytes(kv_dtype: str) -> float:
    """Bytes per KV-cache element: `fp8` stores one byte, `auto` the 16-bit activation dtype."""
    return 1.0 if kv_dtype == "fp8" else 2.0


def module_of(group: str) -> str:
    """The module a linear-layer group belongs to for precision rules (`mlp` covers experts and shared experts)."""
    return group if group in ("lm_head", "router", "attention") else "mlp"


_CHECKPOINT_MODULE_PATTERNS = {
    "attention": ("self_attn", "attn", "attention"),
    "lm_head": ("lm_head",),
    "embedding": ("embed",),
    "router": ("router", "mlp.gate", ".gate"),
}


def module_quant(dep: Deployment, module: str) -> Quant:
    """Precision a module is stored in: 16-bit if the runtime or checkpoint keeps it unquantized."""
    sixteen = sixteen_bit(dep.gpu.architecture) if dep.model.dtype != "fp16" else "fp16"
    if dep.quant in ("bf16", "fp16"):
        return dep.quant
    ckpt = dep.model.quantization
    if ckpt is not None and ckpt.format == dep.quant and ckpt.unquantized_modules:
        patterns = _CHECKPOINT_MODULE_PATTERNS.get(module, ())
        if any(p in name for name in ckpt.unquantized_modules for p in patterns):
            return sixteen
        if module in ("embedding", "lm_head", "router"):
            return sixteen
        return dep.quant
    if module in dep.runtime.memory.unquantized_modules or module in ("embedding", "router", "norms"):
        return sixteen
    return dep.quant


def module_bytes_per_weight(dep: Deployment, module: str) -> tuple[Quant, float]:
    """A module's stored precision and its bytes per weight (the checkpoint's group size applies to the
    deployment's own format only)."""
    q = module_quant(dep, module)
    group = dep.model.quantization.group_size if dep.model.quantization and q == dep.quant else None
    return q, bytes_per_weight(q, group)
