"""Do two runs agree? One commit's time_ figures from two asv machine names (two runs of the same commit and
releases, e.g. `relu-bench bench --machine aa1`, then `--machine aa2`), point by point.

The report's "what changed between releases", the published graphs and asv's
Regressions page compare figures from separate runs; what two runs of the same
code give is the noise they must see through. So: every point's ratio
run-2/run-1, the median and the worst |log ratio|, and the points that the
report's own change rule (tools/report/changes.py `moved`) would call a change.
"""

import math
import statistics
from dataclasses import dataclass
from itertools import product

from tools.report.changes import moved


@dataclass(frozen=True)
class Figure:
    seconds: float
    ci: tuple  # asv's 99% interval; (-inf, inf) where asv gave none


def figures(files, benchmarks):
    """{(env name, benchmark, parameter values): Figure} of every measured time_ point of asv Results `files`."""
    found = {}
    for f in files:
        for name in f.get_all_result_keys():
            if benchmarks.get(name, {}).get("type") != "time":
                continue
            params = f.get_result_params(name)
            values = f.get_result_value(name, params)
            stats = f.get_result_stats(name, params) or [None] * len(values)
            for combo, value, stat in zip(product(*params), values, stats):
                if value is None or math.isnan(value):  # failed, skipped
                    continue
                ci = ((stat or {}).get("ci_99_a", -math.inf), (stat or {}).get("ci_99_b", math.inf))
                found[(f.env_name, name, combo)] = Figure(value, ci)
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


def label(key):
    env, name, combo = key
    return f"{name}({', '.join(combo)}) [{env}]"
