"""relu_impls where no library is installed (this environment has none): errors, flags, locks."""

import os
import socket
import subprocess
import sys

import pytest

from relu_impls import VARIANTS, BackendNotFound, UnknownVariant, installed_libraries, load_backend
from relu_impls.backend import clear_stale_locks, prepare_flags
from relu_impls.releases import known_fix


def test_this_environment_has_no_backend():
    assert installed_libraries() == {}


def test_unknown_variant_lists_the_known_ones():
    with pytest.raises(UnknownVariant) as info:
        VARIANTS["relu_fast"]
    message = str(info.value)
    assert "unknown ReLU variant 'relu_fast'" in message
    assert all(name in message for name in VARIANTS)


def test_no_backend_says_what_to_install():
    with pytest.raises(BackendNotFound, match="no Theano-family library is installed; install one, e.g. pip install"):
        load_backend()


def test_unknown_backend_name_lists_the_libraries(monkeypatch):
    monkeypatch.setenv("RELU_BACKEND", "tensorflow")
    with pytest.raises(BackendNotFound, match="theano, theano-pymc, aesara, pytensor"):
        load_backend()


@pytest.mark.parametrize(
    "library, version, python, added",
    [
        ("theano", "1.0.5", (3, 11), "blas.ldflags="),
        ("theano-pymc", "1.1.2", (3, 11), "blas__ldflags="),
        ("aesara", "2.8.12", (3, 11), "blas__ldflags="),
        ("aesara", "2.9.4", (3, 12), "blas__ldflags="),
        ("aesara", "2.9.4", (3, 11), None),
        ("pytensor", "3.0.7", (3, 11), None),
    ],
)
def test_release_flags(library, version, python, added, monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "version_info", python + (0, "final", 0))
    monkeypatch.setenv("HOME", str(tmp_path))
    environ = {}
    compiledir = prepare_flags(library, version, environ)
    flags = next(iter(environ.values())).split(",")
    assert compiledir.name == f"{library}-{version}-py{python[0]}.{python[1]}"
    assert f"base_compiledir={compiledir}" in flags
    assert [f for f in flags if "ldflags" in f] == ([added] if added else [])


def test_user_settings_win_in_either_spelling(monkeypatch, tmp_path):
    rc = tmp_path / "theanorc"
    rc.write_text("[global]\nbase_compiledir = /somewhere/mine\n")
    monkeypatch.setenv("THEANORC", str(rc))
    environ = {"THEANO_FLAGS": "blas__ldflags=-lopenblas"}
    assert prepare_flags("theano", "1.0.5", environ) is None
    assert environ["THEANO_FLAGS"] == "blas__ldflags=-lopenblas"


def _lock(base, owner, age=0):
    lock_dir = base / "compiledir_x" / "lock_dir"
    lock_dir.mkdir(parents=True)
    if owner is not None:
        (lock_dir / "lock").write_text(owner + "\n")
    os.utime(lock_dir, (os.path.getmtime(lock_dir) - age,) * 2)
    return lock_dir


def _dead_pid():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_lock_of_a_dead_process_is_removed_and_reported(tmp_path):
    lock_dir = _lock(tmp_path, f"{_dead_pid()}_1234567890_{socket.gethostname()}")
    [message] = clear_stale_locks(tmp_path)
    assert not lock_dir.exists()
    assert "is dead" in message and str(lock_dir) in message


def test_lock_of_a_live_process_is_kept(tmp_path):
    lock_dir = _lock(tmp_path, f"{os.getpid()}_1234567890_{socket.gethostname()}")
    assert clear_stale_locks(tmp_path) == []
    assert lock_dir.exists()


def test_lock_of_another_host_is_reported_not_removed(tmp_path):
    lock_dir = _lock(tmp_path, "4242_1234567890_elsewhere")
    [message] = clear_stale_locks(tmp_path)
    assert lock_dir.exists() and "held by host elsewhere" in message


def test_ownerless_lock_is_removed_once_old(tmp_path):
    lock_dir = _lock(tmp_path, None)
    assert clear_stale_locks(tmp_path) == [] and lock_dir.exists()
    assert "names no owner" in clear_stale_locks(tmp_path, now=os.path.getmtime(lock_dir) + 3600)[0]
    assert not lock_dir.exists()


@pytest.mark.parametrize(
    "error, fix",
    [
        ("AttributeError: module 'numpy' has no attribute 'bool'", "numpy < 1.24"),
        ("ImportError: cannot import name 'MutableMapping' from 'collections'", "Python < 3.10"),
        ("KeyError: 'blas_opt_info'", "blas.ldflags="),
        ("AttributeError: module 'numpy.__config__' has no attribute 'get_info'", "numpy < 1.26"),
    ],
)
def test_known_failures_come_with_their_fix(error, fix):
    assert fix in known_fix(error)
