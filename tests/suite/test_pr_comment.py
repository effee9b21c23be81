"""relu_bench/check/pr_comment.py, the pr-comment workflow's script, against a fake `gh` holding one repository's pull
requests and comments: a run's table lands on its own pull request only, in one comment updated in place, with
links to the run and to the flagged benchmarks' graphs; a new run marks it as running."""

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

REPO = "owner/relu-bench"
RUN = "https://github.com/owner/relu-bench/actions/runs/7"
FAKE_GH = r"""#!/usr/bin/env python3
import json, os, sys
state_file = os.environ["FAKE_GH_STATE"]
state = json.load(open(state_file))
args = [a for a in sys.argv[2:] if a not in ("--paginate", "--slurp", "--input", "-")]
method = "GET"
if args[0] == "-X":
    method, args = args[1], args[2:]
path, fields = args[0], dict(a.split("=", 1) for a in args[2::2])
state["calls"].append([method, path])
parts = path.split("/")
out = None
if method == "GET" and parts[3:4] == ["pulls"] and len(parts) == 5:
    out = state["pulls"][parts[4]]
elif method == "GET" and parts[3:4] == ["pulls"]:
    out = [p for p in state["pulls"].values()
           if p["head"]["repo"]["full_name"].split("/")[0] + ":" + p["head"]["ref"] == fields["head"]]
elif method == "GET":
    out = [state["comments"].get(parts[4], [])]
elif method == "POST":
    comment = {"id": len(state["calls"]), "user": {"login": "github-actions[bot]"}, **json.load(sys.stdin)}
    state["comments"].setdefault(parts[4], []).append(comment)
else:
    body = json.load(sys.stdin)["body"]
    for comments in state["comments"].values():
        for c in comments:
            if str(c["id"]) == parts[5]:
                c["body"] = body
json.dump(state, open(state_file, "w"))
if out is not None:
    print(json.dumps(out))
"""
TABLE = (
    "### Benchmarks: slower\n\n| | benchmark | parameters |\n|---|---|---|\n"
    "| 🔴 slower | `relu.Forward.time_forward` | variant=max_x0 |\n| same | `graph.Graph.track_nodes` | x |\n"
)


def pull(number, sha, repo=REPO, branch="faster-relu"):
    return {"number": number, "head": {"sha": sha, "ref": branch, "repo": {"full_name": repo}}}


@pytest.fixture
def github(tmp_path, monkeypatch):
    """The fake's state: PR 5 from the repository itself, PR 6 from a fork; a human's comment on PR 5."""
    (tmp_path / "bin").mkdir()
    gh = tmp_path / "bin" / "gh"
    gh.write_text(FAKE_GH)
    gh.chmod(0o755)
    state = tmp_path / "state.json"
    human = {"id": 1, "user": {"login": "someone"}, "body": "looks good"}
    pulls = {"5": pull(5, "a" * 40), "6": pull(6, "b" * 40, repo="fork/relu-bench", branch="main")}
    state.write_text(json.dumps({"pulls": pulls, "comments": {"5": [human]}, "calls": []}))
    monkeypatch.setenv("FAKE_GH_STATE", str(state))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return state


def artifact(tmp_path, number, table=TABLE):
    folder = tmp_path / f"artifact-{number}"
    folder.mkdir(exist_ok=True)
    (folder / "pr-number").write_text(f"{number}\n")
    (folder / "table.md").write_text(table)
    return folder


def comment(*args, sha="a" * 40, repo=REPO, branch="faster-relu", run_url=RUN):
    # As the workflow runs it: from the checkout, nothing installed (-S: no site-packages).
    cmd = [sys.executable, "-S", "-m", "relu_bench.check.pr_comment", "--repo", REPO, "--pr-repo", repo]
    cmd += ["--head-sha", sha, "--head-branch", branch, "--run-url", run_url, *args]
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)


def ours(state, number):
    return [c for c in json.loads(state.read_text())["comments"].get(number, []) if c["user"]["login"] != "someone"]


def test_the_table_is_posted_once_and_updated_in_place(github, tmp_path):
    site = "https://owner.github.io/relu-bench"
    assert comment("--artifact", str(artifact(tmp_path, 5)), "--site", site).returncode == 0
    [posted] = ours(github, "5")
    assert TABLE in posted["body"] and f"[The run]({RUN})" in posted["body"]
    assert f"[`relu.Forward.time_forward`]({site}/#relu.Forward.time_forward)" in posted["body"]
    assert "graph.Graph" not in posted["body"].split("Published history")[1]  # only flagged benchmarks link

    assert comment("--artifact", str(artifact(tmp_path, 5, "### nothing slower\n"))).returncode == 0
    [updated] = ours(github, "5")
    assert updated["id"] == posted["id"] and "nothing slower" in updated["body"] and "🔴" not in updated["body"]


def test_a_fork_cannot_post_on_another_pull_request(github, tmp_path):
    """A fork's run (PR 6) writes 5 into its artifact: PR 5's head is another repository, branch and commit."""
    done = comment("--artifact", str(artifact(tmp_path, 5)), sha="b" * 40, repo="fork/relu-bench", branch="main")
    assert done.returncode == 0 and "not commenting" in done.stdout
    assert ours(github, "5") == []
    # The same commit and branch name from another repository is refused too.
    done = comment("--artifact", str(artifact(tmp_path, 5)), repo="fork/relu-bench")
    assert done.returncode == 0 and ours(github, "5") == []


