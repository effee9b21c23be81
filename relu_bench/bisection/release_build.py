"""Building a release's asv environment from its include line, as asv itself builds one, and checking that the
library imports there; a release that cannot be built or imported raises Unusable with the reason.

asv's own environment classes build it, from a scratch copy of asv.conf.json whose `include` holds just that line:
asv names and places an environment by its line, so an environment `relu-bench bench` built is found and reused,
and one built here is reused by later bisections and by the matrix once the line is added there.
"""

import json
import os
import subprocess
import tempfile
from pathlib import Path

from relu_bench.config import ROOT, load_asv_conf
from relu_bench.envs.pythons import asv_environ, link_pythons
from relu_bench.measure.worker import python_of
from relu_impls.releases import known_fix

IMPORT_CHECK = "import relu_impls; b = relu_impls.load_backend(); print(b.name, b.version)"


class Unusable(Exception):
    """The release cannot be installed or imported here: the message says why."""


def tail(text, lines=3):
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


def asv_environment(line, env_dir):
    """asv's Environment for an include line, its folder under env_dir (nothing built yet)."""
    from asv import environment
    from asv.config import Config

    with tempfile.TemporaryDirectory(prefix="relu-bench-env-") as tmp:
        conf = dict(load_asv_conf(), repo=str(ROOT), env_dir=str(env_dir), include=[line])
        conf.update(results_dir=str(Path(tmp, "results")), html_dir=str(Path(tmp, "html")))
        path = Path(tmp, "asv.conf.json")
        path.write_text(json.dumps(conf))
        (env,) = environment.get_environments(Config.load(str(path)), None, verbose=False)
    return env


def build(line, env_dir, tree=ROOT):
    """The Python of the release's asv environment (built unless it exists), once `relu_impls` from `tree`
    loads the library there; Unusable otherwise."""
    if not link_pythons([line["python"]])[line["python"]]:
        raise Unusable(f"python{line['python']} not found (pyenv lists none: `pyenv install {line['python']}`)")
    saved, cwd = dict(os.environ), os.getcwd()
    # asv finds pythonX.Y on PATH, builds sdists with the environment's own setuptools (BUILD_ENV), and adds
    # the build requirements of the pyproject.toml in the current directory to every environment.
    os.environ.update(asv_environ())
    os.chdir(ROOT)
    try:
        env = asv_environment(line, env_dir)
        env.create()
    except Exception as exc:  # asv raises its ProcessError for a failed pip; any failure skips the release
        raise Unusable(f"install failed: {tail(str(exc))}") from exc
    finally:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(saved)
    python = python_of(env)
    check = subprocess.run(
        [str(python), "-c", IMPORT_CHECK],
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
        env=dict(os.environ, PYTHONPATH=str(tree)),
    )
    if check.returncode:
        last = tail(check.stderr, 1)
        fix = known_fix(last)  # of the exception, not of every line of the traceback above it
        raise Unusable(f"import failed: {last}" + (f" ({fix})" if fix and fix not in last else ""))
    return python
