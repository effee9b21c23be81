"""A bisection's result as stored (JSON, `.asv/bisect/LIBRARY-GOOD-BAD-POINT.json`, one file per question, the
latest run replacing an earlier one) and as read: a sentence and a Markdown table.

Format 1, every key always present:
    format       1
    library      the package index name, e.g. "theano"
    good, bad    the two releases asked about, GOOD the older
    point        POINT as typed, e.g. "max_0x/gradient@0"
    pre          whether pre-releases were listed (--pre)
    kind         "semantics" or "timing"
    benchmark    the asv benchmark name timed (null for a semantics cell)
    verdict      "changed", "no change", "no change beyond noise" or "no step beyond noise"
                 (relu_bench/bisection/bisect_search.py says what each means)
    neighbours   [last release like GOOD, first like BAD], or null
    listed       every release from GOOD to BAD on the index, in version order
    dropped      {version: why} of releases in that range left out (yanked, no files)
    releases     [{"version", "environment": its asv include line or null, and one of "value" (a cell),
                 "figures" (seconds, one per process, in run order) with "median" and "spread" (slowest ÷
                 fastest process), or "skipped" (why)}] for every release the bisection touched, in version order
    links        {version: {"pypi": page, "releases": the project's GitHub releases page where PyPI links one}}
                 for the neighbours
    sentence     the answer in words
    command      the command line that produced it
    finished     when (ISO 8601, UTC); seconds: how long it ran
A commit bisection (`--commits`) is stored beside it, in `...-commits.json`: its `listed` and `releases` are
commits (full hashes) and one key more, `commits`: {"repo", "start" (a note when GOOD is on a side branch, or
null), "last" and "first" (each {"hash", "date", "subject", "pr", "link"}, or null), "built" (builds made)}.
"""

import json
import re
import shlex
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from relu_bench.bisection.bisect_search import median, spread
from relu_bench.config import ROOT

FORMAT = 1
STORE = ROOT / ".asv" / "bisect"


@dataclass(frozen=True)
class Question:
    """What a bisection was asked (`relu-bench bisect`'s arguments): the record's library, good, bad and point,
    and the options its command line is written back from."""

    library: str  # the package index name, e.g. "theano"
    good: str  # the older release
    bad: str
    point: str  # POINT as typed, e.g. "max_0x/gradient@0"
    pre: bool = False  # --pre: pre-releases listed too
    commits: bool = False  # --commits: the git history between GOOD and BAD
    repo: object = None  # --repo: the library's clone, or None
    env_dir: object = None  # --env-dir as given, or None


def make(question, benchmark, result, listed, rows, started, **keys):
    """The record of a finished search (a bisect_search Result) of `question`; benchmark None for a cell; `keys`
    the rest (pre, dropped, links; commits)."""
    record = {
        "format": FORMAT,
        "library": question.library,
        "good": question.good,
        "bad": question.bad,
        "point": question.point,
        "pre": False,
        "kind": "semantics" if benchmark is None else "timing",
        "benchmark": benchmark,
        "verdict": result.verdict,
        "neighbours": list(result.neighbours) if result.neighbours else None,
        "listed": listed,
        "dropped": {},
        "releases": rows,
        "links": {},
        **keys,
        "command": command_line(question),
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 1),
    }
    record["sentence"] = sentence(record)
    return record


def rows(result, keys, lines, failed, benchmark):
    """The record's `releases`: each key (release or commit) the search touched, in order, with its environment's
    include line (`lines`), and its value, or figures, or why it was skipped (the search's or `failed`'s reason);
    benchmark None for a cell."""
    out = []
    for key in keys:
        row = {"version": key, "environment": lines.get(key)}
        if key in result.skipped or key in failed:
            row["skipped"] = result.skipped.get(key) or failed[key]
        elif key not in result.measured:
            continue
        elif benchmark is None:
            row["value"] = result.measured[key]
        else:
            figures = result.measured[key]
            row.update(figures=figures, median=median(figures), spread=spread(figures))
        out.append(row)
    return out


