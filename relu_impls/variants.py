"""Every way of writing ReLU, each written once.

Each function takes a symbolic tensor of the loaded backend and returns the
graph. Names are benchmark parameters kept in published histories: never rename.
"""

import importlib

from .backend import load_backend
from .errors import UnknownVariant, VariantUnavailable


def _t():
    return load_backend().tensor


def switch_lt(x):
    return _t().switch(x < 0, 0, x)


def switch_gt(x):
    return _t().switch(x > 0, x, 0)


def max_x0(x):
    return _t().maximum(x, 0)


def max_0x(x):
    return _t().maximum(0, x)


def mul_gt(x):
    return x * (x > 0)


def mul_gt_lt(x):
    # The seed's "more exact" form; the optimizer is expected to drop the 0.*(x<0.) term.
    return x * (x > 0.0) + 0.0 * (x < 0.0)


def half_abs(x):
    return 0.5 * (x + abs(x))


def nnet_relu(x):
    backend = load_backend()
    try:
        nnet = importlib.import_module(f"{backend.module.__name__}.tensor.nnet")
        relu = nnet.relu
    except (ImportError, AttributeError):
        raise VariantUnavailable(
            f"nnet_relu: {backend.label} has no tensor.nnet.relu; it exists in Theano >= 0.8.0, "
            "Theano-PyMC and Aesara, and PyTensor removed nnet in 2.8.12"
        ) from None
    return relu(x)


def relu_op(x):
    from .op import relu

    return relu(x)


def copy(x):
    return x.copy()


def gt(x):
    return x > 0


class _Registry(dict):
    """A dict whose missing keys name the known ones."""

    def __missing__(self, name):
        raise UnknownVariant(name, list(self))


VARIANTS = _Registry(
    switch_lt=switch_lt,
    switch_gt=switch_gt,
    max_x0=max_x0,
    max_0x=max_0x,
    mul_gt=mul_gt,
    mul_gt_lt=mul_gt_lt,
    half_abs=half_abs,
    nnet_relu=nnet_relu,
    relu_op=relu_op,
)

# What the hardware allows: a plain copy, and the ideal gradient (the seed's x>0).
FLOORS = _Registry(copy=copy, gt=gt)
