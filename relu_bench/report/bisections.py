"""Which release did it: the stored bisections (`relu-bench bisect`, relu_bench/bisection/bisect_record.py) that answer
a
change between two neighbouring releases of the report, as a note on that change.

A bisection answers a change when it is of the same library, its range (GOOD to BAD) holds both releases, its
point is the change's (variant, function, and the cell or the shape and dtype), and it found a change.
"""

import re

from packaging.version import InvalidVersion, Version

TIMED = re.compile(r"^relu\.(Forward|Gradient)\.time_\w+\('(\w+)', '(\w+)', '(\w+)'\)$")
CELL = re.compile(r"^(\w+)/(value|gradient)@(\S+)$")


def subject(record):
    """The start of the subject a report Change of the same point has, or None for a point the report has not."""
    if record["kind"] == "semantics":
        found = CELL.match(record["point"])
        return found and f"{found[1]} {found[2]} at {found[3]}, c "
    found = TIMED.match(record["benchmark"] or "")
    return found and f"{found[2]} {found[1].lower()}, c, {found[3]} {found[4]}"


def _version(text):
    try:
        return Version(text)
    except InvalidVersion:
        return None


def answers(record, change):
    if record["verdict"] != "changed" or change.kind not in ("time", "semantics"):
        return False
    if not (record["library"] == change.before.library == change.after.library):
        return False
    versions = (record["good"], record["bad"], change.before.version, change.after.version)
    good, bad, before, after = map(_version, versions)
    if None in (good, bad, before, after):
        return False
    # A release bisection's range holds the change's two releases; a commit bisection's release pair (neighbours,
    # which it found changed) lies within them: 0.9.0 → 1.0.0's commits answer the report's 0.9.0 → 1.0.4.
    inside = before <= good < bad <= after if record.get("commits") else good <= before < after <= bad
    if not inside:
        return False
    start = subject(record)
    return bool(start) and (change.subject + " ").startswith(start)


def note(record):
    last, first = record["neighbours"]
    commit = (record.get("commits") or {}).get("first")
    if commit:
        pr = f", PR #{commit['pr']}" if commit["pr"] else ""
        named = f'commit {commit["hash"][:12]} "{commit["subject"]}"{pr}'
        return f"bisected: {named} ({commit['link']}; `{record['command']}`)"
    return f"bisected: first in {record['library']} {first} (after {last}; `{record['command']}`)"


def annotate(changes, records):
    """The changes, each with the note of the newest bisection that answers it, a commit bisection before a release
    bisection (it names the commit)."""
    ordered = sorted(reversed(records), key=lambda r: not r.get("commits"))
    return [next((c.with_bisection(note(r)) for r in ordered if answers(r, c)), c) for c in changes]
