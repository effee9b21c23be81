"""`relu-bench results` (relu_bench/results/history.py): the history on a git branch survives merges, corrupt files and
interrupted stores."""

import json
import os
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import relu_bench

from relu_bench.errors import UserError
from relu_bench.results import history as results

COLUMNS = ["result", "params", "version", "started_at", "duration"]


def result_file(commit, env, benchmarks):
    """A small asv result file (format version 2) with {benchmark: value}."""
    return {
        "commit_hash": commit,
        "env_name": env,
        "date": 1700000000000,
        "params": {"machine": "ci", "python": "3.11"},
        "python": "3.11",
        "requirements": {},
        "env_vars": {},
        "result_columns": COLUMNS,
        "results": {name: [[value], [], "v1", 1700000000000, 1.0] for name, value in benchmarks.items()},
        "durations": {},
        "version": 2,
    }


def write(directory, name, data):
    path = Path(directory, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def read(directory, name):
    return json.loads(Path(directory, name).read_text())


def shard(directory, env, commit="a" * 40, benchmarks=None):
    listed = {"relu.f": {"name": "relu.f", "params": []}, env: {"name": env, "params": []}, "version": 2}
    write(directory, "benchmarks.json", listed)
    write(directory, "ci/machine.json", {"machine": "ci", "version": 1})
    write(directory, f"ci/{commit[:8]}-{env}.json", result_file(commit, env, benchmarks or {"relu.f": 1.0}))


@pytest.fixture
def repo(tmp_path):
    path = tmp_path / "repo"
    path.mkdir()
    for cmd in (["init", "-q", "-b", "main"], ["config", "user.email", "t@t"], ["config", "user.name", "t"]):
        subprocess.run(["git", *cmd], cwd=path, check=True)
    (path / "README").write_text("x\n")
    subprocess.run(["git", "add", "README"], cwd=path, check=True)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=path, check=True)
    return path


def cli(*args, **kwargs):
    return relu_bench("results", *args, capture_output=True, text=True, **kwargs)


def git_out(repo, *args, input=None):
    return subprocess.run(
        ["git", *args], cwd=repo, input=input, capture_output=True, text=True, check=True
    ).stdout.strip()


def branch_files(repo, branch="asv-results"):
    return results.stored_files(results.branch_commit(branch, repo)[1], repo)


def quarantined(names, name):
    """The quarantined copies of `name` among a tree's paths (each named by its content's hash)."""
    return [n for n in names if n.startswith(f"quarantine/{name}.") and n.endswith(".corrupt")]


def test_merge_combines_shards_and_benchmarks_of_one_file(tmp_path):
    shard(tmp_path / "theano", "env-theano")
    shard(tmp_path / "pytensor", "env-pytensor")
    out = tmp_path / "merged"
    shard(out, "env-theano", benchmarks={"relu.old": 5.0})  # already there: its other benchmark must stay
    proc = cli("merge", tmp_path / "theano", tmp_path / "pytensor", "--dir", out)
    assert proc.returncode == 0, proc.stderr
    assert sorted(results.json_files(out)) == [
        "benchmarks.json",
        "ci/aaaaaaaa-env-pytensor.json",
        "ci/aaaaaaaa-env-theano.json",
        "ci/machine.json",
    ]
    assert set(read(out, "benchmarks.json")) == {"relu.f", "env-theano", "env-pytensor", "version"}
    assert set(read(out, "ci/aaaaaaaa-env-theano.json")["results"]) == {"relu.f", "relu.old"}


