#!/usr/bin/env python3
"""Did a change make a benchmark slower? Benchmark BASE and HEAD together, compare, render Markdown.

    python3 tools/compare.py BASE HEAD [--bench REGEX]... [--env RELEASE]... [--table FILE]

The suite that judges is BASE's (asv_bench/benchmarks at BASE): a pull request
can neither edit nor drop the benchmarks that judge it. In each environment:
- time_ benchmarks are timed paired (tools/paired.py): one process imports
  BASE's and HEAD's relu_impls and times each benchmark in blocks of calls, the
  two taking turns. asv's rounds are processes minutes apart, and on a shared
  machine one process's speed differs from the next one's by up to 20 %;
  block by block, within one process, BASE and HEAD see the same machine.
- every other benchmark (graph counts, instructions, page faults, peak memory)
  runs in one `asv run` of both commits; its result files are read directly
  (asv's `continuous` shows no comparison once a benchmark fails): every
  comparison that exists is shown, and every failure is named.

The rule (defaults in RULE below, the one place to tune them):
- a timing is SLOWER when its paired ratio (median over blocks of HEAD/BASE)
  is beyond --threshold AND the blocks' log ratios differ from 0 (two-sided
  Wilcoxon signed-rank test, Holm-corrected over all timings of the run at
  family-wise --alpha); FASTER likewise below 1/--threshold;
- a track_ figure (graph nodes, loops: deterministic) is WORSE when it grew at
  all; instructions per call (valgrind, near deterministic) when they grew
  beyond RULE.instructions; page faults per call when they grew by more than
  RULE.faults; a peakmem_ figure when it grew beyond RULE.peakmem.

Exit status (the most severe applies):
  0  nothing slower
  1  a slowdown beyond the threshold (or a worse track_ figure)
  2  a benchmark failed or vanished in HEAD (failed, newly skipped, or no result),
     or the check could not run

Environments: release names from asv.conf.json (e.g. theano-1.0.5) or asv
environment names; default: the newest Theano and PyTensor (tools/bench.py);
--full-matrix: every release. Benchmarks default to the PR set (tools/bench.py
PR_BENCH). Everything lands in --output (default .asv/pr-check): asv.conf.json
used, results/ (asv result files), paired.json (the paired timings), table.md,
comparison.json.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import PR_BENCH, default_releases, environments  # noqa: E402
from envs import PYTHONS_BIN, ROOT, link_pythons, load_asv_conf, releases  # noqa: E402
from paired import PLAN, extract, paired  # noqa: E402

from relu_impls.releases import library_pin  # noqa: E402  (imports no backend)


@dataclass(frozen=True)
class Rule:
    """When a comparison counts as a slowdown (values chosen with tools/experiment.py, README)."""

    # Paired HEAD/BASE ratio of a timing (median over blocks) beyond which a significant change counts.
    threshold: float = 1.05
    alpha: float = 0.01  # family-wise error rate over all timing comparisons of one run (Holm)
    # Instructions per call (valgrind) repeat to 0.01 % between identical commits, not exactly: worse
    # beyond this ratio. Other track_ figures (graph counts) are exact: any increase.
    instructions: float = 1.01
    # Page faults per steady-state call: 0 at every point measured; an output on fresh memory costs
    # ~2000 (8 MB). Worse when they grew by more than this many.
    faults: int = 64
    # Peak memory: one figure per commit, no statistics.
    peakmem: float = 1.5


RULE = Rule()
MACHINE = "pr-check"  # asv machine name under which the check stores its results

OUTPUT = ROOT / ".asv" / "pr-check"
TOOLS_BIN = Path(sys.executable).parent
# Every benchmark but the time_ ones, which paired timing measures instead.
NOT_TIMED = r"^(?!.*\.time_)"

FAILED, VANISHED, SLOWER, WORSE, FASTER, BETTER, SAME, FIXED, NEW, SKIPPED = (
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
)
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


def holm(p_values, alpha):
    """Holm-Bonferroni: which of the p-values are significant at family-wise alpha."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    significant = [False] * len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] > alpha / (len(p_values) - rank):
            break
        significant[i] = True
    return significant


