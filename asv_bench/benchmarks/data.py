"""Does the input data change the time? Each variant on random-sign, all-positive and sorted data.

One size and dtype (1000x1000 float64), C linker: generated code that branches is
fast on predictable data and slow on random signs (Theano 1.0.5's switch gradient: ~13x).
"""

from .common import DATA, DTYPE, LINKER, SHAPE, VARIANT_NAMES, Timing, compile_function, make_data


class InputData(Timing):
    params = (VARIANT_NAMES, DATA)
    param_names = ["variant", "data"]

    def setup(self, variant, data):
        self.forward = compile_function(variant, DTYPE, "forward", LINKER)
        self.gradient = compile_function(variant, DTYPE, "gradient", LINKER)
        self.x = make_data(data, SHAPE, DTYPE)

    def time_forward(self, variant, data):
        """Forward time by input data. Data: 1000x1000 float64, `signs` = seeded normal with exact
        zeros, `positive` = uniform [0, 1), `sorted` = the `signs` values in ascending order."""
        self.forward(self.x)

    def time_gradient(self, variant, data):
        """Gradient of sum(relu(x)) time by input data. Data: 1000x1000 float64, `signs` = seeded
        normal with exact zeros, `positive` = uniform [0, 1), `sorted` = the `signs` values sorted."""
        self.gradient(self.x)
