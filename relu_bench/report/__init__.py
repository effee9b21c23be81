"""Which ReLU? The cross-release report from asv's results: `build` writes it (`relu-bench report` runs it).

It reads the result files of one commit (the newest, or a named one) from every
environment, and writes, per release and linker: the fastest variant and every
variant as a ratio to the copy floor, plots across releases, the semantics table,
and what changed between neighbouring releases (the rule is printed in the report).
"""

import json
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from relu_bench.bisection import bisect_record
from relu_bench.report import bisections as report_bisections
from relu_bench.report import changes as report_changes
from relu_bench.report import confirm as report_confirm
from relu_bench.report import noise
from relu_bench.report import plots as report_plots
from relu_bench.report import render as report_render
from relu_bench.report import results as report_results
from relu_bench.report import semantics as report_semantics
from relu_bench.report import tables as report_tables
from relu_bench.report.series import lineage
from relu_impls.semantics import POINT_NAMES


def identify(files, semantics):
    """{env name: Release}: from the requirements asv recorded, else from what the runner reported."""
    release_of_env, warnings = {}, []
    for f in files:
        release = report_results.release_from(f.params)
        record = semantics.get(f.env_name)
        if release is None and record is not None:
            release = report_results.Release(record["library"], record["version"])
        if release is None:
            warnings.append(f"{f.env_name}: release unknown (run `relu-bench report collect --python ...` for it)")
            continue
        if release in release_of_env.values():
            warnings.append(f"{f.env_name}: a second environment of {release.label}; ignored")
            continue
        release_of_env[f.env_name] = release
    return release_of_env, warnings


@dataclass
class Run:
    """One run's figures, as every reader of timings sees them: the report, `relu-bench agree`."""

    mdir: Path
    files: list  # asv Results of the commit, one per environment
    commit: str
    release_of_env: dict  # env name -> Release
    timings: list  # report_results.Measurement, floors included
    unjudged: dict  # env name -> points left out for want of an interval
    semantics: dict  # env name -> stored semantics record
    warnings: list


def read_run(results_dir, machine=None, commit=None):
    """The Run of `commit` (default: the newest) on `machine` (default: the only one) in results_dir."""
    mdir = report_results.machine_dir(results_dir, machine)
    files = report_results.result_files(mdir, commit)
    commit = files[0].commit_hash
    semantics_by_env = report_semantics.load(mdir, commit)
    release_of_env, warnings = identify(files, semantics_by_env)
    timings, unjudged = report_results.timings(files, report_results.load_benchmarks(results_dir), release_of_env)
    return Run(mdir, files, commit, release_of_env, timings, unjudged, semantics_by_env, warnings)


def blind_spots(timings, model):
    """{"blind_heading", "blind"}: the neighbouring points whose noise here would hide a real TARGET change."""
    blind = report_changes.unreachable(timings, model)
    heading = f"Where a real {noise.TARGET - 1:.0%} change would not be seen on this machine (9 times in 10)"
    if not model.measured:
        return {"blind_heading": heading, "blind": [f"every point: {len(blind)} comparisons, no A/A pair stored"]}
    lines = [
        f"{a.release.label} → {b.release.label}: {a.variant} {a.function}, {a.linker}, {a.shape} {a.dtype}: "
        f"apart beyond ×{limit:.3f} only"
        for a, b, limit in blind
    ]
    return {"blind_heading": heading, "blind": lines}


def build(results_dir, out_dir, machine=None, commit=None):
    """Write the report; returns (out_dir, changes)."""
    run = read_run(results_dir, machine, commit)
    mdir, files, commit, release_of_env, timings = run.mdir, run.files, run.commit, run.release_of_env, run.timings
    warnings, unjudged, semantics_by_env = run.warnings, run.unjudged, run.semantics
    semantics = {release_of_env[name]: rec for name, rec in semantics_by_env.items() if name in release_of_env}
    for release in release_of_env.values():
        if release not in semantics:
            warnings.append(f"{release.label}: no semantics stored (run `relu-bench report collect` where its env is)")
        elif semantics[release]["commit_hash"] != commit:
            warnings.append(f"{release.label}: semantics measured at commit {semantics[release]['commit_hash'][:8]}")
    warnings += [
        f"{release_of_env[env_name].label}: {n} timings left out, without a confidence interval (single samples, e.g. "
        "`asv run --quick`: too few to judge a change by)"
        for env_name, n in unjudged.items()
    ]
    timed = {t.release for t in timings}
    warnings += [
        f"{r.label}: no timings in its result file (failed or skipped)"
        for r in release_of_env.values()
        if r not in timed
    ]
    floors = report_tables.Floors(timings)
    model = noise.load(results_dir, noise.host_of(mdir))
    changes = report_bisections.annotate(
        report_changes.all_changes(timings, semantics, POINT_NAMES, model, report_confirm.load(mdir, commit)),
        bisect_record.load_all(),
    )
    date = max(f.date or 0 for f in files) / 1000
    ordered = lineage(set(release_of_env.values()))
    meta = {
        "summary": (
            f"Machine {mdir.name}, commit {commit[:8]} "
            f"({datetime.fromtimestamp(date, timezone.utc):%Y-%m-%d}), releases: "
            f"{', '.join(r.label for r in ordered) or 'none'}."
        ),
        "rule": model.describe(),
        **blind_spots(timings, model),
        "warnings": warnings,
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = report_plots.plot_all(timings, floors, out_dir / "plots", model)
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
