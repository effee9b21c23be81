"""Instruction counts where the library runs but not under valgrind: every point is skipped, with the reason."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "asv_bench"))
from benchmarks import instructions  # noqa: E402


def test_a_library_that_fails_only_under_valgrind_skips_every_point(monkeypatch):
    # This process passes the import check; the valgrind process finds no library (this venv has
    # none), as Theano 1.0.4's does when its scipy fails to initialise under valgrind.
    monkeypatch.setattr(instructions, "backend", lambda: None)
    bench = instructions.Instructions()
    cache = bench.setup_cache()
    with pytest.raises(NotImplementedError, match="imports, but not under valgrind: no Theano-family library"):
        bench.setup(cache, "max_x0", "gradient")
