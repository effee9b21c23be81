"""`relu-bench experiment`: every planted slowdown still applies to today's relu_impls, as a real patch, and a
plant whose code changed stops the experiment instead of planting something else. The commits are made in a
scratch copy of the project, never in the developer's repository."""

import json
import shutil
import subprocess
import sys

import pytest

from relu_bench import git
from relu_bench.check import experiment, rule
from relu_bench.check.comparisons import Comparison
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


def test_a_saved_experiment_is_judged_again_and_summarized():
    """--no-run reads experiment.json as a run saved it: the twin's false alarm and the plant it caught are counted."""
    saved = {
        "base": "b" * 40,
        "envs": ["pytensor-3.3.8"],
        "env_names": ["env-pytensor"],
        "conf": "/scratch/asv.conf.json",
        "counts": "/scratch/counts",
        "bench": ["relu"],
        "twin": "t" * 40,
        "machine": "m, 2 CPUs",
        "plan": {"processes": 4},
        "base_seconds": 0.001,
        "plants": {
            "relu_op+10%": {
                "commit": "p" * 40,
                "patch": "relu_op_forward",
                "work": 900,
                "trim": False,
                "nominal": 10,
                "true_percent": 9.8,
            }
        },
        "trials": [{"dir": "trial-1", "seconds": 120.0}],
        "counts_seconds": 60.0,
        "counts_exit": 0,
        "rule": None,
    }
    record = experiment.Experiment.from_json(json.loads(json.dumps(saved)))
    assert record.to_json() == saved and record.commits == ["t" * 40, "p" * 40]

    def slower(variant, ratio):
        return Comparison(
            "relu.Forward.time_forward",
            f"variant={variant}",
            "pytensor 3.3.8",
            "time",
            "s",
            1,
            ratio,
            ratio=ratio,
            status=rule.SLOWER,
        )

    record.trials[0].update(
        experiment.verdict(record, {"t" * 40: [slower("max_x0", 1.06)], "p" * 40: [slower("relu_op", 1.1)]})
    )
    text = experiment.summary(record, rule.RULE)
    assert "| A/A (same tree) | 0 % | — | — | — | — | — | 1 of 1 (false alarms) | 1 |" in text
    assert "| relu_op+10% | 10 % | +9.8 % | 1.100 | 1 of 1 | 0 of 1 | 0 of 1 | 1 of 1 | 0 |" in text
    assert "A/A flags: trial 1: relu.Forward.time_forward(variant=max_x0) [pytensor 3.3.8] slower ×1.060" in text
