"""Running the pull-request check: BASE's suite, one asv run of both commits for every benchmark but the
time_ ones, the time_ ones timed paired (one process) and across processes (interleaved rounds), then the
rule (relu_bench/check/rule.py) over all of it. Its entry points take one PullRequestCheck: what is compared,
where, and how."""

import json
import math
import os
import shutil
import statistics
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from relu_bench import git
from relu_bench.check.comparisons import Comparison, of_results, of_timings, release_or_env_name
from relu_bench.check.rule import BETTER, FAILED, FASTER, POOLED, RULE, SAME, SLOWER, VANISHED, WORSE, Rule, judge
from relu_bench.config import load_asv_conf
from relu_bench.errors import UserError
from relu_bench.measure.across_processes import ROUNDS_PLAN, Arm, RoundsPlan, broken_state, sequential
from relu_bench.measure.paired import PLAN, Plan, summarize, time_trees
from relu_bench.measure.significance import t_test_p
from relu_bench.measure.worker import python_of, run_worker
from relu_bench.results import asv_results
from relu_impls.backend import CACHE_VARIABLE

MACHINE = "pr-check"  # asv machine name under which the check stores its results
# Every benchmark but the time_ ones, which paired timing measures instead.
NOT_TIMED = r"^(?!.*\.time_)"


@dataclass(frozen=True)
class PullRequestCheck:
    """One check of HEAD against BASE: everything time_both and compare (and run_paired, run_processes) read,
    built once by the caller. envs are needed to time, env_names to judge: give either (env_names defaults to
    envs' names)."""

    conf_path: Path  # the scratch asv.conf.json whose benchmark_dir is the judging suite (judging_suite)
    output: Path  # the check's folder: the asv result files under OUTPUT/results/MACHINE
    base: str  # the commits, full hashes
    head: str
    bench: tuple  # asv --bench regexes of the benchmarks checked (the time_ ones and the rest)
    envs: tuple = ()  # the asv Environments timed in, in release order
    env_names: tuple = ()  # the asv environment names judged, in release order
    plan: Plan = PLAN  # paired timing (relu_bench/measure/paired.py)
    rounds_plan: RoundsPlan = ROUNDS_PLAN  # across processes (relu_bench/measure/across_processes.py)
    rule: Rule = RULE
    user: object = None  # a WorkerUser (relu_bench/measure/worker.py) as whom HEAD's code runs, or None

    def __post_init__(self):
        object.__setattr__(self, "bench", tuple(self.bench))
        object.__setattr__(self, "envs", tuple(self.envs))
        object.__setattr__(self, "env_names", tuple(self.env_names) or tuple(e.name for e in self.envs))


def judging_suite(output, commit):
    """OUTPUT/suite/benchmarks: the asv suite as of `commit`."""
    suite = output / "suite"
    if suite.exists():
        shutil.rmtree(suite)
    benchmark_dir = load_asv_conf()["benchmark_dir"]
    try:
        git.extract(commit, benchmark_dir, suite)
    except UserError as exc:
        raise UserError(f"nothing to judge with: {exc}") from None
    return suite / benchmark_dir


def release_of(e):
    """An asv Environment's release name, as the result rows show it."""
    return release_or_env_name(e.requirements, e.name)


def untimed(bench):
    """asv --bench regexes for the benchmarks of `bench` that the check's asv run measures: all but the time_ ones."""
    return [NOT_TIMED + f"(?:{regex})" for regex in bench]


@contextmanager
def trees(conf_path, base, head):
    """(the judging suite's folder, [BASE's relu_impls tree, HEAD's]), the trees in a temporary folder."""
    suite = Path(json.loads(Path(conf_path).read_text())["benchmark_dir"]).parent
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)  # a worker user reads them too
        yield (
            suite,
            [git.extract(commit, "relu_impls", Path(tmp, side)) for side, commit in (("base", base), ("head", head))],
        )


@contextmanager
def environ_of(user):
    """The environment of the workers that import HEAD's code: the judge's; with a WorkerUser
    (relu_bench/measure/worker.py), HOME and every cache in a folder of the user's, for the block's life."""
    if user is None:
        yield os.environ
        return
    with user.home() as home:
        yield dict(os.environ, HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), **{CACHE_VARIABLE: str(home)})


