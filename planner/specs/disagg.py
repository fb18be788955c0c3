"""Prefill/decode disaggregation: P prefill and D decode instances, and what a runtime supports.

A disaggregated deployment runs every prompt on one of P prefill instances (prefill only, batched by the token
budget), moves the prompt's KV cache to one of D decode instances over the GPU interconnect, and decodes there
(SGLang PD disaggregation, vLLM KV connectors, TensorRT-LLM disaggregated serving, NVIDIA Dynamo, llm-d).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from planner.specs._base import Frozen

DisaggForm = Literal["sglang-pd", "vllm-kv-connector", "trtllm-disaggregated"]
"""How a runtime expresses disaggregated serving: SGLang `--disaggregation-mode prefill|decode` servers behind
`sglang_router --pd-disaggregation`; vLLM servers with `--kv-transfer-config` (a KV connector) behind a proxy;
`trtllm-serve disaggregated` with a config file."""

MAX_DISAGG_INSTANCES = 64
"""Largest prefill or decode instance count the planner accepts."""


class DisaggSupport(Frozen):
    """Whether and how a runtime serves prefill and decode on separate instances."""

    form: DisaggForm | None = None
    """The runtime's form of disaggregated serving (None: it has none)."""
    transfer_backends: list[str] = Field(default_factory=list)
    """KV-transfer backends (SGLang `--disaggregation-transfer-backend`, vLLM `kv_connector`), default first."""

    @property
    def supported(self) -> bool:
        """Whether the runtime can run disaggregated at all."""
        return self.form is not None


class DisaggConfig(Frozen):
    """P prefill and D decode instances, each of its own tensor-parallel size (pipeline size of the deployment)."""

    prefill_instances: int = Field(ge=1, le=MAX_DISAGG_INSTANCES)
    """P: instances that run prefill only."""
    decode_instances: int = Field(ge=1, le=MAX_DISAGG_INSTANCES)
    """D: instances that run decode only."""
    prefill_tp: int = Field(ge=1)
    """Tensor-parallel GPUs of one prefill instance."""
    decode_tp: int = Field(ge=1)
    """Tensor-parallel GPUs of one decode instance."""

    def gpus(self, pp_size: int = 1) -> int:
        """GPUs of the whole deployment: P x prefill TP + D x decode TP (times the pipeline size)."""
        return (self.prefill_instances * self.prefill_tp + self.decode_instances * self.decode_tp) * pp_size

    def label(self) -> str:
        """Short label, e.g. `pd1:3` or `pd1xtp4:3xtp2`."""
        if self.prefill_tp == self.decode_tp:
            return f"pd{self.prefill_instances}:{self.decode_instances}"
        return f"pd{self.prefill_instances}xtp{self.prefill_tp}:{self.decode_instances}xtp{self.decode_tp}"
