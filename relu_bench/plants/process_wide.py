"""Trials of the PR check's timing across processes on process-wide plants, which paired timing cannot see:

    .venvs/tools/bin/python -m relu_bench.plants.process_wide [--trials 5] [--venv .venvs/pytensor-3.3.8] [--plant P]

Each plant is BASE (HEAD) with a few lines appended to relu_impls/__init__.py, so the whole process carries it:
- `aa`: nothing (an identical tree: every SLOWER is a false alarm);
- `thp-off`: numpy's huge-page advice turned off (memory only: placement of large arrays);
- `o1`: the library's C compiled with -O1 after its own -O3 (every compiled function of the process);
- `thread`: a thread left running after import, copying 16 MB every 5 ms (memory bandwidth taken from the
  benchmark, as a leaked background worker would); `thread-busy` the same every 1 ms;
- `call-10`, `call-5`: every call of a compiled function spins 10 % (5 %) of its own duration after it returns:
  every timing exactly that much slower (the calibrated process-wide change);
- `cpu-10`, `cpu-5`: a timer's signal handler (C, built at import) that spins a fixed time every period; its
  size depends on the point (the interrupt's own cost, and the check's median of calls sees it only where it hits
  most calls). Calibrated with
  `python -m relu_bench.plants.process_wide --calibrate` (an 8 MB copy and an in-cache computation, each plant
  against none in interleaved fresh processes), which prints each plant's size on the machine at hand.
Every trial times BASE against each plant as the PR check does (relu_bench/check/prcheck.py run_processes: interleaved
rounds, sequential rounds for undecided timings) and judges with the rule's Holm family, counting the paired
tests the check also runs (p = 1: a process-wide change is invisible to them). The first ROUNDS_PLAN.processes
rounds are also judged alone: what the check saw without sequential rounds.
"""

import argparse
import json
import math
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from relu_bench import git
from relu_bench.check import prcheck
from relu_bench.check.comparisons import of_timings
from relu_bench.check.rule import SLOWER, judge
from relu_bench.config import ROOT, profiles
from relu_bench.measure.across_processes import ROUNDS_PLAN

PLANTS = {
    "aa": "",
    "thp-off": """
try:
    from numpy._core import multiarray as _plant_multiarray
except ImportError:
    from numpy.core import multiarray as _plant_multiarray
_plant_multiarray._set_madvise_hugepage(False)
""",
    "o1": """
import os as _plant_os
_PLANT_FLAGS = {"THEANO_FLAGS": "gcc.cxxflags", "AESARA_FLAGS": "gcc__cxxflags", "PYTENSOR_FLAGS": "gcc__cxxflags"}
for _plant_var, _plant_flag in _PLANT_FLAGS.items():
    _plant_os.environ[_plant_var] = ",".join(filter(None, [_plant_os.environ.get(_plant_var), f"{_plant_flag}=-O1"]))
""",
}
_THREAD = """
import threading as _plant_threading, time as _plant_time, numpy as _plant_np
def _plant_copy(src=_plant_np.ones(2 * 1024 * 1024), dst=_plant_np.empty(2 * 1024 * 1024)):
    while True:
        _plant_np.copyto(dst, src)
        _plant_time.sleep(PAUSE)
_plant_threading.Thread(target=_plant_copy, daemon=True).start()
"""
PLANTS["thread"] = _THREAD.replace("PAUSE", "0.005")
PLANTS["thread-busy"] = _THREAD.replace("PAUSE", "0.001")
# A monotonic timer's signal every PERIOD ns, whose handler spins SPIN ns: a process that keeps its core loses
# that share of its time. The interrupt itself costs memory-bound code more than its share (on a 2-core Xeon VM an
# 8 MB copy read ×1.097 with a 30 µs spin every ms, ×1.113 with 45 µs; an in-cache computation ×1.05-1.07), so
# the spins are set by measurement (`--calibrate`), not by arithmetic. (A CPU-time timer fires only at the
# kernel's tick, and reading the process's CPU clock in the handler slowed numpy's copies by itself ×2-3 here.)
_CPU = r"""
import ctypes as _plant_ctypes, hashlib as _plant_hashlib, os as _plant_os, subprocess as _plant_subprocess
import tempfile as _plant_tempfile
_PLANT_C = '''
#include <signal.h>
#include <string.h>
#include <time.h>
static long now_ns(void) {
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000L + t.tv_nsec;
}
static void steal(int sig) { long end = now_ns() + SPINL; while (now_ns() < end) {} }
int plant_start(void) {
    struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = steal; sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGRTMIN + 5, &sa, 0)) return -1;
    struct sigevent ev; memset(&ev, 0, sizeof ev); ev.sigev_notify = SIGEV_SIGNAL; ev.sigev_signo = SIGRTMIN + 5;
    timer_t timer;
    if (timer_create(CLOCK_MONOTONIC, &ev, &timer)) return -1;
    struct itimerspec every = {{0, PERIODL}, {0, PERIODL}};
    return timer_settime(timer, 0, &every, 0);
}
'''
_plant_so = _plant_os.path.join(
    _plant_tempfile.gettempdir(), "relu-plant-" + _plant_hashlib.sha1(_PLANT_C.encode()).hexdigest()[:12] + ".so"
)
if not _plant_os.path.exists(_plant_so):
    _plant_src = _plant_so[:-3] + f".{_plant_os.getpid()}.c"
    with open(_plant_src, "w") as _plant_f:
        _plant_f.write(_PLANT_C)
    _plant_subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", _plant_src + ".so", _plant_src, "-lrt"], check=True)
    _plant_os.replace(_plant_src + ".so", _plant_so)
if _plant_ctypes.CDLL(_plant_so).plant_start() != 0:
    raise OSError("plant: timer_create failed")
"""

