#!/usr/bin/env python3
"""Did a change make a benchmark slower? Benchmark BASE and HEAD together, compare, render Markdown.

    python3 tools/compare.py BASE HEAD [--bench REGEX]... [--env RELEASE]... [--table FILE]

Both commits are built and benchmarked in one `asv run` on this machine, rounds
interleaved across the two commits (`--interleave-rounds`), with raw samples
recorded, so drift of the machine hits both alike. The suite that runs is BASE's
(asv_bench/benchmarks at BASE), plus the drift reference of this checkout
(tools/drift_reference.py): a pull request can neither edit nor drop the
benchmarks that judge it. The result JSON files are read directly (asv's
`continuous` shows no comparison once a benchmark fails): every comparison that
exists is shown, and every failure is named.

The rule (defaults in RULE and RUN below, the one place to tune them):
- each timing ratio is divided by the machine's drift: the median head/base ratio
  of the reference kernels (numpy only, unchanged by any commit) in the same
  environment and rounds;
- a timing is SLOWER when head/base (medians) > --threshold AND the difference is
  significant: two-sided Mann-Whitney U on the recorded samples, Holm-corrected
  over all timing comparisons of the run at family-wise --alpha, and the
  interquartile ranges of base and head do not overlap (samples of one asv round
  share a process, so the test alone overstates significance); without samples,
  asv's 99% confidence intervals must not overlap;
- a track_ figure (graph nodes, loops: deterministic) is WORSE when it grew at
  all, whatever the timing noise; instructions per call (valgrind, near
  deterministic) when they grew beyond RULE.instructions; page faults per call
  when they grew by more than RULE.faults; a peakmem_ figure when it grew beyond
  --threshold.

Exit status (the most severe applies):
  0  nothing slower
  1  a slowdown beyond the threshold (or a worse track_ figure)
  2  a benchmark failed or vanished in HEAD (failed, newly skipped, or no result),
     the drift reference failed, or the check could not run

Environments: release names from asv.conf.json (e.g. theano-1.0.5) or asv
environment names; default: the newest Theano and PyTensor (tools/bench.py);
--full-matrix: every release. Benchmarks default to the PR set (tools/bench.py
PR_BENCH). Everything lands in --output (default .asv/pr-check): asv.conf.json
used, results/ (asv result files), table.md, comparison.json.
"""

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from envs import PYTHONS_BIN, ROOT, link_pythons, load_asv_conf, releases  # noqa: E402

from relu_impls.releases import library_pin  # noqa: E402  (imports no backend)


@dataclass(frozen=True)
class Rule:
    """When a comparison counts as a slowdown (values chosen with tools/experiment.py, README)."""

    # head/base ratio of medians, after the drift correction.
    threshold: float = 1.5
    alpha: float = 0.01  # family-wise error rate over all timing comparisons of one run (Holm)
    # Samples within one asv round share a process, so Mann-Whitney overstates significance when
    # processes differ. Also require the interquartile ranges of base and head not to overlap.
    separate_iqr: bool = True
    # Instructions per call (valgrind) repeat to 0.01 % between identical commits, not exactly: worse
    # beyond this ratio. Other track_ figures (graph counts) are exact: any increase.
    instructions: float = 1.01
    # Page faults per steady-state call: 0 at every point measured; an output on fresh memory costs
    # ~2000 (8 MB). Worse when they grew by more than this many.
    faults: int = 64
    # Divide each timing ratio by the median ratio of the drift reference (tools/drift_reference.py)
    # in its environment: the same rounds run slower or faster together on a shared machine.
    drift: bool = True


@dataclass(frozen=True)
class Run:
    """How asv measures both commits."""

    rounds: int | None = None  # asv rounds per benchmark (None: the suite's own, common.Timing)
    interleave: bool = True  # alternate commits round by round
    machine: str = "pr-check"  # asv machine name under which the results are stored


RULE = Rule()
RUN = Run()

OUTPUT = ROOT / ".asv" / "pr-check"
TOOLS_BIN = Path(sys.executable).parent

