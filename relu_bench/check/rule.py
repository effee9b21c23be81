"""The pull-request check's rule: which comparison of BASE and HEAD is slower, worse, failed or the same.

`judge` applies the rule to Comparisons (relu_bench/check/comparisons.py makes them from the measurements);
its defaults are RULE's below, the one place to tune them:
- a timing is measured twice: paired, BASE and HEAD in one process (median over
  blocks of HEAD/BASE; two-sided Wilcoxon signed-rank test of the blocks' log
  ratios), and across processes, BASE's and HEAD's own processes in
  interleaved rounds (median over rounds of HEAD/BASE; t-test of the rounds'
  log ratios), which alone sees what relu_impls sets for a whole process
  (flags, environment, config: the paired process imports the library once).
  It is SLOWER when either ratio is beyond --threshold AND that test is
  significant, Holm-corrected over all tests of the run at family-wise --alpha
  (half of it, where the run also has the pooled test across processes: the
  mean of every timing's log ratio, round by round, which sees a process-wide
  change through less noise and gets the other half);
  FASTER likewise below 1/--threshold (and neither slower);
- a track_ figure (graph nodes, loops: deterministic) is WORSE when it grew at
  all; instructions per call (valgrind, near deterministic) when they grew
  beyond RULE.instructions, unless a timing of the same variant and function
  is significantly FASTER and none slower (a faster kernel may execute more
  instructions: noted, not blocking); page faults per call when they grew by
  more than RULE.faults; a peakmem_ figure when it grew beyond RULE.peakmem.
`exit_code` is the check's exit status (relu_bench/commands/compare.py documents it).
"""

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """When a comparison counts as a slowdown (values chosen with `relu-bench experiment`, README)."""

    # HEAD/BASE ratio of a timing (paired: median over blocks; across processes: over rounds) beyond which a
    # significant change counts. An identical tree reads 0.993-1.007 paired; at 1.05 a true 5 % slowdown was a
    # coin flip (6 of 10).
    threshold: float = 1.03
    alpha: float = 0.01  # family-wise error rate over all timing comparisons of one run (Holm)
    # Instructions per call (valgrind) repeat to 0.01 % between identical commits, not exactly: worse
    # beyond this ratio. Other track_ figures (graph counts) are exact: any increase.
    instructions: float = 1.01
    # Page faults per steady-state call: 0 at every point measured; an output on fresh memory costs
    # ~2000 (8 MB). Worse when they grew by more than this many.
    faults: int = 64
    # Peak memory: one figure per commit, no statistics.
    peakmem: float = 1.5

    def describe(self):
        """The rule in words: the PR table prints it, the docs refer to it."""
        return (
            f"time slower when head/base > {self.threshold}, paired in one process (signed-rank test) or across "
            f"processes (t-test of the rounds, of each timing and of their mean; undecided timings get more rounds), "
            f"significant at "
            f"family-wise α={self.alpha} (Holm); track_ figures fail on any increase (instructions: beyond "
            f"{self.instructions}, unless the same variant got significantly faster; page faults: by more than "
            f"{self.faults}); a benchmark failing in BASE and HEAD is still failing, not blocking"
        )


RULE = Rule()
POOLED = "(every timing)"  # the mean of a run's timings across processes, round by round (relu_bench/check/prcheck.py)

# STILL_FAILING: failed in BASE and in HEAD, so not this pull request's doing: shown, not blocking (the fix itself
# would otherwise be blocked by what it does not touch).
FAILED, VANISHED, SLOWER, WORSE, FASTER, BETTER, SAME, FIXED, NEW, SKIPPED, STILL_FAILING = (
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
    "still failing",
)


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
        if c.status in (FAILED, VANISHED, FIXED, NEW, SKIPPED, STILL_FAILING):
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
    for (c, ratio, _, how), significant in _family(tests, rule.alpha):
        if not significant:
            continue
        c.significant = True
        if ratio > rule.threshold:
            c.status = SLOWER
            slower_by.setdefault(id(c), set()).add(how)
        elif ratio < 1 / rule.threshold and c.status != SLOWER:
            c.status = FASTER
    _explained_means(comparisons)
    for c in comparisons:
        if slower_by.get(id(c)) == {"processes"}:
            c.note += "; slower in separate processes only: something process-wide (flags, environment, config)"
    _excuse_faster_instructions(comparisons)
    return comparisons


def _explained_means(comparisons):
    """A pooled mean that is slower where a timing of its environment is slower itself: that timing is the news,
    the mean only repeats it (noted, not a second row of blame)."""
    slower_releases = {c.env for c in comparisons if c.kind == "time" and c.benchmark != POOLED and c.status == SLOWER}
    for c in comparisons:
        if c.benchmark == POOLED and c.status == SLOWER and c.env in slower_releases:
            c.status = SAME
            c.note += "; slower, as the slower timings of this environment explain"


def _family(tests, alpha):
    """[(test, significant)]: the pooled tests across processes (one per environment, POOLED) share alpha/2,
    Bonferroni; every other test shares the rest, Holm. A process-wide change is the pooled test's to see, and it
    must not pay for the 30-odd per-timing tests of the run."""
    pooled = [t for t in tests if t[0].benchmark == POOLED]
    others = [t for t in tests if t[0].benchmark != POOLED]
    share = alpha / 2 if pooled and others else alpha
    found = list(zip(others, holm([t[2] for t in others], share)))
    return found + [(t, t[2] <= share / len(pooled)) for t in pooled]


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
