"""Forward and gradient time of every ReLU variant, by size and dtype, C linker, random-sign data.

The PR check runs the 1000x1000 float64 column of these two (profile "pr" in relu_bench/profiles.json).
"""

from .common import DTYPES, KIND, LINKER, SHAPES, VARIANT_NAMES, Timing, compile_function, make_data


class Forward(Timing):
    params = (VARIANT_NAMES, SHAPES, DTYPES)
    param_names = ["variant", "shape", "dtype"]

    def setup(self, variant, shape, dtype):
        self.f = compile_function(variant, dtype, "forward", LINKER)
        self.x = make_data(KIND, shape, dtype)

    def time_forward(self, variant, shape, dtype):
        """How long does relu(x) take, per variant, size and dtype?

        Data: seeded standard normal with exact zeros (+0 and -0), random signs; C linker.
        """
        self.f(self.x)


class Gradient(Timing):
    params = (VARIANT_NAMES, SHAPES, DTYPES)
    param_names = ["variant", "shape", "dtype"]

    def setup(self, variant, shape, dtype):
        self.f = compile_function(variant, dtype, "gradient", LINKER)
        self.x = make_data(KIND, shape, dtype)

    def time_gradient(self, variant, shape, dtype):
        """How long does d sum(relu(x))/dx take, per variant, size and dtype?

        Data: seeded standard normal with exact zeros (+0 and -0), random signs; C linker.
        """
        self.f(self.x)
