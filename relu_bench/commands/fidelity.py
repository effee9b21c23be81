"""Does asv time what a user's loop times? asv's figures against a standalone steady-state loop, in turns.

    relu-bench fidelity [--release NAME... | --all-releases] [--commit REV] [--env-dir DIR] [--turns N]
                        [--rounds N] [--linker L]

For the copy floor and four variants, forward and gradient, at the PR point
(1000x1000 float64, random signs, C linker), in each release's asv environment: asv's figure (an
`asv run` of exactly these points, the commit's project, this tree's suite, its
results in a scratch folder, not the history; it builds a missing
environment as `relu-bench bench` does) and a plain `timeit` loop in the
same environment, written without the suite (relu_impls and numpy only, glibc's
default malloc): one compiled function called on one array, as a training loop
calls it. `--linker pytorch` (or numba, jax, mlx...): the variants' points are
linkers.Linkers' for that linker, and the loop, as the suite does, places the input
on the linker's device once and waits for each output (relu_impls.devices); the
copy floor stays the C linker's.

The two take --turns turns each (default 4), alternating (asv, loop, loop, asv, ...): on a
shared machine the same function's speed moves by 20-50 % over minutes and
between processes, so a stored figure against a loop run later compares two
moments, not two ways of timing (switch_lt forward read 1.45 that way, then
0.93 with both run minutes apart). Prints the median over the turns of each,
its spread (slowest ÷ fastest) and asv ÷ loop; exit 1 when any ratio is beyond
LIMIT either way, 2 when a figure is missing (asv failed or skipped a point). A variant the library
cannot run on the linker (relu_impls.semantics.known_failure, which the suite skips too) is a row that
says why, not a failure.
"""

import json
import os
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

from relu_bench import git
from relu_bench.commands.common_args import (
    add_command,
    add_env_dir,
    add_releases,
    chosen_releases,
    env_dir,
    positive_int,
)
from relu_bench.config import PR_POINT
from relu_bench.envs.asv_envs import environments
from relu_bench.envs.asv_run import scratch_conf, scratch_run
from relu_bench.envs.matrix import releases
from relu_bench.envs.pythons import link_pythons
from relu_bench.errors import UserError
from relu_bench.measure.worker import python_of
from relu_bench.results import asv_results
from relu_impls.devices import DEVICE_OF_LINKER

LIMIT = 1.2
# The suite's linker names, less the reference "py" (no steady state to compare).
LINKER_NAMES = tuple(name for name in DEVICE_OF_LINKER if name != "py")
TURNS = 4
MACHINE = "fidelity"  # asv machine name in the scratch results
# (asv benchmark, its parameters, what the loop compiles: a floor or a variant, forward or gradient)
VARIANTS = ("switch_lt", "max_x0", "mul_gt", "relu_op")
FLOOR_NAMES = ("copy",)


def points_of(linker="c"):
    """(asv benchmark, its parameters, what the loop compiles: a floor or a variant, forward or gradient) of the
    variants on `linker`; the copy floor is always the C linker's (floors.Floors)."""
    floor = [("floors.Floors.time_floor", (name, *PR_POINT), name, "forward") for name in FLOOR_NAMES]
    if linker == "c":
        return floor + [
            (f"relu.{cls}.time_{function}", (variant, *PR_POINT), variant, function)
            for variant in VARIANTS
            for cls, function in (("Forward", "forward"), ("Gradient", "gradient"))
        ]
    return floor + [
        (f"linkers.Linkers.time_{function}", (variant, linker), variant, function)
        for variant in VARIANTS
        for function in ("forward", "gradient")
    ]


POINTS = points_of()
LOOP = """
import json, statistics, sys, timeit
from relu_impls import FLOORS, VARIANTS, load_backend
from relu_impls.devices import block, place, prepare_linker
from relu_impls.inputs import make_input
try:
    from relu_impls.semantics import known_failure
except ImportError:  # a commit from before the library's known failures were named
    known_failure = lambda name, linker, exc: None  # noqa: E731
b = load_backend()
shape, dtype = json.loads(sys.argv[2])
z = make_input([int(n) for n in shape.split("x")], dtype)
out = {}
for name, function, linker in json.loads(sys.argv[1]):
    try:
        mode = b.mode(prepare_linker(linker)[0])  # pins JAX to the linker's device before compiling
        x = b.matrix(dtype)
        y = (VARIANTS[name] if name in VARIANTS else FLOORS[name])(x)
        f = b.module.function([x], b.grad(y.sum(), x) if function == "gradient" else y, mode=mode)
        xin = place(z, linker)  # on the device once, as the suite does; the C linker's input is the array itself
        if linker != "c":
            f.trust_input = True  # the type check would copy a device input back to numpy
        call = lambda: block(f(xin))  # noqa: E731
        call()
    except Exception as exc:  # the suite skips the library's known failures by the same test
        reason = known_failure(name, linker, exc)
        if reason is None:
            raise
        out[f"{name}/{function}"] = reason
        continue
    number = max(1, int(0.05 / min(timeit.repeat(call, number=1, repeat=5))))
    times = timeit.repeat(call, number=number, repeat=15)
    out[f"{name}/{function}"] = statistics.median(t / number for t in times)
print(json.dumps(out))
"""


def asv_figures(result_file):
    """{(benchmark, params): asv's figure} of the POINTS in one result file; a point without one is absent."""
    results = asv_results.load(result_file)
    figures = {}
    for benchmark in {b for points in map(points_of, LINKER_NAMES) for b, *_ in points}:
        for combo, value, _ in asv_results.points(results, benchmark) or []:
            if asv_results.state(value) == asv_results.MEASURED:
                figures[benchmark, tuple(map(asv_results.unquote, combo))] = value
    return figures


