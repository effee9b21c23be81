"""`relu-bench agree`: two runs of one commit compared point by point, judged by the machine's noise model."""

import math
import shutil
from pathlib import Path

import pytest
from conftest import relu_bench

from relu_bench import git
from relu_bench.check.agree import MEASURED_CODE, agreement, caught, label, repeats, same_code
from relu_bench.report.noise import DEFAULT_LIMIT, UNMEASURED, point_key
from relu_bench.report.results import Measurement, Release


def run(*seconds, width=0.01):
    release = Release("theano", "1.0.5")
    found = {}
    for i, s in enumerate(seconds):
        entry = f"relu.Forward.time_forward('v{i}')"
        t = Measurement(
            release, "c", "1x1", "float64", f"v{i}", "forward", s, (s * (1 - width), s * (1 + width)), "e", entry
        )
        found[t.point] = (t, None)
    return found


def test_runs_that_agree_flag_nothing():
    found = agreement(run(1.0, 2.0, 3.0), run(1.01, 1.995, 3.0), UNMEASURED)
    assert found.flagged == {"run": [], "raw": []} and found.only_in_one == 0
    median, (worst, ratio) = found.spread("raw")
    assert math.isclose(median, abs(math.log(1.995 / 2.0)), rel_tol=1e-9)
    assert ratio == 1.01 and label(worst) == "relu.Forward.time_forward('v0') [theano-1.0.5]"


def test_a_point_apart_beyond_the_default_is_flagged_by_name():
    found = agreement(run(1.0, 2.0, 3.0), run(1.0, 2.0 * DEFAULT_LIMIT * 1.01, 3.0), UNMEASURED)
    assert (
        found.flagged["run"] == found.flagged["raw"] == [point_key("theano-1.0.5", "relu.Forward.time_forward('v1')")]
    )


def test_a_wide_interval_is_not_a_change():
    found = agreement(run(1.0, width=0.5), run(1.0 * DEFAULT_LIMIT * 1.1, width=0.5), UNMEASURED)
    assert found.flagged == {"run": [], "raw": []}


def test_a_whole_run_slower_is_drift_for_the_report_and_a_change_for_the_history():
    found = agreement(run(1.0, 2.0, 3.0), run(1.4, 2.8, 4.2), UNMEASURED)
    assert found.flagged["run"] == [] and len(found.flagged["raw"]) == 3


def test_points_measured_in_one_run_only_are_counted():
    found = agreement(run(1.0, 2.0), run(1.0), UNMEASURED)
    assert found.only_in_one == 1 and len(found.logs) == 1


def test_power_counts_the_points_a_change_of_that_size_would_flag():
    first, second = run(1.0, 2.0, 3.0, width=0.01), run(1.0, 2.0, 3.0, width=0.01)
    assert caught(first, second, UNMEASURED, DEFAULT_LIMIT * 1.05) == 3
    assert caught(first, second, UNMEASURED, DEFAULT_LIMIT * 0.95) == 0
    noisy = run(1.0, 2.0, 3.0, width=0.3)  # quartiles as wide as the change: not caught
    assert caught(first, noisy, UNMEASURED, DEFAULT_LIMIT * 1.05) == 0


FIXTURE = Path(__file__).parent / "fixtures" / "report" / "results"


def test_agree_stores_a_pair_that_then_sets_the_report_s_rule(tmp_path):
    results = Path(shutil.copytree(FIXTURE, tmp_path / "results"))
    shutil.copytree(results / "fixture", results / "again")
    proc = relu_bench("agree", "fixture", "again", "--results-dir", results, "--store", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "raw: median |log ratio| 0.00%" in proc.stdout and "no A/A pair is stored" in proc.stdout
    (stored,) = (results / "noise").glob("*.noise")
    assert stored.name.startswith("AMD-EPYC")
    shutil.copytree(results / "fixture", results / "third")  # a model needs two pairs
    relu_bench("agree", "again", "third", "--results-dir", results, "--store", capture_output=True, check=False)
    out = tmp_path / "report"
    relu_bench("report", "--results-dir", results, "--machine", "fixture", "build", "--out", out, check=True)
    assert "2 A/A pair(s) of runs on this machine (AMD EPYC, 2 CPUs, 24 GiB)" in (out / "report.md").read_text()
    stored.write_text("[1, 2")
    proc = relu_bench("agree", "fixture", "again", "--results-dir", results, capture_output=True, text=True)
    assert proc.returncode == 2 and str(stored) in proc.stderr


def test_agree_wants_two_machines_or_the_history(tmp_path):
    proc = relu_bench("agree", "only-one", "--results-dir", tmp_path, capture_output=True, text=True)
    assert proc.returncode == 2 and "name two machines" in proc.stderr


def test_the_history_s_repeats_are_consecutive_commits_timing_the_same_code():
    same = {("a", "b"), ("c", "d")}
    assert repeats(["a", "b", "c", "d"], lambda x, y: (x, y) in same) == [("a", "b"), ("c", "d")]


def _as_commit(results, machine, commit):
    """results/machine: the fixture's run, re-stored as a run of `commit`."""
    old = "70e976fa44184af54909e965d6c06ab15863b1f4"
    for src in (results / "fixture").rglob("*"):
        if src.is_file():
            dest = results / machine / src.relative_to(results / "fixture")
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(src.read_text().replace(old, commit))
            dest.rename(dest.with_name(dest.name.replace(old[:8], commit[:8])))


def _history_pairs(same):
    """Two consecutive commits of this repository whose measured code is (same=True) or is not the same."""
    commits = git.git("rev-list", "--max-count=200", "HEAD").split()
    for a, b in zip(commits[1:], commits):
        if same_code(a, b) == same:
            return a, b
    pytest.skip("this clone's history has no such pair of commits")


def test_runs_of_two_commits_timing_the_same_code_are_an_a_a_pair(tmp_path):
    results = Path(shutil.copytree(FIXTURE, tmp_path / "results"))
    a, b = _history_pairs(same=True)
    _as_commit(results, "one", a)
    _as_commit(results, "two", b)
    proc = relu_bench("agree", "one", "two", "--results-dir", results, "--store", capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert f"{a[:8]}..{b[:8]}" in proc.stdout
    a, b = _history_pairs(same=False)
    _as_commit(results, "three", a)
    _as_commit(results, "four", b)
    proc = relu_bench("agree", "three", "four", "--results-dir", results, capture_output=True, text=True)
    assert proc.returncode == 2 and "not an A/A pair" in proc.stderr


def test_a_commit_the_repository_lacks_times_no_known_code():
    missing = "0badc0de" * 5  # no such object: both "hold nothing" at every path
    assert git.resolve(f"{missing}^{{commit}}") is None
    assert not git.same_trees(missing, missing, MEASURED_CODE)
    assert git.same_trees("HEAD", "HEAD", MEASURED_CODE)
