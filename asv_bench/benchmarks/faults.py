"""Page faults per call of each variant's forward and gradient: memory work the instruction counts miss.

A call that takes fresh pages from the kernel for its output (a new allocation
pattern, a buffer no longer reused) pays a page fault per 4 KB, in the kernel,
where valgrind counts no instructions. Minor faults around one steady-state
call (getrusage) are deterministic: 0 when the output's memory is reused (the
suite keeps freed memory: common.keep_freed_memory), about 2000 when 8 MB are
new every call. Median of 5 calls after 2 warm-up calls; 1000x1000 float64,
random signs, C linker. The PR check runs all of these.
"""

import resource
import statistics

from .common import (
    DTYPE,
    FUNCTIONS,
    KIND,
    LINKER,
    SHAPE,
    VARIANT_NAMES,
    Deterministic,
    compile_function,
    make_data,
)

WARM_UP, CALLS = 2, 5


def minor_faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


class PageFaults(Deterministic):
    params = (VARIANT_NAMES, FUNCTIONS)
    param_names = ["variant", "function"]

    def setup(self, variant, function):
        f = compile_function(variant, DTYPE, function, LINKER)
        x = make_data(KIND, SHAPE, DTYPE)
        for _ in range(WARM_UP):
            f(x)
        counts = []
        for _ in range(CALLS):
            before = minor_faults()
            f(x)
            counts.append(minor_faults() - before)
        self.faults = statistics.median(counts)

    def track_faults(self, variant, function):
        """How many page faults does one steady-state call take? (1000x1000 float64, random signs, C linker.)"""
        return self.faults

    track_faults.unit = "faults"