def run_paired(check):
    """{environment label: relu_bench/measure/paired.py outcome, or {"error": why}} of BASE and HEAD's time_
    benchmarks by check.plan, their processes run as check.user where given."""
    found = {}
    with trees(check.conf_path, check.base, check.head) as (suite, both), environ_of(check.user) as environ:
        for e in check.envs:
            python = python_of(e)
            print(f"paired timing in {e.name}", flush=True)
            try:
                found[release_of(e)] = time_trees(python, suite, both, check.bench, check.plan, check.user, environ)
            except (RuntimeError, OSError) as exc:
                found[release_of(e)] = {"error": str(exc)}
    return found


def across_processes(base, head):
    """Two arms' Outcome (relu_bench/measure/across_processes.py) of one benchmark in the shape of a paired outcome,
    one block per round."""
    rounds = [list(pair) for pair in zip(base.figures, head.figures)]
    result = {"label": base.label, "sides": [base.side, head.side], "blocks": rounds}
    return dict(result, **summarize(rounds, t_test_p)) if rounds else result


def undecided(found, rule=RULE):
    """asv names whose ratio across processes is past the rule's threshold toward slower, but whose test is not
    significant at the family's strictest Holm level: more rounds decide them. One past the threshold and already
    below alpha / (2 x timings) is decided; so is one within the threshold. A timing that reads faster gets no more
    rounds: the verdict blocks on slower only, and a faster one left undecided can only waive less (an instruction
    count's growth is waived by a significantly faster timing)."""
    strictest = rule.alpha / (2 * max(1, len(found)))
    return sorted(
        name
        for name, r in found.items()
        if r.get("p") is not None and r["ratio"] > rule.threshold and r["p"] > strictest
    )


def pooled(found):
    """One more outcome across processes: per round, the mean log ratio of the timings measured in that round.

    A process-wide change moves many timings at once: as one test it costs the family one member, not one per
    timing. Every timing has the first rounds; the sequential rounds after them time the undecided timings only
    (they drop out for good once decided, so a timing's n-th figure is the run's n-th round). Which timings those
    are depends on earlier rounds, but the new rounds' own figures do not: with no change, every round's mean is
    still centred on 0.
    """
    timed = [r["blocks"] for r in found.values() if r.get("blocks")]
    rounds = max(map(len, timed), default=0)
    if rounds < 3:
        return None
    means = [
        statistics.fmean(math.log(blocks[i][1] / blocks[i][0]) for blocks in timed if len(blocks) > i)
        for i in range(rounds)
    ]
    blocks = [[1.0, math.exp(m)] for m in means]
    label = f"the mean of {len(timed)} timings, round by round"
    return dict({"label": label, "sides": ["ok", "ok"], "blocks": blocks}, **summarize(blocks, t_test_p))


def _summaries(outcomes):
    names = set(outcomes["base"]) & set(outcomes["head"])
    return {n: across_processes(outcomes["base"][n], outcomes["head"][n]) for n in names}


def arm_runner(head_tree, user, environ):
    """How the rounds start a worker: HEAD's arm's processes as `user` (where given) with `environ`, BASE's as
    the judge with the release's compile cache, which then no process of HEAD's can write."""

    def run(python, plan):
        if user and plan["trees"] == [str(head_tree)]:
            return run_worker(python, plan, environ, user)
        return run_worker(python, plan)

    return run


def run_processes(check):
    """{environment label: {asv name: across_processes outcome}, or {"error": why}}: BASE's and HEAD's time_
    benchmarks, each commit in processes of its own (its relu_impls imported afresh), in interleaved rounds,
    HEAD's as check.user where given; the undecided ones (`undecided` by check.rule) get check.rounds_plan.more
    rounds at a time, up to check.rounds_plan.most."""
    found = {}
    with trees(check.conf_path, check.base, check.head) as (suite, both), environ_of(check.user) as environ:
        run = arm_runner(both[1], check.user, environ)
        for e in check.envs:
            print(f"timing across processes in {e.name}", flush=True)
            python = python_of(e)
            arms = [Arm("base", python, both[0]), Arm("head", python, both[1])]
            outcomes = sequential(
                arms, check.bench, check.rounds_plan, suite, lambda found: undecided(_summaries(found), check.rule), run
            )
            if broken_state(outcomes):
                found[release_of(e)] = {"error": broken_state(outcomes)}
                continue
            found[release_of(e)] = _summaries(outcomes)
            mean = pooled(found[release_of(e)])
            if mean:
                found[release_of(e)][POOLED] = mean
    return found


