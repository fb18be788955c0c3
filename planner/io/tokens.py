"""Measure a prompt sample's token lengths with the model's own tokenizer (`planner tokens`).

An edge module: it reads sample files and tokenizer files (through `planner.io._tokenizers`, which
imports the tokenizer libraries lazily) and returns a frozen `SampleStats`.

Counting rules:

* Plain prompts and outputs are encoded as ordinary text: no BOS/EOS is added, and text that
  looks like a special token (`<|eot_id|>`, `[INST]`) counts as the characters it is, never as
  the special token, so a sample cannot inject control tokens.
* Chat prompts (`messages`) are rendered with the tokenizer's chat template, ending with the
  assistant generation prompt, and counted as the model receives them: a special token written
  by the template counts as one token, message contents stay ordinary text. Mistral files use
  mistral_common's own instruct encoding. With no template, a documented approximation is used
  and `chat_template_note` says so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from planner.errors import SpecError
from planner.io._chat_formats import ChatRejected, Message
from planner.io._tokenizers import Tokenizer, load_tokenizer
from planner.io.files import note_input, open_input, refuse_surrogates
from planner.specs._base import Frozen
from planner.specs.workload import LengthDistribution

MAX_DISTRIBUTION_SAMPLES = 20_000
"""Cap on `LengthDistribution.samples`; larger samples keep an evenly spaced subsample of the sorted counts."""

PROGRESS_MIN_PROMPTS = 2_000
"""Show a progress bar (stderr) only for samples with more texts than this."""

_BATCH = 8_192  # texts per encode call: large enough for the libraries' threads, small enough for progress


# ---------------------------------------------------------------- samples


@dataclass(frozen=True)
class Sample:
    """Prompts (text or chat) and optional outputs read from a sample file."""

    path: Path
    """The sample file."""
    prompts: list[str | list[Message]]
    """Each prompt: plain text, or chat messages to render with the chat template."""
    outputs: list[str | None]
    """Each record's output text, None where the record has none."""
    locations: list[str]
    """Where each record starts in the file ("line 12", or "record 3" of a .json list), for errors."""


_OUTPUT_KEYS = ("output", "completion", "response")


def read_sample(path: Path) -> Sample:
    """Read prompts (and outputs, where given) from a .txt, .jsonl or .json sample.

    Rules:
        * `.txt`: one prompt per line. If the file has a blank line between two non-blank lines,
          prompts are instead the blank-line separated paragraphs (their inner newlines kept).
          Whitespace-only lines never make a prompt. Text files carry no outputs.
        * `.jsonl` (or `.ndjson`): one JSON object per non-blank line. `.json`: a list of objects,
          or an object whose `data` key holds that list.
        * Each object needs `prompt` or `text` (a string) or `messages` (a list of
          `{role, content}`; content may be OpenAI-style parts, whose text parts are joined).
          The output is the first of `output`, `completion`, `response`; with none of them, a chat
          whose final message is from the assistant uses that message as the output and the
          messages before it as the prompt.

    Raises:
        SpecError: The file is missing, empty, binary or malformed, or a record has no prompt.
    """
    where = str(path)
    try:
        with open_input(path, what="sample file", hint="pass a .txt, .jsonl or .json file") as handle:
            data = handle.read()
    except FileNotFoundError:
        raise SpecError("sample file not found", where=where, hint="check the path") from None
    except IsADirectoryError:
        raise SpecError("expected a sample file, got a directory", where=where,
                        hint="name a .txt, .jsonl or .json file inside it") from None
    except OSError as exc:
        raise SpecError(f"cannot read sample file: {exc.strerror}", where=where,
                        hint="check the path and its permissions") from None
    if b"\x00" in data:
        raise SpecError("sample is a binary file (it contains NUL bytes)", where=where,
                        hint="pass a .txt, .jsonl or .json text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecError(f"sample is not UTF-8 text (bad byte at offset {exc.start})", where=where,
                        hint="re-encode it as UTF-8") from None
    if not text.strip():
        raise SpecError("sample file is empty", where=where, hint="add one prompt per line or one JSON record per line")
    suffix = path.suffix.lower()
    if suffix == ".txt":
        return _txt_sample(path, text)
    if suffix in (".jsonl", ".ndjson"):
        return _records_sample(path, _jsonl_records(where, text))
    if suffix == ".json":
        return _records_sample(path, _json_records(where, text))
    raise SpecError("unknown sample format", where=where, value=path.suffix or "(no extension)",
                    hint="use .txt (one prompt per line), .jsonl or .json records")


