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
import sys
import time

from packaging.version import Version

from relu_bench.bisection import bisect_record
from relu_bench.bisection.bisect_point import Cell, checked, parse
from relu_bench.bisection.bisect_search import Skipped, bisect_cell, bisect_timing, median, spread
from relu_bench.bisection.release_build import IMPORT_CHECK, Unusable, build  # noqa: F401 (IMPORT_CHECK: for bisect_git)
from relu_bench.bisection.release_env import NoEnvironment, derive
from relu_bench.bisection.release_index import between, fetch, listing, numpy_cap, pages
from relu_bench.commands.common_args import add_command, add_env_dir, env_dir
from relu_bench.config import ROOT
from relu_bench.envs.matrix import releases as matrix_releases
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


class Environments:
    """Each release's asv environment, derived and built on first use; a failure is remembered as Skipped."""

    def __init__(self, library, listed, env_dir, prefer, cap):
        self.library, self.listed, self.env_dir, self.prefer, self.cap = library, listed, env_dir, prefer, cap
        self.lines, self.pythons, self.failed = {}, {}, {}

    def prepare(self, version):
        """The release's environment Python; Skipped (the reason) when it cannot be derived, built or imported."""
        if version in self.failed:
            raise Skipped(self.failed[version])
        if version not in self.pythons:
            started = time.monotonic()
            try:
                line = self.lines[version] = derive(self.library, self.listed[version], self.prefer, cap=self.cap)
                print(f"{self.library} {version}: environment {line}", flush=True)
                self.pythons[version] = build(line, self.env_dir)
            except (NoEnvironment, Unusable) as exc:
                self.failed[version] = str(exc)
                print(f"{self.library} {version}: skipped: {exc}", flush=True)
                raise Skipped(str(exc)) from exc
            print(f"{self.library} {version}: ready ({time.monotonic() - started:.0f} s)", flush=True)
        return self.pythons[version]


def release_python(args, version=None):
    """The release environment Python of `version` (default GOOD), as release bisection builds it (for --commits)."""
    version = version or args.good
    document = fetch(args.library)
    listed, _ = listing(document, pre=True)
    by_version = {r.version: r for r in listed}
    if version not in by_version:
        raise UserError(f"{version} is not a release of {args.library} on the package index")
    cap = numpy_cap(document)
    try:
        prefer = [derive(args.library, by_version[version], cap=cap)["python"]]
    except NoEnvironment as exc:
        raise UserError(f"no environment for {args.library} {version}: {exc}") from exc
    envs = Environments(args.library, by_version, env_dir(args), prefer, cap)
    try:
        return envs.prepare(version), envs.lines[version]
    except Skipped as exc:
        raise UserError(f"{args.library} {version}'s environment cannot be built: {exc}") from exc


def timing_measure(envs, point):
    """measure(versions, processes) for bisect_timing: relu_bench.measure.trials' interleaved processes, one arm per
    release."""
    from relu_bench.measure.trials import Arm, TrialPlan, interleaved

    def measure(versions, processes):
        arms = [Arm(v, envs.prepare(v), ROOT) for v in versions]
        found = interleaved(arms, [point.regex], plan=TrialPlan(processes=processes))
        figures = {}
        for version in versions:
            outcome = next(iter(found[version].values()), None)  # the one benchmark the exact regex selects
            if outcome is None or outcome.state != "ok":
                figures[version] = outcome.state if outcome else f"no benchmark matches {point.benchmark}"
            else:
                figures[version] = list(outcome.figures)
        print(
            "  "
            + ", ".join(
                f"{v}: {median(f) * 1e6:,.0f} µs" if isinstance(f, list) else f"{v}: {f}" for v, f in figures.items()
            ),
            flush=True,
        )
        return figures

    return measure


def rows(result, versions, envs, point):
    out = []
    for version in versions:
        row = {"version": version, "environment": envs.lines.get(version)}
        if version in result.skipped or version in envs.failed:
            row["skipped"] = result.skipped.get(version) or envs.failed[version]
        elif version not in result.measured:
            continue
        elif isinstance(point, Cell):
            row["value"] = result.measured[version]
        else:
            figures = result.measured[version]
            row.update(figures=figures, median=median(figures), spread=spread(figures))
        out.append(row)
    return out


def run(args):
    started = time.monotonic()
    point = parse(args.point)
    if args.commits:
        from relu_bench.commands.bisect_git import run_commits

        return run_commits(args, point, started, sys.modules[__name__])
    document = fetch(args.library)
    listed, dropped = listing(document, pre=args.pre)
    chosen = between(listed, args.good, args.bad)
    versions = [r.version for r in chosen]
    low, high = Version(args.good), Version(args.bad)
    dropped = {v: why for v, why in dropped.items() if _within(v, low, high)}
    print(
        f"{args.library}: {len(versions)} releases from {args.good} to {args.bad}"
        + (f"; left out: {', '.join(f'{v} ({why})' for v, why in dropped.items())}" if dropped else ""),
        flush=True,
    )

    table, cap = matrix_releases(), numpy_cap(document)
    by_version = {r.version: r for r in chosen}
    prefer = []  # the endpoints' Pythons, so that neighbours share one where their constraints allow
    for end in (args.good, args.bad):
        try:
            prefer.append(derive(args.library, by_version[end], table=table, cap=cap)["python"])
        except NoEnvironment:
            pass
    envs = Environments(args.library, by_version, env_dir(args), prefer, cap)
    try:
        if isinstance(point, Cell):
            result = bisect_cell(versions, lambda v: point.read(envs.prepare(v), ROOT))
        else:
            result = bisect_timing(versions, envs.prepare, timing_measure(envs, point))
    except Skipped as exc:
        raise UserError(f"cannot bisect, an end could not be measured: {exc}") from exc

    benchmark = None if isinstance(point, Cell) else point.benchmark
    links = {v: pages(document, args.library, v) for v in result.neighbours or []}
    rows_ = rows(result, versions, envs, point)
    record = bisect_record.make(
        args, benchmark, result, versions, rows_, started, pre=args.pre, dropped=dropped, links=links
    )
    print(f"\n{record['sentence']}\n\n{bisect_record.table(record)}\n")
    for line in bisect_record.links(record):
        print(line)
    print(f"\nstored in {bisect_record.save(record).relative_to(ROOT)} ({record['seconds']:.0f} s)")
    return 0


def _within(version, low, high):
    try:
        return low <= Version(version) <= high
    except ValueError:  # not a PEP 440 version: it has no place in any range
        return False
