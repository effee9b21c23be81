"""Find the one Theano-family library installed, prepare it, import it.

Nothing here imports a library at module import time: flags and the compile
directory must be in place before the library's first import.
"""

import configparser
import importlib
import os
import re
import socket
import sys
import time
from importlib import metadata
from pathlib import Path

from .errors import BackendImportError, BackendNotFound, ModeUnavailable
from .releases import LIBRARIES, SUGGESTED_INSTALL, known_fix, required_flags

BACKEND_VARIABLE = "RELU_BACKEND"
CACHE_VARIABLE = "RELU_BENCH_CACHE"
# Linker names every benchmark uses; each library maps them to its own modes.
LINKERS = ("c", "py", "numba", "jax", "pytorch", "mlx")
# What a JIT linker imports, and what to pip install for it, where either is not the linker's name:
# torch's default Linux wheel brings several GB of CUDA libraries (docs/methodology.md: a CPU-only build);
# MLX on Linux computes only with a backend package beside it (its `cpu` extra, mlx-cpu).
LINKER_PACKAGES = {"pytorch": ("torch", "torch"), "mlx": ("mlx.core", '"mlx[cpu]"')}
# The linkers whose package is imported only when the linker is asked for (relu_impls.op registers then).
LAZY_LINKERS = ("pytorch", "mlx")
# A Theano lock directory with no readable owner, older than this, is left over.
STALE_LOCK_SECONDS = 60


def _normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_libraries():
    """{distribution name: version} of the Theano-family libraries installed."""
    found = {}
    for dist in metadata.distributions():
        name = _normalize(dist.metadata["Name"] or "")
        if name in LIBRARIES:
            found[name] = dist.version
    return found


def choose_library(requested=None):
    """The (library, version) to load: the one installed, or the one requested."""
    installed = installed_libraries()
    requested = requested or os.environ.get(BACKEND_VARIABLE)
    if requested:
        name = _normalize(requested)
        if name not in LIBRARIES:
            raise BackendNotFound(
                f"{BACKEND_VARIABLE}={requested!r} is not a known library; choose one of {', '.join(LIBRARIES)}"
            )
        if name not in installed:
            raise BackendNotFound(
                f"{BACKEND_VARIABLE} asks for {name}, which is not installed here "
                f"(installed: {', '.join(installed) or 'none'})"
            )
        return name, installed[name]
    if not installed:
        raise BackendNotFound(f"no Theano-family library is installed; install one, e.g. {SUGGESTED_INSTALL}")
    if len(installed) > 1:
        raise BackendNotFound(
            f"several libraries are installed ({', '.join(installed)}); say which with {BACKEND_VARIABLE}=<name>"
        )
    return next(iter(installed.items()))


def _flag_key(name):
    # Theano spells sections with '.', its successors with '__'.
    return name.strip().replace(".", "__")


def _parse_flags(text):
    pairs = [item.split("=", 1) for item in text.split(",") if "=" in item]
    return {_flag_key(k): v for k, v in pairs}


def _rc_keys(import_name):
    """Keys set in the library's config file, which flags would override."""
    rc_var = f"{import_name.upper()}RC"
    paths = os.environ.get(rc_var, str(Path.home() / f".{import_name}rc")).split(os.pathsep)
    parser = configparser.ConfigParser()
    try:
        parser.read(paths)
    except configparser.Error:
        return set()
    keys = set()
    for section in parser.sections():
        for option in parser.options(section):
            keys.add(option if section == "global" else f"{section}__{option}")
    return keys


def cache_root():
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "relu-bench"
    return Path(os.environ.get(CACHE_VARIABLE, default))


def prepare_flags(library, version, environ=os.environ):
    """Set the release's flags and compile dir in `environ`; the user's own settings win.

    Returns the base compile directory in use, or None where the user chose one.
    """
    import_name, variable = LIBRARIES[library]
    current = environ.get(variable, "")
    user_keys = set(_parse_flags(current)) | _rc_keys(import_name)
    wanted = dict(required_flags(library, version))
    compiledir = None
    if not user_keys & {"base_compiledir", "compiledir"}:
        py = "{}.{}".format(*sys.version_info[:2])
        compiledir = cache_root() / f"{library}-{version}-py{py}"
        wanted["base_compiledir"] = str(compiledir)
    added = [f"{k}={v}" for k, v in wanted.items() if _flag_key(k) not in user_keys]
    environ[variable] = ",".join([current] * bool(current) + added)
    return compiledir


