"""Edges that read files: model configs (file, folder, model.yaml, hub id), hardware_db, runtime_profiles.

Everything here turns bytes on disk into validated specs or raises a `SpecError` / `DataError`
that names the file, the field and the value.
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from planner.errors import DataError, SpecError
from planner.io import hub, safetensors
from planner.io.files import load_validated, read_structured, refuse_control_characters, user_path, validate
from planner.io.hf import hf_quant_config, parse_hf_config
from planner.specs.hardware import Gpu
from planner.specs.model import CheckpointSpec, ModelSpec
from planner.specs.modelfile import ModelFile
from planner.specs.runtime import Runtime

log = logging.getLogger("planner")

M = TypeVar("M", Gpu, Runtime)

GAP_TOLERANCE = 0.01
"""Relative gap between checkpoint and config parameter counts above which the cause is reported."""


def _load_dir(directory: Path, model: type[M], kind: str) -> dict[str, M]:
    if not directory.is_dir():
        raise DataError(f"{kind} directory not found", where=str(directory),
                        hint=f"set PLANNER_{kind.upper()} or pass a directory that exists")
    items: dict[str, M] = {}
    for path in sorted(directory.glob("*.yaml")):
        item = load_validated(model, path, DataError)
        item_id = item.id
        if item_id != path.stem:
            raise DataError(f"id must match the file name {path.stem!r}", where=f"{path}: id", value=item_id,
                            hint="rename the file or the id")
        items[item_id] = item
    if not items:
        raise DataError(f"no *.yaml files in the {kind} directory", where=str(directory),
                        hint=f"point PLANNER_{kind.upper()} at a directory of *.yaml files, or unset it")
    _refuse_shared_names(items, directory)
    return items


def _refuse_shared_names(items: dict[str, M], directory: Path) -> None:
    """Refuse an alias that names two entries, or names another entry's id, as `resolve` compares them: `--gpu h100`
    silently picked whichever file sorted first."""
    owner: dict[str, str] = {_norm(item_id): item_id for item_id in items}
    for item_id, item in items.items():
        for alias in item.aliases:
            other = owner.setdefault(_norm(alias), item_id)
            if other != item_id:
                raise DataError(f"alias {alias!r} is also an id or alias of {other}.yaml",
                                where=f"{directory / item_id}.yaml: aliases",
                                hint="each id and alias must name one entry (compared case-insensitively, `_` and "
                                     "spaces as `-`); remove or rename one of them")


def load_gpus(directory: Path) -> dict[str, Gpu]:
    """Load every GPU in a hardware_db directory, keyed by id."""
    return _load_dir(directory, Gpu, "hardware_db")


def load_runtimes(directory: Path) -> dict[str, Runtime]:
    """Load every runtime profile in a directory, keyed by id."""
    return _load_dir(directory, Runtime, "runtime_profiles")


def _norm(name: str) -> str:
    return name.lower().replace("_", "-").replace(" ", "-")


def resolve(name: str, catalog: dict[str, M], kind: str, flag: str) -> M:
    """Find `name` among ids and aliases (case-insensitive), or fail with a did-you-mean."""
    wanted = _norm(name)
    index: dict[str, M] = {}
    for item_id, item in catalog.items():
        index[_norm(item_id)] = item
        for alias in getattr(item, "aliases", []):
            index.setdefault(_norm(alias), item)
    if wanted in index:
        return index[wanted]
    close = difflib.get_close_matches(wanted, list(index), n=1, cutoff=0.5)
    if close:
        suggestion = index[close[0]].id
        hint = f"did you mean {suggestion!r}? `planner {kind}s` lists them"
    else:
        hint = f"`planner {kind}s` lists the known ones: {', '.join(sorted(catalog))}"
    raise SpecError(f"unknown {kind}", where=flag, value=name, hint=hint)


# ---------------------------------------------------------------- models


def _config_from_hub(repo_id: str) -> tuple[dict[str, Any], Path]:
    """A repo's config.json from the Hugging Face cache, else downloaded; fails within seconds (one line) when
    the hub cannot be reached or HF_HUB_OFFLINE is set (see `planner.io.hub`)."""
    try:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError
    except ImportError:  # pragma: no cover - huggingface-hub is a core dependency
        raise SpecError("huggingface-hub is not installed", where=repo_id,
                        hint="pip install huggingface-hub, or pass a local config.json") from None
    path = hub.cached(repo_id, "config.json")
    if path is not None:
        return read_structured(path, finite=False), path.parent
    hub.require_hub("model", repo_id, local_hint="pass a local config.json or model folder")
    offline = False
    try:
        path = Path(hf_hub_download(repo_id, "config.json", local_files_only=offline))
        try:  # ModelOpt exports declare their precision beside the config
            hf_hub_download(repo_id, "hf_quant_config.json", local_files_only=offline)
        except (HfHubHTTPError, LocalEntryNotFoundError, OSError, ValueError):
            pass
    except LocalEntryNotFoundError:
        raise SpecError("could not download config.json from the Hugging Face hub", where=repo_id,
                        hint="check the connection, or pass a local config.json or model folder") from None
    except RuntimeError as exc:  # a symlink loop in the cache path (pathlib)
        raise hub.cache_error(exc) from None
    except (HfHubHTTPError, OSError, ValueError) as exc:
        raise SpecError(f"could not fetch config.json from the Hugging Face hub: {type(exc).__name__}",
                        where=repo_id, hint="check the repo id and your access token (HF_TOKEN), "
                        "or pass a local config.json") from None
    return read_structured(path, finite=False), path.parent  # HF configs hold Infinity (time_step_limit)


def hub_reachable() -> bool:
    """Whether the hub can be reached (see `planner.io.hub.unreachable`)."""
    return hub.unreachable() is None




_PACKED: dict[str, dict[str, int]] = {"nvfp4": {"U8": 2}, "mxfp4": {"U8": 2}, "int4-awq": {"I32": 8},
                                      "int4-gptq": {"I32": 8}}
"""Parameters one stored element packs, by weight format and safetensors dtype."""


def checkpoint_spec(spec: ModelSpec, tensors: list[safetensors.TensorInfo], source: str) -> CheckpointSpec:
    """Cross-check the config arithmetic against the checkpoint's tensors: params per dtype and the gap."""
    from planner.core.arch import count_params

    fmt = spec.quantization.format if spec.quantization else None
    inv = safetensors.inventory(tensors, num_layers=spec.num_layers, packed_per_element=_PACKED.get(fmt or "", {}))
    counts = count_params(spec)
    config_params = counts.total
    gap = (inv.params_logical - config_params) / config_params if config_params else 0.0
    cause = None
    if abs(gap) > GAP_TOLERANCE:
        text_ckpt, text_cfg = inv.params_logical - inv.params_vision, config_params - counts.vision
        text_gap = (text_ckpt - text_cfg) / text_cfg if text_cfg else 0.0
        extra = inv.params_logical - config_params
        if inv.params_vision and abs(text_gap) <= GAP_TOLERANCE:
            cause = (f"the vision / audio tower: the checkpoint holds {inv.params_vision:,} tower parameters, "
                     f"the config arithmetic {counts.vision:,}")
        elif fmt in _PACKED or (spec.quantization and spec.quantization.format != "fp8"):
            cause = f"packed {fmt} tensors whose packing the header does not state ({extra:+,} parameters)"
        else:
            cause = (f"an unmodelled block: {extra:+,} parameters in the checkpoint that the {spec.family} "
                     "adapter does not count")
    return CheckpointSpec(
        source=source, params_by_dtype=dict(sorted(inv.params_by_dtype.items())), num_tensors=inv.num_tensors,
        total_bytes=inv.total_bytes, params_logical=inv.params_logical, params_mtp=inv.params_mtp,
        params_vision=inv.params_vision, config_params=config_params, gap=gap, gap_cause=cause,
    )