FAILED, VANISHED, SLOWER, WORSE, FASTER, BETTER, SAME, FIXED, NEW, SKIPPED, REFERENCE = (
    "failed",
    "vanished",
    "slower",
    "worse",
    "faster",
    "better",
    "same",
    "fixed",
    "new",
    "skipped",
    "reference",
)
# The drift reference's benchmarks, as tools/compare.py adds them to the suite.
REFERENCE_MODULE = "reference"
REFERENCE_BENCH = rf"^{REFERENCE_MODULE}\."
MARK = {
    FAILED: "❌",
    VANISHED: "❌",
    SKIPPED: "⏭️",
    SLOWER: "🔴",
    WORSE: "🔴",
    FASTER: "🟢",
    BETTER: "🟢",
    FIXED: "🟢",
    NEW: "🆕",
}
SEVERITY = {FAILED: 0, VANISHED: 0, SLOWER: 1, WORSE: 1}


@dataclass
class Comparison:
    benchmark: str
    params: str
    env: str
    kind: str  # asv benchmark type: time, track, peakmem, ...
    unit: str
    base: float | None  # None: failed; NaN: skipped; missing result: None too (see status)
    head: float | None
    ratio: float | None = None
    p: float | None = None
    significant: bool | None = None
    status: str = SAME
    note: str = ""


# --------------------------------------------------------------------------- the rule


def _number(value):
    return isinstance(value, (int, float)) and not math.isnan(value)


def p_value(samples_a, samples_b):
    """Two-sided Mann-Whitney U p-value, or None when the samples are too few for any to be small."""
    from asv._stats import mann_whitney_u

    a = [x for x in samples_a or [] if _number(x)]
    b = [x for x in samples_b or [] if _number(x)]
    if len(a) < 2 or len(b) < 2:
        return None
    return mann_whitney_u(a, b)[1]


def iqr_disjoint(samples_a, samples_b):
    """The middle halves of the two sample sets do not overlap."""
    from asv_runner.statistics import quantile

    a = [x for x in samples_a or [] if _number(x)]
    b = [x for x in samples_b or [] if _number(x)]
    if not a or not b:
        return False
    return quantile(a, 0.75) < quantile(b, 0.25) or quantile(b, 0.75) < quantile(a, 0.25)


def ci_disjoint(stats_a, stats_b):
    """asv's fallback without samples: the 99% confidence intervals do not overlap."""
    try:
        a = (stats_a["ci_99_a"], stats_a["ci_99_b"])
        b = (stats_b["ci_99_a"], stats_b["ci_99_b"])
    except (KeyError, TypeError):
        return False
    return a[1] < b[0] or b[1] < a[0]


