"""Which linker runs each variant fastest (C, Numba, JAX), where the library has several.

One size and dtype (1000x1000 float64), random-sign data. A linker the release lacks,
or whose package is not installed, is skipped with the reason.
"""

from .common import DTYPE, KIND, LINKERS, SHAPE, VARIANT_NAMES, Timing, compile_function, make_data


class Linkers(Timing):
    params = (VARIANT_NAMES, LINKERS)
    param_names = ["variant", "linker"]

    def setup(self, variant, linker):
        self.forward = compile_function(variant, DTYPE, "forward", linker)
        self.gradient = compile_function(variant, DTYPE, "gradient", linker)
        self.x = make_data(KIND, SHAPE, DTYPE)
        # Numba and JAX compile on the first call; keep that out of the samples.
        self.forward(self.x)
        self.gradient(self.x)

    def time_forward(self, variant, linker):
        """Forward time per linker. Data: 1000x1000 float64 seeded normal with exact zeros (random signs)."""
        self.forward(self.x)

    def time_gradient(self, variant, linker):
        """Gradient time per linker. Data: 1000x1000 float64 seeded normal with exact zeros (random signs)."""
        self.gradient(self.x)