def test_merge_quarantines_a_corrupt_file_by_name_and_keeps_the_rest(tmp_path):
    shard(tmp_path / "good", "env-good")
    shard(tmp_path / "bad", "env-bad")
    write(tmp_path / "bad", "ci/aaaaaaaa-env-bad.json", '{"results": {"relu.f": [[1.0')  # cut off mid-write
    write(tmp_path / "bad", "ci/bbbbbbbb-env-bad.json", {"results": {}})  # JSON, but not a result file
    out = tmp_path / "merged"
    proc = cli("merge", tmp_path / "good", tmp_path / "bad", "--dir", out)
    assert proc.returncode == 0, proc.stderr  # the publish goes on with the rest
    assert "aaaaaaaa-env-bad.json: not valid JSON" in proc.stderr
    assert "bbbbbbbb-env-bad.json: rejected by asv" in proc.stderr
    assert read(out, "ci/aaaaaaaa-env-good.json")["results"]["relu.f"][0] == [1.0]
    assert not (out / "ci/aaaaaaaa-env-bad.json").exists()
    (kept,) = [p.read_text() for p in out.glob("quarantine/ci/aaaaaaaa-env-bad.json.*.corrupt")]
    assert kept == '{"results": {"relu.f": [[1.0'
    assert not list(out.rglob("*.tmp"))


def test_a_corrupt_file_travels_to_the_branch_in_quarantine_and_the_rest_is_stored(repo, tmp_path):
    out = tmp_path / "out"
    shard(out, "env-a")
    write(out, "ci/bbbbbbbb-env-a.json", "{cut off")
    proc = cli("store", "--dir", out, "--repo", repo)
    assert proc.returncode == 0 and "bbbbbbbb-env-a.json: not valid JSON" in proc.stderr, proc.stderr
    names = git_out(repo, "ls-tree", "-r", "--name-only", "asv-results").split()
    assert "ci/aaaaaaaa-env-a.json" in names and quarantined(names, "ci/bbbbbbbb-env-a.json")
    assert "ci/bbbbbbbb-env-a.json" not in names
    restored = tmp_path / "restored"
    assert cli("restore", "--dir", restored, "--repo", repo).returncode == 0
    (kept,) = restored.glob("quarantine/ci/bbbbbbbb-env-a.json.*.corrupt")
    assert kept.read_text() == "{cut off"


def test_json_that_asv_rejects_is_quarantined_by_name_and_what_is_stored_loads_in_asv(repo, tmp_path):
    from asv.benchmarks import Benchmarks
    from asv.results import iter_results

    out = tmp_path / "out"
    shard(out, "env-a")
    undated = result_file("b" * 40, "env-a", {"relu.f": 2.0})
    del undated["date"]  # asv's loader needs it; asv publish would skip the file
    write(out, "ci/bbbbbbbb-env-a.json", undated)
    newer = result_file("c" * 40, "env-a", {"relu.f": 3.0})
    newer["result_columns"] = [*COLUMNS, "bogus"]  # a column asv does not know: asv publish fails
    newer["results"]["relu.f"].append(0)
    write(out, "ci/cccccccc-env-a.json", newer)
    proc = cli("store", "--dir", out, "--repo", repo)
    assert proc.returncode == 0, proc.stderr
    assert "ci/bbbbbbbb-env-a.json: rejected by asv" in proc.stderr and "'date'" in proc.stderr
    assert "ci/cccccccc-env-a.json: rejected by asv" in proc.stderr and "bogus" in proc.stderr
    names = set(branch_files(repo))
    assert quarantined(names, "ci/bbbbbbbb-env-a.json") and quarantined(names, "ci/cccccccc-env-a.json")
    assert "ci/aaaaaaaa-env-a.json" in names and "ci/bbbbbbbb-env-a.json" not in names
    # What asv publish reads first: the benchmark list and every result file, from what was stored.
    restored = tmp_path / "restored"
    assert cli("restore", "--dir", restored, "--repo", repo).returncode == 0
    assert [r.commit_hash for r in iter_results(str(restored))] == ["a" * 40]
    Benchmarks.load(SimpleNamespace(results_dir=str(restored), benchmark_dir=str(restored)))


