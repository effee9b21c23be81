#!/usr/bin/env python3
"""How reliable is the pull-request check? Count its false alarms and its catches.

    python3 tools/experiment.py [--trials 10] [--slowdown 10 --slowdown 5] [--env RELEASE]...

Commits made for the experiment (under refs/experiment/, the working tree untouched):
- a twin of BASE: the same tree, another commit (A/A: every flag is a false alarm);
- per nominal slowdown X %: BASE with relu_impls/op.py's forward op doing a fixed
  amount of extra Python work per call, so `relu_op` forward, and nothing else,
  gets slower. The amount of work per X is calibrated on this machine first.

Each trial is one asv run of BASE, the twin and every slowed commit, rounds
interleaved across them, with the PR set and the PR check's settings
(tools/compare.py: RUN, and the suite's own asv settings); each commit is then
judged against BASE by the PR check's own rule (compare.judge). The true size of
each slowdown is measured outside asv: in each of several processes, blocks of
calls of BASE's and the slowed commit's op alternate (tools/experiment.py
PAIRED_TIMER); the amount of work for X % comes from the same measurement of
two probe commits.

Output (--output, default .asv/experiment): trial-N/ (asv results and tables),
experiment.json, experiment.md (the summary printed at the end).
"""

import argparse
import json
import math
import os
import re
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
OP_FILE = "relu_impls/op.py"
# The slowed benchmark: forward time of the dedicated op at the PR point.
TARGET_VARIANT = "relu_op"
TARGET_TIME = ("relu.Forward.time_forward", f"variant={TARGET_VARIANT}, shape=1000x1000, dtype=float64")
TARGET_INSTRUCTIONS = ("instructions.Instructions.track_instructions", f"variant={TARGET_VARIANT}, function=forward")
# The slowed op.py: relu_op's forward Elemwise becomes a subclass whose thunk runs `work`
# empty Python loop steps before the C kernel: a fixed amount of work per call, exactly
# that benchmark's (the gradient uses ReluGrad), graph and result unchanged. Exposed like
# Relu and ReluGrad, so pickles (compile-cache keys) find the class.
SLOW_ELEMWISE = """
    class SlowElemwise(elemwise.Elemwise):
        def make_thunk(self, *args, **kwargs):
            thunk = super().make_thunk(*args, **kwargs)

            def slow_thunk():
                for _ in range({WORK}):
                    pass
                return thunk()

            for attr in ("inputs", "outputs", "lazy"):
                setattr(slow_thunk, attr, getattr(thunk, attr))
            return slow_thunk

"""
PATCHES = (
    ('CLASS_NAMES = ("Relu", "ReluGrad")', 'CLASS_NAMES = ("Relu", "ReluGrad", "SlowElemwise")'),
    ("    # Found by pickle under these names", SLOW_ELEMWISE.lstrip("\n") + "    # Found by pickle under these names"),
    ("for cls in (Relu, ReluGrad):", "for cls in (Relu, ReluGrad, SlowElemwise):"),
    ('"ReluGrad": ReluGrad,', '"ReluGrad": ReluGrad,\n        "SlowElemwise": SlowElemwise,'),
    ('"relu": elemwise.Elemwise(Relu(', '"relu": SlowElemwise(Relu('),
)
# Times BASE's and the other commit's relu_op forward in one process, blocks of calls
# alternating, so the machine's drift (large here: 350-650 us between processes for the
# same code) hits both alike. Each tree's relu_impls is imported in turn: the library
# stays loaded, the op classes and their compiled kernels are each tree's own.
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


def slow_source(source, work):
    """relu_impls/op.py with `work` extra Python loop steps per relu_op forward call (new cache version)."""
    for old, new in PATCHES:
        if source.count(old) != 1:
            raise SystemExit(f"experiment.py: {OP_FILE} changed; the slowdown patch no longer applies at: {old}")
        source = source.replace(old, new.replace("{WORK}", str(work)))
    if "\nCODE_VERSION = " not in source:
        raise SystemExit(f"experiment.py: {OP_FILE} has no CODE_VERSION to bump")
    # A new cache version, so no compile cache hands back the unslowed op.
    return re.sub(r"\nCODE_VERSION = \d+", f"\nCODE_VERSION = {100000 + work}", source, count=1)


