"""Does asv time what a user's loop times? asv's figures against a standalone steady-state loop.

    relu-bench fidelity [--release NAME]... [--commit REV] [--machine NAME]

For the copy floor and four variants, forward and gradient, at 1000x1000 float64
(random signs, C linker), in each release's asv environment: the figure asv
stored for the commit (`relu-bench bench` first) and a plain `timeit`
loop in the same environment, written without the suite (relu_impls and numpy
only, glibc's default malloc): one compiled function called on one array, as a
training loop calls it. The loop runs in PROCESSES fresh processes, as asv times
in `rounds` processes: where an array lies in memory sets a function's speed for
the life of a process (±15 % on a 2-core VM), so one process against asv's
pooled samples is no comparison. Prints asv ÷ the loop's median over its
processes, and the loop's own spread (slowest process ÷ fastest); exit 1 when
any ratio is above LIMIT, 2 when a figure is missing.
"""

import json
import os
import statistics
import subprocess
from itertools import product
from pathlib import Path

from tools.commands.common_args import add_command, add_machine, add_releases, chosen_releases
from tools.config import ROOT, asv_path
from tools.matrix import profile_releases, releases
from tools.plumbing import environments
from tools.pythons import asv_environ, link_pythons

LIMIT = 1.2
PROCESSES = 4
# (asv benchmark, its parameters, what the loop compiles: a floor or a variant, forward or gradient)
POINTS = [
    ("floors.Floors.time_floor", ("copy", "1000x1000", "float64"), "copy", "forward"),
    *[
        (f"relu.{cls}.time_{function}", (variant, "1000x1000", "float64"), variant, function)
        for variant in ("switch_lt", "max_x0", "mul_gt", "relu_op")
        for cls, function in (("Forward", "forward"), ("Gradient", "gradient"))
    ],
]
LOOP = """
import json, statistics, sys, timeit
import numpy as np
from relu_impls import FLOORS, VARIANTS, load_backend
b = load_backend()
z = np.random.default_rng(0).standard_normal((1000, 1000))
z.flat[::17] = 0.0
z.flat[5::17] = -0.0
out = {}
for name, function in json.loads(sys.argv[1]):
    x = b.matrix("float64")
    y = (VARIANTS[name] if name in VARIANTS else FLOORS[name])(x)
    f = b.function([x], b.grad(y.sum(), x) if function == "gradient" else y)
    f(z)
    number = max(1, int(0.05 / min(timeit.repeat(lambda: f(z), number=1, repeat=5))))
    times = timeit.repeat(lambda: f(z), number=number, repeat=15)
    out[f"{name}/{function}"] = statistics.median(t / number for t in times)
print(json.dumps(out))
"""


def asv_figures(result_file):
    """{(benchmark, params): asv's figure} of the POINTS in one result file; a point without one is absent."""
    from asv.results import Results

    results = Results.load(str(result_file))
    figures = {}
    for benchmark in {b for b, *_ in POINTS} & set(results.get_all_result_keys()):
        grid = results.get_result_params(benchmark)
        for value, combo in zip(results.get_result_value(benchmark, grid), product(*grid)):
            if value is not None and value == value:  # None: failed; NaN: skipped
                figures[benchmark, tuple(v.strip("'") for v in combo)] = value
    return figures


def setup_arguments(subparsers):
    parser = add_command(subparsers, "fidelity", __doc__, run)
    add_releases(parser, "--release", "relu-bench bench's")
    parser.add_argument("--commit", default="HEAD", help="whose asv results to read (HEAD)")
    add_machine(parser)


def run(args):
    from asv.machine import Machine

    table = releases()
    wanted = chosen_releases(args.parser, args.release, table, profile_releases("default", table))
    link_pythons(table[name]["python"] for name in wanted)
    envs = environments(wanted, asv_environ())
    commit = subprocess.run(["git", "rev-parse", args.commit], cwd=ROOT, capture_output=True, text=True, check=True)
    commit = commit.stdout.strip()
    machine = args.machine or Machine.get_unique_machine_name()
    # The loop imports the environment's relu_impls, not this checkout's.
    loop_env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    points = json.dumps([(name, function) for _, _, name, function in POINTS])

    print(f"asv ÷ standalone loop, commit {commit[:8]}, machine {machine} (1000x1000 float64, random signs, C linker)")
    print(f"\n| release | point | asv | loop: median of {PROCESSES} processes (slowest ÷ fastest) | asv ÷ loop |")
    print("|---|---|---|---|---|")
    worst, missing = 0.0, 0
    for release in wanted:
        result_file = (
            asv_path("results_dir") / machine / f"{commit[:8]}-{envs[release].name if release in envs else ''}.json"
        )
        if release not in envs or not result_file.exists():
            print(f"| {release} | (no asv results of {commit[:8]}: run `relu-bench bench` first) | | | |")
            missing += 1
            continue
        python = Path(envs[release]._path, "bin", "python")
        loops = []
        for _ in range(PROCESSES):
            cmd = [str(python), "-c", LOOP, points]
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd="/", env=loop_env)
            if proc.returncode:
                raise SystemExit(f"relu-bench fidelity: the loop failed in {release}:\n{proc.stderr[-2000:]}")
            loops.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        figures = asv_figures(result_file)
        ratios = []
        for benchmark, params, name, function in POINTS:
            figure = figures.get((benchmark, params))
            per_process = [loop[f"{name}/{function}"] for loop in loops]
            standalone = statistics.median(per_process)
            spread = f"{standalone * 1e6:.0f} µs (×{max(per_process) / min(per_process):.2f})"
            if figure is None:
                print(f"| {release} | {name} {function} | missing | {spread} | — |")
                missing += 1
                continue
            ratios.append(figure / standalone)
            worst = max(worst, ratios[-1])
            print(f"| {release} | {name} {function} | {figure * 1e6:.0f} µs | {spread} | {figure / standalone:.2f} |")
        if ratios:
            print(f"| {release} | median | | | {statistics.median(ratios):.2f} |")
    print(f"\nworst asv ÷ loop: {worst:.2f} (goal ≤ {LIMIT})")
    return 2 if missing else 1 if worst > LIMIT else 0