def test_a_benchmark_list_that_asv_rejects_is_quarantined_on_merge(tmp_path):
    shard(tmp_path / "shard", "env-a")
    write(tmp_path / "shard", "benchmarks.json", {"relu.f": {"name": "relu.f"}, "version": 2})  # no params
    out = tmp_path / "merged"
    proc = cli("merge", tmp_path / "shard", "--dir", out)
    assert proc.returncode == 0 and "benchmarks.json: rejected by asv (KeyError: 'params')" in proc.stderr
    assert not (out / "benchmarks.json").exists() and list(out.glob("quarantine/benchmarks.json.*.corrupt"))
    assert (out / "ci/aaaaaaaa-env-a.json").exists()


def test_a_fresh_clone_with_nothing_new_still_has_a_branch_to_push(repo, tmp_path):
    stored = tmp_path / "stored"
    shard(stored, "env-a")
    results.store("asv-results", stored, "m", repo)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    results.restore("asv-results", tmp_path / "restored", clone)
    results.store("asv-results", tmp_path / "restored", "nothing new", clone)
    push = subprocess.run(["git", "push", "origin", "asv-results:asv-results"], cwd=clone, capture_output=True)
    assert push.returncode == 0, push.stderr


def test_store_then_restore_round_trip_keeps_history(repo, tmp_path):
    first = tmp_path / "first"
    shard(first, "env-a", commit="a" * 40)
    write(first, "ci/semantics/aaaaaaaa-env-a.semantics", {"env_name": "env-a", "rows": []})  # the report's
    assert cli("store", "--dir", first, "--repo", repo).returncode == 0
    # A later run that did not restore first: only its own results. Nothing stored may disappear.
    second = tmp_path / "second"
    shard(second, "env-a", commit="b" * 40)
    shard(second, "env-a", commit="a" * 40, benchmarks={"relu.g": 2.0})
    proc = cli("store", "--dir", second, "--repo", repo, "--message", "run 2")
    assert proc.returncode == 0, proc.stderr
    log = subprocess.run(["git", "log", "--format=%s", "asv-results"], cwd=repo, capture_output=True, text=True)
    assert log.stdout.split("\n")[:2] == ["run 2", "Store benchmark results"]
    restored = tmp_path / "restored"
    assert cli("restore", "--dir", restored, "--repo", repo).returncode == 0
    assert set(read(restored, "ci/aaaaaaaa-env-a.json")["results"]) == {"relu.f", "relu.g"}
    assert (restored / "ci/bbbbbbbb-env-a.json").exists()
    assert read(restored, "ci/semantics/aaaaaaaa-env-a.semantics")["env_name"] == "env-a"
    # The user's own branch, index and working tree are untouched.
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True)
    assert status.stdout == ""
    assert cli("store", "--dir", restored, "--repo", repo).stdout.strip().endswith("nothing new to store")


def test_restore_prefers_local_results_and_reads_origin_copy(repo, tmp_path):
    stored = tmp_path / "stored"
    shard(stored, "env-a", benchmarks={"relu.f": 1.0})
    results.store("asv-results", stored, "m", repo)
    # A fresh CI clone has only origin/asv-results.
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)
    local = tmp_path / "local"
    shard(local, "env-a", benchmarks={"relu.f": 9.0})
    results.restore("asv-results", local, clone)
    assert read(local, "ci/aaaaaaaa-env-a.json")["results"]["relu.f"][0] == [9.0]


