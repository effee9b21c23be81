"""Numbers are checked where they enter: a count below 1, a threshold at or below 1, an alpha outside (0, 1) get
argparse's own message and exit 2 before anything runs (git's --max-count=-5 means no limit; 0 blocks time nothing)."""

import argparse

import pytest

from relu_bench.__main__ import main
from relu_bench.bisection import releases
from relu_bench.commands import bench, bisect, compare, fidelity


def parse(module, argv):
    parser = argparse.ArgumentParser(prog="relu-bench")
    module.setup_arguments(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


@pytest.mark.parametrize(
    "module, argv, message",
    [
        (bench, ["bench", "--last", "-5"], "--last: must be at least 1, not -5"),
        (bench, ["bench", "--last", "0"], "--last: must be at least 1, not 0"),
        (bench, ["bench", "--rounds", "0"], "--rounds: must be at least 1, not 0"),
        (fidelity, ["fidelity", "--rounds", "0"], "--rounds: must be at least 1, not 0"),
        (fidelity, ["fidelity", "--turns", "0"], "--turns: must be at least 1, not 0"),
        (compare, ["compare", "B", "H", "--blocks", "0"], "--blocks: must be at least 1, not 0"),
        (compare, ["compare", "B", "H", "--threshold", "0.9"], "--threshold: must be a ratio above 1"),
        (compare, ["compare", "B", "H", "--threshold", "nan"], "--threshold: not a number: nan"),
        (compare, ["compare", "B", "H", "--alpha", "1.5"], "--alpha: must be between 0 and 1"),
        (compare, ["compare", "B", "H", "--alpha", "0"], "--alpha: must be between 0 and 1"),
        (compare, ["compare", "B", "H", "--blocks", "x"], "--blocks: not an integer: 'x'"),
    ],
)
def test_a_number_out_of_range_is_argparse_s_message(module, argv, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        parse(module, argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_bisect_of_a_benchmark_the_suite_lacks_is_refused_before_any_environment(monkeypatch, capsys):
    def no_environment(*_):
        raise AssertionError("an environment was built")

    monkeypatch.setattr(releases.ReleaseBuilds, "prepare", no_environment)
    monkeypatch.setattr(releases, "fetch", no_environment)
    with pytest.raises(SystemExit) as exit_:
        parse(bisect, ["bisect", "theano", "0.9.0", "1.0.4", "foo.bar(1)"])
    assert exit_.value.code == 2
    assert "argument point: no timed benchmark 'foo.bar(1)' in the suite" in capsys.readouterr().err
    named = "relu.Forward.time_forward('relu_op', '100x100', 'float64')"
    assert parse(bisect, ["bisect", "theano", "0.9.0", "1.0.4", named]).point == named


def test_numbers_in_range_pass():
    args = parse(compare, ["compare", "B", "H", "--blocks", "3", "--threshold", "1.05", "--alpha", "0.05"])
    assert (args.blocks, args.threshold, args.alpha) == (3, 1.05, 0.05)
    assert parse(bench, ["bench", "--last", "2"]).last == 2
    assert parse(bench, ["bench", "--rounds", "3"]).rounds == 3


def earlier_run(output):
    """An earlier check's --output: its suite, config and timings, which a mistaken call must leave alone."""
    files = {"suite/asv_bench/x.py": "x = 1\n", "asv.conf.json": "{}", "timings.json": '{"paired": {}}'}
    for name, text in files.items():
        (output / name).parent.mkdir(parents=True, exist_ok=True)
        (output / name).write_text(text)
    return files


def left_alone(output, files):
    return all((output / name).read_text() == text for name, text in files.items())


def test_compare_of_one_commit_with_itself_touches_nothing(tmp_path, capsys):
    files = earlier_run(tmp_path)
    assert main(["compare", "HEAD", "HEAD", "--no-run", "--output", str(tmp_path)]) == 2
    assert "same commit" in capsys.readouterr().err and left_alone(tmp_path, files)


def test_no_run_refuses_the_timings_of_other_commits_before_touching_anything(tmp_path, capsys):
    files = earlier_run(tmp_path)
    assert main(["compare", "HEAD~1", "HEAD", "--no-run", "--output", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "timings of another base, head, releases, bench" in err and left_alone(tmp_path, files), err
    (tmp_path / "timings.json").write_text('{"paired": ')
    assert main(["compare", "HEAD~1", "HEAD", "--no-run", "--output", str(tmp_path)]) == 2
    assert "timings.json: not valid JSON" in capsys.readouterr().err
