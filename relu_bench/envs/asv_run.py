"""Running asv (this Python's) in the repository: `asv machine` with the hardware stored in full, and `asv run`
of a scratch copy of asv.conf.json whose results and HTML stay out of the project's history."""

import json
import subprocess
import sys
from pathlib import Path

from relu_bench.config import ROOT, load_asv_conf
from relu_bench.envs.pythons import asv_environ
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


def asv(*args, env, check=True, quiet=False):
    """Run `asv ARGS` (this Python's asv) in the repository, echoed unless quiet (then its output is hidden too);
    its exit status."""
    if not quiet:
        print("$ asv " + " ".join(map(str, args)), flush=True)
    out = subprocess.DEVNULL if quiet else None
    cmd = [sys.executable, "-m", "asv", *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, check=check, stdout=out).returncode


def rounds_option(rounds):
    """asv run's arguments that give every selected benchmark `rounds` processes instead of its own (none
    for None): fewer rounds, a rougher figure sooner."""
    return ["--attribute", f"rounds={rounds}"] if rounds else []


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


def scratch_run(conf_path, output, commits, env_names, bench, machine, quiet=False, rounds=None):
    """Benchmark `commits` in one asv run of a scratch_conf, as asv machine `machine` (`rounds`: see
    rounds_option); asv's exit status."""
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
    cmd += rounds_option(rounds)
    # asv exits 2 when a benchmark raised, 1 when an environment failed: the result files say which.
    return asv(*cmd, env=env, check=False, quiet=quiet)
