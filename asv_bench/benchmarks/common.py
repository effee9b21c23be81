"""What every benchmark module shares: parameters, asv settings, input data, compilation.

The library is imported here, at module import, on purpose: asv forks each
benchmark process from a server that has imported this module, so the import
cost (seconds for Theano) is paid once per run instead of once per parameter set.
A library that fails to import is reported by every benchmark's setup, not at
discovery (the suite must import under any version, as numpy's does).
"""

import ctypes
import functools
import importlib.util
import mmap
import os
import random
from pathlib import Path

import numpy as np

try:
    from relu_impls import FLOORS, VARIANTS, load_backend
except ImportError as exc:  # an old commit of the project, without relu_impls
    FLOORS = VARIANTS = load_backend = None
    _IMPORT_ERROR = exc
else:
    _IMPORT_ERROR = None


def _input_recipe():
    """relu_impls.inputs.make_input: the installed project's, or, for a commit from before that module,
    this checkout's file (asv runs this suite's checkout on every commit), so every commit gets the same data."""
    try:
        from relu_impls.inputs import make_input
    except ImportError:
        path = Path(__file__).resolve().parents[2] / "relu_impls" / "inputs.py"
        spec = importlib.util.spec_from_file_location("relu_bench_suite_inputs", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        make_input = module.make_input
    return make_input


make_input = _input_recipe()


def keep_freed_memory():
    """Make glibc reuse freed memory instead of returning it to the kernel.

    Every call allocates its output (8 MB at 1000x1000 float64). By default glibc
    serves that with mmap and unmaps it on free, so each call pays ~2000 page
    faults, a third of a memory-bound ReLU's time and most of its noise
    (PyTensor 3.3.8 max_x0 forward: 410-690 us per block, 290-350 us without).
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # not glibc: nothing to tune
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 1 << 30)
    libc.mallopt(m_trim_threshold, 1 << 30)


keep_freed_memory()

# Parameters, fixed here rather than read from relu_impls or the library, so that
# names never change with what is installed. Benchmark histories key on these strings.
VARIANT_NAMES = [
    "switch_lt",
    "switch_gt",
    "max_x0",
    "max_0x",
    "mul_gt",
    "mul_gt_lt",
    "half_abs",
    "nnet_relu",
    "relu_op",
]
# Call overhead; the seed's size; memory-bound (128 MB in float64).
SHAPES = ["100x100", "1000x1000", "4000x4000"]
DTYPES = ["float32", "float64"]
# Linkers compared where the library has several (Theano has only C; "py" is the reference, not a subject).
# relu_impls.devices.DEVICE_OF_LINKER's order, "py" left out; new names go at the end, so that the points
# asv stored before keep their place. pytorch and mlx run where their package is (pytensor-*-torch-mlx).
LINKERS = ["c", "numba", "jax", "jax-gpu", "pytorch", "pytorch-gpu", "mlx"]
# Random signs with exact zeros of both signs; all positive; the random signs sorted (branch-predictable).
DATA = ["signs", "positive", "sorted"]
FUNCTIONS = ["forward", "gradient"]
# The one point the narrower grids (data, linkers, compile, memory...) use.
SHAPE, DTYPE, LINKER, KIND = "1000x1000", "float64", "c", "signs"


class Timing:
    """asv settings of every in-process time_ benchmark, in one place to tune.

    Steady state, under any asv_runner: asv_runner >= 0.3 re-runs `setup` before
    every timed call of a benchmark that has one (asv#966), and calibrates `number`
    to 1 there. So each sample is one call (`number = 1`, the same under 0.2), and
    `setup` hands back the same compiled function and the same input array every
    time (`compile_function` and `make_data` are memoized): each timed call is the
    next call of a warm function on warm memory, as in a training loop.

    A figure reproduces only as the median over processes: one process's speed
    is a draw (where its memory lies, what the machine does that minute), up to
    ±15 % for a memory-bound call here even with the input placed (`placed`).
    So 12 rounds, each a process of its own, interleaved by asv across the
    benchmarks (Abedi & Brecht 2017), each taking 5 to 200 samples in 0.1 s;
    asv's figure is the median of all of them (two runs of one commit differ by
    2-4 % at the median point and up to 27 % at the worst, a memory-bound one, on
    the AMD EPYC machine: docs/methodology.md).
    """

    rounds = 12
    repeat = (5, 200, 0.1)
    number = 1
    warmup_time = 0.05
    min_run_count = 2
    timeout = 180


class RawTiming:
    """asv settings of the timeraw_ benchmarks: one fresh process per sample, timed once.

    A sample costs 3-6 s (start, import, warm-up, compile), so 2 samples, 1 round.
    """

    rounds = 1
    repeat = (2, 2, 60.0)
    number = 1
    warmup_time = 0
    timeout = 600


class Deterministic:
    """asv settings of track_ and peakmem_ benchmarks: one measurement each."""

    rounds = 1
    repeat = 1
    timeout = 300


def backend():
    """The installed library, or NotImplementedError/its import error."""
    if _IMPORT_ERROR is not None:
        raise NotImplementedError(f"this commit has no usable relu_impls: {_IMPORT_ERROR}")
    return load_backend()


def warm_up():
    """Load the library's per-process compiled helpers (Theano 1.0.x recompiles one unversioned
    module in every process, >1 s): an int64 function, unrelated to any benchmark's graph."""
    b = backend()
    w = b.tensor.lvector("w")
    b.function([w], w + 1, linker="c")


