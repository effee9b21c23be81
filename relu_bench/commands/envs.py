"""Pythons and environments for the release matrix in asv.conf.json.

`list` shows each release, the Python it needs and where it was found (a
`pythonX.Y` on PATH that runs, else the newest under `$(pyenv root)/versions`), linking the ones
found into .pythons/bin, which asv needs on PATH (it looks for `pythonX.Y` there only). `pythons` prints the
Pythons the releases need, one per line, the tools environment's last (CI installs these, the last as `python3`).
"""

from relu_bench.commands.common_args import add_command
from relu_bench.envs.matrix import known, releases, requirements
from relu_bench.envs.pythons import link_pythons
from relu_bench.envs.venvs import TOOLS_PYTHON, make_venv


def setup_arguments(subparsers):
    parser = add_command(subparsers, "envs", __doc__, run)
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="releases in asv.conf.json, with the Python each needs and where it was found")
    req = sub.add_parser("requirements", help="print one release's pinned requirements, one per line")
    req.add_argument("release")
    sub.add_parser("pythons", help="the Pythons the releases need, one per line, the tools environment's last")
    venv = sub.add_parser("venv", help="create .venvs/RELEASE with the release, pytest and relu_impls (editable)")
    venv.add_argument("release", nargs="+")


def version_key(python):
    return tuple(int(part) for part in python.split("."))


def run(args):
    table = releases()
    named = getattr(args, "release", [])
    known([named] if isinstance(named, str) else named, table)
    if args.action == "list":
        found = link_pythons(entry["python"] for entry in table.values())
        for name, entry in table.items():
            where = found[entry["python"]] or "MISSING: install it with pyenv"
            print(f"{name:22} python{entry['python']:5} {where}")
    elif args.action == "pythons":
        needed = sorted({entry["python"] for entry in table.values()} - {TOOLS_PYTHON}, key=version_key)
        print("\n".join([*needed, TOOLS_PYTHON]))
    elif args.action == "requirements":
        print("\n".join(requirements(table[args.release])))
    else:
        for name in args.release:
            print(make_venv(name, table[name]))
    return 0
