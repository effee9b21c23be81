"""relu_bench/check/prcheck.py: what the check adds to the rule, so that a run that measured nothing cannot pass."""

from conftest import judged, measured

from relu_bench.check.comparisons import Comparison
from relu_bench.check.prcheck import uncompared_families, vanished_timings
from relu_bench.check.rule import FAILED, SAME, SKIPPED, VANISHED, exit_code


def test_a_timing_the_worker_never_returned_vanishes():
    """HEAD's code printing `{}` at exit, or a worker that selects nothing, once passed with no rows."""
    expected = {"relu.Forward.time_forward('v0')": "variant=v0", "relu.Forward.time_forward('v1')": "variant=v1"}
    paired = measured([1.0])  # only v0 came back
    (c,) = vanished_timings(expected, paired, {"env": {"error": "could not run"}})
    assert (c.benchmark, c.params, c.status) == ("relu.Forward.time_forward", "variant=v1", VANISHED)


def test_a_run_that_compared_no_instructions_fails():
    def counted(status, env="env"):
        return Comparison(
            "instructions.Instructions.track_instructions", "v", env, "track", "instructions", 1, 1, status=status
        )

    rows = judged(measured([1.0])) + [counted(SKIPPED), counted(SKIPPED)]
    rows += judged({"other": measured([1.0])["env"]}) + [counted(SAME, "other")]
    (c,) = uncompared_families(rows, ["env", "other"])
    assert (c.env, c.status) == ("env", FAILED) and "no instructions compared" in c.note
    assert exit_code(rows + [c]) == 2
