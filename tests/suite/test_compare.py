"""`relu-bench compare`, the pull-request check: a real slowdown is caught (that benchmark only), identical code
passes, a benchmark that raises is named while the other comparisons still show: real asv runs and timings
(minutes). The rule itself on made-up numbers: test_rule.py."""

import json
import os

import pytest
from conftest import ENV_DIR, Project, relu_bench

from relu_bench.check.rule import (
    FAILED,
    FASTER,
    POOLED,
    SAME,
    SLOWER,
    WORSE,
)
from relu_bench.envs.matrix import releases
from relu_bench.envs.pythons import link_pythons

# One release, two variants, one small point each: a few minutes for all three runs.
ENV = "theano-1.0.5"
BENCH = [
    r"^relu\.Forward\.time_forward\('(max_x0|switch_lt|relu_op)', '100x100', 'float64'\)$",
    r"^graph\.Graph\.track_nodes\('(max_x0|switch_lt)', 'forward'\)$",
]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(new_project):
    python = releases()[ENV]["python"]
    if not link_pythons([python])[python]:
        pytest.skip(f"Python {python} (for {ENV}) not found: `relu-bench envs list`")
    return new_project("project")


def branch(project, name, change=None):
    """A commit on top of the project's base made by change(project) (None: an empty commit, same code)."""
    project.git("switch", "-q", "-c", name, project.base)
    if change:
        change(project)
    project.git("commit", "-q", "--allow-empty", "-am", name)
    return project.git("rev-parse", "HEAD")


def run_check(project, head, out):
    """`relu-bench compare` of the project's copy (its own tools and relu_impls), BASE against head."""
    args = ["compare", project.base, head, "--release", ENV, "--env-dir", ENV_DIR, "--output", out]
    # the sequential rounds: tests/suite/test_across_processes.py
    args += ["--table", out / "summary.md", "--most-rounds", "8"]
    for regex in BENCH:
        args += ["--bench", regex]
    proc = relu_bench(*args, cwd=project.path, capture_output=True, text=True, env=dict(os.environ))
    log = proc.stdout + proc.stderr
    report = json.loads((out / "comparison.json").read_text()) if (out / "comparison.json").exists() else None
    assert report is not None, log[-6000:]
    return proc.returncode, report, log


def by_point(report):
    return {(c["benchmark"], c["params"]): c for c in report["comparisons"]}


def test_a_slower_variant_is_flagged_and_only_it(project, tmp_path):
    head = branch(project, "slower", Project.slow_max_x0)
    code, report, log = run_check(project, head, tmp_path)
    print(report and (tmp_path / "table.md").read_text())
    assert code == 1, log[-6000:]
    points = by_point(report)
    slowed = ("relu.Forward.time_forward", "variant=max_x0, shape=100x100, dtype=float64")
    assert points[slowed]["status"] == SLOWER and points[slowed]["ratio"] > 2, log[-4000:]
    others = {key: c["status"] for key, c in points.items() if key != slowed and key[0] != POOLED}
    assert len(others) == 4 and not {SLOWER, WORSE, FAILED} & set(others.values()), others
    (mean,) = [c for key, c in points.items() if key[0] == POOLED]  # the mean of the timings, round by round
    assert mean["status"] != SLOWER, mean  # what the slower timing explains is not blamed twice
    assert "paired" in points[slowed]["note"]
    table = (tmp_path / "table.md").read_text()
    assert "| 🔴 slower | `relu.Forward.time_forward` | variant=max_x0, shape=100x100, dtype=float64 |" in table
    assert (tmp_path / "summary.md").read_text() == table  # --table appends the same Markdown
    assert list((tmp_path / "results" / "pr-check").glob(f"{head[:8]}-*.json"))


def test_identical_code_passes(project, tmp_path):
    head = branch(project, "same")
    code, report, log = run_check(project, head, tmp_path)
    assert code == 0, (tmp_path / "table.md").read_text() + log[-3000:]
    # 3 paired timings (relu_op's op classes from two trees), their mean across processes, 2 graph counts.
    # Timings are measured, so a "faster" may show (it does not gate); a slowdown may not.
    statuses = {(c["benchmark"], c["params"]): c["status"] for c in report["comparisons"]}
    assert len(statuses) == 6 and set(statuses.values()) <= {SAME, FASTER}, statuses
    assert [s for (b, _), s in statuses.items() if b.startswith("graph.")] == [SAME] * 2, statuses


def test_a_pull_request_cannot_delete_the_benchmark_that_judges_it(project, tmp_path):
    """The suite that runs is BASE's: a PR that drops a benchmark and slows its variant is still measured."""

    def hide_and_slow(project):
        project.edit("asv_bench/benchmarks/relu.py", "    def time_forward(", "    def hidden_forward(")
        project.slow_max_x0()

    head = branch(project, "hiding", hide_and_slow)
    code, report, log = run_check(project, head, tmp_path)
    assert code == 1, log[-6000:]
    slowed = ("relu.Forward.time_forward", "variant=max_x0, shape=100x100, dtype=float64")
    assert by_point(report)[slowed]["status"] == SLOWER


def test_a_benchmark_that_raises_is_named_and_the_rest_still_compared(project, tmp_path):

    def broken_switch_lt(project):
        project.edit(
            "relu_impls/variants.py",
            "def switch_lt(x):\n",
            "def switch_lt(x):\n    raise RuntimeError('deliberately broken')\n",
        )

    head = branch(project, "broken", broken_switch_lt)
    code, report, log = run_check(project, head, tmp_path)
    assert code == 2, log[-6000:]
    points = by_point(report)
    failed = sorted(key for key, c in points.items() if c["status"] == FAILED)
    assert failed == [
        ("graph.Graph.track_nodes", "variant=switch_lt, function=forward"),
        ("relu.Forward.time_forward", "variant=switch_lt, shape=100x100, dtype=float64"),
    ]
    for key, c in points.items():
        if key not in failed:
            assert isinstance(c["base"], (int, float)) and isinstance(c["head"], (int, float)), c
    table = (tmp_path / "table.md").read_text()
    assert table.count("❌ failed") == 2 and "variant=max_x0" in table
