"""Importing relu_impls loads no library: asv discovers the suite, and the report reads releases, without paying
for (or depending on) the backend this environment has installed."""

import subprocess
import sys

LIBRARY_MODULES = ("theano", "aesara", "pytensor")


def test_importing_relu_impls_imports_no_library(backend):
    assert backend.module.__name__ in LIBRARY_MODULES  # this environment has one to import
    code = (
        "import sys, relu_impls, relu_impls.semantics, relu_impls.releases, relu_impls.devices; "
        f"print([m for m in {LIBRARY_MODULES!r} if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
