"""Do two runs agree? One commit's time_ figures from two asv machine names (two runs of the same commit and
releases, e.g. `relu-bench bench --machine aa1`, then `--machine aa2`), point by point.

The report's "what changed between releases", the published graphs and asv's
Regressions page compare figures from separate runs; what two runs of the same
code give is the noise they must see through. So: every point's ratio
run-2/run-1, the median and the worst |log ratio|, and the points that the
report's own change rule (relu_bench/report/changes.py `moved`) would call a change.
"""

import math
import statistics
from dataclasses import dataclass

from relu_bench import asv_results
from relu_bench.report.changes import moved


@dataclass(frozen=True)
class Figure:
    seconds: float
    quartiles: tuple  # of the samples, over every round of the run


def figures(files, benchmarks):
    """{(env name, benchmark, parameter values): Figure} of every measured time_ point of asv Results `files`."""
    found = {}
    for f in files:
        for name in f.get_all_result_keys():
            if benchmarks.get(name, {}).get("type") != "time":
                continue
            for combo, value, stats in asv_results.points(f, name):
                if asv_results.state(value) == asv_results.MEASURED:
                    found[(f.env_name, name, combo)] = Figure(value, asv_results.quartiles(stats))
    return found


@dataclass
class Agreement:
    ratios: dict  # point -> run-2/run-1
    flagged: list  # points the change rule calls a change
    only_in_one: int  # points measured in one run only

    @property
    def median_abs_log(self):
        return statistics.median(abs(math.log(r)) for r in self.ratios.values())

    @property
    def worst(self):
        return max(self.ratios.items(), key=lambda item: abs(math.log(item[1])))


def agreement(first, second):
    """Agreement of two figures() dicts."""
    common = sorted(set(first) & set(second))
    ratios = {key: second[key].seconds / first[key].seconds for key in common}
    flagged = [key for key in common if moved(first[key], second[key])]
    return Agreement(ratios, flagged, len(set(first) ^ set(second)))


def scaled(run, factor):
    """`run` with every figure and its quartiles times `factor`: a change of that size, the run's own spread kept."""
    return {key: Figure(f.seconds * factor, tuple(q * factor for q in f.quartiles)) for key, f in run.items()}


def caught(first, second, factor):
    """How many points the change rule flags when `second` is made `factor` slower: its power at that size."""
    return len(agreement(first, scaled(second, factor)).flagged)


def label(key):
    env, name, combo = key
    return f"{name}({', '.join(combo)}) [{env}]"