def _lines(text: str) -> list[str]:
    """Split on "\n" only (not str.splitlines, which also splits on U+2028, form feeds and others)."""
    return [line.removesuffix("\r") for line in text.split("\n")]


def _txt_sample(path: Path, text: str) -> Sample:
    lines = _lines(text)
    filled = [i for i, line in enumerate(lines) if line.strip()]
    paragraphs = any(b - a > 1 for a, b in pairwise(filled))  # a blank line between two non-blank ones
    prompts: list[str | list[Message]] = []
    locations: list[str] = []
    if paragraphs:
        current: list[str] = []
        for number, line in enumerate([*lines, ""], start=1):
            if line.strip():
                current.append(line)
            elif current:
                prompts.append("\n".join(current))
                locations.append(f"line {number - len(current)}")
                current = []
    else:
        prompts = [lines[i] for i in filled]
        locations = [f"line {i + 1}" for i in filled]
    return Sample(path, prompts, [None] * len(prompts), locations)


def _jsonl_records(where: str, text: str) -> Iterator[tuple[str, Any]]:
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except json.JSONDecodeError as exc:
            raise SpecError(f"malformed JSON on line {number}: {exc.msg} (column {exc.colno})", where=where,
                            hint="each line must be one complete JSON object") from None
        except (RecursionError, ValueError):  # nested past the parser's depth, or a 4,300+ digit number
            raise SpecError(f"line {number} is nested too deeply or holds a number too long to read", where=where,
                            hint="each line must be one record like {\"prompt\": \"...\"}") from None


def _json_records(where: str, text: str) -> Iterator[tuple[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", where=where,
                        hint="validate it with `python -m json.tool`") from None
    except (RecursionError, ValueError):  # nested past the parser's depth, or a 4,300+ digit number
        raise SpecError("sample is nested too deeply or holds a number too long to read", where=where,
                        hint="write a list of records like {\"prompt\": \"...\"}") from None
    if isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list):
        raise SpecError("a .json sample must be a list of records or {\"data\": [...]}", where=where,
                        value=type(data).__name__, hint="or write one record per line as .jsonl")
    for index, record in enumerate(data):
        yield f"record {index}", record


def _records_sample(path: Path, records: Iterator[tuple[str, Any]]) -> Sample:
    prompts: list[str | list[Message]] = []
    outputs: list[str | None] = []
    locations: list[str] = []
    for location, record in records:
        prompt, output = _parse_record(str(path), location, record)
        texts = [prompt] if isinstance(prompt, str) else [t for m in prompt for t in (m["role"], m["content"])]
        for text in (*texts, output or ""):
            refuse_surrogates(text, f"{path}: {location}")
        prompts.append(prompt)
        outputs.append(output)
        locations.append(location)
    if not prompts:
        raise SpecError("sample has no records", where=str(path), hint="add at least one prompt")
    return Sample(path, prompts, outputs, locations)


def _parse_record(where: str, location: str, record: Any) -> tuple[str | list[Message], str | None]:
    if not isinstance(record, dict):
        raise SpecError(f"{location} is not a JSON object", where=where, value=_short(record),
                        hint='write records like {"prompt": "...", "output": "..."}')
    output: str | None = None
    for key in _OUTPUT_KEYS:
        if key in record and record[key] is not None:
            if not isinstance(record[key], str):
                raise SpecError(f"{location}: {key} must be a string", where=where, value=_short(record[key]),
                                hint='write records like {"prompt": "...", "output": "..."}')
            output = record[key]
            break
    for key in ("prompt", "text"):
        if isinstance(record.get(key), str):
            return record[key], output
    if isinstance(record.get("messages"), list):
        messages = [_message(where, location, i, m) for i, m in enumerate(record["messages"])]
        if output is None and len(messages) > 1 and messages[-1]["role"] == "assistant":
            output = messages.pop()["content"]
        if not messages:
            raise SpecError(f"{location}: messages is empty", where=where, hint="add at least one user message")
        return messages, output
    keys = ", ".join(sorted(map(str, record))) or "none"
    raise SpecError(f"{location} has no prompt, text or messages field (keys: {keys})", where=where,
                    hint="name the prompt field 'prompt', 'text' or 'messages'")


