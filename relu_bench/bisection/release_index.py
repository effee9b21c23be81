"""A library's releases as the package index lists them: version order, yanked ones dropped and named, and the
pages a reader opens for a release (PyPI's, and the project's GitHub releases page where PyPI links one).

Read from PyPI's JSON API (https://pypi.org/pypi/NAME/json), the one listing that carries, per release file, its
`requires_python`, its wheel tags, its upload time and whether it was yanked: environment derivation
(relu_bench/bisection/release_env.py) reads those too.
"""

import json
import re
import urllib.request
from dataclasses import dataclass

from packaging.requirements import Requirement
from packaging.version import InvalidVersion, Version

from relu_bench.errors import UserError

PYPI_JSON = "https://pypi.org/pypi/{name}/json"


@dataclass(frozen=True)
class IndexRelease:
    """One release as PyPI's JSON lists it (not the report's Release: a library, a version and its tags)."""

    version: str
    files: tuple  # PyPI's file records (dicts) of this release

    @property
    def key(self):
        return Version(self.version)

    @property
    def uploaded(self):
        """ISO date-time of its first file: what it could have been built against."""
        return min(f["upload_time_iso_8601"] for f in self.files)

    @property
    def requires_python(self):
        found = {f.get("requires_python") or "" for f in self.files}
        return max(found, key=len)  # one value in practice; the most specific where files differ

    @property
    def wheel_pythons(self):
        """{(3, 11), ...}: the CPython versions it has binary wheels for; empty for pure-Python and sdist-only."""
        tags = set()
        for f in self.files:
            tags.update(re.findall(r"-cp3(\d+)-", f["filename"]) if f["packagetype"] == "bdist_wheel" else [])
        return {(3, int(minor)) for minor in tags}


def fetch(name):
    """PyPI's JSON document for project `name`."""
    with urllib.request.urlopen(PYPI_JSON.format(name=name), timeout=60) as response:
        return json.load(response)


def listing(document, pre=False):
    """(releases in version order, {version: why dropped}) of a PyPI JSON document. Post-releases are kept;
    pre- and dev-releases only with `pre`; a release whose files are all yanked is dropped (its reason named),
    as is one without files or with a version packaging cannot order."""
    kept, dropped = [], {}
    for version, files in document["releases"].items():
        try:
            parsed = Version(version)
        except InvalidVersion:
            dropped[version] = "not a PEP 440 version"
            continue
        if not files:
            dropped[version] = "no files on the index"
        elif all(f.get("yanked") for f in files):
            dropped[version] = f"yanked: {files[0].get('yanked_reason') or 'no reason given'}"
        elif parsed.is_prerelease and not pre:
            continue
        else:
            kept.append(IndexRelease(version, tuple(f for f in files if not f.get("yanked"))))
    return sorted(kept, key=lambda r: r.key), dropped


def between(releases, good, bad):
    """The releases from GOOD to BAD inclusive (GOOD the older); a ValueError naming what is wrong otherwise."""
    versions = [r.version for r in releases]
    for end in (good, bad):
        if end not in versions:
            raise UserError(f"{end} is not among the releases listed: {', '.join(versions)}")
    lo, hi = versions.index(good), versions.index(bad)
    if lo >= hi:
        raise UserError(f"GOOD ({good}) must be an older release than BAD ({bad})")
    return releases[lo : hi + 1]


def numpy_cap(document):
    """The upper bounds (<, <=) on numpy that the project's newest release declares, as a specifier string: a
    release is no more ready for a newer numpy than the newest one (Aesara 2.9.4, 2024: numpy<2.0.0)."""
    for requirement in document["info"].get("requires_dist") or []:
        parsed = Requirement(requirement)
        if parsed.name == "numpy" and not parsed.marker:
            return ",".join(str(s) for s in parsed.specifier if s.operator in ("<", "<="))
    return ""


def pages(document, name, version):
    """{"pypi": its PyPI page, "releases": the project's GitHub releases page, where PyPI links the repository}."""
    found = {"pypi": f"https://pypi.org/project/{name}/{version}/"}
    for url in (document["info"].get("project_urls") or {}).values():
        match = re.match(r"https://github\.com/([^/]+/[^/#?]+?)(?:\.git)?(?:[/#?]|$)", url or "")
        if match:
            found["releases"] = f"https://github.com/{match.group(1)}/releases"
            break
    return found
