"""Which commit did it: the library's git history between two releases' `rel-X` tags, each commit built once into
a folder of its own (cached by its hash) on top of the GOOD release's environment, so that release bisection's
search (relu_bench/bisection/bisect_search.py) runs over commits as it does over releases.

A commit's build is `pip install --no-deps --target` of its tree (PyTensor compiles its Cython extension there;
Theano is pure Python), run by the release environment's Python; a wrapper script puts that folder first on the
path, so the worker measures the commit's library with the release's numpy and scipy. A commit that does not build
or import is remembered (FAILED in its folder) and skipped, as `git bisect skip` does.
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from relu_bench import git
from relu_bench.bisection import bisect_record
from relu_bench.bisection.bisect_search import Skipped
from relu_bench.bisection.release_env import IMPORT_CHECK
from relu_bench.config import ROOT
from relu_bench.errors import UserError

CACHE = ROOT / ".asv" / "commits"

GITHUB = {
    "theano": "Theano/Theano",
    "theano-pymc": "pymc-devs/Theano-PyMC",
    "aesara": "aesara-devs/aesara",
    "pytensor": "pymc-devs/pytensor",
}


def tail(text, lines=3):
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


PR = re.compile(r"\(#(\d+)\)\s*$|^Merge pull request #(\d+)")


def check_repo(repo, library):
    """The repository's path; UserError when it is not a git repository, saying how to get one."""
    path = Path(repo).expanduser()
    if not path.is_dir() or not git.is_repo(path):
        raise UserError(
            f"{repo} is not a git repository: git clone https://github.com/{GITHUB[library]} (docs/reference.md)"
        )
    return path.resolve()


def tag_names(version):
    """`rel-VERSION`, then the spelling of a pre-release the tag may use: PyPI's 0.9.0b1 is Theano's rel-0.9.0beta1."""
    names = [f"rel-{version}"]
    found = re.fullmatch(r"(.*\d)(a|b)(\d+)", version)
    if found:
        names.append(f"rel-{found[1]}{'alpha' if found[2] == 'a' else 'beta'}{found[3]}")
    return names


def tag_commit(repo, version):
    """The commit of the release's tag (tag_names); UserError when the repository lacks the tag."""
    for tag in tag_names(version):
        commit = git.resolve(f"refs/tags/{tag}^{{commit}}", repo)
        if commit:
            return commit
    raise UserError(
        f"{repo} has no tag {' or '.join(tag_names(version))} (release {version}): fetch the tags (git fetch --tags)"
    )


def commits_between(repo, good, bad):
    """(the commits from GOOD's tag, or the merge base when GOOD is on a side branch, to BAD's, oldest first, along
    BAD's first parents: a merged pull request is one step; a note on the start, or None)."""
    low, high = tag_commit(repo, good), tag_commit(repo, bad)
    try:
        base = git.git("merge-base", low, high, repo=repo).strip()
    except UserError:
        raise UserError(f"rel-{good} and rel-{bad} have no merge base in {repo}") from None
    if base == high:
        raise UserError(f"rel-{bad} is an ancestor of rel-{good}: GOOD must be the older release")
    note = None if base == low else f"rel-{good} is on a side branch: starting from the merge base {base[:12]}"
    line = git.git("rev-list", "--reverse", "--first-parent", f"{base}..{high}", repo=repo).split()
    return [base, *line], note


def describe(repo, sha, library):
    """hash, date, subject, the pull request its subject names (a squash's "(#1234)", a merge's "#1234"), link."""
    full, date, subject = git.git("log", "-1", "--format=%H%n%cI%n%s", sha, repo=repo).strip().split("\n", 2)
    found = PR.search(subject)
    return {
        "hash": full,
        "date": date,
        "subject": subject,
        "pr": int(found[1] or found[2]) if found else None,
        "link": f"https://github.com/{GITHUB.get(library, library)}/commit/{full}",
    }


def line_of(described):
    pr = f" (PR #{described['pr']})" if described["pr"] else ""
    return f"{described['hash'][:12]} {described['date'][:10]} {described['subject']}{pr}\n  {described['link']}"


def compile_cache(folder):
    """The commit's own compile cache (relu_impls' RELU_BENCH_CACHE): the library's base_compiledir is named by the
    release's version, so commits built on one release environment would share compiled modules (cutils_ext) that
    another commit's code cannot load (Theano's merge base of 0.9.0 in 1.0.0's environment)."""
    from relu_impls.backend import CACHE_VARIABLE

    return {CACHE_VARIABLE: str(Path(folder) / "compile")}


