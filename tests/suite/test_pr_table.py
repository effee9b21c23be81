"""relu_bench/check/pr_table.py: a reader sees the comparisons that changed first, with a count, and the rest
collapsed."""

import re

from relu_bench.check.comparisons import Comparison
from relu_bench.check.pr_table import render
from relu_bench.check.rule import SAME, SKIPPED, SLOWER


def comparison(name, status, ratio=1.0):
    return Comparison(
        name,
        "variant=relu_op",
        "theano-1.0.5",
        "time",
        "seconds",
        1e-4,
        1e-4 * ratio,
        ratio,
        status=status,
        note="no such linker" if status == SKIPPED else "",
    )


def test_only_changed_rows_are_shown_and_the_unchanged_are_collapsed_with_a_count():
    rows = [comparison(f"relu.Forward.time_{i}", SAME) for i in range(177)]
    rows += [comparison("linkers.Linkers.time_jax", SKIPPED), comparison("relu.Gradient.time_a", SLOWER, 1.2)]
    rows.append(comparison("relu.Gradient.time_b", SLOWER, 1.5))
    table = render(rows, "a" * 40, "b" * 40)
    shown, collapsed = table.split("<details>")
    assert "2 of 180 comparisons changed." in shown
    assert re.findall(r"`relu\.Gradient\.time_(\w)`", shown) == ["b", "a"]  # worst first
    assert "time_0`" not in shown and "time_jax" not in shown
    assert "<summary>178 unchanged" in collapsed and collapsed.count("`relu.Forward.time_") == 177
    assert "time_jax" in collapsed and collapsed.index("</details>") > collapsed.index("time_176`")


def test_a_run_with_nothing_unchanged_has_no_collapsed_section():
    table = render([comparison("relu.Gradient.time_a", SLOWER, 1.2)], "a" * 40, "b" * 40)
    assert "1 of 1 comparisons changed." in table and "<details>" not in table
