"""Bisecting a library's releases: each release the search needs gets its asv environment, derived by rule
(release_env) and built on first use as asv itself builds one, then checked to import the library; a release that
cannot be built or imported is skipped with the reason (Unusable), and the search goes on around it.

asv's own environment classes build it, from a scratch copy of asv.conf.json whose `include` holds just that line:
asv names and places an environment by its line, so an environment `relu-bench bench` built is found and reused,
and one built here is reused by later bisections and by the matrix once the line is added there.
"""

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from packaging.version import Version

from relu_bench.bisection import bisect_record
from relu_bench.bisection.bisect_search import Skipped
from relu_bench.bisection.release_env import IMPORT_CHECK, NoStack, derive
from relu_bench.bisection.release_index import between, fetch, listing, numpy_cap, pages
from relu_bench.config import ROOT, load_asv_conf
from relu_bench.envs.matrix import releases as matrix_releases
from relu_bench.envs.pythons import asv_process, environments_of, link_pythons
from relu_bench.errors import UserError
from relu_bench.measure.worker import python_of
from relu_impls.releases import known_fix


class Unusable(Exception):
    """The release cannot be installed or imported here: the message says why."""


def tail(text, lines=3):
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def asv_environment(line, env_dir):
    """asv's Environment for an include line, its folder under env_dir (nothing built yet)."""
    from asv.config import Config

    with tempfile.TemporaryDirectory(prefix="relu-bench-env-") as tmp:
        conf = dict(load_asv_conf(), repo=str(ROOT), env_dir=str(env_dir), include=[line])
        conf.update(results_dir=str(Path(tmp, "results")), html_dir=str(Path(tmp, "html")))
        path = Path(tmp, "asv.conf.json")
        path.write_text(json.dumps(conf))
        (env,) = environments_of(Config.load(str(path)))
    return env


def build(line, env_dir, tree=ROOT):
    """The Python of the release's asv environment (built unless it exists), once `relu_impls` from `tree`
    loads the library there; Unusable otherwise."""
    if not link_pythons([line["python"]])[line["python"]]:
        raise Unusable(f"python{line['python']} not found (pyenv lists none: `pyenv install {line['python']}`)")
    try:
        env = asv_environment(line, env_dir)
        with asv_process():
            env.create()
    except Exception as exc:  # asv raises its ProcessError for a failed pip; any failure skips the release
        raise Unusable(f"install failed: {tail(str(exc))}") from exc
    python = python_of(env)
    check = subprocess.run(
        [str(python), "-c", IMPORT_CHECK],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        env=dict(os.environ, PYTHONPATH=str(tree)),
    )
    if check.returncode:
        last = tail(check.stderr, 1)
        fix = known_fix(last)  # of the exception, not of every line of the traceback above it
        raise Unusable(f"import failed: {last}" + (f" ({fix})" if fix and fix not in last else ""))
    return python


class ReleaseBuilds:
    """Each release's asv environment, derived and built on first use; a failure is remembered as Skipped."""

    def __init__(self, library, listed, env_dir, prefer, cap, table=None):
        self.library, self.listed, self.env_dir, self.prefer, self.cap = library, listed, env_dir, prefer, cap
        self.table = matrix_releases() if table is None else table
        self.lines, self.pythons, self.failed = {}, {}, {}

    def prepare(self, version):
        """The release's environment Python; Skipped (the reason) when it cannot be derived, built or imported."""
        if version in self.failed:
            raise Skipped(self.failed[version])
        if version not in self.pythons:
            started = time.monotonic()
            try:
                line = self.lines[version] = derive(
                    self.library, self.listed[version], self.prefer, self.table, cap=self.cap
                )
                print(f"{self.library} {version}: environment {line}", flush=True)
                self.pythons[version] = build(line, self.env_dir)
            except (NoStack, Unusable) as exc:
                self.failed[version] = str(exc)
                print(f"{self.library} {version}: skipped: {exc}", flush=True)
                raise Skipped(str(exc)) from exc
            print(f"{self.library} {version}: ready ({time.monotonic() - started:.0f} s)", flush=True)
        return self.pythons[version]


def release_python(library, version, env_dir):
    """(Python, include line) of the release's environment, built as release bisection builds it (commit
    bisection builds on it); UserError when it is not on the index or cannot be built."""
    document = fetch(library)
    listed, _ = listing(document, pre=True)
    by_version = {r.version: r for r in listed}
    if version not in by_version:
        raise UserError(f"{version} is not a release of {library} on the package index")
    cap, table = numpy_cap(document), matrix_releases()
    try:
        prefer = [derive(library, by_version[version], (), table, cap=cap)["python"]]
    except NoStack as exc:
        raise UserError(f"no environment for {library} {version}: {exc}") from exc
    builds = ReleaseBuilds(library, by_version, env_dir, prefer, cap, table)
    try:
        return builds.prepare(version), builds.lines[version]
    except Skipped as exc:
        raise UserError(f"{library} {version}'s environment cannot be built: {exc}") from exc


def bisect(question, target, env_dir, started):
    """The record of bisecting the releases of a bisect_record Question (its library, from good to bad; pre:
    pre-releases too) at `target` (a bisect_point Cell or TimedBenchmark), progress printed on the way; UserError
    when an end cannot be measured."""
    library, good, bad = question.library, question.good, question.bad
    document = fetch(library)
    listed, dropped = listing(document, pre=question.pre)
    chosen = between(listed, good, bad)
    versions = [r.version for r in chosen]
    low, high = Version(good), Version(bad)
    dropped = {v: why for v, why in dropped.items() if _within(v, low, high)}
    print(
        f"{library}: {len(versions)} releases from {good} to {bad}"
        + (f"; left out: {', '.join(f'{v} ({why})' for v, why in dropped.items())}" if dropped else ""),
        flush=True,
    )

    table, cap = matrix_releases(), numpy_cap(document)
    by_version = {r.version: r for r in chosen}
    prefer = []  # the endpoints' Pythons, so that neighbours share one where their constraints allow
    for end in (good, bad):
        try:
            prefer.append(derive(library, by_version[end], (), table, cap=cap)["python"])
        except NoStack:
            pass
    builds = ReleaseBuilds(library, by_version, env_dir, prefer, cap, table)
    try:
        result = target.search(versions, builds.prepare)
    except Skipped as exc:
        raise UserError(f"cannot bisect, an end could not be measured: {exc}") from exc

    links = {v: pages(document, library, v) for v in result.neighbours or []}
    rows = bisect_record.rows(result, versions, builds.lines, builds.failed, target.benchmark)
    return bisect_record.make(
        question, target.benchmark, result, versions, rows, started, pre=question.pre, dropped=dropped, links=links
    )


def _within(version, low, high):
    try:
        return low <= Version(version) <= high
    except ValueError:  # not a PEP 440 version: it has no place in any range
        return False
