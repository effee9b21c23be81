#!/usr/bin/env python3
"""Run the asv suite on the current commit and publish the HTML report: `python3 tools/bench.py`.

Default: the PR set plus the input-data and floor benchmarks (1000x1000 float64
column only), on Theano's and PyTensor's newest releases in asv.conf.json (the
README gives its measured time). `--full`: every
benchmark on every release (an hour or more). The HTML goes to .asv/html; view it
with `.venvs/tools/bin/asv preview` (serves http://127.0.0.1:8080); it links the
"Which ReLU?" report of the commit (tools/report.py), built into .asv/html/report.

asv builds the project from the commit (HEAD), not from uncommitted changes;
the benchmarks themselves come from the working tree (asv_bench/benchmarks).
Releases whose Python is missing are skipped and named. Exit status: 0 when
every selected benchmark gave a number or an explicit skip, 1 when any failed
(the others still ran, and were published), 2 when nothing could run.
"""

import argparse
import json
import math
import os
import re
import subprocess
import sys
from itertools import product
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from envs import ROOT, link_pythons, releases  # noqa: E402
from run_tests import tools_venv  # noqa: E402

sys.path.insert(0, str(ROOT))
from relu_impls.releases import library_pin, version_tuple  # noqa: E402  (imports no backend)

# The pull-request set: forward and gradient time of each variant at 1000x1000
# float64 on random-sign data (C linker), and the figures with no timing noise:
# graph counts, instructions per call (under valgrind) and page faults per call at the same point.
# A PR check passes these to `asv run/continuous --bench` (asv matches a
# parameterized benchmark as "name(param, ...)", params as repr() strings).
PR_BENCH = [
    r"^relu\.(Forward\.time_forward|Gradient\.time_gradient)\('\w+', '1000x1000', 'float64'\)$",
    r"^graph\.",
    r"^instructions\.",
    r"^faults\.",
]
# The default run adds what reads the PR numbers: input data and the floors at the same point.
DEFAULT_BENCH = PR_BENCH + [
    r"^data\.",
    r"^floors\.Floors\.time_floor\('\w+', '1000x1000', 'float64'\)$",
]
# The default releases: the newest of these libraries in asv.conf.json.
DEFAULT_LIBRARIES = ["theano", "pytensor"]
TOOLS_BIN = ROOT / ".venvs" / "tools" / "bin"
RESULTS = ROOT / ".asv" / "results"
ASV_PYTHONS = ROOT / ".asv" / "pythons"


def in_tools_venv():
    return Path(sys.prefix).resolve() == (ROOT / ".venvs" / "tools").resolve()


def default_releases(table):
    newest = {}
    for name, entry in table.items():
        library, pin = library_pin(entry["req"])
        version = version_tuple(pin)
        if library in DEFAULT_LIBRARIES and version > newest.get(library, ((),))[0]:
            newest[library] = (version, name)
    return [newest[lib][1] for lib in DEFAULT_LIBRARIES if lib in newest]


def asv_pythons(found):
    """A PATH directory for asv: pythonX.Y linked to each interpreter itself (never a pyenv shim).

    asv's virtualenvs symlink their python to the path asv found it at. A link to a
    shim there, as .pythons/bin can hold, makes the env's python start outside its
    venv (imports and pip see the base installation); so asv gets links of its own.
    """
    ASV_PYTHONS.mkdir(parents=True, exist_ok=True)
    for version, path in found.items():
        link = ASV_PYTHONS / f"python{version}"
        probe = [path, "-c", "import sys; print(sys.executable)"]
        real = path and subprocess.run(probe, capture_output=True, text=True)
        if link.is_symlink() or link.exists():
            if real and os.readlink(link) == real.stdout.strip():
                continue
            link.unlink()
        if real and real.returncode == 0:
            link.symlink_to(real.stdout.strip())
    return ASV_PYTHONS


