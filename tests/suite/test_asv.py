"""The asv suite: its config covers the release matrix, `asv check` passes, and a quick run in each
backend environment (RELU_TEST_VENVS) gives every benchmark a number or an explicit skip, none a failure."""

import json
import os
import subprocess
import sys
from itertools import product

import pytest
from conftest import ROOT

from relu_bench.config import TOOLS_VENV, load_asv_conf, profiles
from relu_bench.envs.asv_envs import asv_config
from relu_bench.envs.asv_run import scratch_conf
from relu_bench.envs.matrix import releases
from relu_bench.envs.pythons import PYTHONS_BIN, asv_environ, link_pythons
from relu_bench.results.asv_results import selected_benchmarks, tally
from relu_impls.releases import LIBRARIES

ASV = [sys.executable, "-m", "asv"]
# The releases the project promises to track (README); the newest PyTensor must run on the newest Python it supports.
PROMISED = [
    "theano-0.7.0",
    "theano-0.8.2",
    "theano-0.9.0",
    "theano-1.0.4",
    "theano-1.0.5",
    "theano-pymc-1.1.2",
    "aesara-2.9.4",
    "pytensor-2.18.6",
    "pytensor-3.0.7",
]
NEWEST_PYTHON = "3.13"
BENCHMARKS = [
    "compilation.Compile.timeraw_compile",
    "data.InputData.time_forward",
    "data.InputData.time_gradient",
    "faults.PageFaults.track_faults",
    "floors.Floors.time_floor",
    "graph.Graph.track_loops",
    "graph.Graph.track_nodes",
    "instructions.Instructions.track_instructions",
    "linkers.Linkers.time_forward",
    "linkers.Linkers.time_gradient",
    "memory.Memory.peakmem_gradient",
    "relu.Forward.time_forward",
    "relu.Gradient.time_gradient",
]
# A few minutes per environment: every benchmark, every variant where it is cheap, one variant where
# each point costs seconds (compile: a fresh process per sample; memory: 128 MB arrays; linkers: JIT).
QUICK_BENCH = [
    r"^relu\.\w+\.time_\w+\('\w+', '100x100', 'float64'\)$",
    r"^floors\.Floors\.time_floor\('\w+', '100x100', 'float64'\)$",
    r"^graph\.",
    r"^faults\.PageFaults\.track_faults\('(max_x0|relu_op)', ",
    r"^instructions\.Instructions\.track_instructions\('(max_x0|relu_op)', ",
    r"^data\.InputData\.time_\w+\('max_x0', ",
    r"^linkers\.Linkers\.time_\w+\('max_x0', ",
    r"^memory\.Memory\.peakmem_gradient\('max_x0'\)$",
    r"^compilation\.Compile\.timeraw_compile\('max_x0', ",
]


def test_conf_covers_every_promised_release():
    table = releases()
    missing = [name for name in PROMISED if name not in table]
    assert not missing, f"asv.conf.json lacks {missing}"
    pytensors = {name: entry for name, entry in table.items() if name.startswith("pytensor-")}
    newest = max(pytensors, key=lambda name: [int(n) for n in name.split("-")[1].split(".")])
    assert pytensors[newest]["python"] == NEWEST_PYTHON, f"{newest} should run on Python {NEWEST_PYTHON}"
    assert table["pytensor-3.0.7"]["python"] == "3.11"
    for name, entry in table.items():
        reqs = list(entry["req"])
        # asv installs each in its own pip call, in this order; an unpinned scipy follows the newest numpy.
        assert reqs[:2] == ["numpy", "scipy"] and all(entry["req"].values()), f"{name}: pin numpy, then scipy"


def test_theano_0_7_is_built_by_the_old_setuptools_with_2to3():
    """Its Python 2 source installs only when pip builds it, unisolated, after setuptools < 60: asv's pip
    (through relu-bench, or plain asv in the tools environment) and the test venvs' pip build unisolated."""
    req = releases()["theano-0.7.0"]["req"]
    assert list(req).index("setuptools") < list(req).index("theano") and int(req["setuptools"].split(".")[0]) < 60
    assert asv_environ()["PIP_NO_BUILD_ISOLATION"] == "false"
    pth = next(TOOLS_VENV.glob("lib/python*/site-packages/relu_bench_pythons.pth"))
    probe = "import os; print(os.environ.get('PIP_NO_BUILD_ISOLATION'))"
    programs = [("asv", ["python", "asv"], "false"), ("-m", ["python", "-m", "asv"], "false")]
    programs += [("pip", ["python", "pip"], "None"), ("-m", ["python", "-m", "pip"], "None")]  # not the tools' own pip
    for argv0, orig_argv, wanted in programs:
        script = f"import sys; sys.argv[0], sys.orig_argv = {argv0!r}, {orig_argv!r}; exec(open({str(pth)!r}).read())"
        script += f"; {probe}"
        env = {k: v for k, v in os.environ.items() if k != "PIP_NO_BUILD_ISOLATION"}
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
        assert out.stdout.strip() == wanted, out.stderr


