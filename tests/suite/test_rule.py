"""The pull-request check's rule (relu_bench/check/rule.py) on made-up numbers: paired and across-process timings
turned into comparisons (relu_bench/check/comparisons.py) and judged."""

import math
import traceback

from conftest import across_processes, judged, measured

from relu_bench.check.comparisons import Comparison, of_timings
from relu_bench.check.rule import (
    FAILED,
    FASTER,
    NEW,
    RULE,
    SAME,
    SKIPPED,
    SLOWER,
    STILL_FAILING,
    VANISHED,
    WORSE,
    exit_code,
    holm,
    judge,
)
from relu_bench.measure.paired import summarize
from relu_bench.measure.significance import t_test_p


def test_a_process_wide_slowdown_that_pairing_cannot_see_is_flagged():
    """HEAD sets -O0 for the whole process: the paired process imported the library once and reads 1.00."""
    (c,) = judged(measured([1.0], jitter=(0.99, 1.0, 1.01)), across_processes([14.6], jitter=(0.9, 1.0, 1.1)))
    assert c.status == SLOWER and exit_code([c]) == 1
    assert abs(c.ratio - 1.0) < 0.02 and c.process_ratio > 13
    assert "separate processes only: something process-wide" in c.note


def test_process_noise_alone_passes():
    (c,) = judged(measured([1.0], jitter=(0.99, 1.01)), across_processes([1.0], jitter=(0.8, 1.25, 1.0, 0.95)))
    assert c.status == SAME and not c.significant


def test_a_head_that_fails_only_in_its_own_processes_fails():
    across = across_processes([1.0])
    name = next(iter(across["env"]))
    across["env"][name]["sides"] = ["ok", {"error": "Traceback...\nValueError: unknown flag"}]
    (c,) = judged(measured([1.0]), across)
    assert c.status == FAILED and "separate processes" in c.note and "ValueError" in c.note


def test_more_instructions_in_a_faster_variant_are_noted_not_blocking():
    """maximum(0, x) for x*(x>0): 0.79x the time, 1.73x the instructions."""
    faster = judged(measured([0.79], jitter=(0.99, 1.01)))[0]
    faster.params = "variant=mul_gt, shape=1000x1000, dtype=float64"
    count = Comparison(
        "instructions.Instructions.track_instructions",
        "variant=mul_gt, function=forward",
        "env",
        "track",
        "instructions",
        1_000_000,
        1_730_000,
    )
    other = Comparison(
        "instructions.Instructions.track_instructions",
        "variant=max_x0, function=forward",
        "env",
        "track",
        "instructions",
        1_000_000,
        1_730_000,
    )
    judge([faster, count, other])
    assert faster.status == FASTER and count.status == SAME and "×1.73, but significantly faster" in count.note
    assert other.status == WORSE  # no faster timing of its own
    assert exit_code([faster, count, other]) == 1


def test_any_increase_of_a_track_figure_fails():
    c = Comparison("graph.Graph.track_nodes", "variant=v", "env", "track", "nodes", 3, 4)
    judge([c])
    assert c.status == WORSE and exit_code([c]) == 1


def test_instruction_counts_fail_beyond_their_tolerance_only():
    def counted(base, head):
        return Comparison(
            "instructions.Instructions.track_instructions", "v", "env", "track", "instructions", base, head
        )

    within, beyond = counted(1_000_000, 1_000_000 * (RULE.instructions - 0.005)), counted(1_000_000, 1_040_000)
    judge([within, beyond])
    assert within.status == SAME and beyond.status == WORSE and exit_code([within, beyond]) == 1


def test_page_faults_fail_when_a_call_takes_fresh_memory():
    def faults(base, head):
        return Comparison("faults.PageFaults.track_faults", "v", "env", "track", "faults", base, head)

    jitter, fresh_output = faults(0, RULE.faults), faults(0, 1953)  # 8 MB of new pages per call
    judge([jitter, fresh_output])
    assert jitter.status == SAME and fresh_output.status == WORSE and exit_code([jitter, fresh_output]) == 1


def test_a_small_significant_difference_below_the_threshold_passes():
    (c,) = judged(measured([1 + (RULE.threshold - 1) / 2], jitter=(0.99, 1.0, 1.01)))
    assert c.significant and c.status == SAME and exit_code([c]) == 0


def test_a_large_difference_within_the_noise_passes():
    """The median block ratio is beyond the threshold, but as many blocks went the other way."""
    (c,) = judged(measured([1.0], jitter=(0.7, 1.5, 1.4)))
    assert c.ratio > RULE.threshold and not c.significant and c.status == SAME


def test_a_ten_percent_slowdown_of_one_timing_among_many_is_flagged_and_only_it():
    comparisons = judged(measured([1.10] + [1.0] * 17, jitter=(0.98, 1.0, 1.02, 0.99, 1.01)))
    assert [c.status for c in comparisons] == [SLOWER] + [SAME] * 17, [(c.ratio, c.p) for c in comparisons]
    assert abs(comparisons[0].ratio - 1.10) < 0.01 and exit_code(comparisons) == 1


def test_a_slowdown_of_every_timing_is_seen():
    """No normalization by the other benchmarks: every timing 20 % slower is flagged, every one."""
    comparisons = judged(measured([1.2] * 10, jitter=(0.98, 1.0, 1.02)))
    assert [c.status for c in comparisons] == [SLOWER] * 10 and exit_code(comparisons) == 1


def test_a_speedup_is_reported_and_passes():
    comparisons = judged(measured([0.8, 1.0], jitter=(0.99, 1.01)))
    assert [c.status for c in comparisons] == [FASTER, SAME] and exit_code(comparisons) == 0