def judge(comparisons, rule=RULE):
    """Set ratio, significant and status of each comparison (timings carry their paired ratio and p)."""
    timed = []
    for i, c in enumerate(comparisons):
        if c.status in (FAILED, VANISHED, FIXED, NEW, SKIPPED):
            continue
        if c.kind == "time":
            if c.p is None:
                c.significant = False
                c.note = "; ".join(filter(None, [c.note, "too few blocks to test"]))
            else:
                timed.append(i)
            continue
        c.ratio = c.head / c.base if c.base else (math.inf if c.head else 1.0)
        if c.kind == "track":
            if c.unit == "faults":
                worse, better = c.head - c.base > rule.faults, c.base - c.head > rule.faults
            else:
                limit = rule.instructions if c.unit == "instructions" else 1.0
                worse, better = c.ratio > limit, c.ratio < 1 / limit
            c.significant = worse or better
            c.status = WORSE if worse else BETTER if better else SAME
        else:  # peakmem and the like: one measurement, no statistics
            c.status = SLOWER if c.ratio > rule.peakmem else FASTER if c.ratio < 1 / rule.peakmem else SAME
    for i, significant in zip(timed, holm([comparisons[i].p for i in timed], rule.alpha)):
        c = comparisons[i]
        c.significant = significant
        if significant and c.ratio > rule.threshold:
            c.status = SLOWER
        elif significant and c.ratio < 1 / rule.threshold:
            c.status = FASTER
    return comparisons


def exit_code(comparisons):
    """0 nothing slower, 1 slower or worse, 2 failed or vanished (the most severe wins)."""
    statuses = {c.status for c in comparisons}
    if statuses & {FAILED, VANISHED}:
        return 2
    if statuses & {SLOWER, WORSE}:
        return 1
    return 0


# --------------------------------------------------------------------------- reading the measurements


def release_label(requirements, fallback):
    pin = library_pin(requirements or {})
    return "-".join(pin) if pin else fallback


def timings(paired_results):
    """Comparisons of the paired timings: {environment label: tools/paired.py outcome, or {"error": text}}."""
    comparisons = []
    for env, outcome in paired_results.items():
        if "error" in outcome:
            c = Comparison("(paired timing)", "", env, "time", "seconds", None, None, status=FAILED)
            c.note = "could not run: " + outcome["error"].strip().splitlines()[-1]
            comparisons.append(c)
            continue
        for name, result in sorted(outcome.items()):
            key = name.split("(")[0]
            base_side, head_side = result["sides"]
            c = Comparison(key, result["label"], env, "time", "seconds", result.get("base"), result.get("head"))
            if "error" in head_side:
                c.status, c.note = FAILED, "raised in HEAD: " + head_side["error"].strip().splitlines()[-1]
            elif "error" in base_side:
                c.status, c.note = FIXED, "failed in BASE"
            elif "skip" in head_side and "skip" in base_side:
                c.status, c.note = SKIPPED, f"skipped in both: {head_side['skip']}"
            elif "skip" in head_side:
                c.status, c.note = VANISHED, f"skipped in HEAD, measured in BASE: {head_side['skip']}"
            elif "skip" in base_side:
                c.status, c.note = NEW, f"skipped in BASE: {base_side['skip']}"
            else:
                c.ratio, c.p = result["ratio"], result["p"]
                c.note = f"paired, {len(result['blocks'])} blocks"
            comparisons.append(c)
    return comparisons


def load_results(results_dir, machine, commit, env_names):
    """{env name: asv Results} for one commit; environments without a result file are absent."""
    from asv.results import Results

    found = {}
    for env_name in env_names:
        path = Path(results_dir, machine, f"{commit[:8]}-{env_name}.json")
        if path.exists():
            found[env_name] = Results.load(str(path))
    return found


def collect(benchmarks, base, head, env_names):
    """Comparisons for every selected point in every environment, judged later by `judge`.

    benchmarks: asv Benchmarks (the selection); base/head: {env name: Results}.
    """
    from itertools import product

    comparisons = []
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
                c = Comparison(key, label, env, bench["type"], bench.get("unit") or "", None, None)
                c.base = _value(b_res, key, params, index)
                c.head = _value(h_res, key, params, index)
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
                comparisons.append(c)
    return comparisons


def _value(results, key, params, index):
    """One parameter point's value; None = failed or no result, NaN = skipped."""
    if results is None or key not in results.get_all_result_keys():
        return None
    values = results.get_result_value(key, params)
    return values[index] if values is not None else None


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
        + f" rule: time slower when the paired head/base > {rule.threshold} and the signed-rank test is "
        f"significant at family-wise α={rule.alpha} (Holm); track_ figures fail on any increase (instructions: "
        f"beyond {rule.instructions}; page faults: by more than {rule.faults}). Exit status {code}.",
    ]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- running asv


def judging_suite(output, commit):
    """OUTPUT/suite/benchmarks: the asv suite as of `commit`."""
    suite = output / "suite"
    if suite.exists():
        shutil.rmtree(suite)
    conf = load_asv_conf()
    try:
        extract(commit, conf["benchmark_dir"], ROOT, suite)
    except RuntimeError as exc:
        raise SystemExit(f"compare.py: nothing to judge with: {exc}") from None
    return suite / conf["benchmark_dir"]


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


