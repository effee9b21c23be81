"""Interleaved rounds across processes (relu_bench/measure/across_processes.py): rounds, order, figures, failures;
no real process is run."""

from pathlib import Path

from relu_bench.measure.across_processes import Arm, Outcome, RoundsPlan, interleaved

NAME = "relu.Forward.time_forward('relu_op', '1000x1000', 'float64')"


def fake_runner(seconds, fail=()):
    """A stand-in for one worker process: arm python -> seconds per call; the calls made, in order."""
    calls = []

    def run(python, plan):
        calls.append(str(python))
        if str(python) in fail and calls.count(str(python)) > 1:
            raise RuntimeError("timing process failed (exit 1):\nSegmentation fault")
        blocks = [[seconds[str(python)] * (1 + 0.01 * b)] for b in range(plan["blocks"])]
        return {NAME: {"label": "variant=relu_op", "sides": ["ok"], "blocks": blocks}}

    return run, calls


def arms():
    return [Arm("base", Path("b"), Path(".")), Arm("head", Path("h"), Path("."))]


def test_every_arm_runs_once_a_round_in_a_shuffled_order():
    run, calls = fake_runner({"b": 1e-3, "h": 2e-3})
    out = interleaved(arms(), ["relu"], RoundsPlan(processes=6, blocks=3, calls=1), run=run)
    rounds = [calls[i : i + 2] for i in range(0, 12, 2)]
    assert all(sorted(r) == ["b", "h"] for r in rounds)
    assert len({tuple(r) for r in rounds}) == 2  # both orders occur: drift falls on both arms
    assert out["base"][NAME].figures == [1e-3 * 1.01] * 6  # each process: the median of its blocks
    assert out["head"][NAME].median == 2e-3 * 1.01
    assert out["head"][NAME].spread == 1.0


def test_a_failing_process_fails_its_arm_only():
    run, _ = fake_runner({"b": 1e-3, "h": 2e-3}, fail={"h"})
    out = interleaved(arms(), ["relu"], RoundsPlan(processes=4, blocks=3, calls=1), run=run)
    assert out["base"][NAME].state == "ok" and len(out["base"][NAME].figures) == 4
    assert out["head"][NAME].state == "failed: a process failed: Segmentation fault"
    assert len(out["head"][NAME].figures) == 1  # what came before the failure is kept


def test_a_skip_is_a_state_without_figures():
    def run(python, plan):
        return {NAME: {"label": "variant=relu_op", "sides": [{"skip": "theano 0.7 has no relu"}]}}

    out = interleaved(arms()[:1], ["relu"], RoundsPlan(processes=2, blocks=3, calls=1), run=run)
    assert out["base"][NAME] == Outcome("variant=relu_op", {"skip": "theano 0.7 has no relu"}, [])
    assert out["base"][NAME].state == "skipped: theano 0.7 has no relu"
    assert out["base"][NAME].median is None


QUIET = "relu.Forward.time_forward('max_x0', '1000x1000', 'float64')"


def two_valued_runner(slower, seed=0):
    """Processes whose figure is two-valued (×1.0 or ×1.10, drawn per process, as a VM's memory bandwidth);
    HEAD's NAME `slower` times BASE's, QUIET the same in both and without noise. Runs only what plan["bench"] asks."""
    import random
    import re

    rng = random.Random(seed)
    asked = []

    def run(python, plan):
        names = [n for n in (NAME, QUIET) if any(re.search(r, n) for r in plan["bench"])]
        asked.append(names)
        found = {}
        for name in names:
            seconds = 1e-3 * (slower if str(python) == "h" and name == NAME else 1.0)
            seconds *= rng.choice((1.0, 1.10)) if name == NAME else 1.0
            found[name] = {"label": name.split("(")[1], "sides": ["ok"], "blocks": [[seconds]] * plan["blocks"]}
        return found

    return run, asked


def judged(outcomes, rounds_of_quiet=None):
    from relu_bench.check.comparisons import of_timings
    from relu_bench.check.prcheck import POOLED, across_processes, pooled
    from relu_bench.check.rule import judge

    found = {n: across_processes(outcomes["base"][n], outcomes["head"][n]) for n in (NAME, QUIET)}
    paired = {n: dict(r, blocks=[[1.0, 1.0]] * 30, ratio=1.0, p=1.0) for n, r in found.items()}
    found[POOLED] = pooled(found)  # over every round, the sequential ones too
    comparisons = judge(of_timings({"env": paired}, {"env": found}))
    return {c.benchmark + c.params: c.status for c in comparisons}, found


def test_sequential_rounds_go_to_the_undecided_timing_only_and_decide_a_process_wide_12_percent():
    from relu_bench.check.prcheck import _summaries, undecided
    from relu_bench.measure.across_processes import sequential

    plan = RoundsPlan(processes=8, blocks=3, calls=1, more=8, most=32)
    run, asked = two_valued_runner(1.12)
    out = sequential(arms(), ["relu"], plan, Path("."), lambda o: undecided(_summaries(o)), run=run)
    assert len(out["base"][NAME].figures) > 8 and len(out["base"][QUIET].figures) == 8
    assert all(names == [NAME] for names in asked[16:])  # the extra rounds time the undecided one alone
    statuses, _ = judged(out)
    assert "slower" in statuses.values()


def test_eight_rounds_alone_leave_the_same_change_undecided():
    from relu_bench.check.prcheck import _summaries, undecided

    run, _ = two_valued_runner(1.12)
    out = interleaved(arms(), ["relu"], RoundsPlan(processes=8, blocks=3, calls=1), run=run)
    assert undecided(_summaries(out)) == [NAME]
    statuses, _ = judged(out)
    assert (
        statuses["relu.Forward.time_forward" + NAME.split("(")[1]] != "slower"
    )  # the timing's own test cannot tell yet


def test_a_timing_that_reads_faster_gets_no_more_rounds():
    """The verdict blocks on slower only: rounds spent deciding a faster timing are the PR check's time wasted."""
    from relu_bench.check.prcheck import _summaries, undecided

    for seed in range(10):
        run, _ = two_valued_runner(1 / 1.12, seed)
        out = interleaved(arms(), ["relu"], RoundsPlan(processes=8, blocks=3, calls=1), run=run)
        assert _summaries(out)[NAME]["ratio"] < 1, seed
        assert undecided(_summaries(out)) == [], seed


def test_an_identical_tree_stays_the_same_with_sequential_rounds():
    from relu_bench.check.prcheck import _summaries, undecided
    from relu_bench.measure.across_processes import sequential

    plan = RoundsPlan(processes=8, blocks=3, calls=1, more=8, most=32)
    for seed in range(10):
        run, _ = two_valued_runner(1.0, seed)
        out = sequential(arms(), ["relu"], plan, Path("."), lambda o: undecided(_summaries(o)), run=run)
        statuses, _ = judged(out)
        assert set(statuses.values()) == {"same"}, seed
