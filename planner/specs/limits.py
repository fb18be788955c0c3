"""Bounds on what users may type: beyond them a number is a unit mistake, not a plan.

Plain constants with no imports, so the CLI can build its flags without loading the specs (`planner --help`
stays fast).
"""

MAX_LATENCY_S = 86_400.0
"""Longest latency limit accepted (one day): a larger one is a unit mistake."""
MAX_TOKENS = 134_217_728
"""Longest token length accepted (2^27; the longest published context is 10,485,760 tokens)."""
MAX_RPS = 1_000_000.0
"""Highest request rate accepted (requests/s)."""
MAX_SEQS = 65_536
"""Most sequences a batch, a concurrency or a scheduler cap may hold (engines cap at 256-4,096)."""
MAX_REPLICAS = 100_000
"""Most replicas a plan may hold."""
SEED_MAX = 2**32 - 1
"""Seeds are unsigned 32-bit integers."""
MAX_GPUS_PER_REPLICA = 72
"""Most GPUs one tensor-, data- or expert-parallel group (and one node's fast-link domain) may span: the largest
NVLink domain shipped, GB200 / GB300 NVL72."""
MAX_PP_STAGES = 64
"""Most pipeline stages a plan may hold (published deployments use 1-16)."""
MAX_BATCHED_TOKENS = 2**24
"""Largest per-iteration token budget a runtime profile may set (engines default to 2,048-16,384)."""
