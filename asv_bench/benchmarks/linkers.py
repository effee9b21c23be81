"""Which linker runs each variant fastest (C, Numba, JAX, PyTorch, MLX; JAX and PyTorch also on a GPU), where the
library has several.

One size and dtype (1000x1000 float64), random-sign data. The device is part of the
linker parameter, so CPU and GPU figures never share a series: "jax" and "pytorch" are
pinned to the CPU even where a GPU is present, "jax-gpu" and "pytorch-gpu" run only on
a GPU (relu_impls.devices). A linker the release lacks, whose package is not installed,
or whose device this machine has not, is skipped with the reason. MLX computes float64
as float32 (relu_impls.semantics): its figures are of the float32 computation.
"""

import functools

from .common import DTYPE, KIND, LINKERS, SHAPE, VARIANT_NAMES, Timing, compile_function, make_data

try:
    from relu_impls.devices import block, place, prepare_linker
except ImportError as exc:  # a commit of the project from before relu_impls.devices: skipped, still discovered
    _IMPORT_ERROR = exc
else:
    _IMPORT_ERROR = None
try:  # raised inside a timed call, asv records a skip, not a failure (asv_runner, asv >= 0.6)
    from asv_runner.benchmarks.mark import SkipNotImplemented
except ImportError:
    SkipNotImplemented = None
try:
    from relu_impls.semantics import known_failure
except ImportError:  # a commit from before the known failures were written down: every failure stays a failure

    def known_failure(name, linker, exc):
        return None


def _skipped(reason):
    """A stand-in for a function the library cannot compile or run: calling it skips the benchmark (asv records
    no figure, as for a skip in setup), so its other function of the same setup is still timed."""

    def skip(x):
        raise SkipNotImplemented(reason)

    return skip


def prepared(variant, linker):
    """(forward, gradient, input) of `_prepared`, or its reason raised as the setup's skip."""
    ready = _prepared(variant, linker)
    if isinstance(ready, str):
        raise NotImplementedError(ready)
    return ready


@functools.lru_cache(maxsize=None)
def _prepared(variant, linker):
    """(forward, gradient, input) on the linker's device, compiled and called once; the same objects
    for every `setup` of a process (common.Timing), so the JIT compile and the device copy happen once.

    A function the library fails on in its known way (relu_impls.semantics) becomes `_skipped`, its reason
    kept: one setup serves both functions, and the forward of a variant whose gradient the linker cannot build
    still has a figure. Both failing returns the reason, a string, which the cache keeps (an exception it would
    not): the next setup skips without compiling again. Setup's source is kept as it was (asv's version of the
    benchmark is the hash of its code)."""
    # Pins JAX to the linker's device before anything is compiled; raises the skip.
    library_linker = prepare_linker(linker)[0]
    # Already on the device: a numpy input would be copied there on every call. The type
    # check would copy it back to numpy, so it is off, for every linker alike.
    x = place(make_data(KIND, SHAPE, DTYPE), linker)
    functions, reasons = [], []
    for function in ("forward", "gradient"):
        try:
            f = compile_function(variant, DTYPE, function, library_linker)
            f.trust_input = True
            # Numba, JAX, PyTorch and MLX compile on the first call; keep that out of the samples.
            block(f(x))
        except NotImplementedError:
            raise
        except Exception as exc:
            reason = known_failure(variant, linker, exc)
            if reason is None:
                raise
            if SkipNotImplemented is None:  # no skip from inside a timed call: the whole point is skipped
                raise NotImplementedError(reason) from exc
            f = _skipped(reason)
            reasons.append(reason)
        functions.append(f)
    if len(reasons) == len(functions):
        return reasons[0]  # a string, kept by the cache: the next setup skips without compiling again
    return (*functions, x)


class Linkers(Timing):
    params = (VARIANT_NAMES, LINKERS)
    param_names = ["variant", "linker"]

    def setup(self, variant, linker):
        if _IMPORT_ERROR is not None:
            raise NotImplementedError(f"this commit has no relu_impls.devices: {_IMPORT_ERROR}")
        self.forward, self.gradient, self.x = prepared(variant, linker)

    def time_forward(self, variant, linker):
        """Forward time per linker and device ("jax": CPU, "jax-gpu": GPU), waiting for the result.

        Data: 1000x1000 float64 seeded normal with exact zeros (random signs), already on the device.
        """
        block(self.forward(self.x))

    def time_gradient(self, variant, linker):
        """Gradient time per linker and device ("jax": CPU, "jax-gpu": GPU), waiting for the result.

        Data: 1000x1000 float64 seeded normal with exact zeros (random signs), already on the device.
        """
        block(self.gradient(self.x))
