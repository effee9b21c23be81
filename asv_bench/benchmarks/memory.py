"""Peak memory of the gradient evaluation, per variant.

4000x4000 float64 (128 MB per array), random-sign data, C linker: temporaries
beyond the input and the result show up as extra multiples of 128 MB. asv's
peakmem is the process's maximum resident size, so it includes the library and
the input: compare variants within one release, not across releases.
"""

from .common import KIND, LINKER, VARIANT_NAMES, Deterministic, compile_function, make_data

SHAPE, DTYPE = "4000x4000", "float64"


class Memory(Deterministic):
    params = (VARIANT_NAMES,)
    param_names = ["variant"]

    def setup(self, variant):
        self.f = compile_function(variant, DTYPE, "gradient", LINKER)
        self.x = make_data(KIND, SHAPE, DTYPE)

    def peakmem_gradient(self, variant):
        """Peak resident memory while evaluating d sum(relu(x))/dx once.
        Data: 4000x4000 float64 seeded normal with exact zeros (random signs)."""
        self.f(self.x)
