"""Launch arguments of speculative decoding, in each runtime's own spelling.

vLLM takes one JSON `--speculative-config`; SGLang `--speculative-algorithm` with a chain of
`--speculative-num-steps` K, `--speculative-eagle-topk 1` and `--speculative-num-draft-tokens` K + 1; TensorRT-LLM a
`speculative_config` block in the `--extra_llm_api_options` YAML; TGI `--speculate K`. Flag names and values are
checked against the runtime's launch rules (`runtime_profiles/*.yaml` `launch.flags`) by the exporter.
"""

from __future__ import annotations

import json

from planner.specs.deployment import Deployment
from planner.specs.speculative import SpeculativeConfig

EAGLE_HEAD = "EAGLE3_DRAFT_HEAD"
"""Placeholder for the EAGLE-3 draft head trained for the target model (a Hugging Face repo id or a path)."""

_VLLM_METHOD = {"mtp": "mtp", "eagle": "eagle3", "ngram": "ngram"}
_SGLANG_ALGORITHM = {"mtp": "EAGLE", "eagle": "EAGLE3", "ngram": "NGRAM"}


def speculative_config(spec: SpeculativeConfig) -> dict[str, object]:
    """TensorRT-LLM's `speculative_config` block of the `--extra_llm_api_options` YAML."""
    k = spec.num_speculative_tokens
    if spec.method == "mtp":
        return {"decoding_type": "MTP", "num_nextn_predict_layers": k}
    if spec.method == "eagle":
        return {"decoding_type": "Eagle3", "max_draft_len": k, "speculative_model_dir": EAGLE_HEAD}
    return {"decoding_type": "NGram", "max_draft_len": k}


def speculative_args(dep: Deployment, notes: list[str]) -> list[str]:
    """The flags that turn on `dep.speculative` in its runtime (empty without speculation); what cannot go on the
    command line is added to `notes`."""
    spec = dep.speculative
    if spec is None:
        return []
    k, rid = spec.num_speculative_tokens, dep.runtime.id
    if spec.method == "eagle":
        notes.append(f"speculative decoding with an EAGLE-3 head: replace {EAGLE_HEAD} with the head trained for this "
                     "model")
    if rid == "vllm":
        config: dict[str, object] = {"method": _VLLM_METHOD[spec.method], "num_speculative_tokens": k}
        if spec.method == "eagle":
            config["model"] = EAGLE_HEAD
        if spec.method == "ngram":
            config["prompt_lookup_max"] = 4  # the vLLM docs' n-gram example
        return ["--speculative-config", json.dumps(config, separators=(",", ":"))]
    if rid == "sglang":
        args = ["--speculative-algorithm", _SGLANG_ALGORITHM[spec.method], "--speculative-num-steps", str(k),
                "--speculative-eagle-topk", "1", "--speculative-num-draft-tokens", str(k + 1)]
        if spec.method == "eagle":
            args += ["--speculative-draft-model-path", EAGLE_HEAD]
        return args
    if rid == "trtllm":
        block = ", ".join(f"{key}: {value}" for key, value in speculative_config(spec).items())
        notes.append(f"speculative decoding: set `speculative_config: {{{block}}}` in the --extra_llm_api_options "
                     "YAML (the exported options file carries it)")
        return []
    if rid == "tgi":
        return ["--speculate", str(k)]
    notes.append(f"speculative decoding: pass prompt_lookup_num_tokens={k} to generate (transformers serve has no "
                 "flag for it)")
    return []
