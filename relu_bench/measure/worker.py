"""The timing worker (relu_bench/measure/paired_worker.py), seen from outside: running one process of it, and reading
what it reports (a benchmark's state, the exception line of a traceback)."""

import json
import subprocess
import tempfile
from pathlib import Path

WORKER = Path(__file__).resolve().parent / "paired_worker.py"


def run_worker(python, plan, environ=None):
    """One process of relu_bench/measure/paired_worker.py with `plan` (its "out" file chosen here); its outcome.

    RuntimeError where the process failed or wrote no outcome.
    """
    with tempfile.TemporaryDirectory() as tmp:
        plan_file, out = Path(tmp, "plan.json"), Path(tmp, "outcome.json")
        plan_file.write_text(json.dumps(dict(plan, out=str(out))))
        # From the scratch dir: neither the repository's nor the environment's installed relu_impls comes first.
        done = subprocess.run(
            [str(Path(python).absolute()), str(WORKER), str(plan_file)],
            cwd=tmp,
            env=environ,
            capture_output=True,
            text=True,
        )
        if done.returncode or not out.exists():
            raise RuntimeError(f"timing process failed in {python} (exit {done.returncode}):\n{done.stderr[-3000:]}")
        return json.loads(out.read_text())


def exception_line(text):
    """The line of a traceback text that names the exception (`AssertionError: ...`): the first unindented line
    after the last traceback header, not what a library appends to the message (PyTensor's "HINT: ..."); the
    last line of a text without a header."""
    lines = text.strip().splitlines()
    headers = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last):")]
    after = lines[headers[-1] + 1 :] if headers else []
    return next((line for line in after if line and not line[0].isspace()), lines[-1])


def state_of(side):
    """A worker's state of one benchmark as text: "ok", "skipped: why", "failed: the exception's line"."""
    if side == "ok":
        return "ok"
    if "skip" in side:
        return "skipped: " + side["skip"]
    return "failed: " + exception_line(side["error"])


def python_of(environment):
    """The interpreter of an asv Environment (asv keeps its folder in a private attribute, read only here)."""
    return Path(environment._path, "bin", "python")
