"""Paired timing: BASE's and HEAD's benchmarks timed in alternating blocks, in one process.

asv times each commit in its own processes, minutes apart. On this kind of
machine a memory-bound function's speed differs between processes by up to
20 % and stays put within one (Theano 1.0.5 relu_op forward, 1000x1000: 220-300
µs per process, ±5 % within; the same with both pinned to one CPU): where the
process's memory lies, not the code. Between asv's processes a 10 % change is
lost in that. Here one process of the release's asv environment
(tools/paired_worker.py) sets up BASE's suite with BASE's relu_impls and again
with HEAD's, then times each benchmark for a block of calls per tree, the trees
taking turns, the order flipping every block. Each block gives one head/base
ratio of medians; drift slower than a block cancels in it, and so does
placement.

A benchmark's ratio is the median of its block ratios over all worker
processes; its p-value the two-sided Wilcoxon signed-rank test of the log block
ratios against 0 (normal approximation). tools/rule.py judges with them.
"""

import json
import math
import os
import statistics
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from relu_impls.backend import CACHE_VARIABLE, cache_root
from tools.significance import signed_rank_p

WORKER = Path(__file__).resolve().parent / "paired_worker.py"


@dataclass(frozen=True)
class Plan:
    """How much paired timing each benchmark gets."""

    processes: int = 2  # worker processes per commit pair, one after the other
    blocks: int = 15  # blocks per process
    calls: int = 10  # timed calls per block and tree


PLAN = Plan()


def extract(commit, path, root, dest):
    """`path` of `commit` (git archive) under dest; dest. RuntimeError where the commit has no such path."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", commit, path], cwd=root, capture_output=True)
    if archive.returncode:
        raise RuntimeError(f"{commit[:10]} has no {path}: {archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def worker_environ(environ=os.environ):
    """The worker's environment: a compile cache of its own.

    Its keys name each tree's classes under the worker's aliases; another process
    could not load them, and the release's shared cache should not hold them.
    """
    root = Path(environ.get(CACHE_VARIABLE) or cache_root()) / "paired"
    return dict(environ, **{CACHE_VARIABLE: str(root)})


def summarize(blocks):
    """{"ratio", "p", "base", "head"} of [[BASE s, HEAD s], ...]: medians, and the signed-rank test."""
    logs = [math.log(head / base) for base, head in blocks]
    return {
        "ratio": math.exp(statistics.median(logs)),
        "p": signed_rank_p(logs),
        "base": statistics.median(b for b, _ in blocks),
        "head": statistics.median(h for _, h in blocks),
    }


def run_worker(python, plan, environ=None):
    """One process of tools/paired_worker.py with `plan` (its "out" file chosen here); its outcome.

    RuntimeError where the process failed or wrote no outcome.
    """
    with tempfile.TemporaryDirectory() as tmp:
        plan_file, out = Path(tmp, "plan.json"), Path(tmp, "outcome.json")
        plan_file.write_text(json.dumps(dict(plan, out=str(out))))
        # From the scratch dir: neither the repository's nor the environment's installed relu_impls comes first.
        done = subprocess.run(
            [str(Path(python).absolute()), str(WORKER), str(plan_file)],
            cwd=tmp,
            env=environ,
            capture_output=True,
            text=True,
        )
        if done.returncode or not out.exists():
            raise RuntimeError(f"timing process failed in {python} (exit {done.returncode}):\n{done.stderr[-3000:]}")
        return json.loads(out.read_text())


def time_trees(python, suite, trees, regexes, plan=PLAN):
    """{asv name: {"label", "sides", "blocks"} + summarize(blocks) where both sides ran} for the time_
    benchmarks matching regexes (see paired_worker.py); RuntimeError where a worker failed."""
    outcome = {}
    spec = {"suite": str(suite), "trees": [str(t) for t in trees], "bench": regexes}
    for _ in range(plan.processes):
        found = run_worker(python, dict(spec, blocks=plan.blocks, calls=plan.calls), worker_environ())
        for name, result in found.items():
            blocks = outcome.get(name, {}).get("blocks", []) + result.get("blocks", [])
            outcome[name] = dict(result, blocks=blocks)
    for result in outcome.values():
        if result["blocks"]:
            result.update(summarize(result["blocks"]))
    return outcome


def paired(python, suite, root, base, head, regexes, plan=PLAN):
    """time_trees for two commits of the repository at root."""
    with tempfile.TemporaryDirectory() as tmp:
        trees = [
            extract(commit, "relu_impls", root, Path(tmp, side)) for side, commit in (("base", base), ("head", head))
        ]
        return time_trees(python, suite, trees, regexes, plan)
