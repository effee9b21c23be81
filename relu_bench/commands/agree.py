"""Do two runs of one commit agree? `relu-bench agree MACHINE_1 MACHINE_2 [--commit C] [--store] [--power F]`

Two runs of the same commit and releases, stored under two asv machine names
(`relu-bench bench --machine aa1`, then `relu-bench bench --machine aa2`, on one
computer), compared point by point (two commits whose measured code, relu_impls/,
the suite and asv.conf.json, is the same count as one): every time_ figure's ratio
run 2 / run 1 in three forms: raw, ÷ the same run's copy floor, and ÷ the run's drift (the median
ratio of all points), with the median and the worst |log ratio| of each, and the
points that the change rules would call a change: the report's (drift taken out)
and the history's (raw). The pair is judged by this computer's noise model
without the pair itself, so a pair tests the rule it did not make.

--store adds the pair to the noise model (RESULTS_DIR/noise/HOST.json), which then
sets the change rule of the report and of asv's Regressions page for this kind of
computer. Store pairs taken at different times: a pair straight after each other
misses the drift of an hour.

--power F (repeatable): how many points the report's rule flags when one point of
run 2 at a time is made F times slower, its spread kept: what a real change of that
size looks like.

`--history MACHINE` (instead of two machines): the history's own A/A pairs, consecutive
commits with results on MACHINE whose measured code (relu_impls/, the suite, asv.conf.json)
is the same: each pair is judged and, with --store, added to the model.

Exit status: 0 no rule flags a point, 1 some point is flagged, 2 nothing to compare
(or unreadable results).
"""

import math
from pathlib import Path

from relu_bench.check.agree import (
    MEASURED_CODE,
    RULE_FORMS,
    agreement,
    caught,
    figures,
    label,
    pair,
    pair_key,
    repeats,
    same_code,
)
from relu_bench.commands.common_args import add_command
from relu_bench.config import asv_path
from relu_bench.errors import UserError
from relu_bench.report import noise, read_run

WORST = 10
FORM_NAMES = {"raw": "raw", "floor": "÷ copy floor", "run": "÷ run drift"}


def setup_arguments(subparsers):
    parser = add_command(subparsers, "agree", __doc__, run)
    parser.add_argument("machines", nargs="*", metavar="MACHINE", help="asv machine names of the two runs")
    parser.add_argument("--history", metavar="MACHINE", help="pairs of commits of MACHINE that time the same code")
    parser.add_argument("--commit", help="a commit hash or prefix (default: the newest with results, per machine)")
    parser.add_argument("--results-dir", type=Path, default=asv_path("results_dir"), help="asv's results_dir")
    parser.add_argument("--store", action="store_true", help="add this pair to the computer's noise model")
    parser.add_argument(
        "--power", type=float, action="append", default=[], metavar="F", help="also flag one point made F times slower"
    )


def _started(run):
    """When the run's last benchmark started (ms since the epoch), or None."""
    return max((s for f in run.files for s in f.started_at.values() if s), default=None)


def run(args):
    if any(f <= 1 for f in args.power):
        raise UserError(f"--power takes factors above 1 (a slowdown), got {', '.join(map(str, args.power))}")
    if bool(args.history) == (len(args.machines) == 2) or len(args.machines) not in (0, 2):
        raise UserError("name two machines (two runs of one commit), or --history MACHINE")
    if args.history:
        return _history(args)
    runs = [read_run(args.results_dir, m, args.commit) for m in args.machines]
    a, b = (r.commit for r in runs)
    return _judge(args, runs, list(args.machines), a if a == b else _same_code(a, b))


def _same_code(a, b):
    """The key of a pair of runs of two commits ("a..b", as the history's repeats): they are an A/A pair only where
    both commits hold the same measured code."""
    if not same_code(a, b):
        raise UserError(
            f"the runs hold different commits ({a[:8]}, {b[:8]}) that do not hold the same measured code "
            f"({', '.join(MEASURED_CODE)}), or are not in this repository: not an A/A pair; name one commit "
            "with --commit"
        )
    return pair_key(a, b)


def _history(args):
    from asv.results import iter_results_for_machine

    dated = {r.commit_hash: r.date or 0 for r in iter_results_for_machine(str(args.results_dir), args.history)}
    commits = sorted(dated, key=dated.get)
    found = repeats(commits, same_code)
    print(f"{args.history}: {len(commits)} commits with results, {len(found)} consecutive pairs timing the same code")
    if not found:
        return 2
    codes = []
    for a, b in found:
        runs = [read_run(args.results_dir, args.history, c) for c in (a, b)]
        print()
        codes.append(_judge(args, runs, [args.history, args.history], pair_key(a, b)))
    return max(codes)


def _judge(args, runs, machines, key):
    """Compare two Runs, print what agree prints, store the pair with --store; the exit status."""
    hosts = {noise.host_of(r.mdir) for r in runs}
    if len(hosts) != 1:
        raise UserError(f"the two runs are of different computers ({' / '.join(sorted(hosts))}): no A/A pair")
    host = hosts.pop()
    stored = noise.load(args.results_dir, host)
    model = stored.without(machines, key)
    first, second = (figures(r) for r in runs)
    found = agreement(first, second, model)
    if not found.logs:
        print("no time_ point measured in both runs")
        return 2
    starts = [_started(r) for r in runs]
    hours = abs(starts[1] - starts[0]) / 3.6e6 if None not in starts else None
    apart = f", started {hours:.2f} h apart" if hours is not None else ""
    print(f"{machines[1]} ÷ {machines[0]}, {key[:18]}, {host}{apart}")
    print(f"{len(found.logs)} points in both runs ({found.only_in_one} in one only)")
    for form, name in FORM_NAMES.items():
        median, (worst, ratio) = found.spread(form)
        if median is not None:
            print(f"  {name:>13}: median |log ratio| {median:.2%}; worst ×{ratio:.3f}: {label(worst)}")
    print(f"judged by {model.describe()}")
    for form, where in RULE_FORMS.items():
        print(f"  the rule of {where} flags {len(found.flagged[form])} point(s)")
        for point in found.flagged[form]:
            print(f"    flagged ({FORM_NAMES[form]}) ×{math.exp(found.logs[point][form]):.3f}: {label(point)}")
    for factor in args.power:
        hit = caught(first, second, model, factor)
        print(f"one point at a time made ×{factor:g} slower: the report's rule flags {hit} of {len(found.logs)}")
    print(f"\nthe {WORST} farthest apart (÷ run drift):")
    for point, logs in sorted(found.logs.items(), key=lambda item: -abs(item[1]["run"]))[:WORST]:
        print(f"  ×{math.exp(logs['run']):.3f} (raw ×{math.exp(logs['raw']):.3f})  {label(point)}")
    if args.store:
        path = stored.with_pair(pair(machines, key, found, hours)).save(args.results_dir)
        print(f"\nstored in {path}")
    return 1 if any(found.flagged.values()) else 0
