"""The two significance tests of the PR check (relu_bench/measure/significance.py), against figures of known answer."""

import pytest

from relu_bench.measure.significance import signed_rank_p, t_test_p


def test_signed_rank_p_values():
    assert signed_rank_p([0.01 * (i + 1) for i in range(30)]) < 1e-5  # all one way
    assert signed_rank_p([(-1) ** i * 0.01 * (i + 1) for i in range(30)]) > 0.5  # balanced
    assert signed_rank_p([0.1] * 5) is None  # too few blocks for any p to be small


@pytest.mark.parametrize(
    "values, expected",
    [
        # scipy.stats.ttest_1samp(values, 0).pvalue, computed once
        ([0.1, 0.12, 0.09, 0.11, 0.1, 0.13, 0.08, 0.1], 3.518e-07),
        ([0.01, -0.02, 0.015, -0.005, 0.0, 0.02], 0.6030),
        ([1.0, 2.0, 3.0], 0.07417),
    ],
)
def test_t_test_p_matches_scipy(values, expected):
    assert t_test_p(values) == pytest.approx(expected, rel=1e-3)


def test_t_test_reaches_what_a_rank_test_of_few_rounds_cannot():
    """Eight rounds all one way: a rank test stops at 2/256; the PR check's Holm level over 36 timings is 0.01/36."""
    rounds = [0.05, 0.06, 0.045, 0.055, 0.05, 0.058, 0.052, 0.049]
    assert t_test_p(rounds) < 0.01 / 36
    assert t_test_p([0.05, 0.06]) is None
    assert t_test_p([0.0, 0.0, 0.0]) == 1.0