def test_restore_quarantines_a_corrupt_stored_file_and_keeps_the_good_ones(repo, tmp_path):
    good = tmp_path / "good"
    shard(good, "env-a")
    results.store("asv-results", good, "m", repo)
    # Corrupt one file on the branch behind the script's back.
    blob = git_out(repo, "hash-object", "-w", "--stdin", input="{oops")
    tree = git_out(repo, "mktree", input=f"100644 blob {blob}\tbenchmarks.json\n")
    parent = results.branch_commit("asv-results", repo)[1]
    base_tree = git_out(repo, "rev-parse", f"{parent}:ci")
    tree = git_out(repo, "mktree", input=f"100644 blob {blob}\tbenchmarks.json\n040000 tree {base_tree}\tci\n")
    commit = git_out(repo, "commit-tree", tree, "-p", parent, "-m", "bad")
    subprocess.run(["git", "update-ref", "refs/heads/asv-results", commit], cwd=repo, check=True)
    out = tmp_path / "out"
    proc = cli("restore", "--dir", out, "--repo", repo)
    assert proc.returncode == 0
    assert "benchmarks.json: not valid JSON" in proc.stderr
    assert (out / "ci/aaaaaaaa-env-a.json").exists() and not (out / "benchmarks.json").exists()
    assert [p.read_text() for p in out.glob("quarantine/benchmarks.json.*.corrupt")] == ["{oops"]


