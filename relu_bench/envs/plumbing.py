"""asv plumbing the subcommands share: asv's environments for releases, running asv, and what asv stored,
read through asv's own modules (its benchmark selection, its result files)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from relu_bench import git
from relu_bench.config import ASV_CONF, ROOT, load_asv_conf
from relu_bench.envs.matrix import releases
from relu_bench.envs.pythons import asv_environ, link_pythons
from relu_bench.errors import UserError
from relu_bench.results import asv_results


def define_machine(machine=None, env=None):
    """`asv machine --yes` for `machine` (default: this host's name), its hardware stored in full.

    asv stores only the fields that differ from what it detects on the computer at hand, so a results folder
    read elsewhere would not say which hardware timed it; the noise model (relu_bench/report/noise.py) keys on it.
    """
    from asv.machine import Machine, MachineCollection

    asv("machine", "--yes", *(["--machine", machine] if machine else []), env=env, quiet=True)
    facts = Machine.get_defaults()
    name = machine or facts["machine"]
    MachineCollection.save(name, {**facts, **MachineCollection.load(name), "machine": name})


def asv_config(conf_path=ASV_CONF):
    """asv's Config, its directories absolute (asv takes them relative to the current directory)."""
    from asv.config import Config

    conf = Config.load(str(conf_path))
    for key in ("env_dir", "results_dir", "html_dir"):
        setattr(conf, key, str(ROOT / getattr(conf, key)))
    return conf


def environments(wanted, env, conf_path=ASV_CONF):
    """{release or asv environment name: asv Environment} for those of `wanted` that asv can make with the
    Pythons on env's PATH; unknown names and missing Pythons are absent."""
    from asv import environment

    table = releases()
    old_path = os.environ["PATH"]
    os.environ["PATH"] = env["PATH"]  # asv looks for pythonX.Y on PATH
    try:
        envs = list(environment.get_environments(asv_config(conf_path), None, verbose=False))
    finally:
        os.environ["PATH"] = old_path
    found = {}
    for name in wanted:
        entry = table.get(name, {})
        for e in envs:
            if e.name == name or (e.python == entry.get("python") and dict(e.requirements) == dict(entry["req"])):
                found[name] = e
    return found


def required_environments(wanted, conf_path):
    """{release: asv Environment} of every release wanted; UserError naming those whose Python is missing."""
    table = releases()
    link_pythons(table[name]["python"] for name in wanted)
    found = environments(wanted, asv_environ(), conf_path)
    missing = [name for name in wanted if name not in found]
    if missing:
        raise UserError(f"no asv environment for {', '.join(missing)} (its Python is missing: `relu-bench envs list`)")
    return found


def asv(*args, env, check=True, quiet=False):
    """Run `asv ARGS` (this Python's asv) in the repository, echoed unless quiet (then its output is hidden too);
    its exit status."""
    if not quiet:
        print("$ asv " + " ".join(map(str, args)), flush=True)
    out = subprocess.DEVNULL if quiet else None
    cmd = [sys.executable, "-m", "asv", *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, check=check, stdout=out).returncode


def scratch_conf(output, env_dir, benchmark_dir=None, repo=ROOT):
    """repo's asv.conf.json with absolute paths, the suite in `benchmark_dir` (default: repo's), environments
    in env_dir, results under OUTPUT/results and HTML under OUTPUT/html (the project's history stays clean);
    its path, OUTPUT/asv.conf.json."""
    conf = load_asv_conf(Path(repo, "asv.conf.json"))
    conf.update(
        repo=str(repo),
        benchmark_dir=str(benchmark_dir or Path(repo, conf["benchmark_dir"])),
        env_dir=str(env_dir),
        results_dir=str(output / "results"),
        html_dir=str(output / "html"),
    )
    output.mkdir(parents=True, exist_ok=True)
    path = output / "asv.conf.json"
    path.write_text(json.dumps(conf, indent=1))
    return path


def scratch_run(conf_path, output, commits, env_names, bench, machine, quiet=False):
    """Benchmark `commits` in one asv run of a scratch_conf, as asv machine `machine`; asv's exit status."""
    env = asv_environ()
    define_machine(machine, env)
    for commit in commits:  # stale results of an earlier run would be read otherwise
        for old in (output / "results" / machine).glob(asv_results.file_name(commit, "*")):
            old.unlink()
    hashes = output / "commits.txt"
    hashes.write_text("".join(f"{commit}\n" for commit in commits))
    cmd = ["run", f"HASHFILE:{hashes}", "--config", conf_path, "--machine", machine, "--show-stderr", "--no-pull"]
    for name in env_names:
        cmd += ["-E", name]
    for regex in bench:
        cmd += ["--bench", regex]
    # asv exits 2 when a benchmark raised, 1 when an environment failed: the result files say which.
    return asv(*cmd, env=env, check=False, quiet=quiet)


def selected(regexes, conf_path=ASV_CONF):
    """asv's Benchmarks (from results_dir/benchmarks.json) as `asv run --bench REGEX...` selects them."""
    from asv.benchmarks import Benchmarks

    return Benchmarks.load(asv_config(conf_path), regex=regexes)


def tally(result_file, benchmarks):
    """(numbers, skipped, failed names) of the selected benchmarks in one asv result file."""
    results = asv_results.load(result_file)
    numbers = skipped = 0
    failed = []
    for name, bench in benchmarks.items():
        found = asv_results.points(results, name, bench["params"])
        if found is None:
            failed.append(f"{name} (no result)")
            continue
        for index, combo in asv_results.selected(benchmarks, name):
            state = asv_results.state(found[index][1])
            if state == asv_results.FAILED:
                failed.append(f"{name}({', '.join(combo)})")
            skipped += state == asv_results.SKIPPED
            numbers += state == asv_results.MEASURED
    return numbers, skipped, failed


# What a commit needs for the suite to run on it: asv builds the project (pyproject.toml), and the
# benchmarks import relu_impls from the build.
SUITE_FILES = ("pyproject.toml", "relu_impls/__init__.py")


def history_commits(last, results_dir, env_names, repo=ROOT):
    """The newest `last` commits of HEAD's first-parent line, oldest first, sorted into
    (to run, already done, predating the suite). Done: a result file for every environment in `env_names`
    in the machine folder `results_dir`. Predating: a commit lacking a SUITE_FILES file."""
    to_run, done, predating = [], [], []
    for commit in reversed(git.first_parent(last, repo)):
        if not all(git.has_path(commit, path, repo) for path in SUITE_FILES):
            predating.append(commit)
        elif all(os.path.exists(os.path.join(results_dir, asv_results.file_name(commit, name))) for name in env_names):
            done.append(commit)
        else:
            to_run.append(commit)
    return to_run, done, predating
