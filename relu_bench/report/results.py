"""asv result files -> timing records of one commit, one record per release, linker, shape, dtype, variant.

Which benchmark gives what is written out in SOURCES (the suite in asv_bench/benchmarks):
a renamed benchmark makes the report fail loudly rather than go quietly empty.
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Tuple

from relu_bench.config import PR_POINT
from relu_bench.errors import UserError
from relu_bench.report.series import FLOOR
from relu_bench.results import asv_results
from relu_impls.devices import DEVICE_OF_LINKER  # imports no backend
from relu_impls.releases import LIBRARIES, label_of, library_pin, release_tags, version_tuple  # imports no backend

# benchmark -> (function, parameters the benchmark fixes instead of varying). All time random-sign data.
SOURCES = {
    "relu.Forward.time_forward": ("forward", {"linker": "c"}),
    "relu.Gradient.time_gradient": ("gradient", {"linker": "c"}),
    "linkers.Linkers.time_forward": ("forward", dict(zip(("shape", "dtype"), PR_POINT))),
    "linkers.Linkers.time_gradient": ("gradient", dict(zip(("shape", "dtype"), PR_POINT))),
}
# The floors are compiled with the C linker only: the copy floor is what the hardware allows, for every linker.
FLOOR_SOURCE = "floors.Floors.time_floor"
FUNCTIONS = ("forward", "gradient")


@dataclass(frozen=True, order=True)
class Release:
    """A release as asv.conf.json's environments name it: the library's version, and the packages that make a line
    of its own beside the plain one (relu_impls.releases.RELEASE_TAGS: pytensor-3.0.7-torch-mlx is not
    pytensor-3.0.7)."""

    library: str
    version: str
    tags: Tuple[str, ...] = ()

    @property
    def label(self):
        return label_of(self.library, self.version, self.tags)

    @property
    def order(self):
        """The lineage order: Theano, Theano-PyMC, Aesara, PyTensor, then version; tagged after plain."""
        return (list(LIBRARIES).index(self.library), version_tuple(self.version), self.version, self.tags)


def release_from(requirements):
    """The Release an asv requirements/params dict names, or None."""
    pin = library_pin(requirements)
    return Release(*pin, release_tags(requirements)) if pin else None


@dataclass(frozen=True)
class Measurement:
    release: Release
    linker: str
    shape: str
    dtype: str
    variant: str
    function: str  # "forward", "gradient", or "floor"
    seconds: float
    quartiles: Tuple[float, float]  # of the samples, over every round (process) of the run
    env_name: str
    entry: str = ""  # asv's name of the point, e.g. "relu.Gradient.time_gradient('mul_gt', '1000x1000', 'float64')"

    @property
    def point(self):
        """The point's key in the noise model (relu_bench/report/noise.py): release and asv entry."""
        return f"{self.release.label}|{self.entry}"

    @property
    def series(self):
        """What makes timings comparable across releases."""
        return (self.linker, self.shape, self.dtype, self.variant, self.function)


def machine_dir(results_dir, machine=None):
    results_dir = Path(results_dir)
    machines = sorted(p.parent.name for p in results_dir.glob("*/machine.json"))
    if machine is None:
        if len(machines) != 1:
            raise UserError(f"{results_dir} holds results of machines {machines or 'none'}: name one with --machine")
        machine = machines[0]
    elif machine not in machines:
        raise UserError(f"no results for machine {machine!r} in {results_dir} (found: {', '.join(machines) or 'none'})")
    return results_dir / machine


def load_result(path, machine_name=None):
    """asv's Results of one result file, read as far as the report reads it (its date, every benchmark's points);
    UserError naming the file where it cannot be: a file left out would make a silently partial report.
    `machine_name`: the name the file must hold (asv's readers take it from the folder's machine.json)."""
    from asv.results import Results

    path = Path(path)
    try:
        result = Results.load(str(path), machine_name=machine_name)
        if isinstance(result.date, bool) or not isinstance(result.date, (int, float)):
            raise ValueError(f"its date {result.date!r} is not a time in milliseconds")
        for name in result.get_all_result_keys():
            list(asv_results.points(result, name) or [])
    except Exception as exc:  # whatever the file makes asv's loader or the points raise: one message naming it
        raise UserError(f"cannot read the result file {path} ({type(exc).__name__}: {exc}); fix or move it") from None
    return result


