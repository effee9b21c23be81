"""What changed between neighbouring releases: timings beyond the noise, the fastest variant, semantics.

Neighbours are consecutive releases in lineage order among those that have the
series (a variant a release lacks is compared across the gap), each line apart (`_neighbours`).
"""

import statistics
from dataclasses import dataclass, replace

from relu_bench.report.series import fastest, fmt_time, lineage


@dataclass(frozen=True)
class Change:
    kind: str  # "time", "fastest", "semantics", "availability"
    before: object  # Release
    after: object
    subject: str  # what changed, e.g. "switch_lt gradient, c, 1000x1000 float64"
    detail: str  # how, e.g. "5.25 ms -> 0.40 ms (13.1x faster)"
    size: float = 0.0  # for ordering: the factor of a time change, else 0
    bisection: str = ""  # which release between the two did it, where a stored bisection says (bisections.py)

    def text(self):
        found = f" ({self.bisection})" if self.bisection else ""
        return f"{self.before.label} → {self.after.label}: {self.subject}: {self.detail}{found}"

    def with_bisection(self, text):
        return replace(self, bisection=text)


def moved(a, b, model, form="run"):
    """The factor b/a (or a/b) when it is beyond the noise of the two points (relu_bench/report/noise.py) and the
    two figures' quartiles are apart, else None."""
    factor = max(a.seconds, b.seconds) / min(a.seconds, b.seconds)
    disjoint = a.quartiles[1] < b.quartiles[0] or b.quartiles[1] < a.quartiles[0]
    return factor if disjoint and factor > model.limit(a.point, b.point, form) else None


def _series(timings):
    """{series: {Release: Measurement}} of every timing but the floors."""
    series = {}
    for t in timings:
        if t.function != "floor":
            series.setdefault(t.series, {})[t.release] = t
    return series


def neighbour_pairs(timings):
    """(Measurement a, Measurement b) of every series' neighbouring releases, in series order."""
    for _, by_release in sorted(_series(timings).items()):
        for r1, r2 in _neighbours(by_release):
            yield by_release[r1], by_release[r2]


def in_doubt(timings, model):
    """[(a, b)] of neighbouring releases apart by the model's TARGET or more, but not beyond the noise of the two
    points: what one run cannot decide, and fresh interleaved processes can (relu_bench/report/confirm.py)."""
    found = []
    for a, b in neighbour_pairs(timings):
        if max(a.seconds, b.seconds) / min(a.seconds, b.seconds) >= model.target and not moved(a, b, model):
            found.append((a, b))
    return found


def confirmed_changes(records, timings):
    """Time changes that fresh interleaved processes confirmed (records of relu_bench/report/confirm.py), for pairs
    the figures alone left in doubt."""
    by_point = {(a.release.label, b.release.label, a.entry): (a, b) for a, b in neighbour_pairs(timings)}
    changes = []
    for r in records:
        pair = by_point.get((r["before"], r["after"], r["entry"]))
        if pair is None or r["verdict"] != "changed":
            continue
        a, b = pair
        before, after = (statistics.median(f) for f in r["figures"])
        factor = max(before, after) / min(before, after)
        way = "slower" if after > before else "faster"
        subject = f"{a.variant} {a.function}, {a.linker}, {a.shape} {a.dtype}"
        detail = (
            f"{fmt_time(before)} → {fmt_time(after)} ({factor:.2f}x {way}; confirmed: each of "
            f"{len(r['figures'][0])} fresh processes of one apart from every one of the other)"
        )
        changes.append(Change("time", a.release, b.release, subject, detail, factor))
    return changes


def unreachable(timings, model):
    """[(Measurement a, Measurement b, limit)] of neighbouring releases whose noise would hide a real change of the
    model's TARGET size (at 90 % power): what the report cannot promise to see on this machine."""
    return [
        (a, b, model.limit(a.point, b.point))
        for a, b in neighbour_pairs(timings)
        if not model.reaches(a.point, b.point)
    ]


