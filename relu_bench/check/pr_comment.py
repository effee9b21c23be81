"""Post pr-check's table on its pull request, as one comment updated in place (the pr-comment workflow).

    python3 -m relu_bench.check.pr_comment --repo OWNER/NAME --pr-repo OWNER/NAME --head-sha SHA --head-branch BRANCH
        --run-url URL [--site URL] [--workflow NAME] (--artifact DIR | --running | --no-table)

The workflow runs main's copy of this file (never the pull request's) with the
triggering run's facts from GitHub; the artifact is the pull request's data. The
pull request named in the artifact must be the one that run benchmarked: the
same head commit, head repository and head branch (a fork's run cannot post on
another pull request). --running marks the existing comment while a new run is
in progress, keeping its last table; --no-table (a run that ended without an
artifact: skipped, cancelled, timed out) replaces that run's mark, and only its own,
by a note that the latest run ended without a table, so the comment never stays
"in progress" nor shows an earlier table as the latest. Each workflow (--workflow:
pr-check, pr-check-full-matrix) has its own comment, under its own marker. Needs only the standard library and `gh`
(run as `python3 -m relu_bench.check.pr_comment` from a checkout: nothing installed).
Exit 0 posted, updated, or nothing to do (the PR moved on); 1 bad artifact.
"""

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from relu_bench.check.pr_table import MARK
from relu_bench.check.rule import FAILED, SLOWER, VANISHED, WORSE

MARKER = "<!-- relu-bench pr-check -->"  # pr-check's; another workflow's is marker(name)
RUNNING = "<!-- relu-bench running -->"
NO_TABLE = "⚠️ The latest run ended without a table (it timed out or failed before writing one): see the run."
# GitHub refuses comment bodies over 65,536 characters; the rest is room for mark_running's note.
LIMIT = 64000
# A table row (relu_bench/check/pr_table.py) whose status fails the check: its benchmark's name.
FLAGGED = re.compile(
    r"^\| (?:{})[^|]*\| `([\w.]+)` \|".format("|".join(MARK[s] for s in (SLOWER, WORSE, FAILED, VANISHED))),
    re.MULTILINE,
)


def gh(*args, payload=None):
    """`gh api ARGS` (with payload as its JSON input): its parsed output, or None where it printed nothing."""
    done = subprocess.run(
        ["gh", "api", *args, *(["--input", "-"] if payload is not None else [])],
        input=json.dumps(payload) if payload is not None else None,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout) if done.stdout.strip() else None


def pr_number(artifact):
    text = (artifact / "pr-number").read_text()[:20].strip() if (artifact / "pr-number").is_file() else ""
    if not re.fullmatch(r"[0-9]{1,9}", text):
        raise SystemExit(f"::error::the artifact's PR number is not a number: {text!r}")
    return text


def judge_edits(artifact):
    """A warning naming the files of the check's own machinery (.github/, relu_bench/, asv.conf.json) the pull
    request edits, from the artifact's judge-edits.txt (data: only path-like lines are shown); "" where none."""
    path = artifact / "judge-edits.txt"
    names = path.read_text()[:4000].splitlines() if path.is_file() else []
    names = [n for n in names if re.fullmatch(r"[\w./-]{1,200}", n)][:20]
    if not names:
        return ""
    listed = ", ".join(f"`{n}`" for n in names)
    return (
        f"⚠️ This pull request edits what runs the check: {listed}. The verdict holds only as far as the "
        "repository's rules keep main's workflow and judge (docs/methodology.md#what-a-pull-request-cannot-change): "
        "review these edits.\n\n"
    )


def graph_links(table, site):
    """Links to the published graph of each benchmark the table flags."""
    names = sorted(set(FLAGGED.findall(table)))
    return "".join(f"\n- [`{name}`]({site.rstrip('/')}/#{name})" for name in names)


def marker(workflow):
    """The first line of one workflow's comment: each workflow keeps its own table."""
    if not re.fullmatch(r"[\w-]{1,60}", workflow):
        raise SystemExit(f"::error::not a workflow name: {workflow!r}")
    return f"<!-- relu-bench {workflow} -->"


def compose(shown, table, run_url, site, marker=MARKER):
    text = shown
    if shown != table:  # cut: an open collapsed section would swallow everything after it
        text += "\n</details>" * (shown.count("<details>") - shown.count("</details>"))
        text += f"\n\n(table cut: {len(shown):,} of its {len(table):,} characters shown; the run has all)"
    links = graph_links(shown, site) if site else ""
    history = f"\n\nPublished history of the flagged benchmarks:{links}" if links else ""
    return f"{marker}\n{text}{history}\n\n[The run]({run_url})"


