"""Python interpreters for the release matrix, the one folder of links to them that asv finds on PATH, and asv's
environments found and built with them (the one place this process's environment is set for asv).

A `pythonX.Y` on PATH is used when it runs (pyenv's shims run only for versions
`pyenv global`/PYENV_VERSION lists); otherwise the newest
`$(pyenv root)/versions/X.Y.*/bin/pythonX.Y`. asv looks for `pythonX.Y` on PATH
only, and its virtualenvs symlink their python to the path asv found it at: a
link to a shim would make an environment's python start outside its venv
(imports and pip see the base installation). So each link in PYTHONS_BIN points
at the interpreter itself, as it reports its own sys.executable.
"""

import contextlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from relu_bench.config import ROOT

PYTHONS_BIN = ROOT / ".pythons" / "bin"


def _environ_without_links():
    """os.environ less PYTHONS_BIN on PATH (the tools environment puts it there): a link must not be found, by us
    or by a pyenv shim we run, and linked to itself."""
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d and Path(d).resolve() != PYTHONS_BIN.resolve()]
    return dict(os.environ, PATH=os.pathsep.join(dirs))


def _runs(executable):
    try:
        done = subprocess.run([executable, "-c", "pass"], capture_output=True, timeout=60, env=_environ_without_links())
        return done.returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_python(version):
    """Path of a working pythonX.Y, or None."""
    name = f"python{version}"
    on_path = shutil.which(name, path=_environ_without_links()["PATH"])
    if on_path and _runs(on_path):
        return on_path
    try:
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    candidates = sorted(
        Path(root, "versions").glob(f"{version}.*/bin/{name}"),
        key=lambda p: [int(n) for n in re.findall(r"\d+", p.parent.parent.name)],
    )
    for candidate in reversed(candidates):
        if _runs(str(candidate)):
            return str(candidate)
    return None


def link_pythons(versions):
    """Link each found pythonX.Y's own executable into PYTHONS_BIN; return {version: path found, or None}."""
    PYTHONS_BIN.mkdir(parents=True, exist_ok=True)
    found = {}
    for version in sorted(set(versions)):
        path = find_python(version)
        found[version] = path
        link = PYTHONS_BIN / f"python{version}"
        real = path and subprocess.run(
            [path, "-c", "import sys; print(sys.executable)"],
            capture_output=True,
            text=True,
            env=_environ_without_links(),
        )
        if real and real.returncode == 0:  # replaced atomically: another run may be using the link
            fresh = link.with_name(f".{link.name}.{os.getpid()}")
            fresh.unlink(missing_ok=True)
            fresh.symlink_to(real.stdout.strip())
            os.replace(fresh, link)
        elif link.is_symlink() or link.exists():
            link.unlink()
    return found


# pip builds a release's sdist with the environment's own setuptools, which the matrix pins where the
# build needs an old one (Theano 0.7.0's 2to3), never with the newest one in an isolated build environment.
# Environment variables, not options in asv.conf.json: asv puts those into environment names.
BUILD_ENV = {
    "PIP_NO_BUILD_ISOLATION": "false",  # pip reads "false" as --no-build-isolation
    # virtualenv seeds each new environment with the pip, setuptools and wheel it ships, not with the ones its
    # periodic update fetches into its app data: that update once seeded Python 3.9 environments with a pip
    # that needs 3.10 (`dataclass(slots=...)`), and every Theano < 1.0.5 environment failed to build.
    "VIRTUALENV_PIP": "embed",
    "VIRTUALENV_SETUPTOOLS": "embed",
    "VIRTUALENV_WHEEL": "embed",
    "VIRTUALENV_NO_PERIODIC_UPDATE": "1",
}


def asv_environ():
    """os.environ with the linked Pythons, then this Python's own scripts (asv, virtualenv), first on PATH,
    and BUILD_ENV."""
    path = [str(PYTHONS_BIN), str(Path(sys.executable).parent), os.environ.get("PATH", "")]
    return dict(os.environ, PATH=os.pathsep.join(path), **BUILD_ENV)


@contextlib.contextmanager
def asv_process():
    """This process's environment and directory as asv wants them while it finds or builds environments here:
    asv_environ() (asv finds pythonX.Y on PATH, pip builds sdists with the environment's own setuptools), from the
    repository root (asv adds the build requirements of the pyproject.toml in the current directory to every
    environment); both restored after."""
    saved, cwd = dict(os.environ), os.getcwd()
    os.environ.update(asv_environ())
    os.chdir(ROOT)
    try:
        yield
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)


def environments_of(conf):
    """asv's Environments of an asv Config, as asv itself finds them (nothing built: `env.create()` in
    asv_process() builds one)."""
    from asv import environment

    with asv_process():
        return list(environment.get_environments(conf, None, verbose=False))
