"""The GitHub workflows: zizmor finds nothing, GitHub's schema accepts them, and the rules they rely on hold
(pinned actions, least privilege, no untrusted expression in a shell line, the comment workflow reads its
artifact as data)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
import yaml
from conftest import GIT, ROOT

from relu_bench.envs.matrix import releases
from relu_bench.envs.venvs import TOOLS_PYTHON

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


def step(workflow, name):
    return next(s for s in steps(workflow) if s.get("name") == name)


def run_step(run, cwd, env):
    """A step's shell as the runner runs it (bash -e), with a PATH of the directory `bin` beside cwd first."""
    env = {"PATH": f"{cwd.parent / 'bin'}:/usr/bin:/bin", **env}
    return subprocess.run(["bash", "-e", "-c", run], cwd=cwd, env=env, capture_output=True, text=True)


def fake(folder, name, line):
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(f"#!/bin/sh\n{line}\n")
    (folder / name).chmod(0o755)


REQUIRED = "Compare base and head"  # the required check: pr-check.yml's job


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


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_are_pinned_to_a_commit_with_its_version(path):
    for line in path.read_text().splitlines():
        if re.match(r"^\s*(-\s*)?uses:", line) and "uses: ./.github/workflows/" not in line:  # this commit's own
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


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_workflow_that_runs_the_suite_or_its_tests_installs_valgrind(path):
    runs = "\n".join(step.get("run", "") for step in steps(load(path.name)))
    if any(command in runs for command in ("relu_bench.run_tests", "relu-bench compare", "relu_bench bench")):
        assert "apt-get install" in runs and "valgrind" in runs, f"{path.name}: GitHub's images have no valgrind"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_rerun_replaces_its_artifacts(path):
    for step in steps(load(path.name)):
        if step.get("uses", "").startswith("actions/upload-artifact@"):
            assert step["with"].get("overwrite") is True, f"{path.name}: a re-run would fail on the name"


def test_pr_comment_runs_mains_script_on_the_artifact_with_minimal_rights():
    """The checks themselves are relu_bench/check/pr_comment.py's (tests/suite/test_pr_comment.py): here, that the
    workflow
    runs main's copy (a workflow_run checkout is the default branch) with the run's facts from GitHub."""
    workflow = load("pr-comment.yml")
    workflows = {load(name)["name"] for name in ("pr-check.yml", "pr-check-full-matrix.yml")}
    assert workflow["on"]["workflow_run"] == {"workflows": sorted(workflows), "types": ["requested", "completed"]}
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"pull-requests": "write", "actions": "read", "contents": "read"}
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert "ref" not in checkout.get("with", {}) and "repository" not in checkout.get("with", {}), "no PR code here"
    step = next(s for s in job["steps"] if "run" in s)
    assert "python3 -m relu_bench.check.pr_comment " in step["run"]
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


# ---------------------------------------------------------------- the required check (pr-check.yml)


def test_the_required_check_is_only_ever_the_comparison():
    """GitHub counts a skipped job as a success for a required check of its name, and leaves a check that never
    starts (a path filter) pending. Stands in for GitHub: the job of that name, in every workflow, starts on every
    change of a pull request (no label, no path filter), has no `if:`, and is the comparison."""
    named = [(p.name, job) for p in FILES for job in load(p.name)["jobs"].values() if job.get("name") == REQUIRED]
    assert [name for name, _ in named] == ["pr-check.yml"]
    (_, job), trigger = named[0], load("pr-check.yml")["on"]["pull_request"]
    assert trigger == {"types": ["opened", "synchronize", "reopened", "edited"]}, "no labeled, no paths/paths-ignore"
    assert "if" not in job and any("relu-bench compare" in s.get("run", "") for s in job["steps"])


def test_the_full_matrix_runs_under_its_own_check_names():
    """The label starts its own workflow, whose skipped runs (other labels) bear other names; it is the same job
    (pr-check.yml, called) on every release."""
    workflow = load("pr-check-full-matrix.yml")
    assert "labeled" in workflow["on"]["pull_request"]["types"] and "workflow_dispatch" in workflow["on"]
    (job,) = workflow["jobs"].values()
    assert job["name"] != REQUIRED and "full-matrix" in job["if"]
    assert job["uses"] == "./.github/workflows/pr-check.yml" and job["with"]["full-matrix"] is True
    compare = step(load("pr-check.yml"), "Compare base and head")
    assert compare["env"]["FULL_MATRIX"] == "${{ inputs.full-matrix }}" and "--all-releases" in compare["run"]


