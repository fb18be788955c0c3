"""Accelerator specs: one `Gpu` per file in hardware_db/."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator

from planner.specs._base import Frozen, Sourced
from planner.specs.limits import MAX_GPUS_PER_REPLICA
from planner.specs.optables import OpTableFile

Vendor = Literal["nvidia", "amd"]
"""Accelerator vendor, as spelled in hardware_db/ and runtime_profiles/."""

Architecture = Literal["turing", "ampere", "ada", "hopper", "blackwell", "cdna3", "cdna4"]
"""GPU micro-architecture generation, as spelled in the data files (`blackwell` covers sm_100/sm_103 and the RTX
sm_120 parts; `cdna4` is AMD MI350X/MI355X, gfx950)."""

FP4_ARCHITECTURES: tuple[Architecture, ...] = ("blackwell", "cdna4")
"""Architectures with FP4 (NVFP4 / OCP MXFP4) matrix units."""

ComputeDtype = Literal["fp32", "tf32", "bf16", "fp16", "fp8", "int8", "fp4"]
"""Tensor-core / matrix-core input precision a peak rate refers to."""

PriceKind = Literal["on_demand", "spot", "reserved_1y", "reserved_3y"]
"""How a cloud price is billed."""

CpuArch = Literal["amd64", "arm64"]
"""Host CPU architecture, as Kubernetes (`kubernetes.io/arch`) and container registries spell it."""


MIN_TFLOPS = 0.001
"""Smallest plausible dense peak, TFLOP/s (a GPU's is above 1; a host CPU calibrated as a device, above 0.01)."""
MAX_TFLOPS = 100_000.0
"""Largest plausible dense peak, TFLOP/s (a B200's dense FP4 is 9,000).

These and the other bounds in this module sit one to two orders of magnitude beyond any shipping accelerator and
catch a value written in the wrong unit or with digits repeated (a `1e-300` TFLOP/s chip predicted a TTFT of
10^301 s); the error names the file and field."""


_LABEL_NAME = r"[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?"
LABEL_KEY = re.compile(rf"([a-z0-9]([a-z0-9.-]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}")
"""A Kubernetes label key: an optional DNS-subdomain prefix and `/`, then a name of at most 63 characters."""
LABEL_VALUE = re.compile(_LABEL_NAME)
"""A (non-empty) Kubernetes label value: at most 63 letters, digits, `-`, `_` and `.`, alphanumeric at both ends."""


class PeakTflops(Frozen):
    """Dense peak throughput per input precision in TFLOP/s (TOP/s for int8); never the 2:4-sparse figure."""

    fp32: float = Field(ge=MIN_TFLOPS, le=MAX_TFLOPS)
    """Dense FP32 (non-tensor) peak, TFLOP/s."""
    tf32: float | None = Field(default=None, ge=MIN_TFLOPS, le=MAX_TFLOPS)
    """Dense TF32 tensor peak, TFLOP/s; absent where the chip has no TF32."""
    bf16: float | None = Field(default=None, ge=MIN_TFLOPS, le=MAX_TFLOPS)
    """Dense BF16 tensor peak, TFLOP/s; absent where the chip has no BF16 (e.g. Turing)."""
    fp16: float = Field(ge=MIN_TFLOPS, le=MAX_TFLOPS)
    """Dense FP16 tensor peak with FP32 accumulate, TFLOP/s."""
    fp8: float | None = Field(default=None, ge=MIN_TFLOPS, le=MAX_TFLOPS)
    """Dense FP8 tensor peak, TFLOP/s; absent before Ada/Hopper/CDNA3."""
    int8: float | None = Field(default=None, ge=MIN_TFLOPS, le=MAX_TFLOPS)
    """Dense INT8 tensor peak, TOP/s."""
    fp4: float | None = Field(default=None, ge=MIN_TFLOPS, le=MAX_TFLOPS)
    """Dense FP4 (NVFP4/MXFP4) tensor peak, TFLOP/s; Blackwell and CDNA4 only."""


class Interconnect(Frozen):
    """How GPUs of one node talk to each other."""

    kind: Literal["nvlink", "xgmi", "pcie"]
    """Fastest GPU-to-GPU link inside a node; `pcie` when there is no NVLink/xGMI."""
    link_bidir_bw_bytes_per_s: float = Field(ge=1e8, le=1e14)
    """Aggregate GPU-to-GPU bandwidth per GPU, both directions summed, bytes/s (the spec-sheet figure)."""
    pcie_gen: int = Field(ge=3, le=6)
    """PCIe generation of the host link."""
    pcie_bidir_bw_bytes_per_s: float = Field(ge=1e8, le=1e13)
    """Host PCIe bandwidth per GPU, both directions summed, bytes/s."""
    gpus_per_node: int = Field(ge=1, le=MAX_GPUS_PER_REPLICA)
    """GPUs reachable over the fast link without the network (largest useful tensor-parallel size)."""
    allreduce_latency_s: float = Field(gt=0, lt=1e-3)
    """Small-message all-reduce latency across the node's GPUs, seconds (per collective)."""
    network_bw_bytes_per_s: float | None = Field(default=None, ge=1e8, le=1e13)
    """Scale-out (RDMA) bandwidth per GPU, one direction, bytes/s, for groups wider than a node (None: unknown,
    the host PCIe link is used)."""
    network_latency_s: float | None = Field(default=None, gt=0, lt=1e-3)
    """Small-message latency across nodes over that network, seconds."""


class Price(Frozen):
    """One published price of this GPU at one provider."""

    provider: str = Field(min_length=2)
    """Cloud provider id, lower case (e.g. `aws`, `gcp`, `azure`, `lambda`, `runpod`)."""
    instance: str = Field(min_length=1)
    """Instance / SKU the price was read for (e.g. `p5.48xlarge`)."""
    kind: PriceKind = "on_demand"
    """Billing kind."""
    price_usd_per_gpu_hour: float = Field(ge=0.001, le=1_000)
    """Price of one GPU for one hour in US dollars (instance price / GPUs in the instance)."""
    as_of: dt.date
    """Date the price was read."""
    source: str = Field(min_length=3)
    """URL or document the price was read from."""


class Gpu(Sourced):
    """One accelerator model, as described by a file in hardware_db/."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    """Stable identifier used on the command line (file name without `.yaml`)."""
    name: str = Field(min_length=1)
    """Marketing name shown to people."""
    aliases: list[str] = Field(default_factory=list)
    """Other spellings users type (case-insensitive)."""
    vendor: Vendor
    """Vendor."""
    architecture: Architecture
    """Micro-architecture generation; decides FP8/FP4 support."""
    compute_capability: str | None = None
    """CUDA compute capability (`9.0`), or the AMD gfx target (`gfx942`)."""
    form_factor: str
    """Board form factor (SXM, PCIe, OAM, superchip)."""
    memory_bytes: int = Field(ge=2**30, le=2**42)
    """Device memory capacity as the driver reports it (e.g. nvidia-smi total), bytes."""
    hbm_bw_bytes_per_s: float = Field(ge=1e9, le=1e15)
    """Peak device-memory (HBM or GDDR) bandwidth, bytes/s."""
    tdp_watts: float = Field(ge=1, le=10_000)
    """Board power (TDP/TBP), watts."""
    peak_dense_tflops: PeakTflops
    """Dense peak throughput per precision."""
    interconnect: Interconnect
    """Intra-node GPU links."""
    prices: list[Price] = Field(default_factory=list)
    """Published cloud prices per GPU-hour."""
    segment: Literal["datacenter", "consumer"] = "datacenter"
    """`consumer`: a GeForce card (NVIDIA's GeForce driver licence excludes data-centre deployment, and clouds rent
    them without ECC or NVLink); the default search leaves these out and `--gpus` names them."""
    host_cpu_arch: CpuArch = "amd64"
    """CPU architecture of the hosts this GPU ships in (Grace superchips GH200 / GB200: arm64); decides which
    container image runs there."""
    node_labels: dict[str, list[str]] = Field(default_factory=dict)
    """Kubernetes node labels that identify this GPU: label key -> accepted values (a node matching any key
    qualifies), e.g. `nvidia.com/gpu.product` as NVIDIA GPU feature discovery sets it; keys and values are valid
    Kubernetes label syntax, since manifests select nodes with them."""
    _op_tables: tuple[OpTableFile, ...] = PrivateAttr(default=())

    @property
    def op_tables(self) -> tuple[OpTableFile, ...]:
        """Measured per-operator tables of this GPU (one file per runtime version), attached by the catalog
        from calibration/tables/; not part of the hardware_db file."""
        return self._op_tables

    def with_op_tables(self, files: tuple[OpTableFile, ...]) -> Gpu:
        """This GPU carrying `files` as its measured operator tables."""
        copy = self.model_copy()
        copy._op_tables = files
        return copy

    @field_validator("node_labels")
    @classmethod
    def _kubernetes_labels(cls, labels: dict[str, list[str]]) -> dict[str, list[str]]:
        for key, values in labels.items():
            if not LABEL_KEY.fullmatch(key):
                raise ValueError(f"{key[:80]!r} is not a Kubernetes label key ([prefix/]name, the name at most 63 letters, "
                                 "digits, '-', '_', '.')")
            if not values:
                raise ValueError(f"{key}: no values (a node selector needs at least one)")
            bad = [v for v in values if not LABEL_VALUE.fullmatch(v)]
            if bad:
                raise ValueError(f"{key}: {bad[0][:63]!r} is not a Kubernetes label value (at most 63 letters, digits, "
                                 "'-', '_', '.', alphanumeric at both ends)")
        return labels

    @model_validator(mode="after")
    def _precision_matches_architecture(self) -> Gpu:
        if self.peak_dense_tflops.fp8 is not None and self.architecture in ("turing", "ampere"):
            raise ValueError(f"peak_dense_tflops.fp8 is set but {self.architecture} GPUs have no FP8")
        if self.peak_dense_tflops.fp4 is not None and self.architecture not in FP4_ARCHITECTURES:
            raise ValueError(f"peak_dense_tflops.fp4 is set but {self.architecture} GPUs have no FP4")
        return self

    def peak_tflops(self, dtype: ComputeDtype) -> float | None:
        """Dense peak for `dtype`, TFLOP/s, or None when the chip lacks that precision."""
        value: float | None = getattr(self.peak_dense_tflops, dtype)
        return value

    def cheapest_price(self, kind: PriceKind = "on_demand", provider: str | None = None) -> Price | None:
        """Lowest published price of `kind` (optionally at one provider), or None."""
        prices = [p for p in self.prices if p.kind == kind and (provider is None or p.provider == provider)]
        return min(prices, key=lambda p: p.price_usd_per_gpu_hour, default=None)


class PriceEntry(Price):
    """A user-supplied price (`--prices file.yaml`) for one GPU."""

    gpu: str
    """GPU id or alias the price is for."""


class PricesFile(Frozen):
    """`--prices` file: prices that replace the shipped ones for the GPUs they name."""

    prices: list[PriceEntry] = Field(min_length=1)
    """The prices."""
