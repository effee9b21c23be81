"""The pull-request check's verdict as Markdown: a table of the comparisons that changed, worst first, the
unchanged ones (same, or skipped on both sides) in a collapsed table below it, and the rule."""

import math

from relu_bench.check.rule import (
    BETTER,
    FAILED,
    FASTER,
    FIXED,
    NEW,
    RULE,
    SAME,
    SKIPPED,
    SLOWER,
    STILL_FAILING,
    VANISHED,
    WORSE,
    exit_code,
)

MARK = {
    FAILED: "❌",
    VANISHED: "❌",
    SKIPPED: "⏭️",
    SLOWER: "🔴",
    WORSE: "🔴",
    FASTER: "🟢",
    BETTER: "🟢",
    FIXED: "🟢",
    NEW: "🆕",
    STILL_FAILING: "⚠️",
}
SEVERITY = {FAILED: 0, VANISHED: 0, SLOWER: 1, WORSE: 1}
# Rows that say nothing changed: most of a run (180 of 180 on a quiet pull request), collapsed.
UNCHANGED = (SAME, SKIPPED)
HEADER = [
    "| | benchmark | parameters | environment | base | head | ratio | significant? |",
    "|---|---|---|---|---|---|---|---|",
]


def _fmt(value, unit):
    from asv.util import human_value

    if value is None:
        return "failed"
    if isinstance(value, float) and math.isnan(value):
        return "skipped"
    return human_value(value, unit)


def order(c):
    return (SEVERITY.get(c.status, 2), -(c.ratio if c.ratio is not None and math.isfinite(c.ratio) else 0))


def row(c):
    ratio = f"{c.ratio:.3f}" if c.ratio is not None and math.isfinite(c.ratio) else "—"
    status = f"{MARK.get(c.status, '')} {c.status}".strip()
    why = [f"p={c.p:.2g}"] if c.p is not None else []
    if c.status in (FAILED, VANISHED, FIXED, SKIPPED, STILL_FAILING):
        status += f": {c.note}"
    elif c.note:
        why.append(c.note)
    sig = "—" if c.significant is None else "yes" if c.significant else "no"
    sig += f" ({'; '.join(why)})" if why else ""
    cells = [status, f"`{c.benchmark}`", c.params or "—", c.env, _fmt(c.base, c.unit), _fmt(c.head, c.unit)]
    return "| " + " | ".join(cells + [ratio, sig]) + " |"


def render(comparisons, base, head, rule=RULE):
    rows = sorted(comparisons, key=order)
    changed = [c for c in rows if c.status not in UNCHANGED]
    unchanged = [c for c in rows if c.status in UNCHANGED]
    code = exit_code(comparisons)
    verdict = {0: "nothing slower", 1: "SLOWER", 2: "a benchmark FAILED or VANISHED"}[code]
    lines = [f"### Benchmarks: {verdict} (`{base[:10]}` → `{head[:10]}`)", ""]
    lines += [f"{len(changed)} of {len(comparisons)} comparisons changed.", ""]
    if changed:
        lines += HEADER + list(map(row, changed))
    if unchanged:
        summary = f"{len(unchanged)} unchanged (same, or skipped on both sides)"
        lines += ["", f"<details><summary>{summary}</summary>", "", *HEADER, *map(row, unchanged), "", "</details>"]
    counts = {s: sum(c.status == s for c in comparisons) for s in (FAILED, VANISHED, SLOWER, WORSE, FASTER)}
    lines += [
        "",
        f"{len(comparisons)} comparisons; "
        + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        + (";" if any(counts.values()) else "")
        + f" rule: {rule.describe()}. Exit status {code}.",
    ]
    return "\n".join(lines) + "\n"