def test_a_new_run_marks_the_comment_running_and_keeps_the_table(github, tmp_path):
    assert comment("--artifact", str(artifact(tmp_path, 5))).returncode == 0
    for _ in range(2):
        assert comment("--running").returncode == 0
        [marked] = ours(github, "5")
        assert marked["body"].count("A new run is in progress") == 1 and TABLE in marked["body"]
    assert comment("--artifact", str(artifact(tmp_path, 5, "### nothing slower\n"))).returncode == 0
    assert "in progress" not in ours(github, "5")[0]["body"]


def test_a_bad_pr_number_is_an_error_and_posts_nothing(github, tmp_path):
    folder = artifact(tmp_path, 5)
    (folder / "pr-number").write_text("5; rm -rf /")
    done = comment("--artifact", str(folder))
    assert done.returncode != 0 and "not a number" in done.stderr
    assert json.loads(github.read_text())["calls"] == []


def test_a_run_that_ends_without_a_table_removes_its_own_mark_only(github, tmp_path):
    """A skipped or cancelled run has no artifact: its "in progress" note must not stay, and must not remove the
    note of a newer run that is still going."""
    assert comment("--artifact", str(artifact(tmp_path, 5))).returncode == 0
    assert comment("--running").returncode == 0
    newer = RUN.replace("/7", "/8")
    assert comment("--running", run_url=newer).returncode == 0
    assert comment("--no-table").returncode == 0  # run 7 ends: run 8's note stays
    [marked] = ours(github, "5")
    assert f"[the run]({newer})" in marked["body"] and TABLE in marked["body"]
    assert comment("--no-table", run_url=newer).returncode == 0
    [cleared] = ours(github, "5")
    assert "in progress" not in cleared["body"] and TABLE in cleared["body"]


def test_a_huge_table_is_cut_to_fit_with_links_only_to_what_is_shown(github, tmp_path):
    """GitHub refuses a body over 65,536 characters, also once marked running; links come from the shown rows, and
    a cut inside the collapsed section closes it (else the run's link would be hidden in it)."""
    rows = "".join(f"| 🔴 slower | `relu.Forward.time_{i:05}` | variant=max_x0 |\n" for i in range(3000))
    table = f"### SLOWER\n\n<details><summary>all</summary>\n\n{rows}\n</details>\n"
    site = "https://owner.github.io/relu-bench"
    assert comment("--artifact", str(artifact(tmp_path, 5, table)), "--site", site).returncode == 0
    assert comment("--running", run_url=RUN.replace("/7", "/8")).returncode == 0
    [posted] = ours(github, "5")
    text = posted["body"]
    assert len(text) <= 65536 and "table cut" in text
    shown, links = text.split("Published history")
    assert shown.rindex("</details>") > shown.rindex("relu.Forward.time_")
    assert links.count(f"]({site}/#") == shown.count("| 🔴 slower |") > 100
    assert text.rstrip().endswith(f"[The run]({RUN})")


def test_each_workflow_keeps_its_own_comment(github, tmp_path):
    """pr-check and pr-check-full-matrix: the later run must not overwrite the other's table or clear its mark."""
    assert comment("--artifact", str(artifact(tmp_path, 5))).returncode == 0
    full = RUN.replace("/7", "/9")
    assert comment("--running", "--workflow", "pr-check-full-matrix", run_url=full).returncode == 0
    assert "in progress" not in ours(github, "5")[0]["body"]  # no full-matrix comment yet: nothing marked
    assert comment("--running").returncode == 0
    assert comment("--no-table", "--workflow", "pr-check-full-matrix", run_url=full).returncode == 0
    assert "A new run is in progress" in ours(github, "5")[0]["body"]  # pr-check's mark stays
    folder = artifact(tmp_path, 5, "### every release: nothing slower\n")
    assert comment("--artifact", str(folder), "--workflow", "pr-check-full-matrix", run_url=full).returncode == 0
    first, second = ours(github, "5")
    assert TABLE in first["body"] and "every release" in second["body"]
    assert second["body"].startswith("<!-- relu-bench pr-check-full-matrix -->")


def test_a_run_that_ends_without_a_table_says_so_above_the_earlier_table(github, tmp_path):
    assert comment("--artifact", str(artifact(tmp_path, 5))).returncode == 0
    assert comment("--running").returncode == 0
    assert comment("--no-table").returncode == 0
    [noted] = ours(github, "5")
    assert "The latest run" in noted["body"] and "ended without a table" in noted["body"] and TABLE in noted["body"]


def test_an_artifact_without_a_table_says_the_latest_run_ended_without_one(github, tmp_path):
    assert comment("--artifact", str(artifact(tmp_path, 5))).returncode == 0
    folder = artifact(tmp_path, 5)
    (folder / "table.md").unlink()  # the compare step timed out; the upload ran all the same
    assert comment("--artifact", str(folder)).returncode == 0
    [updated] = ours(github, "5")
    assert "latest run ended without a table" in updated["body"] and TABLE not in updated["body"]


def test_a_pull_request_that_edits_the_check_s_machinery_is_named_in_the_comment(github, tmp_path):
    folder = artifact(tmp_path, 5)
    (folder / "judge-edits.txt").write_text(".github/workflows/pr-check.yml\nrelu_bench/check/rule.py\n`rm -rf`|\n")
    assert comment("--artifact", str(folder)).returncode == 0
    [posted] = ours(github, "5")
    assert "edits what runs the check: `.github/workflows/pr-check.yml`, `relu_bench/check/rule.py`." in posted["body"]
    assert "rm -rf" not in posted["body"] and TABLE in posted["body"]
