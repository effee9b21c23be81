"""What a bisection looks at (relu_bench/bisection/bisect_point.py): POINT parsed to a semantics cell or an asv
benchmark."""

import pytest

from relu_bench.bisection.bisect_point import Cell, TimedBenchmark, parse
from relu_bench.errors import UserError


def test_points_parse_to_a_cell_or_an_asv_benchmark():
    assert parse("max_0x/gradient@0") == Cell("max_0x", "gradient", "0")
    assert parse("relu_op/value@-inf") == Cell("relu_op", "value", "-inf")
    assert parse("max_x0/gradient") == TimedBenchmark("relu.Gradient.time_gradient('max_x0', '1000x1000', 'float64')")
    name = "relu.Forward.time_forward('relu_op', '100x100', 'float32')"
    assert parse(name) == TimedBenchmark(name)
    for bad in ("maxx0/gradient", "max_x0/gradient@1", "max_x0"):
        with pytest.raises(UserError):
            parse(bad)
