"""What each library and release needs before its first import.

Facts measured on Python 3.8-3.13 (see README): Theano crashes on
``numpy.distutils.__config__.blas_opt_info`` unless BLAS link flags are given,
and the same holds for Theano-PyMC and Aesara 2.8 (and Aesara 2.9 on 3.12+).
ReLU needs no BLAS, so an empty flag costs nothing.
"""

import sys

# distribution name (as pip knows it) -> (import name, flags environment variable)
LIBRARIES = {
    "theano": ("theano", "THEANO_FLAGS"),
    "theano-pymc": ("theano", "THEANO_FLAGS"),
    "aesara": ("aesara", "AESARA_FLAGS"),
    "pytensor": ("pytensor", "PYTENSOR_FLAGS"),
}


def library_pin(requirements):
    """(library, version) of an asv requirements dict that names exactly one library, else None."""
    found = [(name, value) for name, value in requirements.items() if name in LIBRARIES and value]
    return found[0] if len(found) == 1 else None


# Packages whose presence makes a release line of its own beside the plain one of the same library version:
# its name gains "-<tag>" for each (pytensor-3.0.7-torch-mlx), so adding such a line is a one-line change.
RELEASE_TAGS = ("torch", "mlx")


def release_tags(requirements):
    """The RELEASE_TAGS packages a requirements dict names, in RELEASE_TAGS order (extras such as mlx[cpu] count)."""
    names = {name.split("[")[0] for name in requirements or {}}
    return tuple(tag for tag in RELEASE_TAGS if tag in names)


def label_of(library, version, tags=()):
    """A release's name everywhere: "library-version" (e.g. theano-1.0.5), with "-<tag>" for each tag."""
    return "-".join([library, version, *tags])


def release_label(requirements):
    """label_of the one library a requirements dict pins and its release_tags; None where it pins none or several."""
    pin = library_pin(requirements or {})
    return label_of(*pin, release_tags(requirements)) if pin else None


# What to pip install when nothing is: the current release line.
SUGGESTED_INSTALL = "pip install pytensor  (or theano==1.0.5 numpy==1.23.5 scipy==1.11.4)"


def version_tuple(version):
    parts = []
    for piece in version.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        if not digits:
            break
        parts.append(int(digits))
        if digits != piece:
            break
    return tuple(parts)


def required_flags(library, version, python=None):
    """Flags (name -> value) the release needs; names use the library's own spelling."""
    v = version_tuple(version)
    python = tuple(python or sys.version_info[:2])
    if library == "theano":
        return {"blas.ldflags": ""}
    if library == "theano-pymc":
        return {"blas__ldflags": ""}
    if library == "aesara" and (v < (2, 9) or python >= (3, 12)):
        return {"blas__ldflags": ""}
    return {}


def portable_build_flags(library):
    """Flags that make the library compile its C for x86-64-v2 instead of the host's -march=native.

    For processes run under valgrind, which cannot decode AVX-512 (EVEX) instructions:
    a `-march` in the C++ flags stops the library's own detection of the host's.
    """
    return {"gcc.cxxflags" if library == "theano" else "gcc__cxxflags": "-march=x86-64-v2"}


# Library-specific failures and the fix known for them (matched in the error text).
KNOWN_FIXES = [
    # numpy 1.26 (built with meson) dropped numpy.__config__.get_info, which early PyTensor releases read.
    ("has no attribute 'get_info'", "this release reads numpy's build config the pre-1.26 way: pin numpy < 1.26"),
    ("blas_opt_info", "set the BLAS flag, e.g. THEANO_FLAGS=blas.ldflags= (relu_impls does so unless you set it)"),
    ("attribute 'bool'", "this Theano needs numpy < 1.24: pip install numpy==1.23.5 scipy==1.11.4"),
    ("MutableMapping", "Theano < 1.0.5 needs Python < 3.10"),
    ("gcd", "Theano 1.0.0-1.0.4 needs Python < 3.9"),
    ("_ARRAY_API", "this release was built against numpy 1.x: pin numpy < 2"),
    ("numpy.core.multiarray failed to import", "this release was built against numpy 1.x: pin numpy < 2"),
]


def known_fix(message):
    for needle, fix in KNOWN_FIXES:
        if needle in message:
            return fix
    return None
