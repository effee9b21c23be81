"""What `relu-bench bisect` shows and stores (relu_bench/bisection/bisect_record.py): the sentence and table, the stored
file; and one real bisection end to end (slow: PyPI and two environment builds)."""

import json

import pytest
from conftest import ENV_DIR, relu_bench

from relu_bench.bisection import bisect_record

TIMING = {
    "format": 1,
    "library": "pytensor",
    "good": "3.0.7",
    "bad": "3.3.8",
    "point": "max_x0/gradient",
    "pre": False,
    "kind": "timing",
    "benchmark": "relu.Gradient.time_gradient('max_x0', '1000x1000', 'float64')",
    "verdict": "changed",
    "neighbours": ["3.2.4", "3.3.0"],
    "listed": ["3.0.7", "3.2.4", "3.3.0", "3.3.8"],
    "dropped": {"3.1.0": "yanked: broken"},
    "releases": [
        {
            "version": "3.0.7",
            "environment": {"python": "3.11"},
            "figures": [5e-3, 6e-3],
            "median": 5.5e-3,
            "spread": 1.2,
        },
        {"version": "3.2.4", "environment": {"python": "3.13"}, "figures": [5e-3, 5e-3], "median": 5e-3, "spread": 1.0},
        {"version": "3.3.0", "environment": {"python": "3.13"}, "figures": [5e-4, 5e-4], "median": 5e-4, "spread": 1.0},
        {"version": "3.3.8", "environment": None, "skipped": "install failed: x"},
    ],
    "links": {"3.2.4": {"pypi": "https://pypi.org/project/pytensor/3.2.4/"}},
    "finished": "2026-01-01T00:00:00+00:00",
}


def test_the_sentence_names_the_pair_the_step_and_the_tally():
    text = bisect_record.sentence(TIMING)
    assert "changed between 3.2.4 and 3.3.0" in text and "5,000 µs → 500 µs (×0.10)" in text
    assert "3 of 4 releases measured, 1 skipped" in text


def test_the_table_has_each_release_touched_with_its_figure_spread_or_reason():
    lines = bisect_record.table(TIMING).splitlines()
    assert lines[2] == "| 3.0.7 | 3.11 | 5,500 µs | ×1.20 | 2 |"
    assert lines[-1] == "| 3.3.8 | — | skipped: install failed: x |  |  |"


def test_a_result_is_stored_under_its_question_and_read_back(tmp_path):
    path = bisect_record.save(TIMING, tmp_path)
    assert path.name == "pytensor-3.0.7-3.3.8-max_x0_gradient.json"
    assert bisect_record.load_all(tmp_path) == [TIMING]


@pytest.mark.slow
def test_a_real_cell_bisection_over_two_releases(tmp_path):
    done = relu_bench(
        "bisect",
        "theano",
        "0.9.0",
        "1.0.0",
        "max_0x/gradient@0",
        "--env-dir",
        ENV_DIR,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "changed from 1 to 0 between 0.9.0 and 1.0.0" in done.stdout
    stored = json.loads(bisect_record.path_for("theano", "0.9.0", "1.0.0", "max_0x/gradient@0").read_text())
    assert stored["neighbours"] == ["0.9.0", "1.0.0"]
