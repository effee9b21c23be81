"""Commit bisection on a fake library: a git repository made here, whose relu() gets slower at one commit and whose
cell changes at another, one commit that does not build; each commit built once (cached by hash)."""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from relu_bench.__main__ import main
from relu_bench.bisection import bisect_commits, bisect_record, releases
from relu_bench.bisection.bisect_search import bisect_cell, bisect_timing
from relu_bench.commands import bisect

# An in-tree PEP 517 backend needing no package: the build is pip's own, with nothing to download.
PYPROJECT = '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
BACKEND = """import base64, hashlib, zipfile
INFO = "fakerelu-0.dist-info/"
def build_wheel(directory, config_settings=None, metadata_directory=None):
    name = "fakerelu-0-py3-none-any.whl"
    files = {"fakerelu/__init__.py": open("fakerelu/__init__.py").read(),
             INFO + "METADATA": "Metadata-Version: 2.1\\nName: fakerelu\\nVersion: 0\\n",
             INFO + "WHEEL": "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"}
    record = []
    with zipfile.ZipFile(directory + "/" + name, "w") as wheel:
        for path, text in files.items():
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(text.encode())}")
            wheel.writestr(path, text)
        wheel.writestr(INFO + "RECORD", "\\n".join(record + [INFO + "RECORD,,"]) + "\\n")
    return name
"""
MODULE = "import time\nAT_ZERO = {zero}\n\ndef relu():\n    time.sleep({sleep})\n"
TIME_IT = "import time, fakerelu; t = time.perf_counter(); fakerelu.relu(); print(time.perf_counter() - t)"


def commit(repo, message, files):
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    subprocess.run(["git", "-C", repo, "add", "-A"], check=True)
    env = dict(
        os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@t", GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@t"
    )
    subprocess.run(["git", "-C", repo, "commit", "-qm", message], check=True, env=env)
    return subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    """Commits 0-7: relu sleeps 1 ms up to commit 4 and 50 ms from 5 (#45), AT_ZERO 1 up to 2 and 0 from 3,
    commit 1 a build backend that fails; tags rel-1.0 (commit 0) and rel-1.1 (commit 7)."""
    repo = tmp_path_factory.mktemp("fakerelu")
    subprocess.run(["git", "init", "-q", repo], check=True)
    shas = []
    for i in range(8):
        files = {"STEP": str(i), "pyproject.toml": PYPROJECT}
        files["backend.py"] = BACKEND if i != 1 else "raise SystemExit('broken')\n"
        files["fakerelu/__init__.py"] = MODULE.format(zero=1 if i < 3 else 0, sleep=0.001 if i < 5 else 0.05)
        shas.append(commit(repo, f"change {i}" + (" (#45)" if i == 5 else ""), files))
    subprocess.run(["git", "-C", repo, "tag", "rel-1.0", shas[0]], check=True)
    subprocess.run(["git", "-C", repo, "tag", "rel-1.1", shas[-1]], check=True)
    return repo, shas


def builds_of(repo, cache):
    return bisect_commits.CommitBuilds(repo, sys.executable, cache, Path.cwd(), check="import fakerelu")


def measure(builds):
    def run(shas, processes):
        found = {sha: [] for sha in shas}
        for _ in range(processes):  # interleaved: one fresh process of each commit per round
            for sha in shas:
                done = subprocess.run([str(builds.prepare(sha)), "-c", TIME_IT], capture_output=True, text=True)
                found[sha].append(float(done.stdout))
        return found

    return run


def test_commits_between_and_describe(fake):
    repo, shas = fake
    listed, note = bisect_commits.commits_between(repo, "1.0", "1.1")
    assert listed == shas and note is None
    described = bisect_commits.describe(repo, shas[5], "pytensor")
    assert described["pr"] == 45 and described["subject"] == "change 5 (#45)"
    assert described["link"] == f"https://github.com/pymc-devs/pytensor/commit/{shas[5]}"


