"""Run the asv suite on the current commit and publish the HTML report: `relu-bench bench`.

Default (the "default" run profile): the PR set plus the input-data and floor benchmarks
(1000x1000 float64 column only), on Theano's and PyTensor's newest releases in asv.conf.json (the
README gives its measured time). `--profile full`: every benchmark on every release (an hour or more).
The HTML goes to .asv/html; view it with `.venvs/tools/bin/asv preview` (serves http://127.0.0.1:8080);
it links the "Which ReLU?" report of the commit (`relu-bench report`), built into .asv/html/report.

asv builds the project from the commit (HEAD), not from uncommitted changes;
the benchmarks themselves come from the working tree (asv_bench/benchmarks).
`--last N`: the newest N commits of HEAD's first-parent line instead, for the
graphs' history; commits with results of every release chosen, and commits
that predate the suite, are named and skipped.
Releases whose Python is missing are skipped and named. Exit status: 0 when
every selected benchmark gave a number or an explicit skip, 1 when any failed
(the others still ran, and were published), 2 when nothing could run.
"""

import os
import sys
import tempfile
import time
from pathlib import Path

from relu_bench import git
from relu_bench.commands.common_args import add_command, add_machine, add_releases, chosen_releases, positive_int
from relu_bench.config import ROOT, asv_path, profiles
from relu_bench.envs.asv_envs import asv_config, environments
from relu_bench.envs.asv_run import asv, define_machine, rounds_option
from relu_bench.envs.matrix import releases
from relu_bench.envs.pythons import asv_environ, link_pythons
from relu_bench.report.semantics import asv_environments, collect
from relu_bench.results import asv_results

# What a commit needs for the suite to run on it: asv builds the project (pyproject.toml), and the
# benchmarks import relu_impls from the build.
SUITE_FILES = ("pyproject.toml", "relu_impls/__init__.py")


def setup_arguments(subparsers):
    parser = add_command(subparsers, "bench", __doc__, run)
    names = [name for name in profiles() if name != "newest"]
    parser.add_argument("--profile", choices=names, default="default", help="which benchmarks on which releases")
    parser.add_argument("--bench", action="append", metavar="REGEX", help="only these benchmarks (asv's --bench)")
    parser.add_argument(
        "--last",
        type=positive_int,
        metavar="N",
        help="the newest N commits of HEAD's first-parent line instead of HEAD alone: commits with results for "
        "every release chosen are skipped, and so are commits that predate the suite (the history's graphs)",
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        metavar="N",
        help="processes per benchmark point instead of the suite's own (12 for the timings), for every benchmark "
        "selected: fewer, a rougher figure sooner",
    )
    add_releases(parser, "the profile's")
    add_machine(parser)


def publish(machine, env_names, env):
    """The semantics of the environments just run, then `asv publish`, which rebuilds the "Which ReLU?" report
    (relu_bench/asv_plugin.py) and links it from asv's index. Returns the number of failures."""
    print("\nreport: semantics of each environment run, then asv publish (which builds the report)", flush=True)
    envs = [e for e in asv_environments(asv_path("env_dir")) if e[0] in env_names]
    failures = collect(asv_path("results_dir") / machine, envs)
    started = time.time()
    asv("publish", env=env)
    report = asv_path("html_dir") / "report" / "index.html"
    if not report.exists() or report.stat().st_mtime < started:
        print(f"report not built: {report} (asv publish's log above says why)")
        return failures + 1
    print(f"report: {report}, linked from asv's index")
    return failures


def history_commits(last, results_dir, env_names, repo=ROOT):
    """The newest `last` commits of HEAD's first-parent line, oldest first, sorted into
    (to run, already done, predating the suite). Done: a result file for every environment in `env_names`
    in the machine folder `results_dir`. Predating: a commit lacking a SUITE_FILES file."""
    to_run, done, predating = [], [], []
    for commit in reversed(git.first_parent(last, repo)):
        if not all(git.has_path(commit, path, repo) for path in SUITE_FILES):
            predating.append(commit)
        elif all(os.path.exists(os.path.join(results_dir, asv_results.file_name(commit, name))) for name in env_names):
            done.append(commit)
        else:
            to_run.append(commit)
    return to_run, done, predating