def timed_points(benchmarks):
    """{asv name: parameter label} of the selected time_ points of asv's Benchmarks (BASE's suite)."""
    points = {}
    for key, bench in benchmarks.items():
        if bench["type"] != "time":
            continue
        for _, combo in asv_results.selected(benchmarks, key):
            name = f"{key}({', '.join(combo)})" if combo else key
            points[name] = asv_results.label(bench["param_names"], combo)
    return points


def vanished_timings(expected, *results):
    """A VANISHED comparison for each expected time_ point that a timing (paired, across processes) never
    returned, per environment: the worker's outcome is all the check knows, so what is not there is lost."""
    missing = []
    for release in sorted({release for found in results for release in found}):
        outcomes = [found[release] for found in results if release in found and "error" not in found[release]]
        for name, label in sorted(expected.items()):
            if any(name not in outcome for outcome in outcomes):
                c = Comparison(name.split("(")[0], label, release, "time", "seconds", None, None, status=VANISHED)
                c.note = "selected by BASE's suite, but no timing came back"
                missing.append(c)
    return missing


def family(c):
    """Which part of the PR set a comparison belongs to."""
    if c.kind == "time":
        return "timings"
    return {"instructions": "instructions", "faults": "page faults"}.get(c.unit, "graph counts")


COMPARED = {SAME, SLOWER, FASTER, WORSE, BETTER}


def uncompared_families(comparisons, release_labels):
    """A FAILED comparison for each family of the PR set that has rows in the run but not one comparison
    of BASE with HEAD in an environment (all skipped, new or fixed): a run that compared nothing must not pass."""
    families = {family(c) for c in comparisons}
    failed = []
    for release in release_labels:
        for name in sorted(families):
            rows = [c for c in comparisons if c.env == release and family(c) == name]
            if not any(c.status in COMPARED | {FAILED, VANISHED} for c in rows):
                c = Comparison(f"({name})", "", release, "", "", None, None, status=FAILED)
                c.note = f"no {name} compared in this environment ({len(rows)} rows, all skipped, new or fixed)"
                failed.append(c)
    return failed


def time_both(check):
    """{"paired": run_paired(check), "processes": run_processes(check)}: what compare() judges the timings by (the
    rule decides which timings get more rounds across processes)."""
    return {"paired": run_paired(check), "processes": run_processes(check)}


def compare(check, timed):
    """The judged comparisons, by check.rule: the timings `timed` (time_both), and the other benchmarks' result
    files under OUTPUT/results."""
    from asv.benchmarks import Benchmarks
    from asv.config import Config
    from asv.util import UserError

    conf_path, env_names = check.conf_path, list(check.env_names)
    comparisons = of_timings(timed["paired"], timed["processes"])
    try:
        expected = timed_points(Benchmarks.load(Config.load(str(conf_path)), regex=list(check.bench)))
        comparisons += vanished_timings(expected, timed["paired"], timed["processes"])
        benchmarks = Benchmarks.load(Config.load(str(conf_path)), regex=untimed(check.bench))
    except UserError as exc:  # no benchmarks.json: asv stopped before discovering the suite
        print(f"relu-bench compare: {exc}", file=sys.stderr)
        broken = Comparison("(asv run)", "", ", ".join(env_names), "", "", None, None, status=FAILED)
        broken.note = "asv discovered no benchmarks (see asv's log)"
        comparisons.append(broken)
        benchmarks = {}
    if benchmarks:
        results_dir = check.output / "results"
        base_results = asv_results.of_commit(results_dir, MACHINE, check.base, env_names)
        head_results = asv_results.of_commit(results_dir, MACHINE, check.head, env_names)
        comparisons += of_results(benchmarks, base_results, head_results, env_names)
    comparisons += uncompared_families(comparisons, sorted({c.env for c in comparisons}))
    if not comparisons:
        nothing = Comparison("(any benchmark)", "", ", ".join(env_names), "", "", None, None, status=VANISHED)
        nothing.note = "nothing selected or discovered (see asv's log)"
        comparisons = [nothing]
    return judge(comparisons, check.rule)
