"""The pull-request check's rule: which comparison of BASE and HEAD is slower, worse, failed or the same.

The measurements come as paired timings (tools/paired.py) and as asv result files
of both commits (every other benchmark); `timings` and `collect` turn them into
Comparisons, `judge` applies the rule (defaults in RULE below, the one place to tune them):
- a timing is measured twice: paired, BASE and HEAD in one process (median over
  blocks of HEAD/BASE; two-sided Wilcoxon signed-rank test of the blocks' log
  ratios), and across processes, BASE's and HEAD's own processes in
  interleaved rounds (median over rounds of HEAD/BASE; t-test of the rounds'
  log ratios), which alone sees what relu_impls sets for a whole process
  (flags, environment, config: the paired process imports the library once).
  It is SLOWER when either ratio is beyond --threshold AND that test is
  significant, Holm-corrected over all tests of the run at family-wise --alpha;
  FASTER likewise below 1/--threshold (and neither slower);
- a track_ figure (graph nodes, loops: deterministic) is WORSE when it grew at
  all; instructions per call (valgrind, near deterministic) when they grew
  beyond RULE.instructions, unless a timing of the same variant and function
  is significantly FASTER and none slower (a faster kernel may execute more
  instructions: noted, not blocking); page faults per call when they grew by
  more than RULE.faults; a peakmem_ figure when it grew beyond RULE.peakmem.
`exit_code` is the check's exit status (tools/commands/compare.py documents it).
"""

import math
from dataclasses import dataclass
from itertools import product
from pathlib import Path

from relu_impls.releases import library_pin  # imports no backend
from tools.worker import exception_line


@dataclass(frozen=True)
class Rule:
    """When a comparison counts as a slowdown (values chosen with `relu-bench experiment`, README)."""

    # Paired HEAD/BASE ratio of a timing (median over blocks) beyond which a significant change counts.
    threshold: float = 1.05
    alpha: float = 0.01  # family-wise error rate over all timing comparisons of one run (Holm)
    # Instructions per call (valgrind) repeat to 0.01 % between identical commits, not exactly: worse
    # beyond this ratio. Other track_ figures (graph counts) are exact: any increase.
    instructions: float = 1.01
    # Page faults per steady-state call: 0 at every point measured; an output on fresh memory costs
    # ~2000 (8 MB). Worse when they grew by more than this many.
    faults: int = 64
    # Peak memory: one figure per commit, no statistics.
    peakmem: float = 1.5


RULE = Rule()

FAILED, VANISHED, SLOWER, WORSE, FASTER, BETTER, SAME, FIXED, NEW, SKIPPED = (
    "failed",
    "vanished",
    "slower",
    "worse",
    "faster",
    "better",
    "same",
    "fixed",
    "new",
    "skipped",
)


@dataclass
class Comparison:
    benchmark: str
    params: str
    env: str
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


# --------------------------------------------------------------------------- the rule


def _number(value):
    return isinstance(value, (int, float)) and not math.isnan(value)


