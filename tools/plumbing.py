"""asv plumbing the subcommands share: asv's environments for releases, running asv, and what asv stored,
read through asv's own modules (its benchmark selection, its result files)."""

import json
import math
import os
import subprocess
import sys
from itertools import product

from tools.config import ASV_CONF, ROOT, load_asv_conf
from tools.matrix import releases
from tools.pythons import asv_environ


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


def rev_parse(ref):
    """The full hash of the commit `ref` names; a clear exit when it names none."""
    out = subprocess.run(
        ["git", "rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"relu-bench: not a commit: {ref!r} ({out.stderr.strip()})")
    return out.stdout.strip()


def asv(*args, env, check=True, quiet=False):
    """Run `asv ARGS` (this Python's asv) in the repository, echoed unless quiet (then its output is hidden too);
    its exit status."""
    if not quiet:
        print("$ asv " + " ".join(map(str, args)), flush=True)
    out = subprocess.DEVNULL if quiet else None
    cmd = [sys.executable, "-m", "asv", *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, check=check, stdout=out).returncode


def scratch_conf(output, env_dir, benchmark_dir):
    """asv.conf.json with absolute paths, the suite in `benchmark_dir`, and results under OUTPUT/results (the
    project's history stays clean); its path."""
    conf = load_asv_conf()
    conf.update(
        repo=str(ROOT),
        benchmark_dir=str(benchmark_dir),
        env_dir=str(env_dir),
        results_dir=str(output / "results"),
        html_dir=str(output / "html"),
    )
    path = output / "asv.conf.json"
    path.write_text(json.dumps(conf, indent=1))
    return path


def scratch_run(conf_path, output, commits, env_names, bench, machine, quiet=False):
    """Benchmark `commits` in one asv run of a scratch_conf, as asv machine `machine`; asv's exit status."""
    env = asv_environ()
    asv("machine", "--yes", "--machine", machine, "--config", conf_path, env=env, quiet=True)
    for commit in commits:  # stale results of an earlier run would be read otherwise
        for old in (output / "results" / machine).glob(f"{commit[:8]}-*.json"):
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
    """(numbers, skipped, failed names) of the selected benchmarks in one asv result file.

    asv stores a number, NaN for a skip (NotImplementedError in setup; also for
    parameters not selected), and None for a failure (exception, timeout).
    """
    from asv.results import Results

    results = Results.load(str(result_file))
    stored = set(results.get_all_result_keys())
    numbers = skipped = 0
    failed = []
    for name, bench in benchmarks.items():
        if name not in stored:
            failed.append(f"{name} (no result)")
            continue
        values = results.get_result_value(name, bench["params"])
        points = list(product(*bench["params"]))
        for i in benchmarks.benchmark_selection[name] or [0]:
            value = values[i]
            if value is None:
                failed.append(f"{name}({', '.join(points[i])})")
            elif isinstance(value, float) and math.isnan(value):
                skipped += 1
            else:
                numbers += 1
    return numbers, skipped, failed


# What a commit needs for the suite to run on it: asv builds the project (pyproject.toml), and the
# benchmarks import relu_impls from the build.
SUITE_FILES = ("pyproject.toml", "relu_impls/__init__.py")


def _lacks(repo, commit, path):
    return subprocess.run(["git", "cat-file", "-e", f"{commit}:{path}"], cwd=repo, capture_output=True).returncode != 0


def history_commits(last, results_dir, env_names, repo=ROOT):
    """The newest `last` commits of HEAD's first-parent line, oldest first, sorted into
    (to run, already done, predating the suite). Done: a result file for every environment in `env_names`
    in the machine folder `results_dir`. Predating: a commit lacking a SUITE_FILES file."""
    out = subprocess.run(
        ["git", "rev-list", "--first-parent", f"--max-count={last}", "HEAD"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    to_run, done, predating = [], [], []
    for commit in reversed(out.stdout.split()):
        if any(_lacks(repo, commit, path) for path in SUITE_FILES):
            predating.append(commit)
        elif all(os.path.exists(os.path.join(results_dir, f"{commit[:8]}-{name}.json")) for name in env_names):
            done.append(commit)
        else:
            to_run.append(commit)
    return to_run, done, predating