def holm(p_values, alpha):
    """Holm-Bonferroni: which of the p-values are significant at family-wise alpha."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    significant = [False] * len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] > alpha / (len(p_values) - rank):
            break
        significant[i] = True
    return significant


def judge(comparisons, samples, stats, rule=RULE):
    """Set ratio, p, significant and status of each comparison.

    samples/stats: {index in comparisons: (base, head)} for those that have them.
    """
    timed = []
    drift = reference_drift(comparisons) if rule.drift else {}
    for i, c in enumerate(comparisons):
        if c.status in (FAILED, VANISHED, FIXED, NEW, SKIPPED):
            continue
        c.ratio = c.head / c.base if c.base else (math.inf if c.head else 1.0)
        if is_reference(c):
            c.status, c.note = REFERENCE, "drift reference (numpy only): not judged"
        elif c.kind == "track":
            if c.unit == "faults":
                worse, better = c.head - c.base > rule.faults, c.base - c.head > rule.faults
            else:
                limit = rule.instructions if c.unit == "instructions" else 1.0
                worse, better = c.ratio > limit, c.ratio < 1 / limit
            c.significant = worse or better
            c.status = WORSE if worse else BETTER if better else SAME
        elif c.kind == "time":
            if c.env in drift:
                c.ratio /= drift[c.env]
                base_samples, head_samples = samples.get(i, (None, None))
                samples[i] = (base_samples, [x / drift[c.env] for x in head_samples or [] if _number(x)])
                c.note = f"ratio ÷ {drift[c.env]:.3f}, the reference's drift"
            c.p = p_value(*samples.get(i, (None, None)))
            if c.p is None:
                c.significant = ci_disjoint(*stats.get(i, (None, None)))
                c.note = "few samples: 99% CIs"
            else:
                timed.append(i)
        else:  # peakmem and the like: one measurement, no statistics
            c.significant = None
            c.status = SLOWER if c.ratio > rule.threshold else FASTER if c.ratio < 1 / rule.threshold else SAME
    for i, significant in zip(timed, holm([comparisons[i].p for i in timed], rule.alpha)):
        if significant and rule.separate_iqr and not iqr_disjoint(*samples[i]):
            significant = False
            comparisons[i].note = "; ".join(filter(None, [comparisons[i].note, "interquartile ranges overlap"]))
        comparisons[i].significant = significant
    for c in comparisons:
        if c.kind == "time" and c.status == SAME:
            if c.significant and c.ratio > rule.threshold:
                c.status = SLOWER
            elif c.significant and c.ratio < 1 / rule.threshold:
                c.status = FASTER
    if rule.drift:
        for env in {c.env for c in comparisons if c.kind == "time" and not is_reference(c)} - set(drift):
            missing = Comparison(f"{REFERENCE_MODULE} (drift reference)", "", env, "time", "", None, None)
            missing.status, missing.note = FAILED, "no reference timings in both commits: timings not judged"
            comparisons.append(missing)
    return comparisons


def is_reference(c):
    return c.benchmark.startswith(f"{REFERENCE_MODULE}.")


def reference_drift(comparisons):
    """{environment: median head/base ratio of its reference timings}, where it has them."""
    ratios = {}
    for c in comparisons:
        if is_reference(c) and c.status == SAME and _number(c.base) and _number(c.head) and c.base > 0:
            ratios.setdefault(c.env, []).append(c.head / c.base)
    return {env: statistics.median(r) for env, r in ratios.items()}


def exit_code(comparisons):
    statuses = {c.status for c in comparisons}
    if statuses & {FAILED, VANISHED}:
        return 2
    if statuses & {SLOWER, WORSE}:
        return 1
    return 0


# --------------------------------------------------------------------------- reading asv's results


def release_label(requirements, fallback):
    pin = library_pin(requirements or {})
    return "-".join(pin) if pin else fallback


def load_results(results_dir, machine, commit, env_names):
    """{env name: asv Results} for one commit; environments without a result file are absent."""
    from asv.results import Results

    found = {}
    for env_name in env_names:
        path = Path(results_dir, machine, f"{commit[:8]}-{env_name}.json")
        if path.exists():
            found[env_name] = Results.load(str(path))
    return found


def _entry(results, key, params, index):
    """(value, samples, stats) of one parameter point; value None = failed, NaN = skipped."""
    if results is None or key not in results.get_all_result_keys():
        return None, None, None
    values = results.get_result_value(key, params)
    samples = results.get_result_samples(key, params)
    stats = results.get_result_stats(key, params)
    value = values[index] if values is not None else None
    return value, (samples or [None] * (index + 1))[index], (stats or [None] * (index + 1))[index]


def collect(benchmarks, base, head, env_names):
    """Comparisons for every selected point in every environment, judged later by `judge`.

    benchmarks: asv Benchmarks (the selection); base/head: {env name: Results}.
    """
    from itertools import product

    comparisons, samples, stats = [], {}, {}
    for key in sorted(benchmarks):
        bench = benchmarks[key]
        params = bench["params"]
        points = list(product(*params)) if params else [()]
        selection = benchmarks.benchmark_selection.get(key) or range(len(points))
        for env_name in env_names:
            b_res, h_res = base.get(env_name), head.get(env_name)
            ref = h_res or b_res
            env = release_label(ref.params, env_name) if ref else env_name
            for index in selection:
                label = ", ".join(
                    f"{name}={value.strip(chr(39))}" for name, value in zip(bench["param_names"], points[index])
                )
                b_val, b_smp, b_st = _entry(b_res, key, params, index)
                h_val, h_smp, h_st = _entry(h_res, key, params, index)
                c = Comparison(key, label, env, bench["type"], bench.get("unit") or "", b_val, h_val)
                if h_res is None or key not in h_res.get_all_result_keys():
                    c.status, c.note = VANISHED, "no result for HEAD (environment or build failed?)"
                elif c.head is None:
                    c.status, c.note = FAILED, "raised or timed out in HEAD (see the log)"
                elif not _number(c.head) and not _number(c.base):
                    c.status, c.note = SKIPPED, "skipped in both (NotImplementedError: see asv's log for why)"
                elif not _number(c.head):
                    c.status, c.note = VANISHED, "skipped in HEAD, measured in BASE"
                elif c.base is None and b_res is not None and key in b_res.get_all_result_keys():
                    c.status, c.note = FIXED, "failed in BASE"
                elif not _number(c.base):
                    c.status = NEW
                samples[len(comparisons)] = (b_smp, h_smp)
                stats[len(comparisons)] = (b_st, h_st)
                comparisons.append(c)
    return comparisons, samples, stats


# --------------------------------------------------------------------------- rendering


def _fmt(value, unit):
    from asv.util import human_value

    if value is None:
        return "failed"
    if isinstance(value, float) and math.isnan(value):
        return "skipped"
    return human_value(value, unit)


def _order(c):
    return (SEVERITY.get(c.status, 2), -(c.ratio if c.ratio is not None and math.isfinite(c.ratio) else 0))


def render(comparisons, base, head, rule=RULE):
    rows = sorted(comparisons, key=_order)
    code = exit_code(comparisons)
    verdict = {0: "nothing slower", 1: "SLOWER", 2: "a benchmark FAILED or VANISHED"}[code]
    lines = [
        f"### Benchmarks: {verdict} (`{base[:10]}` → `{head[:10]}`)",
        "",
        "| | benchmark | parameters | environment | base | head | ratio | significant? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in rows:
        ratio = f"{c.ratio:.3f}" if c.ratio is not None and math.isfinite(c.ratio) else "—"
        status = f"{MARK.get(c.status, '')} {c.status}".strip()
        why = [f"p={c.p:.2g}"] if c.p is not None else []
        if c.status in (FAILED, VANISHED, FIXED, SKIPPED):
            status += f": {c.note}"
        elif c.note:
            why.append(c.note)
        sig = "—" if c.significant is None else "yes" if c.significant else "no"
        sig += f" ({'; '.join(why)})" if why else ""
        cells = [status, f"`{c.benchmark}`", c.params or "—", c.env, _fmt(c.base, c.unit), _fmt(c.head, c.unit)]
        lines.append("| " + " | ".join(cells + [ratio, sig]) + " |")
    if not rows:
        lines.append("| | (no comparisons) | | | | | | |")
    counts = {s: sum(c.status == s for c in comparisons) for s in (FAILED, VANISHED, SLOWER, WORSE, FASTER)}
    lines += [
        "",
        f"{len(comparisons)} comparisons; "
        + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        + (";" if any(counts.values()) else "")
        + f" rule: time slower when head/base > {rule.threshold} and Mann-Whitney U significant at "
        f"family-wise α={rule.alpha} (Holm)"
        + (" with disjoint interquartile ranges" if rule.separate_iqr else "")
        + (", ratios divided by the drift of the numpy reference kernels" if rule.drift else "")
        + f"; track_ figures fail on any increase (instructions: beyond {rule.instructions}; page faults: by more "
        f"than {rule.faults}). Exit status {code}.",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- running asv


def judging_suite(output, commit):
    """OUTPUT/suite/benchmarks: the asv suite as of `commit`, plus this checkout's drift reference."""
    suite = output / "suite"
    if suite.exists():
        shutil.rmtree(suite)
    suite.mkdir(parents=True)
    conf = load_asv_conf()
    archive = subprocess.run(["git", "archive", commit, conf["benchmark_dir"]], cwd=ROOT, capture_output=True)
    if archive.returncode:
        raise SystemExit(f"compare.py: {commit[:10]} has no {conf['benchmark_dir']} to judge with")
    subprocess.run(["tar", "-x", "-C", str(suite)], input=archive.stdout, check=True)
    benchmarks = suite / conf["benchmark_dir"]
    shutil.copy(Path(__file__).with_name("drift_reference.py"), benchmarks / f"{REFERENCE_MODULE}.py")
    return benchmarks


