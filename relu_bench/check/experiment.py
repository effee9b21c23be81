"""`relu-bench experiment`'s record and its judging: the commits it makes (an A/A twin of BASE and planted
slowdowns), the record it keeps of them (experiment.json), each trial's verdict by the PR check's rule, and the
summary. The timing itself is the PR check's (relu_bench/check/prcheck.py), called by the command."""

from __future__ import annotations  # `int | None` on Python 3.8 and 3.9, the floor pyproject.toml declares

import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

from relu_bench import git
from relu_bench.check import rule
from relu_bench.config import ROOT, pr_timing
from relu_bench.measure import paired

PLANTS = Path(__file__).resolve().parent.parent / "plants"
# The benchmark that every plant slows, and whose true size is measured: relu_op's forward at the PR point.
TARGET_VARIANT = "relu_op"
TARGET_NAME = pr_timing(TARGET_VARIANT, "forward")
# Measuring a plant's true size: about ten times the PR check's paired timing of one benchmark.
TRUE_SIZE = paired.Plan(processes=5, blocks=40, calls=25)


@dataclass
class Plant:
    """A planted commit: relu_bench/plants/PATCH.patch on BASE with its amounts, and its size as measured."""

    commit: str
    patch: str
    work: int  # loop steps of Python work per call
    trim: bool  # malloc_trim before each call
    nominal: int | None  # the slowdown asked for, in %; None: memory only
    true_percent: float  # relu_op's forward, paired outside asv (TRUE_SIZE)


@dataclass
class Experiment:
    """experiment.json: what was compared, where, and each trial (its folder, seconds and, once judged, the
    verdicts: {"twin": {"exit", "flags"}, "plants": {name: {...}}})."""

    base: str
    envs: list  # the releases
    env_names: list  # their asv environments' names, in that order
    conf: str  # the scratch asv.conf.json
    counts: str  # the folder of the one asv run of the deterministic figures
    bench: list  # the PR check's --bench regexes
    twin: str = None
    machine: str = None
    plan: dict = None  # the PR check's paired plan
    base_seconds: float = None  # relu_op's forward per call at BASE
    plants: dict = field(default_factory=dict)  # name -> Plant
    trials: list = field(default_factory=list)
    counts_seconds: float = None
    counts_exit: int = None
    rule: dict = None  # the rule the trials were last judged by

    @classmethod
    def from_json(cls, data):
        return cls(**dict(data, plants={name: Plant(**p) for name, p in data["plants"].items()}))

    def to_json(self):
        return asdict(self)

    @property
    def commits(self):
        """The twin, then every planted commit: what each trial times against BASE."""
        return [self.twin, *(p.commit for p in self.plants.values())]


def make_commit(base, message, ref, patch=None, work=0, trim=False, repo=ROOT):
    """A commit whose parent is BASE: the same tree, or BASE with relu_bench/plants/PATCH applied and
    the plant's amounts; kept under refs/experiment/REF."""
    if patch is None:
        tree = git.resolve(f"{base}^{{tree}}", repo)
    else:
        files = {
            "relu_impls/_plant.py": (PLANTS / "plant.py").read_text(),
            "relu_impls/_plant_params.py": f"WORK = {work}\nTRIM = {trim}\n",
        }
        tree = git.make_tree(files, base=base, patch=PLANTS / f"{patch}.patch", repo=repo)
    commit = git.commit_tree(tree, [base], message, repo=repo)
    git.update_ref(f"refs/experiment/{ref}", commit, repo=repo)
    return commit


def plant_specs(slowdowns, fixed_ratio, per_step):
    """{plant name: (patch, work, trim, nominal %)} for the commits to make."""

    def steps(x):
        return max(0, round((x / 100 - (fixed_ratio - 1)) / per_step))

    specs = {f"relu_op+{x}%": ("relu_op_forward", steps(x), False, x) for x in slowdowns}
    # The view op's own cost is not the SlowElemwise's: its true size is measured, not assumed.
    specs["every+20%"] = ("every_variant", round(0.2 / per_step), False, 20)
    specs["relu_op memory"] = ("relu_op_forward", 0, True, None)
    return specs


def targets(name, c):
    """Is comparison `c` one that plant `name` meant to slow?"""
    if name.startswith("every"):
        timed = c.kind == "time" and c.benchmark.startswith("relu.")
        return timed or c.benchmark.startswith(("instructions.", "graph."))
    return (
        TARGET_VARIANT in c.params
        and "function=gradient" not in c.params
        and not c.benchmark.startswith("relu.Gradient")
    )


