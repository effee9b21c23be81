"""compare --worker-user: a HEAD whose relu_impls writes at import into the judge's tree, the check's output and
the benchmark environment. Its timing processes (paired, and its arm across processes) run as the worker user:
every write fails, the judge's files stay byte for byte what they were, and HEAD's benchmarks report what the
honest tree's report. End to end (slow): a whole `compare --worker-user` of such a HEAD, its asv run included."""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import asv
import pytest
from conftest import ENV_DIR, ROOT, Project, relu_bench

from relu_bench.check.prcheck import arm_runner, environ_of
from relu_bench.check.rule import SAME
from relu_bench.envs.asv_envs import environments
from relu_bench.envs.asv_run import scratch_conf
from relu_bench.envs.matrix import releases
from relu_bench.envs.pythons import link_pythons
from relu_bench.measure.across_processes import SUITE
from relu_bench.measure.paired import Plan, time_trees
from relu_bench.measure.worker import FOLDER_PREFIX, WorkerUser, python_of
from relu_bench.results.asv_results import file_name

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


# HEAD's whole asv run (compare's asv_apart), end to end: one small time_ point (which the asv run leaves to the
# timings) and one graph count (which only the asv run measures), in the release the compare tests use.
RELEASE = "theano-1.0.5"
BENCH = [f"^{re.escape(ENTRY)}$", r"^graph\.Graph\.track_nodes\('max_x0', 'forward'\)$"]
MARK = "written by HEAD's relu_impls"
# Appended after ATTACK: each process that imports HEAD's relu_impls names its Python in a file anyone may write.
WITNESS = """
import sys as _sys
with open({witness!r}, "a") as _f:
    _f.write(_sys.executable + "\\n")
"""


@pytest.mark.slow
def test_heads_asv_run_writes_nothing_of_the_judges_and_its_results_come_back(worker_user, public_tmp):
    version = releases()[RELEASE]["python"]
    pythons = [sys.executable, link_pythons([version])[version]]
    if not pythons[1]:
        pytest.skip(f"Python {version} (for {RELEASE}) not found: `relu-bench envs list`")
    for python in pythons:
        if subprocess.run(worker_user.command([python, "-c", "pass"], {}), capture_output=True).returncode:
            pytest.skip(f"{USER} cannot run {python} (a folder on its way is private: pr-check.yml opens the runner's)")
    (env,) = environments([RELEASE], scratch_conf(public_tmp / "conf", ENV_DIR)).values()
    project = Project(public_tmp / "project")  # HEAD's asv run, as the worker user, reads the repository
    output, summary = public_tmp / "output", public_tmp / "summary.md"
    summary.write_text("the judge's summary\n")
    witness = public_tmp / "witness.txt"
    witness.touch()
    witness.chmod(0o666)
    judge_files = [project.path / "relu_bench" / "commands" / "compare.py", Path(asv.__file__)]
    before = {path: hashlib.sha256(path.read_bytes()).hexdigest() for path in judge_files}
    contents = {path: path.read_bytes() for path in judge_files}
    env_site = python_of(env).parent.parent / "lib" / f"python{version}" / "site-packages"
    planted = [output / "verdict.json", env_site / "relu-head-was-here.pth"]
    targets = judge_files + [output / "table.md", summary] + planted
    with open(project.path / "relu_impls" / "__init__.py", "a") as f:
        f.write(ATTACK.format(targets=[str(p) for p in targets]) + WITNESS.format(witness=str(witness)))
    project.git("commit", "-qam", "head: relu_impls writes at import")
    head = project.git("rev-parse", "HEAD")
    project.git("checkout", "-q", "--detach", project.base)  # the judge is BASE's tree (pr-check.yml's judge worktree)
    args = ["compare", project.base, head, "--worker-user", USER, "--release", RELEASE, "--env-dir", ENV_DIR]
    args += ["--output", output, "--table", summary, "--blocks", 1, "--most-rounds", 8, "--threshold", 3]
    for regex in BENCH:
        args += ["--bench", regex]
    try:
        done = relu_bench(*args, cwd=project.path, capture_output=True, text=True)
        changed = [str(p) for p in judge_files if hashlib.sha256(p.read_bytes()).hexdigest() != before[p]]
        written = [str(p) for p in planted if p.exists()]
        marked = [str(p) for p in [summary, *output.rglob("*")] if p.is_file() and MARK in p.read_text("latin-1")]
    finally:  # a failing run must not leave the judge's code or the environment written
        for path, content in contents.items():
            path.write_bytes(content)
        for path in planted:
            path.unlink(missing_ok=True)
    log = (done.stdout + done.stderr)[-6000:]
    assert not changed and not written and not marked, (changed, written, marked)
    # HEAD's code did run, in the timing processes (the judge's environment) and in HEAD's asv run (its copy).
    ran = set(witness.read_text().split())
    assert str(python_of(env)) in ran and any(p.startswith(FOLDER_PREFIX) for p in ran), (ran, log)
    assert done.returncode == 0, log  # HEAD's code does what BASE's does: nothing slower (--threshold 3), none failed
    table = (output / "table.md").read_text()
    assert summary.read_text() == "the judge's summary\n" + table  # only the judge's --table append
    assert list((output / "results" / "pr-check").glob(file_name(head, env.name))), log
    report = json.loads((output / "comparison.json").read_text())
    statuses = {c["benchmark"]: c["status"] for c in report["comparisons"]}
    assert statuses["graph.Graph.track_nodes"] == SAME and "relu.Forward.time_forward" in statuses, statuses