def test_timing_and_cell_found_broken_skipped_builds_cached(fake, tmp_path):
    repo, shas = fake
    builds = builds_of(repo, tmp_path)
    timing = bisect_timing(shas, builds.prepare, measure(builds))
    assert (timing.verdict, timing.neighbours) == ("changed", (shas[4], shas[5])), timing.measured
    cell = bisect_cell(
        shas,
        lambda sha: subprocess.run(
            [str(builds.prepare(sha)), "-c", "import fakerelu; print(fakerelu.AT_ZERO)"], capture_output=True, text=True
        ).stdout.strip(),
    )
    assert cell.verdict == "changed" and cell.neighbours == (shas[2], shas[3])
    assert shas[1] in builds.failed and "build failed" in builds.failed[shas[1]]
    again = builds_of(repo, tmp_path)
    bisect_timing(shas, again.prepare, measure(again))
    assert again.built == []  # every commit the second search needs was built by the first


def test_side_branch_starts_at_merge_base(fake, tmp_path):
    repo, shas = fake
    side = tmp_path / "side"
    subprocess.run(["git", "clone", "-q", repo, side], check=True)
    subprocess.run(["git", "-C", side, "checkout", "-qb", "old", shas[2]], check=True)
    fix = commit(side, "a fix on the release branch", {"NEWS": "0.9.1\n"})
    subprocess.run(["git", "-C", side, "tag", "rel-1.0.1", fix], check=True)
    listed, note = bisect_commits.commits_between(side, "1.0.1", "1.1")
    assert listed[0] == shas[2] and listed[-1] == shas[-1] and "merge base" in note


def test_each_commit_compiles_into_its_own_cache(fake, tmp_path):
    """relu_impls names the compile dir by the release environment's version: a commit must not read another's."""
    repo, shas = fake
    builds = builds_of(repo, tmp_path)
    read = "import os; print(os.environ['RELU_BENCH_CACHE'])"
    seen = [
        subprocess.run([str(builds.prepare(sha)), "-c", read], capture_output=True, text=True).stdout.strip()
        for sha in (shas[0], shas[2])
    ]
    assert seen == [str(tmp_path / sha / "compile") for sha in (shas[0], shas[2])]


def test_build_sees_the_history(fake, tmp_path):
    """versioneer (Theano from mid-2017) names the version by `git describe`: the build runs in a checkout."""
    repo, shas = fake
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", repo, clone], check=True)
    backend = BACKEND.replace("def build_wheel(", "import subprocess\ndef build_wheel(", 1).replace(
        '    name = "fakerelu', '    subprocess.run(["git", "describe", "--tags"], check=True)\n    name = "fakerelu', 1
    )
    sha = commit(clone, "versioneer", {"backend.py": backend})
    builds = builds_of(clone, tmp_path / "cache")
    assert builds.prepare(sha).exists() and builds.built == [sha]


def test_pre_release_tag_spelled_out(fake, tmp_path):
    """PyPI's 0.9.0b1 is Theano's tag rel-0.9.0beta1: either spelling is found."""
    repo, shas = fake
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", repo, clone], check=True)
    subprocess.run(["git", "-C", clone, "tag", "rel-1.1beta1", shas[4]], check=True)
    listed, note = bisect_commits.commits_between(clone, "1.0", "1.1b1")
    assert listed == shas[:5] and note is None
    assert bisect_commits.tag_names("2.0a3") == ["rel-2.0a3", "rel-2.0alpha3"]


