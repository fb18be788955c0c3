"""`planner memory`: does a model fit a GPU setup, and how much KV cache is left."""

from __future__ import annotations

from typing import Annotated, cast

import typer

from planner.cli._options import (
    MAX_TOKENS,
    DpSizeOpt,
    EpSizeOpt,
    FormatOpt,
    GpuOpt,
    KvDtypeOpt,
    ModelArg,
    PpOpt,
    QuantOpt,
    RuntimeOpt,
    TableOrJson,
    TpOpt,
    bounded_int,
    choice,
    print_json,
    stdout_console,
)

QUANTS = ("bf16", "fp16", "fp8", "int8", "int4-awq", "int4-gptq", "nvfp4", "mxfp4")
KV_DTYPES = ("auto", "fp8")

EXAMPLES = """
Examples:

  planner memory examples/models/llama-3.1-8b --gpu l4

  planner memory examples/models/llama-3.1-70b --gpu h100 --tp 4 --context 32768

  planner memory examples/models/deepseek-v3 --gpu h200 --tp 8 --quant fp8 --format json
"""


def memory(
    model: ModelArg,
    gpu: GpuOpt,
    tp: TpOpt = 1,
    pp: PpOpt = 1,
    dp_size: DpSizeOpt = 1,
    ep_size: EpSizeOpt = None,
    quant: QuantOpt = None,
    kv_dtype: KvDtypeOpt = "auto",
    runtime: RuntimeOpt = "vllm",
    context: Annotated[int | None, typer.Option(
        "--context", parser=bounded_int(1, MAX_TOKENS, "tokens"), help="Sequence length for capacity (default: the model's max context).")] = None,
    format: FormatOpt = TableOrJson.table,
) -> None:
    """Per-GPU memory breakdown: weights, activations, overheads, KV capacity, and whether it fits."""
    from planner.core.compat import make_deployment
    from planner.core.memory import memory_breakdown
    from planner.io.catalog import Catalog
    from planner.io.loaders import load_model
    from planner.render.views import memory_json, memory_view
    from planner.specs.runtime import KvDtype, Quant
    catalog = Catalog.load(tables=False)  # memory never reads the operator tables
    spec = load_model(model)
    dep = make_deployment(
        spec, catalog.gpu(gpu), catalog.runtime(runtime), tp_size=tp, pp_size=pp, dp_size=dp_size, ep_size=ep_size,
        quant=cast(Quant | None, choice(quant, QUANTS, "--quant")),
        kv_dtype=cast(KvDtype, choice(kv_dtype, KV_DTYPES, "--kv-dtype")),
        max_model_len=context,
    )
    mem = memory_breakdown(dep, context)
    if format is TableOrJson.json:
        print_json(memory_json(dep, mem))
    else:
        stdout_console().print(memory_view(dep, mem))
    if not mem.fits:
        raise typer.Exit(1)  # the answer is no: CI can branch on it


def register(app: typer.Typer) -> None:
    """Add `memory` to the app."""
    app.command(epilog=EXAMPLES)(memory)
