"""Which ReLU? The cross-release report from asv's results.

    relu-bench report collect [--python PYTHON ...]   # semantics, in every asv environment
    relu-bench report build [--commit C] [--link]     # .asv/html/report/{index.html,report.md,plots/}
    relu-bench report confirm [--commit C]            # decide the changes in doubt by fresh processes

`collect` runs `python -m relu_impls.semantics_json` with the Python of each
environment asv built (.asv/env/*), and of each `-E existing:PYTHON` environment
named with --python, and stores the answers beside the results
(.asv/results/MACHINE/semantics/). Run it after `asv run`, where the environments are.

`build` reads the result files of one commit (the newest, or --commit) from every
environment, and writes, per release and linker: the fastest variant and every
variant as a ratio to the copy floor, plots across releases, the semantics table,
and what changed between neighbouring releases (the rule is printed in the report).
`confirm` takes the neighbouring releases whose figures differ by 10 % or more but
not beyond the noise of their points, and times each such point again in fresh
processes of both environments, interleaved, until one is slower in every process
or 24 processes each; `build` then lists the confirmed changes, saying so.
`asv publish` deletes .asv/html: build after it; --link then adds a link to the
report into asv's index.html (its navigation bar).
"""

import tempfile
from pathlib import Path

from relu_bench import git
from relu_bench.commands.common_args import add_command
from relu_bench.config import asv_path
from relu_bench.errors import UserError
from relu_bench.measure.across_processes import two_arms
from relu_bench.report import build, noise, read_run
from relu_bench.report.changes import in_doubt
from relu_bench.report.confirm import confirm
from relu_bench.report.link import link_index
from relu_bench.report.results import machine_dir
from relu_bench.report.semantics import asv_environments, collect, existing_environment


def setup_arguments(subparsers):
    parser = add_command(subparsers, "report", __doc__, run)
    results, env, html = asv_path("results_dir"), asv_path("env_dir"), asv_path("html_dir")
    parser.add_argument("--results-dir", type=Path, default=results, help="asv's results_dir")
    parser.add_argument("--machine", help="asv machine name (default: the only one in the results dir)")
    sub = parser.add_subparsers(dest="action", required=True)
    col = sub.add_parser("collect", help="measure the semantics in each asv environment and store them")
    col.add_argument("--env-dir", type=Path, default=env, help="asv's env_dir")
    col.add_argument("--python", action="append", default=[], help="an `-E existing:PYTHON` env (repeatable)")
    col.add_argument("--only-existing", action="store_true", help="skip the environments in --env-dir")
    con = sub.add_parser("confirm", help="decide the changes in doubt by fresh interleaved processes")
    con.add_argument("--commit", help="a commit hash or prefix (default: the newest with results)")
    con.add_argument("--env-dir", type=Path, default=env, help="asv's env_dir")
    bld = sub.add_parser("build", help="write the report (index.html, report.md, plots/, changes.json)")
    bld.add_argument("--commit", help="a commit hash or prefix (default: the newest with results)")
    bld.add_argument("--out", type=Path, default=html / "report", help="report directory")
    bld.add_argument("--link", action="store_true", help="link the report from asv's index.html (in --html-dir)")
    bld.add_argument("--html-dir", type=Path, default=html, help="asv's html_dir, for --link")


def confirm_doubts(args):
    run = read_run(args.results_dir, args.machine, args.commit)
    model = noise.load(args.results_dir, noise.host_of(run.mdir))
    doubtful = in_doubt(run.timings, model)
    print(f"{len(doubtful)} pair(s) of neighbouring releases in doubt ({model.describe()})")
    pythons = {name: python for name, python, _ in asv_environments(args.env_dir)}
    missing = sorted({t.env_name for pair in doubtful for t in pair} - set(pythons))
    if missing:
        raise UserError(f"no environment {missing[0]} in {args.env_dir} (run `relu-bench bench` first)")
    with tempfile.TemporaryDirectory() as tmp:  # the run's own code and suite, not the working tree's
        tree = git.extract(run.commit, "relu_impls", Path(tmp, "tree"))
        suite = git.extract(run.commit, "asv_bench", Path(tmp, "suite")) / "asv_bench"
        try:
            records = confirm(
                run, doubtful, lambda a, b: two_arms(pythons[a.env_name], pythons[b.env_name], a.entry, tree, suite)
            )
        except RuntimeError as exc:
            raise UserError(f"could not confirm: {exc}") from None
    changed = sum(r["verdict"] == "changed" for r in records)
    print(f"{changed} of {len(records)} confirmed as changes; stored for `relu-bench report build`")
    return 0


def run(args):
    if args.action == "collect":
        mdir = machine_dir(args.results_dir, args.machine)
        envs = [] if args.only_existing else asv_environments(args.env_dir)
        envs += [existing_environment(p, git.rev_parse("HEAD")) for p in args.python]
        if not envs:
            print(f"no asv environments in {args.env_dir} and no --python: nothing to measure")
            return 2
        return 1 if collect(mdir, envs) else 0

    if args.action == "confirm":
        return confirm_doubts(args)
    out_dir, changes = build(args.results_dir, args.out, args.machine, args.commit)
    print(f"report: {out_dir / 'index.html'} and {out_dir / 'report.md'} ({len(changes)} changes)")
    if args.link:
        index = link_index(args.html_dir, out_dir)
        print(f"linked from {index}")
    return 0
