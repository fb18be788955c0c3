"""Reading fields out of a config dict: aliases, family defaults, errors that name the field."""

from __future__ import annotations

import builtins
from typing import Any

from planner.errors import SpecError
from planner.specs.model import ModelDtype

ALIASES: dict[str, tuple[str, ...]] = {
    "hidden_size": ("hidden_size", "n_embd", "d_model"),
    "num_hidden_layers": ("num_hidden_layers", "n_layer", "num_layers"),
    "num_attention_heads": ("num_attention_heads", "n_head"),
    "max_position_embeddings": ("max_position_embeddings", "n_positions", "max_seq_len", "seq_length"),
    "intermediate_size": ("intermediate_size", "n_inner", "ffn_dim", "ffn_hidden_size"),
    "vocab_size": ("vocab_size", "padded_vocab_size"),
    "num_experts": ("n_routed_experts", "num_local_experts", "num_experts"),
    "num_experts_per_tok": ("num_experts_per_tok", "experts_per_token", "num_experts_per_token",
                            "top_k_experts", "moe_topk"),
}

DTYPES: dict[str, ModelDtype] = {
    "bfloat16": "bf16", "bf16": "bf16", "float16": "fp16", "fp16": "fp16", "half": "fp16",
    "float32": "fp32", "fp32": "fp32", "float": "fp32",
}

MAX_INT_FIELD = 134_217_728
"""Largest integer any config field read by a family adapter may hold (2^27; `_plausible.BOUNDS` bounds the common
fields tighter): a larger one reaches the memory model as "does not fit: needs millions of GiB" instead."""

REQUIRED_HINT = ("a decoder config needs hidden_size, num_hidden_layers, num_attention_heads, "
                 "intermediate_size and vocab_size")


class Fields:
    """Reads fields from a config dict with family defaults, naming the field on error."""

    def __init__(self, config: dict[str, Any], defaults: dict[str, Any], where: str) -> None:
        self.config = {**defaults, **{k: v for k, v in config.items() if v is not None}}
        self.where = where

    def has(self, key: str) -> bool:
        """Whether the config (or the family defaults) sets `key` or one of its aliases."""
        return any(self.config.get(name) is not None for name in ALIASES.get(key, (key,)))

    def get(self, key: str, default: Any = None) -> Any:
        """The value of `key` (first alias set), else `default`."""
        for name in ALIASES.get(key, (key,)):
            value = self.config.get(name)
            if value is not None:
                return value
        return default

    def int(self, key: str, default: int | None = None, *, minimum: int = 1) -> int:
        """An integer field >= `minimum`; a missing one without default is an error naming it."""
        value = self.get(key, default)
        if value is None:
            raise SpecError(f"config is missing the required field `{key}`", where=self.where,
                            hint=REQUIRED_HINT)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"`{key}` must be an integer", where=self.where, value=value,
                            hint="check the config against the model card (whole numbers, no quotes or decimals)")
        if value < minimum:
            raise SpecError(f"`{key}` must be an integer >= {minimum}", where=self.where, value=value,
                            hint="check the config against the model card")
        if value > MAX_INT_FIELD:
            raise SpecError(f"`{key}` = {value:,} is not a plausible model: no size, count or length in a "
                            f"config exceeds {MAX_INT_FIELD:,} (the longest published context is 10,485,760 "
                            "tokens)", where=self.where,
                            hint="check the config against the model card; is a digit repeated?")
        return value

    def opt_int(self, key: str, *, minimum: builtins.int = 1) -> builtins.int | None:
        """An optional integer field (None when absent)."""
        return self.int(key, minimum=minimum) if self.has(key) else None

    def bool(self, key: str, default: builtins.bool) -> builtins.bool:
        """A flag (absent: `default`): true/false, or 0/1; a string such as "false" is an error, never read as
        true."""
        value = self.get(key, default)
        if isinstance(value, builtins.bool):
            return value
        if isinstance(value, builtins.int) and value in (0, 1):
            return value == 1
        raise SpecError(f"`{key}` must be true or false", where=self.where, value=short(value),
                        hint="check the config against the model card (JSON true/false, no quotes)")

    def flags(self, key: str, length: builtins.int) -> builtins.list[builtins.bool] | None:
        """A per-layer list of 0/1 flags (`no_rope_layers`, `attn_type_list`), None when absent; a list of another
        length, or with other entries, is an error naming the field (it was ignored, or read as all ones)."""
        value = self.get(key)
        if value is None:
            return None
        if not isinstance(value, builtins.list) or not all(type(x) in (builtins.int, builtins.bool) and x in (0, 1)
                                                           for x in value):
            raise SpecError(f"`{key}` must be a list of 0/1 flags, one per layer", where=self.where,
                            value=short(value), hint="check the config against the model card")
        if len(value) != length:
            raise SpecError(f"inconsistent model config: `{key}` lists {len(value):,} layers but the model has "
                            f"{length:,}", where=self.where, hint="check the config against the model card: one "
                                                                  "entry per layer")
        return [x == 1 for x in value]

    def list(self, key: str, length: builtins.int | None = None) -> builtins.list[Any] | None:
        """A list field, None when absent or (with `length`) of another length."""
        value = self.get(key)
        if not isinstance(value, list) or (length is not None and len(value) != length):
            return None
        return value


def short(value: object) -> object:
    """`value` for an error's `(got ...)`, cut to a readable length."""
    text = repr(value)
    return value if len(text) <= 60 else text[:57] + "..."


def dtype_of(name: object) -> ModelDtype | None:
    """The planner dtype of a torch dtype name (`bfloat16`, `torch.float16`), None if not a 16/32-bit float."""
    return DTYPES.get(str(name).lower().removeprefix("torch."))
