"""What `relu-bench bisect` shows and stores: POINT parsing, the sentence and table, the stored file, its
--help; and one real bisection end to end (slow: PyPI and two environment builds)."""

import json

import pytest
from conftest import ENV_DIR, relu_bench

from relu_bench import bisect_record
from relu_bench.bisect_point import Cell, TimedBenchmark, parse
from relu_bench.errors import UserError

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


def test_points_parse_to_a_cell_or_an_asv_benchmark():
    assert parse("max_0x/gradient@0") == Cell("max_0x", "gradient", "0")
    assert parse("relu_op/value@-inf") == Cell("relu_op", "value", "-inf")
    assert parse("max_x0/gradient") == TimedBenchmark("relu.Gradient.time_gradient('max_x0', '1000x1000', 'float64')")
    name = "relu.Forward.time_forward('relu_op', '100x100', 'float32')"
    assert parse(name) == TimedBenchmark(name)
    for bad in ("maxx0/gradient", "max_x0/gradient@1", "max_x0"):
        with pytest.raises(UserError):
            parse(bad)


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


def test_help_explains_points_and_shows_an_example():
    out = relu_bench("bisect", "--help", capture_output=True, text=True, check=True).stdout
    assert "max_0x/gradient@0" in out and "$ relu-bench bisect theano" in out


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
