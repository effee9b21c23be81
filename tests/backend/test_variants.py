"""Every variant computes ReLU, and means what the semantics table says, on this backend."""

import numpy as np
import pytest

from relu_impls import VARIANTS, VariantUnavailable
from relu_impls.semantics import BY_LINKER, EXPECTED, KNOWN_FAILURES, computed_dtype, expected, known_failure, measure

DTYPES = ["float32", "float64"]


def _variant(backend, name):
    """The variant's graph builder, skipping only where the library truly lacks it."""
    x = backend.matrix("float64")
    try:
        VARIANTS[name](x)
    except VariantUnavailable as exc:
        assert name == "nnet_relu" and backend.name == "pytensor", exc
        pytest.skip(str(exc))
    return VARIANTS[name]


def _run(name, linker, call):
    """call(), or a skip naming the reason where the linker's known failure (semantics.KNOWN_FAILURES) stops it."""
    try:
        return call()
    except Exception as exc:
        reason = known_failure(name, linker, exc)
        if reason:
            pytest.skip(reason)
        raise


def test_every_variant_has_a_semantics_row():
    assert set(EXPECTED) == set(VARIANTS)
    assert all(set(rows) <= set(VARIANTS) for rows in [*BY_LINKER.values(), *KNOWN_FAILURES.values()])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(VARIANTS))
def test_forward_equals_numpy(backend, linker, name, dtype, signed_data):
    relu = _variant(backend, name)
    x = backend.matrix(dtype)
    f = backend.function([x], relu(x), linker=linker)
    z = signed_data(dtype)
    out = np.asarray(_run(name, linker, lambda: f(z)))
    assert out.dtype == computed_dtype(dtype, linker)
    np.testing.assert_array_equal(out, np.where(z > 0, z, 0).astype(out.dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(VARIANTS))
def test_gradient_is_the_step_away_from_zero(backend, linker, name, dtype, signed_data):
    relu = _variant(backend, name)
    x = backend.matrix(dtype)
    f = backend.function([x], backend.grad(relu(x).sum(), x), linker=linker)
    z = signed_data(dtype)
    g = np.asarray(_run(name, linker, lambda: f(z)))
    away = z != 0
    np.testing.assert_array_equal(g[away], (z > 0)[away].astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(VARIANTS))
def test_semantics_at_special_points(backend, linker, name, dtype):
    _variant(backend, name)
    assert _run(name, linker, lambda: measure(name, dtype, linker)) == expected(name, linker)


def test_nnet_relu_exists_where_the_library_ships_it(backend):
    x = backend.matrix()
    if backend.name == "pytensor":
        with pytest.raises(VariantUnavailable, match="removed nnet in 2.8.12"):
            VARIANTS["nnet_relu"](x)
    else:
        VARIANTS["nnet_relu"](x)
