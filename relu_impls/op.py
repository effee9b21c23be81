"""A dedicated elementwise ReLU op, written once for every library of the family.

`relu(x)` is `Elemwise(Relu)`: a scalar op inside the library's own Elemwise, so
the optimizer fuses it with neighbouring elementwise ops (Composite) as it does a
built-in. Its gradient is one more elementwise pass, `Elemwise(ReluGrad)`.

Semantics (semantics.EXPECTED["relu_op"]), chosen rather than inherited:

    relu(x)          = x   where x > 0 or x is NaN;  +0 elsewhere (0, -0.0, -inf)
    relu_grad(x, gz) = gz  where x > 0;  NaN where x is NaN;  +0 elsewhere

so the value at -0.0 is +0, NaN stays NaN in both passes, and the gradient at 0
is 0 (as in PyTorch and JAX). The gradient of `relu_grad` itself is exact: it is
linear in gz and flat in x.

Implementations: C (`c_code`) for the C/CVM linkers, Numba, JAX, PyTorch and MLX where
the library has those linkers, and `impl` (Python) for the py linker only. PyTorch and MLX
are registered once their package is imported (`register_linker`, called by the backend's
`mode`), so that building the op in an environment that has torch does not import torch
(seconds) in every benchmark process of the C linker. (Aesara
2.9 and PyTensor 2.18 compile their Numba Elemwise loops with fast-math flags;
there the value at -0.0 comes out -0 and the gradient at NaN 1, as measured.) The C is
written so that gcc emits compare + and-not/blend, not a branch: a branch on the
sign costs 10-30x on random-sign data, where the predictor fails.

The compile caches key a compiled module by the op's cache version, not by its C: an
unchanged version hands out the module built from the old C (Theano) or asserts on a key
collision (PyTensor). So the version is a hash of the C the op emits, and the Numba cache key
a hash of its kernel's source: they change with the code, with no version to bump by hand.

Each library has its own base classes, so the classes are built from the loaded
library's modules on first use and cached. `Relu` and `ReluGrad` are attributes
of this module (built on access), so pickles of the op, among them the keys of
Theano's compile cache, find their class.
"""

import hashlib
import importlib
import importlib.util
import inspect
import sys

import numpy as np

from .backend import LINKER_PACKAGES, load_backend

CLASS_NAMES = ("Relu", "ReluGrad")

_built = None
# The lazily dispatched linkers (LAZY_LINKERS) the op has been registered with.
_registered = set()


def relu(x):
    """ReLU of the symbolic tensor `x`, as one elementwise op of the loaded library."""
    return _ops()["relu"](x)


def _ops():
    global _built
    if _built is None:
        _built = _build(load_backend().module.__name__)
    return _built