def _with_checkpoint(spec: ModelSpec, tensors: list[safetensors.TensorInfo] | None, source: str) -> ModelSpec:
    if not tensors:
        return spec
    ckpt = checkpoint_spec(spec, tensors, source)
    warnings = spec.warnings
    if ckpt.gap_cause:
        note = (f"the checkpoint has {ckpt.params_logical:,} parameters, {100 * ckpt.gap:+.1f}% from the "
                f"{ckpt.config_params:,} the config implies; likely cause: {ckpt.gap_cause}")
        warnings = (*warnings, note)
    return spec.model_copy(update={"checkpoint": ckpt, "warnings": warnings})


def _with_quant_file(spec: ModelSpec, folder: Path) -> ModelSpec:
    """Apply a ModelOpt `hf_quant_config.json` beside the config (it sets the served precision)."""
    path = folder / "hf_quant_config.json"
    if not path.is_file():
        return spec
    return spec.model_copy(update={"quantization": hf_quant_config(read_structured(path), str(path))})


def _load_config_file(path: Path, name: str | None = None) -> ModelSpec:
    data = read_structured(path, finite=False)  # HF configs hold Infinity (Mamba time_step_limit)
    return parse_hf_config(data, name or path.parent.name or path.stem, where=str(path))


def load_model_file(path: Path) -> ModelFile:
    """Read and validate a model.yaml."""
    data = read_structured(path)
    if not isinstance(data, dict):
        raise SpecError("model.yaml must be a mapping of keys to values", where=str(path),
                        value=type(data).__name__, hint="see the README section 'model.yaml'")
    refuse_control_characters({k: data.get(k) for k in ("name", "repo_id", "model", "tokenizer")}, str(path))
    mf = validate(ModelFile, data, str(path), hint="see the README section 'model.yaml' (and examples/) for each "
                                                   "key and the values it takes")
    _check_syntaxes(mf, str(path))
    return mf


