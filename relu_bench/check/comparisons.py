"""Comparisons of BASE and HEAD from the pull-request check's measurements, for the rule (relu_bench/check/rule.py)
to judge: `of_timings` from paired timings (relu_bench/measure/paired.py) and timings across processes
(relu_bench/check/prcheck.py), `of_results` from asv result files of both commits (every other benchmark)."""

from __future__ import annotations  # `float | None` on Python 3.8 and 3.9, the floor pyproject.toml declares

from dataclasses import dataclass

from relu_bench.check.rule import FAILED, FIXED, NEW, POOLED, SAME, SKIPPED, STILL_FAILING, VANISHED
from relu_bench.measure.worker import exception_line
from relu_bench.results import asv_results
from relu_impls.releases import release_label  # imports no backend


@dataclass
class Comparison:
    benchmark: str
    params: str
    env: str  # the release label (release_or_env_name); comparison.json's key, the table's "environment"
    kind: str  # asv benchmark type: time, track, peakmem, ...
    unit: str
    base: float | None  # None: failed; NaN: skipped; missing result: None too (see status)
    head: float | None
    ratio: float | None = None  # paired (time_), else HEAD/BASE
    p: float | None = None
    process_ratio: float | None = None  # time_ only: across processes, round by round
    process_p: float | None = None
    significant: bool | None = None
    status: str = SAME
    note: str = ""


def release_or_env_name(requirements, env_name):
    """The release an asv environment holds (its requirements, or a result file's params), as every row names it;
    asv's environment name where no library is pinned."""
    return release_label(dict(requirements)) or env_name


def of_timings(paired_results, process_results=None):
    """Comparisons of the timings: {environment label: outcome, or {"error": text}}, paired
    (relu_bench/measure/paired.py)
    and, where given, across processes (relu_bench/check/prcheck.py run_processes: the same shape, one block per
    round)."""
    comparisons = []
    process_results = process_results or {}
    for release, outcome in paired_results.items():
        across = process_results.get(release, {})
        for how, found in (("paired timing", outcome), ("timing across processes", across)):
            if "error" in found:
                c = Comparison(f"({how})", "", release, "time", "seconds", None, None, status=FAILED)
                c.note = "could not run: " + exception_line(found["error"])
                comparisons.append(c)
        if "error" in outcome:
            continue
        for name, result in sorted(outcome.items()):
            key = name.split("(")[0]
            c = Comparison(key, result["label"], release, "time", "seconds", result.get("base"), result.get("head"))
            _sides(c, result["sides"], "")
            other = across.get(name) if "error" not in across else None
            if c.status == SAME and other is not None:
                _sides(c, other["sides"], " (separate processes)")
            if c.status == SAME and not result.get("blocks"):
                c.status, c.note = FAILED, "no timing blocks came back (a saved timings.json of another plan?)"
            if c.status == SAME:
                c.ratio, c.p = result["ratio"], result["p"]
                c.note = f"paired, {len(result['blocks'])} blocks"
                if other is not None and other.get("blocks"):
                    c.process_ratio, c.process_p = other["ratio"], other["p"]
                    c.note += f"; separate processes ×{other['ratio']:.3f}, {len(other['blocks'])} rounds"
            comparisons.append(c)
        mean = across.get(POOLED) if "error" not in across else None
        if mean is not None and mean.get("p") is not None:
            c = Comparison(POOLED, mean["label"], release, "time", "", 1.0, mean["ratio"])
            c.process_ratio, c.process_p = mean["ratio"], mean["p"]
            c.note = f"separate processes ×{mean['ratio']:.3f}, p={mean['p']:.2g}, {len(mean['blocks'])} rounds"
            comparisons.append(c)
    return comparisons


def _sides(c, sides, where):
    """Set c's status from the two sides' states ("ok", {"skip": why}, {"error": traceback})."""
    base_side, head_side = sides
    if "error" in head_side and "error" in base_side:
        c.status, c.note = STILL_FAILING, f"raised in BASE and HEAD{where}: " + exception_line(head_side["error"])
    elif "error" in head_side:
        c.status, c.note = FAILED, f"raised in HEAD{where}: " + exception_line(head_side["error"])
    elif "error" in base_side:
        c.status, c.note = FIXED, f"failed in BASE{where}"
    elif "skip" in head_side and "skip" in base_side:
        c.status, c.note = SKIPPED, f"skipped in both{where}: {head_side['skip']}"
    elif "skip" in head_side:
        c.status, c.note = VANISHED, f"skipped in HEAD, measured in BASE{where}: {head_side['skip']}"
    elif "skip" in base_side:
        c.status, c.note = NEW, f"skipped in BASE{where}: {base_side['skip']}"


def of_results(benchmarks, base, head, env_names):
    """Comparisons for every selected point in every environment, judged later by `judge`.

    benchmarks: asv Benchmarks (the selection); base/head: {env name: asv Results}.
    """
    comparisons = []
    for key in sorted(benchmarks):
        bench = benchmarks[key]
        for env_name in env_names:
            b_res, h_res = base.get(env_name), head.get(env_name)
            ref = h_res or b_res
            release = release_or_env_name(ref.params if ref else {}, env_name)
            b_points, h_points = (asv_results.points(res, key, bench["params"]) for res in (b_res, h_res))
            for index, combo in asv_results.selected(benchmarks, key):
                label = asv_results.label(bench["param_names"], combo)
                c = Comparison(key, label, release, bench["type"], bench.get("unit") or "", None, None)
                c.base = b_points[index][1] if b_points else None
                c.head = h_points[index][1] if h_points else None
                head_state, base_state = asv_results.state(c.head), asv_results.state(c.base)
                if h_points is None:
                    c.status, c.note = VANISHED, "no result for HEAD (environment or build failed?)"
                elif head_state == asv_results.FAILED and base_state == asv_results.FAILED and b_points is not None:
                    c.status, c.note = STILL_FAILING, "raised or timed out in BASE and HEAD (see the log)"
                elif head_state == asv_results.FAILED:
                    c.status, c.note = FAILED, "raised or timed out in HEAD (see the log)"
                elif head_state == asv_results.SKIPPED and base_state != asv_results.MEASURED:
                    c.status, c.note = SKIPPED, "skipped in both (NotImplementedError: see asv's log for why)"
                elif head_state == asv_results.SKIPPED:
                    c.status, c.note = VANISHED, "skipped in HEAD, measured in BASE"
                elif base_state == asv_results.FAILED and b_points is not None:
                    c.status, c.note = FIXED, "failed in BASE"
                elif base_state != asv_results.MEASURED:
                    c.status = NEW
                comparisons.append(c)
    return comparisons
