"""pyproject.toml's Python floor is true: the modules that need nothing installed import on that Python."""

import re
import shutil
import subprocess

import pytest
from conftest import ROOT

# Pure-Python modules: the timing worker's side runs them in a release's own environment, whose Python may be
# the oldest of asv.conf.json.
MODULES = [
    "relu_bench.check.comparisons",
    "relu_bench.check.rule",
    "relu_bench.measure.across_processes",
    "relu_bench.measure.paired",
    "relu_impls",
]


def floor():
    text = (ROOT / "pyproject.toml").read_text()
    return re.search(r'requires-python = ">=(\d+\.\d+)"', text)[1]


def test_the_declared_floor_imports_the_pure_python_modules():
    python = shutil.which(f"python{floor()}")
    if python is None:
        pytest.skip(f"no python{floor()} on PATH")
    code = "; ".join(f"import {m}" for m in MODULES)
    done = subprocess.run([python, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
