"""The Linkers benchmark where the library fails on a linker in its known way: one setup serves both functions."""

import pytest
from benchmarks import linkers


@pytest.fixture
def library(monkeypatch):
    """A library whose compile of `failing` functions raises, counting compiles; every failure is known."""
    compiles = []

    def compile_function(variant, dtype, function, linker):
        compiles.append(function)
        if function in failing:
            raise RuntimeError(f"{function} cannot be built on {linker}")
        return lambda x: x

    failing = set()
    monkeypatch.setattr(linkers, "prepare_linker", lambda linker: (linker,))
    monkeypatch.setattr(linkers, "place", lambda x, linker: x)
    monkeypatch.setattr(linkers, "make_data", lambda kind, shape, dtype: 1.0)
    monkeypatch.setattr(linkers, "block", lambda y: y)
    monkeypatch.setattr(linkers, "compile_function", compile_function)
    monkeypatch.setattr(linkers, "known_failure", lambda name, linker, exc: f"known: {exc}")
    linkers._prepared.cache_clear()
    yield failing, compiles
    linkers._prepared.cache_clear()


def test_a_failing_gradient_skips_the_gradient_only_and_the_forward_is_timed(library):
    failing, compiles = library
    failing.add("gradient")
    bench = linkers.Linkers()
    bench.setup("max_x0", "pytorch")
    bench.time_forward("max_x0", "pytorch")
    with pytest.raises(linkers.SkipNotImplemented, match="known: gradient cannot be built on pytorch"):
        bench.time_gradient("max_x0", "pytorch")


def test_both_failing_skips_the_setup_every_time_and_compiles_once(library):
    failing, compiles = library
    failing.update({"forward", "gradient"})
    for _ in range(3):  # asv calls setup once per repeat and per benchmark
        with pytest.raises(NotImplementedError, match="known: forward cannot be built on pytorch"):
            linkers.Linkers().setup("max_x0", "pytorch")
    assert compiles == ["forward", "gradient"]
