"""Changes in doubt between neighbouring releases, decided by fresh interleaved processes (`relu-bench report
confirm`), the way `relu-bench bisect` decides a step.

A pair of neighbouring figures is in doubt when they differ by at least the noise model's TARGET but not beyond the
noise of their points (or their quartiles overlap): one asv run cannot tell. Both releases' environments then time
that one point in fresh processes, interleaved in shuffled rounds (relu_bench/measure/across_processes.py; Abedi &
Brecht's "randomized multiple interleaved trials"), PROCESSES at a time, until every process of one is slower than
every process of the other, or MOST each. The verdicts are stored beside the results
(MACHINE/confirmations/COMMIT.confirmed: JSON, under a name asv's readers skip), and the report lists a confirmed
change, saying that it was confirmed so.
"""

import json
import statistics
from pathlib import Path

from relu_bench.bisection.bisect_search import differ, until_apart
from relu_bench.errors import UserError

SUBDIR = "confirmations"
SUFFIX = ".confirmed"
PROCESSES = 6
MOST = 24


def decide(measure, processes=PROCESSES, most=MOST):
    """{"verdict": "changed" or "no change beyond noise", "figures": [a's, b's]}; measure(n) -> (a's, b's) per-process
    figures of n more interleaved processes each (release bisection's own rule: every process of one apart)."""
    fa, fb = until_apart(measure, processes, most)
    return {"verdict": "changed" if differ(fa, fb) else "no change beyond noise", "figures": [fa, fb]}


def path(mdir, commit):
    return Path(mdir) / SUBDIR / f"{commit[:8]}{SUFFIX}"


def confirm(run, doubtful, measures, processes=PROCESSES, most=MOST):
    """Decide every pair of `doubtful` [(Measurement a, Measurement b)] of a report Run (relu_bench/report/changes.py
    in_doubt); store and return the records. measures(a, b) -> measure(n) for `decide`: fresh processes of the two
    points' environments (relu_bench/measure/across_processes.py two_arms)."""
    records = []
    for a, b in doubtful:
        print(f"{a.release.label} → {b.release.label}: {a.entry}", flush=True)
        found = decide(measures(a, b), processes, most)
        fa, fb = found["figures"]
        print(f"  {found['verdict']}: {statistics.median(fa) * 1e6:,.0f} → {statistics.median(fb) * 1e6:,.0f} µs, "
              f"{len(fa)} processes each", flush=True)  # fmt: skip
        records.append(dict(found, before=a.release.label, after=b.release.label, entry=a.entry))
    target = path(run.mdir, run.commit)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"commit": run.commit, "records": records}, indent=1) + "\n")
    return records


def load(mdir, commit):
    """The stored records of `commit`, [] if none; UserError naming a file that cannot be read."""
    p = path(mdir, commit)
    if not p.exists():
        return []
    try:
        records = json.loads(p.read_text())["records"]
        return [dict(r, figures=[list(r["figures"][0]), list(r["figures"][1])]) for r in records]
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise UserError(f"cannot read {p}: {exc!r}; move it away, or run `relu-bench report confirm` again") from None
