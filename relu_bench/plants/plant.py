"""Planted slowdowns for `relu-bench experiment`: installed as relu_impls/_plant.py in experiment commits only.

The patches beside this file route relu_impls through these; the amounts come
from relu_impls/_plant_params.py, which the experiment writes per commit:
WORK (empty Python loop steps per call) and TRIM (give freed memory back to the
kernel before each call, so the output lands on fresh pages: page faults, in
the kernel, and no more instructions in the process).

The classes are built from the loaded library on first use and found by pickle
under this module's names (compile-cache keys hold the ops), as relu_impls.op's are.
"""

import ctypes
import importlib

from ._plant_params import TRIM, WORK
from .backend import load_backend

_built = {}
# Loaded once, here: a load per call would be planted work of its own.
_LIBC = ctypes.CDLL("libc.so.6") if TRIM else None


def _spin():
    for _ in range(WORK):
        pass
    if TRIM:
        _LIBC.malloc_trim(0)


def _build():
    if _built:
        return _built
    lib = load_backend().module.__name__
    elemwise = importlib.import_module(f"{lib}.tensor.elemwise")

    class SlowElemwise(elemwise.Elemwise):
        """An Elemwise whose thunk runs `_spin` before the kernel."""

        def make_thunk(self, *args, **kwargs):
            thunk = super().make_thunk(*args, **kwargs)

            def slow_thunk():
                _spin()
                return thunk()

            for attr in ("inputs", "outputs", "lazy"):
                setattr(slow_thunk, attr, getattr(thunk, attr))
            return slow_thunk

    SlowElemwise.__module__, SlowElemwise.__qualname__ = __name__, "SlowElemwise"
    _built["SlowElemwise"] = SlowElemwise
    return _built


def __getattr__(name):
    if name == "SlowElemwise":
        return _build()[name]
    if name == "SlowView":
        return _build_view()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def slowed(op):
    """The Elemwise `op` rebuilt as a SlowElemwise (same scalar op and name)."""
    return _build()["SlowElemwise"](op.scalar_op, name=op.name)


def _build_view():
    if "SlowView" in _built:
        return _built["SlowView"]
    lib = load_backend().module.__name__
    if lib == "theano":
        from theano.gof import Apply, Op
    else:
        Op = importlib.import_module(f"{lib}.graph.op").Op
        Apply = importlib.import_module(f"{lib}.graph.basic").Apply

    class SlowView(Op):
        """x itself (a view, no copy), after `_spin`: an op no optimizer knows, so it stays in the graph."""

        __props__ = ()
        view_map = {0: [0]}

        def make_node(self, x):
            return Apply(self, [x], [x.type()])

        def perform(self, node, inputs, output_storage):
            _spin()
            output_storage[0][0] = inputs[0]

        def grad(self, inputs, output_gradients):
            return output_gradients

    SlowView.__module__, SlowView.__qualname__ = __name__, "SlowView"
    _built["SlowView"] = SlowView
    return SlowView


def every_variant(fn):
    """`fn` with its input first through SlowView: every variant, forward and gradient (which reads
    the same input), pays the same fixed work once per call."""

    def slow_variant(x):
        return fn(_build_view()()(x))

    return slow_variant
