"""Hugging Face hub access that fails fast: the cache first, then one quick reachability probe before any download.

Without it a hub id on a machine without network makes `huggingface_hub` retry each request five times with
back-off (~25 s, one log line per retry) and then end in `LocalEntryNotFoundError`, whose message blames
`HF_HUB_OFFLINE` even when it is not set.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlsplit

from planner.errors import SpecError

PROBE_TIMEOUT_S = 3.0
"""How long the reachability probe waits for a TCP connection to the hub (or the HTTPS proxy)."""


def offline() -> bool:
    """Whether `HF_HUB_OFFLINE` asks for the cache only (as `huggingface_hub` read it at import, or set since)."""
    from huggingface_hub import constants

    return bool(constants.HF_HUB_OFFLINE) or os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in (
        "1", "true", "yes", "on")


def endpoint() -> str:
    """The hub URL (`HF_ENDPOINT`, default https://huggingface.co)."""
    return os.environ.get("HF_ENDPOINT", "").strip() or "https://huggingface.co"


def cached(repo_id: str, filename: str) -> Path | None:
    """The file from the local Hugging Face cache, without any network request (None: not cached)."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

    try:
        return Path(hf_hub_download(repo_id, filename, local_files_only=True))
    except (LocalEntryNotFoundError, EntryNotFoundError, OSError, ValueError):
        return None
    except RuntimeError as exc:  # pathlib's "Symlink loop from ..." resolving HF_HOME / HF_HUB_CACHE
        raise cache_error(exc) from None


def cache_error(exc: RuntimeError) -> SpecError:
    """The one-line error for a Hugging Face cache directory the OS cannot resolve (a symlink loop)."""
    from huggingface_hub import constants

    return SpecError(f"cannot use the Hugging Face cache: {' '.join(str(exc).split())[:160]}",
                     where=str(constants.HF_HUB_CACHE), hint="point HF_HOME (or HF_HUB_CACHE) at a real directory")


def unreachable() -> str | None:
    """Why the hub cannot be reached (one TCP connection to it, or to the HTTPS proxy), or None when it can."""
    url = urlsplit(endpoint())
    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    target = urlsplit(proxy if "://" in (proxy or "") else f"http://{proxy}") if proxy else url
    host = target.hostname or ""
    port = target.port or (443 if target.scheme == "https" else 80)
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
            return None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        if isinstance(exc, (TimeoutError, socket.timeout)):
            reason = f"no answer within {PROBE_TIMEOUT_S:g} s"
        return f"{'proxy ' if proxy else ''}{host}:{port}: {reason}"


def require_hub(what: str, where: str, value: str | None = None, *, local_hint: str) -> None:
    """Raise one clear `SpecError` unless a download of `what` can be attempted now.

    Args:
        what: What is missing from the cache, e.g. "model".
        where: Error location (the model reference or the option).
        value: The offending value, when `where` is an option.
        local_hint: How to do without the hub (e.g. "pass a local config.json or model folder").
    """
    if offline():
        raise SpecError(f"{what} is not a local path and not in the Hugging Face cache, and HF_HUB_OFFLINE is set",
                        where=where, value=value, hint=f"{local_hint}, or unset HF_HUB_OFFLINE to download it")
    reason = unreachable()
    if reason is not None:
        raise SpecError(f"{what} is not a local path and not in the Hugging Face cache, and the hub cannot be "
                        f"reached ({reason})", where=where, value=value,
                        hint=f"{local_hint}, or connect to {endpoint()} (HF_ENDPOINT, HTTPS_PROXY) to download it")
