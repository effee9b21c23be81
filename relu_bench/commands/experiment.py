"""How reliable is the pull-request check? Count its false alarms and its catches.

    relu-bench experiment [--trials 10] [--slowdown 10 --slowdown 5] [--release NAME]...

Commits made for the experiment (under refs/experiment/, the working tree untouched):
- a twin of BASE: the same tree, another commit (A/A: every flag is a false alarm);
- planted slowdowns, each BASE plus a patch of the project's plants (applied with
  `git apply`, so a change of the code it touches stops the experiment instead
  of planting something else) and the plant's code as relu_impls/_plant.py
  with its amounts in relu_impls/_plant_params.py:
  - `relu_op+X%` (per --slowdown X): relu_op's forward runs a fixed amount of
    Python work per call before its kernel, calibrated on this machine to X %;
  - `every+20%`: every variant's input passes through an op that does 20 % of
    relu_op's forward time in Python work, forward and gradient alike;
  - `relu_op memory`: relu_op's forward gives freed memory back to the kernel
    before each call (malloc_trim), so its output lands on fresh pages: time and
    page faults, no instructions.

The PR check's deterministic figures (instructions, page faults, graph counts:
one asv run) are measured once per commit, before the trials.
Each trial times the twin and every planted commit against BASE as the PR check
does (paired and across processes, their default plans), and judges each commit
by the PR check's own rule (`relu-bench compare --help`). The true size of each plant is
measured with a long paired timing of relu_op's forward (TRUE_SIZE: more
processes, blocks and calls). Thresholds are chosen on trials 1-5; the summary
gives trials 1-5 and 6-10 apart.

Output (--output, default .asv/experiment): counts/ and trial-N/ (asv results and
tables), experiment.json, experiment.md (the summary printed at the end).
"""

import json
import os
import re
import shutil
import time
from dataclasses import asdict, replace
from pathlib import Path

from relu_bench import git
from relu_bench.check import prcheck, rule
from relu_bench.check.experiment import (
    TARGET_NAME,
    TRUE_SIZE,
    Experiment,
    Plant,
    make_commit,
    plant_specs,
    summary,
    verdict,
)
from relu_bench.check.pr_table import render
from relu_bench.commands.common_args import add_command, add_env_dir, add_releases, chosen_releases, env_dir, load_saved
from relu_bench.config import ROOT, profiles
from relu_bench.envs.asv_envs import environments, required_environments
from relu_bench.envs.asv_run import scratch_conf, scratch_run
from relu_bench.envs.matrix import releases
from relu_bench.errors import UserError
from relu_bench.measure import paired

OUTPUT = ROOT / ".asv" / "experiment"


def paired_ratio(record, other, plan=TRUE_SIZE):
    """(other/BASE ratio of relu_op's forward, BASE seconds per call), paired in the first environment."""
    conf_path = Path(record.conf)
    e = environments(record.env_names[:1], conf_path)[record.env_names[0]]
    check = prcheck.PullRequestCheck(
        conf_path, Path(record.counts), record.base, other, [f"^{re.escape(TARGET_NAME)}$"], envs=[e], plan=plan
    )
    found = prcheck.run_paired(check)
    result = next(iter(found.values()))
    if "error" in result or "ratio" not in result.get(TARGET_NAME, {}):
        raise UserError(f"timing {other[:8]} against BASE failed: {json.dumps(result)[-2000:]}")
    return result[TARGET_NAME]["ratio"], result[TARGET_NAME]["base"]


def calibrate(record):
    """(fixed ratio, ratio per loop step, seconds per call): extra time = fixed + per step * steps, fitted on
    two probe commits of the relu_op plant."""
    base = record.base
    zero = make_commit(base, "experiment: calibration, 0 steps", "probe0", "relu_op_forward", 0)
    fixed_ratio, call = paired_ratio(record, zero)
    probe = 4000
    probed = make_commit(base, f"experiment: calibration, {probe} steps", "probe", "relu_op_forward", probe)
    probe_ratio, _ = paired_ratio(record, probed)
    per_step = (probe_ratio - fixed_ratio) / probe
    print(
        f"calibration: relu_op forward {call * 1e6:.0f} us per call; the planted path alone "
        f"{(fixed_ratio - 1) * 100:+.1f} %, each 1000 loop steps {per_step * 1000 * 100:+.1f} %",
        flush=True,
    )
    return fixed_ratio, per_step, call


def count(record, commits):
    """The deterministic figures of every commit: one asv run into OUTPUT/counts; (seconds, asv exit)."""
    started = time.monotonic()
    bench = prcheck.untimed(record.bench)
    code = scratch_run(Path(record.conf), Path(record.counts), commits, record.env_names, bench, prcheck.MACHINE)
    return time.monotonic() - started, code