def test_end_failing_in_goods_environment_is_retried_in_bads(fake, tmp_path, monkeypatch, capsys):
    """Theano 1.0.0 does not import on 0.9.0's Python 3.9: the search runs again in BAD's environment, whose builds
    are cached apart (a FAILED in GOOD's environment is not read in BAD's)."""
    repo, shas = fake
    pythons = {}
    for name, new in (("good", ""), ("bad", "1")):
        python = tmp_path / "env" / name / "bin" / "python"
        python.parent.mkdir(parents=True)
        python.write_text(f'#!/bin/sh\nNEW="{new}" exec "{sys.executable}" "$@"\n')
        python.chmod(0o755)
        pythons[name] = python

    # Commits 3 on do not import in GOOD's environment.
    check = "import os, sys, fakerelu; sys.exit(fakerelu.AT_ZERO == 0 and not os.environ['NEW'])"
    monkeypatch.setattr(bisect_commits, "IMPORT_CHECK", check)

    def release_python(library, version, env_dir):
        return pythons["good" if version == args.good else "bad"], {"python": version}

    class AtZero:  # a cell the fake library's commits read
        benchmark = None

        def search(self, shas, prepare):
            read = "import fakerelu; print(fakerelu.AT_ZERO)"
            return bisect_cell(
                shas,
                lambda sha: subprocess.run(
                    [str(prepare(sha)), "-c", read], capture_output=True, text=True
                ).stdout.strip(),
            )

    cache = tmp_path / "cache"
    monkeypatch.setattr(releases, "release_python", release_python)
    monkeypatch.setattr(bisect, "parse", lambda point: AtZero())
    monkeypatch.setattr(bisect_commits, "CACHE", cache)
    saved = []
    monkeypatch.setattr(bisect_record, "save", lambda record: saved.append(record) or tmp_path / "record.json")
    args = argparse.Namespace(
        library="pytensor", good="1.0", bad="1.1", point="x/gradient@0", repo=str(repo), commits=True, env_dir=None
    )
    assert bisect.run(args) == 0
    (record,) = saved
    out = capsys.readouterr().out
    assert "trying 1.1's" in out and f"first like BAD: {shas[3][:12]}" in out and "stored in" in out
    assert record["sentence"].startswith("pytensor x/gradient@0 changed from 1 to 0 between ")
    assert record["neighbours"] == [shas[2], shas[3]] and record["environment"] == {"python": "1.1"}
    assert (cache / "pytensor" / "good" / shas[-1] / "FAILED").exists()
    assert (cache / "pytensor" / "bad" / shas[-1] / "python").exists()


@pytest.mark.parametrize(
    "argv, says",
    [
        (["pytensor", "1.0", "1.1", "switch_lt/gradient", "--commits", "--repo", "/nonexistent"], "not a git"),
        (["pytensor", "1.0", "9.9", "switch_lt/gradient", "--commits"], "no tag rel-9.9"),
        (["pytensor", "1.1", "1.0", "switch_lt/gradient", "--commits"], "GOOD must be the older"),
        (["pytensor", "1.0", "1.1", "nonsense/gradient", "--commits"], "unknown variant"),
        (["nolib", "1.0", "1.1", "switch_lt/gradient", "--commits"], ""),
    ],
)
def test_bad_input_one_message_exit_2(fake, argv, says, capsys):
    repo, _ = fake
    if "--repo" not in argv:
        argv = [*argv, "--repo", str(repo)]
    parsing = argv[0] == "nolib" or "nonsense" in argv[3]  # argparse's message: usage, then the error
    with pytest.raises(SystemExit) if parsing else _no_raise() as raised:
        status = main(["bisect", *argv])
    err = capsys.readouterr().err
    assert (raised and raised.value.code == 2 and says in err) or (status == 2 and says in err and err.count("\n") == 1)


class _no_raise:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


@pytest.mark.slow
def test_real_repository_lists_and_names():
    """On a real clone (RELU_BISECT_REPO=/path/to/pytensor): the tags resolve, the range is listed, and a commit
    of it is named with its link; the full measured run is the documented `relu-bench bisect ... --commits`."""
    repo = os.environ.get("RELU_BISECT_REPO")
    if not repo:
        pytest.skip("set RELU_BISECT_REPO to a clone of pymc-devs/pytensor to run on a real repository")
    started = time.monotonic()
    shas, _ = bisect_commits.commits_between(bisect_commits.check_repo(repo, "pytensor"), "2.12.3", "2.13.0")
    assert len(shas) > 2 and time.monotonic() > started
    assert bisect_commits.describe(repo, shas[-1], "pytensor")["link"].endswith(shas[-1])
