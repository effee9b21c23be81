"""Tests here run inside one backend's environment (see `python3 -m relu_bench.run_tests`)."""

import numpy as np
import pytest

from relu_impls import load_backend


@pytest.fixture(scope="session")
def backend():
    return load_backend()


def pytest_generate_tests(metafunc):
    # Every linker this installation offers; the Python linker is the reference, not a subject.
    if "linker" in metafunc.fixturenames:
        metafunc.parametrize("linker", [name for name in load_backend().linkers() if name != "py"])


@pytest.fixture(scope="session")
def signed_data():
    """Seeded normal data with exact zeros (both signs), as the benchmarks' random-sign input."""

    def make(dtype, shape=(64, 64)):
        z = np.random.default_rng(0).standard_normal(shape).astype(dtype)
        z.flat[::17] = 0.0
        z.flat[5::17] = -0.0
        return z

    return make
