"""Did a change make a benchmark slower? Benchmark BASE and HEAD together, compare, render Markdown.

    relu-bench compare BASE HEAD [--bench REGEX]... [--release NAME... | --all-releases] [--table FILE]

The suite that judges is BASE's (asv_bench/benchmarks at BASE): a pull request
can neither edit nor drop the benchmarks that judge it. In each environment:
- time_ benchmarks are timed paired: one process imports
  BASE's and HEAD's relu_impls and times each benchmark in blocks of calls, the
  two taking turns. asv's rounds are processes minutes apart, and on a shared
  machine one process's speed differs from the next one's by up to 20 %;
  block by block, within one process, BASE and HEAD see the same machine.
  That process imports the library once, so it cannot see what relu_impls
  sets for a whole process (flags such as -O0, environment, config): each
  time_ benchmark is also timed across processes, BASE's and
  HEAD's own processes in interleaved rounds, compared round by round.
- every other benchmark (graph counts, instructions, page faults, peak memory)
  runs in one `asv run` of both commits; its result files are read directly
  (asv's `continuous` shows no comparison once a benchmark fails): every
  comparison that exists is shown, and every failure is named.

RULE_IN_WORDS

Exit status (the most severe applies):
  0  nothing slower
  1  a slowdown beyond the threshold (or a worse track_ figure)
  2  a benchmark failed or vanished in HEAD (failed, newly skipped, or no result),
     or the check could not run

Releases: names from asv.conf.json (--release theano-1.0.5); default: the newest
Theano and PyTensor (the "pr" run profile); --all-releases: every
release. Benchmarks default to the
profile's. Everything lands in --output (default .asv/pr-check): asv.conf.json
used, results/ (asv result files), timings.json (paired and across processes), table.md,
comparison.json.

--worker-user USER: every process that runs HEAD's code runs as USER (setpriv
as root, else passwordless sudo), writing only a folder of USER's: the timing
processes, and HEAD's asv run, in copies of the environments, its result files
read back. What this call installed, --output and the verdict stay the caller's.
"""

import argparse
import getpass
import json
import shutil
import subprocess
import sys
import textwrap
from dataclasses import asdict, replace
from pathlib import Path

from relu_bench import git
from relu_bench.check.pr_table import order, render
from relu_bench.check.prcheck import MACHINE, PullRequestCheck, compare, environ_of, judging_suite, time_both, untimed
from relu_bench.check.rule import RULE, exit_code
from relu_bench.commands.common_args import (
    add_bench,
    add_command,
    add_env_dir,
    add_releases,
    chosen_releases,
    env_dir,
    load_saved,
    positive_int,
    probability,
    ratio_above_one,
)
from relu_bench.config import ROOT, profiles
from relu_bench.envs.asv_envs import required_environments
from relu_bench.envs.asv_run import scratch_conf, scratch_run
from relu_bench.envs.matrix import releases
from relu_bench.errors import UserError
from relu_bench.measure.across_processes import ROUNDS_PLAN
from relu_bench.measure.paired import PLAN
from relu_bench.measure.worker import WorkerUser, python_of
from relu_bench.results.asv_results import file_name

OUTPUT = ROOT / ".asv" / "pr-check"


def rule_in_words():
    return textwrap.fill(f"The rule, with its defaults (--threshold, --alpha): {RULE.describe()}.", 80)


