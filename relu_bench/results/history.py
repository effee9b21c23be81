"""The benchmark history: asv result files kept on a git branch (default `asv-results`), restored into a
results directory, merged from shards, and stored back (the `relu-bench results` command runs these).

The branch holds exactly the layout of asv's results_dir (benchmarks.json,
MACHINE/machine.json, MACHINE/COMMIT-ENV.json, and the report's MACHINE/semantics/*.semantics,
MACHINE/confirmations/*.confirmed and noise/HOST.noise, JSON too). Nothing stored is ever lost:
- files are combined, never replaced: two versions of a result file are merged
  benchmark by benchmark (the newer wins per benchmark: the shard over the
  directory, the directory over the branch);
- every JSON file is checked before use, asv's own files with asv's own loaders
  (valid JSON that asv rejects would fail every `asv publish`, or be dropped by
  it); a corrupt one is quarantined, not used and not lost: its text is kept as
  quarantine/NAME.HASH.corrupt in the directory and on the branch (asv reads only
  *.json), a warning names it, and everything else is used, stored and
  published as usual (exit 0, a `::warning::` in CI; 1 only for a missing shard);
- files in the directory are written to a temporary name and renamed; the branch
  moves only at the end, by one compare-and-swap of its ref (`git update-ref NEW
  OLD`), so an interrupted or failed run leaves the previous state in place.
`store` does not push: the workflow pushes the branch (a non-fast-forward push fails);
it always leaves a local branch to push, also when there was nothing new.
The branch is read from refs/heads/B, else refs/remotes/origin/B (a fresh CI clone).
"""

import hashlib
import json
import os
import platform
import re
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

from relu_bench import git
from relu_bench.config import ROOT
from relu_bench.errors import UserError

BRANCH = "asv-results"
# Corrupt files, kept aside under the results dir and on the branch, under names asv does not read.
QUARANTINE = "quarantine"
# The JSON files kept: asv's, the report's semantics (relu_bench/report/semantics.py), the noise model's pairs and
# the confirmed changes (relu_bench/report/noise.py, confirm.py).
SUFFIXES = (".json", ".semantics", ".noise", ".confirmed")
# The branch commit `restore` read, kept in the directory (a name no reader takes): `store` refuses a branch that no
# longer descends from it, so that a force-push that dropped files is not built on silently.
RESTORED = ".restored-from"