# Every call of a function the library compiles spins, after it returns, SHARE of the call's own duration: every
# timing of the process exactly 1 + SHARE slower, memory or compute bound, and at every call (the check's figure
# is a median of calls, which an interrupt that hits only some calls does not move). The kind of change a pull
# request makes by adding work to every call, process-wide, so that paired timing (both trees in one process)
# cannot see it.
_CALL = """
import time as _plant_time
from relu_impls.backend import load_backend as _plant_load_backend


def load_backend(*args, **kwargs):
    backend = _plant_load_backend(*args, **kwargs)
    library = backend.module
    if not getattr(library.function, "_plant", False):
        compile_function = library.function

        def function(*args, **kwargs):
            compiled = compile_function(*args, **kwargs)
            kind = type(compiled)
            if not kind.__dict__.get("_plant"):
                call = kind.__call__

                def slower(self, *args, **kwargs):
                    start = _plant_time.perf_counter()
                    out = call(self, *args, **kwargs)
                    now = _plant_time.perf_counter()
                    end = now + (now - start) * SHARE
                    while now < end:
                        now = _plant_time.perf_counter()
                    return out

                kind.__call__, kind._plant = slower, True
            return compiled

        function._plant = True
        library.function = function
    return backend
"""
PLANTS.update({"call-10": _CALL.replace("SHARE", "0.10"), "call-5": _CALL.replace("SHARE", "0.05")})


def cpu_plant(period_ns, spin_ns):
    return _CPU.replace("PERIOD", str(period_ns)).replace("SPIN", str(spin_ns))


CPU_PLANTS = {"cpu-10": (1_000_000, 33_000), "cpu-5": (2_000_000, 20_000)}  # (period, spin) in ns: --calibrate
PLANTS.update({name: cpu_plant(*timing) for name, timing in CPU_PLANTS.items()})

# What --calibrate times in each fresh process, after the plant: the median of 6 blocks of 10 calls (the check's
# figure) of an 8 MB copy (memory-bound) and of an in-cache computation (compute-bound), in microseconds.
_PROBE = """
import statistics, time, numpy as np
big, big_out = np.ones(1000 * 1000), np.empty(1000 * 1000)
small, small_out = np.random.rand(20000), np.empty(20000)
def copy(): np.copyto(big_out, big)
def compute():
    for _ in range(10): np.exp(small, out=small_out)
for f in (copy, compute):
    f()
    blocks = []
    for _ in range(6):
        t = time.perf_counter()
        for _ in range(10): f()
        blocks.append((time.perf_counter() - t) / 10)
    print(statistics.median(blocks) * 1e6)
"""


def calibrate(python, rounds=12, seed=0):
    """{plant: (copy ratio, computation ratio)} of each CPU plant against none, each the median over `rounds`
    interleaved fresh processes (the order shuffled per round)."""
    names = ["none", *CPU_PLANTS]
    figures = {name: [] for name in names}
    shuffle = random.Random(seed).shuffle
    for _ in range(rounds):
        shuffle(names)
        for name in names:
            code = PLANTS.get(name, "") + _PROBE
            done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
            figures[name].append([float(line) for line in done.stdout.split()])
    base = [statistics.median(f[i] for f in figures["none"]) for i in range(2)]
    return {
        name: tuple(statistics.median(f[i] for f in figures[name]) / base[i] for i in range(2)) for name in CPU_PLANTS
    }


def plant_commit(base, name):
    text = git.show(base, "relu_impls/__init__.py") + PLANTS[name]
    tree = git.make_tree({"relu_impls/__init__.py": text}, base=base)
    commit = git.commit_tree(tree, [base], f"experiment: process-wide plant {name}")
    git.update_ref(f"refs/experiment/process-{name}", commit)
    return commit


