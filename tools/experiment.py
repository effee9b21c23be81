#!/usr/bin/env python3
"""How reliable is the pull-request check? Count its false alarms and its catches.

    python3 tools/experiment.py [--trials 10] [--slowdown 10 --slowdown 5] [--env RELEASE]...

Commits made for the experiment (under refs/experiment/, the working tree untouched):
- a twin of BASE: the same tree, another commit (A/A: every flag is a false alarm);
- planted slowdowns, each BASE plus a patch from tools/plants/ (applied with
  `git apply`, so a change of the code it touches stops the experiment instead
  of planting something else) and that folder's plant.py as relu_impls/_plant.py
  with its amounts in relu_impls/_plant_params.py:
  - `relu_op+X%` (per --slowdown X): relu_op's forward runs a fixed amount of
    Python work per call before its kernel, calibrated on this machine to X %;
  - `every+20%`: every variant's input passes through an op that does 20 % of
    relu_op's forward time in Python work, forward and gradient alike;
  - `relu_op memory`: relu_op's forward gives freed memory back to the kernel
    before each call (malloc_trim), so its output lands on fresh pages: time and
    page faults, no instructions.

Each trial is one asv run of BASE, the twin and every planted commit, rounds
interleaved across them, with the PR check's timings, page faults and graph
counts (tools/compare.py, the suite's own asv settings); instructions, which
repeat to 0.01 %, are counted once per commit, before the trials. Each commit is
judged against BASE by the PR check's own rule (compare.judge). The true size of
each plant is measured outside asv: in each of several processes, blocks of
calls of BASE's and the planted commit's relu_op forward alternate
(PAIRED_TIMER). Thresholds are chosen on trials 1-5; the summary gives trials
1-5 and 6-10 apart.

Output (--output, default .asv/experiment): counts/ and trial-N/ (asv results and
tables), experiment.json, experiment.md (the summary printed at the end).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402
from envs import ROOT, link_pythons, load_asv_conf, releases  # noqa: E402

OUTPUT = ROOT / ".asv" / "experiment"
PLANTS = Path(__file__).resolve().parent / "plants"
# The benchmark that every plant slows, and whose true size is measured: relu_op's forward at the PR point.
TARGET_VARIANT = "relu_op"
TARGET_PARAMS = f"variant={TARGET_VARIANT}, shape=1000x1000, dtype=float64"
TARGET_TIME = ("relu.Forward.time_forward", TARGET_PARAMS)
TIMED = r"^relu\.(Forward\.time_forward|Gradient\.time_gradient)"
COUNTED = r"^instructions\."
# Times BASE's and the other commit's relu_op forward in one process, blocks of calls
# alternating, so the machine's drift hits both alike. Each tree's relu_impls is imported
# in turn: the library stays loaded, the op classes and their compiled kernels are each tree's own.
PAIRED_TIMER = """
import statistics, sys, time
asv_bench, target, blocks, calls, *trees = sys.argv[1:]
sys.path.insert(0, asv_bench)
functions = []
for tree in trees:
    for name in [m for m in sys.modules if m == "relu_impls" or m.startswith("relu_impls.")]:
        del sys.modules[name]
    sys.modules.pop("benchmarks.common", None)
    sys.path.insert(0, tree)
    from benchmarks.common import compile_function, make_data
    functions.append(compile_function(target))
    sys.path.remove(tree)
x = make_data("signs", "1000x1000", "float64")
ratios, base_times = [], []
for block in range(int(blocks)):
    medians = [0.0, 0.0]
    for i in (0, 1) if block % 2 == 0 else (1, 0):
        f = functions[i]
        f(x)
        samples = []
        for _ in range(int(calls)):
            t = time.perf_counter()
            f(x)
            samples.append(time.perf_counter() - t)
        medians[i] = statistics.median(samples)
    ratios.append(medians[1] / medians[0])
    base_times.append(medians[0])
