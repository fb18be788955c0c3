"""Chat formats: how a list of messages becomes the prompt a model sees, and its token count.

Private to `planner.io.tokens`. A format either renders text (a Hugging Face jinja template, a
built-in format for a known vocabulary, or the approximation) and counts it with the
tokenizer, or delegates to mistral_common's instruct encoding.

Message contents are wrapped in private-use marks while a template renders, so special tokens
are recognized only in the text the template wrote: a user typing "<|eot_id|>" gets ordinary
tokens, while the template's "<|eot_id|>" counts as one special token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from planner.errors import SpecError

Message = dict[str, str]
"""One chat turn: `{"role": ..., "content": ...}`."""

APPROX_NOTE = ("no chat template found: each message counted as '<role>:\\n<content>\\n\\n' plus "
               "'assistant:\\n' (an approximation; real templates add a few special tokens per message)")

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use marks around message contents while rendering a template


class TextCounter(Protocol):
    """The part of a tokenizer a chat format counts with."""

    def count(self, texts: list[str]) -> list[int]:
        """Token count of each text, encoded as ordinary text."""
        ...

    def special_re(self) -> re.Pattern[str] | None:
        """Regex matching the special-token strings a template may write (None: there are none)."""
        ...


class ChatFormat(Protocol):
    """Turns chats into prompt text and token counts."""

    note: str
    """How chats are rendered, for `SampleStats.chat_template_note`."""

    def render(self, messages: list[Message]) -> str:
        """The prompt text of one chat, ending with the assistant generation prompt."""
        ...

    def count(self, tok: TextCounter, chats: list[list[Message]]) -> list[int]:
        """Prompt tokens of each chat."""
        ...


class ChatRejected(Exception):
    """The chat format refused one chat (template raise_exception, role order); carries the reason."""


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
class TemplateChat:
    """A chat format that renders text (jinja template, built-in format or approximation)."""

    note: str
    render_marked: Callable[[list[Message]], str]

    def render(self, messages: list[Message]) -> str:
        return _unmark(self.render_marked(messages))

    def count(self, tok: TextCounter, chats: list[list[Message]]) -> list[int]:
        totals = [0] * len(chats)
        pieces: list[str] = []
        owners: list[int] = []
        special_re = tok.special_re()
        for i, messages in enumerate(chats):
            chunks, totals[i] = _chunks(self.render_marked(messages), special_re)
            pieces.extend(chunks)
            owners.extend([i] * len(chunks))
        # template pieces ("\n\n", "user", ...) repeat across chats: encode each distinct piece once
        distinct = list(dict.fromkeys(pieces))
        known = dict(zip(distinct, tok.count(distinct)))
        for owner, piece in zip(owners, pieces):
            totals[owner] += known[piece]
        return totals


def approx_render(messages: list[Message]) -> str:
    """The approximation used without a template (see `APPROX_NOTE`)."""
    body = "".join(f"{m['role']}:\n{_mark(m['content'])}\n\n" for m in messages)
    return body + "assistant:\n"


def llama3_render(messages: list[Message]) -> str:
    """Llama 3 turns with header specials; source: llama_models/llama3/chat_format.py."""
    # llama_models/llama3/chat_format.py (and the HF template, which also trims contents)
    body = "".join(f"<|start_header_id|>{m['role']}<|end_header_id|>\n\n{_mark(m['content'].strip())}<|eot_id|>"
                   for m in messages)
    return f"<|begin_of_text|>{body}<|start_header_id|>assistant<|end_header_id|>\n\n"


def llama4_render(messages: list[Message]) -> str:
    """Llama 4 turns; source: llama_models/llama4/chat_format.py."""
    body = "".join(f"<|header_start|>{m['role']}<|header_end|>\n\n{_mark(m['content'].strip())}<|eot|>"
                   for m in messages)
    return f"<|begin_of_text|>{body}<|header_start|>assistant<|header_end|>\n\n"


def chatml_render(messages: list[Message]) -> str:
    """Qwen's ChatML turns (`<|im_start|>role\\n...<|im_end|>`); no default system prompt is inserted."""
    body = "".join(f"<|im_start|>{m['role']}\n{_mark(m['content'])}<|im_end|>\n" for m in messages)
    return body + "<|im_start|>assistant\n"


APPROX_CHAT: ChatFormat = TemplateChat(APPROX_NOTE, approx_render)


@dataclass
class MistralChat:
    """Chats encoded by mistral_common's instruct tokenizer (the reference for Mistral models)."""

    path: Path
    """The .model.vN or tekken JSON file mistral_common loads."""
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
            raise ChatRejected(f"mistral_common rejected the messages: {exc}") from None
        except KeyError as exc:  # from_openai indexes fields a role needs (a `tool` turn's tool_call_id)
            raise ChatRejected(f"mistral_common rejected the messages: a message lacks the field {exc}") from None
        except (TypeError, AttributeError) as exc:
            raise ChatRejected(f"mistral_common rejected the messages: {' '.join(str(exc).split())[:120]}") from None

    def render(self, messages: list[Message]) -> str:
        return str(self._encode(messages).text)

    def count(self, tok: TextCounter, chats: list[list[Message]]) -> list[int]:
        return [len(self._encode(messages).tokens) for messages in chats]


def jinja_chat(template: str, source: str, config: dict[str, Any]) -> TemplateChat:
    """Compile a Hugging Face chat template the way transformers renders it."""
    try:
        import jinja2
        from jinja2.ext import loopcontrols
        from jinja2.sandbox import ImmutableSandboxedEnvironment
    except ImportError:
        raise SpecError("the tokenizer has a chat template but jinja2 is not installed", where=source,
                        hint="pip install jinja2 (or 'planner[tokenizers]')") from None

    def raise_exception(message: str) -> None:
        raise ChatRejected(f"chat template raised: {message}")

    def tojson(value: Any, indent: int | None = None, separators: tuple[str, str] | None = None,
               sort_keys: bool = False) -> str:
        return json.dumps(value, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)

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
    tokens = {name: token_text(config.get(name)) for name in ("bos_token", "eos_token", "unk_token", "pad_token")}

    def render_marked(messages: list[Message]) -> str:
        marked = [{**m, "content": _mark(m["content"])} for m in messages]
        try:
            return str(compiled.render(messages=marked, add_generation_prompt=True, tools=None, documents=None,
                                       **tokens))
        except ChatRejected:
            raise
        except Exception as exc:
            raise ChatRejected(f"chat template failed: {type(exc).__name__}: {exc}") from None

    return TemplateChat(f"chat template from {source}", render_marked)


def token_text(value: Any) -> str:
    """A tokenizer_config token entry: a string or an AddedToken dict."""
    if isinstance(value, dict):
        return str(value.get("content", ""))
    return value if isinstance(value, str) else ""


def mistral_chat(path: Path) -> ChatFormat:
    """mistral_common's encoding for Mistral tokenizer files it recognizes, else the approximation."""
    try:
        from mistral_common.tokens.tokenizers.sentencepiece import is_sentencepiece
        from mistral_common.tokens.tokenizers.tekken import is_tekken
    except ImportError:
        return TemplateChat(APPROX_NOTE + "; install mistral-common for the exact Mistral format", approx_render)
    if is_tekken(path) or (is_sentencepiece(path) and re.search(r"\.model\.v\d", path.name)):
        return MistralChat(path)
    return APPROX_CHAT
