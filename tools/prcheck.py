"""Running the pull-request check: BASE's suite, one asv run of both commits for every benchmark but the
time_ ones, paired timings of the time_ ones, then the rule (tools/rule.py) over both."""

import json
import shutil
import sys
from pathlib import Path

from tools.config import ROOT, load_asv_conf
from tools.paired import PLAN, extract, paired
from tools.rule import FAILED, RULE, VANISHED, Comparison, collect, judge, load_results, release_label, timings

MACHINE = "pr-check"  # asv machine name under which the check stores its results
# Every benchmark but the time_ ones, which paired timing measures instead.
NOT_TIMED = r"^(?!.*\.time_)"


def judging_suite(output, commit):
    """OUTPUT/suite/benchmarks: the asv suite as of `commit`."""
    suite = output / "suite"
    if suite.exists():
        shutil.rmtree(suite)
    conf = load_asv_conf()
    try:
        extract(commit, conf["benchmark_dir"], ROOT, suite)
    except RuntimeError as exc:
        raise SystemExit(f"relu-bench compare: nothing to judge with: {exc}") from None
    return suite / conf["benchmark_dir"]


def env_label(e):
    """An asv Environment's release name, as the result rows show it."""
    return release_label(dict(e.requirements), e.name)


def untimed(bench):
    """asv --bench regexes for the benchmarks of `bench` that the check's asv run measures: all but the time_ ones."""
    return [NOT_TIMED + f"(?:{regex})" for regex in bench]


def run_paired(conf_path, base, head, envs, bench, plan=PLAN):
    """{environment label: tools/paired.py outcome, or {"error": why}} of BASE and HEAD's time_ benchmarks."""
    suite = Path(json.loads(Path(conf_path).read_text())["benchmark_dir"]).parent
    found = {}
    for e in envs:
        python = Path(e._path, "bin", "python")
        print(f"paired timing in {e.name}", flush=True)
        try:
            found[env_label(e)] = paired(python, suite, ROOT, base, head, bench, plan)
        except (RuntimeError, OSError) as exc:
            found[env_label(e)] = {"error": str(exc)}
    return found


def compare(conf_path, output, base, head, env_names, bench, paired_results, rule=RULE, machine=MACHINE):
    """The judged comparisons: the paired timings, and the other benchmarks' result files under OUTPUT/results."""
    from asv.benchmarks import Benchmarks
    from asv.config import Config
    from asv.util import UserError

    comparisons = timings(paired_results)
    try:
        benchmarks = Benchmarks.load(Config.load(str(conf_path)), regex=[NOT_TIMED + f"(?:{r})" for r in bench])
    except UserError as exc:  # no benchmarks.json: asv stopped before discovering the suite
        print(f"relu-bench compare: {exc}", file=sys.stderr)
        broken = Comparison("(asv run)", "", ", ".join(env_names), "", "", None, None, status=FAILED)
        broken.note = "asv discovered no benchmarks (see asv's log)"
        comparisons.append(broken)
        benchmarks = {}
    if benchmarks:
        results_dir = output / "results"
        base_results = load_results(results_dir, machine, base, env_names)
        head_results = load_results(results_dir, machine, head, env_names)
        comparisons += collect(benchmarks, base_results, head_results, env_names)
    if not comparisons:
        nothing = Comparison("(any benchmark)", "", ", ".join(env_names), "", "", None, None, status=VANISHED)
        nothing.note = "nothing selected or discovered (see asv's log)"
        comparisons = [nothing]
    return judge(comparisons, rule)