def repo_with_history(tmp_path):
    """main: c1 - c2 - c3 - c4 (c2 edits code, c3 the README, c4 code), a pull request's merge commit on c4, and
    `old`, a line from c2 that a force-push to main dropped."""
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args):
        return subprocess.run([*GIT, *args], cwd=repo, check=True, capture_output=True, text=True).stdout.strip()

    def commit(path, text):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
        git("add", "-A")
        git("commit", "-qm", path)
        return git("rev-parse", "HEAD")

    git("init", "-q", "-b", "main")
    c = {"c1": commit("relu_impls/op.py", "1"), "c2": commit("relu_impls/op.py", "2")}
    c["c3"] = commit("README.md", "docs")
    c["c4"] = commit("relu_bench/check/rule.py", "4")
    git("switch", "-q", "-c", "old", c["c2"])
    c["old"] = commit("relu_impls/op.py", "dropped")
    git("switch", "-q", "-c", "pr", c["c4"])
    c["pr"] = commit("docs/guide.md", "more docs")
    git("switch", "-q", "main")
    git("merge", "-q", "--no-ff", "-m", "merge", "pr")
    c["merge"] = git("rev-parse", "HEAD")
    return repo, git, c


def choose(repo, tmp_path, event, before="", base_input="origin/main", queue_base="", fails=False):
    run = step(load("pr-check.yml"), "Choose the commits")["run"]
    output, summary = tmp_path / "output", tmp_path / "summary"
    for f in (output, summary):
        f.write_text("")
    env = {"EVENT": event, "BEFORE": before, "BASE_INPUT": base_input, "QUEUE_BASE": queue_base}
    done = run_step(run, repo, env | {"GITHUB_OUTPUT": str(output), "GITHUB_STEP_SUMMARY": str(summary)})
    if fails:
        assert done.returncode != 0
        return done.stdout + done.stderr
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in output.read_text().splitlines()), summary.read_text()


def test_the_commits_compared_for_a_pull_request_a_push_and_a_manual_run(tmp_path):
    """The step's shell on the commits GitHub gives each event: a push is checked as a whole (the branch before it
    against its head, not only its last commit), also when it created the branch or was forced."""
    repo, git, c = repo_with_history(tmp_path)
    zeros = "0" * 40
    cases = [
        ("pull_request", "", c["merge"], c["c4"]),  # what the merge commit merges into
        ("push", c["c1"], "c4", c["c1"]),  # a push of c2..c4: all three against c1
        ("push", zeros, "c4", c["c3"]),  # a new branch: the first parent
        ("push", c["old"], "c4", c["c2"]),  # forced over `old`: where the lines part
        ("push", "f" * 40, "c4", c["c3"]),  # forced over a commit this clone lacks
        ("workflow_dispatch", "", "c4", c["c2"]),  # a manual run: the merge base with the branch named
    ]
    for event, before, head, expected in cases:
        git("checkout", "-q", "--detach", c.get(head, head))
        outputs, _ = choose(repo, tmp_path, event, before, base_input=c["old"])
        assert (outputs["base"], outputs["head"]) == (expected, c.get(head, head)), (event, before)


def test_a_documentation_only_diff_passes_the_check_quickly_saying_so(tmp_path):
    """No path filter: the job itself sees a diff of only Markdown, says so in its summary and the comment's table,
    and skips every later step; any other file and it benchmarks."""
    repo, git, c = repo_with_history(tmp_path)
    outputs, summary = choose(repo, tmp_path, "pull_request")  # the merge adds docs/guide.md only
    assert outputs["benchmark"] == "false" and "Only documentation changed" in summary
    assert (repo / "pr-check" / "table.md").read_text() == summary
    git("checkout", "-q", "--detach", c["c4"])
    assert choose(repo, tmp_path, "push", c["c2"])[0]["benchmark"] == "true"  # c3 docs, c4 code
    job = load("pr-check.yml")["jobs"]["compare"]
    later = job["steps"][job["steps"].index(step(load("pr-check.yml"), "Choose the commits")) + 1 :]
    gated = [s for s in later if s.get("if") == "steps.commits.outputs.benchmark == 'true'"]
    assert {"Install the judge, the base commit's tools", "Compare base and head"} <= {s.get("name") for s in gated}


