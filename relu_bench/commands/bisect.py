"""Which release did it? Bisect a library's releases on the package index for the one where a timing or a
meaning changed.

    relu-bench bisect LIBRARY GOOD BAD POINT [--pre] [--env-dir DIR]
    relu-bench bisect LIBRARY GOOD BAD POINT --commits [--repo PATH]

LIBRARY is theano, theano-pymc, aesara or pytensor; GOOD and BAD two of its releases, GOOD the older (the state
before the change, whether the change is a slowdown or a speed-up). POINT is what changed:
    VARIANT/value@AT, VARIANT/gradient@AT   a semantics cell (AT: 0, -0, inf, -inf, nan), float64, C linker:
                                            read exactly, by relu_impls/semantics.py in the release's environment
    VARIANT/forward, VARIANT/gradient       its time at 1000x1000 float64, C linker, random signs
    an asv benchmark name                   any other timed point, e.g. "relu.Forward.time_forward('relu_op',
                                            '100x100', 'float32')"

The releases between GOOD and BAD come from PyPI (post-releases kept, pre-releases with --pre, yanked ones left
out and named). Each release the search needs gets an asv environment derived by rule (a Python and numpy/scipy
pins it accepts; a matrix release gets its asv.conf.json line), built as asv builds one in .asv/env (or --env-dir)
and kept there for later bisections and runs; a release that cannot be installed or imported is skipped, named
with the reason, and the search goes on around it. A timing is measured in several fresh processes per release,
interleaved with the releases it is compared with, until the two neighbours it names differ beyond noise.

It prints a sentence and a table (each release measured: its Python and its value, or its figure — the median
over its processes — and spread, slowest ÷ fastest process), the PyPI page and GitHub releases page of the
two neighbours, and stores the result as JSON in .asv/bisect/, where `relu-bench report` finds it.

Example (this machine, 4 of its 6 releases measured, environments built from a warm pip cache: 1 min 2 s):
    $ relu-bench bisect theano 0.9.0 1.0.4 max_0x/gradient@0
    theano max_0x/gradient@0 changed from 1 to 0 between 0.9.0 and 1.0.0: ...

With --commits, GOOD and BAD are neighbouring releases and the search goes on into the library's git history
between their tags rel-GOOD and rel-BAD (--repo: a clone; docs/reference.md says how to get one), each commit
built once on top of GOOD's environment and cached by its hash; it prints the first commit like BAD: hash, date,
subject, its pull request and link, and stores the record beside the release record.

Exit status: 0 answered (a change found, or none), 2 GOOD or BAD could not be measured.
"""

import argparse
import functools
import time

from relu_bench.bisection import bisect_commits, bisect_record, releases
from relu_bench.bisection.bisect_point import checked, parse
from relu_bench.commands.common_args import add_command, add_env_dir, env_dir
from relu_bench.config import ROOT
from relu_bench.errors import UserError


def setup_arguments(subparsers):
    parser = add_command(subparsers, "bisect", __doc__, run)
    parser.add_argument("library", choices=["theano", "theano-pymc", "aesara", "pytensor"])
    parser.add_argument("good", help="the older release, before the change")
    parser.add_argument("bad", help="the newer release, after the change")
    parser.add_argument(
        "point", type=checked_point, help="max_0x/gradient@0 (a semantics cell), max_x0/gradient (a timing), ..."
    )
    parser.add_argument("--pre", action="store_true", help="include pre-releases (a, b, rc, dev)")
    parser.add_argument("--commits", action="store_true", help="bisect the git history between GOOD and BAD")
    parser.add_argument("--repo", help="with --commits: the library's git clone (default: ./LIBRARY)")
    add_env_dir(parser)


def checked_point(text):
    """POINT as typed, once it names a cell or a benchmark of the suite: before any environment is built."""
    try:
        checked(text)
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
    return text


def question_of(args):
    """The bisection's Question from the parsed arguments (--pre and --repo read where present)."""
    return bisect_record.Question(
        args.library,
        args.good,
        args.bad,
        args.point,
        pre=getattr(args, "pre", False),
        commits=args.commits,
        repo=getattr(args, "repo", None),
        env_dir=args.env_dir,
    )


def run(args):
    started = time.monotonic()
    target = parse(args.point)
    question = question_of(args)
    if args.commits:
        release_python = functools.partial(releases.release_python, args.library, env_dir=env_dir(args))
        record = bisect_commits.bisect(question, target, release_python, started)
        print(f"\n{record['sentence']}\n\n{bisect_record.table(record)}\n")
        for side in ("last", "first"):
            if record["commits"][side]:
                print(
                    f"{side} like {'GOOD' if side == 'last' else 'BAD'}: "
                    + bisect_commits.line_of(record["commits"][side])
                )
        built = record["commits"]["built"]
        print(f"\nstored in {bisect_record.save(record)} ({record['seconds']:.0f} s, {built} builds)")
        return 0
    record = releases.bisect(question, target, env_dir(args), started)
    print(f"\n{record['sentence']}\n\n{bisect_record.table(record)}\n")
    for line in bisect_record.links(record):
        print(line)
    print(f"\nstored in {bisect_record.save(record).relative_to(ROOT)} ({record['seconds']:.0f} s)")
    return 0
