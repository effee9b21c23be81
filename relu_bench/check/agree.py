"""Do two runs agree? One commit's time_ figures from two asv machine names (two runs of the same commit and
releases, e.g. `relu-bench bench --machine aa1`, then `--machine aa2`), point by point.

What two runs of the same code give is the noise every comparison of figures must see through, so this is where
the noise model (relu_bench/report/noise.py) is measured: each point's log ratio run-2/run-1 in three forms (raw,
÷ the same run's copy floor, ÷ the run's shared drift), the median and the worst of each, and the points that the
rule would call a change. The pair is judged out of sample: by the model of this machine without this pair.
"""

import math
import statistics
from dataclasses import dataclass, replace

from relu_bench import git
from relu_bench.report.changes import moved
from relu_bench.report.noise import Pair, pair_logs

# The form in which the report compares (two releases of one run) and the one asv's graphs compare (commits of
# separate runs): the two rules an A/A pair must pass.
RULE_FORMS = {"run": "the report (two releases of one run: drift taken out)", "raw": "the history (asv's graphs)"}


def figures(run):
    """{point: (Measurement, the same release's copy floor at its shape and dtype, or None)} of a report Run."""
    floors = {(t.release, t.shape, t.dtype): t for t in run.timings if t.function == "floor"}
    return {t.point: (t, floors.get((t.release, t.shape, t.dtype))) for t in run.timings if t.function != "floor"}


def _scaled(t, log_factor):
    factor = math.exp(log_factor)
    return replace(t, seconds=t.seconds * factor, quartiles=tuple(q * factor for q in t.quartiles))


@dataclass
class Agreement:
    logs: dict  # point -> {form: log(run 2 / run 1)}
    flagged: dict  # form -> [points the model's rule calls a change]
    only_in_one: int  # points measured in one run only

    def spread(self, form):
        """(median |log ratio|, (worst point, its ratio)) in `form`, over the points that have it."""
        found = {p: logs[form] for p, logs in self.logs.items() if logs[form] is not None}
        if not found:
            return None, (None, None)
        worst = max(found, key=lambda p: abs(found[p]))
        return statistics.median(abs(v) for v in found.values()), (worst, math.exp(found[worst]))


def _flags(first, second, logs, model, form, extra=0.0):
    """Points whose second figure, read in `form` (and moved by log `extra`), the rule calls a change."""
    flagged = []
    for point, forms in logs.items():
        if forms[form] is None:
            continue
        a = first[point][0]
        b = _scaled(second[point][0], forms[form] - forms["raw"] + extra)
        if moved(a, b, model, form):
            flagged.append(point)
    return flagged


def agreement(first, second, model):
    """Agreement of two figures() dicts, judged by `model` (the machine's noise model, this pair left out)."""
    logs = pair_logs(
        {p: (t.seconds, f.seconds if f else None) for p, (t, f) in first.items()},
        {p: (t.seconds, f.seconds if f else None) for p, (t, f) in second.items()},
    )
    flagged = {form: _flags(first, second, logs, model, form) for form in RULE_FORMS}
    return Agreement(logs, flagged, len(set(first) ^ set(second)))


def caught(first, second, model, factor, form="run"):
    """How many points the rule flags when one point at a time of `second` is made `factor` slower, its spread
    kept: the rule's power at that size (a whole run made slower is drift, which the "run" form takes out)."""
    logs = agreement(first, second, model).logs
    return len(_flags(first, second, logs, model, form, math.log(factor)))


# What a timing depends on in a commit: two commits with the same of these time the same code (the history's own
# A/A pairs: commits that changed only docs, workflows or the tools).
MEASURED_CODE = ("relu_impls", "asv_bench/benchmarks", "asv.conf.json")


def same_code(a, b):
    """Do commits a and b time the same code? False where either is not in this repository."""
    return git.same_trees(a, b, MEASURED_CODE)


def pair_key(a, b):
    """The noise model's key of a pair of runs of two commits that time the same code."""
    return f"{a[:8]}..{b[:8]}"


def repeats(commits, same):
    """[(older, newer)] of consecutive `commits` (oldest first) for which same(older, newer) holds."""
    return [(a, b) for a, b in zip(commits, commits[1:]) if same(a, b)]


def pair(machines, commit, agreement_, hours_apart=None):
    """The noise model's record of this A/A pair."""
    return Pair(list(machines), commit, agreement_.logs, hours_apart)


def label(point):
    release, entry = point.split("|", 1)
    return f"{entry} [{release}]"