def _neighbours(by_release):
    """Consecutive releases of one line: those with the same tags (relu_bench/report/results.py Release). Beside
    its plain twin a tagged line (pytensor-3.0.7-torch-mlx) differs in its environment, not its release."""
    ordered = lineage(by_release)
    for tags in dict.fromkeys(r.tags for r in ordered):
        line = [r for r in ordered if r.tags == tags]
        yield from zip(line, line[1:])


def timing_changes(timings, model):
    changes = []
    for a, b in neighbour_pairs(timings):
        factor = moved(a, b, model)
        if factor:
            way = "slower" if b.seconds > a.seconds else "faster"
            subject = f"{a.variant} {a.function}, {a.linker}, {a.shape} {a.dtype}"
            detail = f"{fmt_time(a.seconds)} → {fmt_time(b.seconds)} ({factor:.2f}x {way})"
            changes.append(Change("time", a.release, b.release, subject, detail, factor))
    return changes


def fastest_changes(timings, model):
    timings_by_key = {(t.release, *t.series): t for t in timings}
    groups = {}
    for (release, *rest), t in fastest(timings).items():
        groups.setdefault(tuple(rest), {})[release] = t
    changes = []
    for (linker, shape, dtype, function), by_release in sorted(groups.items()):
        for r1, r2 in _neighbours(by_release):
            a, b = by_release[r1], by_release[r2]
            # A new winner counts when the two are apart by the rule in both releases: it beats the old one in the
            # later release, and lost to it in the earlier one (or was not there). An old winner the later release
            # lacks is an availability change; which of two near-ties won is noise.
            old_in_b = timings_by_key.get((r2, linker, shape, dtype, a.variant, function))
            new_in_a = timings_by_key.get((r1, linker, shape, dtype, b.variant, function))
            swapped = old_in_b is not None and moved(b, old_in_b, model)
            if a.variant != b.variant and swapped and (new_in_a is None or moved(a, new_in_a, model)):
                subject = f"fastest {function}, {linker}, {shape} {dtype}"
                detail = f"{a.variant} ({fmt_time(a.seconds)}) → {b.variant} ({fmt_time(b.seconds)})"
                changes.append(Change("fastest", r1, r2, subject, detail))
    return changes


def _state(row):
    if "values" in row:
        return "measured"
    return "unavailable" if "skipped" in row else "error"


def semantics_changes(semantics, points):
    """`semantics`: {Release: record}; cells compared point by point, same dtypes merged into one line."""
    cells = {}
    for release, record in semantics.items():
        for row in record["rows"]:
            cells.setdefault((row["variant"], row["linker"]), {}).setdefault(release, {})[row["dtype"]] = row
    merged = {}
    for (variant, linker), by_release in sorted(cells.items()):
        for r1, r2 in _neighbours(by_release):
            for dtype in sorted(set(by_release[r1]) & set(by_release[r2])):
                a, b = by_release[r1][dtype], by_release[r2][dtype]
                found = []
                if _state(a) != _state(b):
                    found.append(("availability", f"{variant}, {linker}", f"{_state(a)} → {_state(b)}"))
                elif _state(a) == "measured":
                    for what, key in (("value", "values"), ("gradient", "grads")):
                        for point, x, y in zip(points, a[key].split(), b[key].split()):
                            if x != y:
                                found.append(("semantics", f"{variant} {what} at {point}, {linker}", f"{x} → {y}"))
                for kind, subject, detail in found:
                    merged.setdefault((r1, r2, kind, subject, detail), []).append(dtype)
    changes = []
    for (r1, r2, kind, subject, detail), dtypes in merged.items():
        changes.append(Change(kind, r1, r2, f"{subject} ({', '.join(dtypes)})", detail))
    return changes


def all_changes(timings, semantics, points, model, confirmed=()):
    """Every change, grouped by release pair in lineage order; time changes largest first within a pair.
    `confirmed`: records of relu_bench/report/confirm.py, for the pairs the figures left in doubt."""
    changes = timing_changes(timings, model) + fastest_changes(timings, model) + semantics_changes(semantics, points)
    changes += confirmed_changes(confirmed, timings)
    kinds = ["semantics", "availability", "fastest", "time"]
    return sorted(changes, key=lambda c: (c.before.order, c.after.order, kinds.index(c.kind), -c.size, c.subject))
