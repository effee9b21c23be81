"""Do two runs of one commit agree? `relu-bench agree MACHINE_1 MACHINE_2 [--commit C]`

Two runs of the same commit and releases, stored under two asv machine names
(`relu-bench bench --machine aa1`, then `relu-bench bench --machine aa2`), compared
point by point: every time_ figure's ratio run 2 / run 1, the median and the
worst |log ratio|, and the points the report's change rule would call a change
(relu_bench/report/changes.py). What two runs of the same code differ by is the noise
every comparison of separate runs (releases, commits in the graphs) must see through.

`--power F` (repeatable): also how many points the rule would flag if run 2 were F times
slower, its own spread kept, which is what a real change of that size between two runs looks like.

Exit status: 0 the change rule flags no point, 1 it flags some, 2 nothing to compare.
"""

from pathlib import Path

from relu_bench.agree import agreement, caught, figures, label
from relu_bench.commands.common_args import add_command
from relu_bench.config import asv_path
from relu_bench.report.changes import MOVED_WHEN
from relu_bench.report.results import load_benchmarks, machine_dir, result_files

WORST = 10


def setup_arguments(subparsers):
    parser = add_command(subparsers, "agree", __doc__, run)
    parser.add_argument("machines", nargs=2, metavar="MACHINE", help="asv machine names of the two runs")
    parser.add_argument("--commit", help="a commit hash or prefix (default: the newest with results, per machine)")
    parser.add_argument("--results-dir", type=Path, default=asv_path("results_dir"), help="asv's results_dir")
    parser.add_argument(
        "--power", type=float, action="append", default=[], metavar="F", help="also flag run 2 made F times slower"
    )


def run(args):
    benchmarks = load_benchmarks(args.results_dir)
    runs = [figures(result_files(machine_dir(args.results_dir, m), args.commit), benchmarks) for m in args.machines]
    found = agreement(*runs)
    if not found.ratios:
        print("no time_ point measured in both runs")
        return 2
    first, second = args.machines
    print(f"{second} ÷ {first}: {len(found.ratios)} points in both runs ({found.only_in_one} in one only)")
    worst_key, worst = found.worst
    print(f"median |log ratio| {found.median_abs_log:.2%}; worst ×{worst:.3f}: {label(worst_key)}")
    print(f"the change rule ({MOVED_WHEN}) flags {len(found.flagged)} point(s)")
    for key in found.flagged:
        print(f"  flagged ×{found.ratios[key]:.3f}: {label(key)}")
    for factor in args.power:
        print(f"run 2 made ×{factor:g} slower: the rule flags {caught(*runs, factor)} of {len(found.ratios)} points")
    print(f"\nthe {WORST} farthest apart:")
    for key, ratio in sorted(found.ratios.items(), key=lambda item: -abs(item[1] - 1))[:WORST]:
        print(f"  ×{ratio:.3f}  {label(key)}")
    return 1 if found.flagged else 0
