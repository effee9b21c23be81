"""Tests here run inside one backend's environment (see `python3 -m relu_bench.run_tests`)."""

import pytest

from relu_impls import load_backend
from relu_impls.inputs import make_input


@pytest.fixture(scope="session")
def backend():
    return load_backend()


def pytest_generate_tests(metafunc):
    # Every linker this installation offers; the Python linker is the reference, not a subject.
    if "linker" in metafunc.fixturenames:
        metafunc.parametrize("linker", [name for name in load_backend().linkers() if name != "py"])


@pytest.fixture(scope="session")
def signed_data():
    """The benchmarks' random-sign input (relu_impls.inputs), at a test's size."""

    def make(dtype, shape=(64, 64)):
        return make_input(shape, dtype, "signs")

    return make
