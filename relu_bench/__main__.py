"""relu-bench: how fast is each way of writing a ReLU in the Theano family, per release, and did a change make
one slower? `relu-bench COMMAND --help` for each command.

The command (also `python3 -m relu_bench`): each subcommand is a module of relu_bench.commands. Dispatch only (as
pyperf's __main__): each command module gives `setup_arguments(subparsers)` and `run(args)` (asv's layout). Runs
with any Python 3 from the repository root: `--help` and a wrong command import no command; a named command imports
only its own module, after starting itself again in the tools environment (.venvs/tools, built on first use) where
it must: `bench`, `fidelity` and `bisect` always, and a command whose packages (NEEDS) this Python lacks. `results
shards`, `results machine` and `envs` need none.
"""

import argparse
import ast
import importlib
import importlib.util
import sys
from pathlib import Path

from relu_bench.commands.common_args import summary
from relu_bench.envs.venvs import reexec_in_tools_venv
from relu_bench.errors import UserError

COMMANDS = ["bench", "compare", "agree", "results", "report", "envs", "experiment", "fidelity", "bisect"]
IN_TOOLS_VENV = {"bench", "fidelity", "bisect"}
# Packages a command imports beyond the standard library, by its first words: CI installs them where it runs
# these (pr-check: compare; publish: results store), anywhere else the command restarts in the tools environment.
NEEDS = {
    "compare": ["asv"],
    "agree": ["asv"],
    "experiment": ["asv"],
    "report": ["asv", "matplotlib"],
    "results restore": ["asv"],
    "results merge": ["asv"],
    "results store": ["asv"],
}


def docstring(name):
    """A command module's docstring, read without importing the module (its imports may need the tools
    environment)."""
    return ast.get_docstring(ast.parse((Path(__file__).parent / "commands" / f"{name}.py").read_text()))


def needs_tools_venv(argv):
    needed = NEEDS.get(" ".join(argv[:2]), NEEDS.get(argv[0], []))
    return argv[0] in IN_TOOLS_VENV or any(importlib.util.find_spec(name) is None for name in needed)


def main(argv=None):
    """The command's exit status; the one place where the tools' UserError becomes a message and status 2."""
    argv = sys.argv[1:] if argv is None else list(argv)
    named = argv[0] if argv and argv[0] in COMMANDS else None
    try:
        if named and needs_tools_venv(argv):
            reexec_in_tools_venv(argv)
        parser = argparse.ArgumentParser(prog="relu-bench", description=__doc__.split("\n\n")[0])
        subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
        for name in COMMANDS:
            if name == named:
                importlib.import_module(f"relu_bench.commands.{name}").setup_arguments(subparsers)
            else:  # listed for --help and argparse's "invalid choice", never run
                subparsers.add_parser(name, help=summary(docstring(name)))
        args = parser.parse_args(argv)
        return args.run(args)
    except UserError as exc:
        print(f"relu-bench{' ' + named if named else ''}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
