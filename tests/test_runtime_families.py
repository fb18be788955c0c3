"""Runtime support per model family: data with sources, and the search never picks a runtime that cannot load it."""

from __future__ import annotations

from typing import get_args

import pytest

from planner.core.compat import incompatibilities
from planner.io.parse import slo
from planner.plan import plan
from planner.render.format import message
from planner.specs.model import Family
from planner.specs.workload import Constraints, LengthDistribution, Workload

pytestmark = pytest.mark.unit


def test_profile_families_are_planner_families(catalog):
    """Every runtime profile lists its loadable families by planner family id, with a source."""
    known = set(get_args(Family))
    for runtime in catalog.runtimes.values():
        assert runtime.model_families, runtime.id
        assert set(runtime.model_families) <= known, set(runtime.model_families) - known
        assert "model_families" in runtime.sources


@pytest.mark.parametrize("name", ["glm-4.5-air", "mimo-v2-flash", "nemotron-3-nano-30b-a3b", "qwen3-0.6b"])
def test_tgi_cannot_load_these_families(model, catalog, name):
    """TGI 3.3.5's supported-models list has no GLM-4.5, MiMo, Nemotron-H or Qwen3: refused, in words."""
    reasons = incompatibilities(model(name), catalog.gpu("h100"), catalog.runtime("tgi"))
    assert any("not in its supported-models list" in r for r in reasons)
    assert not any("supported-models" in r for r in incompatibilities(model(name), catalog.gpu("h100"),
                                                                        catalog.runtime("vllm")))


def test_search_never_recommends_a_runtime_that_cannot_load_the_model(model, catalog):
    """With TGI and vLLM allowed, a Qwen3 model is planned on vLLM and TGI is rejected as incompatible."""
    w = Workload(rps=2.0, input_tokens=LengthDistribution.fixed(256), output_tokens=LengthDistribution.fixed(64))
    report = plan(model("qwen3-0.6b"), w, slo(["ttft_p95=2s"]), [catalog.gpu("l40s")],
                  [catalog.runtime("tgi"), catalog.runtime("vllm")], Constraints(), sim_requests=200)
    assert report.recommendation is not None and report.recommendation.runtime == "vllm"
    tgi = [r for r in report.rejected if r.runtime == "tgi"]
    assert tgi and all(r.kind == "incompatible" and "supported-models list" in message(r.reason) for r in tgi)


@pytest.mark.parametrize(("config", "loads", "refuses"), [
    ("LLAMA32_11B_VISION", "sglang", "vllm"),  # vLLM's supported-models list no longer has MllamaForConditionalGeneration
    ("INTERNLM3_8B", "vllm", "sglang"),  # SGLang has internlm2.py but no InternLM3 model file
    ("CODESTRAL_MAMBA", "vllm", "sglang"),  # SGLang's mamba.py is an unfinished stub
])
def test_new_families_follow_each_runtimes_model_list(catalog, config, loads, refuses):
    """A family added to the reader is loadable only on the runtimes whose model lists name it."""
    from planner.io.hf import parse_hf_config
    from tests import test_hf_config

    spec = parse_hf_config(getattr(test_hf_config, config), "x")
    gpu = catalog.gpu("h100")
    assert not any("supported-models" in r for r in incompatibilities(spec, gpu, catalog.runtime(loads)))
    assert any("not in its supported-models list" in r for r in incompatibilities(spec, gpu, catalog.runtime(refuses)))
