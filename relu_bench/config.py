"""Where things are: the repository, asv.conf.json and the paths it names, and the named run profiles.

Profiles (relu_bench/profiles.json, read by the workflows' commands and the tests too): `bench` is a list of
asv --bench regexes (asv matches a parameterized benchmark as "name(param, ...)", params as repr()
strings; empty: every benchmark; `{point}` stands for PR_POINT's parameters), `releases` is "newest" (the
newest release of each library in "newest") or "all"; a profile that `extends` another runs its
benchmarks too, then its own.
"""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASV_CONF = ROOT / "asv.conf.json"
VENVS = ROOT / ".venvs"
TOOLS_VENV = VENVS / "tools"
PROFILES = Path(__file__).resolve().parent / "profiles.json"


# The pull-request check's point: each variant's forward and gradient time here (shape, dtype).
PR_POINT = ("1000x1000", "float64")


def pr_timing(variant, function):
    """asv's name of a variant's forward or gradient time at PR_POINT (C linker, random signs)."""
    cls = "Forward" if function == "forward" else "Gradient"
    return f"relu.{cls}.time_{function}({', '.join(map(repr, (variant, *PR_POINT)))})"


def load_asv_conf(path=ASV_CONF):
    """asv.conf.json as a dict (asv allows // comments, json does not)."""
    lines = [line for line in Path(path).read_text().splitlines() if not line.lstrip().startswith("//")]
    return json.loads("\n".join(lines))


def asv_path(key):
    """An asv.conf.json directory (results_dir, env_dir, html_dir), absolute."""
    return ROOT / load_asv_conf()[key]


def profiles():
    """{profile name: {"bench": [regex, ...], "releases": "newest" or "all", ...}, "newest": [library, ...]},
    each profile's `extends` and `{point}` resolved."""
    found = json.loads(PROFILES.read_text())
    point = ", ".join(f"'{re.escape(value)}'" for value in PR_POINT)
    for profile in found.values():
        if isinstance(profile, dict):
            profile["bench"] = [regex.replace("{point}", point) for regex in profile["bench"]]
    for profile in found.values():
        if isinstance(profile, dict) and "extends" in profile:
            profile["bench"] = found[profile["extends"]]["bench"] + profile["bench"]
    return found