print(statistics.median(ratios), statistics.median(base_times))
"""


def git(*args, env=None, input=None):
    out = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, env=env, input=input)
    if out.returncode:
        raise SystemExit(f"experiment.py: git {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout.strip()


def make_commit(base, message, ref, patch=None, work=0, trim=False):
    """A commit whose parent is BASE: the same tree, or BASE with tools/plants/PATCH applied and
    the plant's amounts; kept under refs/experiment/REF."""
    tree = git("rev-parse", f"{base}^{{tree}}")
    if patch is not None:
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, GIT_INDEX_FILE=str(Path(tmp, "index")))
            git("read-tree", tree, env=env)
            git("apply", "--cached", str(PLANTS / f"{patch}.patch"), env=env)
            files = {
                "relu_impls/_plant.py": (PLANTS / "plant.py").read_text(),
                "relu_impls/_plant_params.py": f"WORK = {work}\nTRIM = {trim}\n",
            }
            for path, text in files.items():
                blob = git("hash-object", "-w", "--stdin", input=text)
                git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
            tree = git("write-tree", env=env)
    # Throw-away commits: a machine with no git identity (a fresh CI runner) still makes them.
    who = {"GIT_AUTHOR_NAME": "relu-bench experiment", "GIT_AUTHOR_EMAIL": "experiment@invalid"}
    who.update(GIT_COMMITTER_NAME=who["GIT_AUTHOR_NAME"], GIT_COMMITTER_EMAIL=who["GIT_AUTHOR_EMAIL"])
    commit = git("commit-tree", tree, "-p", base, "-m", message, env={**who, **os.environ})
    git("update-ref", f"refs/experiment/{ref}", commit)
    return commit


def env_python(conf_path, env_name):
    from asv import environment
    from asv.config import Config

    for e in environment.get_environments(Config.load(str(conf_path)), [env_name], verbose=False):
        return Path(e._path, "bin", "python")
    raise SystemExit(f"experiment.py: no asv environment {env_name}")


