"""The benchmark history on a git branch (nothing stored is lost: docs/reference.md).

relu-bench results restore [--branch B] [--dir D]    # branch -> results dir
relu-bench results merge SHARD... [--dir D]          # shards (one per environment) -> results dir
relu-bench results store [--branch B] [--dir D]      # results dir -> new commit on the branch
relu-bench results shards                            # shards=[{release, python, key}...] (CI matrix)
relu-bench results machine PREFIX                    # PREFIX-CPU_MODEL: one history per CPU model
"""

import hashlib
import json
import sys
from pathlib import Path

from relu_bench import git
from relu_bench.commands.common_args import add_command
from relu_bench.config import ROOT, asv_path
from relu_bench.envs.matrix import releases
from relu_bench.errors import UserError
from relu_bench.results.history import BRANCH, machine_name, merge, restore, store

RESULTS = asv_path("results_dir")


def shards():
    """One shard per release of asv.conf.json, as a GitHub Actions output line (`strategy.matrix`).

    `key` changes with the release's line and nothing else: the shard's caches (its asv environment,
    pip's downloads, compile dirs) are keyed by it.
    """
    table = [
        {"release": name, "python": entry["python"], "key": hashlib.sha256(json.dumps(entry).encode()).hexdigest()[:16]}
        for name, entry in releases().items()
    ]
    return "shards=" + json.dumps(table, separators=(",", ":"))


def setup_arguments(subparsers):
    parser = add_command(subparsers, "results", __doc__, run)
    sub = parser.add_subparsers(dest="action", required=True)
    for name, text in [
        ("restore", "copy the results stored on the branch into the results dir"),
        ("merge", "combine shard result dirs (one per environment) into the results dir"),
        ("store", "commit the results dir (combined with what is stored) to the branch"),
    ]:
        cmd = sub.add_parser(name, help=text, description=text)
        cmd.add_argument("--dir", type=Path, default=RESULTS, help=f"asv results dir ({RESULTS})")
        if name != "merge":
            cmd.add_argument("--repo", type=Path, default=ROOT, help=f"git repository holding the branch ({ROOT})")
            cmd.add_argument(
                "--branch",
                help=f"git branch holding the history ({BRANCH}; a branch named here must exist: a typo is no "
                "empty history)",
            )
        if name == "merge":
            cmd.add_argument("shards", nargs="+", type=Path, help="asv results dirs, e.g. downloaded artifacts")
        if name == "store":
            cmd.add_argument("--message", default="Store benchmark results", help="commit message")
    sub.add_parser("shards", help="print the CI matrix: one shard per release in asv.conf.json")
    name = sub.add_parser("machine", help="print PREFIX-CPU_MODEL, the asv machine name of this host's history")
    name.add_argument("prefix", help="e.g. github-actions")


def check_paths(args):
    """A mistyped --repo or `store --dir` is a message, not a traceback or "nothing new to store"."""
    repo = getattr(args, "repo", None)
    if repo is not None and (not repo.is_dir() or git.resolve("HEAD", repo) is None and not git.is_repo(repo)):
        raise UserError(f"--repo {repo}: not a git repository")
    if args.action == "store" and not args.dir.is_dir():
        raise UserError(f"--dir {args.dir}: no such directory (nothing to store)")


def run(args):
    if args.action == "shards":
        print(shards())
        return 0
    if args.action == "machine":
        print(machine_name(args.prefix))
        return 0
    check_paths(args)
    errors = []
    if args.action == "restore":
        restore(args.branch or BRANCH, args.dir, args.repo, must_exist=args.branch is not None)
    elif args.action == "merge":
        errors = merge(args.shards, args.dir)
    else:
        store(args.branch or BRANCH, args.dir, args.message, args.repo)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors else 0
