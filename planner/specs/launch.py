"""How a runtime is launched and what its own parsers accept: the `launch:` block of a runtime profile.

Every rule carries the `source` it was read from: the runtime's own code (argument parser, config
validators, launcher) at the version the profile describes. `planner.deploy.rules` applies them to
every exported command, and `planner.deploy.export` refuses (exit 2) what a runtime cannot serve.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from planner.specs._base import Frozen, Source
from planner.specs.hardware import Architecture, CpuArch, Vendor

FlagKind = Literal["int", "float", "str", "bool", "choice"]
"""How a flag's value parses: a number, free text, a switch without value, or one of `choices`."""

Relation = Literal[">=", ">", "<=", "<", "multiple_of"]
"""How the left flag's value must relate to the right-hand side."""


class When(Frozen):
    """Where a rule applies: every field given must match (a list matches any of its items)."""

    vendors: list[Vendor] = Field(default_factory=list)
    """GPU vendors (empty: any)."""
    architectures: list[Architecture] = Field(default_factory=list)
    """GPU architectures (empty: any)."""
    encoder: bool | None = None
    """True: only for encoder-only (embedding) models; False: only for generative ones; None: both."""
    flags_present: list[str] = Field(default_factory=list)
    """Flags that must all be in the command."""

    def matches(self, vendor: str, architecture: str, encoder: bool, flags: set[str] | None = None) -> bool:
        """Whether a deployment on this GPU (and, when given, a command with these flags) falls under it."""
        return ((not self.vendors or vendor in self.vendors)
                and (not self.architectures or architecture in self.architectures)
                and (self.encoder is None or self.encoder == encoder)
                and (flags is None or all(f in flags for f in self.flags_present)))


class FlagRule(Frozen):
    """One command-line flag the runtime's parser accepts, with the values it accepts."""

    name: str = Field(pattern=r"^-{1,2}[A-Za-z0-9][A-Za-z0-9_\-]*$")
    """Flag as exported, e.g. `--max-num-seqs`."""
    aliases: list[str] = Field(default_factory=list)
    """Other spellings the parser accepts for the same option."""
    kind: FlagKind
    """Value type (`bool`: a switch that takes no value)."""
    choices: list[str] = Field(default_factory=list)
    """`choice`: the accepted values."""
    min: float | None = None
    """Smallest accepted value (numbers), inclusive unless `min_exclusive`."""
    min_exclusive: bool = False
    """`min` itself is refused (e.g. a memory fraction > 0)."""
    max: float | None = None
    """Largest accepted value (numbers), inclusive."""
    source: Source
    """Where the runtime defines it (file, class or function at the profiled version)."""

    @model_validator(mode="after")
    def _choices_for_choice(self) -> FlagRule:
        if (self.kind == "choice") != bool(self.choices):
            raise ValueError(f"{self.name}: `choices` is required for kind choice and only for it")
        return self


class Comparison(Frozen):
    """A relation between flag values that the runtime checks at start-up (and refuses to start without)."""

    left: str
    """Flag whose value is checked."""
    relation: Relation
    """How it must relate to `right`."""
    right: str | int
    """Another flag, or a literal number."""
    when: When = Field(default_factory=When)
    """Where the check applies (e.g. only without chunked prefill)."""
    message: str = Field(min_length=3)
    """What the runtime says when it refuses."""
    source: Source
    """Where the runtime checks it."""


class Image(Frozen):
    """A published container image of the runtime at the profiled version."""

    vendor: Vendor
    """GPU vendor it is built for."""
    cpu_archs: list[CpuArch] = Field(min_length=1)
    """Host CPU architectures the image (manifest) is published for."""
    ref: str = Field(pattern=r"^[a-z0-9][a-z0-9._\-/]*:[A-Za-z0-9._\-]+$")
    """Registry reference with an explicit version tag (never `latest`)."""
    source: Source
    """Where the tag and its platforms were read."""

    @model_validator(mode="after")
    def _pinned(self) -> Image:
        tag = self.ref.rsplit(":", 1)[1]
        if "latest" in tag:
            raise ValueError(f"image {self.ref} is not pinned: use the tag of the profiled version")
        return self