def paired_ratio(python, base, other, processes=3, blocks=40, calls=25, variant=TARGET_VARIANT):
    """(other/base ratio of call times, base seconds per call): medians over processes of paired blocks."""
    ratios, times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        trees = []
        for commit in (base, other):
            tree = Path(tmp, commit[:12])
            tree.mkdir()
            archive = ["git", "archive", commit, "relu_impls"]
            files = subprocess.run(archive, cwd=ROOT, capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(tree)], input=files, check=True)
            trees.append(str(tree))
        cmd = [str(python), "-c", PAIRED_TIMER, str(ROOT / "asv_bench"), variant, str(blocks), str(calls)]
        for _ in range(processes):
            # Run from the scratch dir: neither the repo's nor asv's installed relu_impls comes first.
            out = subprocess.run(cmd + trees, cwd=tmp, capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(f"experiment.py: timing {other[:8]} against BASE failed:\n{out.stderr[-2000:]}")
            ratio, seconds = (float(v) for v in out.stdout.split()[-2:])
            ratios.append(ratio)
            times.append(seconds)
    return statistics.median(ratios), statistics.median(times)


def calibrate(python, base, probe=4000):
    """(fixed ratio, ratio per loop step, seconds per call): extra time = fixed + per step * steps, fitted on
    two probe commits of the relu_op plant."""
    zero = make_commit(base, "experiment: calibration, 0 steps", "probe0", "relu_op_forward", 0)
    fixed_ratio, call = paired_ratio(python, base, zero)
    probed = make_commit(base, f"experiment: calibration, {probe} steps", "probe", "relu_op_forward", probe)
    probe_ratio, _ = paired_ratio(python, base, probed)
    per_step = (probe_ratio - fixed_ratio) / probe
    print(
        f"calibration: relu_op forward {call * 1e6:.0f} us per call; the planted path alone "
        f"{(fixed_ratio - 1) * 100:+.1f} %, each 1000 loop steps {per_step * 1000 * 100:+.1f} %",
        flush=True,
    )
    return fixed_ratio, per_step, call


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
    marked = (compare.SLOWER, compare.WORSE, compare.FASTER, compare.BETTER, compare.FAILED, compare.VANISHED)
    return [c for c in comparisons if c.status in marked]


def describe(c):
    return f"{c.benchmark}({c.params}) [{c.env}] {c.status} ×{c.ratio:.3f}" if c.ratio else f"{c.benchmark} {c.status}"


def asv_run(run_dir, commits, record, bench, reference):
    """One asv run of `commits` into RUN_DIR (its own scratch conf), with the drift reference if `reference`;
    returns (seconds, asv exit)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    conf_path = compare.scratch_conf(run_dir, Path(record["env_dir"]), record["base"])
    started = time.monotonic()
    code = compare.run_asv(conf_path, run_dir, commits, record["env_names"], bench, reference=reference)
    return time.monotonic() - started, code


def judge_trial(trial_dir, counts_dir, record, rule):
    """The PR check's verdict on the twin and on each planted commit of one trial, against BASE."""
    base, env_names = record["base"], record["env_names"]

    def judged(commit):
        comparisons = []
        for run_dir, bench, timed in ((trial_dir, record["bench"], True), (counts_dir, [COUNTED], False)):
            conf = run_dir / "asv.conf.json"
            found, _ = compare.compare(conf, run_dir, base, commit, env_names, bench, rule, reference=timed)
            comparisons += found
        markdown = compare.render(comparisons, base, commit, rule)
        (trial_dir / f"table-{commit[:8]}.md").write_text(markdown)
        return comparisons

    twin = judged(record["twin"])
    verdict = {"twin": {"exit": compare.exit_code(twin), "flags": [describe(c) for c in flags(twin)]}, "plants": {}}
    for name, plant in record["plants"].items():
        comparisons = judged(plant["commit"])
        hit = [c for c in flags(comparisons) if targets(name, c) and c.status in (compare.SLOWER, compare.WORSE)]
        timed = [c for c in comparisons if targets(name, c) and c.kind == "time"]
        verdict["plants"][name] = {
            "time": sum(c.kind == "time" for c in hit),
            "timed": len(timed),
            "instructions": any(c.benchmark.startswith("instructions.") for c in hit),
            "faults": any(c.benchmark.startswith("faults.") for c in hit),
            "caught": compare.exit_code(comparisons) == 1 and bool(hit),
            "time_ratio": statistics.median(c.ratio for c in timed) if timed else None,
            "others": [describe(c) for c in flags(comparisons) if not targets(name, c)],
        }
    return verdict


def summarize(record, trials, label):
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
    for name, plant in record["plants"].items():
        per = [t["plants"][name] for t in trials]
        ratios = [p["time_ratio"] for p in per if p["time_ratio"]]
        time_ratio = f"{statistics.median(ratios):.3f}" if ratios else "—"
        timed = max((p["timed"] for p in per), default=0)
        by_time = f"{sum(p['time'] > 0 for p in per)} of {n}" + (
            f" ({sum(p['time'] for p in per) / max(n, 1):.1f} of {timed} timings each)" if timed > 1 else ""
        )
        nominal = f"{plant['nominal']} %" if plant["nominal"] is not None else "memory only"
        lines.append(
            f"| {name} | {nominal} | {plant['true_percent']:+.1f} % | {time_ratio} | {by_time} "
            f"| {sum(p['instructions'] for p in per)} of {n} | {sum(p['faults'] for p in per)} of {n} "
            f"| {sum(p['caught'] for p in per)} of {n} | {sum(len(p['others']) for p in per)} |"
        )
    return lines


def summary(record, rule):
    trials = record["trials"]
    lines = [
        f"Rule: time slower when head/base > {rule.threshold} after the reference drift, Mann-Whitney Holm "
        f"α={rule.alpha}{', disjoint interquartile ranges' if rule.separate_iqr else ''}; instructions worse beyond "
        f"{rule.instructions}; page faults beyond +{rule.faults}; graph counts on any increase.",
        "",
    ]
    for label, group in (
        ("Trials 1-5 (the rule was chosen on these)", trials[:5]),
        ("Trials 6-10 (held out)", trials[5:]),
    ):
        if group:
            lines += summarize(record, group, label) + [""]
    seconds = statistics.median(t["seconds"] for t in trials) if trials else 0
    lines += [
        f"Environments: {', '.join(record['envs'])}. Machine: {record['machine']}. One trial (BASE, the twin and "
        f"{len(record['plants'])} planted commits in one asv run) took {seconds / 60:.1f} min (median); counting "
        f"instructions of all commits once took {record['counts_seconds'] / 60:.1f} min.",
        "A/A flags: "
        + ("; ".join(f"trial {i + 1}: {f}" for i, t in enumerate(trials) for f in t["twin"]["flags"]) or "none"),
    ]
    for name in record["plants"]:
        others = [f"trial {i + 1}: {f}" for i, t in enumerate(trials) for f in t["plants"][name]["others"]]
        lines.append(f"Other flags for {name}: " + ("; ".join(others) or "none"))
    return "\n".join(lines) + "\n"


def prepare(args, output):
    """The record of an experiment: commits, environments, calibration, true sizes, instruction counts."""
    base = compare.rev_parse(args.base)
    table = releases()
    envs = args.env or compare.default_envs(False)
    link_pythons(table[name]["python"] for name in envs if name in table)
    env_dir = (args.env_dir or ROOT / load_asv_conf()["env_dir"]).resolve()
    conf_path = compare.scratch_conf(output, env_dir, base)
    names = compare.environment_names(envs, conf_path, compare.asv_env())
    missing = [name for name in envs if name not in names]
    if missing:
        raise SystemExit(f"experiment.py: no asv environment for {missing}; known releases: {', '.join(table)}")
    env_names = [names[name] for name in envs]

    # Calibrate and size the plants with the first environment's Python.
    python = env_python(conf_path, env_names[0])
    fixed_ratio, per_step, base_seconds = calibrate(python, base)
    plants = {}
    for name, (patch, work, trim, nominal) in plant_specs(args.slowdown or [10, 5], fixed_ratio, per_step).items():
        ref = "".join(ch if ch.isalnum() else "-" for ch in name)
        commit = make_commit(base, f"experiment: {name}", ref, patch, work, trim)
        # relu_op's classes cannot be pickled from a second tree in one process once the graph around them is
        # new (compile-cache keys): the plant that slows every variant is sized on max_x0's forward.
        variant = "max_x0" if patch == "every_variant" else TARGET_VARIANT
        size = (paired_ratio(python, base, commit, processes=5, variant=variant)[0] - 1) * 100
        plants[name] = {"commit": commit, "patch": patch, "work": work, "trim": trim, "nominal": nominal}
        plants[name]["true_percent"] = size
        print(f"{name}: {patch}, {work} loop steps{', trim' if trim else ''}: true size {size:+.1f} %", flush=True)

    from asv.machine import Machine

    return {
        "base": base,
        "twin": make_commit(base, "experiment: A/A twin (same tree)", "twin"),
        "envs": envs,
        "env_names": env_names,
        "env_dir": str(env_dir),
        "bench": [regex for regex in compare.default_bench() if regex != COUNTED],
        "machine": f"{Machine.get_unique_machine_name()}, {os.cpu_count()} CPUs",
        "run": asdict(compare.RUN),
        "base_seconds_outside_asv": base_seconds,
        "plants": plants,
        "trials": [],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="HEAD", help="the commit every trial compares against (HEAD)")
    parser.add_argument("--trials", type=int, default=10, help="asv runs, each judging every commit once (10)")
    parser.add_argument(
        "--slowdown", type=int, action="append", metavar="X", help="relu_op's planted slowdown in %% (10 and 5)"
    )
    parser.add_argument(
        "--env", action="append", metavar="RELEASE", help="release(s) to run on (default: the PR check's)"
    )
    parser.add_argument("--env-dir", type=Path, help="asv environments (default: asv.conf.json env_dir)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where trials and summaries go ({OUTPUT})")
    parser.add_argument(
        "--no-run", action="store_true", help="judge the trials already in --output again, with today's rule"
    )
    parser.add_argument(
        "--threshold", type=float, default=compare.RULE.threshold, help="judge with this timing threshold instead"
    )
    args = parser.parse_args(argv)

    output = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    saved = output / "experiment.json"
    if args.no_run:
        if not saved.exists():
            raise SystemExit(f"experiment.py: no experiment in {output} (run it without --no-run first)")
        record = json.loads(saved.read_text())
    else:
        for old in output.glob("trial-*"):
            shutil.rmtree(old)
        record = prepare(args, output)
        commits = [record["twin"], *(p["commit"] for p in record["plants"].values())]
        record["counts_seconds"], _ = asv_run(output / "counts", [record["base"], *commits], record, [COUNTED], False)
        for n in range(1, args.trials + 1):
            seconds, code = asv_run(output / f"trial-{n}", [record["base"], *commits], record, record["bench"], True)
            record["trials"].append({"dir": f"trial-{n}", "seconds": seconds, "asv_exit": code})
            saved.write_text(json.dumps(record, indent=1))
            print(f"trial {n} took {seconds / 60:.1f} min", flush=True)

    from dataclasses import replace

    rule = replace(compare.RULE, threshold=args.threshold)
    record["rule"] = asdict(rule)
    for trial in record["trials"]:
        trial.update(judge_trial(output / trial["dir"], output / "counts", record, rule))
    saved.write_text(json.dumps(record, indent=1))
    text = summary(record, rule)
    (output / "experiment.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
