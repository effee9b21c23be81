"""Markdown (report.md) and HTML (index.html) from the same sections.

The HTML page's stable hooks, for links and browser tests: <h1 id="which-relu">Which ReLU?</h1>,
and sections #changes, #fastest, #plots, #timings, #semantics.
"""

import html

TITLE = "Which ReLU?"
LEGEND = (
    "Times are ratios to the copy floor (x.copy() compiled with the C linker, same release, shape and dtype): "
    "1.00× is as fast as copying the array. **Bold**: the fastest variant. Data: seeded normal, random signs, "
    "with exact ±0."
)
SEMANTICS_LEGEND = (
    "Measured by running each variant in the release's asv environment (python -m relu_impls.semantics_json). "
    "Cells marked ≠ differ from relu_impls.semantics (EXPECTED, and BY_LINKER where a linker differs); "
    "32: / 64: where float32 and float64 differ."
)


def _md_table(table):
    def cell(c):
        text = c[0].replace("|", "\\|")
        return f"**{text}**" if c[1] else text

    lines = [f"#### {table.title}", "", "| " + " | ".join(table.headers) + " |"]
    lines.append("|" + "---|" * len(table.headers))
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    return lines + [""]


def markdown(meta, changes, overview, plots, timing_tables, semantics_tables):
    out = [f"# {TITLE}", "", meta["summary"], ""]
    out += ["## What changed between releases", "", f"Rule: {meta['rule']}.", ""]
    out += [f"- {c.text()}" for c in changes] or ["- nothing beyond the noise"]
    out += ["", f"{meta['blind_heading']}:", ""] + [f"- {b}" for b in meta["blind"]] if meta["blind"] else []
    out += ["", "## Fastest variant", "", LEGEND, ""] + _md_table(overview)
    out += ["## Plots", ""] + [f"![{title}](plots/{name})" for title, name in plots] + [""]
    out += ["## Every variant, per release and linker", "", LEGEND, ""]
    for table in timing_tables:
        out += _md_table(table)
    out += ["## Semantics at 0, -0, inf, -inf, NaN", "", SEMANTICS_LEGEND, ""]
    for table in semantics_tables:
        out += _md_table(table)
    if meta["warnings"]:
        out += ["## Warnings", ""] + [f"- {w}" for w in meta["warnings"]] + [""]
    return "\n".join(out)


def _html_table(table):
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in table.headers)
    rows = []
    for row in table.rows:
        cells = "".join(f"<td{' class=best' if strong else ''}>{e(text)}</td>" for text, strong in row)
        rows.append(f"<tr>{cells}</tr>")
    return (
        f'<h4 id="{e(table.anchor)}">{e(table.title)}</h4>\n'
        f"<table><thead><tr>{head}</tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


STYLE = """
body { font-family: sans-serif; margin: 1.5em; max-width: 110em; }
table { border-collapse: collapse; margin-bottom: 1.2em; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; white-space: nowrap; }
td.best { font-weight: bold; background: #e8f4e8; }
img { max-width: 100%; }
"""


def page(meta, changes, overview, plots, timing_tables, semantics_tables):
    e = html.escape
    legend = e(LEGEND).replace("**Bold**", "<b>Bold</b>")
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="en"><head><meta charset="utf-8"><title>{e(TITLE)} — relu-bench</title>',
        f"<style>{STYLE}</style></head><body>",
        f'<h1 id="which-relu">{e(TITLE)}</h1>',
        f'<p>{e(meta["summary"])} <a href="../index.html">asv benchmarks</a> · <a href="report.md">Markdown</a></p>',
        '<section id="changes"><h2>What changed between releases</h2>',
        f"<p>Rule: {e(meta['rule'])}.</p><ul>",
    ]
    parts += [f"<li>{e(c.text())}</li>" for c in changes] or ["<li>nothing beyond the noise</li>"]
    if meta["blind"]:
        parts += ["</ul>", f'<p id="blind">{e(meta["blind_heading"])}:</p><ul>'] + [
            f"<li>{e(b)}</li>" for b in meta["blind"]
        ]
    parts += ["</ul></section>", '<section id="fastest"><h2>Fastest variant</h2>', f"<p>{legend}</p>"]
    parts += [_html_table(overview), "</section>", '<section id="plots"><h2>Plots</h2>']
    parts += [
        f'<figure><img src="plots/{e(n)}" alt="{e(t)}"><figcaption>{e(t)}</figcaption></figure>' for t, n in plots
    ]
    parts += ["</section>", '<section id="timings"><h2>Every variant, per release and linker</h2>', f"<p>{legend}</p>"]
    parts += [_html_table(t) for t in timing_tables]
    parts += ["</section>", '<section id="semantics"><h2>Semantics at 0, -0, inf, -inf, NaN</h2>']
    parts += [f"<p>{e(SEMANTICS_LEGEND)}</p>"] + [_html_table(t) for t in semantics_tables] + ["</section>"]
    if meta["warnings"]:
        parts += ['<section id="warnings"><h2>Warnings</h2><ul>']
        parts += [f"<li>{e(w)}</li>" for w in meta["warnings"]] + ["</ul></section>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