def make_commit(base, message, work=None):
    """A commit whose parent is BASE: the same tree, or op.py slowed by `work`; kept under refs/experiment/."""
    tree = git("rev-parse", f"{base}^{{tree}}")
    if work is not None:
        source = git("show", f"{base}:{OP_FILE}")
        blob = git("hash-object", "-w", "--stdin", input=slow_source(source, work) + "\n")
        with tempfile.TemporaryDirectory() as tmp:
            env = dict(os.environ, GIT_INDEX_FILE=str(Path(tmp, "index")))
            git("read-tree", tree, env=env)
            git("update-index", "--cacheinfo", f"100644,{blob},{OP_FILE}", env=env)
            tree = git("write-tree", env=env)
    commit = git("commit-tree", tree, "-p", base, "-m", message)
    git("update-ref", f"refs/experiment/{'twin' if work is None else f'slow{work}'}", commit)
    return commit


def env_python(conf_path, env_name):
    from asv import environment
    from asv.config import Config

    for e in environment.get_environments(Config.load(str(conf_path)), [env_name], verbose=False):
        return Path(e._path, "bin", "python")
    raise SystemExit(f"experiment.py: no asv environment {env_name}")


def paired_ratio(python, base, other, processes=3, blocks=40, calls=25):
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
        cmd = [str(python), "-c", PAIRED_TIMER, str(ROOT / "asv_bench"), TARGET_VARIANT, str(blocks), str(calls)]
        for _ in range(processes):
            # Run from the scratch dir: neither the repo's nor asv's installed relu_impls comes first.
            out = subprocess.run(cmd + trees, cwd=tmp, capture_output=True, text=True)
            if out.returncode:
                raise SystemExit(f"experiment.py: timing {other[:8]} against BASE failed:\n{out.stderr[-2000:]}")
            ratio, seconds = (float(v) for v in out.stdout.split()[-2:])
            ratios.append(ratio)
            times.append(seconds)
    return statistics.median(ratios), statistics.median(times)


def calibrate(python, base, wanted, probe=4000):
    """{nominal %: loop steps per call}, fitting extra time = fixed + per step * steps on two probes."""
    fixed_ratio, call = paired_ratio(python, base, make_commit(base, "experiment: calibration, 0 steps", 0))
    probe_ratio, _ = paired_ratio(python, base, make_commit(base, f"experiment: calibration, {probe} steps", probe))
    per_step = (probe_ratio - fixed_ratio) / probe
    print(
        f"calibration: relu_op forward {call * 1e6:.0f} us per call; the slowed path alone "
        f"{(fixed_ratio - 1) * 100:+.1f} %, each 1000 loop steps {per_step * 1000 * 100:+.1f} %",
        flush=True,
    )
    return {x: max(0, round((x / 100 - (fixed_ratio - 1)) / per_step)) for x in wanted}, call


def flags(comparisons):
    """Comparisons the check marks (slower or worse fail it; faster or better only inform)."""
    marked = (compare.SLOWER, compare.WORSE, compare.FASTER, compare.BETTER, compare.FAILED, compare.VANISHED)
    return [c for c in comparisons if c.status in marked]


def is_target(c):
    return (c.benchmark, c.params) in (TARGET_TIME, TARGET_INSTRUCTIONS)


def describe(c):
    return f"{c.benchmark}({c.params}) [{c.env}] {c.status} ×{c.ratio:.3f}" if c.ratio else f"{c.benchmark} {c.status}"


