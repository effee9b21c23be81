"""Argument builders the subcommands share."""

import argparse
import json
from pathlib import Path

from tools.matrix import unknown


def add_command(subparsers, name, doc, run):
    """The subcommand's parser: its module's docstring as description, `run` as what it does."""
    parser = subparsers.add_parser(
        name, help=doc.split("\n")[0], description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.set_defaults(run=run, parser=parser)
    return parser


def add_releases(parser, flag, default):
    parser.add_argument(
        flag,
        action="append",
        metavar="NAME",
        help=f"release from asv.conf.json, e.g. theano-1.0.5 (repeatable); default: {default}",
    )


def add_bench(parser, default):
    parser.add_argument("--bench", action="append", metavar="REGEX", help=f"asv --bench regex (repeatable); {default}")


def add_machine(parser):
    parser.add_argument("--machine", help="asv machine name (default: this host's name); keep it stable in CI")


def add_env_dir(parser):
    parser.add_argument("--env-dir", type=Path, help="asv environments (default: asv.conf.json env_dir)")


def chosen_releases(parser, named, table, default):
    """The releases named on the command line (an unknown one is a usage error), else `default`."""
    error = unknown(named, table)
    if error:
        parser.error(error)
    return named or default


def load_saved(path, command):
    """The JSON a command saved on its last run, for --no-run; a clear exit when there is none."""
    if not path.exists():
        raise SystemExit(f"relu-bench {command}: no {path.name} in {path.parent} (run it without --no-run first)")
    return json.loads(path.read_text())