def machine_name(prefix, cpuinfo="/proc/cpuinfo"):
    """PREFIX-CPU_MODEL as one asv machine name: hosted runners differ in CPU, and asv keeps one history
    (graph line, result folder) per machine, so histories of different hardware never mix."""
    try:
        lines = Path(cpuinfo).read_text().splitlines()
        model = next(line.split(":", 1)[1] for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        model = platform.machine() or "unknown-cpu"
    return f"{prefix}-{re.sub(r'[^a-z0-9]+', '-', model.lower()).strip('-')}"[:80]


class Corrupt(ValueError):
    """A results file that must not be used; str() names the file and the reason."""


# --------------------------------------------------------------------------- files


def check(name, text):
    """The parsed JSON of one results file, or Corrupt naming it."""
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Corrupt(f"{name}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise Corrupt(f"{name}: expected a JSON object")
    if name == "benchmarks.json" or is_machine_file(name) or is_result_file(name):
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, name).parent.mkdir(parents=True, exist_ok=True)
            Path(tmp, name).write_text(text)
            try:
                asv_load(tmp, name)
            except Exception as exc:  # any error of asv's loader is one asv publish meets on this file
                why = f"{type(exc).__name__}: {exc}".replace(tmp + os.sep, "")
                raise Corrupt(f"{name}: rejected by asv ({why})") from None
    return data


def asv_load(results_dir, name):
    """Read one file of a results dir as `asv publish` and the report read it, with asv's own loaders and the
    report's reader of result files; raises what they raise."""
    # Imported here: `relu-bench results shards` runs with a bare Python, without asv.
    from asv import util
    from asv.benchmarks import Benchmarks
    from asv.machine import Machine

    path = os.path.join(results_dir, name)
    if name == "benchmarks.json":
        Benchmarks.load(SimpleNamespace(results_dir=results_dir, benchmark_dir=results_dir))
    elif is_machine_file(name):
        machine = util.load_json(path, api_version=Machine.api_version).get("machine")
        if not isinstance(machine, str):  # asv skips every result of the folder then
            raise util.UserError(f"{name}: no machine name")
    else:  # as the report and asv publish's plugin read it: a file both fail on would stop every publish
        from relu_bench.report.results import load_result

        load_result(path, machine_name=Path(name).parts[0])


def is_machine_file(name):
    parts = Path(name).parts
    return len(parts) == 2 and parts[1] == "machine.json"


def is_result_file(name):
    parts = Path(name).parts
    return len(parts) == 2 and parts[1].endswith(".json") and parts[1] != "machine.json"


def combine(name, old, new):
    """One file from two versions: result files merged per benchmark, other files per key; `new` wins."""
    if old is None or new is None:
        return new if old is None else old
    if is_result_file(name) and old.get("result_columns") == new.get("result_columns"):
        merged = {**old, **new}
        merged["results"] = {**old["results"], **new["results"]}
        merged["durations"] = {**old.get("durations", {}), **new.get("durations", {})}
        return merged
    if is_result_file(name):
        return new  # another asv format version: the rows cannot be mixed
    if is_noise_file(name):  # the noise model's A/A pairs (relu_bench/report/noise.py): every pair kept
        pairs = {(tuple(sorted(p["runs"])), p["commit"]): p for p in old.get("pairs", []) + new.get("pairs", [])}
        return {**old, **new, "pairs": list(pairs.values())}
    return {**old, **new}


def is_noise_file(name):
    return name.endswith(".noise")


def json_files(directory):
    """{relative posix path: Path} of the JSON files (SUFFIXES) under a results directory."""
    directory = Path(directory)
    found = sorted(p for p in directory.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    return {p.relative_to(directory).as_posix(): p for p in found}


def write_atomic(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(data, f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def quarantine(directory, name, text, why):
    """Keep a corrupt file's text as QUARANTINE/NAME.HASH.corrupt under directory, HASH of its content (a second
    corrupt copy of one name is kept beside the first, not over it); warn naming it, as an annotation in CI."""
    digest = hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()[:12]
    path = Path(directory, QUARANTINE, f"{name}.{digest}.corrupt")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    annotation = "::warning::" if os.environ.get("GITHUB_ACTIONS") == "true" else "warning: "
    print(f"{annotation}{why}; quarantined as {path}", file=sys.stderr)


def quarantined(directory):
    """{posix path under directory: text} of the quarantined files."""
    directory = Path(directory)
    found = sorted(Path(directory, QUARANTINE).rglob("*.corrupt"))
    return {p.relative_to(directory).as_posix(): p.read_text(errors="replace") for p in found}


def merge_into(directory, sources, older=False):
    """Combine {name: text} into the JSON files of `directory`; sources win unless `older`."""
    directory = Path(directory)
    for name, text in sources.items():
        try:
            new = check(name, text)
        except Corrupt as exc:
            quarantine(directory, name, text, str(exc))
            continue
        target = directory / name
        old = None
        if target.exists():
            try:
                old = check(name, target.read_text(errors="replace"))
            except Corrupt as exc:
                quarantine(directory, name, target.read_text(errors="replace"), f"{exc} (in {directory})")
        write_atomic(target, combine(name, new, old) if older else combine(name, old, new))


# --------------------------------------------------------------------------- the branch


def branch_commit(branch, repo=ROOT):
    """(ref to update, commit it or its origin copy points at, or None)."""
    for ref in (f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"):
        commit = git.resolve(ref + "^{commit}", repo)
        if commit:
            return f"refs/heads/{branch}", commit
    return f"refs/heads/{branch}", None


def stored_files(commit, repo=ROOT):
    """{path: text} of the JSON files in a commit's tree."""
    if commit is None:
        return {}
    names = git.ls_files(commit, repo)
    return {
        name: git.show(commit, name, repo)
        for name in names
        if name.endswith(SUFFIXES) or name.startswith(f"{QUARANTINE}/")
    }


# --------------------------------------------------------------------------- commands


def restore(branch, directory, repo=ROOT, must_exist=False):
    """Branch -> directory; files already in the directory win per benchmark. A missing branch starts an empty
    history (the first run), unless `must_exist` (a branch the user named: a typo must not look like one)."""
    _, commit = branch_commit(branch, repo)
    if commit is None and must_exist:
        raise UserError(f"no branch {branch!r} (local or origin) in {repo}: nothing to restore")
    if commit is None:
        print(f"no branch {branch!r} (local or origin): nothing to restore, starting empty")
        return
    files = stored_files(commit, repo)
    kept = {name: text for name, text in files.items() if name.startswith(f"{QUARANTINE}/")}
    for name, text in kept.items():
        Path(directory, name).parent.mkdir(parents=True, exist_ok=True)
        Path(directory, name).write_text(text)
    merge_into(directory, {n: t for n, t in files.items() if n not in kept}, older=True)
    Path(directory, RESTORED).write_text(commit + "\n")
    print(f"restored {len(files)} files from {branch} ({commit[:10]}) into {directory}")


def merge(shards, directory):
    """Shard directories -> directory, in the order given. Returns the errors."""
    errors = []
    for shard in shards:
        if not Path(shard).is_dir():
            errors.append(f"{shard}: no such directory")
            continue
        files = {name: path.read_bytes().decode("utf-8", errors="replace") for name, path in json_files(shard).items()}
        merge_into(directory, files)
        print(f"merged {len(files)} files from {shard}")
    return errors


def store(branch, directory, message, repo=ROOT):
    """Directory -> one new commit on the branch, combined with what the branch holds."""
    ref, parent = branch_commit(branch, repo)
    marker = Path(directory, RESTORED)
    restored = marker.read_text().strip() if marker.is_file() else None
    if restored and (parent is None or not git.is_ancestor(restored, parent, repo)):
        raise UserError(
            f"{branch} is at {parent[:10] if parent else 'nothing'}, which does not descend from {restored[:10]}, "
            f"restored into {directory}: the branch was rewritten (a force-push?); nothing stored"
        )
    stored = stored_files(parent, repo)
    raw = {name: text for name, text in stored.items() if name.startswith(f"{QUARANTINE}/")}
    contents = {}
    for name, text in stored.items():
        if name in raw:
            continue
        try:
            contents[name] = check(name, text)
        except Corrupt as exc:
            quarantine(directory, name, text, f"{exc} (on {branch})")
    for name, path in json_files(directory).items():
        text = path.read_bytes().decode("utf-8", errors="replace")
        try:
            contents[name] = combine(name, contents.get(name), check(name, text))
        except Corrupt as exc:
            quarantine(directory, name, text, str(exc))
    raw.update(quarantined(directory))
    files = {name: json.dumps(data, indent=1, sort_keys=True) + "\n" for name, data in contents.items()}
    files.update(raw)
    tree = git.make_tree(files, repo=repo)
    if parent and git.resolve(f"{parent}^{{tree}}", repo) == tree:
        if git.resolve(ref, repo) is None:  # a fresh clone has only origin's copy: leave a local branch to push
            git.update_ref(ref, parent, git.NO_COMMIT, repo=repo)
        print(f"{branch}: nothing new to store")
        return
    commit = git.commit_tree(tree, [parent] if parent else [], message, repo=repo)
    # Fails, changing nothing, if the ref moved meanwhile.
    git.update_ref(ref, commit, git.resolve(ref, repo) or git.NO_COMMIT, repo=repo)
    print(f"stored {len(files)} files as {commit[:10]} on {branch}")