def run_trial(n, base, others, env_names, bench, output, env_dir):
    """One asv run of BASE and the other commits, results under OUTPUT/trial-N; returns (seconds, asv exit)."""
    trial_dir = output / f"trial-{n}"
    trial_dir.mkdir(parents=True, exist_ok=True)
    conf_path = compare.scratch_conf(trial_dir, env_dir)
    started = time.monotonic()
    code = compare.run_asv(conf_path, trial_dir, [base, *others], env_names, bench)
    return time.monotonic() - started, code


def judge_trial(trial_dir, record, bench, rule):
    """The PR check's verdict on the twin and on each slowed commit of one trial, against BASE."""
    conf_path = trial_dir / "asv.conf.json"
    base, env_names = record["base"], record["env_names"]

    def judged(commit):
        comparisons, markdown = compare.compare(conf_path, trial_dir, base, commit, env_names, bench, rule)
        (trial_dir / f"table-{commit[:8]}.md").write_text(markdown)
        return comparisons

    twin = judged(record["twin"])
    verdict = {"twin": {"exit": compare.exit_code(twin), "flags": [describe(c) for c in flags(twin)]}, "slowed": {}}
    for x, slowed in record["slowed"].items():
        comparisons = judged(slowed["commit"])
        marked = flags(comparisons)
        hit = {c.benchmark for c in marked if is_target(c) and c.status in (compare.SLOWER, compare.WORSE)}
        ratios = {c.benchmark: c.ratio for c in comparisons if is_target(c)}
        verdict["slowed"][x] = {
            "time": TARGET_TIME[0] in hit,
            "instructions": TARGET_INSTRUCTIONS[0] in hit,
            "caught": bool(hit) and compare.exit_code(comparisons) == 1,
            "time_ratio": ratios.get(TARGET_TIME[0]),
            "instructions_ratio": ratios.get(TARGET_INSTRUCTIONS[0]),
            "others": [describe(c) for c in marked if not is_target(c)],
        }
    return verdict


