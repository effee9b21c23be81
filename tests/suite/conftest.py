"""Helpers the suite's tests share: the backend environments run_tests made, the `relu-bench` command,
and scratch git copies of the project to commit changes in."""

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from relu_bench.check.comparisons import of_timings
from relu_bench.check.rule import judge
from relu_bench.config import ROOT
from relu_bench.measure.paired import summarize
from relu_bench.measure.significance import t_test_p

# asv environments outlive a test (building one costs a minute or two); git-ignored.
ENV_DIR = ROOT / ".asv" / "test-env"
GIT = ["git", "-c", "user.name=relu-bench test", "-c", "user.email=test@invalid"]


def backend_venv_paths():
    """The backend environments `python3 -m relu_bench.run_tests` built (RELU_TEST_VENVS)."""
    return [Path(p) for p in os.environ.get("RELU_TEST_VENVS", "").split(os.pathsep) if p]


def pytest_generate_tests(metafunc):
    """A test or fixture asking for `backend_venv` runs once per backend environment (skipped without any)."""
    if "backend_venv" in metafunc.fixturenames:
        skip = pytest.param(None, marks=pytest.mark.skip(reason="RELU_TEST_VENVS names no backend venv"))
        paths = backend_venv_paths()
        metafunc.parametrize("backend_venv", paths or [skip], ids=[p.name for p in paths] or ["none"], scope="module")


@pytest.fixture
def backend_venvs():
    """Every backend environment; the test is skipped without any."""
    paths = backend_venv_paths()
    if not paths:
        pytest.skip("RELU_TEST_VENVS names no backend venvs (python3 -m relu_bench.run_tests sets it)")
    return paths


def relu_bench(*args, cwd=ROOT, **kwargs):
    """`relu-bench ARGS` of the checkout at cwd (`python -m relu_bench` finds the package there first)."""
    return subprocess.run([sys.executable, "-m", "relu_bench", *map(str, args)], cwd=cwd, **kwargs)


class Project:
    """A git repository holding the working tree as the next commit would hold it (tracked and not-ignored
    new files), committed once: `base`."""

    def __init__(self, path):
        self.path = path
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\0")
        for name in filter(None, listed):
            source = ROOT / name
            if source.is_file():
                (path / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, path / name)
        self.git("init", "-q", "-b", "main")
        self.git("add", "-A")
        self.git("commit", "-qm", "base")
        self.base = self.git("rev-parse", "HEAD")

    def git(self, *args):
        return subprocess.run([*GIT, *args], cwd=self.path, check=True, capture_output=True, text=True).stdout.strip()

    def edit(self, path, old, new):
        text = (self.path / path).read_text()
        assert old in text, f"{path} changed: update this test's edit"
        (self.path / path).write_text(text.replace(old, new))

    def slow_max_x0(self):
        """max_x0 with the same values and two transcendental functions more per element."""
        self.edit(
            "relu_impls/variants.py",
            "def max_x0(x):\n    return _t().maximum(x, 0)\n",
            "def max_x0(x):\n    t = _t()\n    return t.maximum(x, 0) * (t.cos(x) ** 2 + t.sin(x) ** 2)\n",
        )


@pytest.fixture(scope="session")
def new_project(tmp_path_factory):
    """Project(...) in a fresh directory."""
    return lambda name: Project(tmp_path_factory.mktemp(name))


# Made-up timings for the rule's tests (relu_bench/check/rule.py), paired and across processes.


def measured(factors, jitter=(1.0,), blocks=30):
    """Paired outcomes of one environment, one timing per factor: HEAD = BASE × factor × jitter, block by block."""
    outcome = {}
    for i, factor in enumerate(factors):
        pairs = [[1e-3, 1e-3 * factor * jitter[b % len(jitter)]] for b in range(blocks)]
        outcome[f"relu.Forward.time_forward('v{i}')"] = dict(
            {"label": f"variant=v{i}", "sides": ["ok", "ok"], "blocks": pairs}, **summarize(pairs)
        )
    return {"env": outcome}


def judged(outcomes, across=None):
    return judge(of_timings(outcomes, across))


def across_processes(factors, jitter=(1.0,), rounds=8):
    """Outcomes across processes in the same shape: one [BASE, HEAD] block per round."""
    outcome = measured(factors, jitter, rounds)["env"]
    for result in outcome.values():
        result["p"] = t_test_p([math.log(h / b) for b, h in result["blocks"]])
    return {"env": outcome}
