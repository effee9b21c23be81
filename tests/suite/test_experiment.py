"""`relu-bench experiment`: every planted slowdown still applies to today's relu_impls, as a real patch, and a
plant whose code changed stops the experiment instead of planting something else."""

import subprocess
import sys

import pytest
from conftest import ROOT, relu_bench

from tools.commands import experiment

PATCHES = sorted(p.stem for p in experiment.PLANTS.glob("*.patch"))


def test_help_names_both_kinds_of_trial():
    out = relu_bench("experiment", "--help", capture_output=True, text=True)
    assert out.returncode == 0 and "A/A" in out.stdout and "--no-run" in out.stdout and "every+20%" in out.stdout


def test_every_plant_the_experiment_makes_has_its_patch():
    specs = experiment.plant_specs([10, 5], fixed_ratio=1.01, per_step=1e-5)
    assert {patch for patch, *_ in specs.values()} == set(PATCHES)
    assert specs["relu_op memory"][1:3] == (0, True)  # no Python work: page faults only


@pytest.mark.parametrize("patch", PATCHES)
def test_a_planted_commit_applies_and_imports(patch, tmp_path):
    commit = experiment.make_commit("HEAD", f"test plant {patch}", f"test-{patch}", patch, 123, False)
    try:
        tree = tmp_path / "tree"
        tree.mkdir()
        files = subprocess.run(["git", "archive", commit, "relu_impls"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=files.stdout, check=True)
        assert (tree / "relu_impls" / "_plant_params.py").read_text() == "WORK = 123\nTRIM = False\n"
        # The planted package imports (no library needed until a graph is built) and routes through the plant.
        probe = "import relu_impls, relu_impls.op, relu_impls._plant as p; print(p.WORK)"
        out = subprocess.run([sys.executable, "-c", probe], cwd=tree, capture_output=True, text=True)
        assert out.returncode == 0 and out.stdout.strip() == "123", out.stderr
        parent = subprocess.run(["git", "rev-parse", f"{commit}^"], cwd=ROOT, capture_output=True, text=True)
        assert parent.stdout.strip() == experiment.git("rev-parse", "HEAD")
    finally:
        experiment.git("update-ref", "-d", f"refs/experiment/test-{patch}")


def test_a_plant_that_no_longer_applies_stops_the_experiment(tmp_path, monkeypatch):
    stale = tmp_path / "stale.patch"
    text = (experiment.PLANTS / "relu_op_forward.patch").read_text()
    stale.write_text(text.replace('"relu": elemwise.Elemwise(Relu(', '"relu": elemwise.Elemwise(Other('))
    monkeypatch.setattr(experiment, "PLANTS", tmp_path)
    with pytest.raises(SystemExit, match="git apply"):
        experiment.make_commit("HEAD", "stale plant", "test-stale", "stale")
