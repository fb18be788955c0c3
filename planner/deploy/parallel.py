"""Launch arguments of attention data parallelism and expert parallelism, in each runtime's own spelling.

vLLM: `--tensor-parallel-size tp --data-parallel-size dp --enable-expert-parallel` (its EP group is always all
tp x dp GPUs of the MoE layer). SGLang: `--tp-size` counts every GPU (tp x dp), `--dp-size dp
--enable-dp-attention` makes each group of tp of them an attention rank, `--ep-size ep`; its request cap and
chunked-prefill size are the replica's (divided among the ranks). TensorRT-LLM: `--tp_size` tp x dp with
`enable_attention_dp: true` in the --extra_llm_api_options YAML ("DEP4" = 4 GPUs, attention DP 4, EP 4), and
`--ep_size ep` (moe_expert_parallel_size). Flag names are checked against the runtime's launch rules
(`runtime_profiles/*.yaml` `launch.flags`) by the exporter.
"""

from __future__ import annotations

from planner.specs.deployment import Deployment


def replica_tp_flag(dep: Deployment) -> int:
    """The value of the runtime's tensor-parallel flag: SGLang and TensorRT-LLM count all GPUs of the attention
    data-parallel group, vLLM only one rank's."""
    return dep.tp_size * dep.dp_size if dep.runtime.id in ("sglang", "trtllm") else dep.tp_size


def trtllm_parallel_options(dep_dp_size: int) -> dict[str, object]:
    """TensorRT-LLM's LLM-API options of attention data parallelism (empty without it)."""
    return {"enable_attention_dp": True} if dep_dp_size > 1 else {}


def parallel_args(dep: Deployment, notes: list[str]) -> list[str]:
    """The flags that turn on `dep`'s attention data parallelism and expert parallelism in its runtime (empty for
    plain tensor parallelism); what cannot go on the command line is added to `notes`."""
    dp, ep, rid = dep.dp_size, dep.ep_size, dep.runtime.id
    if dp == 1 and ep == 1:
        return []
    if rid == "vllm":
        if ep > 1 and ep != dep.moe_group_gpus:
            notes.append(f"vLLM's expert-parallel group is all {dep.moe_group_gpus} GPUs of the MoE layer; the plan's "
                         f"ep {ep} is not expressible and vLLM will run EP {dep.moe_group_gpus}")
        return (["--data-parallel-size", str(dp)] if dp > 1 else []) + (["--enable-expert-parallel"] if ep > 1 else [])
    if rid == "sglang":
        return (["--dp-size", str(dp), "--enable-dp-attention"] if dp > 1 else []) + \
            (["--ep-size", str(ep)] if ep > 1 else [])
    if rid == "trtllm":
        if dp > 1:
            notes.append("attention data parallelism: set `enable_attention_dp: true` in the --extra_llm_api_options "
                         "YAML (the exported options file carries it)")
        return ["--ep_size", str(ep)] if ep > 1 else []
    notes.append(f"{dep.runtime.name} has no attention data parallelism or expert parallelism; this plan needs "
                 "another runtime")
    return []