def test_interrupted_store_leaves_the_branch_as_it_was(repo, tmp_path, monkeypatch):
    first = tmp_path / "first"
    shard(first, "env-a")
    results.store("asv-results", first, "m", repo)
    before = results.branch_commit("asv-results", repo)[1]
    second = tmp_path / "second"
    shard(second, "env-b")

    def dies_before_update_ref(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(results.git, "update_ref", dies_before_update_ref)
    with pytest.raises(KeyboardInterrupt):
        results.store("asv-results", second, "m", repo)
    monkeypatch.undo()
    assert results.branch_commit("asv-results", repo)[1] == before
    assert sorted(branch_files(repo)) == ["benchmarks.json", "ci/aaaaaaaa-env-a.json", "ci/machine.json"]


def test_store_refuses_to_move_a_branch_that_moved_meanwhile(repo, tmp_path, monkeypatch):
    first = tmp_path / "first"
    shard(first, "env-a")
    results.store("asv-results", first, "m", repo)
    real_update_ref = results.git.update_ref
    other = tmp_path / "other"
    shard(other, "env-c")

    def another_writer_first(*args, **kwargs):  # someone stores between our read and our write
        monkeypatch.setattr(results.git, "update_ref", real_update_ref)
        results.store("asv-results", other, "other", repo)
        return real_update_ref(*args, **kwargs)

    monkeypatch.setattr(results.git, "update_ref", another_writer_first)
    mine = tmp_path / "mine"
    shard(mine, "env-d")
    with pytest.raises(UserError):
        results.store("asv-results", mine, "mine", repo)
    files = branch_files(repo)
    assert "ci/aaaaaaaa-env-c.json" in files and "ci/aaaaaaaa-env-d.json" not in files


def test_machine_name_holds_the_cpu_model(tmp_path):
    cpuinfo = write(tmp_path, "cpuinfo", "processor\t: 0\nmodel name\t: AMD EPYC 7763 64-Core Processor\n")
    assert results.machine_name("github-actions", cpuinfo) == "github-actions-amd-epyc-7763-64-core-processor"
    other = write(tmp_path, "other", "model name\t: Intel(R) Xeon(R) Platinum 8370C CPU @ 2.80GHz\n")
    assert results.machine_name("github-actions", other) == "github-actions-intel-r-xeon-r-platinum-8370c-cpu-2-80ghz"
    proc = cli("machine", "ci")
    assert proc.returncode == 0 and proc.stdout.startswith("ci-") and " " not in proc.stdout.strip()


def test_shard_keys_change_with_their_release_line_only(monkeypatch):
    from relu_bench.commands import results as command

    before = {s["release"]: s["key"] for s in json.loads(command.shards().split("=", 1)[1])}
    table = command.releases()
    table["theano-1.0.5"] = dict(table["theano-1.0.5"], python="3.12")
    monkeypatch.setattr(command, "releases", lambda: table)
    after = {s["release"]: s["key"] for s in json.loads(command.shards().split("=", 1)[1])}
    assert [name for name in before if before[name] != after[name]] == ["theano-1.0.5"]


def test_the_noise_model_s_pairs_are_merged_not_replaced_and_asv_does_not_read_them():
    from relu_bench.results import history

    name = "noise/AMD-EPYC-2-CPUs-24-GiB.noise"
    old = {"host": "h", "pairs": [{"runs": ["a", "b"], "commit": "c1", "logs": {}}]}
    new = {"host": "h", "pairs": [{"runs": ["c", "d"], "commit": "c2", "logs": {}}]}
    merged = history.combine(name, old, new)
    assert [p["commit"] for p in merged["pairs"]] == ["c1", "c2"]
    assert history.check(name, json.dumps(new)) == new  # JSON, not handed to asv's result loader
    assert not history.is_result_file(name) and not name.endswith(".json")


def test_a_named_branch_that_does_not_exist_is_an_error_not_an_empty_history(repo, tmp_path):
    proc = cli("restore", "--branch", "nosuch", "--dir", tmp_path / "out", "--repo", repo)
    assert proc.returncode == 2 and "no branch 'nosuch'" in proc.stderr, proc.stderr
    # The default branch, absent on a repository's first run, starts empty.
    assert cli("restore", "--dir", tmp_path / "out", "--repo", repo).returncode == 0


def test_a_mistyped_store_dir_or_repo_is_a_message(repo, tmp_path):
    proc = cli("store", "--dir", tmp_path / "typo", "--repo", repo)
    assert proc.returncode == 2 and "no such directory" in proc.stderr, proc.stderr
    assert results.branch_commit("asv-results", repo)[1] is None
    for action in ("store", "restore"):
        proc = cli(action, "--dir", tmp_path, "--repo", tmp_path / "nonexistent")
        assert proc.returncode == 2 and "not a git repository" in proc.stderr and "Traceback" not in proc.stderr


def test_two_corrupt_copies_of_one_name_are_both_kept_and_ci_gets_an_annotation(repo, tmp_path, monkeypatch):
    for text in ("{first", "{second"):
        out = tmp_path / text[1:]
        shard(out, "env-a")
        write(out, "ci/bbbbbbbb-env-a.json", text)
        proc = cli("store", "--dir", out, "--repo", repo, env={**os.environ, "GITHUB_ACTIONS": "true"})
        assert proc.returncode == 0 and "::warning::ci/bbbbbbbb-env-a.json: not valid JSON" in proc.stderr
    kept = quarantined(branch_files(repo), "ci/bbbbbbbb-env-a.json")
    assert sorted(branch_files(repo)[n] for n in kept) == ["{first", "{second"]


def test_a_result_the_report_cannot_read_is_quarantined_not_stored(repo, tmp_path):
    out = tmp_path / "out"
    shard(out, "env-a")
    write(out, "ci/bbbbbbbb-env-a.json", dict(result_file("b" * 40, "env-a", {"relu.f": 1.0}), date="yesterday"))
    proc = cli("store", "--dir", out, "--repo", repo)
    assert proc.returncode == 0 and "its date 'yesterday'" in proc.stderr, proc.stderr
    names = branch_files(repo)
    assert "ci/aaaaaaaa-env-a.json" in names and "ci/bbbbbbbb-env-a.json" not in names
    assert quarantined(names, "ci/bbbbbbbb-env-a.json")


def test_store_refuses_a_branch_rewritten_since_the_restore(repo, tmp_path):
    first = tmp_path / "first"
    shard(first, "env-a")
    results.store("asv-results", first, "m", repo)
    restored = tmp_path / "restored"
    assert cli("restore", "--dir", restored, "--repo", repo).returncode == 0
    empty = git_out(repo, "commit-tree", git_out(repo, "mktree", input=""), "-m", "dropped everything")
    git_out(repo, "update-ref", "refs/heads/asv-results", empty)  # a force-push that dropped the files
    shard(restored, "env-a", commit="b" * 40)
    proc = cli("store", "--dir", restored, "--repo", repo)
    assert proc.returncode == 2 and "does not descend from" in proc.stderr, proc.stderr
    assert git_out(repo, "rev-parse", "asv-results") == empty
