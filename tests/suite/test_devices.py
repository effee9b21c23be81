"""relu_impls.devices: JAX pinned to one device kind per benchmark linker name, outputs waited for.

No GPU here and no JAX in the test venvs: a stand-in `jax` module records what is asked of it.
"""

import sys
import types

import pytest

from relu_impls import devices
from relu_impls.errors import ModeUnavailable


class Device:
    def __init__(self, platform, kind):
        self.platform, self.device_kind = platform, kind


def fake_jax(monkeypatch, gpus):
    jax = types.ModuleType("jax")
    cpu = Device("cpu", "cpu")
    jax.calls = []

    def devices_of(kind=None):
        if kind == "gpu" and not gpus:
            raise RuntimeError("Unknown backend gpu")
        return {"cpu": [cpu], "gpu": gpus, None: gpus or [cpu]}[kind]

    jax.devices = devices_of
    jax.config = types.SimpleNamespace(jax_default_device=None)
    jax.config.update = lambda key, value: setattr(jax.config, key, value)
    jax.block_until_ready = lambda x: jax.calls.append(("block", x)) or x
    jax.device_put = lambda x: ("on", jax.config.jax_default_device.platform, x)
    monkeypatch.setitem(sys.modules, "jax", jax)
    backend = types.SimpleNamespace(mode=lambda linker: None)
    monkeypatch.setattr(devices, "load_backend", lambda: backend)
    return jax


def test_jax_runs_on_the_cpu_even_where_a_gpu_is(monkeypatch):
    jax = fake_jax(monkeypatch, [Device("gpu", "NVIDIA H100 80GB HBM3")])
    assert devices.jax_device_label() == "gpu:NVIDIA H100 80GB HBM3"  # JAX's own default
    assert devices.prepare_linker("jax") == ("jax", "cpu")
    assert devices.jax_device_label() == "cpu"
    assert jax.config.jax_enable_x64 is True
    assert devices.prepare_linker("jax-gpu") == ("jax", "gpu:NVIDIA H100 80GB HBM3")
    assert devices.place("x", "jax-gpu") == ("on", "gpu", "x")


def test_jax_gpu_is_a_skip_without_a_gpu(monkeypatch):
    fake_jax(monkeypatch, [])
    with pytest.raises(NotImplementedError, match="no gpu device"):
        devices.prepare_linker("jax-gpu")


def test_block_waits_for_jax_outputs_only_when_jax_is_loaded(monkeypatch):
    monkeypatch.delitem(sys.modules, "jax", raising=False)
    assert devices.block([1]) == [1]
    jax = fake_jax(monkeypatch, [])
    out = [object()]
    assert devices.block(out) is out
    assert jax.calls == [("block", out)]


def test_other_linkers_stay_on_the_cpu_and_numpy_inputs(monkeypatch):
    fake_jax(monkeypatch, [])
    assert devices.prepare_linker("c") == ("c", "cpu")
    assert devices.place("x", "numba") == "x"
    with pytest.raises(ModeUnavailable, match="unknown linker"):
        devices.prepare_linker("cuda")
