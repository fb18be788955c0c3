"""Check a launch command against the runtime's own rules, and say what a runtime cannot serve.

The rules are data (`Runtime.launch`, read from the runtime's sources at the profiled version): the flags its
parser accepts with their types and ranges, the relations between flags it checks at start-up, the options
file keys its config models accept, the features some builds lack, and the deployments it cannot serve.
Pure: no I/O.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from planner.specs.launch import Comparison, FlagRule, LaunchRules

_RELATIONS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
    "multiple_of": lambda a, b: b != 0 and a % b == 0,
}

FlagValue = str | bool
"""A parsed flag: its text, or True for a switch."""


@dataclass(frozen=True)
class Target:
    """Where a command runs: the GPU's vendor and architecture, and whether the model is an encoder."""

    vendor: str
    architecture: str
    encoder: bool = False


@dataclass(frozen=True)
class Parsed:
    """A command split the way the runtime's parser splits it."""

    model: str | None
    """The model reference (positional or `model_flag`)."""
    flags: dict[str, FlagValue]
    """Each flag under its canonical name (aliases resolved)."""
    problems: list[str]
    """What the runtime's parser would refuse."""


def parse(program: str, args: Sequence[str], rules: LaunchRules) -> Parsed:
    """Split `program args` with the runtime's rules: leading arguments, the model, then known flags and values."""
    problems: list[str] = []
    if program != rules.program:
        problems.append(f"program is {program!r}, the runtime starts with {rules.program!r}")
    rest = list(args)
    lead = rules.leading_args
    if rest[:len(lead)] != lead:
        problems.append(f"the command must start with {' '.join(lead)!r}")
    rest = rest[len(lead):] if rest[:len(lead)] == lead else rest
    model: str | None = None
    if rules.model_flag is None:
        if rest and not rest[0].startswith("-"):
            model = rest.pop(0)
        else:
            problems.append("the model must be the first argument")
    flags: dict[str, FlagValue] = {}
    i = 0
    while i < len(rest):
        token = rest[i]
        rule = rules.flag(token) if token.startswith("-") else None
        if rule is None:
            problems.append(f"unrecognized argument {token!r}" if token.startswith("-")
                            else f"unexpected positional argument {token!r}")
            i += 1
            continue
        if rule.name in flags:
            problems.append(f"{rule.name} given twice")
        if rule.kind == "bool":
            flags[rule.name] = True
            i += 1
            continue
        if i + 1 >= len(rest) or (rest[i + 1].startswith("--") and rule.kind != "str"):
            problems.append(f"{rule.name} expects a value")
            i += 1
            continue
        value = rest[i + 1]
        problems += _value_problems(rule, value)
        flags[rule.name] = value
        i += 2
    if rules.model_flag is not None:
        found = flags.get(rules.model_flag)
        model = found if isinstance(found, str) else None
        if model is None:
            problems.append(f"{rules.model_flag} is required")
    return Parsed(model=model, flags=flags, problems=problems)


def _number(rule: FlagRule, text: str) -> float | None:
    try:
        return float(int(text)) if rule.kind == "int" else float(text)
    except ValueError:
        return None


def _value_problems(rule: FlagRule, text: str) -> list[str]:
    if rule.kind == "choice":
        return [] if text in rule.choices else [f"{rule.name}: invalid choice {text!r} (choose from "
                                                f"{', '.join(rule.choices)})"]
    if rule.kind not in ("int", "float"):
        return []
    value = _number(rule, text)
    if value is None:
        return [f"{rule.name}: invalid {rule.kind} value {text!r}"]
    if rule.min is not None and (value < rule.min or (rule.min_exclusive and value == rule.min)):
        return [f"{rule.name} must be {'>' if rule.min_exclusive else '>='} {rule.min:g} (got {text})"]
    if rule.max is not None and value > rule.max:
        return [f"{rule.name} must be <= {rule.max:g} (got {text})"]
    return []