class Metrics(Frozen):
    """The Prometheus metrics the runtime exports at the profiled version, for autoscaling."""

    path: str = Field(pattern=r"^/")
    """Scrape path on the serving port."""
    waiting: str | None = None
    """Gauge of requests queued for admission (None: not exported at this version)."""
    running: str | None = None
    """Gauge of requests in the running batch (None: not exported at this version)."""
    finished_requests: str | None = None
    """Counter of finished requests (fallback signal: its rate is the served request rate)."""
    ttft_histogram: str | None = None
    """Histogram of time to first token, seconds (fallback signal: its p95 against the TTFT SLO)."""
    needs_flags: list[str] = Field(default_factory=list)
    """Flags that turn the metrics on (e.g. SGLang `--enable-metrics`)."""
    source: Source
    """Where the metric names were read (the runtime's metrics module at the profiled version)."""


class FeatureLimit(Frozen):
    """Serving features a build of the runtime lacks on some GPUs (e.g. the ROCm image of TGI)."""

    when: When
    """Where the limit applies."""
    chunked_prefill: bool = True
    """Long prompts can be split across iterations."""
    prefix_caching: bool = True
    """KV blocks of shared prompt prefixes are reused across requests."""
    reason: str = Field(min_length=3)
    """Why (what the build does), for the refusal message."""
    source: Source
    """Where it was read."""


class Refusal(Frozen):
    """A kind of deployment the runtime cannot serve at all (exported commands would not work)."""

    when: When
    """Which deployments."""
    reason: str = Field(min_length=3)
    """Why, in one sentence."""
    hint: str = Field(min_length=3)
    """What to do instead."""
    source: Source
    """Where it was read."""


class OptionsFile(Frozen):
    """A YAML of extra engine options passed by a flag (TensorRT-LLM `--extra_llm_api_options`)."""

    flag: str
    """The flag that names the file."""
    keys: dict[str, list[str]]
    """Accepted top-level keys, each with its accepted nested keys (empty: a scalar)."""
    source: Source
    """Where the option models were read (their pydantic models reject unknown keys)."""


class LaunchRules(Frozen):
    """How to start the runtime, what its parsers accept and what it cannot serve, at the profiled version."""

    program: str = Field(min_length=1)
    """Executable of the serving command (`vllm`, `python3`, `trtllm-serve`, `text-generation-launcher`)."""
    leading_args: list[str] = Field(default_factory=list)
    """Arguments before the flags (`serve`, or `-m sglang.launch_server`)."""
    model_flag: str | None = None
    """Flag naming the model (None: the model is the first positional argument after `leading_args`)."""
    flags: list[FlagRule] = Field(min_length=1)
    """Every flag the exports may use."""
    comparisons: list[Comparison] = Field(default_factory=list)
    """Relations between flags the runtime enforces at start-up."""
    images: list[Image] = Field(default_factory=list)
    """Published images at the profiled version."""
    metrics: Metrics | None = None
    """Prometheus metrics (None: the runtime exports none; no autoscaler)."""
    online_quantization: dict[str, str] = Field(default_factory=dict)
    """Weight precisions the runtime quantizes a 16-bit checkpoint to while loading, each with its flag value."""
    checkpoint_quantization: dict[str, str] = Field(default_factory=dict)
    """Flag value to pass for a checkpoint already quantized to a precision ("" when it is read from the
    checkpoint's own config)."""
    quantization_flag: str | None = None
    """Flag that takes the quantization values above."""
    feature_limits: list[FeatureLimit] = Field(default_factory=list)
    """Features missing from some builds."""
    refusals: list[Refusal] = Field(default_factory=list)
    """Deployments the runtime cannot serve."""
    options_file: OptionsFile | None = None
    """Extra engine options file, when the runtime takes one."""
    source: Source
    """Where the entry point and its argument parser live at the profiled version."""

    def flag(self, name: str) -> FlagRule | None:
        """The rule of a flag by its name or an alias."""
        for rule in self.flags:
            if name == rule.name or name in rule.aliases:
                return rule
        return None

    def images_for(self, vendor: str) -> list[Image]:
        """The published images of a GPU vendor."""
        return [image for image in self.images if image.vendor == vendor]

    def image_for(self, vendor: str, cpu_arch: str) -> Image | None:
        """The image for this vendor's GPUs on a host of this CPU architecture, if one is published."""
        return next((i for i in self.images_for(vendor) if cpu_arch in i.cpu_archs), None)
