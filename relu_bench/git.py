"""Every git call of the tools, in one place (as asv's repo.py): reading commits and trees, and making
commits with a temporary index, so the user's index and working tree stay untouched."""

import os
import subprocess
import tempfile
from pathlib import Path

from relu_bench.config import ROOT
from relu_bench.errors import UserError

# Commits the tools make (the results history, the experiment's plants) need an identity; a fresh CI runner
# has none. The environment's own GIT_* settings win.
IDENTITY = {
    "GIT_AUTHOR_NAME": "relu-bench",
    "GIT_AUTHOR_EMAIL": "relu-bench@users.noreply.github.com",
    "GIT_COMMITTER_NAME": "relu-bench",
    "GIT_COMMITTER_EMAIL": "relu-bench@users.noreply.github.com",
}
NO_COMMIT = "0" * 40  # update-ref's "the ref must not exist yet"


def git(*args, repo=ROOT, input=None, env=None):
    """`git ARGS` in repo: its output (text); UserError naming the command and git's message when it fails."""
    out = subprocess.run(
        ["git", *args], cwd=repo, input=input, capture_output=True, env=env, encoding="utf-8", errors="replace"
    )
    if out.returncode:
        raise UserError(f"git {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


def resolve(ref, repo=ROOT):
    """The full hash of the object `ref` names (e.g. "main^{commit}"), or None where it names none."""
    out = subprocess.run(
        ["git", "rev-parse", "--verify", "--quiet", "--end-of-options", ref], cwd=repo, capture_output=True, text=True
    )
    return out.stdout.strip() if out.returncode == 0 else None


def is_repo(path):
    """Is `path` inside a git repository (one with no commit yet included)?"""
    out = subprocess.run(["git", "rev-parse", "--git-dir"], cwd=path, capture_output=True)
    return out.returncode == 0


def is_ancestor(ancestor, commit, repo=ROOT):
    """Is `ancestor` reachable from `commit` (the same commit included)?"""
    out = subprocess.run(["git", "merge-base", "--is-ancestor", ancestor, commit], cwd=repo, capture_output=True)
    return out.returncode == 0


def rev_parse(ref, repo=ROOT):
    """The full hash of the commit `ref` names; UserError where it names none."""
    commit = resolve(f"{ref}^{{commit}}", repo)
    if commit is None:
        raise UserError(f"not a commit: {ref!r}")
    return commit


def has_path(commit, path, repo=ROOT):
    return resolve(f"{commit}:{path}", repo) is not None


def same_trees(a, b, paths, repo=ROOT):
    """Do commits a and b hold the same `paths` (each a file or folder; missing in both counts as the same)? False
    where either commit is not in the repository: what it holds cannot be read."""
    if None in (resolve(f"{c}^{{commit}}", repo) for c in (a, b)):
        return False
    return all(resolve(f"{a}:{path}", repo) == resolve(f"{b}:{path}", repo) for path in paths)


def first_parent(last, repo=ROOT):
    """The newest `last` commits of HEAD's first-parent line, newest first."""
    return git("rev-list", "--first-parent", f"--max-count={last}", "HEAD", repo=repo).split()


def is_dirty(path, repo=ROOT):
    """Has `path` uncommitted changes (or untracked files)?"""
    return bool(git("status", "--porcelain", "--", path, repo=repo).strip())


def extract(commit, path, dest, repo=ROOT):
    """`path` of `commit` (git archive) under dest; dest. UserError where the commit has no such path."""
    dest.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", commit, path], cwd=repo, capture_output=True)
    if archive.returncode:
        raise UserError(f"{commit[:10]} has no {path}: {archive.stderr.decode(errors='replace').strip()}")
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return dest


def ls_files(commit, repo=ROOT):
    """The paths of every file in a commit's tree."""
    return [name for name in git("ls-tree", "-r", "-z", "--name-only", commit, repo=repo).split("\0") if name]


def show(commit, path, repo=ROOT):
    """The text of one file of a commit."""
    return git("cat-file", "blob", f"{commit}:{path}", repo=repo)


def make_tree(files, base=None, patch=None, repo=ROOT):
    """A tree: `base`'s tree (or an empty one), `patch` applied (`git apply`: it must apply exactly), and
    {path: text} `files` added or replaced. Built in a temporary index."""
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, GIT_INDEX_FILE=str(Path(tmp, "index")))
        git("read-tree", *([f"{base}^{{tree}}"] if base else ["--empty"]), env=env, repo=repo)
        if patch is not None:
            git("apply", "--cached", str(patch), env=env, repo=repo)
        for path, text in sorted(files.items()):
            blob = git("hash-object", "-w", "--stdin", input=text, repo=repo).strip()
            git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=env, repo=repo)
        return git("write-tree", env=env, repo=repo).strip()


def commit_tree(tree, parents, message, repo=ROOT):
    """A new commit of `tree` with `parents`; its hash. No ref moves."""
    parent_args = [arg for parent in parents for arg in ("-p", parent)]
    env = {**IDENTITY, **os.environ}
    return git("commit-tree", tree, *parent_args, "-m", message, env=env, repo=repo).strip()


def update_ref(ref, new, old=None, repo=ROOT):
    """Point `ref` at `new`; with `old`, only if it still points there (NO_COMMIT: only if it does not exist):
    a compare-and-swap that fails, changing nothing, when the ref moved meanwhile."""
    git("update-ref", ref, new, *([old] if old else []), repo=repo)
