"""`relu-bench agree`: two runs of one commit compared point by point, as the report's change rule compares."""

import math

from relu_bench.agree import Figure, agreement, caught, label
from relu_bench.report.changes import MIN_RATIO


def run(*seconds, width=0.01):
    return {
        ("env", "relu.Forward.time_forward", (f"'v{i}'",)): Figure(s, (s * (1 - width), s * (1 + width)))
        for i, s in enumerate(seconds)
    }


def test_runs_that_agree_flag_nothing():
    found = agreement(run(1.0, 2.0, 3.0), run(1.01, 1.995, 3.0))
    assert found.flagged == [] and found.only_in_one == 0
    assert math.isclose(found.median_abs_log, abs(math.log(1.995 / 2.0)), rel_tol=1e-9)
    assert found.worst[1] == 1.01


def test_a_point_apart_beyond_the_rule_is_flagged_by_name():
    found = agreement(run(1.0, 2.0), run(1.0, 2.0 * MIN_RATIO * 1.01))
    (key,) = found.flagged
    assert label(key) == "relu.Forward.time_forward('v1') [env]"


def test_a_wide_interval_is_not_a_change():
    found = agreement(run(1.0, width=0.5), run(1.0 * MIN_RATIO * 1.1, width=0.5))
    assert found.flagged == []


def test_points_measured_in_one_run_only_are_counted():
    found = agreement(run(1.0, 2.0), run(1.0))
    assert found.only_in_one == 1 and len(found.ratios) == 1


def test_power_counts_the_points_a_change_of_that_size_would_flag():
    first, second = run(1.0, 2.0, width=0.01), run(1.0, 2.0, width=0.01)
    assert caught(first, second, MIN_RATIO * 1.05) == 2
    assert caught(first, second, MIN_RATIO * 0.95) == 0
    noisy = run(1.0, 2.0, width=0.3)  # quartiles as wide as the change: not caught
    assert caught(first, noisy, MIN_RATIO * 1.05) == 0
