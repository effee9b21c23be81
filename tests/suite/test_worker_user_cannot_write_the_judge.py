"""compare --worker-user: a HEAD whose relu_impls writes at import into the judge's tree, the check's output and
the benchmark environment. Its timing processes (paired, and its arm across processes) run as the worker user:
every write fails, the judge's files stay byte for byte what they were, and HEAD's benchmarks report what the
honest tree's report."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT

from relu_bench.check.prcheck import arm_runner, environ_of
from relu_bench.measure.across_processes import SUITE
from relu_bench.measure.paired import Plan, time_trees
from relu_bench.measure.worker import WorkerUser

USER = "relu-bench-test-worker"
ENTRY = "relu.Forward.time_forward('max_x0', '100x100', 'float64')"
# Appended to HEAD's relu_impls/__init__.py: an append to each target, failures ignored (HEAD's own code
# goes on as the honest tree's).
ATTACK = """
for _target in {targets!r}:
    try:
        with open(_target, "a") as _f:
            _f.write("# written by HEAD's relu_impls\\n")
    except OSError:
        pass
"""


@pytest.fixture
def worker_user():
    """The user USER (created here as root, else with passwordless sudo, unless it exists); skipped where neither
    works."""
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    made = None
    if subprocess.run(["getent", "passwd", USER], capture_output=True).returncode:
        add = ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", USER]
        made = subprocess.run([*sudo, *add], capture_output=True)
        if made.returncode:
            pytest.skip(f"cannot create a user (neither root nor passwordless sudo): {made.stderr.decode().strip()}")
    try:
        yield WorkerUser(USER)
    finally:
        if made:
            subprocess.run([*sudo, "userdel", USER], capture_output=True)


@pytest.fixture
def public_tmp():
    """A folder every user may read (pytest's own are private to the caller), owned by the caller."""
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        yield Path(tmp)


def site_packages(python):
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.strip())


def test_heads_import_time_writes_fail_and_its_benchmarks_report_as_the_honest_trees(
    worker_user, public_tmp, backend_venvs
):
    python = str(backend_venvs[0] / "bin" / "python")
    if subprocess.run(worker_user.command([python, "-c", "pass"], {}), capture_output=True).returncode:
        pytest.skip(f"{USER} cannot run {python} (a folder on its way is private: pr-check.yml opens the runner's)")
    output = public_tmp / "output"
    output.mkdir()
    (output / "table.md").write_text("the judge's table\n")
    judge_files = [ROOT / "relu_bench" / "measure" / "paired_worker.py", output / "table.md"]
    planted = [output / "verdict.json", site_packages(python) / "relu-head-was-here.pth"]
    before = {path: path.read_bytes() for path in judge_files}
    honest, head = public_tmp / "base", public_tmp / "head"
    for tree in (honest, head):
        shutil.copytree(ROOT / "relu_impls", tree / "relu_impls", ignore=shutil.ignore_patterns("__pycache__"))
    with open(head / "relu_impls" / "__init__.py", "a") as f:
        f.write(ATTACK.format(targets=[str(p) for p in judge_files + planted]))
    regex = [f"^{re.escape(ENTRY)}$"]
    try:
        with environ_of(worker_user) as environ:
            paired = time_trees(python, SUITE, [honest, head], regex, Plan(1, 1, 1), worker_user, environ)
            plan = {"suite": str(SUITE), "trees": [str(head)], "bench": regex, "blocks": 1, "calls": 1}
            alone = arm_runner(head, worker_user, environ)(python, plan)
        changed = [str(path) for path in judge_files if path.read_bytes() != before[path]]
        written = [str(path) for path in planted if path.exists()]
    finally:  # a failing run must not leave the checkout or the environment written
        for path, content in before.items():
            path.write_bytes(content)
        for path in planted:
            path.unlink(missing_ok=True)
    assert not changed and not written
    assert list(paired) == [ENTRY] and paired[ENTRY]["sides"] == ["ok", "ok"], paired
    assert list(alone) == [ENTRY] and alone[ENTRY]["sides"] == ["ok"], alone


def test_the_check_refuses_a_worker_user_it_cannot_start_processes_as():
    done = subprocess.run(
        [sys.executable, "-m", "relu_bench", "compare", "HEAD~1", "HEAD", "--worker-user", "no-such-user-here"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "no user 'no-such-user-here'" in done.stderr, done.stderr
