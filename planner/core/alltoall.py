"""Attention data parallelism and expert parallelism: the dispatch + combine all-to-all of the MoE layers across
the data-parallel ranks, and the per-deployment constants `PerfModel` keeps for them."""

from __future__ import annotations

from planner.core import formats as _quant
from planner.specs.deployment import Deployment


def dp_ep_fields(dep: Deployment) -> dict[str, object]:
    """PerfModel constants of attention data parallelism and expert parallelism (empty for plain TP)."""
    if dep.dp_size == 1 and dep.ep_size == 1:
        return {}
    model, par = dep.model, dep.runtime.parallelism
    moe_layers = gathered_layers(dep)
    out: dict[str, object] = {"_dp": dep.dp_size, "_ep": dep.ep_size,
                              "_expert_imbalance": par.expert_load_imbalance if dep.ep_size > 1 else 1.0}
    if dep.dp_size > 1 and moe_layers and model.moe is not None:
        out["_moe_layers"] = moe_layers
        out["_a2a"] = all_to_all_constants(dep)
    return out


def all_to_all_constants(dep: Deployment) -> tuple[float, float, float, float]:
    """Dispatch + combine of one MoE layer across the data-parallel ranks, as (bytes one GPU sends per token row of
    the replica, latency s, s/byte low-latency kernels, s/byte normal kernels).

    Each GPU starts with rows / (tp x dp) of the tokens (a rank's tokens split over its TP GPUs). With expert
    parallelism a token goes to the GPUs of its top-k experts: k copies, (ep - 1) / ep of them to other GPUs, each
    to the expert_tp GPUs sharing that expert; without it (ep 1, experts sharded over all tp x dp GPUs) every token
    is all-gathered to every GPU and its output reduce-scattered back. Dispatch and combine move the same 16-bit
    hidden vectors (DeepEP's FP8 dispatch is not modelled: an upper bound on bytes). Within a node the link is
    NVLink / xGMI; a group wider than a node sends the share of its peers in other nodes over the network (RDMA),
    and the slower of the two paths sets the time. Decode steps use the runtime's low-latency kernels, prefill the
    normal (high-throughput) ones: each regime with its own link-efficiency figure from the runtime profile.
    """
    model, par, link = dep.model, dep.runtime.parallelism, dep.gpu.interconnect
    assert model.moe is not None
    g = dep.moe_group_gpus
    fan = model.moe.num_experts_per_tok * (dep.ep_size - 1) / dep.ep_size * (g // dep.ep_size) \
        if dep.ep_size > 1 else g - 1
    width = model.moe.latent_size or model.hidden_size
    bytes_per_row = 2 * fan * width * _quant.ACTIVATION_BYTES / g  # dispatch + combine, per GPU
    s_per_byte = 1.0 / (link.link_bidir_bw_bytes_per_s / 2)
    latency = link.allreduce_latency_s
    per_node = link.gpus_per_node
    if g > per_node:
        remote = (g - per_node) / (g - 1)
        net_bw = link.network_bw_bytes_per_s or link.pcie_bidir_bw_bytes_per_s / 2
        s_per_byte = max((1 - remote) * s_per_byte, remote / net_bw)
        latency = max(latency, link.network_latency_s or latency)
    return (bytes_per_row, 2 * latency, s_per_byte / par.all_to_all_low_latency_bw_efficiency,
            s_per_byte / par.all_to_all_normal_bw_efficiency)


def all_to_all_s(rows: int, a2a: tuple[float, float, float, float], decode_only: bool) -> float:
    """Seconds of one MoE layer's dispatch + combine for `rows` token rows of the replica (see
    `all_to_all_constants`): latency plus bytes over the link at the regime's efficiency."""
    bytes_per_row, latency_s, low_latency_s_per_byte, normal_s_per_byte = a2a
    return latency_s + rows * bytes_per_row * (low_latency_s_per_byte if decode_only else normal_s_per_byte)


def gathered_layers(dep: Deployment) -> int:
    """Layers whose feed-forward gathers the tokens of every data-parallel rank: the MoE layers, and the dense MLP
    layers too where the runtime shards them over the whole group (`Parallelism.dp_dense_over_group`; timed with
    the MoE layers' dispatch + combine, an approximation of their all-gather + reduce-scatter)."""
    wide = dep.runtime.parallelism.dp_dense_over_group
    return sum(1 for layer in dep.model.layers if layer.mlp == "moe" or (wide and layer.mlp == "dense"))
