"""A sentence with quantities: what a rejection, a miss or a warning says, with its numbers kept as numbers.

The model core and the use cases say *what* happened (`template` plus `values` in SI units, named with
their unit: `needed_bytes`, `ttft_p95_s`, `cost_usd_per_month`); `planner.render.format.message` turns
the values into ms / GiB / $ for people. JSON keeps both the values and the rendered text.
"""

from __future__ import annotations

import string
from typing import Any

from pydantic import Field, model_validator

from planner.specs._base import Frozen

Value = float | int | str
"""A message value: a number in the unit its name carries, or a word."""


class Message(Frozen):
    """One sentence with named quantities, e.g. `OOM: needs {needed_bytes} per GPU, has {gpu_memory_bytes}`."""

    template: str = Field(min_length=1)
    """The sentence with `{name}` placeholders (str.format syntax, no format specs)."""
    values: dict[str, Value] = Field(default_factory=dict)
    """Each placeholder's value, in the unit its name ends with (`_s`, `_bytes`, `_usd...`), or plain."""

    @model_validator(mode="before")
    @classmethod
    def _drop_rendered(cls, data: Any) -> Any:
        # JSON output adds the rendered `text`; reading a report back ignores it. A plain string (a report of
        # schema 1.0) is a sentence without quantities.
        if isinstance(data, str):
            return {"template": data.replace("{", "{{").replace("}", "}}")}
        if isinstance(data, dict) and "text" in data:
            data = {k: v for k, v in data.items() if k != "text"}
        return data

    @model_validator(mode="after")
    def _placeholders(self) -> Message:
        names = {field for _, field, _, _ in string.Formatter().parse(self.template) if field}
        missing = names - self.values.keys()
        if missing:
            raise ValueError(f"template placeholders without a value: {sorted(missing)}")
        return self

    @classmethod
    def of(cls, template: str, **values: Value | Message) -> Message:
        """`Message.of("TTFT p95 {ttft_s} > {limit_s}", ttft_s=0.41, limit_s=0.3)`.

        A value may itself be a `Message`: its sentence is inlined, its placeholders renamed `<name>_<inner>`.
        """
        flat: dict[str, Value] = {}
        for name, value in values.items():
            if isinstance(value, Message):
                inner = value.template
                for key, v in value.values.items():
                    inner = inner.replace("{" + key + "}", "{" + f"{name}_{key}" + "}")
                    flat[f"{name}_{key}"] = v
                template = template.replace("{" + name + "}", inner)
            else:
                flat[name] = value
        return cls(template=template, values=flat)

    @classmethod
    def join(cls, messages: list[Message], sep: str = "; ") -> Message:
        """Several messages as one sentence."""
        parts = {f"p{i}": m for i, m in enumerate(messages)}
        return cls.of(sep.join("{" + k + "}" for k in parts), **parts)

    def plain(self) -> str:
        """The sentence with raw values (for logs and tests; people read `render.format.message`)."""
        return self.template.format(**{k: (f"{v:g}" if isinstance(v, float) else v) for k, v in self.values.items()})
