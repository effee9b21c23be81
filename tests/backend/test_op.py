"""The dedicated ReLU op (relu_impls.op): one elementwise loop per pass, and really our op, on every linker.

A loop is an Elemwise node of the compiled graph; a fused Composite is one Elemwise, so it counts once.
"""

import importlib
import pickle
import warnings

import numpy as np
import pytest

from relu_impls import op
from relu_impls.semantics import computed_dtype

DTYPES = ["float32", "float64"]


def loops(backend, fn):
    """The Elemwise nodes of compiled function `fn`."""
    elemwise = importlib.import_module(f"{backend.module.__name__}.tensor.elemwise").Elemwise
    return [node for node in fn.maker.fgraph.toposort() if isinstance(node.op, elemwise)]


def scalar_op_types(node):
    """Types of the scalar ops one Elemwise node runs (those inside a Composite, if fused)."""
    scalar_op = node.op.scalar_op
    inner = getattr(scalar_op, "fgraph", None)
    ops = [scalar_op] if inner is None else [apply.op for apply in inner.toposort()]
    return {type(each) for each in ops}


def compile_quietly(backend, inputs, outputs, linker):
    """Compile, failing on a fall-back to Python (object mode) in Numba."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn = backend.function(inputs, outputs, linker=linker)
    fallbacks = [str(w.message) for w in caught if "object mode" in str(w.message)]
    assert not fallbacks, fallbacks
    return fn


@pytest.mark.parametrize("dtype", DTYPES)
def test_forward_is_one_loop_of_relu(backend, linker, dtype):
    x = backend.matrix(dtype)
    fn = compile_quietly(backend, [x], op.relu(x), linker)
    (node,) = loops(backend, fn)
    assert scalar_op_types(node) == {op.Relu}


@pytest.mark.parametrize("dtype", DTYPES)
def test_gradient_is_one_loop_of_relu_grad(backend, linker, dtype, signed_data):
    x = backend.matrix(dtype)
    fn = compile_quietly(backend, [x], backend.grad(op.relu(x).sum(), x), linker)
    (node,) = loops(backend, fn)
    # Not the forward again, nor comparisons: the one gradient op.
    assert scalar_op_types(node) == {op.ReluGrad}
    z = signed_data(dtype)
    np.testing.assert_array_equal(np.asarray(fn(z)), (z > 0).astype(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
def test_fuses_with_its_neighbours(backend, linker, dtype, signed_data):
    x = backend.matrix(dtype)
    y = op.relu(x * 2 + 1)
    fn = compile_quietly(backend, [x], y, linker)
    nodes = loops(backend, fn)
    assert any(op.Relu in scalar_op_types(node) for node in nodes)
    # XLA, torch.compile and mx.compile fuse by themselves: some releases' JAX mode skips PyTensor's fusion
    # rewrite, and the PyTorch and MLX modes do (the PyTorch linker names it incompatible).
    if linker in ("c", "numba"):
        assert len(nodes) == 1
    z = signed_data(dtype).astype(computed_dtype(dtype, linker))  # MLX computes float64 as float32
    expected = np.maximum(z * np.asarray(2, z.dtype) + np.asarray(1, z.dtype), 0)
    np.testing.assert_allclose(np.asarray(fn(z)), expected, rtol=1e-6)


def test_second_derivative_is_zero(backend, linker, signed_data):
    x = backend.matrix("float64")
    first = backend.grad(op.relu(x).sum(), x)
    fn = compile_quietly(backend, [x], backend.grad((first * x).sum(), x), linker)
    z = signed_data("float64")
    # d/dx sum(step(x) * x) = step(x): the x-derivative of the step is 0, the gz-part is linear.
    np.testing.assert_array_equal(np.asarray(fn(z)), (z > 0).astype("float64"))


def test_op_pickles_by_reference(backend):
    # Theano-family compile caches pickle their keys, which hold the op.
    x = backend.matrix()
    relu_node = op.relu(x).owner
    grad_node = backend.grad(op.relu(x).sum(), x).owner
    assert pickle.loads(pickle.dumps(relu_node.op)) == relu_node.op
    assert type(pickle.loads(pickle.dumps(grad_node.op.scalar_op))) is op.ReluGrad


def test_the_c_cache_version_follows_the_c(backend):
    relu = op.relu(backend.matrix()).owner.op.scalar_op

    class Edited(op.Relu):  # the same op with its C edited, and nothing else changed
        def c_code(self, *args):
            return super().c_code(*args).replace(": ", ": 2 * ")

    edited = Edited(relu.output_types_preference)
    assert edited.c_code_cache_version() != relu.c_code_cache_version()
    assert type(relu)(relu.output_types_preference).c_code_cache_version() == relu.c_code_cache_version()


def test_edited_c_runs_although_the_compile_dir_holds_the_old_module(backend, signed_data, monkeypatch):
    # The compile cache serves a module by its key, which holds the cache version, not the C.
    x, z = backend.matrix("float64"), signed_data("float64")
    np.testing.assert_array_equal(np.asarray(backend.function([x], op.relu(x), linker="c")(z)), np.where(z > 0, z, 0))
    c_code = op.Relu.c_code
    monkeypatch.setattr(op.Relu, "c_code", lambda self, *args: c_code(self, *args).replace(": ", ": 2 * "))
    edited = backend.function([x], op.relu(x), linker="c")
    np.testing.assert_array_equal(np.asarray(edited(z)), np.where(z > 0, 2 * z, 0))
