"""The noise model (relu_bench/report/noise.py) on synthetic runs: a drift shared by every point of a run, a quiet
compute-bound point, a memory-bound point whose figure is two-valued per run, and a real 10 % step."""

import json
import math
import random

import pytest

from relu_bench.check.agree import agreement, caught
from relu_bench.report import noise
from relu_bench.report.changes import timing_changes, unreachable
from relu_bench.report.results import Measurement, Release

RELEASES = [Release("pytensor", "3.0.7"), Release("pytensor", "3.3.8")]
COMPUTE = "relu.Gradient.time_gradient('relu_op', '1000x1000', 'float64')"
MEMORY = "relu.Gradient.time_gradient('mul_gt', '1000x1000', 'float64')"
FLOOR = "floors.Floors.time_floor('copy', '1000x1000', 'float64')"
SECONDS = {COMPUTE: 2e-3, MEMORY: 6e-4, FLOOR: 5.9e-4}


def one_run(rng, step=1.0, drift=0.03):
    """{point: (Measurement, floor)}: one run of both releases; `step` multiplies the newer release's COMPUTE."""
    shared = math.exp(rng.gauss(0, drift))
    found, floors = {}, {}
    for release in RELEASES:
        for entry, base in SECONDS.items():
            if entry == COMPUTE:
                own, width = math.exp(rng.gauss(0, 0.003)), 0.002
            else:  # two-valued: where the process's memory landed, drawn once a run
                own, width = rng.choice((1.0, 1.06)), 0.01
            seconds = base * shared * own * (step if entry == COMPUTE and release == RELEASES[1] else 1.0)
            variant = "copy" if entry == FLOOR else entry.split("'")[1]
            function = "floor" if entry == FLOOR else "gradient"
            t = Measurement(
                release, "c", "1000x1000", "float64", variant, function, seconds,
                (seconds * (1 - width), seconds * (1 + width)), "env", entry,
            )  # fmt: skip
            (floors if entry == FLOOR else found)[t.point] = t
    return {p: (t, floors[noise.point_key(t.release.label, FLOOR)]) for p, t in found.items()}


def model_of(rng, pairs=3):
    model = noise.NoiseModel("synthetic")
    for i in range(pairs):
        first, second = one_run(rng), one_run(rng)
        model = model.with_pair(noise.Pair([f"a{i}", f"b{i}"], "c0ffee", agreement(first, second, model).logs))
    return model


def test_a_run_s_shared_drift_is_taken_out_in_the_run_form():
    first, second = one_run(random.Random(1), drift=0), one_run(random.Random(1), drift=0)
    moved = {p: (t.__class__(**dict(vars(t), seconds=t.seconds * 1.05)), f) for p, (t, f) in second.items()}
    logs = agreement(first, moved, noise.UNMEASURED).logs
    assert all(math.isclose(v["raw"], math.log(1.05)) for v in logs.values())
    assert all(abs(v["run"]) < 1e-12 for v in logs.values())


def test_fresh_a_a_pairs_flag_nothing_where_the_model_was_measured():
    rng = random.Random(7)
    model = model_of(rng)
    flagged = sum(len(agreement(one_run(rng), one_run(rng), model).flagged["run"]) for _ in range(10))
    assert flagged == 0


def test_a_real_10_percent_step_at_a_quiet_point_is_listed_9_times_in_10():
    rng = random.Random(11)
    model = model_of(rng)
    listed = 0
    for _ in range(10):
        run = [t for t, _ in one_run(rng, step=1.10).values()]
        listed += any(c.subject.startswith("relu_op gradient") for c in timing_changes(run, model))
    assert listed >= 9


def test_the_conservative_default_misses_the_same_step():
    run = [t for t, _ in one_run(random.Random(11), step=1.10).values()]
    assert timing_changes(run, noise.UNMEASURED) == []


def test_the_two_valued_point_is_named_as_unable_to_show_10_percent_and_never_flagged():
    rng = random.Random(3)
    model = model_of(rng)
    blind = unreachable([t for t, _ in one_run(rng).values()], model)
    assert [a.variant for a, _, _ in blind] == ["mul_gt"]
    assert not any(c.subject.startswith("mul_gt") for _ in range(10) for c in timing_changes(
        [t for t, _ in one_run(rng).values()], model))  # fmt: skip


