"""The timing worker (relu_bench/measure/paired_worker.py), seen from outside: running one process of it, and reading
what it reports (a benchmark's state, the exception line of a traceback)."""

import json
import os
import pwd
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

WORKER = Path(__file__).resolve().parent / "paired_worker.py"


# Where the worker user's folders go: /tmp, which every user may write, whatever the caller's TMPDIR.
FOLDER_PREFIX = "/tmp/relu-worker."


class WorkerUser:
    """An unprivileged user under which the processes that import a checked commit's code are started, so that
    code cannot write what the judge's user owns (the judge's files, the environments, the outputs).

    As root: setpriv, which execs the command (no process stays between) and bars setuid programs; otherwise
    passwordless sudo. Either way the process gets exactly the environment given (`env -i`), not what sudo adds.
    """

    def __init__(self, name):
        entry = pwd.getpwnam(name)  # KeyError: no such user
        self.name = name
        if os.geteuid() == 0:
            ids = [f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups"]
            self.prefix = ["setpriv", *ids, "--no-new-privs", "--"]
        else:
            self.prefix = ["sudo", "-n", "-u", name, "--"]

    def command(self, argv, environ):
        return [*self.prefix, "env", "-i", *(f"{k}={v}" for k, v in environ.items()), *argv]

    def folder(self):
        """A fresh folder in /tmp that the user owns and everyone may read (the judge reads what lands there);
        RuntimeError where no process could be started as the user."""
        script = f'd=$(mktemp -d {FOLDER_PREFIX}XXXXXX) && chmod 755 "$d" && echo "$d"'
        done = subprocess.run([*self.prefix, "sh", "-c", script], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"cannot start a process as {self.name}: {done.stderr.strip()}")
        return Path(done.stdout.strip())

    def stop(self):
        """End every process of the user (kill(-1) spares the caller): none that a checked commit left running
        may act during what is timed next."""
        subprocess.run([*self.prefix, "sh", "-c", "kill -s KILL -1"], capture_output=True, check=False)

    def remove(self, folder):
        self.stop()
        subprocess.run([*self.prefix, "rm", "-rf", str(folder)], check=False)

    @contextmanager
    def home(self):
        """A folder() for the life of the block: the HOME and compile caches of the processes started in it."""
        folder = self.folder()
        try:
            yield folder
        finally:
            self.remove(folder)


def run_worker(python, plan, environ=None, user=None):
    """One process of relu_bench/measure/paired_worker.py with `plan` (its "out" file chosen here); its outcome.
    With a WorkerUser, the process runs as that user, in a folder of its own (its outcome lands there), with
    `environ` (default os.environ) only.

    RuntimeError where the process failed or wrote no outcome.
    """
    with tempfile.TemporaryDirectory() as tmp:
        scratch = user.folder() if user else Path(tmp)
        try:
            plan_file, out = Path(tmp, "plan.json"), scratch / "outcome.json"
            plan_file.write_text(json.dumps(dict(plan, out=str(out))))
            command = [str(Path(python).absolute()), str(WORKER), str(plan_file)]
            if user:
                os.chmod(tmp, 0o755)  # the plan is read by the user, and written by the judge only
                command = user.command(command, dict(os.environ if environ is None else environ))
            # From the scratch dir: neither the repository's nor the environment's installed relu_impls comes first.
            done = subprocess.run(command, cwd=scratch, env=environ, capture_output=True, text=True)
            if user:
                user.stop()  # then nothing changes the outcome file while it is read
            if done.returncode or not out.is_file() or out.is_symlink():
                why = done.stderr[-3000:]
                raise RuntimeError(f"timing process failed in {python} (exit {done.returncode}):\n{why}")
            return json.loads(out.read_text())
        finally:
            if user:
                user.remove(scratch)


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