def summarize(record):
    trials = record["trials"]
    n = len(trials)
    rule = record["rule"]
    lines = [
        f"Rule: time slower when head/base > {rule['threshold']}, Mann-Whitney Holm α={rule['alpha']}"
        f"{', disjoint interquartile ranges' if rule['separate_iqr'] else ''}"
        f"{', corrected for the machine drift' if rule.get('drift_min') else ''}; instructions worse beyond "
        f"{rule['instructions']}; graph counts on any increase. asv: the suite's settings (common.Timing), "
        f"rounds interleaved.",
        "",
        "| trials | comparison | nominal | true size | target's time ratio in asv (median) | flagged by time "
        "| by instructions (ratio) | check failed on the target | other benchmarks flagged |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    aa_failed = sum(t["twin"]["exit"] != 0 for t in trials)
    aa_flags = sum(len(t["twin"]["flags"]) for t in trials)
    lines.append(f"| {n} | A/A (same tree) | 0 % | — | — | — | — | {aa_failed} of {n} (false alarms) | {aa_flags} |")
    for x, slowed in record["slowed"].items():
        per = [t["slowed"][x] for t in trials]
        time_ratio = statistics.median(p["time_ratio"] or math.nan for p in per) if per else math.nan
        counted = statistics.median(p["instructions_ratio"] or math.nan for p in per) if per else math.nan
        lines.append(
            f"| {n} | A/B | {x} % | {slowed['true_percent']:+.1f} % | {time_ratio:.3f} "
            f"| {sum(p['time'] for p in per)} of {n} | {sum(p['instructions'] for p in per)} of {n} ({counted:.4f}) "
            f"| {sum(p['caught'] for p in per)} of {n} | {sum(len(p['others']) for p in per)} |"
        )
    seconds = statistics.median(t["seconds"] for t in trials) if trials else 0
    lines += [
        "",
        f"Environments: {', '.join(record['envs'])}. Machine: {record['machine']}. One trial (BASE, the twin and "
        f"{len(record['slowed'])} slowed commits in one asv run) took {seconds / 60:.1f} min (median).",
        "A/A flags: "
        + ("; ".join(f"trial {i + 1}: {f}" for i, t in enumerate(trials) for f in t["twin"]["flags"]) or "none"),
    ]
    for x in record["slowed"]:
        others = [f"trial {i + 1}: {f}" for i, t in enumerate(trials) for f in t["slowed"][x]["others"]]
        lines.append(f"Other flags at {x} %: " + ("; ".join(others) or "none"))
    return "\n".join(lines) + "\n"


def prepare(args, output):
    """The record of an experiment: commits, environments, calibration, true sizes."""
    base = compare.rev_parse(args.base)
    table = releases()
    envs = args.env or compare.default_envs(False)
    link_pythons(table[name]["python"] for name in envs if name in table)
    env_dir = (args.env_dir or ROOT / load_asv_conf()["env_dir"]).resolve()
    conf_path = compare.scratch_conf(output, env_dir)
    names = compare.environment_names(envs, conf_path, compare.asv_env())
    missing = [name for name in envs if name not in names]
    if missing:
        raise SystemExit(f"experiment.py: no asv environment for {missing}; known releases: {', '.join(table)}")
    env_names = [names[name] for name in envs]

    # Calibrate and size the slowdowns with the first environment's Python.
    python = env_python(conf_path, env_names[0])
    wanted = args.slowdown or [10, 5]
    works, base_seconds = calibrate(python, base, wanted)
    slowed = {}
    for x in wanted:
        commit = make_commit(base, f"experiment: relu_op forward slower by about {x} %", works[x])
        size = (paired_ratio(python, base, commit, processes=5)[0] - 1) * 100
        slowed[str(x)] = {"commit": commit, "work": works[x], "true_percent": size}
        print(f"nominal {x} %: {works[x]} extra loop steps, true size {size:+.1f} % (outside asv)", flush=True)

    from asv.machine import Machine

    return {
        "base": base,
        "twin": make_commit(base, "experiment: A/A twin (same tree)"),
        "envs": envs,
        "env_names": env_names,
        "env_dir": str(env_dir),
        "machine": f"{Machine.get_unique_machine_name()}, {os.cpu_count()} CPUs",
        "run": asdict(compare.RUN),
        "base_seconds_outside_asv": base_seconds,
        "slowed": slowed,
        "trials": [],
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="HEAD", help="the commit every trial compares against (HEAD)")
    parser.add_argument("--trials", type=int, default=10, help="asv runs, each judging every commit once (10)")
    parser.add_argument(
        "--slowdown", type=int, action="append", metavar="X", help="nominal slowdown in %% (repeatable; 10 and 5)"
    )
    parser.add_argument(
        "--env", action="append", metavar="RELEASE", help="release(s) to run on (default: the PR check's)"
    )
    parser.add_argument("--env-dir", type=Path, help="asv environments (default: asv.conf.json env_dir)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where trials and summaries go ({OUTPUT})")
    parser.add_argument(
        "--no-run", action="store_true", help="judge the trials already in --output again, with today's rule"
    )
    args = parser.parse_args(argv)

    output = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    bench = compare.default_bench()
    saved = output / "experiment.json"
    if args.no_run:
        if not saved.exists():
            raise SystemExit(f"experiment.py: no experiment in {output} (run it without --no-run first)")
        record = json.loads(saved.read_text())
    else:
        record = prepare(args, output)
        for n in range(1, args.trials + 1):
            commits = [record["twin"], *(s["commit"] for s in record["slowed"].values())]
            seconds, code = run_trial(
                n, record["base"], commits, record["env_names"], bench, output, Path(record["env_dir"])
            )
            record["trials"].append({"dir": f"trial-{n}", "seconds": seconds, "asv_exit": code})
            saved.write_text(json.dumps(record, indent=1))
            print(f"trial {n} took {seconds / 60:.1f} min", flush=True)

    record["rule"] = asdict(compare.RULE)
    for trial in record["trials"]:
        trial.update(judge_trial(output / trial["dir"], record, bench, compare.RULE))
    saved.write_text(json.dumps(record, indent=1))
    summary = summarize(record)
    (output / "experiment.md").write_text(summary)
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