def verdicts(found, rounds=None):
    """{row name: (ratio across processes, p, SLOWER?)} of run_processes outcomes judged by the PR check's
    rule, on their first `rounds` rounds if given (the pooled mean recomputed on those), the paired tests of the
    same family present with p = 1."""
    across = {}
    for name, r in found.items():
        if name == prcheck.POOLED or not r.get("blocks"):
            continue  # skipped on both sides
        blocks = r["blocks"][:rounds] if rounds else r["blocks"]
        across[name] = dict(r, blocks=blocks, **prcheck.summarize(blocks, prcheck.t_test_p))
    mean = prcheck.pooled(across)
    if mean:
        across[prcheck.POOLED] = mean
    paired = {n: dict(r, blocks=[[1.0, 1.0]] * 30, ratio=1.0, p=1.0) for n, r in across.items() if n != prcheck.POOLED}
    rows = judge(of_timings({"env": paired}, {"env": across}))
    return {f"{c.benchmark} {c.params}": (c.process_ratio, c.process_p, c.status == SLOWER) for c in rows}


def slower(verdict):
    return sorted(n for n, (_, _, is_slower) in verdict.items() if is_slower)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--venv", type=Path, action="append", default=[], help="environments (repeatable)")
    parser.add_argument("--plant", action="append", choices=sorted(PLANTS), default=[])
    parser.add_argument("--output", type=Path, default=ROOT / ".asv" / "process-wide")
    parser.add_argument("--calibrate", action="store_true", help="print each CPU plant's size here, and stop")
    args = parser.parse_args(argv)
    venvs = args.venv or [ROOT / ".venvs" / "pytensor-3.3.8"]
    if args.calibrate:
        for name, (copy, compute) in calibrate(venvs[0] / "bin" / "python").items():
            period, spin = CPU_PLANTS[name]
            size = f"8 MB copy ×{copy:.3f}, computation ×{compute:.3f}"
            print(f"{name} ({spin / 1000:g} µs every {period / 1e6:g} ms): {size}")
        return
    base = git.rev_parse("HEAD")
    commits = {name: plant_commit(base, name) for name in args.plant or sorted(PLANTS)}
    bench = profiles()["pr"]["bench"][:1]  # the time_ benchmarks of the PR set
    args.output.mkdir(parents=True, exist_ok=True)
    log = []
    with tempfile.TemporaryDirectory() as tmp:
        suite = prcheck.judging_suite(Path(tmp), base)
        conf = Path(tmp, "conf.json")
        conf.write_text(json.dumps({"benchmark_dir": str(suite)}))
        envs = [SimpleNamespace(name=v.name, _path=str(v.resolve()), requirements={}) for v in venvs]
        for trial in range(1, args.trials + 1):
            for name, commit in commits.items():
                start = time.time()
                check = prcheck.PullRequestCheck(conf, Path(tmp), base, commit, bench, envs, rounds_plan=ROUNDS_PLAN)
                found = prcheck.run_processes(check)
                for env, outcome in found.items():
                    if "error" in outcome:
                        print(f"trial {trial} {name} {env}: {outcome['error']}", flush=True)
                        continue
                    first, full = verdicts(outcome, ROUNDS_PLAN.processes), verdicts(outcome)
                    row = {
                        "trial": trial, "plant": name, "env": env, "seconds": round(time.time() - start),
                        "slower_8": slower(first), "slower_seq": slower(full),
                        "rows": {n: [v[0], v[1]] for n, v in full.items()},
                        "blocks": {n: r.get("blocks") or [] for n, r in outcome.items()},
                    }  # fmt: skip
                    log.append(row)
                    top = sorted(full.items(), key=lambda item: -(item[1][0] or 0))[:4]
                    print(
                        f"trial {trial} {name:8} {env}: SLOWER 8 rounds {len(row['slower_8'])}, sequential "
                        f"{len(row['slower_seq'])}, {row['seconds']} s; top "
                        + ", ".join(
                            f"{n.split('variant=')[-1].split(',')[0][:40]} ×{v[0]:.3f} p={v[1]:.1g}" for n, v in top
                        ),
                        flush=True,
                    )
                (args.output / "trials.json").write_text(json.dumps(log, indent=1))
    for name in commits:
        rows = [r for r in log if r["plant"] == name]
        caught8 = sum(bool(r["slower_8"]) for r in rows)
        caught = sum(bool(r["slower_seq"]) for r in rows)
        spent = statistics.median(r["seconds"] for r in rows) if rows else math.nan
        print(f"{name}: failed {caught8}/{len(rows)} with 8 rounds, {caught}/{len(rows)} sequential; {spent:.0f} s")


if __name__ == "__main__":
    main()
