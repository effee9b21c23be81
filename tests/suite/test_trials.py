"""Randomized interleaved trials (relu_bench/trials.py): rounds, order, figures, failures; no real process is run."""

from pathlib import Path

from relu_bench.trials import Arm, Outcome, TrialPlan, interleaved

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
    out = interleaved(arms(), ["relu"], TrialPlan(processes=6, blocks=3, calls=1), run=run)
    rounds = [calls[i : i + 2] for i in range(0, 12, 2)]
    assert all(sorted(r) == ["b", "h"] for r in rounds)
    assert len({tuple(r) for r in rounds}) == 2  # both orders occur: drift falls on both arms
    assert out["base"][NAME].figures == [1e-3 * 1.01] * 6  # each process: the median of its blocks
    assert out["head"][NAME].median == 2e-3 * 1.01
    assert out["head"][NAME].spread == 1.0


def test_a_failing_process_fails_its_arm_only():
    run, _ = fake_runner({"b": 1e-3, "h": 2e-3}, fail={"h"})
    out = interleaved(arms(), ["relu"], TrialPlan(processes=4, blocks=3, calls=1), run=run)
    assert out["base"][NAME].state == "ok" and len(out["base"][NAME].figures) == 4
    assert out["head"][NAME].state == "failed: a process failed: Segmentation fault"
    assert len(out["head"][NAME].figures) == 1  # what came before the failure is kept


def test_a_skip_is_a_state_without_figures():
    def run(python, plan):
        return {NAME: {"label": "variant=relu_op", "sides": [{"skip": "theano 0.7 has no relu"}]}}

    out = interleaved(arms()[:1], ["relu"], TrialPlan(processes=2, blocks=3, calls=1), run=run)
    assert out["base"][NAME] == Outcome("variant=relu_op", {"skip": "theano 0.7 has no relu"}, [])
    assert out["base"][NAME].state == "skipped: theano 0.7 has no relu"
    assert out["base"][NAME].median is None
