"""Bisection over a library's releases, pure: what a release reads is handed in, so this runs on synthetic data.

A semantics cell is exact: a release either reads GOOD's value or it does not, and the search names the last
release reading GOOD's value and the first after it that does not.

A timing is a draw per process (where a process's arrays land, and whether they get huge pages, moves a
figure by up to 1.7x between processes), so a release's figure is the median over several fresh processes, and
releases are only ever compared within one measurement that interleaved their processes (`measure`, rounds as
in Abedi & Brecht's "randomized multiple interleaved trials"): each step measures the middle release together with
the two ends of the bracket, and calls it GOOD-like or BAD-like by which end its median is nearer to (in log terms).
Two releases differ beyond noise when every process of one was slower than every process of the other; with 5
processes each that happens by chance with probability 2/252 < 0.01 when both are the same. GOOD and BAD, and
at the end the two neighbours, are measured with more processes, in rounds, until they differ or `most` is
reached.
"""

import math
import statistics
from dataclasses import dataclass, field

PROCESSES = 5  # per release per measurement: the fewest for which disjoint ranges mean p < 0.01
MOST = 20  # processes per release that GOOD/BAD and the final pair may take before "no change beyond noise"


class Skipped(Exception):
    """This release cannot be measured here; the message says why."""


@dataclass
class Result:
    # "changed"; "no change" (a cell reads the same at GOOD and BAD); "no change beyond noise" (a timing's GOOD and
    # BAD do not differ beyond noise); "no step beyond noise" (they do, but no two neighbours do: a gradual change)
    verdict: str
    neighbours: tuple = None  # (last release like GOOD, first release like BAD); for "no step", the last pair
    measured: dict = field(default_factory=dict)  # version -> a cell's value, or a timing's per-process figures
    skipped: dict = field(default_factory=dict)  # version -> why it could not be measured


def next_probe(lo, hi, skipped, versions):
    """The index strictly between lo and hi nearest the middle whose release is not skipped, else None."""
    middle = (lo + hi) / 2
    left = [i for i in range(lo + 1, hi) if versions[i] not in skipped]
    return min(left, key=lambda i: (abs(i - middle), i)) if left else None


def bisect_cell(versions, read):
    """Bisect a cell over `versions` (GOOD first, BAD last); read(version) -> its value, or raises Skipped."""
    result = Result("no change")
    good = result.measured[versions[0]] = read(versions[0])
    result.measured[versions[-1]] = read(versions[-1])
    if result.measured[versions[-1]] == good:
        return result
    lo, hi = 0, len(versions) - 1
    while (mid := next_probe(lo, hi, result.skipped, versions)) is not None:
        try:
            value = result.measured[versions[mid]] = read(versions[mid])
        except Skipped as exc:
            result.skipped[versions[mid]] = str(exc)
            continue
        lo, hi = (mid, hi) if value == good else (lo, mid)
    result.verdict, result.neighbours = "changed", (versions[lo], versions[hi])
    return result


def differ(a, b):
    """Two releases' per-process figures differ beyond noise: every process of one slower than all of the other."""
    return max(a) < min(b) or max(b) < min(a)


def until_apart(measure, processes, most):
    """(a's, b's) per-process figures of two, measure(n) giving n more of each, until they differ or `most` each."""
    fa, fb = measure(processes)
    while not differ(fa, fb) and len(fa) < most:
        more_a, more_b = measure(processes)
        fa, fb = fa + more_a, fb + more_b
    return fa, fb


def median(figures):
    return statistics.median(figures)


def spread(figures):
    """Slowest process ÷ fastest."""
    return max(figures) / min(figures)


def nearer_bad(figure, good, bad):
    """Whether `figure` is nearer `bad` than `good`, in log terms (a ratio, not a difference)."""
    return abs(math.log(figure / bad)) < abs(math.log(figure / good))


def figures_of(found, chosen):
    """The figures of `chosen` in one measurement; Skipped (ending the bisection) where an end of the bracket,
    measured before, gave none this time."""
    for version in chosen:
        if isinstance(found[version], str):
            raise Skipped(f"{version}: {found[version]}")
    return [found[version] for version in chosen]


def bisect_timing(versions, prepare, measure, processes=PROCESSES, most=MOST):
    """Bisect a timing over `versions` (GOOD first, BAD last).

    prepare(version) makes a release measurable or raises Skipped; measure(versions, processes) runs that many
    fresh processes of each, interleaved, and returns {version: per-process figures, or a str saying why it
    gave none}.
    """
    result = Result("no change beyond noise")

    def batch(chosen, n):
        return figures_of(measure(chosen, n), chosen)

    def pair(a, b):
        """Whether a and b differ beyond noise, measured in rounds until they do or have `most` processes each."""
        fa, fb = until_apart(lambda n: batch([a, b], n), processes, most)
        result.measured[a], result.measured[b] = fa, fb
        return differ(fa, fb)

    prepare(versions[0])
    prepare(versions[-1])
    if not pair(versions[0], versions[-1]):
        return result
    lo, hi = 0, len(versions) - 1
    while (mid := next_probe(lo, hi, result.skipped, versions)) is not None:
        trio = [versions[lo], versions[mid], versions[hi]]
        try:
            prepare(versions[mid])
            found = measure(trio, processes)
        except Skipped as exc:
            result.skipped[versions[mid]] = str(exc)
            continue
        if isinstance(found[versions[mid]], str):
            result.skipped[versions[mid]] = found[versions[mid]]
            continue
        low, middle, high = figures_of(found, trio)
        result.measured.update(zip(trio, (low, middle, high)))
        lo, hi = (lo, mid) if nearer_bad(median(middle), median(low), median(high)) else (mid, hi)
    result.neighbours = (versions[lo], versions[hi])
    result.verdict = "changed" if pair(*result.neighbours) else "no step beyond noise"
    return result
