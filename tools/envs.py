#!/usr/bin/env python3
"""Pythons and environments for the release matrix in asv.conf.json.

Finding interpreters: a `pythonX.Y` on PATH is used when it runs (pyenv's shims
run only for versions `pyenv global`/PYENV_VERSION lists); otherwise the newest
`$(pyenv root)/versions/X.Y.*/bin/pythonX.Y`. `link_pythons` puts the ones found
into .pythons/bin, which asv needs on PATH (it looks for `pythonX.Y` there only).
"""

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from relu_impls.releases import library_pin  # noqa: E402  (imports no backend)

PYTHONS_BIN = ROOT / ".pythons" / "bin"
VENVS = ROOT / ".venvs"
TEST_EXTRAS = ["pytest", "asv_runner==0.3.2"]


def load_asv_conf(path=ROOT / "asv.conf.json"):
    """asv.conf.json as a dict (asv allows // comments, json does not)."""
    lines = [line for line in Path(path).read_text().splitlines() if not line.lstrip().startswith("//")]
    return json.loads("\n".join(lines))


def releases(conf=None):
    """{release name: include entry}, e.g. 'theano-1.0.5' -> {'python': '3.11', 'req': {...}}."""
    conf = conf or load_asv_conf()
    found = {}
    for entry in conf["include"]:
        pin = library_pin(entry["req"])
        if pin is None:
            raise ValueError(f"asv.conf.json include entry must name exactly one library: {entry}")
        found["-".join(pin)] = entry
    return found


def requirements(entry):
    """pip arguments for an include entry, numpy first (old numpy needs its scipy); options after a version pass on."""
    args = []
    for name, value in entry["req"].items():
        version, *options = value.split() if value else [""]
        args += [f"{name}=={version}" if version else name, *options]
    return args


def _runs(executable):
    try:
        return subprocess.run([executable, "-c", "pass"], capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def find_python(version):
    """Path of a working pythonX.Y, or None."""
    name = f"python{version}"
    on_path = shutil.which(name)
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
    """Symlink each found pythonX.Y into .pythons/bin; return {version: path or None}."""
    PYTHONS_BIN.mkdir(parents=True, exist_ok=True)
    found = {}
    for version in sorted(set(versions)):
        path = find_python(version)
        found[version] = path
        link = PYTHONS_BIN / f"python{version}"
        if link.is_symlink() or link.exists():
            link.unlink()
        if path:
            link.symlink_to(path)
    return found


def build_venv(dest, python_version, install_args):
    """A virtualenv at `dest` with `pip install install_args` and relu_impls (editable).

    Reused as long as the interpreter and the install arguments (and the contents
    of requirement files they name) are unchanged.
    """
    dest = Path(dest)
    python = find_python(python_version)
    if python is None:
        raise SystemExit(f"{dest.name}: Python {python_version} not found (on PATH or under `pyenv root`)")
    files = [Path(arg).read_text() for arg in install_args if Path(arg).is_file()]
    stamp = hashlib.sha256(json.dumps([python, install_args, files]).encode()).hexdigest()
    marker = dest / ".relu-bench-stamp"
    if marker.exists() and marker.read_text() == stamp:
        return dest
    if dest.exists():
        shutil.rmtree(dest)
    subprocess.run([python, "-m", "venv", str(dest)], check=True)
    pip = [str(dest / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(pip + list(install_args), check=True)
    subprocess.run(pip + ["--no-deps", "-e", str(ROOT)], check=True)
    marker.write_text(stamp)
    return dest


def make_venv(name, entry, extras=TEST_EXTRAS):
    """.venvs/NAME for one release of asv.conf.json, with `extras` (pytest) beside it."""
    return build_venv(VENVS / name, entry["python"], requirements(entry) + list(extras))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="releases in asv.conf.json, with the Python each needs and where it was found")
    req = sub.add_parser("requirements", help="print one release's pinned requirements, one per line")
    req.add_argument("release")
    venv = sub.add_parser("venv", help="create .venvs/RELEASE with the release, pytest and relu_impls (editable)")
    venv.add_argument("release", nargs="+")
    args = parser.parse_args(argv)

    table = releases()
    named = getattr(args, "release", [])
    for name in [named] if isinstance(named, str) else named:
        if name not in table:
            parser.error(f"unknown release {name!r}; asv.conf.json lists: {', '.join(table)}")
    if args.command == "list":
        found = link_pythons(entry["python"] for entry in table.values())
        for name, entry in table.items():
            where = found[entry["python"]] or "MISSING: install it with pyenv"
            print(f"{name:22} python{entry['python']:5} {where}")
    elif args.command == "requirements":
        print("\n".join(requirements(table[args.release])))
    else:
        for name in args.release:
            print(make_venv(name, table[name]))


if __name__ == "__main__":
    main()