def scratch_conf(output, env_dir, suite_commit):
    """asv.conf.json with absolute paths, the judging suite of `suite_commit`, and results under OUTPUT/results
    (the project's history stays clean)."""
    conf = load_asv_conf()
    conf.update(
        repo=str(ROOT),
        benchmark_dir=str(judging_suite(output, suite_commit)),
        env_dir=str(env_dir),
        results_dir=str(output / "results"),
        html_dir=str(output / "html"),
    )
    path = output / "asv.conf.json"
    path.write_text(json.dumps(conf, indent=1))
    return path


def asv_env(extra_path=()):
    path = [str(PYTHONS_BIN), str(TOOLS_BIN), *extra_path, os.environ.get("PATH", "")]
    return dict(os.environ, PATH=os.pathsep.join(path))


def environment_names(wanted, conf_path, env):
    """{release or env name: asv environment name}; unknown or unavailable names are absent."""
    from asv import environment
    from asv.config import Config

    table = releases()
    old_path = os.environ["PATH"]
    os.environ["PATH"] = env["PATH"]  # asv looks for pythonX.Y on PATH
    try:
        envs = list(environment.get_environments(Config.load(str(conf_path)), None, verbose=False))
    finally:
        os.environ["PATH"] = old_path
    names = {}
    for name in wanted:
        for e in envs:
            if e.name == name or (name in table and dict(e.requirements) == dict(table[name]["req"])):
                names[name] = e.name
    return names


