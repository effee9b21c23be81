"""Figures that reproduce across processes: interleaved rounds of fresh processes (Abedi & Brecht, ICPE 2017:
"randomized multiple interleaved trials").

Where a process's arrays and temporaries land (huge pages or not, cache sets,
physical pages) is drawn when it starts and holds for its life: on an Intel
machine here the same function read 840 or 1430 µs per process, two-valued,
and a reference timed in the same process did not cancel it. So a figure is
never one process's: each arm (a release's environment, a commit's tree) is
timed in several fresh processes (relu_bench/measure/paired_worker.py with one tree), one
per round, every arm once a round in an order shuffled per round (seeded), so
that drift over minutes falls on every arm alike (STABILIZER's point, with the
kernel's layout draw as the randomizer). An arm's figure is the median of its
processes' figures (each the median of its blocks); its spread the slowest
process ÷ the fastest. Arms compared round by round give one ratio per round.
"""

import random
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from relu_bench.measure.worker import exception_line, run_worker, state_of

SUITE = Path(__file__).resolve().parents[2] / "asv_bench"


@dataclass(frozen=True)
class Arm:
    label: str
    python: Path  # the environment's interpreter
    tree: Path  # a folder holding the relu_impls package the process imports


@dataclass(frozen=True)
class RoundsPlan:
    """How much each arm gets: `processes` rounds, each process timing `blocks` blocks of `calls` calls."""

    processes: int = 8
    blocks: int = 6
    calls: int = 10
    # Sequential rounds (the PR check): a timing still undecided after `processes` rounds (its ratio past the
    # threshold toward slower, its test not yet significant) gets `more` rounds at a time, up to `most` in all. A
    # process's figure at a memory-bound point is two-valued, ~10 % apart (the memory bandwidth a VM gets at the
    # time), so 8 rounds see only large process-wide changes.
    more: int = 8
    most: int = 32


ROUNDS_PLAN = RoundsPlan()


@dataclass
class Outcome:
    label: str  # the benchmark's parameters, e.g. "variant=mul_gt, shape=1000x1000, dtype=float64"
    side: object = "ok"  # the worker's state: "ok", {"skip": why} or {"error": traceback}
    figures: list = field(default_factory=list)  # seconds, one per process, in round order

    @property
    def state(self):
        """ "ok", or why not: "skipped: ...", "failed: ..." (the exception's line)."""
        return state_of(self.side)

    @property
    def median(self):
        return statistics.median(self.figures) if self.figures else None

    @property
    def spread(self):
        return max(self.figures) / min(self.figures) if self.figures else None


def interleaved(arms, regexes, plan=ROUNDS_PLAN, suite=SUITE, seed=0, run=run_worker, rounds=None, outcomes=None):
    """{arm label: {asv name: Outcome}} for the time_ benchmarks of `suite` matching `regexes`: `rounds` (default
    plan.processes) rounds, their figures added to `outcomes` where given (more rounds of the same timing).

    A process that fails marks every benchmark of its arm failed from then on (its figures so far are kept).
    """
    outcomes = outcomes or {arm.label: {} for arm in arms}
    broken = {}
    shuffle = random.Random(seed).shuffle
    for _ in range(plan.processes if rounds is None else rounds):
        order = list(arms)
        shuffle(order)
        for arm in order:
            if arm.label in broken:
                continue
            spec = {"suite": str(suite), "trees": [str(arm.tree)], "bench": list(regexes)}
            try:
                found = run(arm.python, dict(spec, blocks=plan.blocks, calls=plan.calls))
            except (RuntimeError, OSError) as exc:
                broken[arm.label] = exception_line(str(exc)) if str(exc).strip() else repr(exc)
                continue
            for name, result in found.items():
                outcome = outcomes[arm.label].setdefault(name, Outcome(result["label"]))
                outcome.side = result["sides"][0]
                if result.get("blocks"):
                    outcome.figures.append(statistics.median(block[0] for block in result["blocks"]))
    for label, why in broken.items():
        for outcome in outcomes[label].values():
            outcome.side = {"error": f"a process failed: {why}"}
        outcomes[label].setdefault("(any benchmark)", Outcome("", {"error": f"a process failed: {why}"}))
    return outcomes


def broken_state(outcomes):
    """Why a process of some arm failed, or None."""
    found = [o.state for arm in outcomes.values() for name, o in arm.items() if name == "(any benchmark)"]
    return found[0] if found else None


def sequential(arms, regexes, plan, suite, undecided, run=run_worker):
    """interleaved(), then plan.more rounds at a time of the benchmarks `undecided(outcomes)` names, up to
    plan.most rounds in all: the rounds go where a decision is still open, not to every benchmark."""
    outcomes = interleaved(arms, regexes, plan, suite, run=run)
    done = plan.processes
    while done < plan.most and not broken_state(outcomes):
        names = undecided(outcomes)
        if not names:
            break
        rounds = min(plan.more, plan.most - done)
        print(f"  {len(names)} undecided: {rounds} more rounds of them", flush=True)
        again = [f"^{re.escape(name)}$" for name in names]
        interleaved(arms, again, plan, suite, seed=done, run=run, rounds=rounds, outcomes=outcomes)
        done += rounds
    return outcomes


def two_arms(a_python, b_python, entry, tree, suite=SUITE):
    """measure(n) -> (a's, b's) per-process figures of n more interleaved rounds of two environments timing one asv
    entry (a benchmark with its parameters); RuntimeError where either gives no figure."""
    arms = [Arm("a", a_python, tree), Arm("b", b_python, tree)]
    regex = f"^{re.escape(entry)}$"
    rounds = iter(range(1, 1 << 30))

    def measure(n):
        found = interleaved(arms, [regex], RoundsPlan(processes=n), suite, seed=next(rounds))
        figures = []
        for arm in ("a", "b"):
            outcome = next(iter(found[arm].values()), None)
            if outcome is None or outcome.state != "ok" or not outcome.figures:
                raise RuntimeError(f"{entry}: {outcome.state if outcome else 'no such benchmark'}")
            figures.append(outcome.figures)
        return figures

    return measure