def setup_arguments(subparsers):
    parser = add_command(subparsers, "fidelity", __doc__, run)
    add_releases(parser, "relu-bench bench's")
    parser.add_argument("--commit", default="HEAD", help="whose project asv installs (HEAD)")
    add_env_dir(parser)
    parser.add_argument(
        "--turns", type=positive_int, default=TURNS, help=f"turns of asv and of the loop each ({TURNS})"
    )
    parser.add_argument(
        "--rounds",
        type=positive_int,
        metavar="N",
        help="processes per point in each asv turn instead of the suite's 12: a shorter turn, a rougher figure",
    )
    parser.add_argument(
        "--linker",
        default="c",
        choices=LINKER_NAMES,
        help="the variants' linker (c: relu.Forward/Gradient; else linkers.Linkers for it); the floor is C's",
    )


def spread(values):
    return f"×{max(values) / min(values):.2f}"


def asv_turn(conf_path, output, commit, env, bench, rounds=None):
    """{(benchmark, params): figure} of one asv run of the POINTS; a point asv gave no number is absent."""
    code = scratch_run(conf_path, output, [commit], [env.name], bench, MACHINE, quiet=True, rounds=rounds)
    if code:  # its log is hidden to keep the table readable; relu-bench bench shows it
        print(f"(asv run in {env.name} exited {code}: `relu-bench bench --bench ...` shows why)", flush=True)
    result_file = output / "results" / MACHINE / asv_results.file_name(commit, env.name)
    return asv_figures(result_file) if result_file.exists() else {}


def loop_turn(env, points):
    """{"name/function": seconds per call} of one standalone loop process."""
    # The loop imports the environment's relu_impls, not this checkout's.
    loop_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    cmd = [str(python_of(env)), "-c", LOOP, points, json.dumps(PR_POINT)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/", env=loop_env)
    if proc.returncode:
        raise UserError(f"the loop failed in {env.name}:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def turns(conf_path, output, commit, env, bench, points, count, rounds=None):
    """(asv's figures, the loop's figures) of `count` turns each, in the order asv, loop, loop, asv, ...:
    a drift over the run weighs on both alike."""
    asv_runs, loops = [], []
    for turn in range(count):
        asv_first = turn % 2 == 0
        if not asv_first:
            loops.append(loop_turn(env, points))
        asv_runs.append(asv_turn(conf_path, output, commit, env, bench, rounds))
        if asv_first:
            loops.append(loop_turn(env, points))
    return asv_runs, loops


def run(args):
    table = releases()
    wanted = chosen_releases(args, table, "default")
    link_pythons(table[name]["python"] for name in wanted)
    commit = git.rev_parse(args.commit)
    linker = args.linker
    chosen = points_of(linker)
    # The floor is the C linker's (floors.Floors) whatever the variants' linker.
    points = json.dumps([(name, function, "c" if name in FLOOR_NAMES else linker) for _, _, name, function in chosen])
    bench = [
        f"^{re.escape(benchmark)}\\({re.escape(', '.join(repr(p) for p in params))}\\)$"
        for benchmark, params, *_ in chosen
    ]

    where = " ".join(PR_POINT)
    print(
        f"asv ÷ standalone loop, commit {commit[:8]} ({where}, random signs, {linker} linker), {args.turns} turns each"
        + (f", {args.rounds} rounds per asv turn" if args.rounds else "")
    )
    print("\n| release | point | asv: median (slowest ÷ fastest) | loop: median (slowest ÷ fastest) | asv ÷ loop |")
    print("|---|---|---|---|---|")
    worst, missing = 1.0, 0
    with tempfile.TemporaryDirectory(prefix="relu-bench-fidelity-") as tmp:
        output = Path(tmp)
        conf_path = scratch_conf(output, env_dir(args))
        envs = environments(wanted, conf_path)
        for release in wanted:
            if release not in envs:
                print(f"| {release} | (no asv environment: its Python is missing, `relu-bench envs list`) | | | |")
                missing += 1
                continue
            asv_runs, loops = turns(conf_path, output, commit, envs[release], bench, points, args.turns, args.rounds)
            ratios = []
            for benchmark, params, name, function in chosen:
                figures = [found[benchmark, params] for found in asv_runs if (benchmark, params) in found]
                per_process = [loop[f"{name}/{function}"] for loop in loops]
                reasons = [value for value in per_process if isinstance(value, str)]
                if reasons:  # a known failure of the library, which the suite skips too: a row, not a gap
                    print(f"| {release} | {name} {function} | skipped | skipped: {reasons[0]} | — |")
                    continue
                standalone = statistics.median(per_process)
                loop_cell = f"{standalone * 1e6:.0f} µs ({spread(per_process)})"
                if len(figures) < args.turns:
                    lost = f"missing in {args.turns - len(figures)} of {args.turns} asv runs"
                    print(f"| {release} | {name} {function} | {lost} | {loop_cell} | — |")
                    missing += 1
                    continue
                figure = statistics.median(figures)
                ratios.append(figure / standalone)
                worst = max(worst, ratios[-1], key=gap)  # asv faster than the loop is a gap too
                asv_cell = f"{figure * 1e6:.0f} µs ({spread(figures)})"
                print(f"| {release} | {name} {function} | {asv_cell} | {loop_cell} | {ratios[-1]:.2f} |")
            if ratios:
                print(f"| {release} | median | | | {statistics.median(ratios):.2f} |")
    print(f"\nworst asv ÷ loop: {worst:.2f} (goal: within {1 / LIMIT:.2f}-{LIMIT})")
    return 2 if missing else 1 if gap(worst) > LIMIT else 0


def gap(ratio):
    """How far a ratio is from 1, either way."""
    return max(ratio, 1 / ratio)
