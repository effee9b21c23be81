"""The release matrix: asv.conf.json's `include` lines, one per release, named library-version."""

from relu_bench.config import load_asv_conf, profiles
from relu_bench.errors import UserError
from relu_impls.releases import library_pin, release_label, version_tuple  # imports no backend


def releases(conf=None):
    """{release name: include entry}, e.g. 'theano-1.0.5' -> {'python': '3.11', 'req': {...}}."""
    conf = conf or load_asv_conf()
    found = {}
    for entry in conf["include"]:
        name = release_label(entry["req"])
        if name is None:
            raise ValueError(f"asv.conf.json include entry must name exactly one library: {entry}")
        found[name] = entry
    return found


def requirements(entry):
    """pip arguments for an include entry, numpy first (old numpy needs its scipy)."""
    return [f"{name}=={version}" if version else name for name, version in entry["req"].items()]


def profile_releases(profile, table=None):
    """The releases a run profile names: every release, or the newest of each library in profiles.json "newest"."""
    table = table or releases()
    if profiles()[profile]["releases"] == "all":
        return list(table)
    libraries = profiles()["newest"]
    newest = {}
    for name, entry in table.items():
        library, pin = library_pin(entry["req"])
        version = version_tuple(pin)
        if library in libraries and version > newest.get(library, ((),))[0]:
            newest[library] = (version, name)
    return [newest[lib][1] for lib in libraries if lib in newest]


def known(named, table):
    """`named`, every one a release of `table`; UserError naming those asv.conf.json lacks (the one way an
    unknown release is reported)."""
    missing = [name for name in named if name not in table]
    if missing:
        raise UserError(f"unknown release(s) {', '.join(missing)}; asv.conf.json lists: {', '.join(table)}")
    return list(named)
