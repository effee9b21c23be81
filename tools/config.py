"""Where things are: the repository, asv.conf.json and the paths it names, and the named run profiles.

Profiles (tools/profiles.json, read by the workflows' commands and the tests too): `bench` is a list of
asv --bench regexes (asv matches a parameterized benchmark as "name(param, ...)", params as repr()
strings; empty: every benchmark), `releases` is "newest" (the newest release of each library in
"newest") or "all".
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASV_CONF = ROOT / "asv.conf.json"
VENVS = ROOT / ".venvs"
TOOLS_VENV = VENVS / "tools"
PROFILES = Path(__file__).resolve().parent / "profiles.json"


def load_asv_conf(path=ASV_CONF):
    """asv.conf.json as a dict (asv allows // comments, json does not)."""
    lines = [line for line in Path(path).read_text().splitlines() if not line.lstrip().startswith("//")]
    return json.loads("\n".join(lines))


def asv_path(key):
    """An asv.conf.json directory (results_dir, env_dir, html_dir), absolute."""
    return ROOT / load_asv_conf()[key]


def profiles():
    """{profile name: {"bench": [regex, ...], "releases": "newest" or "all", ...}, "newest": [library, ...]}."""
    return json.loads(PROFILES.read_text())