# In asv's fork server (see the module docstring), so every benchmark process starts warm.
try:
    warm_up()
except Exception:  # reported again, with its message, by each setup
    pass


def flags_without_compiledir(b):
    """(flags variable, its items less the compile dir relu_impls chose for this process): what a child
    process needs so that it chooses its own compile dir and keeps the user's other flags."""
    from relu_impls.releases import LIBRARIES

    variable = LIBRARIES[b.name][1]
    items = os.environ.get(variable, "").split(",")
    return variable, [item for item in items if item and not item.startswith("base_compiledir=")]


def side(shape):
    rows, cols = (int(n) for n in shape.split("x"))
    return rows, cols


HUGE_PAGE = 1 << 21
MADV_HUGEPAGE = 14


def placed(size, dtype):
    """An empty array in a private anonymous mapping of its own, starting on a 2 MB boundary, huge pages asked for.

    Where an input lies decides a memory-bound call's speed for the life of a
    process: on the heap, copies of one array in one process read 180 or 350 µs
    (Theano 1.0.5 max_0x forward, 1000x1000 float64, AMD EPYC), a draw per array;
    in a mapping of its own, 170-220 µs for every copy. So the layout is fixed
    instead of drawn (Mytkowicz et al. 2009: control it, or randomize and average).
    Private: a shared anonymous mapping is shmem, whose huge pages follow another
    setting (`shmem_enabled`, "never" here), so the advice did nothing. The advice
    covers whole 2 MB pages: a partial last one would stay in small pages.
    """
    nbytes = int(np.prod(size)) * np.dtype(dtype).itemsize
    advised = -(-nbytes // HUGE_PAGE) * HUGE_PAGE
    region = mmap.mmap(-1, advised + HUGE_PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    buffer = np.frombuffer(region, np.uint8)  # keeps `region` alive as long as the array
    start = (-buffer.ctypes.data) % HUGE_PAGE
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.madvise(ctypes.c_void_p(buffer.ctypes.data + start), ctypes.c_size_t(advised), MADV_HUGEPAGE)
    except (OSError, AttributeError):  # not glibc: the mapping alone
        pass
    return buffer[start : start + nbytes].view(dtype).reshape(size)


_SHIFTS = {}


def shift_layout():
    """Once per process: hold a heap block and an address range of random sizes, so that this process's heap
    allocations (the outputs and temporaries the library allocates) and its later mappings (the compiled
    modules it loads, large allocations) start at offsets of their own.

    asv forks every round of a benchmark from one server, and a fork inherits the
    server's address layout, so all rounds of a run drew one layout: forked children
    of one server read 168-174 µs (half_abs gradient), shifted children 129-173 µs.
    Shifted, the median over rounds averages over layouts (STABILIZER's idea,
    Curtsinger & Berger 2013). It did not close the gap between runs here: two runs
    of one commit still differ by up to 27 % at the worst point (docs/methodology.md).
    Nothing is touched: no memory is used.
    """
    if os.getpid() not in _SHIFTS:
        draw = random.SystemRandom()
        heap = np.empty(draw.randrange(0, HUGE_PAGE, 64), np.uint8)
        pages = mmap.mmap(-1, mmap.PAGESIZE * draw.randrange(1, 4096))
        _SHIFTS[os.getpid()] = (heap, pages)


@functools.lru_cache(maxsize=4)
def make_data(kind, shape, dtype):
    """The input array (relu_impls.inputs.make_input), placed (see `placed`).

    Memoized: every `setup` of a process gets the same array object (Timing). Callers must not write to it.
    """
    if kind not in DATA:
        raise ValueError(f"unknown data kind {kind!r}; known: {', '.join(DATA)}")
    shift_layout()
    size = side(shape)
    return make_input(size, dtype, kind, out=placed(size, dtype))


def graph(name, dtype, function):
    """(backend, input variable, output variable) for a variant or floor, forward or gradient of sum."""
    b = backend()
    x = b.matrix(dtype)
    fn = VARIANTS[name] if name in VARIANTS else FLOORS[name]
    y = fn(x)
    return b, x, (b.grad(y.sum(), x) if function == "gradient" else y)


@functools.lru_cache(maxsize=None)
def compile_function(name, dtype=DTYPE, function="forward", linker=LINKER):
    """The compiled function; unsupported variant or linker raises NotImplementedError (a skip).

    Memoized: every `setup` of a process gets the same function object, warm (Timing).
    """
    shift_layout()  # before the compiled module is loaded
    b = backend()
    mode = b.mode(linker)  # raises ModeUnavailable before any graph is built
    b, x, out = graph(name, dtype, function)
    return b.module.function([x], out, mode=mode)
