"""Virtual environments outside asv: the tools environment (.venvs/tools: this project with its `tools` extra)
and one test environment per release (.venvs/RELEASE: the release's pins, pytest and relu_impls)."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from relu_bench.config import ROOT, TOOLS_VENV, VENVS
from relu_bench.envs.matrix import releases, requirements
from relu_bench.envs.pythons import BUILD_ENV, PYTHONS_BIN, find_python, link_pythons
from relu_bench.errors import UserError

TOOLS_PYTHON = "3.11"
TEST_EXTRAS = ["pytest", "asv_runner==0.3.2"]


def build_venv(dest, python_version, install_args, stamped=(), build_env=None):
    """A virtualenv at `dest` with `pip install install_args` and relu_impls (editable).

    Reused as long as the interpreter, the install arguments and the contents of
    the `stamped` files (what the arguments read) are unchanged.
    """
    dest = Path(dest)
    python = find_python(python_version)
    if python is None:
        raise UserError(f"{dest.name}: Python {python_version} not found (on PATH or under `pyenv root`)")
    files = [Path(path).read_text() for path in stamped]
    stamp = hashlib.sha256(json.dumps([python, install_args, files]).encode()).hexdigest()
    marker = dest / ".relu-bench-stamp"
    if marker.exists() and marker.read_text() == stamp:
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    subprocess.run([python, "-m", "venv", str(dest)], check=True)
    pip = [str(dest / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + list(install_args), check=True, env=dict(os.environ, **(build_env or {})))
    subprocess.run(pip + ["--no-deps", "-e", str(ROOT)], check=True)
    marker.write_text(stamp)
    return dest


def make_venv(name, entry, extras=TEST_EXTRAS):
    """.venvs/NAME for one release of asv.conf.json, with `extras` (pytest) beside it."""
    # A release that pins setuptools is built by it, as in asv (BUILD_ENV); the others by pip's default.
    build_env = BUILD_ENV if "setuptools" in entry["req"] else None
    return build_venv(VENVS / name, entry["python"], requirements(entry) + list(extras), build_env=build_env)


def tools_venv():
    """.venvs/tools: pip's `-e .[tools]` (the pins are pyproject.toml's `tools` extra), where plain `asv` works.

    asv finds each release's Python as `pythonX.Y` on PATH only. So the releases' Pythons are linked into
    PYTHONS_BIN, and a .pth file puts that folder first on PATH whenever this environment's Python starts:
    `.venvs/tools/bin/asv run` (or `asv run` with the environment activated) then finds them as typed.
    """
    dest = build_venv(TOOLS_VENV, TOOLS_PYTHON, ["-e", f"{ROOT}[tools]"], stamped=[ROOT / "pyproject.toml"])
    link_pythons(entry["python"] for entry in releases().values())
    # Once, however deeply this environment's Pythons start one another; BUILD_ENV for asv only (pip run here
    # keeps its default).
    rest = f"[d for d in os.environ.get('PATH', '').split(os.pathsep) if d != {str(PYTHONS_BIN)!r}]"
    line = (
        f"import os, sys; os.environ['PATH'] = os.pathsep.join([{str(PYTHONS_BIN)!r}] + {rest}); "
        f"(os.path.basename(sys.argv[0]) == 'asv' or sys.orig_argv[1:3] == ['-m', 'asv']) "
        f"and os.environ.update({BUILD_ENV!r})\n"
    )
    for site in dest.glob("lib/python*/site-packages"):
        (site / "relu_bench_pythons.pth").write_text(line)
    return dest


def in_tools_venv():
    return Path(sys.prefix).resolve() == TOOLS_VENV.resolve()


def reexec_in_tools_venv(argv):
    """Run `python -m relu_bench ARGV` with the tools environment's Python (built on first use), unless this is it."""
    if not in_tools_venv():
        python = tools_venv() / "bin" / "python"
        os.execv(str(python), [str(python), "-m", "relu_bench", *argv])
