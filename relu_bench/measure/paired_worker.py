"""Timing one or more trees' benchmarks in one process of a benchmark environment: both sides of a paired
timing (relu_bench/measure/paired.py, two trees), or one side of a round across processes
(relu_bench/measure/across_processes.py, one tree).

    python paired_worker.py PLAN.json

PLAN: {"suite": an asv_bench folder, "trees": [BASE's tree, HEAD's tree] or
[a tree], "bench": [regex, ...], "blocks": B, "calls": N, "out": a file}. For each tree in turn, the
suite's `benchmarks` package is imported with that tree's `relu_impls`, and
the time_ benchmarks whose asv names match a regex are set up (compiled) then;
afterwards its modules move aside (retire), so the next tree imports its own.
Compiled functions keep working: they hold their ops, not the module names.
relu_bench/measure/paired.py gives the worker a compile cache of its own.

Then, block by block, each benchmark is called N times per tree, the trees
taking turns in an order that rotates every block. One process, so both trees'
outputs land on the same freed heap memory, and both read the same input array
(share_inputs): between processes the same function's time differs by up to
20 % (where its memory lies). Writes one JSON object to PLAN's "out" file (not
stdout, which the trees' own code can write to): {asv name: {"label": its
parameters, "sides": [each tree's state: "ok", {"skip": reason} or {"error":
traceback}], "blocks": [[median s per tree] per block] where all are ok}}. Runs
under every Python a release of asv.conf.json uses (3.8 on), so no newer syntax.
"""

import functools
import importlib
import inspect
import itertools
import json
import pkgutil
import re
import statistics
import sys
import time
import traceback

import numpy


def asv_name(module, cls, method, combo):
    """The name asv gives one parameter combination of a benchmark (its --bench regexes match these)."""
    name = f"{module}.{cls.__name__}.{method}"
    return name + "({})".format(", ".join(repr(p) for p in combo)) if combo else name


def discover(package):
    """{asv name: (class, method name, params)} of every time_ benchmark of the suite."""
    found = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(package.__name__ + "." + info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            params = getattr(cls, "params", [])
            if params and not isinstance(params[0], (list, tuple)):
                params = [params]
            for method in (m for m in dir(cls) if m.startswith("time_")):
                for combo in itertools.product(*params):
                    found[asv_name(info.name, cls, method, combo)] = (cls, method, combo)
    return found


def retire(index):
    """Move the loaded tree's modules aside, under names of their own.

    The library's compile cache pickles ops, by class name, whenever it stores a key,
    also the keys of an earlier tree's identical kernels: each retired class must stay
    findable by pickle, and the next tree must import its own modules.
    """
    for name in [m for m in sys.modules if m.split(".")[0] in ("benchmarks", "relu_impls")]:
        module = sys.modules.pop(name)
        alias = f"_tree{index}_{name}"
        sys.modules[alias] = module
        values = list(vars(module).values())
        # Also classes kept in a module's dicts: relu_impls.op builds its op classes on first use.
        values += [v for d in values if isinstance(d, dict) for v in d.values()]
        for value in values:
            if inspect.isclass(value) and value.__module__ == name:
                value.__module__ = alias


def prepare(suite, tree, regexes):
    """{asv name: (parameter label, warm zero-argument call, or {"skip": reason} / {"error": traceback})}."""
    sys.path[:0] = [tree, suite]
    try:
        prepared = {}
        for name, (cls, method, combo) in discover(importlib.import_module("benchmarks")).items():
            if not any(re.search(r, name) for r in regexes):
                continue
            label = ", ".join(f"{n}={v}" for n, v in zip(getattr(cls, "param_names", []), combo))
            try:
                instance = cls()
                if hasattr(instance, "setup"):
                    instance.setup(*combo)
                call = functools.partial(getattr(instance, method), *combo)
                call()
            except NotImplementedError as exc:
                call = {"skip": str(exc)}
            except Exception:
                call = {"error": traceback.format_exc()}
            prepared[name] = (label, call)
        return prepared
    finally:
        del sys.path[:2]


def share_inputs(base, head):
    """Hand HEAD's benchmark instance BASE's arrays wherever they hold the same bytes.

    Each tree's suite makes its own input array, and where an array lies (huge
    pages, cache sets) sets a function's speed for the life of the process: in an
    A/A run (one tree twice) the two sides' medians differed by up to 22 % per
    process with their own arrays, by up to 7 % sharing them. Same bytes, same
    memory: the pair then differs only in code.
    """
    for key, value in vars(head).items():
        other = vars(base).get(key)
        if isinstance(value, numpy.ndarray) and isinstance(other, numpy.ndarray):
            if value.dtype == other.dtype and value.shape == other.shape and value.tobytes() == other.tobytes():
                setattr(head, key, other)


def median_seconds(call, n):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main(plan):
    sides = []
    for index, tree in enumerate(plan["trees"]):
        sides.append(prepare(plan["suite"], tree, plan["bench"]))
        retire(index)
    outcome = {}
    for name in sorted(set().union(*sides)):
        label = next(side[name][0] for side in sides if name in side)
        states = [side[name][1] if name in side else {"skip": "no such benchmark"} for side in sides]
        outcome[name] = {"label": label, "sides": [s if isinstance(s, dict) else "ok" for s in states]}
    timed = [name for name in outcome if all(state == "ok" for state in outcome[name]["sides"])]
    for name in timed:
        for side in sides[1:]:
            share_inputs(sides[0][name][1].func.__self__, side[name][1].func.__self__)
    order = list(range(len(sides)))
    for block in range(plan["blocks"]):
        turn = order[block % len(order) :] + order[: block % len(order)]
        for name in timed:
            times = [0.0] * len(sides)
            for side in turn:
                times[side] = median_seconds(sides[side][name][1], plan["calls"])
            outcome[name].setdefault("blocks", []).append(times)
    return outcome


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    result = json.dumps(main(plan))
    with open(plan["out"], "w") as f:
        f.write(result)
