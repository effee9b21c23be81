"""Set up the test environments and run every test: `python3 -m relu_bench.run_tests` (from the repository root).

A plain module that a bare python3 runs before anything is installed: it builds
the environments, including .venvs/tools (`pip install -e .[tools]`), then runs pytest in them.

- Debian packages the tests need and a fresh machine lacks are installed first
  (SYSTEM_PACKAGES; apt-get, as root, which this machine kind runs as);
- tests/backend runs once inside each backend environment (.venvs/RELEASE),
  for the releases in TEST_RELEASES (or those named in RELU_TEST_RELEASES);
- tests/suite runs in the tools environment (.venvs/tools), with the backend
  environments' paths in RELU_TEST_VENVS for tests that run asv on them.
Extra arguments go to every pytest call (e.g. `-x`, `-k name`).
"""

import os
import shutil
import subprocess
import sys

from relu_bench.config import ROOT
from relu_bench.envs.matrix import known, releases
from relu_bench.envs.venvs import make_venv, tools_venv
from relu_bench.errors import UserError

# Theano's last release, the newest PyTensor for Python 3.11, and the newest with JAX (its linker's semantics).
TEST_RELEASES = ["theano-1.0.5", "pytensor-3.0.7", "pytensor-3.3.8"]
# valgrind for the instruction counts; Chromium for the browser test (asv's pages bring their own libraries:
# relu_bench/report/offline.py).
SYSTEM_PACKAGES = ["valgrind", "chromium"]


def install_system_packages(packages=SYSTEM_PACKAGES):
    """apt-get install those of `packages` that are missing (as root, or with sudo where it needs no password);
    where that cannot be done, say so and go on: the tests that need them fail or skip, naming them."""
    if not shutil.which("dpkg"):
        print(f"not a Debian system: install {' '.join(packages)} yourself", flush=True)
        return
    missing = [p for p in packages if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode]
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    print(f"installing {' '.join(missing)}", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = [*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
    for cmd in ([*sudo, "apt-get", "update", "-qq"], install):
        if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode:
            print(f"could not install {' '.join(missing)} ({' '.join(cmd[:3])} failed); going on", flush=True)
            return


def main(pytest_args):
    install_system_packages()
    table = releases()
    wanted = os.environ.get("RELU_TEST_RELEASES", ",".join(TEST_RELEASES)).split(",")
    backend_venvs = [make_venv(name, table[name]) for name in known(wanted, table)]
    tools = tools_venv()

    failed = []
    for venv in backend_venvs:
        print(f"\n=== tests/backend in {venv.name}", flush=True)
        cmd = [str(venv / "bin" / "python"), "-m", "pytest", "tests/backend", *pytest_args]
        if subprocess.run(cmd, cwd=ROOT).returncode:
            failed.append(venv.name)
    print("\n=== tests/suite in tools", flush=True)
    env = dict(os.environ, RELU_TEST_VENVS=os.pathsep.join(map(str, backend_venvs)))
    cmd = [str(tools / "bin" / "python"), "-m", "pytest", "tests/suite", *pytest_args]
    if subprocess.run(cmd, cwd=ROOT, env=env).returncode:
        failed.append("tools")
    if failed:
        print(f"\nFAILED in: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except UserError as exc:
        sys.exit(f"run_tests: {exc}")
