"""The PR check's drift reference: numpy kernels, timed beside the suite, that no pull request can change.

`tools/compare.py` copies this file into the suite it runs (as `reference.py`),
so asv times it in the same interleaved rounds, environments and processes as
the benchmarks it judges. The kernels depend on numpy alone (the same in BASE
and HEAD), so their head/base ratio is the machine's drift: everything one
commit's round ran slower or faster for reasons outside the code. Same data and
settings as the suite's timings (asv_bench/benchmarks/common.py), written again
here on purpose: the PR may edit the suite.
"""

import ctypes
import functools

import numpy as np

KERNELS = {
    # Read 8 MB, write 8 MB: the forward's floor.
    "copy": lambda z: z.copy(),
    # numpy's own ReLU.
    "maximum": lambda z: np.maximum(z, 0.0),
    # Two passes and a temporary: shaped like a gradient.
    "mask_multiply": lambda z: z * (z > 0),
}


def keep_freed_memory():
    """As the suite does: freed memory stays with the process, so no call pays page faults for its output."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD
    libc.mallopt(-1, 1 << 30)  # M_TRIM_THRESHOLD


keep_freed_memory()


@functools.lru_cache(maxsize=1)
def data():
    """1000x1000 float64, seeded normal with exact zeros: the suite's PR point."""
    z = np.random.default_rng(0).standard_normal((1000, 1000))
    z.flat[::17] = 0.0
    z.flat[5::17] = -0.0
    return z


class Reference:
    params = (list(KERNELS),)
    param_names = ["kernel"]
    # The suite's steady-state settings (common.Timing): one call per sample, same array every time.
    rounds = 2
    repeat = (10, 1000, 0.5)
    number = 1
    warmup_time = 0.1
    min_run_count = 2
    timeout = 180

    def setup(self, kernel):
        self.f = KERNELS[kernel]
        self.x = data()

    def time_reference(self, kernel):
        """numpy kernel at 1000x1000 float64 (random signs): the machine's drift, for the PR check."""
        self.f(self.x)
