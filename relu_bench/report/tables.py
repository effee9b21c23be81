"""The report's tables, as plain data (title, headers, rows of cells) that Markdown and HTML both render.

A cell is (text, strong): strong marks the fastest variant, or a semantics cell
that differs from what relu_impls.semantics expects of its linker.
"""

from dataclasses import dataclass, field
from typing import List, Tuple

from relu_bench.report.series import FLOOR, fastest, fmt_time, lineage, linkers_of, points_of, shape_key
from relu_impls.semantics import EXPECTED, expected
from relu_impls.variants import VARIANTS

Cell = Tuple[str, bool]
SHORT = {"forward": "fwd", "gradient": "grad"}


@dataclass
class Table:
    title: str
    anchor: str
    headers: List[str]
    rows: List[List[Cell]] = field(default_factory=list)


class Floors:
    """Ratio of a timing to the copy floor of the same release, shape and dtype."""

    def __init__(self, timings):
        self.copy = {(t.release, t.shape, t.dtype): t for t in timings if t.function == "floor" and t.variant == FLOOR}

    def ratio(self, t):
        floor = self.copy.get((t.release, t.shape, t.dtype))
        return t.seconds / floor.seconds if floor else None

    def text(self, t):
        ratio = self.ratio(t)
        return f"{ratio:.2f}×" if ratio is not None else f"({fmt_time(t.seconds)}, no floor)"


def overview(timings, floors):
    """One row per release and linker: the fastest forward and gradient variant at each shape and dtype."""
    best = fastest(timings)
    linkers = linkers_of(timings)
    columns = sorted({p for lk in linkers for p in points_of(timings, lk)}, key=lambda p: (shape_key(p[0]), p[1]))
    table = Table("Fastest variant", "fastest", ["release", "linker"] + [f"{s} {d}" for s, d in columns])
    for release in lineage({t.release for t in timings}):
        for linker in linkers:
            cells = []
            for shape, dtype in columns:
                parts = []
                for function in ("forward", "gradient"):
                    t = best.get((release, linker, shape, dtype, function))
                    if t:
                        parts.append(f"{SHORT[function]}: {t.variant} {floors.text(t)}")
                cells.append((" · ".join(parts) or "—", False))
            if any(text != "—" for text, _ in cells):
                table.rows.append([(release.label, False), (linker, False)] + cells)
    return table


def release_tables(timings, floors):
    """Per release and linker: every variant's forward and gradient time as a ratio to the copy floor."""
    best = fastest(timings)
    by_key = {(t.release, *t.series): t for t in timings}
    tables = []
    for release in lineage({t.release for t in timings}):
        for linker in linkers_of(timings):
            columns = points_of(timings, linker)
            headers = ["variant"] + [f"{s} {d} {SHORT[f]}" for s, d in columns for f in ("forward", "gradient")]
            table = Table(f"{release.label}, {linker} linker", f"t-{release.label}-{linker}", headers)
            for variant in VARIANTS:
                cells = []
                for shape, dtype in columns:
                    for function in ("forward", "gradient"):
                        t = by_key.get((release, linker, shape, dtype, variant, function))
                        is_best = t is not None and best.get((release, linker, shape, dtype, function)) == t
                        cells.append((floors.text(t) if t else "—", is_best))
                if any(text != "—" for text, _ in cells):
                    table.rows.append([(variant, False)] + cells)
            if table.rows:
                floor_cells = []
                for shape, dtype in columns:
                    floor = floors.copy.get((release, shape, dtype))
                    floor_cells += [(fmt_time(floor.seconds) if floor else "—", False)] * 2
                table.rows.append([("copy floor (time)", False)] + floor_cells)
                tables.append(table)
    return tables


def semantics_tables(semantics, points):
    """Per release: value and gradient strings per variant and linker (float64; float32 shown where it differs)."""
    tables = []
    for release in lineage(semantics):
        record = semantics[release]
        linkers = []
        cells = {}
        for row in record["rows"]:
            if row["linker"] not in linkers:
                linkers.append(row["linker"])
            cells[(row["variant"], row["linker"], row["dtype"])] = row
        headers = ["variant"] + [f"{lk} {what}" for lk in linkers for what in ("value", "gradient")]
        title = f"{release.label} (at {' '.join(points)}; measured at commit {record['commit_hash'][:8]})"
        table = Table(title, f"s-{release.label}", headers)
        for variant in VARIANTS:
            row_cells = [(variant, False)]
            for linker in linkers:
                for i, key in enumerate(("values", "grads")):
                    row_cells.append(_semantics_cell(variant, linker, key, i, cells))
            table.rows.append(row_cells)
        tables.append(table)
    return tables


def _semantics_cell(variant, linker, key, index, cells):
    shown = []
    for dtype in ("float64", "float32"):
        row = cells.get((variant, linker, dtype))
        if row is None:
            continue
        text = row.get(key) or ("unavailable" if "skipped" in row else "error")
        if not shown or text != shown[0][1]:
            shown.append((dtype, text))
    if not shown:
        return ("—", False)
    want = expected(variant, linker)[index] if variant in EXPECTED else None
    differs = any(text != want for _, text in shown if text not in ("unavailable", "error"))
    if len(shown) == 1:
        return (shown[0][1] + (" ≠" if differs else ""), differs)
    text = " / ".join(f"{dtype[-2:]}: {t}" for dtype, t in shown)
    return (text + (" ≠" if differs else ""), differs)