def test_power_counts_one_point_made_slower_at_a_time():
    rng = random.Random(5)
    model = model_of(rng)
    first, second = one_run(rng), one_run(rng)
    assert caught(first, second, model, 1.10) >= 2  # the relu_op gradient of both releases
    assert caught(first, second, model, 1.001) == 0


def test_a_point_never_measured_or_a_single_pair_needs_the_default():
    one = model_of(random.Random(2), pairs=1)
    point = noise.point_key("pytensor-3.3.8", COMPUTE)
    assert one.limit(point, point) == noise.DEFAULT_LIMIT and "1 A/A pair is stored" in one.describe()
    model = model_of(random.Random(2))
    assert model.limit("theano-1.0.5|x", "theano-1.0.5|x") == noise.DEFAULT_LIMIT
    assert "no A/A pair" in noise.NoiseModel("h").describe() and "A/A pair(s)" in model.describe()


def test_the_model_round_trips_and_a_corrupt_file_is_named(tmp_path):
    model = model_of(random.Random(2))
    path = model.save(tmp_path)
    again = noise.load(tmp_path, "synthetic")
    point = noise.point_key("pytensor-3.3.8", COMPUTE)
    assert again.sigma(point) == pytest.approx(model.sigma(point))
    path.write_text("{not json")
    with pytest.raises(noise.UserError, match=str(path)):
        noise.load(tmp_path, "synthetic")


def test_a_pair_stored_again_replaces_itself_and_is_left_out_when_judged():
    model = model_of(random.Random(2), pairs=2)
    again = model.with_pair(noise.Pair(["b0", "a0"], "c0ffee", model.pairs[0].logs))
    assert len(again.pairs) == 2 and len(again.without(["a0", "b0"], "c0ffee").pairs) == 1


def test_asv_regressions_page_takes_each_point_s_threshold_from_the_machine_s_model(tmp_path):
    from types import SimpleNamespace

    from asv.plugins.regressions import _GraphDataFilter

    import relu_bench.asv_plugin  # noqa: F401  (installs the threshold)

    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "machine.json").write_text('{"cpu": "c", "num_cpu": "2", "ram": "1", "machine": "m"}')
    entry = "relu.Gradient.time_gradient('mul_gt', '1000x1000', 'float64')"
    point = noise.point_key("theano-1.0.5", entry)
    model = noise.NoiseModel(noise.host_of(tmp_path / "m"))
    logs = {point: {"raw": 0.01, "floor": None, "run": 0.0}}
    model = model.with_pair(noise.Pair(["a", "b"], "c0ffee", logs)).with_pair(noise.Pair(["a", "c"], "c0ffee", logs))
    model.save(tmp_path)
    conf = SimpleNamespace(results_dir=str(tmp_path), regressions_thresholds={".*": 0.30})
    me = SimpleNamespace(conf=conf)
    graph = SimpleNamespace(params={"machine": "m", "theano": "1.0.5", "branch": "main"})
    measured = _GraphDataFilter._get_threshold(me, graph, {}, entry)
    assert measured == pytest.approx(model.limit(point, point, "raw") - 1) and measured < 0.30
    assert _GraphDataFilter._get_threshold(me, graph, {}, "relu.Forward.time_forward('x')") == 0.30


def test_a_named_asv_machine_records_its_hardware_for_the_noise_model(tmp_path, monkeypatch):
    from asv.machine import Machine

    from relu_bench.envs.asv_run import define_machine
    from relu_bench.envs.pythons import asv_environ

    monkeypatch.setenv("HOME", str(tmp_path))
    define_machine("aa1", dict(asv_environ(), HOME=str(tmp_path)))
    stored = json.loads((tmp_path / ".asv-machine.json").read_text())["aa1"]
    assert stored["cpu"] == Machine.get_defaults()["cpu"] and stored["machine"] == "aa1"
    (tmp_path / "aa1").mkdir()
    (tmp_path / "aa1" / "machine.json").write_text(json.dumps(stored))
    assert noise.host_of(tmp_path / "aa1").startswith(stored["cpu"] + ", ")
    (tmp_path / "aa1" / "machine.json").write_text('{"machine": "aa1"}')
    with pytest.raises(noise.UserError, match="does not name its hardware"):
        noise.host_of(tmp_path / "aa1")
