"""The release matrix: asv.conf.json's `include` lines, one per release, named library-version."""

from relu_impls.releases import library_pin, release_label, version_tuple  # imports no backend
from tools.config import load_asv_conf, profiles


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


def unknown(named, table):
    """The usage error for release names asv.conf.json lacks, or None."""
    missing = [name for name in named or [] if name not in table]
    return f"unknown release(s) {missing}; asv.conf.json lists: {', '.join(table)}" if missing else None
