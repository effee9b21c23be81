"""What each variant means at the edges: value and gradient at 0, -0.0, ±inf and NaN.

`EXPECTED` is the table the tests assert on every library, with the rows a linker
changes in `BY_LINKER` (`expected` combines them); `measure` runs a variant to
produce the same row, so reports show what each release really does.
"""

import math

import numpy as np

from . import devices
from .backend import load_backend
from .variants import VARIANTS

POINTS = (0.0, -0.0, math.inf, -math.inf, math.nan)
POINT_NAMES = ("0", "-0", "inf", "-inf", "nan")

# variant: (values at POINTS, gradients at POINTS); "-0" is a negative zero.
# Measured identical on Theano 1.0.5 and PyTensor 3.0.7 and 3.3.8 (C and Numba), float32 and float64.
EXPECTED = {
    #              value at 0 -0 inf -inf nan,  gradient at 0 -0 inf -inf nan
    "switch_lt": ("0 -0 inf 0 nan", "1 1 1 0 1"),
    "switch_gt": ("0 0 inf 0 0", "0 0 1 0 0"),
    "max_x0": ("0 -0 inf 0 nan", "1 1 1 0 0"),
    "max_0x": ("0 0 inf 0 nan", "0 0 1 0 1"),
    "mul_gt": ("0 -0 inf nan nan", "0 0 1 0 0"),
    "mul_gt_lt": ("0 -0 inf nan nan", "0 0 1 0 0"),
    "half_abs": ("0 0 inf nan nan", "0.5 0.5 1 0 nan"),
    "nnet_relu": ("0 0 inf nan nan", "0.5 0.5 1 0 nan"),
    # Chosen, not inherited: 0 for x <= 0 and -inf, NaN stays NaN, gradient 0 at 0 (as PyTorch and JAX).
    "relu_op": ("0 0 inf 0 nan", "0 0 1 0 nan"),
}
# Where a linker's compiler gives other answers: the rows that differ from EXPECTED.
# JAX (PyTensor 3.3.8, jax 0.12): XLA rewrites x*(x>0) as a select, so -inf and NaN
# give 0, and maximum(x, 0) returns +0 for -0.
# PyTorch and MLX (PyTensor 3.0.7 and 3.3.8, torch 2.13 and mlx 0.32, CPU) agree with each other:
# maximum(x, 0) returns +0 for -0 and maximum(0, x) keeps -0 (the reverse of the C linker's), and abs's
# gradient at NaN is 0, so half_abs's is 0.5.
TIES_TO_SECOND = {
    "max_x0": ("0 0 inf 0 nan", "1 1 1 0 0"),
    "max_0x": ("0 -0 inf 0 nan", "0 0 1 0 1"),
    "half_abs": ("0 0 inf nan nan", "0.5 0.5 1 0 0.5"),
}
BY_LINKER = {
    "jax": {
        "max_x0": ("0 0 inf 0 nan", "1 1 1 0 0"),
        "mul_gt": ("0 0 inf 0 0", "0 0 1 0 0"),
        "mul_gt_lt": ("0 0 inf 0 0", "0 0 1 0 0"),
    },
    "pytorch": TIES_TO_SECOND,
    "mlx": TIES_TO_SECOND,
}
# The dtype a linker computes a dtype in, where it is not that dtype: PyTensor's MLX linker casts float64 to
# float32 (with a warning; MLX computes float64 on its CPU stream only).
DTYPE_BY_LINKER = {"mlx": {"float64": "float32"}}


# Where a linker cannot run a variant at all: {linker: {variant: (text of the library's error, why)}}. Only that
# error is taken as the known failure (a skip with the reason); any other still fails.
KNOWN_FAILURES = {
    "pytorch": {
        name: (
            "'bool' object has no attribute 'shape'",
            "PyTensor 3.0.7's PyTorch linker cannot run the gradient of maximum (its Eq reaches Elemwise's "
            "broadcast check as a Python bool; 3.3.8 runs it)",
        )
        for name in ("max_x0", "max_0x")
    },
}


def known_failure(name, linker, exc):
    """The reason variant `name` cannot run on `linker`, where `exc` is the library's known failure; else None."""
    text, why = KNOWN_FAILURES.get(linker.split("-")[0], {}).get(name, (None, None))
    return f"{name} on {linker}: {why} ({type(exc).__name__}: {exc})" if text and text in str(exc) else None


def computed_dtype(dtype, linker):
    """The dtype `linker` ("mlx", "jax-gpu", ...) returns for inputs of `dtype`."""
    return DTYPE_BY_LINKER.get(linker.split("-")[0], {}).get(dtype, dtype)


def expected(name, linker):
    """The (values, gradients) row variant `name` should give with `linker` ("jax-gpu" is JAX too)."""
    return BY_LINKER.get(linker.split("-")[0], {}).get(name, EXPECTED[name])


def describe(value):
    if math.isnan(value):
        return "nan"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:g}"


def measure(name, dtype="float64", linker="c"):
    """(values, gradients) of variant `name` at POINTS, as EXPECTED writes them; `linker` a benchmark linker name
    (relu_impls.devices: "jax-gpu" computes on the GPU), whose device the caller has prepared."""
    backend = load_backend()
    x = backend.tensor.vector("x", dtype=dtype)
    y = VARIANTS[name](x)
    f = backend.function([x], [y, backend.grad(y.sum(), x)], linker=linker.split("-")[0])
    f.trust_input = True  # the input is placed on the linker's device: the type check would copy it back to numpy
    values, grads = (np.asarray(out) for out in devices.block(f(devices.place(np.array(POINTS, dtype=dtype), linker))))
    return " ".join(map(describe, values)), " ".join(map(describe, grads))
