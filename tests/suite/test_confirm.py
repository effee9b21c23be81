"""Changes in doubt between neighbouring releases, decided by fresh interleaved processes (relu_bench/report/
confirm.py) and listed by the report as confirmed."""

import itertools
from types import SimpleNamespace

import pytest

from relu_bench.errors import UserError
from relu_bench.report import confirm
from relu_bench.report.changes import all_changes, in_doubt
from relu_bench.report.noise import UNMEASURED
from relu_bench.report.results import Measurement, Release

OLD, NEW = Release("pytensor", "3.0.7"), Release("pytensor", "3.3.8")
ENTRY = "relu.Gradient.time_gradient('mul_gt', '1000x1000', 'float64')"


def timing(release, seconds, width=0.05):
    q = (seconds * (1 - width), seconds * (1 + width))
    return Measurement(
        release, "c", "1000x1000", "float64", "mul_gt", "gradient", seconds, q, "e-" + release.version, ENTRY
    )


def test_a_pair_apart_by_10_percent_but_within_the_noise_is_in_doubt_and_a_clear_one_is_not():
    assert [(a.release, b.release) for a, b in in_doubt([timing(OLD, 1.0), timing(NEW, 1.2)], UNMEASURED)] == [
        (OLD, NEW)
    ]
    assert in_doubt([timing(OLD, 1.0), timing(NEW, 1.05)], UNMEASURED) == []  # under 10 %: not worth a look
    assert in_doubt([timing(OLD, 1.0, 0.01), timing(NEW, 2.0, 0.01)], UNMEASURED) == []  # listed already


def fake_measure(a_figures, b_figures):
    draws = itertools.cycle(zip(a_figures, b_figures))

    def measure(n):
        batch = [next(draws) for _ in range(n)]
        return [a for a, _ in batch], [b for _, b in batch]

    return measure


def test_processes_apart_confirm_a_change_and_overlapping_ones_do_not_within_most():
    found = confirm.decide(fake_measure([1.0, 1.01, 0.99], [1.2, 1.22, 1.19]), processes=3, most=12)
    assert found["verdict"] == "changed" and len(found["figures"][0]) == 3
    found = confirm.decide(fake_measure([1.0, 1.3], [1.2, 0.95]), processes=2, most=8)
    assert found["verdict"] == "no change beyond noise" and len(found["figures"][0]) == 8


def test_a_confirmed_change_is_listed_saying_so_and_a_refuted_one_is_not(tmp_path):
    timings = [timing(OLD, 1.0), timing(NEW, 1.2)]
    run = SimpleNamespace(mdir=tmp_path, commit="c0ffee00")
    records = confirm.confirm(run, in_doubt(timings, UNMEASURED), lambda a, b: fake_measure([1.0], [1.2]), 3, 6)
    assert confirm.load(tmp_path, "c0ffee00") == records
    (change,) = all_changes(timings, {}, [], UNMEASURED, records)
    assert "1.20x slower; confirmed" in change.detail and change.before == OLD
    refuted = [dict(records[0], verdict="no change beyond noise")]
    assert all_changes(timings, {}, [], UNMEASURED, refuted) == []
    assert all_changes(timings, {}, [], UNMEASURED) == []  # the figures alone do not list it


def test_an_unreadable_confirmation_file_is_named(tmp_path):
    confirm.path(tmp_path, "c0ffee00").parent.mkdir()
    confirm.path(tmp_path, "c0ffee00").write_text('[{"verdict": "changed"}]')
    with pytest.raises(UserError, match="c0ffee00.confirmed"):
        confirm.load(tmp_path, "c0ffee00")
