"""relu_bench/__main__.py from a Python without site-packages (no asv, no matplotlib, no numpy): the command
list and a wrong command need no command module; a user's mistake is a message and exit 2, not a traceback."""

import subprocess
import sys

from conftest import ROOT

from relu_bench.__main__ import COMMANDS


def bare(*args):
    return subprocess.run([sys.executable, "-S", "-m", "relu_bench", *args], cwd=ROOT, capture_output=True, text=True)


def test_help_without_a_command_lists_every_command():
    proc = bare("--help")
    assert proc.returncode == 0 and all(f"    {name}" in proc.stdout for name in COMMANDS), proc.stderr


def test_an_unknown_command_gets_argparse_message():
    proc = bare("nope")
    assert proc.returncode == 2 and "invalid choice: 'nope'" in proc.stderr and "Traceback" not in proc.stderr


def test_an_unknown_release_is_a_message():
    proc = bare("envs", "requirements", "theano-0.0.1")
    assert proc.returncode == 2 and proc.stderr.startswith("relu-bench envs: unknown release(s) theano-0.0.1;")
