#!/usr/bin/env python3
"""Which ReLU? The cross-release report from asv's results (run in the tools venv, .venvs/tools).

    python tools/report.py collect [--python PYTHON ...]   # semantics, in every asv environment
    python tools/report.py build [--commit C] [--link]     # .asv/html/report/{index.html,report.md,plots/}

`collect` runs `python -m relu_impls.semantics_json` with the Python of each
environment asv built (.asv/env/*), and of each `-E existing:PYTHON` environment
named with --python, and stores the answers beside the results
(.asv/results/MACHINE/semantics/). Run it after `asv run`, where the environments are.

`build` reads the result files of one commit (the newest, or --commit) from every
environment, and writes, per release and linker: the fastest variant and every
variant as a ratio to the copy floor, plots across releases, the semantics table,
and what changed between neighbouring releases (the rule is printed in the report).
`asv publish` deletes .asv/html: build after it; --link then adds a link to the
report into asv's index.html (its navigation bar).
"""

import argparse
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import report_changes  # noqa: E402
import report_link  # noqa: E402
import report_plots  # noqa: E402
import report_render  # noqa: E402
import report_results  # noqa: E402
import report_semantics  # noqa: E402
import report_tables  # noqa: E402

ROOT = report_results.ROOT
ASV = ROOT / ".asv"

from relu_impls.semantics import POINT_NAMES  # noqa: E402


def git_head():
    return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def identify(files, semantics):
    """{env name: Release}: from the requirements asv recorded, else from what the runner reported."""
    releases, warnings = {}, []
    for f in files:
        release = report_results.release_from(f.data.get("requirements") or {})
        record = semantics.get(f.env_name)
        if release is None and record is not None:
            release = report_results.Release(record["library"], record["version"])
        if release is None:
            warnings.append(f"{f.env_name}: release unknown (run `tools/report.py collect --python ...` for it)")
            continue
        if release in releases.values():
            warnings.append(f"{f.env_name}: a second environment of {release.label}; ignored")
            continue
        releases[f.env_name] = release
    return releases, warnings


def build(results_dir, out_dir, machine=None, commit=None):
    """Write the report; returns (out_dir, changes)."""
    mdir = report_results.machine_dir(results_dir, machine)
    files = report_results.result_files(mdir, commit)
    commit = files[0].commit
    semantics_by_env = report_semantics.load(mdir, commit)
    releases, warnings = identify(files, semantics_by_env)
    timings = report_results.timings(files, report_results.load_benchmarks(results_dir), releases)
    semantics = {releases[env]: rec for env, rec in semantics_by_env.items() if env in releases}
    for release in releases.values():
        if release not in semantics:
            warnings.append(f"{release.label}: no semantics stored (run `tools/report.py collect` where its env is)")
        elif semantics[release]["commit_hash"] != commit:
            warnings.append(f"{release.label}: semantics measured at commit {semantics[release]['commit_hash'][:8]}")
    timed = {t.release for t in timings}
    warnings += [
        f"{r.label}: no timings in its result file (failed or skipped)" for r in releases.values() if r not in timed
    ]
    floors = report_tables.Floors(timings)
    changes = report_changes.all_changes(timings, semantics, POINT_NAMES)
    date = max(f.data.get("date") or 0 for f in files) / 1000
    ordered = report_results.lineage(set(releases.values()))
    meta = {
        "summary": (
            f"Machine {mdir.name}, commit {commit[:8]} "
            f"({datetime.fromtimestamp(date, timezone.utc):%Y-%m-%d}), releases: "
            f"{', '.join(r.label for r in ordered) or 'none'}."
        ),
        "rule": report_changes.RULE,
        "warnings": warnings,
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = report_plots.plot_all(timings, floors, out_dir / "plots")
    sections = (
        changes,
        report_tables.overview(timings, floors),
        plots,
        report_tables.release_tables(timings, floors),
        report_tables.semantics_tables(semantics, POINT_NAMES),
    )
    (out_dir / "report.md").write_text(report_render.markdown(meta, *sections))
    (out_dir / "index.html").write_text(report_render.page(meta, *sections))
    (out_dir / "changes.json").write_text(
        json.dumps([dict(vars(c), before=c.before.label, after=c.after.label) for c in changes], indent=1) + "\n"
    )
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    return out_dir, changes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--results-dir", type=Path, default=ASV / "results", help="asv's results_dir")
    parser.add_argument("--machine", help="asv machine name (default: the only one in the results dir)")
    sub = parser.add_subparsers(dest="command", required=True)
    col = sub.add_parser("collect", help="measure the semantics in each asv environment and store them")
    col.add_argument("--env-dir", type=Path, default=ASV / "env", help="asv's env_dir")
    col.add_argument("--python", action="append", default=[], help="an `-E existing:PYTHON` env (repeatable)")
    col.add_argument("--only-existing", action="store_true", help="skip the environments in --env-dir")
    bld = sub.add_parser("build", help="write the report (index.html, report.md, plots/, changes.json)")
    bld.add_argument("--commit", help="a commit hash or prefix (default: the newest with results)")
    bld.add_argument("--out", type=Path, default=ASV / "html" / "report", help="report directory")
    bld.add_argument("--link", action="store_true", help="link the report from asv's index.html (in --html-dir)")
    bld.add_argument("--html-dir", type=Path, default=ASV / "html", help="asv's html_dir, for --link")
    args = parser.parse_args(argv)

    if args.command == "collect":
        mdir = report_results.machine_dir(args.results_dir, args.machine)
        envs = [] if args.only_existing else report_semantics.asv_environments(args.env_dir)
        head = git_head()
        envs += [report_semantics.existing_environment(p, head) for p in args.python]
        if not envs:
            print(f"no asv environments in {args.env_dir} and no --python: nothing to measure")
            return 2
        return 1 if report_semantics.collect(mdir, envs) else 0

    out_dir, changes = build(args.results_dir, args.out, args.machine, args.commit)
    print(f"report: {out_dir / 'index.html'} and {out_dir / 'report.md'} ({len(changes)} changes)")
    if args.link:
        try:
            index = report_link.link_index(args.html_dir, out_dir)
        except ValueError:
            parser.error(f"--link: the report ({out_dir}) must be inside --html-dir ({args.html_dir})")
        print(f"linked from {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
