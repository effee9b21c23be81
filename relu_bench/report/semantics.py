"""Run `python -m relu_impls.semantics_json` in each asv environment and keep what it prints.

Stored as RESULTS/MACHINE/semantics/COMMIT8-ENV_NAME.semantics (JSON), beside asv's result files,
so the report can be rebuilt and relu_bench/results/history.py keeps them with the results. Not named *.json:
asv reads every *.json under its results folder as a result file (and warns about these).

asv's virtualenvs: found through the asv-env-info.json asv writes into each, which
give the environment's name; the semantics are those of the relu_impls asv
installed there, at the commit asv-install-status.json names. Environments asv
runs with `-E existing:PYTHON` are named with --python PYTHON; their commit is HEAD.
"""

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from asv.environment import get_env_name
from asv.util import which

from relu_bench.errors import UserError

SUBDIR = "semantics"
SUFFIX = ".semantics"
TIMEOUT = 900  # seconds: every variant, dtype and linker, with cold compile caches


def asv_environments(env_dir):
    """[(env name, python, commit asv installed or None)] of the virtualenvs asv built."""
    found = []
    for info_path in sorted(Path(env_dir).glob("*/asv-env-info.json")):
        info = json.loads(info_path.read_text())
        tagged = {("build", k): v for k, v in info.get("build_env_vars", {}).items()}
        name = get_env_name(info["tool_name"], info["python"], info["requirements"], tagged)
        status = info_path.parent / "asv-install-status.json"
        commit = json.loads(status.read_text()).get("commit_hash") if status.exists() else None
        found.append((name, info_path.parent / "bin" / "python", commit))
    return found


def existing_environment(python, head):
    """(env name, python, commit) as asv names `-E existing:PYTHON`."""
    executable = os.path.abspath(which(python))
    return get_env_name("existing", executable.replace(os.path.sep, "_"), {}, {}), Path(executable), head


def measure(python):
    """The runner's JSON, run in a scratch directory so that the environment's own relu_impls is imported."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "semantics.json"
        cmd = [str(python), "-m", "relu_impls.semantics_json", "--output", str(out)]
        proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        if proc.returncode or not out.exists():
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {' | '.join(tail)}")
        return json.loads(out.read_text())


def store(mdir, env_name, commit, data):
    path = Path(mdir) / SUBDIR / f"{commit[:8]}-{env_name}{SUFFIX}"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = dict(data, commit_hash=commit, env_name=env_name, measured_at=int(time.time()))
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record, indent=1) + "\n")
    os.replace(tmp, path)
    return path


def collect(mdir, environments, log=print):
    """Measure and store each (env name, python, commit); returns the number that failed."""
    failed = 0
    for name, python, commit in environments:
        if commit is None:
            log(f"{name}: skipped, asv has not installed the project there")
            continue
        try:
            data = measure(python)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            log(f"{name}: FAILED: {exc}")
            failed += 1
            continue
        log(f"{name}: {data['label']}, {len(data['rows'])} cells -> {store(mdir, name, commit, data)}")
    return failed


def load(mdir, commit):
    """{env name: semantics record}: the one measured at `commit`, else the newest measured for that env."""
    chosen = {}
    for path in sorted((Path(mdir) / SUBDIR).glob(f"*{SUFFIX}")):
        try:
            record = json.loads(path.read_text())
            env_name = record["env_name"]
        except (ValueError, KeyError, TypeError, IndexError) as exc:
            # A release whose meaning cannot be read would turn "unknown" and the report go on without it.
            raise UserError(f"cannot read the semantics file {path} ({exc!r}); fix or move it") from None
        old = chosen.get(env_name)
        rank = (record.get("commit_hash") == commit, record.get("measured_at", 0))
        if old is None or rank > (old.get("commit_hash") == commit, old.get("measured_at", 0)):
            chosen[env_name] = record
    return chosen
