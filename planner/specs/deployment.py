"""A deployment: one replica of a model on GPUs under a runtime, at chosen precisions and limits."""

from __future__ import annotations

from pydantic import Field

from planner.specs._base import Frozen
from planner.specs.disagg import DisaggConfig
from planner.specs.hardware import Gpu
from planner.specs.model import ModelSpec
from planner.specs.runtime import KvDtype, Quant, Runtime
from planner.specs.speculative import SpeculativeConfig


class Deployment(Frozen):
    """One replica: model x GPU x parallelism x runtime x precision x scheduler limits.

    Build it with `planner.core.compat.make_deployment`, which checks that the combination is legal.
    """

    model: ModelSpec
    """The model served."""
    gpu: Gpu
    """The accelerator of every GPU in the replica."""
    runtime: Runtime
    """The serving runtime."""
    tp_size: int = Field(default=1, ge=1)
    """Tensor-parallel degree."""
    pp_size: int = Field(default=1, ge=1)
    """Pipeline-parallel degree."""
    dp_size: int = Field(default=1, ge=1)
    """Attention data-parallel ranks of `tp_size` GPUs each: every rank runs attention on its own batch with its
    own KV cache; the MoE layers span all of them."""
    ep_size: int = Field(default=1, ge=1)
    """Expert-parallel group of the MoE layers: each GPU holds num_experts / ep_size experts, each expert sharded
    over the replica's remaining tp_size x dp_size / ep_size GPUs (1: experts sharded like dense layers)."""
    quant: Quant
    """Weight precision served."""
    kv_dtype: KvDtype = "auto"
    """KV-cache precision."""
    max_num_seqs: int = Field(ge=1)
    """Scheduler cap on running sequences."""
    max_num_batched_tokens: int = Field(ge=1)
    """Scheduler token budget per iteration."""
    max_model_len: int = Field(ge=1)
    """Longest sequence (prompt + output) the deployment accepts, tokens."""
    memory_fraction: float = Field(gt=0, le=1)
    """Fraction of memory the runtime may use (see `MemoryPolicy.memory_fraction`)."""
    speculative: SpeculativeConfig | None = None
    """Speculative decoding (None: plain one-token decode steps)."""
    disagg: DisaggConfig | None = None
    """Prefill/decode disaggregation (None: aggregated, every instance runs both); `tp_size` is then the TP given
    on the command line and each pool's own TP is in `disagg`."""

    @property
    def num_gpus(self) -> int:
        """GPUs in one replica (a disaggregated deployment: both pools)."""
        if self.disagg is not None:
            return self.disagg.gpus(self.pp_size)
        return self.tp_size * self.dp_size * self.pp_size

    @property
    def moe_group_gpus(self) -> int:
        """GPUs one MoE layer spans: all attention data-parallel ranks of one pipeline stage."""
        return self.tp_size * self.dp_size

    def label(self) -> str:
        """Short human label, e.g. `2x h100-sxm vllm fp8`."""
        par = f"tp{self.tp_size}" + (f"pp{self.pp_size}" if self.pp_size > 1 else "")
        par += (f" dp{self.dp_size}" if self.dp_size > 1 else "") + (f" ep{self.ep_size}" if self.ep_size > 1 else "")
        kv = " kv-fp8" if self.kv_dtype == "fp8" else ""
        spec = f" spec-{self.speculative.method}{self.speculative.num_speculative_tokens}" if self.speculative else ""
        pd = f" {self.disagg.label()}" if self.disagg else ""
        return f"{self.num_gpus}x {self.gpu.id} {par} {self.runtime.id} {self.quant}{kv}{spec}{pd}"
