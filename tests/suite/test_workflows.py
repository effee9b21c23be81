"""The GitHub workflows: zizmor finds nothing, GitHub's schema accepts them, and the rules they rely on hold
(pinned actions, least privilege, no untrusted expression in a shell line, the comment workflow reads its
artifact as data)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
BIN = Path(sys.executable).parent
PINNED = re.compile(r"^\s*(?:-\s*)?uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40}) # v\d+(\.\d+)*\s*$")


def load(name):
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def steps(workflow):
    for job in workflow["jobs"].values():
        yield from job.get("steps", [])


def test_the_four_workflows_exist():
    assert [p.name for p in FILES] == ["pr-check.yml", "pr-comment.yml", "publish.yml", "tests.yml"]


def test_zizmor_finds_nothing():
    proc = subprocess.run([str(BIN / "zizmor"), "--offline", str(WORKFLOWS.parent)], capture_output=True, text=True)
    assert proc.returncode == 0 and "No findings" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_github_schema_accepts(path):
    cmd = [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_dependabot_keeps_the_pinned_actions_current():
    config = WORKFLOWS.parent / "dependabot.yml"
    cmd = [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.dependabot", str(config)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ecosystems = {u["package-ecosystem"] for u in yaml.safe_load(config.read_text())["updates"]}
    assert {"github-actions", "pip"} <= ecosystems


def test_docs_only_changes_skip_the_pr_check_not_the_tests():
    assert "**.md" in load("pr-check.yml")["on"]["pull_request"]["paths-ignore"]
    assert load("tests.yml")["on"]["pull_request"] is None  # the tests read the README's tables


def test_a_slowdown_that_reaches_main_is_reported():
    job = load("publish.yml")["jobs"]["slowdowns"]
    assert job["if"] == "github.event_name == 'push'"
    run = next(s["run"] for s in job["steps"] if "relu-bench compare" in s.get("run", ""))
    assert '"$(git rev-parse HEAD^1)" HEAD' in run and "$GITHUB_STEP_SUMMARY" in run
    assert "slowdowns" not in str(load("publish.yml")["jobs"]["store"]["needs"])  # a slowdown does not stop publishing


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_commit_with_its_version(path):
    for line in path.read_text().splitlines():
        if re.match(r"^\s*(-\s*)?uses:", line):
            assert PINNED.match(line), f"{path.name}: not pinned to a 40-hex SHA with a `# vX` comment: {line}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_least_privilege_and_no_expression_in_shell(path):
    workflow = load(path.name)
    assert workflow["permissions"] == {}, "grant permissions per job"
    assert "pull_request_target" not in workflow["on"]
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{name}: no job permissions"
    for step in steps(workflow):
        assert "${{" not in step.get("run", ""), f"{path.name}: expression in a run: line (use env): {step}"
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_pr_check_runs_on_pull_request_and_publishes_its_table():
    workflow = load("pr-check.yml")
    assert set(workflow["on"]) == {"pull_request", "workflow_dispatch"}
    runs = "\n".join(step.get("run", "") for step in steps(workflow))
    assert "relu-bench compare" in runs and "--full-matrix" in runs and "$GITHUB_STEP_SUMMARY" in runs
    compare = next(s for s in steps(workflow) if "relu-bench compare" in s.get("run", ""))
    assert "full-matrix" in compare["env"]["FULL_MATRIX"]
    # Without valgrind the instruction counts would be skipped on both sides, and the check silently weaker.
    assert "valgrind" in runs
    upload = [s for s in steps(workflow) if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload and upload[0]["with"]["name"] == "pr-check"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_workflow_that_runs_the_suite_or_its_tests_installs_valgrind(path):
    runs = "\n".join(step.get("run", "") for step in steps(load(path.name)))
    if any(command in runs for command in ("tools.run_tests", "relu-bench compare", "tools bench")):
        assert "apt-get install" in runs and "valgrind" in runs, f"{path.name}: GitHub's images have no valgrind"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_rerun_replaces_its_artifacts(path):
    for step in steps(load(path.name)):
        if step.get("uses", "").startswith("actions/upload-artifact@"):
            assert step["with"].get("overwrite") is True, f"{path.name}: a re-run would fail on the name"


def test_only_the_full_matrix_label_restarts_the_pr_check():
    workflow = load("pr-check.yml")
    assert "concurrency" not in workflow, "a workflow-level group lets any labeled run cancel the check"
    (job,) = workflow["jobs"].values()
    assert job["concurrency"]["cancel-in-progress"] is True
    assert job["if"] == "github.event.action != 'labeled' || github.event.label.name == 'full-matrix'"


def test_the_pr_check_is_judged_by_the_base_commits_tools_against_what_the_merge_commit_merges_into(tmp_path):
    """The judge and compare steps' shell, run on a merge commit whose base branch moved after the PR was opened and
    whose PR loosened the rule: `relu-bench` (a fake recording where it runs) must be the base's, run from its tree."""
    judge, compare = (
        next(s for s in steps(load("pr-check.yml")) if key in s.get("run", "")) for key in ("pip", "compare")
    )
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@invalid"]
    repo, fakes = tmp_path / "repo", tmp_path / "bin"
    repo.mkdir(), fakes.mkdir()

    def sh(*args):
        return subprocess.run(args, cwd=repo, check=True, capture_output=True, text=True).stdout.strip()

    def commit(message, rule=None):
        if rule:
            (repo / "rule.txt").write_text(rule)
            sh("git", "add", "rule.txt")
        sh(*git, "commit", "-q", "--allow-empty", "-m", message)
        return sh("git", "rev-parse", "HEAD")

    sh("git", "init", "-q", "-b", "main")
    stale_base = commit("opened against this", rule="threshold 1.05")
    sh("git", "switch", "-q", "-c", "pr")
    commit("the PR loosens its judge", rule="threshold 100")
    sh("git", "switch", "-q", "main")
    moved = commit("main moved on")
    sh(*git, "merge", "-q", "--no-ff", "-X", "theirs", "-m", "merge commit", "pr")  # what actions/checkout gives a PR
    merge = sh("git", "rev-parse", "HEAD")
    for name, line in {
        "python3": 'echo "$*" > "$LOG.pip"',
        "relu-bench": 'echo "$PWD $(cat rule.txt) $*" > "$LOG"',
    }.items():
        (fakes / name).write_text(f"#!/bin/sh\n{line}\n")
        (fakes / name).chmod(0o755)
    for event, expected in (("pull_request", moved), ("workflow_dispatch", stale_base)):
        temp, output, log = tmp_path / event, tmp_path / f"{event}.out", tmp_path / f"{event}.log"
        temp.mkdir()
        env = {"EVENT": event, "BASE_INPUT": stale_base, "FULL_MATRIX": "false", "GITHUB_STEP_SUMMARY": "/dev/null"}
        env |= {"RUNNER_TEMP": str(temp), "GITHUB_OUTPUT": str(output), "GITHUB_WORKSPACE": str(repo), "LOG": str(log)}
        env["PATH"] = f"{fakes}:/usr/bin:/bin"
        done = subprocess.run(["bash", "-c", judge["run"]], cwd=repo, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert (tmp_path / f"{event}.log.pip").read_text().split() == [
            "-m",
            "pip",
            "install",
            "-e",
            f"{temp}/judge[tools]",
        ]
        outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
        assert outputs == {"base": expected, "head": merge}
        env |= {"BASE": outputs["base"], "HEAD": outputs["head"]}
        done = subprocess.run(["bash", "-c", compare["run"]], cwd=repo, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        where, *rule, args = log.read_text().split(" ", 3)
        assert where == f"{temp}/judge" and rule == ["threshold", "1.05"], log.read_text()
        assert args.split()[:3] == ["compare", expected, merge] and f"--output {repo}/pr-check" in args


def test_pr_comment_runs_mains_script_on_the_artifact_with_minimal_rights():
    """The checks themselves are tools/pr_comment.py's (tests/suite/test_pr_comment.py): here, that the workflow
    runs main's copy (a workflow_run checkout is the default branch) with the run's facts from GitHub."""
    workflow = load("pr-comment.yml")
    assert workflow["on"]["workflow_run"] == {"workflows": ["pr-check"], "types": ["requested", "completed"]}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"pull-requests": "write", "actions": "read", "contents": "read"}
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert "ref" not in checkout.get("with", {}) and "repository" not in checkout.get("with", {}), "no PR code here"
    step = next(s for s in job["steps"] if "run" in s)
    assert "python3 -m tools.pr_comment " in step["run"]
    facts = {"PR_REPO": "head_repository.full_name", "HEAD_SHA": "head_sha", "HEAD_BRANCH": "head_branch"}
    for variable, field in facts.items():
        assert (
            step["env"][variable] == f"${{{{ github.event.workflow_run.{field} }}}}" and f'"${variable}"' in step["run"]
        )


def test_publish_shards_per_release_and_deploys_with_the_pages_actions():
    workflow = load("publish.yml")
    assert {"push", "schedule", "workflow_dispatch"} <= set(workflow["on"])
    assert "fromJSON(needs.shards.outputs.shards)" in workflow["jobs"]["bench"]["strategy"]["matrix"]["shard"]
    runs = "\n".join(step.get("run", "") for step in steps(workflow))
    commands = ("results shards", "results restore", "results merge", "results store", "asv publish")
    for command in (*commands, "bench --profile full"):
        assert command in runs
    used = {s["uses"].split("@")[0] for s in steps(workflow) if "uses" in s}
    assert {"actions/configure-pages", "actions/upload-pages-artifact", "actions/deploy-pages"} <= used


def test_the_pr_number_is_recorded_even_when_the_check_wrote_nothing(tmp_path):
    """The compare step may die before creating pr-check/; the comment still needs the number."""
    step = next(s for s in steps(load("pr-check.yml")) if "pr-number" in s.get("run", ""))
    out = subprocess.run(["bash", "-c", step["run"]], cwd=tmp_path, env={"PR_NUMBER": "42", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and (tmp_path / "pr-check" / "pr-number").read_text() == "42\n"


def test_only_stored_results_are_deployed():
    jobs = load("publish.yml")["jobs"]
    deploy = next(job for job in jobs.values() if "deploy" in str(job.get("steps", "")))
    assert "needs.store.result == 'success'" in deploy["if"]


def test_each_shard_fills_the_commits_a_superseded_run_left_and_keeps_one_history_per_cpu():
    """One pending run per concurrency group: a push can be cancelled unbenchmarked. Each shard restores the
    history, then runs every commit of main's last HISTORY_DEPTH without results (relu-bench bench --last),
    under a machine name that holds the CPU model."""
    bench = load("publish.yml")["jobs"]["bench"]
    step = next(s for s in bench["steps"] if "bench --profile full" in s.get("run", ""))
    run = step["run"]
    assert run.index("results restore --dir .asv/results") < run.index("bench --profile full")
    assert '--last "$HISTORY_DEPTH"' in run and int(step["env"]["HISTORY_DEPTH"]) >= 5
    assert '--machine "$(python3 -m tools results machine github-actions)"' in run
    assert load("publish.yml")["concurrency"]["cancel-in-progress"] is False


def test_shard_caches_are_keyed_by_the_release_line():
    bench = load("publish.yml")["jobs"]["bench"]
    cache = next(s for s in bench["steps"] if s.get("uses", "").startswith("actions/cache@"))
    assert "${{ matrix.shard.key }}" in cache["with"]["key"] and "${{ matrix.shard.release }}" in cache["with"]["key"]
    assert {".asv/env", "~/.cache/pip", "~/.cache/relu-bench"} <= set(cache["with"]["path"].split())


@pytest.mark.parametrize("name", ["pr-check.yml", "publish.yml"])
def test_comparisons_keep_their_environments_in_the_cached_folder(name):
    """The PR check and the slowdowns job build asv environments of the newest releases: into the cached folder."""
    for job in load(name)["jobs"].values():
        runs = [s.get("run", "") for s in job.get("steps", [])]
        if not any("relu-bench compare" in run for run in runs):
            continue
        cache = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/cache@"))
        assert "~/.cache/relu-bench" in cache["with"]["path"].split()
        assert "hashFiles('asv.conf.json')" in cache["with"]["key"] and cache["with"]["restore-keys"]
        compare = next(run for run in runs if "relu-bench compare" in run)
        assert "--env-dir ~/.cache/relu-bench/asv-env" in compare
