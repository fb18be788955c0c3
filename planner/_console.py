"""The `planner` console script and `python -m planner`: the command line, with the cyclic garbage collector off.

A command allocates millions of short-lived objects (simulated requests, iteration shapes, the models it loads)
and reference counting frees nearly all of them: over a full `planner recommend` the collector finds ~2 MB of
cycles, yet it runs ~400 times, about 0.1 s of a one-second search (its full passes walk the whole heap). So it
is off for the process; the commands that run long or plan many times (`sweep`, `calibrate`) turn it back on
(`planner.cli._options.long_running`). Importing `planner` as a library changes nothing.
"""

from __future__ import annotations

import gc


def main() -> None:
    """Console-script entry point."""
    gc.disable()  # before the command line's own imports, which are a third of the collections
    from planner.cli import main as run

    run()
