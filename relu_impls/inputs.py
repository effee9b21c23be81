"""The benchmarks' input data, written once: the asv suite, the backend tests and `relu-bench fidelity` use it.

Imports numpy only, and no library, so any caller can make its data before or without loading one.
"""

import numpy as np

# Random signs with exact zeros of both signs; all positive; the random signs sorted (branch-predictable).
KINDS = ("signs", "positive", "sorted")


def make_input(shape, dtype="float64", kind="signs", out=None):
    """The seeded input: the same numbers in every run, release and process, drawn in the dtype.

    "signs": standard normal with exact zeros, every 17th element +0 and every 17th from the 6th -0
    (a ReLU's two edge cases, in every cache line). "positive": uniform in [0, 1). "sorted": "signs"
    in ascending order. `out`, a C-contiguous array of that shape and dtype, is filled instead of a
    new one (no temporary copy: the memory benchmark's peak counts only the input itself).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown data kind {kind!r}; known: {', '.join(KINDS)}")
    shape = tuple(shape)
    z = np.empty(shape, dtype) if out is None else out
    rng = np.random.default_rng(0)
    if kind == "positive":
        rng.random(shape, dtype=z.dtype, out=z)
        return z
    rng.standard_normal(shape, dtype=z.dtype, out=z)
    z.flat[::17] = 0.0
    z.flat[5::17] = -0.0
    if kind == "sorted":
        z.reshape(-1).sort()
    return z