def command_line(question):
    """The command that asked for the search, written back from its Question."""
    words = ["relu-bench", "bisect", question.library, question.good, question.bad, question.point]
    words += ["--pre"] * bool(question.pre) + ["--commits"] * bool(question.commits)
    for option, value in (("--repo", question.repo), ("--env-dir", question.env_dir)):
        if value:
            words += [option, str(value)]
    return shlex.join(words)


def path_for(library, good, bad, point, pre=False, store=STORE):
    name = f"{library}-{good}-{bad}-{point}" + ("-pre" if pre else "")
    return store / (re.sub(r"[^\w.@-]+", "_", name).strip("_") + ".json")


def save(record, store=STORE):
    point = record["point"] + ("-commits" if record.get("commits") else "")
    path = path_for(record["library"], record["good"], record["bad"], point, record["pre"], store)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return path


def load_all(store=STORE):
    """Every stored bisection, oldest first."""
    records = [json.loads(p.read_text()) for p in store.glob("*.json")]
    return sorted(records, key=lambda r: r["finished"])


def micro(seconds):
    return f"{seconds * 1e6:,.0f} µs"


def sentence(record):
    lib, good, bad, point = record["library"], record["good"], record["bad"], record["point"]
    rows = {r["version"]: r for r in record["releases"]}
    touched = sum("skipped" not in r for r in record["releases"])
    skipped = len(record["releases"]) - touched
    unit = "commits" if record.get("commits") else "releases"
    tally = f"{touched} of {len(record['listed'])} {unit} measured, {skipped} skipped"
    if record.get("commits"):  # the rows are the commits': GOOD and BAD read at the first and last listed
        rows = dict(rows, **{good: rows.get(record["listed"][0]), bad: rows.get(record["listed"][-1])})
    verdict = record["verdict"]
    if verdict == "no change":
        return f"{lib} {point} reads {rows[good]['value']} at both {good} and {bad}: nothing changed ({tally})."
    if verdict == "no change beyond noise":
        a, b = rows[good], rows[bad]
        return (
            f"{lib} {point}: {good} ({micro(a['median'])}) and {bad} ({micro(b['median'])}) do not differ beyond noise "
            f"over {len(a['figures'])} processes each ({tally})."
        )
    last, first = record["neighbours"]
    a, b = rows[last], rows[first]
    if record["kind"] == "semantics":
        return (
            f"{lib} {point} changed from {a['value']} to {b['value']} between {last} and {first}: {first} is the "
            f"first release after {good} not reading {rows[good]['value']} ({tally})."
        )
    step = f"{micro(a['median'])} → {micro(b['median'])} (×{b['median'] / a['median']:.2f})"
    if verdict == "no step beyond noise":
        return (
            f"{lib} {point}: {good} and {bad} differ, but no two neighbouring releases do beyond noise; the last "
            f"pair, {last} and {first}, read {step}: the change is spread over several releases ({tally})."
        )
    return (
        f"{lib} {point} changed between {last} and {first}: {step}, every one of {len(b['figures'])} processes "
        f"of each apart ({tally})."
    )


def table(record):
    """Markdown: each release touched, its environment's Python, and its value, or figure and spread, or why not."""
    semantics = record["kind"] == "semantics"
    lines = ["| release | python | " + ("value |" if semantics else "median | spread | processes |")]
    lines.append("|---" * (lines[0].count("|") - 1) + "|")
    for row in record["releases"]:
        python = row["environment"]["python"] if row["environment"] else "—"
        if "skipped" in row:
            cells = [f"skipped: {row['skipped']}"] + [""] * (0 if semantics else 2)
        elif semantics:
            cells = [row["value"]]
        else:
            cells = [micro(row["median"]), f"×{row['spread']:.2f}", str(len(row["figures"]))]
        lines.append(f"| {row['version']} | {python} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def links(record):
    return [f"{version}: " + ", ".join(record["links"][version].values()) for version in record["neighbours"] or []]
