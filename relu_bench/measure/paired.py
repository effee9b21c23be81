"""Paired timing: BASE's and HEAD's benchmarks timed in alternating blocks, in one process.

asv times each commit in its own processes, minutes apart. On this kind of
machine a memory-bound function's speed differs between processes by up to
20 % and stays put within one (Theano 1.0.5 relu_op forward, 1000x1000: 220-300
µs per process, ±5 % within; the same with both pinned to one CPU): where the
process's memory lies, not the code. Between asv's processes a 10 % change is
lost in that. Here one process of the release's asv environment
(relu_bench/measure/paired_worker.py) sets up BASE's suite with BASE's relu_impls and again
with HEAD's, then times each benchmark for a block of calls per tree, the trees
taking turns, the order flipping every block. Each block gives one head/base
ratio of medians; drift slower than a block cancels in it, and so does
placement.

A benchmark's ratio is the median of its block ratios over all worker
processes; its p-value the two-sided Wilcoxon signed-rank test of the log block
ratios against 0 (normal approximation). relu_bench/check/rule.py judges with them.
"""

import math
import os
import statistics
from dataclasses import dataclass
from pathlib import Path

from relu_bench.measure.significance import signed_rank_p
from relu_bench.measure.worker import run_worker
from relu_impls.backend import CACHE_VARIABLE, cache_root


@dataclass(frozen=True)
class Plan:
    """How much paired timing each benchmark gets."""

    processes: int = 2  # worker processes per commit pair, one after the other
    blocks: int = 15  # blocks per process
    calls: int = 10  # timed calls per block and tree


PLAN = Plan()


def worker_environ(environ=os.environ):
    """The worker's environment: a compile cache of its own.

    Its keys name each tree's classes under the worker's aliases; another process
    could not load them, and the release's shared cache should not hold them.
    """
    root = Path(environ.get(CACHE_VARIABLE) or cache_root()) / "paired"
    return dict(environ, **{CACHE_VARIABLE: str(root)})


def summarize(blocks, test=signed_rank_p):
    """{"ratio", "p", "base", "head"} of [[BASE s, HEAD s], ...]: medians, and `test` of the log ratios."""
    logs = [math.log(head / base) for base, head in blocks]
    return {
        "ratio": math.exp(statistics.median(logs)),
        "p": test(logs),
        "base": statistics.median(b for b, _ in blocks),
        "head": statistics.median(h for _, h in blocks),
    }


def time_trees(python, suite, trees, regexes, plan=PLAN, user=None, environ=os.environ):
    """{asv name: {"label", "sides", "blocks"} + summarize(blocks) where both sides ran} for the time_
    benchmarks matching regexes (see paired_worker.py), the workers started as `user` (worker.WorkerUser) where
    given, with `environ`; RuntimeError where a worker failed."""
    outcome = {}
    spec = {"suite": str(suite), "trees": [str(t) for t in trees], "bench": regexes}
    for _ in range(plan.processes):
        found = run_worker(python, dict(spec, blocks=plan.blocks, calls=plan.calls), worker_environ(environ), user)
        for name, result in found.items():
            blocks = outcome.get(name, {}).get("blocks", []) + result.get("blocks", [])
            outcome[name] = dict(result, blocks=blocks)
    for result in outcome.values():
        if result["blocks"]:
            result.update(summarize(result["blocks"]))
    return outcome