def _message(where: str, location: str, index: int, message: Any) -> Message:
    if not isinstance(message, dict) or not isinstance(message.get("role"), str):
        raise SpecError(f"{location}: messages[{index}] needs a string 'role'", where=where, value=_short(message),
                        hint='messages look like {"role": "user", "content": "..."}')
    content = message.get("content")
    if isinstance(content, list):  # OpenAI content parts: keep the text ones
        content = "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    if content is None:
        content = ""
    if not isinstance(content, str):
        raise SpecError(f"{location}: messages[{index}].content must be a string or a list of parts", where=where,
                        value=_short(content), hint='write each message as {"role": "user", "content": "..."}')
    return {"role": message["role"], "content": content}


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------- stats


class SampleStats(Frozen):
    """Token-length statistics of a prompt sample, measured with one tokenizer."""

    tokenizer: str
    """The tokenizer reference the counts were made with."""
    tokenizer_backend: str
    """Library and file format that did the counting."""
    chat_template_note: str | None
    """How chat prompts were rendered (None when the sample has no chat prompts)."""
    num_prompts: int
    """Prompts in the sample."""
    prompt_tokens_mean: float
    """Mean prompt length, tokens."""
    prompt_tokens_p50: float
    """Median prompt length, tokens (linear interpolation between order statistics)."""
    prompt_tokens_p90: float
    """90th-percentile prompt length, tokens."""
    prompt_tokens_p95: float
    """95th-percentile prompt length, tokens."""
    prompt_tokens_p99: float
    """99th-percentile prompt length, tokens."""
    prompt_tokens_max: int
    """Longest prompt, tokens."""
    num_outputs: int
    """Records that carry an output text (0: the sample has no outputs)."""
    output_tokens_mean: float | None = None
    """Mean output length, tokens (None without outputs)."""
    output_tokens_p50: float | None = None
    """Median output length, tokens."""
    output_tokens_p90: float | None = None
    """90th-percentile output length, tokens."""
    output_tokens_p95: float | None = None
    """95th-percentile output length, tokens."""
    output_tokens_p99: float | None = None
    """99th-percentile output length, tokens."""
    output_tokens_max: int | None = None
    """Longest output, tokens."""
    input_tokens: LengthDistribution
    """Empirical prompt-length distribution for a workload (counts clamped to >= 1 token)."""
    output_tokens: LengthDistribution | None = None
    """Empirical output-length distribution (None when the sample has no outputs)."""


def empirical(counts: list[int]) -> LengthDistribution:
    """An empirical distribution of token counts, at most `MAX_DISTRIBUTION_SAMPLES` values.

    Counts are clamped to >= 1 (a request carries at least one token). Larger samples keep an
    evenly spaced, deterministic subsample of the sorted counts, which preserves the quantiles.
    """
    ordered = np.sort(np.maximum(np.asarray(counts, dtype=np.int64), 1))
    if len(ordered) > MAX_DISTRIBUTION_SAMPLES:
        ordered = ordered[np.linspace(0, len(ordered) - 1, MAX_DISTRIBUTION_SAMPLES).round().astype(np.int64)]
    return LengthDistribution(kind="empirical", samples=tuple(int(v) for v in ordered))


def _summary(prefix: str, counts: list[int]) -> dict[str, float | int]:
    arr = np.asarray(counts, dtype=np.float64)
    p50, p90, p95, p99 = np.percentile(arr, [50, 90, 95, 99])
    return {f"{prefix}_mean": float(arr.mean()), f"{prefix}_p50": float(p50), f"{prefix}_p90": float(p90),
            f"{prefix}_p95": float(p95), f"{prefix}_p99": float(p99), f"{prefix}_max": int(arr.max())}


def sample_stats(prompt_counts: list[int], output_counts: list[int], *, tokenizer: str, tokenizer_backend: str,
                 chat_template_note: str | None) -> SampleStats:
    """Summarize measured token counts (pure: no I/O).

    Percentiles use linear interpolation between order statistics (numpy's default), so the
    p50 of [1, 2, 3, 4] is 2.5.
    """
    if not prompt_counts:
        raise SpecError("no prompts to summarize", hint="the sample must hold at least one prompt")
    return SampleStats(
        tokenizer=tokenizer, tokenizer_backend=tokenizer_backend, chat_template_note=chat_template_note,
        num_prompts=len(prompt_counts), num_outputs=len(output_counts),
        input_tokens=empirical(prompt_counts),
        output_tokens=empirical(output_counts) if output_counts else None,
        **_summary("prompt_tokens", prompt_counts),
        **(_summary("output_tokens", output_counts) if output_counts else {}),
    )