def body(table, run_url, site, marker=MARKER):
    """The comment: the table, cut after as many lines as fit LIMIT with what follows them, and links to the
    graphs of the benchmarks the shown lines flag (built from the cut text, so they count toward the limit)."""
    lines = table.splitlines(keepends=True)
    fits, too_many = 0, len(lines) + 1  # lines[:fits] fit; lines[:too_many] do not
    while too_many - fits > 1:
        middle = (fits + too_many) // 2
        if len(compose("".join(lines[:middle]), table, run_url, site, marker)) <= LIMIT:
            fits = middle
        else:
            too_many = middle
    return compose("".join(lines[:fits]), table, run_url, site, marker)


def mark_running(old, run_url, marker=MARKER):
    """The old comment with a note on top that a new run is in progress (one note, however many runs)."""
    note = f"⏳ A new run is in progress: [the run]({run_url}). The table below is the previous run's."
    return with_note(old, note, marker)


def with_note(old, note, marker):
    rest = old.split(RUNNING, 2)[-1] if RUNNING in old else old.removeprefix(marker)
    return f"{marker}\n{RUNNING}\n{note}\n{RUNNING}{rest}"


def unmark(old, run_url, marker=MARKER):
    """The old comment with this run's note replaced by one saying it ended without a table (the table below is
    an earlier run's); None where the note is another run's (that run is current)."""
    parts = old.split(RUNNING, 2)
    if len(parts) != 3 or f"({run_url})" not in parts[1]:
        return None
    note = (
        f"⚠️ The latest run ([the run]({run_url})) ended without a table (skipped, cancelled or timed out): "
        "the table below is an earlier run's."
    )
    return with_note(old, note, marker)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", required=True, help="the repository the comment goes to")
    parser.add_argument(
        "--pr-repo", required=True, help="the head repository of the run (workflow_run.head_repository)"
    )
    parser.add_argument("--head-sha", required=True)
    parser.add_argument("--head-branch", required=True)
    parser.add_argument("--run-url", required=True)
    parser.add_argument("--site", help="the published asv site, for links to graphs")
    parser.add_argument("--workflow", default="pr-check", help="the run's workflow: its own comment (pr-check)")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--artifact", type=Path, help="the pr-check artifact: pr-number and table.md")
    what.add_argument("--running", action="store_true", help="mark the comment: a new run is in progress")
    what.add_argument("--no-table", action="store_true", help="the run ended without an artifact: remove its mark")
    args = parser.parse_args(argv)
    mark = marker(args.workflow)

    if args.artifact is None:  # no artifact: the open pull request of the run's head branch, if any
        head = f"{args.pr_repo.split('/')[0]}:{args.head_branch}"
        found = gh("-X", "GET", f"repos/{args.repo}/pulls", "-f", f"head={head}", "-f", "state=open") or []
        if not found:
            return 0
        number = str(found[0]["number"])
    else:
        number = pr_number(args.artifact)
    pr = gh(f"repos/{args.repo}/pulls/{number}")
    ran = (args.head_sha, args.pr_repo, args.head_branch)
    has = (pr["head"]["sha"], (pr["head"].get("repo") or {}).get("full_name"), pr["head"]["ref"])
    if has != ran:
        print(f"::notice::PR #{number} is at {has}, the run was for {ran}: not commenting")
        return 0
    comments = gh("--paginate", "--slurp", f"repos/{args.repo}/issues/{number}/comments") or []
    ours = [
        c
        for page in comments
        for c in page
        if c["user"]["login"] == "github-actions[bot]" and c["body"].startswith(mark)
    ]
    if args.artifact is None:
        new = ours and (mark_running if args.running else unmark)(ours[0]["body"], args.run_url, mark)
        if new:
            gh("-X", "PATCH", f"repos/{args.repo}/issues/comments/{ours[0]['id']}", payload={"body": new})
        return 0
    table_file = args.artifact / "table.md"
    # No table in the artifact: the comparison timed out or failed before writing one; say so, not an old table.
    table = table_file.read_text() if table_file.is_file() else NO_TABLE
    table = judge_edits(args.artifact) + table
    payload = {"body": body(table, args.run_url, args.site, mark)}
    if ours:
        gh("-X", "PATCH", f"repos/{args.repo}/issues/comments/{ours[0]['id']}", payload=payload)
    else:
        gh("-X", "POST", f"repos/{args.repo}/issues/{number}/comments", payload=payload)
    return 0


if __name__ == "__main__":
    sys.exit(main())
