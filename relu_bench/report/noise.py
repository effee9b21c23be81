"""How far a timing moves between runs of the same code on one machine: the noise model by which every comparison of
figures from separate runs is judged (the report's changes between releases, asv's Regressions page, `relu-bench
agree`), instead of one constant for every machine and every point.

Noise belongs to the machine and to the point (a memory-bound point near one copy moves more than a compute-bound
one), so it is measured there: pairs of runs of one commit (A/A), each point's log ratio between the two, stored by
`relu-bench agree A B --store` in RESULTS_DIR/noise/HOST.noise (JSON; a suffix asv does not read). HOST is the
hardware asv records (CPU model, cores, memory): two machine names on one box, or two machines of one kind, share a
model.

A figure is read in one of three forms, and each pair stores all three for every point:
- "raw": the seconds, as asv's graphs show them;
- "floor": divided by the copy floor of the same release and shape, timed interleaved in the same run;
- "run": divided by the run's index, the median ratio over every point of the pair: the drift that a run shares
  with all its points taken out. Two releases timed in one run share that drift, so the report compares them
  in this form; asv's graphs compare commits of separate runs in raw form.

A point's spread sigma (per run, in log units) is the root mean square of its pair log ratios over sqrt(2), shrunk
by PRIOR_PAIRS pairs' worth towards the median of its kind: memory-bound points (within MEMORY_BOUND copies of the
floor) move together and more than compute-bound ones, so a pair that happened to draw the same memory layout twice
does not make a two-valued point look quiet. Two figures are apart when they differ by more than Z standard
deviations of their difference; a point whose spread is too wide to show a TARGET change (with 90 % power) is named,
not hidden. A machine with fewer than MIN_PAIRS stored pairs gets DEFAULT_LIMIT, the largest factor between two runs
of one commit seen on any machine so far (docs/methodology.md), and the report says so.
"""

import json
import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path

from relu_bench.errors import UserError

FORMS = ("raw", "floor", "run")
Z = 4.0  # normal two-sided p 6e-5 a comparison: ~0.01 false entries over a report's ~150 comparisons
POWER_Z = 1.2816  # a change at the limit plus this many sigmas is seen 9 times in 10
TARGET = 1.10
DEFAULT_LIMIT = 1.30
MIN_LIMIT = 1.02  # below this, a figure's own quartiles decide nothing useful: never call a smaller step a change
PRIOR_PAIRS = 2
# Pairs a model needs before it replaces the default: one quiet pair (two runs a quarter of an hour apart) made a
# model that called 6 points of a pair taken an hour apart changed (docs/findings.md).
MIN_PAIRS = 2
MEMORY_BOUND = 3.0  # copies of the floor: below, a point's time is mostly moving memory
NOISE_DIR = "noise"
SUFFIX = ".noise"  # JSON, under a name asv's readers of the results folder skip
HOST_FIELDS = ("cpu", "num_cpu", "ram")


def host_of(machine_dir):
    """The hardware identity of an asv machine folder (its machine.json), e.g. 'Intel(R) Xeon(R) Processor, 2 CPUs,
    24 GiB' (memory rounded: two machines of one kind differ by a few MB)."""
    path = Path(machine_dir) / "machine.json"
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {path}: {exc}") from None
    cpu, cores, ram = (info.get(k) for k in HOST_FIELDS)
    if not cpu:
        raise UserError(f"{path} does not name its hardware (asv machine): run `relu-bench bench` to record it")
    memory = f"{round(int(ram) / 2**30)} GiB" if str(ram).isdigit() else f"{ram} memory"
    return f"{cpu}, {cores} CPUs, {memory}"


def _slug(host):
    return "".join(c if c.isalnum() else "-" for c in host).strip("-")[:120] or "unknown"


def model_path(results_dir, host):
    return Path(results_dir) / NOISE_DIR / f"{_slug(host)}{SUFFIX}"


@dataclass
class Pair:
    """One A/A pair: {point: {form: log(run 2 / run 1)}}, with what was compared."""

    runs: list  # the two asv machine names
    commit: str
    logs: dict  # "release|asv entry" -> {form: log ratio or None}
    hours_apart: float = None

    def as_json(self):
        return {"runs": self.runs, "commit": self.commit, "hours_apart": self.hours_apart, "logs": self.logs}