def holm(p_values, alpha):
    """Holm-Bonferroni: which of the p-values are significant at family-wise alpha."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    significant = [False] * len(p_values)
    for rank, i in enumerate(order):
        if p_values[i] > alpha / (len(p_values) - rank):
            break
        significant[i] = True
    return significant


def judge(comparisons, rule=RULE):
    """Set ratio, significant and status of each comparison (timings carry their paired and process ratios and p)."""
    tests = []  # (comparison, ratio, p, how): every significance test of the run, one Holm family
    for c in comparisons:
        if c.status in (FAILED, VANISHED, FIXED, NEW, SKIPPED):
            continue
        if c.kind == "time":
            c.significant = False
            found = [(c, c.ratio, c.p, "paired"), (c, c.process_ratio, c.process_p, "processes")]
            found = [test for test in found if test[2] is not None]
            if not found:
                c.note = "; ".join(filter(None, [c.note, "too few blocks to test"]))
            tests += found
            continue
        c.ratio = c.head / c.base if c.base else (math.inf if c.head else 1.0)
        if c.kind == "track":
            if c.unit == "faults":
                worse, better = c.head - c.base > rule.faults, c.base - c.head > rule.faults
            else:
                limit = rule.instructions if c.unit == "instructions" else 1.0
                worse, better = c.ratio > limit, c.ratio < 1 / limit
            c.significant = worse or better
            c.status = WORSE if worse else BETTER if better else SAME
        else:  # peakmem and the like: one measurement, no statistics
            c.status = SLOWER if c.ratio > rule.peakmem else FASTER if c.ratio < 1 / rule.peakmem else SAME
    slower_by = {}
    for (c, ratio, _, how), significant in zip(tests, holm([p for _, _, p, _ in tests], rule.alpha)):
        if not significant:
            continue
        c.significant = True
        if ratio > rule.threshold:
            c.status = SLOWER
            slower_by.setdefault(id(c), set()).add(how)
        elif ratio < 1 / rule.threshold and c.status != SLOWER:
            c.status = FASTER
    for c in comparisons:
        if slower_by.get(id(c)) == {"processes"}:
            c.note += "; slower in separate processes only: something process-wide (flags, environment, config)"
    _excuse_faster_instructions(comparisons)
    return comparisons


def _point(c):
    """(environment, variant, function) that a time_ or instructions comparison measures, or None."""
    params = dict(item.split("=", 1) for item in c.params.split(", ") if "=" in item)
    function = params.get("function") or {"time_forward": "forward", "time_gradient": "gradient"}.get(
        c.benchmark.rsplit(".", 1)[-1]
    )
    return (c.env, params.get("variant"), function) if function and "variant" in params else None


def _excuse_faster_instructions(comparisons):
    """Instructions that grew where the same variant and function got significantly faster: noted, not WORSE.

    Instructions stand in for time where time cannot see a small change; where time did see a change, and
    it is a speedup (maximum(0, x) for x*(x>0): 1.73x the instructions, 0.79x the time), time is the answer.
    """
    statuses = {}
    for c in comparisons:
        if c.kind == "time" and _point(c):
            statuses.setdefault(_point(c), set()).add(c.status)
    for c in comparisons:
        if c.unit == "instructions" and c.status == WORSE:
            seen = statuses.get(_point(c), set())
            if FASTER in seen and not seen & {SLOWER, FAILED, VANISHED}:
                c.status = SAME
                c.note = "; ".join(filter(None, [c.note, f"instructions ×{c.ratio:.2f}, but significantly faster"]))


def exit_code(comparisons):
    """0 nothing slower, 1 slower or worse, 2 failed or vanished (the most severe wins)."""
    statuses = {c.status for c in comparisons}
    if statuses & {FAILED, VANISHED}:
        return 2
    if statuses & {SLOWER, WORSE}:
        return 1
    return 0


# --------------------------------------------------------------------------- reading the measurements


def release_label(requirements, fallback):
    pin = library_pin(requirements or {})
    return "-".join(pin) if pin else fallback


def timings(paired_results, process_results=None):
    """Comparisons of the timings: {environment label: outcome, or {"error": text}}, paired (tools/paired.py)
    and, where given, across processes (tools/prcheck.py run_processes: the same shape, one block per round)."""
    comparisons = []
    process_results = process_results or {}
    for env, outcome in paired_results.items():
        across = process_results.get(env, {})
        for how, found in (("paired timing", outcome), ("timing across processes", across)):
            if "error" in found:
                c = Comparison(f"({how})", "", env, "time", "seconds", None, None, status=FAILED)
                c.note = "could not run: " + exception_line(found["error"])
                comparisons.append(c)
        if "error" in outcome:
            continue
        for name, result in sorted(outcome.items()):
            key = name.split("(")[0]
            c = Comparison(key, result["label"], env, "time", "seconds", result.get("base"), result.get("head"))
            _sides(c, result["sides"], "")
            other = across.get(name) if "error" not in across else None
            if c.status == SAME and other is not None:
                _sides(c, other["sides"], " (separate processes)")
            if c.status == SAME:
                c.ratio, c.p = result["ratio"], result["p"]
                c.note = f"paired, {len(result['blocks'])} blocks"
                if other is not None and other.get("blocks"):
                    c.process_ratio, c.process_p = other["ratio"], other["p"]
                    c.note += f"; separate processes ×{other['ratio']:.3f}, {len(other['blocks'])} rounds"
            comparisons.append(c)
    return comparisons


def _sides(c, sides, where):
    """Set c's status from the two sides' states ("ok", {"skip": why}, {"error": traceback})."""
    base_side, head_side = sides
    if "error" in head_side:
        c.status, c.note = FAILED, f"raised in HEAD{where}: " + exception_line(head_side["error"])
    elif "error" in base_side:
        c.status, c.note = FIXED, f"failed in BASE{where}"
    elif "skip" in head_side and "skip" in base_side:
        c.status, c.note = SKIPPED, f"skipped in both{where}: {head_side['skip']}"
    elif "skip" in head_side:
        c.status, c.note = VANISHED, f"skipped in HEAD, measured in BASE{where}: {head_side['skip']}"
    elif "skip" in base_side:
        c.status, c.note = NEW, f"skipped in BASE{where}: {base_side['skip']}"


def load_results(results_dir, machine, commit, env_names):
    """{env name: asv Results} for one commit; environments without a result file are absent."""
    from asv.results import Results

    found = {}
    for env_name in env_names:
        path = Path(results_dir, machine, f"{commit[:8]}-{env_name}.json")
        if path.exists():
            found[env_name] = Results.load(str(path))
    return found


def collect(benchmarks, base, head, env_names):
    """Comparisons for every selected point in every environment, judged later by `judge`.

    benchmarks: asv Benchmarks (the selection); base/head: {env name: Results}.
    """
    comparisons = []
    for key in sorted(benchmarks):
        bench = benchmarks[key]
        params = bench["params"]
        points = list(product(*params)) if params else [()]
        selection = benchmarks.benchmark_selection.get(key) or range(len(points))
        for env_name in env_names:
            b_res, h_res = base.get(env_name), head.get(env_name)
            ref = h_res or b_res
            env = release_label(ref.params, env_name) if ref else env_name
            for index in selection:
                label = ", ".join(
                    f"{name}={value.strip(chr(39))}" for name, value in zip(bench["param_names"], points[index])
                )
                c = Comparison(key, label, env, bench["type"], bench.get("unit") or "", None, None)
                c.base = _value(b_res, key, params, index)
                c.head = _value(h_res, key, params, index)
                if h_res is None or key not in h_res.get_all_result_keys():
                    c.status, c.note = VANISHED, "no result for HEAD (environment or build failed?)"
                elif c.head is None:
                    c.status, c.note = FAILED, "raised or timed out in HEAD (see the log)"
                elif not _number(c.head) and not _number(c.base):
                    c.status, c.note = SKIPPED, "skipped in both (NotImplementedError: see asv's log for why)"
                elif not _number(c.head):
                    c.status, c.note = VANISHED, "skipped in HEAD, measured in BASE"
                elif c.base is None and b_res is not None and key in b_res.get_all_result_keys():
                    c.status, c.note = FIXED, "failed in BASE"
                elif not _number(c.base):
                    c.status = NEW
                comparisons.append(c)
    return comparisons


def _value(results, key, params, index):
    """One parameter point's value; None = failed or no result, NaN = skipped."""
    if results is None or key not in results.get_all_result_keys():
        return None
    values = results.get_result_value(key, params)
    return values[index] if values is not None else None
