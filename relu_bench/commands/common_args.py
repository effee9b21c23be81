"""Argument builders the subcommands share."""

import argparse
import json
from pathlib import Path

from relu_bench.config import asv_path
from relu_bench.envs.matrix import known, profile_releases
from relu_bench.errors import UserError


def summary(doc):
    """A command's help line: its module docstring's first paragraph."""
    return doc.split("\n\n")[0].replace("\n", " ")


def add_command(subparsers, name, doc, run):
    """The subcommand's parser: its module's docstring as description, `run` as what it does."""
    parser = subparsers.add_parser(
        name, help=summary(doc), description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.set_defaults(run=run)
    return parser


def _parsed(text, cast, what):
    try:
        value = cast(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
    if value != value:
        raise argparse.ArgumentTypeError(f"not {what}: nan")
    return value


def positive_int(text):
    """An argparse type: a count of at least 1 (git's --max-count=-5 means no limit; 0 blocks time nothing)."""
    value = _parsed(text, int, "an integer")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _number(text):
    return _parsed(text, float, "a number")


def ratio_above_one(text):
    """An argparse type: a head/base ratio threshold, > 1 (at 1 or below every noise would be a slowdown)."""
    value = _number(text)
    if not 1 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a ratio above 1, e.g. 1.03, not {text}")
    return value


def probability(text):
    """An argparse type: a significance level strictly between 0 and 1."""
    value = _number(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, e.g. 0.01, not {text}")
    return value


def add_releases(parser, default):
    """--release NAME (repeatable) or --all-releases; `default` says which releases run without either."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--release",
        action="append",
        metavar="NAME",
        help=f"a release of asv.conf.json, e.g. theano-1.0.5 (repeatable); default: {default}",
    )
    group.add_argument("--all-releases", action="store_true", help="every release of asv.conf.json")


def add_bench(parser, default):
    parser.add_argument("--bench", action="append", metavar="REGEX", help=f"asv --bench regex (repeatable); {default}")


def add_machine(parser):
    parser.add_argument("--machine", help="asv machine name (default: this host's name); keep it stable in CI")


def add_env_dir(parser):
    parser.add_argument("--env-dir", type=Path, help="asv environments (default: asv.conf.json env_dir)")


def env_dir(args):
    """add_env_dir's folder, absolute: --env-dir, or asv.conf.json's env_dir."""
    return (args.env_dir or asv_path("env_dir")).resolve()


def chosen_releases(args, table, profile):
    """The releases of add_releases' options: those named (each must be a release), every one, or the profile's."""
    if args.all_releases:
        return list(table)
    return known(args.release, table) if args.release else profile_releases(profile, table)


def load_saved(path):
    """The JSON a command saved on its last run, for --no-run; a clear exit when there is none."""
    if not path.exists():
        raise UserError(f"no {path.name} in {path.parent} (run it without --no-run first)")
    try:
        return json.loads(path.read_text())
    except ValueError as exc:
        raise UserError(f"{path}: not valid JSON ({exc}); run it without --no-run") from None