def test_what_a_side_that_could_not_time_means():
    ok, skip, error = "ok", {"skip": "no nnet in this release"}, {"error": "Traceback...\nRuntimeError: broken"}
    cases = [((ok, error), FAILED), ((ok, skip), VANISHED), ((skip, skip), SKIPPED), ((skip, ok), NEW)]
    outcome = {f"t{i}": {"label": "", "sides": list(sides), "blocks": []} for i, (sides, _) in enumerate(cases)}
    comparisons = judged({"env": outcome})
    assert [c.status for c in comparisons] == [status for _, status in cases]
    assert "RuntimeError: broken" in comparisons[0].note and exit_code(comparisons) == 2


def test_an_environment_whose_paired_timing_could_not_run_fails_the_check():
    (c,) = judged({"env": {"error": "paired timing failed in python:\nSyntaxError: invalid syntax"}})
    assert c.status == FAILED and "SyntaxError" in c.note and exit_code([c]) == 2


def test_a_failure_note_quotes_the_exception_not_the_hint_a_library_appends():
    # As PyTensor raises a compile error: the node and a hint appended to the message, below the exception line.
    hint = "HINT: Set PyTensor `config.exception_verbosity` to `medium` or `high` for more information"
    try:
        try:
            raise KeyError("relu")
        except KeyError:
            raise AssertionError(f"key collision\nApply node that caused the error: relu(x)\n{hint}") from None
    except AssertionError:
        error = traceback.format_exc()
    outcome = {"t": {"label": "", "sides": ["ok", {"error": error}], "blocks": []}}
    assert of_timings({"env": outcome})[0].note == "raised in HEAD: AssertionError: key collision"
    during = f"{error}\nDuring handling of the above exception, another occurred:\n\n{error.replace('key', 'lock')}"
    (c,) = of_timings({"env": {"error": f"paired timing failed in python3.13:\n{during}"}})
    assert c.note == "could not run: AssertionError: lock collision"


def test_holm_corrects_for_many_comparisons():
    assert holm([0.001, 0.04, 0.03], 0.05) == [True, False, False]
    assert holm([0.001, 0.02, 0.03], 0.05) == [True, True, True]


def test_a_failure_outranks_a_slowdown():
    slower = Comparison("relu.Forward.time_forward", "variant=v", "env", "time", "seconds", 1.0, 2.0, status=SLOWER)
    broken = Comparison("relu.Forward.time_forward", "variant=w", "env", "time", "seconds", 1.0, None, status=FAILED)
    assert exit_code([slower, broken]) == 2


def test_a_timing_that_fails_in_base_and_head_is_still_failing_shown_not_blocking():
    outcome = {"t": {"label": "", "sides": [{"error": "E: x\n"}, {"error": "E: x\n"}], "blocks": []}}
    (c,) = judge(of_timings({"env": outcome}))
    assert c.status == STILL_FAILING and exit_code([c]) == 0 and "BASE and HEAD" in c.note
    head_only = {"t": {"label": "", "sides": ["ok", {"error": "E: x\n"}], "blocks": []}}
    assert exit_code(judge(of_timings({"env": head_only}))) == 2


def noisy_rounds(shifts, seed, rounds=8, sd=0.08):
    """Outcomes across processes of timings whose HEAD/BASE log ratio per round is shift + N(0, sd): each process
    draws its own layout, so each timing moves its own way."""
    import random

    from relu_bench.check.prcheck import POOLED, pooled

    rng = random.Random(seed)
    found = {}
    for i, shift in enumerate(shifts):
        blocks = [[1e-3, 1e-3 * math.exp(shift + rng.gauss(0, sd))] for _ in range(rounds)]
        found[f"relu.Forward.time_forward('v{i}')"] = dict({"label": f"v{i}", "sides": ["ok", "ok"], "blocks": blocks})
        found[f"relu.Forward.time_forward('v{i}')"].update(summarize(blocks, t_test_p))
    found[POOLED] = pooled(found)
    return {"env": found}


def test_a_process_wide_10_percent_on_half_the_timings_is_caught_by_their_mean_9_times_in_10():
    shifts = [math.log(1.10)] * 8 + [0.0] * 8
    caught_alone = caught_pooled = 0
    for seed in range(10):
        across = noisy_rounds(shifts, seed)
        paired = measured([1.0] * 16, jitter=(0.99, 1.0, 1.01))
        rows = judged(paired, across)
        caught_pooled += any(c.status == SLOWER for c in rows if c.benchmark == "(every timing)")
        caught_alone += any(c.status == SLOWER for c in rows if c.benchmark != "(every timing)")
    assert caught_pooled >= 9 and caught_alone <= 5


def test_an_identical_tree_passes_the_pooled_test_across_processes():
    for seed in range(20):
        rows = judged(measured([1.0] * 16, jitter=(0.99, 1.0, 1.01)), noisy_rounds([0.0] * 16, seed))
        assert exit_code(rows) == 0, seed


def test_the_mean_does_not_blame_twice_what_one_slower_timing_explains():
    shifts = [math.log(3.0)] + [0.0] * 15
    rows = judged(measured([1.0] * 16, jitter=(0.99, 1.0, 1.01)), noisy_rounds(shifts, 0, sd=0.01))
    slower = [c.benchmark + c.params for c in rows if c.status == SLOWER]
    assert slower == ["relu.Forward.time_forwardvariant=v0"]
    (mean,) = [c for c in rows if c.benchmark == "(every timing)"]
    assert "explain" in mean.note


def test_a_timing_with_no_blocks_is_a_failure_named_not_a_crash():
    outcome = {"t": {"label": "", "sides": ["ok", "ok"], "blocks": []}}
    (c,) = judge(of_timings({"env": outcome}))
    assert c.status == FAILED and "no timing blocks" in c.note