class CommitBuilds:
    """Each commit's build under cache/SHA, made on first use; `prepare` as bisect_search wants it; `check`: the
    Python code whose failure marks a built commit unusable (release_env.IMPORT_CHECK)."""

    def __init__(self, repo, python, cache, tree, check):
        self.repo, self.python, self.cache, self.tree, self.check = repo, Path(python), Path(cache), tree, check
        self.lines, self.failed, self.built = {}, {}, []

    def prepare(self, sha):
        folder = self.cache / sha
        wrapper = folder / "python"
        if (folder / "FAILED").exists():
            self.failed[sha] = (folder / "FAILED").read_text()
            raise Skipped(self.failed[sha])
        if not wrapper.exists():
            self._build(sha, folder)
        return wrapper

    def _build(self, sha, folder):
        print(f"{sha[:12]}: building", flush=True)
        scratch = Path(tempfile.mkdtemp(prefix="relu-bench-commit-"))
        try:
            # A checkout with its history, not `git archive`: versioneer (Theano from mid-2017) names the version
            # by `git describe`, and without .git it is "0+unknown", which theano/version.py cannot parse.
            src = str(scratch / "src")
            git.git("clone", "-q", "--shared", "--no-checkout", str(self.repo), src)
            git.git("-c", "advice.detachedHead=false", "checkout", "-q", sha, repo=src)
            site = scratch / "site"
            pip = [
                str(self.python),
                "-m",
                "pip",
                "install",
                "-q",
                "--no-deps",
                "--target",
                str(site),
                str(scratch / "src"),
            ]
            done = subprocess.run(pip, capture_output=True, text=True)
            why = f"build failed: {tail(done.stderr or done.stdout, 1)}" if done.returncode else None
            folder.mkdir(parents=True, exist_ok=True)
            if why is None:
                why = self._import_fails(site, folder)
            if why:
                (folder / "FAILED").write_text(why)
                self.failed[sha] = why
                print(f"{sha[:12]}: skipped: {why}", flush=True)
                raise Skipped(why)
            shutil.rmtree(folder / "site", ignore_errors=True)
            shutil.move(str(site), folder / "site")
            self._wrap(folder)
            self.built.append(sha)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _import_fails(self, site, folder):
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(self.tree)]), **compile_cache(folder))
        done = subprocess.run(
            [str(self.python), "-c", self.check], capture_output=True, text=True, cwd=tempfile.gettempdir(), env=env
        )
        return f"import failed: {tail(done.stderr, 1)}" if done.returncode else None

    def _wrap(self, folder):
        wrapper = folder / "python"
        site = folder / "site"
        ((variable, cache),) = compile_cache(folder).items()
        path = f'PYTHONPATH="{site}${{PYTHONPATH:+:$PYTHONPATH}}"'
        wrapper.write_text(f'#!/bin/sh\n{variable}="{cache}" {path} exec "{self.python}" "$@"\n')
        wrapper.chmod(0o755)


def bisect(question, target, release_python, started):
    """The record of bisecting the commits of a bisect_record Question (in its repo, default ./LIBRARY, from
    rel-GOOD to rel-BAD) at `target` (a bisect_point Cell or TimedBenchmark), progress printed on the way.
    release_python(version): (Python, include line) of a release's environment, the one the commits are built on
    (each under CACHE): GOOD's, or where an end cannot be built or measured there (Theano 1.0.0 does not import
    on GOOD 0.9.0's Python 3.9), BAD's.
    Builds are cached per environment, so a FAILED in one is no verdict on another."""
    library, good, bad = question.library, question.good, question.bad
    repo = check_repo(question.repo or Path(library), library)
    shas, note = commits_between(repo, good, bad)
    print(f"{library}: {len(shas)} commits from rel-{good} to rel-{bad}" + (f" ({note})" if note else ""))
    ends = [good, bad]
    for n, end in enumerate(ends):
        python, line = release_python(end)
        builds = CommitBuilds(repo, python, CACHE / library / env_key(python), ROOT, IMPORT_CHECK)
        try:
            result = target.search(shas, builds.prepare)
            break
        except Skipped as exc:
            if n + 1 == len(ends):
                raise UserError(f"cannot bisect the commits, an end could not be built or measured: {exc}") from exc
            print(f"an end cannot be built or measured in {good}'s environment ({exc}): trying {ends[n + 1]}'s")
    last, first = result.neighbours or (None, None)
    commits = {
        "repo": str(repo),
        "start": note,
        "last": last and describe(repo, last, library),
        "first": first and describe(repo, first, library),
        "built": len(builds.built),
    }
    rows = bisect_record.rows(result, shas, builds.lines, builds.failed, target.benchmark)
    record = bisect_record.make(question, target.benchmark, result, shas, rows, started, commits=commits)
    record["environment"] = line
    return record


def env_key(python):
    """The build cache's folder for an environment: its asv folder's name (.asv/env/NAME/bin/python), or the
    interpreter's name where it is not one."""
    python = Path(python)
    return python.parent.parent.name if python.parent.name == "bin" else python.name