def run_arguments(hashfile, machine, env_names, regexes, rounds=None, skip_existing=False):
    """asv run's arguments for the commits listed in `hashfile`, in every environment of `env_names`."""
    # --skip-existing (the history): of a commit some release already ran, only what is missing.
    cmd = ["run", f"HASHFILE:{hashfile}", "--show-stderr", *(["--skip-existing"] if skip_existing else [])]
    # --interleave-rounds: round 1 of every release (and commit), then round 2, ... Without it asv times one
    # environment to the end before the next, minutes apart, and two releases of one run drift apart, while the
    # report compares them as sharing the run's drift.
    cmd += ["--machine", machine, "--interleave-rounds"]
    for name in env_names:
        cmd += ["-E", name]
    for regex in regexes:
        cmd += ["--bench", regex]
    return cmd + rounds_option(rounds)


def run(args):
    table = releases()
    wanted = chosen_releases(args, table, args.profile)
    regexes = args.bench or profiles()[args.profile]["bench"]
    found = link_pythons(table[name]["python"] for name in wanted)
    env = asv_environ()
    names = {release: e.name for release, e in environments(wanted).items()}
    for release in wanted:
        if release not in names:
            python = table[release]["python"]
            why = "not found (install it with pyenv)" if not found.get(python) else "rejected by asv"
            print(f"skipping {release}: Python {python} {why}")
    runnable = [r for r in wanted if r in names]
    if not runnable:
        print("nothing to run")
        return 2

    if git.is_dirty("relu_impls"):
        print("note: relu_impls has uncommitted changes; asv benchmarks the committed version (HEAD)")
    from asv.machine import Machine

    machine = args.machine or Machine.get_unique_machine_name()
    results_dir = asv_path("results_dir") / machine
    if args.last:
        commits, done, predating = history_commits(args.last, results_dir, [names[r] for r in runnable])
        for commit in predating:
            print(f"skipped {commit[:8]}: predates the suite (no {' or '.join(SUITE_FILES)})")
        for commit in done:
            print(f"skipped {commit[:8]}: already has results of every release chosen")
        if not commits:
            print("nothing new to run")
            return 0
    else:
        commits = [git.rev_parse("HEAD")]

    define_machine(args.machine, env)
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as hashfile:
        hashfile.write("\n".join(commits) + "\n")
        hashfile.flush()
        cmd = run_arguments(hashfile.name, machine, [names[r] for r in runnable], regexes, args.rounds, bool(args.last))
        # asv run exits 2 when any benchmark raised; the result files tell which, below.
        code = asv(*cmd, env=env, check=False)

    benchmarks = asv_results.selected_benchmarks(regexes, asv_config())
    failures = 0
    print("\nsummary (selected benchmark × parameter points):")
    for commit in commits:
        for release in runnable:
            result = results_dir / asv_results.file_name(commit, names[release])
            if not result.exists():
                print(f"  {commit[:8]} {release}: NO RESULTS (environment failed to build or import? see above)")
                failures += 1
                continue
            numbers, skipped, failed = asv_results.tally(result, benchmarks)
            failures += len(failed)
            line = f"  {commit[:8]} {release}: {numbers} measured, {skipped} skipped (reasons above)"
            line += f", {len(failed)} failed"
            print(line + (f": {', '.join(failed[:12])}{' ...' if len(failed) > 12 else ''}" if failed else ""))
    if code not in (0, 2):
        print(f"asv run exited {code}")
        failures += 1

    failures += publish(machine, {names[r] for r in runnable}, env)
    asv_bin = Path(sys.executable).parent / "asv"
    print(f"\nHTML report: {asv_path('html_dir')}; view it with: {asv_bin} preview")
    return 1 if failures else 0
