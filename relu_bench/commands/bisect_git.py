"""`relu-bench bisect ... --commits`: release bisection's search over the commits between two neighbouring
releases' tags. Every input is checked (the repository, both tags, a merge base, POINT) before anything is built."""

from pathlib import Path

from relu_bench.bisection import bisect_commits, bisect_record
from relu_bench.bisection.bisect_point import Cell
from relu_bench.bisection.bisect_search import Skipped, bisect_cell, bisect_timing
from relu_bench.config import ROOT
from relu_bench.errors import UserError

CACHE = ROOT / ".asv" / "commits"


def search(point, builds, shas, timing_measure):
    if isinstance(point, Cell):
        return bisect_cell(shas, lambda sha: point.read(builds.prepare(sha), ROOT))
    return bisect_timing(shas, builds.prepare, timing_measure(builds, point))


def run_commits(args, point, started, release, python=None, cache=CACHE):
    """release: commands/bisect.py, whose release_python, timing_measure, rows and IMPORT_CHECK release bisection
    uses too."""
    repo = bisect_commits.check_repo(args.repo or Path(args.library), args.library)
    shas, note = bisect_commits.commits_between(repo, args.good, args.bad)
    print(
        f"{args.library}: {len(shas)} commits from rel-{args.good} to rel-{args.bad}" + (f" ({note})" if note else "")
    )
    # GOOD's release environment; where an end cannot be built or measured there (Theano 1.0.0 does not import on
    # GOOD 0.9.0's Python 3.9), BAD's. Builds are cached per environment, so a FAILED in one is no verdict on another.
    ends = [(python, None)] if python is not None else [args.good, args.bad]
    for n, end in enumerate(ends):
        if isinstance(end, tuple):
            python, line = end
        else:
            python, line = release.release_python(args, end)
        builds = bisect_commits.CommitBuilds(
            repo, python, Path(cache) / args.library / env_key(python), ROOT, release.IMPORT_CHECK
        )
        try:
            result = search(point, builds, shas, release.timing_measure)
            break
        except Skipped as exc:
            if n + 1 == len(ends):
                raise UserError(f"cannot bisect the commits, an end could not be built or measured: {exc}") from exc
            print(f"an end cannot be built or measured in {args.good}'s environment ({exc}): trying {ends[n + 1]}'s")
    record = make_record(args, point, result, builds, shas, repo, note, started, release.rows)
    record["environment"] = line
    print(f"\n{record['sentence']}\n\n{bisect_record.table(record)}\n")
    for side in ("last", "first"):
        if record["commits"][side]:
            print(
                f"{side} like {'GOOD' if side == 'last' else 'BAD'}: {bisect_commits.line_of(record['commits'][side])}"
            )
    print(f"\nstored in {bisect_record.save(record)} ({record['seconds']:.0f} s, {len(builds.built)} builds)")
    return 0


def env_key(python):
    """The build cache's folder for an environment: its asv folder's name (.asv/env/NAME/bin/python), or the
    interpreter's name where it is not one."""
    python = Path(python)
    return python.parent.parent.name if python.parent.name == "bin" else python.name


def make_record(args, point, result, builds, shas, repo, note, started, rows):
    last, first = result.neighbours or (None, None)
    commits = {
        "repo": str(repo),
        "start": note,
        "last": last and bisect_commits.describe(repo, last, args.library),
        "first": first and bisect_commits.describe(repo, first, args.library),
        "built": len(builds.built),
    }
    benchmark = None if isinstance(point, Cell) else point.benchmark
    return bisect_record.make(
        args, benchmark, result, shas, rows(result, shas, builds, point), started, commits=commits
    )