def _check_syntaxes(mf: ModelFile, where: str) -> None:
    """Refuse SLO, length and rate values the file holds that no command could use, in every command that reads
    the file (`memory`, `estimate` and `check` use only its model, and accepted `ttft_p95: vllm` silently)."""
    from planner.io import parse
    from planner.specs.limits import MAX_RPS

    parse.slo(mf.slo, where=f"{where}: slo")
    wf = mf.workload
    if wf is None:
        return
    if wf.rps is not None and not wf.rps <= MAX_RPS:
        raise SpecError(f"a request rate must lie in (0, {MAX_RPS:,.0f}] requests/s", value=wf.rps,
                        where=f"{where}: workload.rps", hint="requests per second, e.g. 20")
    for name in ("input_tokens", "output_tokens"):
        value = getattr(wf, name)
        if value is not None:
            parse.lengths(value, f"{where}: workload.{name}")


_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$", re.ASCII)
"""What the hub accepts as a repo id: `org/name`, each part at most 96 characters of letters, digits and `._-`."""


def model_path(ref: str, where: str = "MODEL") -> Path:
    """`ref` as a path the OS can probe without raising (see `planner.io.files.user_path`)."""
    return user_path(ref, where, "pass a config.json, a model folder, a model.yaml or a Hugging Face repo id "
                                 "(org/name)")


def load_model(ref: str, hub: Callable[[str], tuple[dict[str, Any], Path]] = _config_from_hub, *,
               where: str = "MODEL", _chain: tuple[Path, ...] = ()) -> ModelSpec:
    """Load a model from a config.json, a model folder, a model.yaml, or a Hugging Face repo id.

    Raises:
        SpecError: The file is missing or malformed, or a required field is absent.
    """
    path = model_path(ref, where)
    if path.is_dir():
        config = path / "config.json"
        if not config.is_file():
            raise SpecError("model folder has no config.json", where=str(path),
                            hint="point at the checkpoint folder that holds config.json")
        spec = _with_quant_file(_load_config_file(config, path.name), path)
        return _with_checkpoint(spec, safetensors.local_tensors(path), f"{path} safetensors headers")
    if path.suffix in (".yaml", ".yml"):
        return model_from_file(load_model_file(path), path, _chain=_chain)
    if path.is_file() or path.suffix == ".json":
        return _with_quant_file(_load_config_file(path), path.parent)
    if _REPO_ID.match(ref):
        data, folder = hub(ref)
        spec = _with_quant_file(parse_hf_config(data, ref, where=f"{ref}/config.json"), folder)
        tensors = safetensors.local_tensors(folder) if folder.is_dir() else None
        if tensors is None and hub is _config_from_hub and hub_reachable():
            tensors = safetensors.hub_tensors(ref)
            return _with_checkpoint(spec, tensors, f"{ref} safetensors metadata (hub)")
        return _with_checkpoint(spec, tensors, f"{folder} safetensors headers")
    raise SpecError("model not found", where=where, value=ref,
                    hint="pass a config.json, a model folder, a model.yaml or a Hugging Face repo id (org/name)")


MAX_MODEL_FILE_CHAIN = 8
"""Most model.yaml files one may name through `model:` in a row (a longer chain is a cycle or a mistake)."""


def model_from_file(mf: ModelFile, path: Path, *, _chain: tuple[Path, ...] = ()) -> ModelSpec:
    """Resolve the model a model.yaml names (relative paths against the yaml's folder).

    Raises:
        SpecError: The model cannot be loaded, or model.yaml files name each other in a cycle.
    """
    if mf.config is not None:
        spec = parse_hf_config(mf.config, mf.name or path.stem, where=f"{path}: config")
    else:
        assert mf.model is not None
        target = mf.model
        local = path.parent / model_path(target, f"{path}: model")
        me = path.resolve()
        if me in _chain or len(_chain) >= MAX_MODEL_FILE_CHAIN:
            raise SpecError("model.yaml files name each other in a cycle" if me in _chain else
                            f"more than {MAX_MODEL_FILE_CHAIN} model.yaml files name each other in a row",
                            where=f"{path}: model", value=target,
                            hint="point `model:` at a config.json, a model folder or a Hugging Face repo id")
        # a relative path that is not there is reported against the yaml's folder, not the working directory;
        # only an `org/name` that names no local path is a hub id
        use_local = local.exists() or not _REPO_ID.match(target) or target.endswith((".json", ".yaml", ".yml"))
        spec = load_model(str(local) if use_local else target, where=f"{path}: model", _chain=(*_chain, me))
    if mf.name:
        spec = spec.model_copy(update={"name": mf.name})
    return spec
