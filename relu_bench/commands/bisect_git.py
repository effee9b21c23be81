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
    line = None
    if python is None:
        python, line = release.release_python(args)
    builds = bisect_commits.CommitBuilds(repo, python, Path(cache) / args.library, ROOT, release.IMPORT_CHECK)
    try:
        result = search(point, builds, shas, release.timing_measure)
    except Skipped as exc:
        raise UserError(f"cannot bisect the commits, an end could not be built or measured: {exc}") from exc
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