def test_environment_names_hold_no_pip_options():
    """Names key result files and graph legends: python and pins only."""
    from asv.environment import get_env_name

    for name, entry in releases().items():
        env_name = get_env_name("virtualenv", entry["python"], entry["req"], {})
        assert " " not in env_name and "--" not in env_name, (name, env_name)


def test_asv_makes_one_environment_per_release_and_no_other(monkeypatch):
    from asv import environment
    from asv.config import Config

    table = releases()
    found = link_pythons(entry["python"] for entry in table.values())
    table = {name: entry for name, entry in table.items() if found[entry["python"]]}  # asv drops the others
    monkeypatch.setenv("PATH", f"{PYTHONS_BIN}{os.pathsep}{os.environ['PATH']}")  # asv finds pythonX.Y on PATH
    envs = list(environment.get_environments(Config.load(str(ROOT / "asv.conf.json")), None, verbose=False))
    made = sorted(f"{e.python} {sorted(e.requirements.items())}" for e in envs)
    wanted = sorted(f"{entry['python']} {sorted(entry['req'].items())}" for entry in table.values())
    assert made == wanted
    for e in envs:
        assert sum(name in LIBRARIES for name in e.requirements) == 1, e.name


def python_of(venv):
    python = venv / "bin" / "python"
    probe = subprocess.run([str(python), "-c", "import asv_runner, relu_impls"], capture_output=True, text=True)
    assert probe.returncode == 0, (
        f"{venv} cannot run asv benchmarks (needs asv_runner and relu_impls; relu_bench/envs/venvs.py TEST_EXTRAS "
        f"should install asv_runner): {probe.stderr.strip().splitlines()[-1:]}"
    )
    return python


