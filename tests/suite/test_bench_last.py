"""`relu-bench bench --last N` (relu_bench/commands/bench.py:history_commits): which commits of the history it runs."""

import subprocess

from relu_bench.commands.bench import history_commits


def commit(repo, files, message):
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "commit", "-qm", message], cwd=repo, check=True)
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()


def test_last_n_skips_what_is_done_and_what_predates_the_suite(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    for cmd in (["init", "-q", "-b", "main"], ["config", "user.email", "t@t"], ["config", "user.name", "t"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True)
    old = commit(repo, {"README": "x\n"}, "before the suite")
    suite = {"pyproject.toml": "[project]\n", "relu_impls/__init__.py": ""}
    first = commit(repo, suite, "the suite")
    half = commit(repo, {"a": "1"}, "one release done")
    new = commit(repo, {"a": "2"}, "nothing done")
    results = tmp_path / "results" / "machine"
    results.mkdir(parents=True)
    for done, env in ((first, "env-a"), (first, "env-b"), (half, "env-a")):
        (results / f"{done[:8]}-{env}.json").write_text("{}")

    to_run, done, predating = history_commits(10, results, ["env-a", "env-b"], repo=repo)
    assert (to_run, done, predating) == ([half, new], [first], [old])
    # The newest N only, oldest first.
    assert history_commits(2, results, ["env-a", "env-b"], repo=repo) == ([half, new], [], [])
    assert history_commits(10, results, ["env-a"], repo=repo) == ([new], [first, half], [old])
