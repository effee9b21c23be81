"""`relu-bench experiment`: every planted slowdown still applies to today's relu_impls, as a real patch, and a
plant whose code changed stops the experiment instead of planting something else. The commits are made in a
scratch copy of the project, never in the developer's repository."""

import shutil
import subprocess
import sys

import pytest

from relu_bench import git
from relu_bench.commands import experiment
from relu_bench.errors import UserError

PATCHES = sorted(p.stem for p in experiment.PLANTS.glob("*.patch"))


@pytest.fixture(scope="module")
def project(new_project):
    return new_project("experiment")


def test_every_plant_the_experiment_makes_has_its_patch():
    specs = experiment.plant_specs([10, 5], fixed_ratio=1.01, per_step=1e-5)
    assert {patch for patch, *_ in specs.values()} == set(PATCHES)
    assert specs["relu_op memory"][1:3] == (0, True)  # no Python work: page faults only


@pytest.mark.parametrize("patch", PATCHES)
def test_a_planted_commit_applies_and_imports(patch, project, tmp_path):
    commit = experiment.make_commit(
        project.base, f"test plant {patch}", f"test-{patch}", patch, 123, False, project.path
    )
    tree = git.extract(commit, "relu_impls", tmp_path / "tree", project.path)
    assert (tree / "relu_impls" / "_plant_params.py").read_text() == "WORK = 123\nTRIM = False\n"
    # The planted package imports (no library needed until a graph is built) and routes through the plant.
    probe = "import relu_impls, relu_impls.op, relu_impls._plant as p; print(p.WORK)"
    out = subprocess.run([sys.executable, "-c", probe], cwd=tree, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "123", out.stderr
    assert git.rev_parse(f"{commit}^", project.path) == project.base
    assert git.rev_parse(f"refs/experiment/test-{patch}", project.path) == commit


def test_a_plant_that_no_longer_applies_stops_the_experiment(project, tmp_path, monkeypatch):
    stale = tmp_path / "stale.patch"
    text = (experiment.PLANTS / "relu_op_forward.patch").read_text()
    stale.write_text(text.replace('"relu": elemwise.Elemwise(Relu(', '"relu": elemwise.Elemwise(Other('))
    shutil.copy(experiment.PLANTS / "plant.py", tmp_path)
    monkeypatch.setattr(experiment, "PLANTS", tmp_path)
    with pytest.raises(UserError, match="git apply"):
        experiment.make_commit(project.base, "stale plant", "test-stale", "stale", repo=project.path)
