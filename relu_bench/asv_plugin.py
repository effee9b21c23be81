"""What asv itself does differently in this project: loaded by every asv command through asv.conf.json's
`"plugins": [".relu_bench.asv_plugin"]`, so plain `asv run`, `asv publish` ... behave as relu-bench's commands do.

- A `--quick` run (`asv run`, `asv continuous`) stores its results in RESULTS_DIR-quick, never in the
  results folder: one sample per point is no figure to keep, and asv would otherwise overwrite the real
  result of that commit and environment with it. asv's own log still prints every number.
- `asv publish` deletes its HTML folder and rewrites it; its index then loads local copies of the
  libraries asv takes from CDNs (relu_bench/report/offline.py), and the "Which ReLU?" report of the newest commit
  with results is rebuilt into it (report/) and linked from its index, so a publish, by asv or by
  relu-bench, needs no third-party host and never loses the report. `relu-bench report build` builds
  one of another commit.
"""

from collections import Counter
from pathlib import Path

from asv.commands.run import Run
from asv.console import log
from asv.plugins.regressions import _GraphDataFilter
from asv.publishing import OutputPublisher

from relu_bench.errors import UserError
from relu_bench.report.offline import localize
from relu_bench.results.asv_results import file_name
from relu_impls.releases import release_label  # imports no backend

QUICK_SUFFIX = "-quick"


def quick_results_dir(results_dir):
    """Where a --quick run's results go: beside the results folder, never in it."""
    results_dir = str(results_dir).rstrip("/")
    return results_dir if results_dir.endswith(QUICK_SUFFIX) else results_dir + QUICK_SUFFIX


_asv_run = Run.run.__func__


def _run(cls, conf, *args, **kwargs):
    # asv continuous passes the same conf object on to read the results back: it finds them there too.
    if kwargs.get("quick") and not kwargs.get("dry_run"):
        conf.results_dir = quick_results_dir(conf.results_dir)
        log.info(
            f"--quick: results go to {conf.results_dir}, not into the history (relu-bench: relu_bench/asv_plugin.py)"
        )
    return _asv_run(cls, conf, *args, **kwargs)


Run.run = classmethod(_run)


def newest_result(results_dir):
    """(machine, commit) of the report: the newest commit (by commit date) with results, on the machine that holds
    most of its result files (one per release; CI's shards may land on different CPU models), of those the one whose
    run started last (two runs of one commit under two names: the one just taken); (None, None) if none."""
    from asv.results import iter_results_for_machine

    found = [
        (
            _date(result),
            result.commit_hash,
            machine.parent.name,
            max(filter(None, result.started_at.values()), default=0),
        )
        for machine in sorted(Path(results_dir).glob("*/machine.json"))
        for result in iter_results_for_machine(str(results_dir), machine.parent.name)
    ]
    if not found:
        return None, None
    _, commit = max((date, commit) for date, commit, _, _ in found)
    files, started = Counter(), {}
    for _, c, machine, start in found:
        if c == commit:
            files[machine] += 1
            started[machine] = max(started.get(machine, 0), start)
    return max(files, key=lambda m: (files[m], started[m])), commit


def _date(result):
    """A result's commit date, 0 (warned about) where it is none: one bad file must not stop every publish."""
    if isinstance(result.date, (int, float)) and not isinstance(result.date, bool):
        return result.date
    if result.date is not None:
        log.warning(f"{file_name(result.commit_hash, result.env_name)}: date {result.date!r} is not a time; ignored")
    return 0


class WhichRelu(OutputPublisher):
    """asv publish's last step: the index made offline, and the report of the newest commit, in html_dir/report."""

    name = "relu-report"
    button_label = "Which ReLU?"
    description = 'The "Which ReLU?" report (relu-bench report)'

    @classmethod
    def publish(cls, conf, repo, benchmarks, graphs, revisions):
        from relu_bench.report import build
        from relu_bench.report.link import link_index

        localize(conf.html_dir)
        machine, commit = newest_result(conf.results_dir)
        try:
            out_dir, changes = build(conf.results_dir, Path(conf.html_dir) / "report", machine, commit)
        except UserError as exc:  # the report's own message (it names the file): asv's pages are still published
            log.warning(f'"Which ReLU?" report not built: {exc}')
            return
        except Exception as exc:  # anything else a stored file makes the report raise must not stop the site either
            log.warning(f'"Which ReLU?" report not built: {type(exc).__name__}: {exc}')
            return
        link_index(conf.html_dir, out_dir)
        log.info(f'"Which ReLU?" report of {commit} on {machine}: {out_dir} ({len(changes)} changes), linked')


def _noise_threshold(asv_threshold):
    """asv's Regressions page, per point and machine: the step beyond this computer's noise between two runs (the
    raw form of relu_bench/report/noise.py, since its graphs show raw seconds); asv.conf.json's
    regressions_thresholds, the conservative default, where no A/A pair of the computer measured the point."""

    def threshold(self, graph, benchmark, entry_name):
        from relu_bench.report import noise

        default = asv_threshold(self, graph, benchmark, entry_name)
        machine, release = graph.params.get("machine"), release_label(graph.params)
        try:
            model = noise.load(self.conf.results_dir, noise.host_of(Path(self.conf.results_dir, machine)))
        except UserError as exc:
            log.warning(f"Regressions: {exc}; asv.conf.json's threshold used")
            return default
        point = noise.point_key(release, entry_name)
        if not release or model.sigma(point, "raw") is None:
            return default
        return model.limit(point, point, "raw") - 1

    return threshold


_GraphDataFilter._get_threshold = _noise_threshold(_GraphDataFilter._get_threshold)  # asv 0.6: its only hook