def clear_stale_locks(base_compiledir, now=None):
    """Remove Theano-style compile locks that no live process holds; return what was done.

    Theano waits `compile.timeout` (120 s) on a lock whose owner it cannot
    check; a killed run leaves exactly that behind. Newer releases lock with
    `filelock`, which the kernel releases when the holder dies.
    """
    messages = []
    now = time.time() if now is None else now
    base = Path(base_compiledir)
    for lock_dir in base.glob("*/lock_dir"):
        owner_file = lock_dir / "lock"
        try:
            owner = owner_file.read_text().strip()
        except OSError:
            owner = ""
        parts = owner.split("_")
        if len(parts) >= 3 and parts[0].isdigit():
            pid, host = int(parts[0]), "_".join(parts[2:])
            if host != socket.gethostname():
                messages.append(f"compile lock {lock_dir} is held by host {host}; left alone")
                continue
            if _alive(pid):
                continue
            reason = f"its owner, process {pid}, is dead"
        elif now - lock_dir.stat().st_mtime > STALE_LOCK_SECONDS:
            reason = "it names no owner"
        else:
            continue
        for child in lock_dir.iterdir():
            child.unlink()
        lock_dir.rmdir()
        messages.append(f"removed compile lock {lock_dir}: {reason}")
    return messages


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Backend:
    """One imported library, with the differences between releases hidden."""

    def __init__(self, library, version, module, compiledir):
        self.name = library
        self.version = version
        self.module = module
        self.compiledir = compiledir
        self.tensor = importlib.import_module(f"{module.__name__}.tensor")
        self.grad = getattr(module, "grad", None) or self.tensor.grad
        self._compile = module.function

    def __repr__(self):
        return f"<Backend {self.label}>"

    @property
    def label(self):
        return f"{self.name}-{self.version}"

    def matrix(self, dtype="float64", name="x"):
        return self.tensor.matrix(name, dtype=dtype)

    def function(self, inputs, outputs, linker="c"):
        return self._compile(inputs, outputs, mode=self.mode(linker))

    def linkers(self):
        """The linker names this installation can use."""
        usable = []
        for name in LINKERS:
            try:
                self.mode(name)
            except ModeUnavailable:
                continue
            usable.append(name)
        return usable

    def mode(self, linker):
        """The library's compilation mode for one of LINKERS."""
        if linker not in LINKERS:
            raise ModeUnavailable(f"unknown linker {linker!r}; known linkers: {', '.join(LINKERS)}")
        compile_mod = importlib.import_module(f"{self.module.__name__}.compile")
        if linker in ("c", "py"):
            if linker == "c" and not getattr(self.module.config, "cxx", "g++"):
                raise ModeUnavailable(f"{self.label}: no C++ compiler configured (config.cxx is empty)")
            return compile_mod.Mode(linker="cvm" if linker == "c" else "py", optimizer="fast_run")
        modes = compile_mod.mode.predefined_modes
        if linker.upper() not in modes:
            who = "newer PyTensor releases have one" if linker in LAZY_LINKERS else "Aesara and PyTensor have one"
            raise ModeUnavailable(f"{self.label} has no {linker} linker ({who})")
        package, install = LINKER_PACKAGES.get(linker, (linker, linker))
        try:
            importlib.import_module(package)
        except ImportError as exc:
            raise ModeUnavailable(f"{self.label}: the {linker} linker needs `pip install {install}` ({exc})") from None
        if linker in LAZY_LINKERS:
            from .op import register_linker

            register_linker(linker)  # the dedicated op, where it was built before the linker's package was imported
        return modes[linker.upper()]


_loaded = None


def load_backend(name=None):
    """Import and return the installed library (or the one `name`/RELU_BACKEND names).

    The same Backend is returned on every later call in the process.
    """
    global _loaded
    library, version = choose_library(name)
    if _loaded is not None:
        if _loaded.name != library:
            raise BackendNotFound(f"{_loaded.label} is already loaded in this process; cannot switch to {library}")
        return _loaded
    import_name, _ = LIBRARIES[library]
    compiledir = prepare_flags(library, version)
    if compiledir is not None:
        for message in clear_stale_locks(compiledir):
            print(f"relu_impls: {message}", file=sys.stderr)
    try:
        module = importlib.import_module(import_name)
    except Exception as exc:  # the library's own failure, of any type
        fix = known_fix(f"{type(exc).__name__}: {exc}")
        hint = f"; known fix: {fix}" if fix else ""
        raise BackendImportError(f"{library} {version} failed to import: {type(exc).__name__}: {exc}{hint}") from exc
    _loaded = Backend(library, version, module, compiledir)
    return _loaded
