"""Compile time of the forward and the gradient function, per variant, from a cold cache.

Theano-family libraries cache compiled C modules on disk, so a compile in a warm
cache measures a lookup. Each sample therefore runs in a fresh process (asv's
timeraw_) with a fresh, empty module cache: a copy of a "warm base" holding only
the library's own helper modules (lazylinker, cutils) and one unrelated int64
function, built once per release under $RELU_BENCH_CACHE/compile-base. The
untimed part of each sample imports the library and compiles that unrelated
function (paying per-process costs such as Theano's one unversioned module);
the timed part is the `function(...)` call alone: optimization, C code
generation, compilation. float64, C linker.
"""

import os
import subprocess
import sys
import textwrap

from .common import DTYPE, FUNCTIONS, VARIANT_NAMES, RawTiming, backend, flags_without_compiledir, graph

# Per-process start-up of the library, run untimed (in the warm-base build and in every sample).
START = """
import os
os.environ["RELU_BENCH_CACHE"] = {cache!r}
from relu_impls import VARIANTS, load_backend
b = load_backend()
w = b.tensor.lvector("w")
b.function([w], w + 1, linker="c")
"""


def forget_compiledir(b):
    """Drop the compile dir relu_impls put in this process's flags, so child processes choose their own."""
    variable, kept = flags_without_compiledir(b)
    os.environ[variable] = ",".join(kept)


def warm_base(b):
    """The directory holding this release's warm compile dir, built on first use."""
    compiledir = b.compiledir  # <cache root>/<library>-<version>-py<X.Y>
    base = compiledir.parent / "compile-base"
    done = base / compiledir.name / ".relu-bench-warm"
    if not done.exists():
        code = START.format(cache=str(base))
        subprocess.run([sys.executable, "-c", code], check=True, env=dict(os.environ))
        done.write_text("helper modules built\n")
    return base


class Compile(RawTiming):
    params = (VARIANT_NAMES, FUNCTIONS)
    param_names = ["variant", "function"]

    def setup(self, variant, function):
        b = backend()
        if b.compiledir is None:
            raise NotImplementedError(
                "the compile dir is set in the library's flags or rc file; a cold cache per "
                "sample needs relu_impls to choose it (unset base_compiledir/compiledir)"
            )
        b.mode("c")
        forget_compiledir(b)  # this process has imported the library already; the flags serve its children
        graph(variant, DTYPE, function)  # a variant the release lacks is skipped here, not in each sample
        self.base = warm_base(b)
        self.release = b.compiledir.name

    def timeraw_compile(self, variant, function):
        """How long does compiling the variant's forward (relu(x)) or gradient (d sum(relu(x))/dx)
        function take with an empty module cache? Data: none (compilation only); float64 matrix, C linker."""
        setup = textwrap.dedent(
            """
            import atexit, os, shutil, tempfile
            cache = tempfile.mkdtemp(prefix="relu-compile-")
            atexit.register(shutil.rmtree, cache, True)
            shutil.copytree({base!r}, os.path.join(cache, {release!r}),
                            ignore=shutil.ignore_patterns("lock_dir", ".relu-bench-warm"))
            """
        ).format(base=str(self.base / self.release), release=self.release)
        setup += START.format(cache="__CACHE__").replace("'__CACHE__'", "cache")
        setup += textwrap.dedent(
            """
            x = b.matrix({dtype!r})
            y = VARIANTS[{variant!r}](x)
            out = b.grad(y.sum(), x) if {function!r} == "gradient" else y
            mode = b.mode("c")
            """
        ).format(dtype=DTYPE, variant=variant, function=function)
        return "b.module.function([x], out, mode=mode)", setup