def time_trial(record, trial_dir):
    """Paired timings of the twin and of every planted commit against BASE into TRIAL_DIR; seconds taken."""
    trial_dir.mkdir(parents=True, exist_ok=True)
    conf_path = Path(record.conf)
    envs = environments(record.env_names, conf_path)
    started = time.monotonic()
    for commit in record.commits:
        check = prcheck.PullRequestCheck(
            conf_path, Path(record.counts), record.base, commit, record.bench, envs.values()
        )
        found = prcheck.time_both(check)
        (trial_dir / f"timings-{commit[:8]}.json").write_text(json.dumps(found))
    return time.monotonic() - started


def judge_trial(trial_dir, record, judging):
    """The PR check's verdict on the twin and on each planted commit of one trial, against BASE."""
    comparisons = {}
    for commit in record.commits:
        timed = json.loads((trial_dir / f"timings-{commit[:8]}.json").read_text())
        check = prcheck.PullRequestCheck(
            Path(record.conf),
            Path(record.counts),
            record.base,
            commit,
            record.bench,
            env_names=record.env_names,
            rule=judging,
        )
        comparisons[commit] = prcheck.compare(check, timed)
        (trial_dir / f"table-{commit[:8]}.md").write_text(render(comparisons[commit], record.base, commit, judging))
    return verdict(record, comparisons)


def prepare(args, output):
    """The record of an experiment: commits, environments, calibration, true sizes, instruction counts."""
    base = git.rev_parse(args.base)
    envs = chosen_releases(args, releases(), "pr")
    conf_path = scratch_conf(output / "counts", env_dir(args), prcheck.judging_suite(output / "counts", base))
    found = required_environments(envs, conf_path)
    record = Experiment(
        base=base,
        envs=envs,
        env_names=[found[name].name for name in envs],
        conf=str(conf_path),
        counts=str(output / "counts"),
        bench=profiles()["pr"]["bench"],
    )

    # Calibrate and size the plants in the first environment.
    fixed_ratio, per_step, base_seconds = calibrate(record)
    plants = {}
    for name, (patch, work, trim, nominal) in plant_specs(args.slowdown or [10, 5], fixed_ratio, per_step).items():
        ref = "".join(ch if ch.isalnum() else "-" for ch in name)
        commit = make_commit(base, f"experiment: {name}", ref, patch, work, trim)
        size = (paired_ratio(record, commit)[0] - 1) * 100
        plants[name] = Plant(commit, patch, work, trim, nominal, size)
        print(f"{name}: {patch}, {work} loop steps{', trim' if trim else ''}: true size {size:+.1f} %", flush=True)

    from asv.machine import Machine

    return replace(
        record,
        twin=make_commit(base, "experiment: A/A twin (same tree)", "twin"),
        machine=f"{Machine.get_unique_machine_name()}, {os.cpu_count()} CPUs",
        plan=asdict(paired.PLAN),
        base_seconds=base_seconds,
        plants=plants,
        trials=[],
    )


def setup_arguments(subparsers):
    parser = add_command(subparsers, "experiment", __doc__, run)
    parser.add_argument("--base", default="HEAD", help="the commit every trial compares against (HEAD)")
    parser.add_argument("--trials", type=int, default=10, help="rounds of the PR check's timing of every commit (10)")
    parser.add_argument(
        "--slowdown", type=int, action="append", metavar="X", help="relu_op's planted slowdown in %% (10 and 5)"
    )
    add_releases(parser, "the PR check's")
    add_env_dir(parser)
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"where trials and summaries go ({OUTPUT})")
    parser.add_argument(
        "--no-run", action="store_true", help="judge the trials already in --output again, with today's rule"
    )
    parser.add_argument(
        "--threshold", type=float, default=rule.RULE.threshold, help="judge with this timing threshold instead"
    )


def run(args):
    output = args.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    saved = output / "experiment.json"
    if args.no_run:
        record = Experiment.from_json(load_saved(saved))
    else:
        for old in output.glob("trial-*"):
            shutil.rmtree(old)
        record = prepare(args, output)
        record.counts_seconds, record.counts_exit = count(record, [record.base, *record.commits])
        for n in range(1, args.trials + 1):
            seconds = time_trial(record, output / f"trial-{n}")
            record.trials.append({"dir": f"trial-{n}", "seconds": seconds})
            saved.write_text(json.dumps(record.to_json(), indent=1))
            print(f"trial {n} took {seconds / 60:.1f} min", flush=True)

    judging = replace(rule.RULE, threshold=args.threshold)
    record.rule = asdict(judging)
    for trial in record.trials:
        trial.update(judge_trial(output / trial["dir"], record, judging))
    saved.write_text(json.dumps(record.to_json(), indent=1))
    text = summary(record, judging)
    (output / "experiment.md").write_text(text)
    print(text)
    return 0
