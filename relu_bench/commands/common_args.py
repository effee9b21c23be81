"""Argument builders the subcommands share."""

import argparse
import json
from pathlib import Path

from relu_bench.errors import UserError
from relu_bench.matrix import known, profile_releases


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


def chosen_releases(args, table, profile):
    """The releases of add_releases' options: those named (each must be a release), every one, or the profile's."""
    if args.all_releases:
        return list(table)
    return known(args.release, table) if args.release else profile_releases(profile, table)


def load_saved(path):
    """The JSON a command saved on its last run, for --no-run; a clear exit when there is none."""
    if not path.exists():
        raise UserError(f"no {path.name} in {path.parent} (run it without --no-run first)")
    return json.loads(path.read_text())