def chosen_releases(parser, named, table, default):
    """The releases named on the command line (an unknown one is a usage error), else `default`."""
    unknown = [name for name in named or [] if name not in table]
    if unknown:
        parser.error(f"unknown release(s) {unknown}; asv.conf.json lists: {', '.join(table)}")
    return named or default


def asv_environ(wanted, table):
    """({Python version: interpreter or None}, os.environ with the wanted releases' Pythons first on PATH)."""
    found = link_pythons(table[name]["python"] for name in wanted)
    path = [str(asv_pythons(found)), str(TOOLS_BIN), os.environ.get("PATH", "")]
    return found, dict(os.environ, PATH=os.pathsep.join(path))


def asv(*args, env, check=True, quiet=False):
    print("$ asv " + " ".join(args), flush=True)
    out = subprocess.DEVNULL if quiet else None
    return subprocess.run([str(TOOLS_BIN / "asv"), *args], cwd=ROOT, env=env, check=check, stdout=out).returncode


def environments(wanted, env, conf_path=ROOT / "asv.conf.json"):
    """{release or asv environment name: asv Environment} for those of `wanted` that asv can make with the
    Pythons on env's PATH; unknown names and missing Pythons are absent."""
    from asv import environment
    from asv.config import Config

    table = releases()
    old_path = os.environ["PATH"]
    os.environ["PATH"] = env["PATH"]  # asv looks for pythonX.Y on PATH
    try:
        envs = list(environment.get_environments(Config.load(str(conf_path)), None, verbose=False))
    finally:
        os.environ["PATH"] = old_path
    found = {}
    for name in wanted:
        entry = table.get(name, {})
        for e in envs:
            if e.name == name or (e.python == entry.get("python") and dict(e.requirements) == dict(entry["req"])):
                found[name] = e
    return found


def run_in_tools_venv(script, argv):
    """Re-run `script` with the tools environment's Python (built on first use), unless this is it."""
    if not in_tools_venv():
        python = tools_venv() / "bin" / "python"
        os.execv(str(python), [str(python), str(script), *(argv if argv is not None else sys.argv[1:])])


def selected(benchmarks, regexes):
    """{benchmark name: set of selected param indices} as asv's --bench selects them."""
    chosen = {}
    for name, bench in benchmarks.items():
        if not isinstance(bench, dict) or "params" not in bench:
            continue
        if bench["params"]:
            idx = {
                i
                for i, combo in enumerate(product(*bench["params"]))
                if any(re.search(r, f"{name}({', '.join(combo)})") for r in regexes)
            }
            if idx:
                chosen[name] = idx
        elif any(re.search(r, name) for r in regexes):
            chosen[name] = {0}
    return chosen


def tally(result_file, chosen, benchmarks):
    """(numbers, skipped, failed names) of the selected benchmarks in one asv result file.

    asv writes a number, NaN for a skip (NotImplementedError in setup; also for
    parameters not selected), and null for a failure (exception, timeout).
    """
    data = json.loads(result_file.read_text())
    columns = data["result_columns"]
    numbers = skipped = 0
    failed = []
    for name, idx in chosen.items():
        row = data["results"].get(name)
        if row is None:
            failed.append(f"{name} (no result)")
            continue
        values = dict(zip(columns, row))["result"]
        values = values if isinstance(values, list) else [values]
        points = list(product(*benchmarks[name]["params"])) or [()]
        for i in sorted(idx):
            value = values[i] if values and i < len(values) else None
            if value is None:
                failed.append(f"{name}({', '.join(points[i])})")
            elif isinstance(value, float) and math.isnan(value):
                skipped += 1
            else:
                numbers += 1
    return numbers, skipped, failed


