"""The bisection logic on synthetic releases: a cell exactly; a timing on a step hidden in per-process noise
(two-valued, as docs/methodology.md describes), with drift between measurements that only interleaving survives."""

import random

import pytest

from relu_bench.bisection.bisect_search import Skipped, bisect_cell, bisect_timing, differ

VERSIONS = [f"1.{i}" for i in range(40)]


def noisy(step_at, factor, seed, drift=True, ramp=False):
    """measure() for releases whose true time steps by `factor` at index step_at (or ramps to it); each process
    reads ×1.0-1.05, or ×1.5 one time in four (the huge-page draw); each call to measure runs at its own machine
    speed (×0.5-2: a later measurement on a busier machine), shared by every release it interleaves."""
    rng = random.Random(seed)
    calls = []

    def true_time(version):
        i = VERSIONS.index(version)
        if ramp:
            return 1e-3 * factor ** (i / (len(VERSIONS) - 1))
        return 1e-3 * (factor if i >= step_at else 1.0)

    def measure(versions, processes):
        calls.append(list(versions))
        machine = rng.uniform(0.5, 2.0) if drift else 1.0
        return {
            v: [
                true_time(v) * machine * rng.uniform(1.0, 1.05) * (1.5 if rng.random() < 0.25 else 1.0)
                for _ in range(processes)
            ]
            for v in versions
        }

    return measure, calls


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("factor", [0.1, 3.0])  # a speed-up (PyTensor 3.3's maximum gradient) or a slowdown
def test_a_step_is_found_between_the_right_neighbours(seed, factor):
    step_at = random.Random(seed).randrange(1, len(VERSIONS))
    measure, calls = noisy(step_at, factor, seed)
    result = bisect_timing(VERSIONS, lambda v: None, measure)
    assert result.verdict == "changed"
    assert result.neighbours == (VERSIONS[step_at - 1], VERSIONS[step_at])
    assert differ(result.measured[VERSIONS[step_at - 1]], result.measured[VERSIONS[step_at]])
    assert len(calls) <= 2 + 6 + 2  # GOOD/BAD, log2(40) steps, the final pair (each at most twice here)


def test_every_comparison_is_within_one_interleaved_measurement():
    measure, calls = noisy(17, 3.0, seed=1)
    bisect_timing(VERSIONS, lambda v: None, measure)
    steps = [c for c in calls if len(c) == 3]
    assert steps and all(len(set(c)) == 3 for c in steps)  # the middle release with both ends of its bracket


@pytest.mark.parametrize("seed", range(5))
def test_no_change_beyond_noise_when_good_and_bad_do_not_differ(seed):
    measure, calls = noisy(10, 1.0, seed)
    result = bisect_timing(VERSIONS, lambda v: None, measure, processes=5, most=20)
    assert result.verdict == "no change beyond noise" and result.neighbours is None
    assert len(result.measured[VERSIONS[0]]) == 20  # more processes were tried before saying so
    assert all(len(c) == 2 for c in calls)  # nothing bisected


def test_a_gradual_change_names_no_single_release():
    measure, _ = noisy(0, 3.0, seed=3, drift=False, ramp=True)  # steps of 2.9 %, within the 5 % noise
    result = bisect_timing(VERSIONS, lambda v: None, measure)
    assert result.verdict == "no step beyond noise"


def test_a_release_that_cannot_be_prepared_is_skipped_and_the_step_still_found():
    measure, _ = noisy(20, 3.0, seed=2)

    def prepare(version):
        if version in ("1.20", "1.10"):
            raise Skipped("install failed: no wheel")

    result = bisect_timing(VERSIONS, prepare, measure)
    assert result.neighbours == ("1.19", "1.21")
    assert result.skipped["1.20"] == "install failed: no wheel"


def test_a_release_whose_benchmark_fails_is_skipped_with_its_reason():
    measure, _ = noisy(20, 3.0, seed=2)

    def failing(versions, processes):
        found = measure(versions, processes)
        return {v: ("skipped: relu_op needs Theano >= 0.8" if v == "1.20" else f) for v, f in found.items()}

    result = bisect_timing(VERSIONS, lambda v: None, failing)
    assert result.neighbours == ("1.19", "1.21") and "1.20" in result.skipped


CELL = {v: ("1" if i < 23 else "0") for i, v in enumerate(VERSIONS)}


def test_a_cell_is_bisected_exactly():
    read = []
    result = bisect_cell(VERSIONS, lambda v: read.append(v) or CELL[v])
    assert (result.verdict, result.neighbours) == ("changed", ("1.22", "1.23"))
    assert len(read) <= 2 + 6


def test_a_cell_skips_a_release_it_cannot_read():
    def read(version):
        if version == "1.23":
            raise Skipped("import failed")
        return CELL[version]

    result = bisect_cell(VERSIONS, read)
    assert result.neighbours == ("1.22", "1.24") and result.skipped == {"1.23": "import failed"}


def test_a_third_value_counts_as_not_goods():
    values = dict(CELL, **{"1.23": "nan"})
    assert bisect_cell(VERSIONS, values.get).neighbours == ("1.22", "1.23")


def test_a_cell_that_reads_the_same_at_both_ends_is_no_change():
    result = bisect_cell(VERSIONS, lambda v: "0")
    assert (result.verdict, result.neighbours) == ("no change", None)
