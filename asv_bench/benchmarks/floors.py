"""What the hardware allows: the floors every variant's time is read against.

`copy` (x.copy(), compiled) is the floor of the forward pass: read n values, write n.
`gt` (x > 0, compiled) is the ideal gradient, a mask. `numpy_maximum` is numpy's own
maximum(z, 0), no library involved. Same sizes, dtypes and data as relu.py.
"""

import numpy as np

from .common import DTYPES, KIND, LINKER, SHAPES, Timing, compile_function, make_data

FLOOR_NAMES = ["copy", "gt", "numpy_maximum"]


class Floors(Timing):
    params = (FLOOR_NAMES, SHAPES, DTYPES)
    param_names = ["floor", "shape", "dtype"]

    def setup(self, floor, shape, dtype):
        if floor == "numpy_maximum":
            self.f = lambda z: np.maximum(z, 0)
        else:
            self.f = compile_function(floor, dtype, "forward", LINKER)
        self.x = make_data(KIND, shape, dtype)

    def time_floor(self, floor, shape, dtype):
        """How fast can an elementwise pass over x go here? Data: seeded normal with exact zeros
        (random signs), as relu.py; compiled floors use the C linker."""
        self.f(self.x)
