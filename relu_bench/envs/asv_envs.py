"""The matrix's releases as asv's Environments, found in asv.conf.json (or a scratch copy of it) by release name."""

from relu_bench.config import ASV_CONF, ROOT
from relu_bench.envs.matrix import releases
from relu_bench.envs.pythons import environments_of, link_pythons
from relu_bench.errors import UserError


def asv_config(conf_path=ASV_CONF):
    """asv's Config, its directories absolute (asv takes them relative to the current directory)."""
    from asv.config import Config

    conf = Config.load(str(conf_path))
    for key in ("env_dir", "results_dir", "html_dir"):
        setattr(conf, key, str(ROOT / getattr(conf, key)))
    return conf


def environments(wanted, conf_path=ASV_CONF):
    """{release or asv environment name: asv Environment} for those of `wanted` that asv can make with the
    linked Pythons; unknown names and missing Pythons are absent."""
    table = releases()
    envs = environments_of(asv_config(conf_path))
    found = {}
    for name in wanted:
        entry = table.get(name, {})
        for e in envs:
            if e.name == name or (e.python == entry.get("python") and dict(e.requirements) == dict(entry["req"])):
                found[name] = e
    return found


def required_environments(wanted, conf_path):
    """{release: asv Environment} of every release wanted; UserError naming those whose Python is missing."""
    table = releases()
    link_pythons(table[name]["python"] for name in wanted)
    found = environments(wanted, conf_path)
    missing = [name for name in wanted if name not in found]
    if missing:
        raise UserError(f"no asv environment for {', '.join(missing)} (its Python is missing: `relu-bench envs list`)")
    return found
