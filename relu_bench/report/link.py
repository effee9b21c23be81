"""Add a link to the report into the navigation bar of asv's published index.html.

`asv publish` deletes and rewrites its HTML directory, so link after every publish
(and build the report after it too). Running it twice leaves one link.
"""

import re
from pathlib import Path

from relu_bench.errors import UserError

LINK_ID = "relu-report-link"
# asv 0.6's navigation bar ends with the Regressions entry; the link goes after it.
ANCHOR = re.compile(r'(<li id="nav-li-regressions">.*?</li>)', re.S)


def link_html(text, href="report/index.html", label="Which ReLU? report"):
    """asv's index.html text with the link added (unchanged if it is there already)."""
    if f'id="{LINK_ID}"' in text:
        return text
    item = f'<li id="nav-li-relu-report"><a id="{LINK_ID}" href="{href}">{label}</a></li>'
    if ANCHOR.search(text):
        return ANCHOR.sub(lambda m: m.group(1) + "\n\t" + item, text, count=1)
    # Another asv layout: a fixed link, still on top of the page.
    fixed = f'<div style="position:fixed;right:1em;top:0.5em;z-index:2000">{item[item.index("<a") : -5]}</div>'
    if "</body>" not in text:
        raise UserError("not an HTML page with a </body>: is this asv's index.html?")
    return text.replace("</body>", fixed + "\n</body>", 1)


def link_index(html_dir, report_dir):
    """Link `report_dir` (inside `html_dir`) from html_dir/index.html; returns the index path."""
    index = Path(html_dir) / "index.html"
    if not index.exists():
        raise UserError(f"{index} does not exist: run `asv publish` first")
    try:
        href = Path(report_dir).resolve().relative_to(Path(html_dir).resolve()).as_posix() + "/index.html"
    except ValueError:
        raise UserError(f"the report ({report_dir}) must be inside the HTML directory ({html_dir})") from None
    index.write_text(link_html(index.read_text(), href=href))
    return index