def setup_arguments(subparsers):
    parser = add_command(subparsers, "compare", __doc__.replace("RULE_IN_WORDS", rule_in_words()), run)
    parser.add_argument("base", help="the commit compared against (e.g. the PR's base)")
    parser.add_argument("head", help="the commit tested (e.g. the PR's merge commit, HEAD)")
    add_bench(parser, 'default: the "pr" run profile\'s')
    add_releases(parser, 'the newest Theano and PyTensor (profile "pr")')
    parser.add_argument(
        "--threshold",
        type=ratio_above_one,
        default=RULE.threshold,
        help=f"head/base ratio beyond which a significant difference is a slowdown ({RULE.threshold})",
    )
    parser.add_argument(
        "--alpha",
        type=probability,
        default=RULE.alpha,
        help=f"family-wise significance level, Holm-corrected ({RULE.alpha})",
    )
    parser.add_argument(
        "--blocks", type=positive_int, default=PLAN.blocks, help=f"paired timing: blocks per process ({PLAN.blocks})"
    )
    parser.add_argument(
        "--most-rounds",
        type=positive_int,
        default=ROUNDS_PLAN.most,
        help=f"across processes: the most rounds an undecided timing gets ({ROUNDS_PLAN.most}; "
        f"{ROUNDS_PLAN.processes} turns the sequential rounds off)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"results, table.md, comparison.json ({OUTPUT})")
    add_env_dir(parser)
    parser.add_argument(
        "--table", type=Path, metavar="FILE", help="also append the Markdown table to FILE (e.g. $GITHUB_STEP_SUMMARY)"
    )
    parser.add_argument("--no-run", action="store_true", help="compare the results already in --output")
    parser.add_argument(
        "--worker-user",
        type=worker_user,
        metavar="USER",
        help="run every process that runs HEAD's code as USER, an unprivileged user (see above)",
    )


def worker_user(name):
    """argparse type of --worker-user: a WorkerUser other than the caller that a process can be started as."""
    if name == getpass.getuser():
        raise argparse.ArgumentTypeError(f"{name} is the user running the check: name another")
    try:
        user = WorkerUser(name)
        user.remove(user.folder())
    except KeyError:
        raise argparse.ArgumentTypeError(f"no user {name!r}") from None
    except RuntimeError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return user


def asv_run(check):
    """The check's one asv run of BASE and HEAD: every benchmark of check.bench but the time_ ones (those the
    timings measure); with a worker user, asv_apart. asv's exit status."""
    if check.user:
        return asv_apart(check)
    both = [check.base, check.head]
    return scratch_run(check.conf_path, check.output, both, list(check.env_names), untimed(check.bench), MACHINE)


def asv_apart(check):
    """The check's asv run with a worker user: BASE's as the caller, in the caller's environments and --output;
    HEAD's (its wheel's build, its benchmarks) as check.user, in copies of those environments, its result files
    copied into --output afterwards. The worse of the two asv exit statuses."""
    output, head, user, bench = check.output, check.head, check.user, untimed(check.bench)
    code = scratch_run(check.conf_path, output, [check.base], list(check.env_names), bench, MACHINE)
    results = output / "results" / MACHINE
    results.mkdir(parents=True, exist_ok=True)
    for old in results.glob(file_name(head, "*")):  # an earlier run's must not stand in for a missing one
        old.unlink()
    with environ_of(user) as environ:
        home = Path(environ["HOME"])
        paths = {e.name: str(python_of(e).parent.parent) for e in check.envs}
        suite = json.loads(Path(check.conf_path).read_text())["benchmark_dir"]
        argv = [sys.executable, "-m", __name__, str(home), suite, head, json.dumps(paths), json.dumps(bench)]
        # The judge's repository is the caller's: git reads it for another user only where told it is safe.
        git_safe = {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "safe.directory", "GIT_CONFIG_VALUE_0": "*"}
        done = subprocess.run(user.command(argv, dict(environ, PYTHONPATH=str(ROOT), **git_safe)), cwd=home)
        user.stop()
        for name in paths:
            found = home / "results" / MACHINE / file_name(head, name)
            if found.is_file() and not found.is_symlink():
                shutil.copyfile(found, results / found.name)
    return max(code, done.returncode)


def head_run(home, suite, head, paths, bench):
    """asv_apart's run of HEAD, as the worker user: the environments copied into HOME, asv run there."""
    home, paths = Path(home), json.loads(paths)
    for path in paths.values():
        shutil.copytree(path, home / "env" / Path(path).name, symlinks=True)
    conf = scratch_conf(home, home / "env", suite)
    return scratch_run(conf, home, [head], list(paths), json.loads(bench), MACHINE)


def saved_timings(saved, identity):
    """The timings of an earlier run in --output, for --no-run: only those of these BASE, HEAD, releases and
    benchmarks (another pair's timings would be judged as these)."""
    timed = load_saved(saved)
    if not isinstance(timed, dict):
        raise UserError(f"{saved}: not the timings of a compare run (run it without --no-run)")
    differ = [key for key, value in identity.items() if timed.get(key) != value]
    if differ:
        raise UserError(
            f"{saved} holds the timings of another {', '.join(differ)} than this call's (run it without --no-run)"
        )
    return timed


def run(args):
    rule = replace(RULE, threshold=args.threshold, alpha=args.alpha)
    plan = replace(PLAN, blocks=args.blocks)
    rounds_plan = replace(ROUNDS_PLAN, most=max(args.most_rounds, ROUNDS_PLAN.processes))
    wanted = chosen_releases(args, releases(), "pr")
    base, head = git.rev_parse(args.base), git.rev_parse(args.head)
    bench = args.bench or profiles()["pr"]["bench"]
    output = args.output.resolve()
    # Checked before --output is touched: a mistaken call must not delete or overwrite an earlier run's files.
    if base == head:
        raise UserError(f"{args.base} and {args.head} are the same commit ({base[:10]}): nothing to compare")
    saved = output / "timings.json"
    identity = {"base": base, "head": head, "releases": wanted, "bench": list(bench)}
    if args.no_run:
        timed = saved_timings(saved, identity)
    output.mkdir(parents=True, exist_ok=True)
    conf_path = scratch_conf(output, env_dir(args), judging_suite(output, base))
    envs = required_environments(wanted, conf_path)
    chosen = [envs[name] for name in wanted]
    check = PullRequestCheck(
        conf_path,
        output,
        base,
        head,
        bench,
        envs=chosen,
        plan=plan,
        rounds_plan=rounds_plan,
        rule=rule,
        user=args.worker_user,
    )

    if not args.no_run:
        print(f"asv run exited {asv_run(check)}", flush=True)
        timed = time_both(check)
        saved.write_text(json.dumps({**identity, **timed}, indent=1))
    comparisons = compare(check, timed)
    markdown = render(comparisons, base, head, rule)
    print(markdown)
    (output / "table.md").write_text(markdown)
    report = {
        "base": base,
        "head": head,
        "rule": asdict(rule),
        "plan": asdict(plan),
        "exit": exit_code(comparisons),
        "comparisons": [asdict(c) for c in sorted(comparisons, key=order)],
    }
    (output / "comparison.json").write_text(json.dumps(report, indent=1, default=str))
    if args.table:
        with open(args.table, "a") as f:
            f.write(markdown)
    return exit_code(comparisons)


if __name__ == "__main__":
    sys.exit(head_run(*sys.argv[1:]))