@pytest.mark.slow  # runs in every backend environment (a minute or more)
def test_asv_check_passes(backend_venv, tmp_path):
    conf = scratch_conf(tmp_path, tmp_path / "env")
    run = subprocess.run(
        [*ASV, "check", "--config", str(conf), "-E", f"existing:{python_of(backend_venv)}"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture(scope="module")
def quick_run(backend_venv, tmp_path_factory):
    """A --quick run of QUICK_BENCH in one backend venv: (an asv.conf.json reading its results, result file, log)."""
    venv = backend_venv
    tmp_path = tmp_path_factory.mktemp(venv.name)
    conf = scratch_conf(tmp_path, tmp_path / "env")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    cmd = [*ASV, "run", "--config", str(conf), "-E", f"existing:{python_of(venv)}", "--quick", "--show-stderr"]
    cmd += ["--set-commit-hash", commit.stdout.strip(), "--machine", "relu-bench-test"]
    for regex in QUICK_BENCH:
        cmd += ["--bench", regex]
    subprocess.run([*ASV, "machine", "--yes", "--machine", "relu-bench-test"], cwd=ROOT, check=True)
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    log = run.stdout + run.stderr
    # Stored apart (relu_bench/asv_plugin.py), never in the results folder that holds the history.
    assert not list((tmp_path / "results").rglob("*-*.json")), "a --quick run wrote into the results folder"
    results = list((tmp_path / "results-quick" / "relu-bench-test").glob(f"{commit.stdout.strip()[:8]}-*.json"))
    assert len(results) == 1, f"expected one result file in results-quick, got {results}\n{log[-4000:]}"
    quick_conf = tmp_path / "asv-quick.conf.json"  # where that run's benchmarks.json is too
    quick_conf.write_text(json.dumps(dict(load_asv_conf(conf), results_dir=str(tmp_path / "results-quick"))))
    return quick_conf, results[0], log


@pytest.mark.slow
def test_quick_run_gives_every_benchmark_a_number_or_a_skip(quick_run):
    conf, result, log = quick_run
    chosen = selected_benchmarks(QUICK_BENCH, asv_config(conf))
    assert sorted(chosen) == BENCHMARKS
    numbers, skipped, failed = tally(result, chosen)
    assert not failed, f"failed: {failed}\n{log[-6000:]}"
    data = json.loads(result.read_text())
    column = data["result_columns"].index("result")
    for name in chosen:
        values = data["results"][name][column]
        measured = [
            values[i]
            for i in chosen.benchmark_selection[name] or [0]
            if isinstance(values[i], (int, float)) and values[i] == values[i]
        ]
        assert measured, f"{name}: every selected point was skipped\n{log[-6000:]}"


@pytest.mark.slow
def test_graph_counts_are_whole_numbers(quick_run):
    _, result, _ = quick_run
    data = json.loads(result.read_text())
    column = data["result_columns"].index("result")
    for name in ("graph.Graph.track_nodes", "graph.Graph.track_loops"):
        counts = [v for v in data["results"][name][column] if v == v]  # NaN: variant unavailable
        assert counts and all(v == int(v) and v >= 1 for v in counts), (name, counts)


@pytest.mark.slow
def test_instruction_counts_cover_the_loop(quick_run):
    """At least one instruction per element (1000x1000): the C loop was counted, not only Python's call."""
    _, result, _ = quick_run
    data = json.loads(result.read_text())
    column = data["result_columns"].index("result")
    counts = [v for v in data["results"]["instructions.Instructions.track_instructions"][column] if v == v]
    assert counts and all(1e6 <= v < 1e9 for v in counts), counts


@pytest.mark.slow
def test_a_steady_state_call_takes_no_page_faults(quick_run):
    """The output's memory is reused from call to call: a new fault per call would be a regression."""
    _, result, _ = quick_run
    data = json.loads(result.read_text())
    column = data["result_columns"].index("result")
    faults = [v for v in data["results"]["faults.PageFaults.track_faults"][column] if v == v]
    assert faults and all(v == 0 for v in faults), faults


@pytest.mark.slow
def test_pr_set_is_each_variant_at_the_seed_point_plus_noiseless_counts(quick_run):
    conf, _, _ = quick_run
    chosen = selected_benchmarks(profiles()["pr"]["bench"], asv_config(conf))
    assert sorted(chosen) == [
        "faults.PageFaults.track_faults",
        "graph.Graph.track_loops",
        "graph.Graph.track_nodes",
        "instructions.Instructions.track_instructions",
        "relu.Forward.time_forward",
        "relu.Gradient.time_gradient",
    ]
    params = chosen["relu.Forward.time_forward"]["params"]
    for name in ("relu.Forward.time_forward", "relu.Gradient.time_gradient"):
        points = [p for i, p in enumerate(product(*params)) if i in chosen.benchmark_selection[name]]
        assert len(points) == len(params[0])
        assert all(p[1:] == ("'1000x1000'", "'float64'") for p in points)


def test_plain_asv_in_the_tools_environment_finds_every_release_python():
    """`.venvs/tools/bin/asv run`, typed with a PATH that has only pyenv's shims: asv looks each release's Python up
    with asv.util.which, and must get a working interpreter (a shim of a version not in `pyenv global` exits 127)."""
    from relu_bench.envs.venvs import in_tools_venv

    if not in_tools_venv():
        pytest.skip("runs in the tools environment (python3 -m relu_bench.run_tests)")
    found = link_pythons(entry["python"] for entry in releases().values())
    code = "import sys; from asv.util import which; print(which('python' + sys.argv[1]))"
    shims = os.path.expanduser("~/.pyenv/shims")
    for version, path in found.items():
        if not path:
            continue  # not installed: asv names it and skips its releases
        env = dict(os.environ, PATH=os.pathsep.join([shims, "/usr/bin", "/bin"]))
        done = subprocess.run([sys.executable, "-c", code, version], env=env, capture_output=True, text=True)
        assert done.returncode == 0 and done.stdout.strip() == str(PYTHONS_BIN / f"python{version}"), done.stderr
        assert subprocess.run([done.stdout.strip(), "-c", "pass"]).returncode == 0


@pytest.mark.slow
def test_asv_run_quick_and_publish_typed_plainly(tmp_path):
    """A user's session in a clone, the tools environment's bin first on PATH and nothing else set up:
    `asv machine --yes`, `asv run` (asv builds the newest Theano's environment), `asv run --quick`,
    `asv publish`. Every command exits 0; the quick run leaves the stored result as it was; the
    published pages link the "Which ReLU?" report."""
    from relu_bench.config import TOOLS_VENV

    clone = tmp_path / "relu-bench"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "checkout", "-q", "-B", "main", "HEAD"], cwd=clone, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True).stdout.strip()
    from asv.environment import get_env_name

    entry = releases()["theano-1.0.5"]
    env_name = get_env_name("virtualenv", entry["python"], entry["req"], {})
    keep = {k: v for k, v in os.environ.items() if k not in ("PIP_NO_BUILD_ISOLATION", "VIRTUAL_ENV", "PYTHONPATH")}
    path = [str(TOOLS_VENV / "bin")] + [d for d in keep["PATH"].split(os.pathsep) if d != str(PYTHONS_BIN)]
    env = dict(keep, PATH=os.pathsep.join(path))

    def asv(*args):
        done = subprocess.run(["asv", *args], cwd=clone, env=env, capture_output=True, text=True, timeout=1500)
        assert done.returncode == 0, (
            f"asv {' '.join(args)}: exit {done.returncode}\n{(done.stdout + done.stderr)[-4000:]}"
        )
        return done.stdout + done.stderr

    bench = ["-E", env_name, "--bench", r"^graph\.Graph\.track_nodes"]
    asv("machine", "--yes")
    asv("run", *bench)
    result = next((clone / ".asv" / "results").glob(f"*/{head[:8]}-{env_name}.json"))
    stored = result.read_bytes()
    asv("run", "--quick", *bench)
    assert result.read_bytes() == stored
    assert list((clone / ".asv" / "results-quick").glob(f"*/{head[:8]}-{env_name}.json"))
    asv("publish")
    index = (clone / ".asv" / "html" / "index.html").read_text()
    assert 'id="relu-report-link" href="report/index.html"' in index
    assert (clone / ".asv" / "html" / "report" / "index.html").exists()
