"""The timed call sees steady state: asv_runner >= 0.3 re-runs `setup` before every timed call, and each
re-run must hand back the same compiled function and the same input array (asv_bench/benchmarks/common.py)."""

from itertools import product

from asv_runner.benchmarks.time import TimeBenchmark
from benchmarks import common, relu


def test_every_setup_hands_the_timed_call_the_same_function_and_array():
    first, second = relu.Gradient(), relu.Gradient()
    first.setup("relu_op", "100x100", "float64")
    second.setup("relu_op", "100x100", "float64")
    assert first.f is second.f and first.x is second.x


def test_asv_runner_samples_one_call_each_and_compiles_once(monkeypatch):
    setups = []
    original = relu.Forward.setup

    def counted(self, *params):
        original(self, *params)
        setups.append((self.f, self.x))

    monkeypatch.setattr(relu.Forward, "setup", counted)
    instance = relu.Forward()
    bench = TimeBenchmark("relu.Forward.time_forward", instance.time_forward, [instance.time_forward, instance, relu])
    bench.set_param_idx(list(product(*relu.Forward.params)).index(("max_x0", "100x100", "float64")))
    misses = common.compile_function.cache_info().misses
    assert not bench.do_setup()
    result = bench.run(*bench._current_params)
    assert result["number"] == 1 and len(result["samples"]) >= 10
    assert len(setups) > len(result["samples"])  # asv_runner re-ran setup before each timed call ...
    assert len({(id(f), id(x)) for f, x in setups}) == 1  # ... and each saw the same function and array
    assert common.compile_function.cache_info().misses - misses <= 1


def test_the_input_lies_in_a_private_mapping_of_its_own_on_a_huge_page_boundary():
    """Private, not shared: a shared anonymous mapping is shmem, whose huge pages follow `shmem_enabled` (often
    "never"), so the huge-page advice on the input would do nothing."""
    x = common.make_data("signs", "1000x1000", "float64")
    address = x.ctypes.data
    assert address % common.HUGE_PAGE == 0
    with open("/proc/self/maps") as maps:
        for line in maps:
            span, permissions = line.split()[:2]
            start, end = (int(bound, 16) for bound in span.split("-"))
            if start <= address < end:
                break
    assert permissions.endswith("p"), line  # rw-p: private; rw-s: shmem
