"""Instructions executed by one call of each variant's forward and gradient, counted by valgrind.

Wall-clock time on a shared 2-core machine moves 10-40 % between processes; the
instruction count of one call moves well under 1 %. It changes with the code that
runs (a graph change, another loop, a slower C kernel), not with how that code
meets the hardware (cache misses, mispredicted branches, memory bandwidth): the
time benchmarks stay for those. The PR check runs all of these.

One valgrind process per environment and commit counts every point (setup_cache),
because starting Python and the library under valgrind costs 5-10 s. Counting is
switched on only around the measured calls (callgrind client requests, through a
helper compiled with gcc against valgrind's header). Each figure is the median of
three calls after a warm-up call. Data: 1000x1000 float64, seeded normal with
exact zeros (random signs); C linker.

valgrind (3.19 at least) knows no AVX-512, which glibc, numpy and gcc's
-march=native all pick where the CPU has it. valgrind hides AVX-512 from CPUID,
so the runtime dispatch of glibc and numpy stays clear of it; the library's own
C code is the rest: the counting process compiles it afresh, in a compile dir of
its own, for a fixed x86-64-v2 (relu_impls.releases.portable_build_flags). So
the counts are the same on every x86-64 host, and are those of that build, not
of the -march=native one the time_ benchmarks run. Where counting still fails
(no valgrind, an instruction it cannot decode) every point fails with the reason:
the PR check then exits 2, it never passes on a silent skip.

Run as `python -m benchmarks.instructions OUTDIR` (under callgrind) it is that process.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from .common import (
    DTYPE,
    FUNCTIONS,
    KIND,
    LINKER,
    SHAPE,
    VARIANT_NAMES,
    Deterministic,
    backend,
    compile_function,
    flags_without_compiledir,
    make_data,
)

try:
    from relu_impls.backend import CACHE_VARIABLE, cache_root
    from relu_impls.releases import portable_build_flags
except ImportError as exc:  # a commit of the project from before portable builds: skipped, still discovered
    _IMPORT_ERROR = exc
else:
    _IMPORT_ERROR = None

CALLS = 3
UNIMPORTABLE = "unimportable.txt"
DUMP_LABEL = "desc: Trigger: Client Request: "
TOGGLE_C = """
#include <valgrind/callgrind.h>
void count_start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void count_stop(const char *label) { CALLGRIND_DUMP_STATS_AT(label); CALLGRIND_STOP_INSTRUMENTATION; }
"""


def missing_tools():
    """Why instructions cannot be counted here, or None."""
    if not shutil.which("valgrind"):
        return "valgrind is not installed (apt-get install valgrind)"
    if not Path("/usr/include/valgrind/callgrind.h").exists():
        return "valgrind's header valgrind/callgrind.h is missing (apt-get install valgrind)"
    if not shutil.which("gcc"):
        return "gcc is not installed"
    return None


def with_portable_build(items, library):
    """Flag items ("name=value") with the portable build's -march added to the C++ flags already set.

    Added, not replacing: the flags relu_impls or the user set (an -O level, say) are part of what is
    counted; only the host's -march must go, and gcc takes the last -march given.
    """
    merged = list(items)
    for name, value in portable_build_flags(library).items():
        same = [
            i for i, item in enumerate(merged) if item.split("=", 1)[0].replace(".", "__") == name.replace(".", "__")
        ]
        if same:
            merged[same[-1]] += f" {value}"
        else:
            merged.append(f"{name}={value}")
    return merged


def counting_environ(b):
    """The environment of the valgrind process: its own compile dir, the library's C built for x86-64-v2."""
    env = dict(os.environ, PYTHONHASHSEED="0")  # dict and set layouts, hence the interpreter's instructions, repeat
    env[CACHE_VARIABLE] = str(cache_root() / "valgrind")
    variable, kept = flags_without_compiledir(b)
    env[variable] = ",".join(with_portable_build(kept, b.name))
    return env


def read_dumps(outdir):
    """{label: [instructions of each dump]} from callgrind's dump files in outdir."""
    counts = {}
    for dump in sorted(Path(outdir).glob("callgrind.out.*")):
        label = total = None
        for line in dump.read_text().splitlines():
            if line.startswith(DUMP_LABEL):
                label = line[len(DUMP_LABEL) :]
            elif line.startswith("summary: "):
                total = int(line.split()[1])
        if label is not None and total is not None:
            counts.setdefault(label, []).append(total)
    return counts


class Instructions(Deterministic):
    params = (VARIANT_NAMES, FUNCTIONS)
    param_names = ["variant", "function"]

    def setup_cache(self):
        if _IMPORT_ERROR is not None:
            return {"skip": f"this commit's relu_impls cannot build for valgrind: {_IMPORT_ERROR}"}
        reason = missing_tools()
        if reason:
            raise RuntimeError(f"instructions cannot be counted: {reason}")
        b = backend()  # a library that does not import at all is a failure, not a skip
        with tempfile.TemporaryDirectory() as outdir:
            cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={outdir}/callgrind.out"]
            cmd += [sys.executable, "-m", __name__, outdir]
            root = Path(__file__).resolve().parent.parent
            proc = subprocess.run(cmd, cwd=root, env=counting_environ(b), capture_output=True, text=True)
            if proc.returncode:
                raise RuntimeError(f"valgrind run failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
            unimportable = Path(outdir, UNIMPORTABLE)
            if unimportable.exists():
                return {"skip": unimportable.read_text()}
            skips = json.loads(Path(outdir, "skips.json").read_text())
            counts = {label: statistics.median(values) for label, values in read_dumps(outdir).items()}
        return {"counts": counts, "skips": skips}

    setup_cache.timeout = 900

    def setup(self, cache, variant, function):
        if "skip" in cache:
            raise NotImplementedError(cache["skip"])
        label = f"{variant}/{function}"
        if label in cache["skips"]:
            raise NotImplementedError(cache["skips"][label])
        self.count = cache["counts"][label]

    def track_instructions(self, cache, variant, function):
        """How many instructions does one call execute? (1000x1000 float64, random signs, C linker.)"""
        return self.count

    track_instructions.unit = "instructions"


def count_all(outdir):
    """The valgrind process: count every point, dumping one callgrind file per call."""
    import ctypes

    helper = Path(outdir, "count.so")
    source = Path(outdir, "count.c")
    source.write_text(TOGGLE_C)
    subprocess.run(["gcc", "-O2", "-shared", "-fPIC", "-o", str(helper), str(source)], check=True)
    lib = ctypes.CDLL(str(helper))
    try:
        backend()
    except ImportError as exc:
        # It imported outside valgrind (setup_cache checked). Seen with scipy < 1.11 (Theano 1.0.4's, on
        # Python 3.8): `import scipy.stats` fails under valgrind ("initialization of beta_ufunc raised
        # unreported exception"), and Theano imports it.
        Path(outdir, UNIMPORTABLE).write_text(f"the library imports, but not under valgrind: {exc}")
        return
    x = make_data(KIND, SHAPE, DTYPE)
    skips = {}
    for variant in VARIANT_NAMES:
        for function in FUNCTIONS:
            label = f"{variant}/{function}"
            try:
                f = compile_function(variant, DTYPE, function, LINKER)
            except NotImplementedError as exc:
                skips[label] = str(exc)
                continue
            f(x)
            for _ in range(CALLS):
                lib.count_start()
                f(x)
                lib.count_stop(label.encode())
    Path(outdir, "skips.json").write_text(json.dumps(skips))


if __name__ == "__main__":
    count_all(sys.argv[1])
