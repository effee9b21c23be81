"""The backend layer: flags, compile directories, linkers and its errors, on this backend."""

import json
import os
import subprocess
import sys

import pytest

from relu_impls import LINKERS, ModeUnavailable
from relu_impls.releases import LIBRARIES


def run_fresh(code, **env):
    """Run `code` in a new interpreter (flags act at first import only); return its JSON output."""
    environ = {k: v for k, v in os.environ.items() if not k.endswith("_FLAGS")}
    environ.update(env)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environ)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


REPORT = """
import json, os
from relu_impls import load_backend
b = load_backend()
print(json.dumps({"flags": os.environ[%r], "base_compiledir": str(b.module.config.base_compiledir),
                  "floatX": b.module.config.floatX, "compiledir": str(b.compiledir)}))
"""


def flags_variable(backend):
    return LIBRARIES[backend.name][1]


def test_each_release_gets_its_own_compile_dir(backend, tmp_path):
    out = run_fresh(REPORT % flags_variable(backend), RELU_BENCH_CACHE=str(tmp_path))
    expected = tmp_path / "{}-{}-py{}.{}".format(backend.name, backend.version, *sys.version_info[:2])
    assert out["compiledir"] == str(expected)
    assert out["base_compiledir"] == str(expected)


def test_user_flags_are_kept_and_their_compile_dir_wins(backend, tmp_path):
    variable = flags_variable(backend)
    mine = tmp_path / "mine"
    out = run_fresh(REPORT % variable, **{variable: f"floatX=float32,base_compiledir={mine}"})
    assert out["floatX"] == "float32"
    assert out["base_compiledir"] == str(mine)
    assert out["compiledir"] == "None"
    assert out["flags"].startswith(f"floatX=float32,base_compiledir={mine}")


def test_broken_flags_give_the_library_own_message(backend):
    variable = flags_variable(backend)
    code = "from relu_impls import load_backend; load_backend()"
    environ = dict(os.environ, **{variable: "floatX=float99"})
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environ)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("relu_impls.errors.BackendImportError:")
    assert f"{backend.name} {backend.version} failed to import" in last
    assert "float99" in last


def test_linkers_are_usable_by_name(backend):
    usable = backend.linkers()
    assert {"c", "py"} <= set(usable)
    if backend.name == "pytensor":
        assert "numba" in usable
    for name in set(LINKERS) - set(usable):
        with pytest.raises(ModeUnavailable, match=name):
            backend.mode(name)
    with pytest.raises(ModeUnavailable, match="known linkers: c, py, numba, jax"):
        backend.mode("cuda")


def test_asking_for_a_library_not_installed_says_so(backend):
    from relu_impls.backend import BackendNotFound, choose_library

    other = "aesara" if backend.name != "aesara" else "theano"
    with pytest.raises(BackendNotFound, match=f"asks for {other}, which is not installed here"):
        choose_library(other)


def test_importing_the_package_imports_no_library():
    code = (
        "import json, sys, relu_impls\nprint(json.dumps(sorted({'theano', 'aesara', 'pytensor'} & set(sys.modules))))"
    )
    assert run_fresh(code) == []
