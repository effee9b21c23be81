"""The process-wide plants are code appended to relu_impls: each must run as written in a fresh interpreter, or a
trial of the PR check against it measures an import error instead of a slowdown."""

import subprocess
import sys

import pytest

from relu_bench.plants import process_wide


@pytest.mark.parametrize("name", sorted(process_wide.PLANTS))
def test_each_process_wide_plant_runs_in_a_fresh_interpreter(name):
    code = (
        process_wide.PLANTS[name]
        + "\nimport time\nend = time.perf_counter() + 0.05\nwhile time.perf_counter() < end: pass\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