def rev_parse(ref):
    out = subprocess.run(
        ["git", "rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"compare.py: not a commit: {ref!r} ({out.stderr.strip()})")
    return out.stdout.strip()


def run_asv(conf_path, output, commits, env_names, bench, run=RUN, reference=True):
    """Benchmark `commits` in one asv run, rounds interleaved across them, with the drift reference unless
    `reference` is false (a run without timings needs none); returns asv's exit status."""
    env = asv_env()
    asv = [sys.executable, "-m", "asv"]
    subprocess.run(
        [*asv, "machine", "--yes", "--machine", run.machine, "--config", str(conf_path)],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    machine_dir = output / "results" / run.machine
    for commit in commits:  # stale results of an earlier run would be compared otherwise
        for old in machine_dir.glob(f"{commit[:8]}-*.json"):
            old.unlink()
    hashes = output / "commits.txt"
    hashes.write_text("".join(f"{commit}\n" for commit in commits))
    cmd = [*asv, "run", f"HASHFILE:{hashes}", "--config", str(conf_path), "--machine", run.machine]
    cmd += ["--record-samples", "--show-stderr", "--no-pull"]
    cmd += ["--interleave-rounds" if run.interleave else "--no-interleave-rounds"]
    bench = [*bench, REFERENCE_BENCH] if bench and reference else bench
    if run.rounds:
        cmd += ["-a", f"rounds={run.rounds}"]
    for name in env_names:
        cmd += ["-E", name]
    for regex in bench:
        cmd += ["--bench", regex]
    print("$ " + " ".join(cmd), flush=True)
    # asv exits 2 when a benchmark raised, 1 when an environment failed: the result files say which, below.
    return subprocess.run(cmd, env=env, cwd=ROOT).returncode


def compare(conf_path, output, base, head, env_names, bench, rule=RULE, machine=RUN.machine, reference=True):
    """(comparisons, Markdown) from the result files under OUTPUT/results (of a run with the drift reference,
    unless `reference` is false)."""
    from asv.benchmarks import Benchmarks
    from asv.config import Config
    from asv.util import UserError

    try:
        benchmarks = Benchmarks.load(Config.load(str(conf_path)), regex=[*bench, *[REFERENCE_BENCH] * reference])
    except UserError as exc:  # no benchmarks.json: asv stopped before discovering the suite
        print(f"compare.py: {exc}", file=sys.stderr)
        benchmarks = {}
    if not benchmarks:
        nothing = Comparison("(any benchmark)", "", ", ".join(env_names), "", "", None, None, status=VANISHED)
        nothing.note = "nothing selected or discovered (see asv's log)"
        return [nothing], render([nothing], base, head, rule)
    results_dir = output / "results"
    base_results = load_results(results_dir, machine, base, env_names)
    head_results = load_results(results_dir, machine, head, env_names)
    comparisons, samples, stats = collect(benchmarks, base_results, head_results, env_names)
    judge(comparisons, samples, stats, rule)
    return comparisons, render(comparisons, base, head, rule)


def default_bench():
    from bench import PR_BENCH

    return PR_BENCH


def default_envs(full):
    table = releases()
    if full:
        return list(table)
    from bench import default_releases

    return default_releases(table)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("base", help="the commit compared against (e.g. the PR's base)")
    parser.add_argument("head", help="the commit tested (e.g. the PR's merge commit, HEAD)")
    parser.add_argument(
        "--bench",
        action="append",
        metavar="REGEX",
        help="asv --bench regex (repeatable); default: tools/bench.py PR_BENCH",
    )
    parser.add_argument(
        "--env",
        action="append",
        metavar="NAME",
        help="release from asv.conf.json (e.g. "
        "pytensor-3.0.7) or asv environment name (repeatable); default: newest Theano and PyTensor",
    )
    parser.add_argument("--full-matrix", action="store_true", help="every release in asv.conf.json")
    parser.add_argument(
        "--threshold",
        type=float,
        default=RULE.threshold,
        help=f"head/base ratio beyond which a significant difference is a slowdown ({RULE.threshold})",
    )
    parser.add_argument(
        "--alpha", type=float, default=RULE.alpha, help=f"family-wise significance level, Holm-corrected ({RULE.alpha})"
    )
    parser.add_argument(
        "--rounds", type=int, default=RUN.rounds, help="asv rounds per benchmark (default: the suite's own)"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"results, table.md, comparison.json ({OUTPUT})")
    parser.add_argument("--env-dir", type=Path, help="asv environments (default: asv.conf.json env_dir)")
    parser.add_argument(
        "--table", type=Path, metavar="FILE", help="also append the Markdown table to FILE (e.g. $GITHUB_STEP_SUMMARY)"
    )
    parser.add_argument("--no-run", action="store_true", help="compare the results already in --output")
    args = parser.parse_args(argv)

    rule = replace(RULE, threshold=args.threshold, alpha=args.alpha)
    run = replace(RUN, rounds=args.rounds)
    base, head = rev_parse(args.base), rev_parse(args.head)
    bench = args.bench or default_bench()
    output = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    env_dir = (args.env_dir or ROOT / load_asv_conf()["env_dir"]).resolve()
    conf_path = scratch_conf(output, env_dir, base)

    table = releases()
    wanted = args.env or default_envs(args.full_matrix)
    link_pythons(table[name]["python"] for name in wanted if name in table)
    names = environment_names(wanted, conf_path, asv_env())
    missing = [name for name in wanted if name not in names]
    if missing:
        print(
            f"compare.py: no asv environment for {missing} (unknown name, or its Python is missing: "
            f"`python3 tools/envs.py list`); known releases: {', '.join(table)}",
            file=sys.stderr,
        )
        return 2
    env_names = [names[name] for name in wanted]

    if not args.no_run:
        code = run_asv(conf_path, output, [base, head], env_names, bench, run)
        print(f"asv run exited {code}", flush=True)
    comparisons, markdown = compare(conf_path, output, base, head, env_names, bench, rule, run.machine)
    print(markdown)
    (output / "table.md").write_text(markdown)
    report = {
        "base": base,
        "head": head,
        "rule": asdict(rule),
        "run": asdict(run),
        "exit": exit_code(comparisons),
        "comparisons": [asdict(c) for c in sorted(comparisons, key=_order)],
    }
    (output / "comparison.json").write_text(json.dumps(report, indent=1, default=str))
    if args.table:
        with open(args.table, "a") as f:
            f.write(markdown)
    return exit_code(comparisons)


if __name__ == "__main__":
    sys.exit(main())