def tokenize_sample(sample_path: Path | str, tokenizer_ref: str, progress: bool = True,
                    as_chat: bool = False) -> SampleStats:
    """Count the tokens of every prompt (and output) in a sample file.

    Args:
        sample_path: A .txt, .jsonl or .json sample (see `read_sample`).
        tokenizer_ref: Anything `load_tokenizer` accepts.
        progress: Show a progress bar on stderr for samples over `PROGRESS_MIN_PROMPTS` prompts.
        as_chat: Treat plain-text prompts as one user message each, so the chat template applies.

    Raises:
        SpecError: Bad sample, unusable tokenizer, or a chat the template refuses.
    """
    cached = _cache_load(Path(sample_path), tokenizer_ref, as_chat)
    if cached is not None:
        return cached
    sample = read_sample(Path(sample_path))
    tok = load_tokenizer(tokenizer_ref)
    prompts = [[{"role": "user", "content": p}] if as_chat and isinstance(p, str) else p for p in sample.prompts]
    text_idx = [i for i, p in enumerate(prompts) if isinstance(p, str)]
    chat_idx = [i for i, p in enumerate(prompts) if not isinstance(p, str)]
    outputs = [o for o in sample.outputs if o is not None]
    counts = [0] * len(prompts)
    with _Progress(progress and len(prompts) + len(outputs) > PROGRESS_MIN_PROMPTS,
                   len(prompts) + len(outputs)) as bar:
        for i, n in zip(text_idx, bar.run(tok.count, [prompts[i] for i in text_idx])):
            counts[i] = n
        try:
            chat_counts = bar.run(tok.count_chats, [prompts[i] for i in chat_idx])
        except ChatRejected as exc:
            raise _chat_error(sample, prompts, chat_idx, tok, exc) from None
        for i, n in zip(chat_idx, chat_counts):
            counts[i] = n
        output_counts = bar.run(tok.count, outputs)
    note = tok.chat_template_note if chat_idx else None
    _cache_store(Path(sample_path), tokenizer_ref, as_chat, counts, output_counts, tok.backend, note)
    return sample_stats(counts, output_counts, tokenizer=tokenizer_ref, tokenizer_backend=tok.backend,
                        chat_template_note=note)


# Bump when counting rules change, so stale cached counts are not reused.
_COUNT_VERSION = 1


