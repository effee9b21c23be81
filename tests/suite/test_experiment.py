"""tools/experiment.py: the slowdown it plants still applies to relu_impls/op.py, and changes only what it should."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from experiment import slow_source  # noqa: E402

OP = (ROOT / "relu_impls" / "op.py").read_text()


def test_help_names_both_kinds_of_trial():
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "experiment.py"), "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0 and "A/A" in out.stdout and "--no-run" in out.stdout


def test_the_slowdown_patch_applies_to_todays_op():
    slowed = slow_source(OP, 1234)
    compile(slowed, "op.py", "exec")  # still Python
    assert "range(1234)" in slowed and '"relu": SlowElemwise(Relu(' in slowed
    assert "\nCODE_VERSION = 101234" in slowed  # a compile-cache key of its own
    # The gradient's op is untouched: only relu_op's forward gets slower.
    assert slowed.count("ReluGrad(scalar.upcast_out)") == OP.count("ReluGrad(scalar.upcast_out)")


def test_a_patch_that_no_longer_applies_stops_the_experiment():
    with pytest.raises(SystemExit, match="no longer applies"):
        slow_source(OP.replace('"relu": elemwise.Elemwise(Relu(', '"relu": elemwise.Elemwise(Other('), 10)
