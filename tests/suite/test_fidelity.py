"""`relu-bench fidelity`: asv and the standalone loop, measured in turns, give a figure for every point without
touching the history; a point without asv's figure is reported and fails the command (exit 2), never skipped."""

import argparse
import re

import pytest
from conftest import ENV_DIR, relu_bench

from relu_bench.commands import fidelity
from relu_bench.config import asv_path
from relu_bench.envs import asv_run

RELEASE = "theano-1.0.5"
ROW = re.compile(r"^\| (\S+) \| (\S+ \S+) \| (.*?) \| (.*?) \| (.*?) \|$")


def rows(stdout):
    """{point: (asv cell, loop cell, ratio cell)} of the printed table."""
    return {m[2]: m.group(3, 4, 5) for m in map(ROW.match, stdout.splitlines()) if m and m[2] != "point"}


@pytest.mark.slow
def test_every_point_gets_both_figures_and_the_history_stays_untouched():
    results = asv_path("results_dir")
    before = sorted(results.rglob("*")) if results.exists() else []
    args = ["fidelity", "--release", RELEASE, "--env-dir", ENV_DIR, "--turns", 1]
    proc = relu_bench(*args, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    assert proc.returncode in (0, 1), log[-4000:]  # 1: a ratio above the goal, which is measured, not asserted
    table = rows(proc.stdout)
    points = {f"{name} {function}" for _, _, name, function in fidelity.POINTS}
    assert points <= set(table), log[-4000:]
    for point in points:
        asv, loop, ratio = table[point]
        assert re.fullmatch(r"\d+ µs \(×\d\.\d\d\)", asv) and re.fullmatch(r"\d+ µs \(×\d\.\d\d\)", loop), table[point]
        assert float(ratio) > 0
    assert (sorted(results.rglob("*")) if results.exists() else []) == before


def test_a_point_asv_gives_no_figure_for_exits_2(monkeypatch, capsys):
    lost = fidelity.POINTS[-1]

    def asv_turn(conf_path, output, commit, env, bench, rounds=None):
        return {
            (benchmark, params): 1e-3 for benchmark, params, *_ in fidelity.POINTS if (benchmark, params) != lost[:2]
        }

    def loop_turn(env, points):
        return {f"{name}/{function}": 1e-3 for _, _, name, function in fidelity.POINTS}

    monkeypatch.setattr(fidelity, "asv_turn", asv_turn)
    monkeypatch.setattr(fidelity, "loop_turn", loop_turn)
    args = argparse.Namespace(
        release=[RELEASE], all_releases=False, commit="HEAD", env_dir=ENV_DIR, turns=2, linker="c", rounds=None
    )
    assert fidelity.run(args) == 2
    table = rows(capsys.readouterr().out)
    assert table[f"{lost[2]} {lost[3]}"][0] == "missing in 2 of 2 asv runs"
    assert table[f"{fidelity.POINTS[0][2]} {fidelity.POINTS[0][3]}"][2] == "1.00"


def test_rounds_reach_every_asv_turn_as_asv_s_rounds_attribute(monkeypatch, tmp_path):
    """`fidelity --rounds 3`: each asv turn is `asv run ... --attribute rounds=3`; the loop is unchanged."""
    commands = []

    def asv(*cmd, env, check=True, quiet=False):
        commands.append(cmd)
        return 0

    monkeypatch.setattr(asv_run, "asv", asv)
    monkeypatch.setattr(asv_run, "define_machine", lambda *_: None)
    monkeypatch.setattr(fidelity, "loop_turn", lambda env, points: {})
    monkeypatch.setattr(fidelity, "asv_figures", lambda result_file: {})
    env = argparse.Namespace(name=RELEASE)
    fidelity.turns(tmp_path / "asv.conf.json", tmp_path, "0" * 40, env, [], "[]", 2, rounds=3)
    runs = [cmd for cmd in commands if cmd[0] == "run"]
    assert len(runs) == 2 and all(cmd[-2:] == ("--attribute", "rounds=3") for cmd in runs), runs


def test_a_variant_the_library_cannot_run_on_the_linker_is_a_row_saying_why_not_a_failure(monkeypatch, capsys):
    skipped = fidelity.POINTS[-1]
    reason = f"{skipped[2]} on c: a known failure"

    def asv_turn(conf_path, output, commit, env, bench, rounds=None):
        return {(b, params): 1e-3 for b, params, *_ in fidelity.POINTS if (b, params) != skipped[:2]}

    def loop_turn(env, points):
        found = {f"{name}/{function}": 1e-3 for _, _, name, function in fidelity.POINTS}
        return {**found, f"{skipped[2]}/{skipped[3]}": reason}

    monkeypatch.setattr(fidelity, "asv_turn", asv_turn)
    monkeypatch.setattr(fidelity, "loop_turn", loop_turn)
    args = argparse.Namespace(
        release=[RELEASE], all_releases=False, commit="HEAD", env_dir=ENV_DIR, turns=2, linker="c", rounds=None
    )
    assert fidelity.run(args) == 0
    assert rows(capsys.readouterr().out)[f"{skipped[2]} {skipped[3]}"][:2] == ("skipped", f"skipped: {reason}")