def _cache_key(sample_path: Path, tokenizer_ref: str, as_chat: bool) -> str | None:
    """Hash of the sample's bytes, the tokenizer (its files' size and mtime) and the counting rules."""
    import hashlib

    try:
        if not sample_path.is_file():  # a pipe or FIFO reads once: hashing it here would leave the sample empty
            return None
        with open_input(sample_path, what="sample file") as handle:  # noted as an input: -o never replaces it
            digest = hashlib.sha256(handle.read())
    except OSError:
        return None
    ident = tokenizer_ref
    try:
        from planner.io._tokenizers import _package_file

        target = _package_file(tokenizer_ref) if tokenizer_ref.startswith("pkg:") else Path(tokenizer_ref)
        if target.exists():
            files = [f for f in (sorted(target.iterdir()) if target.is_dir() else [target]) if f.is_file()]
            ident += "|" + ";".join(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
            for f in files:  # a cache hit never opens the tokenizer: note its files as inputs all the same
                note_input(f)
    except (SpecError, OSError):
        pass
    digest.update(f"|{ident}|chat={as_chat}|v{_COUNT_VERSION}".encode())
    return digest.hexdigest()


def _cache_file(key: str) -> Path | None:
    from planner.io.settings import cache_dir

    base = cache_dir()
    return None if base is None else base / "token-counts" / f"{key}.json"


def _cache_load(sample_path: Path, tokenizer_ref: str, as_chat: bool) -> SampleStats | None:
    """Token counts of an unchanged sample from an earlier run, if cached.

    An entry is used only when it is the one this key wrote: its `key` and checksum match and its counts are
    plausible. Anything else (truncated, hand-edited, copied from another sample, another layout) is ignored, and
    the recount rewrites it.
    """
    from planner.io.files import MAX_FILE_BYTES, read_bytes

    key = _cache_key(sample_path, tokenizer_ref, as_chat)
    path = _cache_file(key) if key else None
    try:
        if path is None or not path.is_file():  # is_file raises on a name too long (PLANNER_CACHE_DIR of 5,000 x)
            return None
        data = json.loads(read_bytes(path, max_bytes=MAX_FILE_BYTES))
        if not isinstance(data, dict) or data.get("key") != key or data.get("sha256") != _entry_digest(data):
            return None  # damaged, edited by hand, or not this sample's entry: recount
        prompts, outputs = data["prompt_counts"], data["output_counts"]
        if not (_counts_ok(prompts, 1) and prompts and _counts_ok(outputs, 1) and len(outputs) <= len(prompts)
                and isinstance(data["backend"], str) and isinstance(data["note"], (str, type(None)))):
            return None  # well-formed JSON with implausible counts: recount
        return sample_stats(prompts, outputs, tokenizer=tokenizer_ref,
                            tokenizer_backend=data["backend"], chat_template_note=data["note"])
    except (OSError, ValueError, KeyError, TypeError, RecursionError, SpecError):
        return None  # a damaged cache entry is ignored and rewritten


def _entry_digest(entry: dict[str, Any]) -> str:
    """Checksum of a cache entry's fields (all but `sha256`), so that an entry changed after it was written is
    recognised."""
    import hashlib

    body = json.dumps({k: v for k, v in entry.items() if k != "sha256"}, sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()


_MAX_CACHED_COUNT = 2**27
"""Largest token count a cache entry may hold (the longest published context is 10,485,760 tokens)."""


def _counts_ok(counts: object, low: int) -> bool:
    """Whether a cached count list is a list of plain integers in [low, `_MAX_CACHED_COUNT`]."""
    return isinstance(counts, list) and all(
        type(c) is int and low <= c <= _MAX_CACHED_COUNT for c in counts)


def _cache_store(sample_path: Path, tokenizer_ref: str, as_chat: bool, prompt_counts: list[int],
                 output_counts: list[int], backend: str, note: str | None) -> None:
    """Remember token counts for the next run (best effort: a read-only cache is not an error)."""
    key = _cache_key(sample_path, tokenizer_ref, as_chat)
    path = _cache_file(key) if key else None
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        try:
            entry: dict[str, Any] = {"key": key, "prompt_counts": prompt_counts, "output_counts": output_counts,
                                     "backend": backend, "note": note}
            tmp.write_text(json.dumps({**entry, "sha256": _entry_digest(entry)}), encoding="utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    except OSError:
        pass


def _chat_error(sample: Sample, prompts: list[str | list[Message]], chat_idx: list[int], tok: Tokenizer,
                exc: ChatRejected) -> SpecError:
    """Find the first chat the template refuses, to name its record."""
    for i in chat_idx:
        try:
            tok.count_chats([prompts[i]])  # type: ignore[list-item]
        except ChatRejected as first:
            return SpecError(f"{sample.locations[i]}: {first}", where=str(sample.path),
                             hint="fix the record's messages (role order, roles the template knows)")
    return SpecError(str(exc), where=str(sample.path), hint="fix the records' messages (role order, roles the "
                                                             "template knows)")


class _Progress:
    """A rich progress bar on stderr over batched calls, or a plain batcher when off."""

    def __init__(self, enabled: bool, total: int) -> None:
        self.enabled, self.total = enabled, total
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self) -> _Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("tokenizing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task("tokenizing", total=self.total)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def run(self, fn: Callable[[list[Any]], list[int]], items: list[Any]) -> list[int]:
        """Apply `fn` batch by batch, advancing the bar."""
        out: list[int] = []
        for start in range(0, len(items), _BATCH):
            batch = items[start:start + _BATCH]
            out.extend(fn(batch))
            if self._bar is not None:
                self._bar.advance(self._task, len(batch))
        return out


__all__ = ["MAX_DISTRIBUTION_SAMPLES", "Message", "Sample", "SampleStats", "Tokenizer", "empirical",
           "load_tokenizer", "read_sample", "sample_stats", "tokenize_sample"]