def _compare(c: Comparison, flags: Mapping[str, FlagValue], rules: LaunchRules) -> str | None:
    left = flags.get(c.left)
    right: FlagValue | int | None = c.right if isinstance(c.right, int) else flags.get(c.right)
    if left is None or right is None or isinstance(left, bool) or isinstance(right, bool):
        return None  # a flag the command leaves at the runtime's default: nothing to compare
    try:
        a, b = float(left), float(right)
    except ValueError:
        return None  # already reported as a bad value
    if _RELATIONS[c.relation](a, b):
        return None
    shown = c.right if isinstance(c.right, int) else f"{c.right} {right}"
    return f"{c.message} ({c.left} {left} is not {c.relation} {shown})"


def check_command(program: str, args: Sequence[str], rules: LaunchRules, target: Target) -> list[str]:
    """Everything the runtime would refuse in this command on this target (empty: it starts)."""
    parsed = parse(program, args, rules)
    problems = list(parsed.problems)
    present = set(parsed.flags)
    for c in rules.comparisons:
        if c.when.matches(target.vendor, target.architecture, target.encoder, present):
            problem = _compare(c, parsed.flags, rules)
            if problem:
                problems.append(problem)
    return problems


def check_options(options: Mapping[str, Any], rules: LaunchRules) -> list[str]:
    """Keys of an options file (TensorRT-LLM `--extra_llm_api_options`) that the runtime's models would reject."""
    spec = rules.options_file
    if spec is None:
        return ["this runtime takes no options file"]
    problems = []
    for key, value in options.items():
        if key not in spec.keys:
            problems.append(f"options file: unknown key {key!r}")
            continue
        allowed = spec.keys[key]
        if isinstance(value, dict):
            problems += [f"options file: unknown key {key}.{sub}" for sub in value if sub not in allowed]
        elif allowed:
            problems.append(f"options file: {key} must be a mapping of {', '.join(allowed)}")
    return problems


@dataclass(frozen=True)
class Refusal:
    """Why an export is refused, and what to do instead."""

    reason: str
    hint: str


def refusals(rules: LaunchRules, runtime_name: str, target: Target, *, quant: str, checkpoint_quant: str | None,
             max_num_batched_tokens: int, max_input_tokens: int, prefix_cache_share: float) -> list[Refusal]:
    """What this runtime cannot serve of a plan: the runtime's own refusals, a quantization it cannot produce,
    and features the plan relies on that this build lacks."""
    out = [Refusal(r.reason, r.hint) for r in rules.refusals
           if r.when.matches(target.vendor, target.architecture, target.encoder)]
    sixteen_bit = quant in ("bf16", "fp16")
    if not sixteen_bit and checkpoint_quant != quant and quant not in rules.online_quantization:
        have = f"a {checkpoint_quant} checkpoint" if checkpoint_quant else "a 16-bit checkpoint"
        out.append(Refusal(
            f"{runtime_name} cannot quantize {have} to {quant} while loading, and the plan's memory and latency "
            f"assume {quant} weights",
            f"quantize the checkpoint to {quant} first (TensorRT Model Optimizer examples/llm_ptq/hf_ptq.py "
            f"--export_fmt hf, llm-compressor or AutoAWQ), then re-plan with that checkpoint; or re-plan with "
            f"--quant bf16"))
    for limit in rules.feature_limits:
        if not limit.when.matches(target.vendor, target.architecture, target.encoder):
            continue
        if not limit.chunked_prefill and max_num_batched_tokens < max_input_tokens:
            out.append(Refusal(
                f"the plan relies on chunked prefill ({max_num_batched_tokens} tokens per step for prompts up to "
                f"{max_input_tokens} tokens), but {limit.reason}",
                "re-plan with another runtime (--runtimes vllm,sglang) or on another GPU"))
        if not limit.prefix_caching and prefix_cache_share > 0:
            out.append(Refusal(
                f"the plan assumes {100 * prefix_cache_share:.0f}% of prompt tokens come from the prefix cache, but "
                f"{limit.reason}",
                "re-plan with --prefix-cache-share 0, or with another runtime"))
    return out


def features_on(rules: LaunchRules, target: Target) -> tuple[bool, bool]:
    """(chunked prefill, prefix caching) available to this build on this target."""
    chunked = prefix = True
    for limit in rules.feature_limits:
        if limit.when.matches(target.vendor, target.architecture, target.encoder):
            chunked, prefix = chunked and limit.chunked_prefill, prefix and limit.prefix_caching
    return chunked, prefix
