"""Where each weight matrix lives on one GPU: its tensor-parallel shard and its stored precision.

The one implementation both the memory model (bytes held) and the performance model (GEMM shapes and
bytes streamed) use.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.core import arch, formats
from planner.specs.deployment import Deployment
from planner.specs.runtime import Quant


@dataclass(frozen=True)
class Placement:
    """One linear-layer group (all its layers and expert copies) on one tensor-parallel rank."""

    linear: arch.Linear
    n_local: float
    """Output features on this rank."""
    k_local: float
    """Input features on this rank."""
    quant: Quant
    """Precision the weights are stored in (16-bit for modules the runtime or checkpoint keeps unquantized)."""
    bytes_per_weight: float
    """Storage bytes per weight, scales and zero points included."""
    copies_local: float = 0.0
    """Copies (routed experts) on this rank: all of them, or num_experts / ep_size with expert parallelism
    (0: the linear's own count)."""

    @property
    def local_copies(self) -> float:
        """Copies of this group held on this rank."""
        return self.copies_local or self.linear.copies

    @property
    def weight_bytes(self) -> float:
        """Weight bytes of every layer and copy on this rank."""
        lin = self.linear
        return self.n_local * self.k_local * self.bytes_per_weight * self.local_copies * lin.num_layers

    @property
    def bias_bytes(self) -> float:
        """16-bit bias bytes on this rank (a row-parallel bias is replicated, a column-parallel one sharded)."""
        lin = self.linear
        return self.n_local * self.local_copies * formats.ACTIVATION_BYTES * lin.num_layers if lin.bias else 0.0


GROUP_WIDE = ("mlp", "shared_experts", "lm_head")
"""Groups a runtime may shard over the whole MoE group (tp x dp GPUs) under attention data parallelism."""


def group_wide(lin: arch.Linear, dep: Deployment) -> bool:
    """Whether this linear spans every GPU of the replica's tp x dp group and so sees every rank's tokens: routed
    experts always, the dense MLPs / shared experts / lm_head where the runtime shards them so (SGLang)."""
    if lin.group == "experts" and lin.copies > 1:
        return True
    return dep.dp_size > 1 and lin.group in GROUP_WIDE and dep.runtime.parallelism.dp_dense_over_group


def expert_tp(dep: Deployment) -> int:
    """Ranks each routed expert is sharded over: the MoE layer's GPUs (tp x dp) divided among ep_size expert
    groups (tp_size without data or expert parallelism)."""
    return dep.moe_group_gpus // dep.ep_size


def local_shape(lin: arch.Linear, dep: Deployment) -> tuple[float, float]:
    """(N, K) of one rank's shard: column-parallel layers split N (K/V heads replicated when there are fewer
    KV heads than ranks), row-parallel ones split K, replicated ones keep both."""
    if lin.group == "experts" and lin.copies > 1:
        tp = expert_tp(dep)
    else:
        tp = dep.moe_group_gpus if group_wide(lin, dep) else dep.tp_size
    if lin.tp == "replicated":
        return lin.out_features, lin.in_features
    if lin.tp == "row":
        return lin.out_features, lin.in_features / tp
    if lin.name in ("k_proj", "v_proj"):
        kv = dep.model.attention.num_kv_heads
        return lin.out_features * arch.kv_heads_per_gpu(dep.model, tp) / kv, lin.in_features
    return lin.out_features / tp, lin.in_features


def placements(dep: Deployment) -> list[Placement]:
    """Every linear-layer group of the model as one rank holds it."""
    out = []
    for lin in arch.linears(dep.model):
        q, bpw = formats.module_bytes_per_weight(dep, formats.module_of(lin.group))
        n_local, k_local = local_shape(lin, dep)
        copies = lin.copies / dep.ep_size if lin.group == "experts" and lin.copies > 1 else 0.0
        out.append(Placement(lin, n_local, k_local, q, bpw, copies))
    return out