def __getattr__(name):
    # Module-level __getattr__ (Python 3.7+): the classes exist once a library is loaded.
    if name in CLASS_NAMES:
        return _ops()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def digest(text):
    """A cache version from a code text: the same text, the same number."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:15], 16)


def c_version(scalar_op, float64):
    """The C cache version of `scalar_op`: a digest of the C it emits for float64 inputs under placeholder names
    (built here, since Composite, the fused loop, asks for the version without a node)."""
    node = scalar_op.make_node(*(float64() for _ in range(scalar_op.nin)))
    inputs = [f"relu_in{i}" for i in range(scalar_op.nin)]
    c = scalar_op.c_code(node, "relu", inputs, ["relu_out"], {"fail": "relu_fail"})
    return (digest(c),)


def _build(lib):
    global _built
    scalar = importlib.import_module(f"{lib}.scalar.basic")
    elemwise = importlib.import_module(f"{lib}.tensor.elemwise")

    class Relu(scalar.UnaryScalarOp):
        """x where x > 0 or x is NaN, +0 elsewhere."""

        def impl(self, x):
            return x if x > 0 or x != x else type(x)(0)

        def c_code(self, node, name, inputs, outputs, sub):
            (x,), (z,) = inputs, outputs
            # `x <= 0` is false for NaN, so NaN passes; gcc makes this a compare and an and-not.
            return f"{z} = ({x} <= 0) ? 0 : {x};"

        def c_code_cache_version(self):
            return c_version(self, scalar.float64)

        def grad(self, inputs, output_gradients):
            (x,), (gz,) = inputs, output_gradients
            return [relu_grad(x, gz)]

    class ReluGrad(scalar.BinaryScalarOp):
        """gz where x > 0, NaN where x is NaN, +0 elsewhere."""

        def impl(self, x, gz):
            if x > 0:
                return gz
            return x if x != x else type(gz)(0)

        def c_code(self, node, name, inputs, outputs, sub):
            (x, gz), (z,) = inputs, outputs
            x_type, gz_type = (var.type.dtype_specs()[1] for var in node.inputs)
            # Both operands are read unconditionally, so gcc can vectorize the two selects
            # (a conditional read of gz would be a branch). No c_code_contiguous: Aesara's and
            # PyTensor's Elemwise (2.9.4, 2.18-3.3) fail to generate code for one (unbound `var`).
            return (
                f"{{ const {x_type} relu_x = {x}; const {gz_type} relu_gz = {gz};\n"
                f"  {z} = (relu_x > 0) ? relu_gz : ((relu_x <= 0) ? 0 : relu_x); }}"
            )

        def c_code_cache_version(self):
            return c_version(self, scalar.float64)

        def grad(self, inputs, output_gradients):
            (x, _gz), (ggz,) = inputs, output_gradients
            # A step function of x (derivative 0 wherever defined), linear in gz.
            return [x.zeros_like(), relu_grad(x, ggz)]

    # Found by pickle under these names (see the module docstring).
    for cls in (Relu, ReluGrad):
        cls.__qualname__ = cls.__name__

    relu_grad = ReluGrad(scalar.upcast_out)
    ops = {
        "Relu": Relu,
        "ReluGrad": ReluGrad,
        "relu": elemwise.Elemwise(Relu(scalar.same_out_nocomplex), name="relu"),
    }
    _register_numba(lib, Relu, ReluGrad)
    _register_jax(lib, Relu, ReluGrad)
    _built = ops
    for linker in LAZY_REGISTER:
        if LINKER_PACKAGES[linker][0].split(".")[0] in sys.modules:
            register_linker(linker)
    return ops


def _dispatch_module(lib, linker, candidates):
    """The library's dispatch module for `linker`, or None where the library or the linker's package lacks it."""
    if importlib.util.find_spec(LINKER_PACKAGES.get(linker, (linker,))[0].split(".")[0]) is None:
        return None
    for name in candidates:
        try:
            return importlib.import_module(f"{lib}.link.{linker}.{name}")
        except ImportError:
            continue
    return None


def _zero(dtype):
    return np.dtype(dtype).type(0)


def _register_numba(lib, relu_cls, relu_grad_cls):
    basic = _dispatch_module(lib, "numba", ["dispatch.basic"])
    if basic is None:
        return

    def relu_numba(op, node, **kwargs):
        zero = _zero(node.outputs[0].dtype)

        # fastmath off: it may fold the NaN test away.
        @basic.numba_njit(fastmath=False)
        def relu(x):
            return zero if x <= 0 else x

        return relu

    def relu_grad_numba(op, node, **kwargs):
        zero = _zero(node.outputs[0].dtype)

        @basic.numba_njit(fastmath=False)
        def relu_grad(x, gz):
            return gz if x > 0 else (zero if x <= 0 else x)

        return relu_grad

    for cls, funcify in ((relu_cls, relu_numba), (relu_grad_cls, relu_grad_numba)):
        if hasattr(basic, "register_funcify_and_cache_key"):
            # PyTensor >= 2.31 dispatches through this first: registering only the
            # legacy numba_funcify would leave the generic ScalarOp's object-mode fallback.
            key = f"relu_impls.op.{cls.__name__} {digest(inspect.getsource(funcify))}"
            basic.register_funcify_and_cache_key(cls)(_with_key(funcify, key))
        else:
            # Aesara dispatches on _numba_funcify (numba_funcify wraps it).
            getattr(basic, "_numba_funcify", basic.numba_funcify).register(cls)(funcify)


def _with_key(funcify, key):
    def funcify_and_key(op, node, **kwargs):
        return funcify(op, node, **kwargs), key

    return funcify_and_key


def _register_jax(lib, relu_cls, relu_grad_cls):
    # Theano-PyMC 1.1 keeps jax_funcify in link/jax/jax_dispatch.py.
    dispatch = _dispatch_module(lib, "jax", ["dispatch", "jax_dispatch"])
    if dispatch is None:
        return
    import jax.numpy as jnp

    _register_where(dispatch.jax_funcify, relu_cls, relu_grad_cls, jnp.where)


def register_linker(linker):
    """Dispatch the op to `linker` ("pytorch" or "mlx"), once its package is imported; nothing before the op is
    built (`_build` registers it then) or where the library lacks the linker."""
    if _built is None or linker in _registered:
        return
    _registered.add(linker)
    dispatch = _dispatch_module(load_backend().module.__name__, linker, ["dispatch"])
    if dispatch is not None:
        LAZY_REGISTER[linker](getattr(dispatch, f"{linker}_funcify"), _built["Relu"], _built["ReluGrad"])


def _register_where(funcify, relu_cls, relu_grad_cls, where):
    """The op for an array library with numpy's `where` (JAX, PyTorch, MLX): two selects on whole arrays, the
    same meaning as the C."""

    def relu_array(op, **kwargs):
        def relu(x):
            return where(x <= 0, 0, x)

        return relu

    def relu_grad_array(op, **kwargs):
        def relu_grad(x, gz):
            return where(x > 0, gz, where(x <= 0, 0, x))

        return relu_grad

    funcify.register(relu_cls)(relu_array)
    funcify.register(relu_grad_cls)(relu_grad_array)


def _register_pytorch(funcify, relu_cls, relu_grad_cls):
    # PyTensor's Elemwise funcify vmaps a scalar op without a torch name over the array's dimensions;
    # torch.where works on the whole array as on each element.
    import torch

    _register_where(funcify, relu_cls, relu_grad_cls, torch.where)


def _register_mlx(funcify, relu_cls, relu_grad_cls):
    import mlx.core as mx

    _register_where(funcify, relu_cls, relu_grad_cls, mx.where)


LAZY_REGISTER = {"pytorch": _register_pytorch, "mlx": _register_mlx}
