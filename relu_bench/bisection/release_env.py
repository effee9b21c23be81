"""An asv include line for any release of a library, derived by rule, so a bisection can install releases the
matrix does not list.

A release the matrix lists gets its matrix line as written: the same line is the same asv environment (asv names
and places an environment by its line), so it is built once and shared with `relu-bench bench`. Any other release
gets one of the matrix's own (python, numpy, scipy) stacks — combinations known to install together — the one
its constraints allow, preferring the Pythons asked for (a bisection asks for its endpoints', so neighbours share a
Python where the releases allow), then the newest Python, then the newest numpy. The constraints:
- Python: the release's `requires_python`; where it ships binary (cp3X) wheels, one of those Pythons (an sdist
  would need a compiler toolchain and takes minutes); Theano < 1.0.5 needs Python < 3.10 (collections'
  MutableMapping), Theano 1.0.x before 1.0.5 needs < 3.9 (fractions.gcd) — relu_impls.releases.KNOWN_FIXES.
  Trove classifiers are not used: they list the Pythons a release was tested on when it came out (Theano 1.0.4:
  up to 3.6), which no stack here has.
- numpy: Theano and Theano-PyMC need numpy < 1.24 (the np.bool alias); a release uploaded before numpy 2.0.0
  came out was built and written against numpy 1.x, so it gets numpy < 2, and one uploaded before numpy 1.26
  numpy < 1.26 (1.26 dropped numpy.__config__.get_info); and no release is readier for a newer
  numpy than the project's newest, whose cap (`numpy_cap`, relu_bench/bisection/release_index.py) applies to all.
- setuptools: Theano before 0.8 is Python 2 source converted by 2to3 in its setup.py, which needs setuptools < 60
  (the matrix's 58.1.0).
"""

from packaging.specifiers import SpecifierSet
from packaging.version import Version

# What a release's environment, or a commit built on one, must run to count as usable: relu_impls loads the library.
IMPORT_CHECK = "import relu_impls; b = relu_impls.load_backend(); print(b.name, b.version)"
NUMPY_2_RELEASED = "2024-06-16"  # numpy 2.0.0's upload date on PyPI
# numpy 1.26.0's: it dropped numpy.__config__.get_info, which PyTensor 2.8-2.12 read at import.
NUMPY_1_26_RELEASED = "2023-09-16"
SETUPTOOLS_FOR_2TO3 = "58.1.0"
STACK_KEYS = ("numpy", "scipy")


class NoStack(Exception):
    """No stack fits the release's constraints: the message says which constraints."""


def stacks(table):
    """The distinct (python, numpy, scipy) stacks of the matrix lines."""
    return sorted({(entry["python"], entry["req"]["numpy"], entry["req"]["scipy"]) for entry in table.values()})


def constraints(library, release, cap=""):
    """(Python specifier, the Pythons its wheels allow or None, numpy specifier) of a release; `cap`: the
    project's numpy cap."""
    version = Version(release.version)
    python = SpecifierSet(release.requires_python)
    if library == "theano" and version < Version("1.0.5"):
        python &= SpecifierSet("<3.10")
        if version.release[:2] == (1, 0):
            python &= SpecifierSet("<3.9")
    numpy = SpecifierSet(cap)
    if library in ("theano", "theano-pymc"):
        numpy &= SpecifierSet("<1.24")
    if release.uploaded[:10] < NUMPY_2_RELEASED:
        numpy &= SpecifierSet("<2")
    if release.uploaded[:10] < NUMPY_1_26_RELEASED:
        numpy &= SpecifierSet("<1.26")
    wheels = {f"{major}.{minor}" for major, minor in release.wheel_pythons} or None
    return python, wheels, numpy


def derive(library, release, prefer, table, cap=""):
    """The include line ({"python": "3.X", "req": {...}}) for `release` (a release_index.IndexRelease),
    `table` the matrix's lines (relu_bench.envs.matrix.releases()); `cap`: the project's numpy cap."""
    known = table.get(f"{library}-{release.version}")
    if known:
        return known
    python, wheels, numpy = constraints(library, release, cap)
    fits = [
        stack
        for stack in stacks(table)
        if python.contains(stack[0]) and (wheels is None or stack[0] in wheels) and numpy.contains(stack[1])
    ]
    if not fits:
        raise NoStack(
            f"no stack of the matrix fits: Python {python or 'any'}"
            + (f" with a wheel ({', '.join(sorted(wheels))})" if wheels else "")
            + f", numpy {numpy or 'any'}"
        )

    def rank(stack):  # preferred Pythons in order, then the newest Python, then the newest numpy
        preferred = prefer.index(stack[0]) if stack[0] in prefer else len(prefer)
        return preferred, [-n for n in Version(stack[0]).release], [-n for n in Version(stack[1]).release]

    py, numpy_pin, scipy_pin = min(fits, key=rank)
    req = {"numpy": numpy_pin, "scipy": scipy_pin}
    if library == "theano" and Version(release.version) < Version("0.8"):
        req["setuptools"] = SETUPTOOLS_FOR_2TO3
    req[library] = release.version
    return {"python": py, "req": req}
