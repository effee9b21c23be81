"""The pytorch, pytorch-gpu and mlx linkers in the asv suite, the input recipe they share, and the release name of
the environment that has them. Where the linker's package is not installed here, its benchmark is a named skip."""

import numpy as np
import pytest
from benchmarks import common, linkers

from relu_impls import load_backend
from relu_impls.inputs import KINDS, make_input
from relu_impls.releases import release_label

NEW = ("pytorch", "pytorch-gpu", "mlx")


def test_the_signs_input_has_both_zeros_every_17th_element_and_is_the_same_every_time():
    z = make_input((40, 40), "float64")
    flat = z.reshape(-1)
    assert np.all(flat[::17] == 0) and not np.signbit(flat[::17]).any()
    assert np.all(flat[5::17] == 0) and np.signbit(flat[5::17]).all()
    assert np.array_equal(z, make_input((40, 40), "float64"))
    assert (flat > 0).any() and (flat < 0).any()


@pytest.mark.parametrize("kind", KINDS)
def test_the_suite_fills_its_placed_array_with_the_recipe(kind):
    # Same numbers in place (the suite's placed array) as in a fresh array (the tests', fidelity's loop).
    assert np.array_equal(common.make_data(kind, "100x100", "float32"), make_input((100, 100), "float32", kind))
    assert list(KINDS) == common.DATA


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown data kind"):
        make_input((2, 2), kind="zeros")


def test_a_release_with_torch_or_mlx_is_named_apart_from_the_plain_one():
    plain = {"numpy": "2.4.6", "scipy": "1.17.1", "pytensor": "3.0.7"}
    assert release_label(plain) == "pytensor-3.0.7"
    assert release_label({**plain, "jax": "0.12.0.1"}) == "pytensor-3.0.7"
    assert release_label({**plain, "torch": "2.13.0+cpu", "mlx[cpu]": "0.32.4"}) == "pytensor-3.0.7-torch-mlx"


def test_the_new_linkers_are_benchmarked_after_the_old_ones():
    # Appended: the points stored before keep their place in asv's parameter grid.
    assert common.LINKERS[:4] == ["c", "numba", "jax", "jax-gpu"] and set(NEW) <= set(common.LINKERS)


@pytest.mark.parametrize("bench_linker", NEW)
def test_linkers_benchmark_runs_or_names_why_not(bench_linker):
    """Steady state as for JAX: the input is on the linker's device before the first timed call, and the timed
    call returns a finished result of the right value (MLX: float32, as it computes float64)."""
    bench = linkers.Linkers()
    usable = bench_linker.split("-")[0] in load_backend().linkers()
    gpu = bench_linker.endswith("-gpu")
    if not usable or gpu:
        try:
            bench.setup("relu_op", bench_linker)
        except NotImplementedError as exc:
            assert str(exc)  # a skip that names its reason
            return
        assert gpu  # only a GPU machine gets here
    else:
        bench.setup("relu_op", bench_linker)
    z = common.make_data(common.KIND, common.SHAPE, common.DTYPE)
    if bench_linker.startswith("pytorch") and not gpu:
        assert np.shares_memory(bench.x.numpy(), z)  # placed once: the tensor is the input's memory
    bench.time_forward("relu_op", bench_linker)
    out = np.asarray(linkers.block(bench.forward(bench.x)))
    tolerance = 1e-6 if bench_linker == "mlx" else 0
    np.testing.assert_allclose(out, np.maximum(z, 0), rtol=tolerance)
    bench.time_gradient("relu_op", bench_linker)
    assert np.asarray(linkers.block(bench.gradient(bench.x))).shape == z.shape


@pytest.mark.parametrize("variant", ["max_x0", "max_0x"])
def test_a_variant_the_linker_cannot_run_is_a_named_skip_not_a_failure(variant):
    """The library's known failure (relu_impls.semantics.KNOWN_FAILURES) skips the point with its reason, so
    `bench` does not exit 1 on a combination the release cannot run; where the linker runs it, it is timed.
    A gradient the linker cannot build skips the gradient only: the forward of the same setup is timed."""
    if "pytorch" not in load_backend().linkers():
        pytest.skip("this release has no pytorch linker")
    bench = linkers.Linkers()
    try:
        bench.setup(variant, "pytorch")
    except NotImplementedError as exc:
        assert str(exc)  # why pytorch cannot run here at all
        return
    bench.time_forward(variant, "pytorch")
    try:
        bench.time_gradient(variant, "pytorch")
    except linkers.SkipNotImplemented as exc:  # asv records a skip for it
        assert "cannot run the gradient of maximum" in str(exc)
