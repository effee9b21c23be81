"""Tests of "is this set of log ratios centred on 0?" for the PR check's two kinds of timing.

signed_rank_p for paired blocks inside one process (many blocks, no assumption
of shape); t_test_p for rounds of separate processes (few rounds: a rank test
of 8 rounds cannot go below p = 2/256, which no Holm-corrected family passes).
Pure Python: relu_bench/measure/paired.py and relu_bench/measure/across_processes.py run where scipy is not installed.
"""

import math
import statistics


def signed_rank_p(values):
    """Two-sided Wilcoxon signed-rank p-value of values against 0 (normal approximation, ties averaged)."""
    nonzero = sorted((v for v in values if v != 0), key=abs)
    n = len(nonzero)
    if n < 6:
        return None
    ranks, i = [0.0] * n, 0
    while i < n:
        j = i
        while j + 1 < n and abs(nonzero[j + 1]) == abs(nonzero[i]):
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    w = sum(r for r, v in zip(ranks, nonzero) if v > 0)
    mean, sd = n * (n + 1) / 4, math.sqrt(n * (n + 1) * (2 * n + 1) / 24)
    z = (abs(w - mean) - 0.5) / sd
    return math.erfc(max(z, 0) / math.sqrt(2))


def t_test_p(values):
    """Two-sided one-sample Student t-test p-value of values against 0; None for fewer than 3 values."""
    n = len(values)
    if n < 3:
        return None
    sd = statistics.stdev(values)
    mean = statistics.fmean(values)
    if sd == 0:
        return 1.0 if mean == 0 else 0.0
    t = mean / (sd / math.sqrt(n))
    df = n - 1
    return _incomplete_beta(df / 2, 0.5, df / (df + t * t))


def _incomplete_beta(a, b, x):
    """Regularized incomplete beta I_x(a, b) (continued fraction, Numerical Recipes' betacf)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x > (a + 1) / (a + b + 2):  # the fraction converges fast only below this point
        return 1.0 - _incomplete_beta(b, a, 1 - x)
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    f = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            f *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return front * f / a