def publish_report(machine, commit, env_names):
    """The "Which ReLU?" report (tools/report.py) of this commit, in asv's HTML and linked from its index.

    First the semantics of the environments just run (stored beside their results, so
    publish.yml's shards carry them too). After `asv publish`, which deletes its HTML
    directory. Returns the number of failures.
    """
    import report
    import report_link
    import report_semantics

    print("\nreport: semantics of each environment run, then the report", flush=True)
    mdir = report.ASV / "results" / machine
    envs = [e for e in report_semantics.asv_environments(report.ASV / "env") if e[0] in env_names]
    failures = report_semantics.collect(mdir, envs)
    try:
        out_dir, changes = report.build(report.ASV / "results", report.ASV / "html" / "report", machine, commit)
    except SystemExit as exc:  # the report's own message, e.g. no result files of this commit
        print(f"report not built: {exc}")
        return failures + 1
    report_link.link_index(report.ASV / "html", out_dir)
    print(f"report: {out_dir / 'index.html'} ({len(changes)} changes between releases), linked from asv's index")
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="every benchmark on every release in asv.conf.json")
    parser.add_argument("--pr", action="store_true", help="only the PR set (see PR_BENCH in this file)")
    parser.add_argument("--bench", action="append", metavar="REGEX", help="only these benchmarks (asv's --bench)")
    parser.add_argument("--release", action="append", metavar="NAME", help="run on this release (repeatable)")
    parser.add_argument("--machine", help="asv machine name (default: this host's name); keep it stable in CI")
    args = parser.parse_args(argv)

    run_in_tools_venv(__file__, argv)

    table = releases()
    wanted = chosen_releases(parser, args.release, table, list(table) if args.full else default_releases(table))
    regexes = args.bench or (PR_BENCH if args.pr else ([] if args.full else DEFAULT_BENCH))
    found, env = asv_environ(wanted, table)
    names = {release: e.name for release, e in environments(wanted, env).items()}
    for release in wanted:
        if release not in names:
            python = table[release]["python"]
            why = "not found (install it with pyenv)" if not found.get(python) else "rejected by asv"
            print(f"skipping {release}: Python {python} {why}")
    runnable = [r for r in wanted if r in names]
    if not runnable:
        print("nothing to run")
        return 2

    dirty = subprocess.run(["git", "status", "--porcelain", "relu_impls"], cwd=ROOT, capture_output=True, text=True)
    if dirty.stdout.strip():
        print("note: relu_impls has uncommitted changes; asv benchmarks the committed version (HEAD)")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    commit = commit.stdout.strip()

    asv("machine", "--yes", *(["--machine", args.machine] if args.machine else []), env=env, quiet=True)
    run = ["run", "HEAD^!", "--show-stderr", *(["--machine", args.machine] if args.machine else [])]
    for release in runnable:
        run += ["-E", names[release]]
    for regex in regexes:
        run += ["--bench", regex]
    # asv run exits 2 when any benchmark raised; the result files tell which, below.
    code = asv(*run, env=env, check=False)

    from asv.machine import Machine

    machine = args.machine or Machine.get_unique_machine_name()
    benchmarks = json.loads((RESULTS / "benchmarks.json").read_text())
    chosen = selected(benchmarks, regexes or [""])
    failures = 0
    print("\nsummary (selected benchmark × parameter points):")
    for release in runnable:
        result = RESULTS / machine / f"{commit[:8]}-{names[release]}.json"
        if not result.exists():
            print(f"  {release}: NO RESULTS (environment failed to build or import? see the log above)")
            failures += 1
            continue
        numbers, skipped, failed = tally(result, chosen, benchmarks)
        failures += len(failed)
        line = f"  {release}: {numbers} measured, {skipped} skipped (reasons above), {len(failed)} failed"
        print(line + (f": {', '.join(failed[:12])}{' ...' if len(failed) > 12 else ''}" if failed else ""))
    if code not in (0, 2):
        print(f"asv run exited {code}")
        failures += 1

    asv("publish", env=env)
    failures += publish_report(machine, commit, {names[r] for r in runnable})
    print(f"\nHTML report: {ROOT / '.asv' / 'html'}; view it with: {TOOLS_BIN / 'asv'} preview")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