def test_the_pr_check_is_judged_by_the_base_commits_tools(tmp_path):
    """The judge and compare steps' shell after the commits were chosen: `relu-bench` (a fake recording where it
    runs) must be the base's, installed from and run in a worktree of the base, never the head's checkout."""
    repo, git, c = repo_with_history(tmp_path)
    git("checkout", "-q", "--detach", c["merge"])
    bin_dir, log, temp = tmp_path / "bin", tmp_path / "log", tmp_path / "temp"
    temp.mkdir()
    fake(bin_dir, "python3", 'echo "$*" > "$LOG.pip"')
    fake(bin_dir, "relu-bench", 'echo "$(git rev-parse HEAD) $PWD $*" > "$LOG"')
    env = {"BASE": c["c2"], "HEAD": c["merge"], "RUNNER_TEMP": str(temp), "LOG": str(log), "FULL_MATRIX": "false"}
    env |= {"GITHUB_WORKSPACE": str(repo), "GITHUB_STEP_SUMMARY": "/dev/null"}
    workflow = load("pr-check.yml")
    for name in ("Install the judge, the base commit's tools", "Compare base and head"):
        done = run_step(step(workflow, name)["run"], repo, env)
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "log.pip").read_text().split() == ["-m", "pip", "install", "-e", f"{temp}/judge[tools]"]
    tree, where, args = log.read_text().split(" ", 2)
    assert (tree, where) == (c["c2"], f"{temp}/judge")
    assert args.split()[:3] == ["compare", c["c2"], c["merge"]] and f"--output {repo}/pr-check" in args