@dataclass
class NoiseModel:
    host: str
    pairs: list = field(default_factory=list)

    target = TARGET  # the change every comparison should see (9 times in 10)
    z = Z  # standard deviations apart for a change

    @property
    def measured(self):
        return len(self.pairs) >= MIN_PAIRS

    def _squares(self, form):
        """({point: [squared log ratios]}, {point: its kind})."""
        found, kinds = {}, {}
        for pair in self.pairs:
            for point, logs in pair.logs.items():
                if logs.get(form) is not None:
                    found.setdefault(point, []).append(logs[form] ** 2)
                    kinds[point] = kind(logs.get("copies"))
        return found, kinds

    def sigma(self, point, form="run"):
        """A point's spread per run, in log units (None: never measured here)."""
        squares, kinds = self._squares(form)
        if point not in squares or not self.measured:
            return None
        prior = statistics.median(statistics.fmean(s) for p, s in squares.items() if kinds[p] == kinds[point])
        own = squares[point]
        return math.sqrt((sum(own) + PRIOR_PAIRS * prior) / (len(own) + PRIOR_PAIRS) / 2)

    def limit(self, a, b, form="run"):
        """The factor beyond which figures of points a and b (each "release|entry") differ beyond the noise."""
        spread = self.combined(a, b, form)
        return DEFAULT_LIMIT if spread is None else max(MIN_LIMIT, math.exp(Z * spread))

    def combined(self, a, b, form="run"):
        sa, sb = self.sigma(a, form), self.sigma(b, form)
        return None if sa is None or sb is None else math.hypot(sa, sb)

    def reaches(self, a, b, size=TARGET, form="run"):
        """Would a real change of `size` between a and b be listed 9 times in 10?"""
        spread = self.combined(a, b, form)
        limit = DEFAULT_LIMIT if spread is None else self.limit(a, b, form)
        return math.log(size) >= math.log(limit) + POWER_Z * (spread or 0.0)

    def describe(self, form="run"):
        """The rule in words, for the report, `agree` and the docs."""
        if not self.measured:
            stored = f"{len(self.pairs)} A/A pair is" if self.pairs else "no A/A pair is"
            return (
                f"{stored} stored for this machine ({self.host}), {MIN_PAIRS} are needed: a time moved when the two "
                f"figures differ by "
                f"at least {DEFAULT_LIMIT:.2f}x, the conservative default, with their quartiles apart (store pairs "
                "with `relu-bench agree A B --store`)"
            )
        how = {"run": "with the run's shared drift taken out", "raw": "as timed", "floor": "÷ the copy floor"}[form]
        return (
            f"a time moved when the quartiles of the two figures do not overlap and they differ ({how}) by more "
            f"than {Z:g} standard deviations of their difference, each point's spread measured in {len(self.pairs)} "
            f"A/A pair(s) of runs on this machine ({self.host}), and at least {MIN_LIMIT:.2f}x; a point never "
            f"measured in a pair needs {DEFAULT_LIMIT:.2f}x"
        )

    def save(self, results_dir):
        path = model_path(results_dir, self.host)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {"host": self.host, "pairs": [p.as_json() for p in self.pairs]}
        path.write_text(json.dumps(body, indent=1, sort_keys=True) + "\n")
        return path

    def with_pair(self, pair):
        """This model with `pair` added, replacing a stored pair of the same two runs and commit."""
        kept = [p for p in self.pairs if (sorted(p.runs), p.commit) != (sorted(pair.runs), pair.commit)]
        return NoiseModel(self.host, kept + [pair])

    def without(self, runs, commit):
        """This model without the pair of `runs` and `commit`: to judge that pair out of sample."""
        return NoiseModel(self.host, [p for p in self.pairs if (sorted(p.runs), p.commit) != (sorted(runs), commit)])


def kind(copies):
    """ "memory" or "compute" by a point's time in copies of the floor; "unknown" without a floor."""
    if copies is None:
        return "unknown"
    return "memory" if copies < MEMORY_BOUND else "compute"


def load(results_dir, host):
    """The stored model of `host` (empty where none is stored); UserError naming a file that cannot be read."""
    path = model_path(results_dir, host)
    if not path.exists():
        return NoiseModel(host)
    try:
        body = json.loads(path.read_text())
        pairs = [Pair(p["runs"], p["commit"], p["logs"], p.get("hours_apart")) for p in body["pairs"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UserError(f"cannot read the noise model {path}: {exc!r}; move it away to start again") from None
    return NoiseModel(body.get("host", host), pairs)


# Without a model (a caller with no machine): no pair measured, the conservative default.
UNMEASURED = NoiseModel("no machine")


def point_key(release_label, entry):
    return f"{release_label}|{entry}"


def pair_logs(first, second):
    """{point: {form: log ratio}} of two runs' {point: (seconds, floor seconds or None)}: raw, ÷ floor, ÷ run."""
    common = sorted(set(first) & set(second))
    raw = {p: math.log(second[p][0] / first[p][0]) for p in common}
    if not raw:
        return {}
    drift = statistics.median(raw.values())
    logs = {}
    for p in common:
        floors = first[p][1], second[p][1]
        floor = raw[p] - math.log(floors[1] / floors[0]) if None not in floors else None
        copies = first[p][0] / floors[0] if floors[0] else None
        logs[p] = {"raw": raw[p], "floor": floor, "run": raw[p] - drift, "copies": copies}
    return logs
