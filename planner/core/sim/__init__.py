"""Iteration-level simulation of one serving replica, in parts.

    requests.py   Request state, SimConfig (the replica's limits and policies), SimTrace (the result)
    kv.py         KvPool: paged KV capacity, reservations and on-demand decode growth
    scheduler.py  the step scheduler: which prompt chunks and decodes run in an iteration
    loop.py       the event-jump loop: times iterations with the perf model, preempts, jumps decode stretches
"""

from planner.core.sim.loop import Simulator
from planner.core.sim.requests import SimConfig, SimTrace

__all__ = ["SimConfig", "SimTrace", "Simulator"]