def test_slowdowns_of_main_are_their_own_workflow_one_group_per_commit():
    """Not in publish.yml (whose lock a 4-hour comparison held), and no push cancels or queues out another's."""
    workflow = load("slowdowns.yml")
    assert workflow["on"] == {"push": {"branches": ["main"]}} and "concurrency" not in workflow
    (job,) = workflow["jobs"].values()
    assert job["uses"] == "./.github/workflows/pr-check.yml" and job["name"] != REQUIRED
    group = load("pr-check.yml")["jobs"]["compare"]["concurrency"]
    assert group["group"] == "${{ github.workflow }}-${{ github.event.pull_request.number || github.sha }}"
    assert group["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    assert not any("relu-bench compare" in s.get("run", "") for s in steps(load("publish.yml")))


# ---------------------------------------------------------------- caches, runners


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_caches_are_saved_on_main_also_when_a_benchmark_failed(path):
    """actions/cache saves only after success, and one failing point fails a run: restore and save apart, the
    save on main (whose caches every branch may read) unless cancelled, under the key the restore computed."""
    workflow = load(path.name)
    assert not [s for s in steps(workflow) if s.get("uses", "").startswith("actions/cache@")]
    for job in workflow["jobs"].values():
        restores = {s["id"]: s for s in job.get("steps", []) if s.get("uses", "").startswith("actions/cache/restore@")}
        saves = [s for s in job.get("steps", []) if s.get("uses", "").startswith("actions/cache/save@")]
        assert len(saves) == len(restores)
        for save in saves:
            (cache_id,) = re.findall(r"steps\.(\w+)\.outputs\.cache-primary-key", save["with"]["key"])
            assert save["with"]["path"] == restores[cache_id]["with"]["path"]
            condition = save["if"]
            assert "!cancelled()" in condition and "github.ref == 'refs/heads/main'" in condition
            assert "always()" not in condition and "success()" not in condition


def test_pull_requests_read_the_cache_main_saves():
    """One step (pr-check.yml's, which slowdowns.yml calls on main) restores and saves it: one key prefix."""
    restore = step(load("pr-check.yml"), "Restore the asv environments, downloads and compile dirs")
    assert restore["with"]["key"].startswith(restore["with"]["restore-keys"])
    assert "hashFiles('asv.conf.json')" in restore["with"]["key"]
    assert "~/.cache/relu-bench" in restore["with"]["path"].split()
    assert "--env-dir ~/.cache/relu-bench/asv-env" in step(load("pr-check.yml"), "Compare base and head")["run"]


def test_shard_caches_are_keyed_by_the_release_line():
    cache = step(load("publish.yml"), "Restore the release's environment, downloads and compile dirs")
    assert "${{ matrix.shard.key }}" in cache["with"]["key"] and "${{ matrix.shard.release }}" in cache["with"]["key"]
    assert {".asv/env", "~/.cache/pip", "~/.cache/relu-bench"} <= set(cache["with"]["path"].split())


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_runners_are_a_pinned_image(path):
    """ubuntu-latest moves to a new image (compilers, libraries) without notice: the history would jump."""
    for name, job in load(path.name)["jobs"].items():
        assert job.get("runs-on", "ubuntu-24.04") == "ubuntu-24.04", name


# ---------------------------------------------------------------- the published history (publish.yml)


def test_a_shard_that_runs_out_of_time_still_uploads_what_it_finished():
    """A job timeout skips the `!cancelled()` steps: the benchmark step's own timeout ends it first, and the
    results go up whatever happened, so the next run starts from them (bench --last skips what has results)."""
    bench = load("publish.yml")["jobs"]["bench"]
    run = step(load("publish.yml"), "Benchmark the commits without results")
    assert run["timeout-minutes"] + 30 <= bench["timeout-minutes"]
    assert run["run"].index("results restore --dir .asv/results") < run["run"].index("bench --profile full")
    assert '--last "$HISTORY_DEPTH"' in run["run"] and 5 <= int(run["env"]["HISTORY_DEPTH"]) <= 10
    upload = next(s for s in bench["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()" and upload["with"]["path"] == ".asv/results/"
    assert load("publish.yml")["concurrency"]["cancel-in-progress"] is False


def test_the_history_is_kept_per_runner_image_and_cpu(tmp_path):
    """The machine name holds the pinned image and the CPU model (relu-bench results machine, run as the step
    runs it): a new image or CPU starts a history of its own."""
    bench = load("publish.yml")["jobs"]["bench"]
    run = step(load("publish.yml"), "Benchmark the commits without results")["run"]
    (prefix,) = re.findall(r'--machine "\$\(python3 -m relu_bench results machine ([\w.-]+)\)"', run)
    assert prefix == f"github-actions-{bench['runs-on']}"
    done = subprocess.run(
        [sys.executable, "-m", "relu_bench", "results", "machine", prefix], cwd=ROOT, capture_output=True
    )
    assert done.returncode == 0 and done.stdout.decode().startswith("github-actions-ubuntu-24.04-")


def test_publish_runs_on_main_only():
    """A manual run on another branch would store that branch's commits in the shared history: every job that can
    start without all it needs succeeding (none needed, or `!cancelled()`) checks the ref itself."""
    jobs = load("publish.yml")["jobs"]
    for name, job in jobs.items():
        if "needs" not in job or "cancelled()" in job.get("if", "") or "always()" in job.get("if", ""):
            assert "github.ref == 'refs/heads/main'" in job["if"], name


def test_only_what_was_stored_is_built_and_deployed_and_a_rerun_can_redeploy():
    """The site is built only after the store step succeeded (the store job may fail on a bad shard after
    storing the rest), and the Pages artifact is named per attempt: upload-pages-artifact cannot overwrite, so a
    re-run under one name fails on "Multiple artifacts named github-pages"."""
    jobs = load("publish.yml")["jobs"]
    assert jobs["store"]["outputs"]["stored"] == "${{ steps.store.outcome }}"
    assert "needs.store.outputs.stored == 'success'" in jobs["site"]["if"]
    assert "needs.site.result == 'success'" in jobs["deploy"]["if"]
    name = step(load("publish.yml"), "Name the Pages artifact")
    upload = next(s for s in jobs["site"]["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["name"] == "${{ steps.name.outputs.artifact }}" and "$GITHUB_RUN_ATTEMPT" in name["run"]
    assert jobs["site"]["outputs"]["pages-artifact"] == "${{ steps.name.outputs.artifact }}"
    deploy = next(s for s in jobs["deploy"]["steps"] if s.get("uses", "").startswith("actions/deploy-pages@"))
    assert deploy["with"]["artifact_name"] == "${{ needs.site.outputs.pages-artifact }}"
    assert not [s for s in jobs["store"]["steps"] if "pages" in s.get("uses", "")], "not from the writing job"


def test_the_job_that_can_write_installs_only_pinned_storing_needs():
    """The store job holds contents: write: no `.[tools]` (browser, linters) there, only asv (whose loader
    checks what is stored) and its dependencies, each pinned with hashes, installed without resolving anything."""
    jobs = load("publish.yml")["jobs"]
    writers = [name for name, job in jobs.items() if job["permissions"].get("contents") == "write"]
    assert writers == ["store"]
    runs = [s["run"] for s in jobs["store"]["steps"] if "pip" in s.get("run", "")]
    assert runs == ["python3 -m pip install --require-hashes --no-deps -r .github/store/requirements.txt"]
    pins = locked(".github/store/requirements.txt")
    tools = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["tools"]
    assert f"asv=={pins['asv']}" in tools
    assert set(pins) == closure("asv"), "every dependency of asv, and nothing else"


def test_the_site_that_is_deployed_is_built_from_a_lock_with_hashes():
    """The site job deploys what it builds: it installs the tools extra and all it needs from a lock with hashes
    (nothing resolved at run time), whose pins are pyproject's and whose names close over their dependencies."""
    runs = [s["run"] for s in load("publish.yml")["jobs"]["site"]["steps"] if "pip" in s.get("run", "")]
    assert runs == ["python3 -m pip install --require-hashes --no-deps -r .github/site/requirements.txt"]
    pins = locked(".github/site/requirements.txt")
    tools = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["tools"]
    for tool in tools:
        name, version = tool.split("==")
        assert pins.get(re.sub(r"[-_.]+", "-", name).lower()) == version, f"{tool} locked as pyproject pins it"
    needed = set().union(*(closure(tool.split("==")[0]) for tool in tools))
    assert needed <= set(pins), f"not locked: {sorted(needed - set(pins))}"


def locked(path):
    """{normalized name: version} of a hashed requirements file; every requirement carries a hash."""
    text = (ROOT / path).read_text().replace("\\\n", " ")
    pins = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            requirement, *hashes = line.split("--hash=sha256:")
            name, version = requirement.strip().split("==")
            assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h.strip()) for h in hashes), f"{name}: no hash"
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def closure(name):
    """The distributions `name` needs on Linux CPython 3.11 (the store job's), from the installed metadata."""
    import importlib.metadata

    from packaging.requirements import Requirement

    where = {"python_version": "3.11", "platform_system": "Linux", "platform_python_implementation": "CPython"}
    found, todo = set(), [name]
    while todo:
        key = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if key not in found:
            found.add(key)
            for text in importlib.metadata.requires(key) or []:
                req = Requirement(text)
                if req.marker is None or req.marker.evaluate(where | {"extra": ""}):
                    todo.append(req.name)
    return found


# ---------------------------------------------------------------- the comment (pr-comment.yml), the tests


def test_each_pr_check_run_has_its_own_comment_queue():
    """A group keeps one pending job: branch-wide, a newer run's event would replace run A's `completed` and
    A's table would never be posted. Per run (and attempt), `requested` and `completed` of one run queue."""
    group = load("pr-comment.yml")["concurrency"]
    assert "github.event.workflow_run.id" in group["group"] and "run_attempt" in group["group"]
    (job,) = load("pr-comment.yml")["jobs"].values()
    assert "conclusion" not in job["if"], "a skipped or cancelled run must still clear its mark"


@pytest.mark.parametrize(
    ("action", "conclusion", "downloaded", "expected"),
    [
        ("requested", None, None, ["--running"]),
        ("completed", "success", "success", ["--artifact", "ARTIFACT"]),
        ("completed", "failure", "success", ["--artifact", "ARTIFACT"]),
        ("completed", "failure", "failure", ["--no-table"]),  # died before its upload, or the artifact expired
        ("completed", "skipped", None, ["--no-table"]),
        ("completed", "cancelled", None, ["--no-table"]),
    ],
)
def test_the_comment_step_posts_a_table_only_from_a_run_that_compared(
    tmp_path, action, conclusion, downloaded, expected
):
    """The download step's condition and the post step's shell, with what GitHub gives them: a run that ended
    without a table clears its own "running" mark instead of failing at the download and leaving it."""
    workflow = load("pr-comment.yml")
    download = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/download-artifact@"))
    runs_download = action == "completed" and conclusion in ("success", "failure")
    condition = "github.event.action == 'completed' && contains(fromJSON('[\"success\", \"failure\"]'), "
    assert download["if"] == condition + "github.event.workflow_run.conclusion)" and download["continue-on-error"]
    assert (downloaded is not None) == runs_download
    post = next(s for s in steps(workflow) if "relu_bench.check.pr_comment" in s.get("run", ""))
    (tmp_path / "work").mkdir()
    fake(tmp_path / "bin", "python3", 'echo "$*" > "$LOG"')
    env = {name: name for name in post["env"]} | {"ACTION": action, "DOWNLOAD": downloaded or "", "LOG": "log"}
    done = run_step(post["run"], tmp_path / "work", env | {"LOG": str(tmp_path / "log")})
    assert done.returncode == 0, done.stderr
    args = (tmp_path / "log").read_text().split()
    assert args[args.index("SITE") + 1 :] == ["--workflow", "WORKFLOW", *expected]  # each workflow its comment
    assert post["env"]["WORKFLOW"] == "${{ github.event.workflow_run.name }}"


def test_tests_run_once_per_change():
    """A branch of this repository with an open pull request: pushes to it are not tested again as pushes."""
    trigger = load("tests.yml")["on"]
    assert trigger == {"push": {"branches": ["main"]}, "pull_request": None}


def test_a_merge_queue_and_a_retargeted_pull_request_are_checked(tmp_path):
    on = load("pr-check.yml")["on"]
    assert "merge_group" in on and "edited" in on["pull_request"]["types"]
    repo, git, c = repo_with_history(tmp_path)
    git("checkout", "-q", "--detach", c["c4"])
    outputs, _ = choose(repo, tmp_path, "merge_group", queue_base=c["c2"])
    assert (outputs["base"], outputs["head"]) == (c["c2"], c["c4"])


def test_a_manual_run_that_would_compare_a_commit_with_itself_is_refused(tmp_path):
    repo, git, c = repo_with_history(tmp_path)
    git("checkout", "-q", "--detach", c["c4"])
    out = choose(repo, tmp_path, "workflow_dispatch", base_input=c["c4"], fails=True)
    assert "::error::" in out and "nothing to compare" in out


def test_a_forced_push_over_a_commit_the_clone_lacks_says_so(tmp_path):
    repo, git, c = repo_with_history(tmp_path)
    git("checkout", "-q", "--detach", c["c4"])
    outputs, summary = choose(repo, tmp_path, "push", "f" * 40)
    assert outputs["base"] == c["c3"] and "could not be fetched" in summary


def test_publish_is_one_queue_per_ref():
    """A dispatch from another branch must not take main's single pending slot (and cancel a pending main run)."""
    assert load("publish.yml")["concurrency"]["group"] == "publish-${{ github.ref }}"


def test_a_comparison_cut_off_by_its_timeout_still_uploads(tmp_path):
    """The compare step's limit is inside the job's, and the upload and the PR number run always: a timed-out
    run's comment then says it ended without a table instead of keeping the previous, possibly green, one."""
    workflow = load("pr-check.yml")
    job = workflow["jobs"]["compare"]
    assert step(workflow, "Compare base and head")["timeout-minutes"] < job["timeout-minutes"]
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["if"] == "always()" and step(workflow, "Record the pull request number")["if"] == "always()"


def test_the_files_of_the_check_s_machinery_a_pull_request_edits_are_recorded(tmp_path):
    repo, git, c = repo_with_history(tmp_path)
    git("checkout", "-q", "--detach", c["c4"])
    choose(repo, tmp_path, "workflow_dispatch", base_input=c["c2"])
    assert (repo / "pr-check" / "judge-edits.txt").read_text() == "relu_bench/check/rule.py\n"


@pytest.mark.parametrize("name", ["tests.yml", "pr-check.yml"])
def test_ci_installs_the_pythons_asv_conf_json_names_the_tools_one_last(name, tmp_path):
    """The list is asv.conf.json's, read by a step (not copied into the workflow); setup-python makes its last
    one `python3`, which must be the tools environment's."""
    workflow = load(name)
    listing = step(workflow, "List the Pythons")
    setup = next(s for s in steps(workflow) if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "${{ steps.pythons.outputs.list }}" and listing["id"] == "pythons"
    out = tmp_path / "github_output"
    env = {"GITHUB_OUTPUT": str(out), "PATH": f"{BIN}:/usr/bin:/bin"}
    done = subprocess.run(["bash", "-e", "-c", listing["run"]], cwd=ROOT, env=env)
    assert done.returncode == 0
    listed = out.read_text().split("\n")[1:-2]
    assert set(listed) == {e["python"] for e in releases().values()} | {TOOLS_PYTHON} and listed[-1] == TOOLS_PYTHON