def flags(comparisons):
    """Comparisons the check marks (slower or worse fail it; faster or better only inform)."""
    marked = (rule.SLOWER, rule.WORSE, rule.FASTER, rule.BETTER, rule.FAILED, rule.VANISHED)
    return [c for c in comparisons if c.status in marked]


def describe(c):
    return f"{c.benchmark}({c.params}) [{c.env}] {c.status} ×{c.ratio:.3f}" if c.ratio else f"{c.benchmark} {c.status}"


def verdict(record, comparisons):
    """The PR check's verdict on the twin and on each planted commit of one trial; comparisons: {commit: its
    comparisons against BASE}."""
    twin = comparisons[record.twin]
    found = {"twin": {"exit": rule.exit_code(twin), "flags": [describe(c) for c in flags(twin)]}, "plants": {}}
    for name, plant in record.plants.items():
        judged = comparisons[plant.commit]
        hit = [c for c in flags(judged) if targets(name, c) and c.status in (rule.SLOWER, rule.WORSE)]
        timed = [c for c in judged if targets(name, c) and c.kind == "time" and c.ratio]
        found["plants"][name] = {
            "time": sum(c.kind == "time" for c in hit),
            "timed": len(timed),
            "instructions": any(c.benchmark.startswith("instructions.") for c in hit),
            "faults": any(c.benchmark.startswith("faults.") for c in hit),
            "caught": rule.exit_code(judged) == 1 and bool(hit),
            "time_ratio": statistics.median(c.ratio for c in timed) if timed else None,
            "others": [describe(c) for c in flags(judged) if not targets(name, c)],
        }
    return found


def trials_table(record, trials, label):
    """The Markdown table of one group of trials."""
    n = len(trials)
    lines = [
        f"**{label}** ({n} trials)",
        "",
        "| comparison | nominal | true size (forward, outside asv) | target timings' ratio in asv (median) "
        "| flagged by time | by instructions | by page faults | check failed | other benchmarks flagged |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    aa_failed = sum(t["twin"]["exit"] != 0 for t in trials)
    aa_flags = sum(len(t["twin"]["flags"]) for t in trials)
    lines.append(f"| A/A (same tree) | 0 % | — | — | — | — | — | {aa_failed} of {n} (false alarms) | {aa_flags} |")
    for name, plant in record.plants.items():
        per = [t["plants"][name] for t in trials]
        ratios = [p["time_ratio"] for p in per if p["time_ratio"]]
        time_ratio = f"{statistics.median(ratios):.3f}" if ratios else "—"
        timed = max((p["timed"] for p in per), default=0)
        by_time = f"{sum(p['time'] > 0 for p in per)} of {n}" + (
            f" ({sum(p['time'] for p in per) / max(n, 1):.1f} of {timed} timings each)" if timed > 1 else ""
        )
        nominal = f"{plant.nominal} %" if plant.nominal is not None else "memory only"
        lines.append(
            f"| {name} | {nominal} | {plant.true_percent:+.1f} % | {time_ratio} | {by_time} "
            f"| {sum(p['instructions'] for p in per)} of {n} | {sum(p['faults'] for p in per)} of {n} "
            f"| {sum(p['caught'] for p in per)} of {n} | {sum(len(p['others']) for p in per)} |"
        )
    return lines


def summary(record, judging):
    trials = record.trials
    lines = [
        f"Rule: time slower when head/base > {judging.threshold}, paired (signed-rank test; {record.plan}) or "
        f"across processes (t-test of the rounds), Holm α={judging.alpha}; instructions worse beyond "
        f"{judging.instructions}; "
        f"page faults beyond +{judging.faults}; graph counts on any increase.",
        "",
    ]
    for label, group in (
        ("Trials 1-5 (the rule was chosen on these)", trials[:5]),
        ("Trials 6-10 (held out)", trials[5:]),
    ):
        if group:
            lines += trials_table(record, group, label) + [""]
    seconds = statistics.median(t["seconds"] for t in trials) if trials else 0
    lines += [
        f"Environments: {', '.join(record.envs)}. Machine: {record.machine}. One trial (the twin and "
        f"{len(record.plants)} planted commits, each timed against BASE) took {seconds / 60:.1f} min (median); "
        f"the deterministic figures of all commits, once, {record.counts_seconds / 60:.1f} min.",
        "A/A flags: "
        + ("; ".join(f"trial {i + 1}: {f}" for i, t in enumerate(trials) for f in t["twin"]["flags"]) or "none"),
    ]
    for name in record.plants:
        others = [f"trial {i + 1}: {f}" for i, t in enumerate(trials) for f in t["plants"][name]["others"]]
        lines.append(f"Other flags for {name}: " + ("; ".join(others) or "none"))
    return "\n".join(lines) + "\n"
