"""The `relu-bench` command (also `python -m tools`): one subcommand per module of tools/commands/.

Dispatch only (as pyperf's __main__): each command module gives `setup_arguments(subparsers)` and
`run(args)` (asv's layout).
`bench` and `fidelity` run in the tools environment (.venvs/tools, built on first use): started with any
other Python, the command starts itself again there, before importing anything the environment provides.
A named command imports only its own module, so `results shards` runs with a bare Python too.
"""

import argparse
import importlib
import sys

from tools.errors import UserError
from tools.venvs import reexec_in_tools_venv

COMMANDS = ["bench", "compare", "results", "report", "envs", "experiment", "fidelity", "bisect"]
IN_TOOLS_VENV = {"bench", "fidelity", "bisect"}


def main(argv=None):
    """The command's exit status; the one place where the tools' UserError becomes a message and status 2."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv and argv[0] in IN_TOOLS_VENV:
            reexec_in_tools_venv(argv)
        parser = argparse.ArgumentParser(prog="relu-bench", description=__doc__.split("\n\n")[0])
        subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
        for name in [argv[0]] if argv and argv[0] in COMMANDS else COMMANDS:
            importlib.import_module(f"tools.commands.{name}").setup_arguments(subparsers)
        args = parser.parse_args(argv)
        return args.run(args)
    except UserError as exc:
        print(f"relu-bench{' ' + argv[0] if argv else ''}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