def result_files(mdir, commit=None):
    """asv's Results of the newest commit (by commit date), or of the commit `commit` starts.

    Every result file of the machine is read (load_result): one that cannot be read is an error naming it, never
    a release quietly missing from the report.
    """
    mdir = Path(mdir)
    try:
        machine = json.loads((mdir / "machine.json").read_text()).get("machine")
    except (OSError, ValueError, AttributeError) as exc:
        raise UserError(f"cannot read {mdir / 'machine.json'} ({exc}); fix or move it") from None
    files = [load_result(p, machine) for p in sorted(mdir.glob("*.json")) if p.name != "machine.json"]
    if not files:
        raise UserError(f"no asv result files in {mdir}")
    if commit:
        chosen = {f.commit_hash for f in files if f.commit_hash.startswith(commit)}
        if len(chosen) != 1:
            raise UserError(f"commit {commit!r} matches {len(chosen)} commits with results in {mdir}")
    else:
        chosen = {max(files, key=lambda f: f.date or 0).commit_hash}
    return sorted((f for f in files if f.commit_hash in chosen), key=lambda f: f.env_name)


def _points(result, name):
    """([(param values, value, quartiles)], how many points had no confidence interval) of one benchmark in an asv
    Results. Failed and skipped points are left out, and so are points without an interval: single samples
    (`asv run --quick`), too few to judge a change by."""
    out, unjudged = [], 0
    for combo, value, stats in asv_results.points(result, name) or []:
        if asv_results.state(value) != asv_results.MEASURED:
            continue
        if asv_results.interval(stats) is None:
            unjudged += 1
            continue
        entry = f"{name}({', '.join(combo)})" if combo else name
        out.append(([asv_results.unquote(p) for p in combo], value, asv_results.quartiles(stats), entry))
    return out, unjudged


def timings(files, benchmarks, release_of_env):
    """(Measurement records from asv Results, {env name: points left out for want of a confidence interval});
    `release_of_env` maps env names to their Release."""
    found, unjudged = {}, {}
    names = dict(SOURCES, **{FLOOR_SOURCE: ("floor", {"linker": "c"})})
    missing = [name for name in names if name not in benchmarks]
    if missing:
        raise UserError(
            f"benchmarks.json lacks {', '.join(missing)}: relu_bench/report/results.py SOURCES needs updating"
        )
    for f in files:
        release = release_of_env.get(f.env_name)
        if release is None:
            continue
        for name, (function, fixed) in names.items():
            try:
                param_names = benchmarks[name]["param_names"]
                points, left_out = _points(f, name)
                if left_out:
                    unjudged[f.env_name] = unjudged.get(f.env_name, 0) + left_out
                for combo, value, quartiles, entry in points:
                    p = dict(fixed, **dict(zip(param_names, combo)))
                    variant = p.get("floor", p.get("variant"))
                    if function == "floor" and variant != FLOOR:
                        continue
                    t = Measurement(
                        release,
                        p["linker"],
                        p["shape"],
                        p["dtype"],
                        variant,
                        function,
                        value,
                        quartiles,
                        f.env_name,
                        entry,
                    )
                    found.setdefault((release, *t.series), t)  # SOURCES order: the dedicated benchmark wins
            except (KeyError, TypeError, ValueError) as exc:  # parameters of another shape than benchmarks.json's
                raise UserError(
                    f"cannot read {name} in the result file {asv_results.file_name(f.commit_hash, f.env_name)} or in "
                    f"benchmarks.json ({type(exc).__name__}: {exc}); fix or move it"
                ) from None
    # Linkers in relu_impls' one order (relu_bench/report/series.py keeps the order it is given).
    return sorted(found.values(), key=lambda t: list(DEVICE_OF_LINKER).index(t.linker)), unjudged


def load_benchmarks(results_dir):
    """asv's benchmarks.json as a dict; UserError naming it when it is missing or cannot be read."""
    path = Path(results_dir) / "benchmarks.json"
    if not path.exists():
        raise UserError(f"{path} is missing: run asv first")
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise UserError(f"cannot read {path} (not valid JSON: {exc}); run asv again to rewrite it") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for k, v in data.items() if k != "version"):
        raise UserError(f"cannot read {path}: not asv's benchmark list; run asv again to rewrite it")
    return data
