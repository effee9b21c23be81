"""`relu-bench bench`'s asv run, as asv itself reads its arguments."""

from asv.commands import make_argparser

from relu_bench.commands.bench import run_arguments

ENVS = ["virtualenv-py3.11-theano", "virtualenv-py3.13-pytensor"]


def _parsed(cmd):
    parser, _ = make_argparser()
    return parser.parse_args(cmd)


def test_every_release_gets_its_rounds_in_turn_not_one_after_the_other():
    args = _parsed(run_arguments("hashes.txt", "m1", ENVS, ["^relu\\."], rounds=3))
    assert args.interleave_rounds is True
    assert args.env_spec == ENVS and args.machine == "m1" and args.bench == ["^relu\\."]
    assert args.attribute == {"rounds": 3}


def test_the_history_adds_only_what_is_missing():
    assert _parsed(run_arguments("hashes.txt", "m1", ENVS, [], skip_existing=True)).skip_existing
    assert not _parsed(run_arguments("hashes.txt", "m1", ENVS, [])).skip_existing
