"""Instruction counts: portable on every x86-64 host, loud where they cannot be counted."""

from types import SimpleNamespace

import pytest
from benchmarks import instructions

THEANO = SimpleNamespace(name="theano")


def test_a_library_that_fails_only_under_valgrind_skips_every_point(monkeypatch):
    # This process passes the import check; the valgrind process finds no library (this venv has
    # none), as Theano 1.0.4's does when its scipy fails to initialise under valgrind.
    monkeypatch.setattr(instructions, "backend", lambda: THEANO)
    bench = instructions.Instructions()
    cache = bench.setup_cache()
    with pytest.raises(NotImplementedError, match="imports, but not under valgrind: no Theano-family library"):
        bench.setup(cache, "max_x0", "gradient")


def test_no_valgrind_fails_every_point_instead_of_skipping(monkeypatch):
    monkeypatch.setattr(instructions.shutil, "which", lambda name: None if name == "valgrind" else f"/usr/bin/{name}")
    with pytest.raises(RuntimeError, match="cannot be counted: valgrind is not installed"):
        instructions.Instructions().setup_cache()


@pytest.mark.parametrize(
    ("library", "variable", "flag"),
    [("theano", "THEANO_FLAGS", "gcc.cxxflags"), ("pytensor", "PYTENSOR_FLAGS", "gcc__cxxflags")],
)
def test_the_counting_process_builds_without_avx512_in_a_compile_dir_of_its_own(monkeypatch, library, variable, flag):
    """valgrind cannot decode AVX-512: no -march=native detection, and no module the timed processes built."""
    monkeypatch.setenv(variable, "blas__ldflags=,base_compiledir=/timed/compiledir,floatX=float64")
    monkeypatch.setenv("RELU_BENCH_CACHE", "/cache")
    env = instructions.counting_environ(SimpleNamespace(name=library))
    assert env[variable] == f"blas__ldflags=,floatX=float64,{flag}=-march=x86-64-v2"
    assert env["RELU_BENCH_CACHE"] == "/cache/valgrind" and env["PYTHONHASHSEED"] == "0"


@pytest.mark.parametrize("flag", ["gcc.cxxflags", "gcc__cxxflags"])
def test_the_counting_process_keeps_the_flags_relu_impls_set(monkeypatch, flag):
    """A change that sets -O0 for the whole process shows in the counts (it once read identical: replaced)."""
    monkeypatch.setenv("THEANO_FLAGS", f"blas.ldflags=,{flag}=-O0 -fno-math-errno")
    env = instructions.counting_environ(THEANO)
    assert env["THEANO_FLAGS"] == f"blas.ldflags=,{flag}=-O0 -fno-math-errno -march=x86-64-v2"