def env_label(e):
    """An asv Environment's release name, as the result rows show it."""
    return release_label(dict(e.requirements), e.name)


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


def run_asv(conf_path, output, commits, env_names, bench, machine=MACHINE):
    """Benchmark `commits` in one asv run (every selected benchmark but the time_ ones); asv's exit status."""
    env = asv_env()
    asv = [sys.executable, "-m", "asv"]
    subprocess.run(
        [*asv, "machine", "--yes", "--machine", machine, "--config", str(conf_path)],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    machine_dir = output / "results" / machine
    for commit in commits:  # stale results of an earlier run would be compared otherwise
        for old in machine_dir.glob(f"{commit[:8]}-*.json"):
            old.unlink()
    hashes = output / "commits.txt"
    hashes.write_text("".join(f"{commit}\n" for commit in commits))
    cmd = [*asv, "run", f"HASHFILE:{hashes}", "--config", str(conf_path), "--machine", machine]
    cmd += ["--show-stderr", "--no-pull"]
    for name in env_names:
        cmd += ["-E", name]
    for regex in bench:
        cmd += ["--bench", NOT_TIMED + f"(?:{regex})"]
    print("$ " + " ".join(cmd), flush=True)
    # asv exits 2 when a benchmark raised, 1 when an environment failed: the result files say which, below.
    return subprocess.run(cmd, env=env, cwd=ROOT).returncode


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
    """(comparisons, Markdown): the paired timings, and the other benchmarks' result files under OUTPUT/results."""
    from asv.benchmarks import Benchmarks
    from asv.config import Config
    from asv.util import UserError

    comparisons = timings(paired_results)
    try:
        benchmarks = Benchmarks.load(Config.load(str(conf_path)), regex=[NOT_TIMED + f"(?:{r})" for r in bench])
    except UserError as exc:  # no benchmarks.json: asv stopped before discovering the suite
        print(f"compare.py: {exc}", file=sys.stderr)
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
    judge(comparisons, rule)
    return comparisons, render(comparisons, base, head, rule)


def default_bench():
    return PR_BENCH


def default_envs(full):
    table = releases()
    if full:
        return list(table)
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
        "--blocks", type=int, default=PLAN.blocks, help=f"paired timing: blocks per process ({PLAN.blocks})"
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"results, table.md, comparison.json ({OUTPUT})")
    parser.add_argument("--env-dir", type=Path, help="asv environments (default: asv.conf.json env_dir)")
    parser.add_argument(
        "--table", type=Path, metavar="FILE", help="also append the Markdown table to FILE (e.g. $GITHUB_STEP_SUMMARY)"
    )
    parser.add_argument("--no-run", action="store_true", help="compare the results already in --output")
    args = parser.parse_args(argv)

    rule = replace(RULE, threshold=args.threshold, alpha=args.alpha)
    plan = replace(PLAN, blocks=args.blocks)
    base, head = rev_parse(args.base), rev_parse(args.head)
    bench = args.bench or default_bench()
    output = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    env_dir = (args.env_dir or ROOT / load_asv_conf()["env_dir"]).resolve()
    conf_path = scratch_conf(output, env_dir, base)

    table = releases()
    wanted = args.env or default_envs(args.full_matrix)
    link_pythons(table[name]["python"] for name in wanted if name in table)
    envs = environments(wanted, asv_env(), conf_path)
    missing = [name for name in wanted if name not in envs]
    if missing:
        print(
            f"compare.py: no asv environment for {missing} (unknown name, or its Python is missing: "
            f"`python3 tools/envs.py list`); known releases: {', '.join(table)}",
            file=sys.stderr,
        )
        return 2
    env_names = [envs[name].name for name in wanted]

    saved = output / "paired.json"
    if args.no_run:
        if not saved.exists():
            raise SystemExit(f"compare.py: no paired timings in {output} (run it without --no-run first)")
        paired_results = json.loads(saved.read_text())
    else:
        code = run_asv(conf_path, output, [base, head], env_names, bench)
        print(f"asv run exited {code}", flush=True)
        paired_results = run_paired(conf_path, base, head, [envs[name] for name in wanted], bench, plan)
        saved.write_text(json.dumps(paired_results, indent=1))
    comparisons, markdown = compare(conf_path, output, base, head, env_names, bench, paired_results, rule)
    print(markdown)
    (output / "table.md").write_text(markdown)
    report = {
        "base": base,
        "head": head,
        "rule": asdict(rule),
        "plan": asdict(plan),
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
