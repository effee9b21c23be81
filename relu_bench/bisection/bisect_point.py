"""What a bisection looks at (POINT): a semantics cell, read exactly in a release's environment, or one asv
benchmark point, timed.

    VARIANT/value@AT or VARIANT/gradient@AT   a cell of relu_impls/semantics.py (AT: 0, -0, inf, -inf, nan),
                                              float64, C linker: e.g. max_0x/gradient@0
    VARIANT/forward or VARIANT/gradient       its time at the PR point (1000x1000 float64), C linker, random signs
                                              (relu.Forward/Gradient): e.g. max_x0/gradient
    an asv benchmark name with parameters     any other point, e.g.
                                              "relu.Forward.time_forward('relu_op', '100x100', 'float32')"
"""

import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from relu_bench.bisection.bisect_search import Skipped, bisect_cell, bisect_timing, median
from relu_bench.config import ROOT, pr_timing
from relu_bench.errors import UserError
from relu_bench.measure.across_processes import Arm, RoundsPlan, interleaved
from relu_bench.measure.worker import WORKER
from relu_impls import VARIANTS
from relu_impls.semantics import POINT_NAMES

CELL = re.compile(r"(?P<variant>\w+)/(?P<part>value|gradient)@(?P<at>-?0|-?inf|nan)")
TIMING = re.compile(r"(?P<variant>\w+)/(?P<function>forward|gradient)")
ASV_NAME = re.compile(r"[\w.]+\(.*\)")
# Run by a release's environment Python: the cell as relu_impls.semantics.measure writes it, on the last line.
READ_CELL = """
import json, sys
from relu_impls.semantics import measure
print(json.dumps(measure(sys.argv[1], "float64", "c")))
"""

# Run by this Python: the names of the suite's time_ benchmarks, as the worker that times them finds them.
SUITE_NAMES = """
import importlib.util, json, sys
import benchmarks
spec = importlib.util.spec_from_file_location("paired_worker", sys.argv[1])
worker = importlib.util.module_from_spec(spec)
spec.loader.exec_module(worker)
print(json.dumps(sorted(worker.discover(benchmarks))))
"""


@dataclass(frozen=True)
class Cell:
    variant: str
    part: str  # "value" or "gradient"
    at: str  # one of relu_impls.semantics.POINT_NAMES
    benchmark = None  # a cell is read, not timed

    def search(self, keys, prepare):
        """bisect_search's answer over `keys` (releases or commits, GOOD first), prepare(key) giving each one's
        Python or raising Skipped."""
        return bisect_cell(keys, lambda key: self.read(prepare(key), ROOT))

    def read(self, python, tree):
        """The cell's value in the environment of `python`, importing relu_impls from `tree`; Skipped if the
        release cannot compute it (a variant it lacks, a library error)."""
        done = subprocess.run(
            [str(python), "-c", READ_CELL, self.variant],
            capture_output=True,
            text=True,
            cwd=tempfile.gettempdir(),
            env=dict(os.environ, PYTHONPATH=str(tree)),
        )
        if done.returncode:
            raise Skipped(f"could not read the cell: {done.stderr.strip().splitlines()[-1]}")
        values, grads = json.loads(done.stdout.strip().splitlines()[-1])
        return (values if self.part == "value" else grads).split()[POINT_NAMES.index(self.at)]


@dataclass(frozen=True)
class TimedBenchmark:
    benchmark: str  # asv's name with parameters

    @property
    def regex(self):
        return f"^{re.escape(self.benchmark)}$"

    def search(self, keys, prepare):
        """bisect_search's answer over `keys` (releases or commits, GOOD first), prepare(key) giving each one's
        Python or raising Skipped."""
        return bisect_timing(keys, prepare, self.measure(prepare))

    def measure(self, prepare):
        """measure(keys, processes) for bisect_timing: relu_bench.measure.across_processes' interleaved processes,
        one arm per key; each key's per-process figures, or why it gave none."""

        def measure(keys, processes):
            arms = [Arm(key, prepare(key), ROOT) for key in keys]
            found = interleaved(arms, [self.regex], plan=RoundsPlan(processes=processes))
            figures = {}
            for key in keys:
                outcome = next(iter(found[key].values()), None)  # the one benchmark the exact regex selects
                if outcome is None or outcome.state != "ok":
                    figures[key] = outcome.state if outcome else f"no benchmark matches {self.benchmark}"
                else:
                    figures[key] = list(outcome.figures)
            print(
                "  "
                + ", ".join(
                    f"{k}: {median(f) * 1e6:,.0f} µs" if isinstance(f, list) else f"{k}: {f}"
                    for k, f in figures.items()
                ),
                flush=True,
            )
            return figures

        return measure


def parse(text):
    """The Cell or TimedBenchmark POINT names; UserError saying what is accepted otherwise."""
    for pattern, make in (
        (CELL, lambda m: Cell(m["variant"], m["part"], m["at"])),
        (TIMING, lambda m: TimedBenchmark(pr_timing(m["variant"], m["function"]))),
    ):
        match = pattern.fullmatch(text)
        if match:
            if match["variant"] not in VARIANTS:
                raise UserError(f"unknown variant {match['variant']!r}; known: {', '.join(VARIANTS)}")
            return make(match)
    if ASV_NAME.fullmatch(text):
        return TimedBenchmark(text)
    raise UserError(f"not a POINT: {text!r} (e.g. max_0x/gradient@0, max_x0/gradient, or an asv benchmark name)")


def timed_names(tree=ROOT):
    """The asv names of the time_ benchmarks of `tree`'s suite (the points a timing bisection can measure)."""
    done = subprocess.run(
        [sys.executable, "-c", SUITE_NAMES, str(WORKER)],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(tree, "asv_bench")), str(tree)])),
    )
    if done.returncode:
        raise UserError(f"the benchmark suite does not import: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def checked(text, tree=ROOT):
    """The point POINT names, a timed one only if `tree`'s suite has that benchmark; UserError otherwise."""
    point = parse(text)
    if isinstance(point, TimedBenchmark):
        names = timed_names(tree)
        if point.benchmark not in names:
            near = difflib.get_close_matches(point.benchmark, names, n=1)
            raise UserError(f"no timed benchmark {point.benchmark!r} in the suite" + (f"; {near[0]}?" if near else ""))
    return point
