"""`planner gpus` and `planner runtimes`: what the shipped (or overridden) data holds."""

from __future__ import annotations

import typer

from planner.cli._options import FormatOpt, TableOrJson, print_json, stdout_console

GPUS_EXAMPLES = """
Examples:

  planner gpus

  planner gpus --format json | jq '.[] | {id, memory_bytes}'
"""

RUNTIMES_EXAMPLES = """
Examples:

  planner runtimes

  planner runtimes --format json
"""


def gpus(format: FormatOpt = TableOrJson.table) -> None:
    """List the GPUs in hardware_db with memory, bandwidth, dense peaks and prices."""
    from planner.io.catalog import Catalog
    from planner.render.views import gpu_json, gpus_table
    catalog = Catalog.load()
    items = sorted(catalog.gpus.values(), key=lambda g: (g.vendor != "nvidia", g.memory_bytes, g.id))
    if format is TableOrJson.json:
        print_json([gpu_json(g) for g in items])
    else:
        stdout_console().print(gpus_table(items))


def runtimes(format: FormatOpt = TableOrJson.table) -> None:
    """List the serving runtimes with their hardware, quantization and scheduler defaults."""
    from planner.io.catalog import Catalog
    from planner.render.views import runtimes_table
    catalog = Catalog.load()
    items = sorted(catalog.runtimes.values(), key=lambda r: r.id)
    if format is TableOrJson.json:
        print_json([r.model_dump(mode="json") for r in items])
    else:
        stdout_console().print(runtimes_table(items))


def register(app: typer.Typer) -> None:
    """Add the catalog commands to the app."""
    app.command(epilog=GPUS_EXAMPLES)(gpus)
    app.command(epilog=RUNTIMES_EXAMPLES)(runtimes)
