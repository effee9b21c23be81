"""Where the JAX, PyTorch and MLX linkers run, so CPU and GPU timings never share a series.

JAX puts work on a GPU whenever it sees one, and returns before the work is
done (async dispatch). Benchmarks therefore pin JAX to one device kind, name
that kind in their parameters ("jax" on the CPU, "jax-gpu" on a GPU), feed it
inputs already on that device, and wait for every output with `block`.
PyTorch computes where its inputs lie: "pytorch" gets CPU tensors that share the
input's memory, "pytorch-gpu" CUDA tensors; PyTensor's PyTorch linker copies every
output back to numpy, so its outputs are ready when the call returns. MLX evaluates
lazily: `block` evaluates its outputs.

Nothing here imports JAX, torch or MLX until their linker is asked for.
"""

import sys

from .backend import load_backend
from .errors import ModeUnavailable

# Benchmark linker names: one JAX name per device kind; the others run on the CPU.
DEVICE_OF_LINKER = {
    "c": "cpu",
    "py": "cpu",
    "numba": "cpu",
    "jax": "cpu",
    "jax-gpu": "gpu",
    "pytorch": "cpu",
    "pytorch-gpu": "gpu",
    "mlx": "cpu",
}


def _jax():
    try:
        import jax
    except ImportError as exc:
        raise ModeUnavailable(f"the jax linker needs `pip install jax` ({exc})") from None
    return jax


def device_label(device):
    """'cpu', or 'gpu:<model>' (e.g. 'gpu:NVIDIA H100 80GB HBM3')."""
    return "cpu" if device.platform == "cpu" else f"{device.platform}:{device.device_kind}"


def jax_devices(kind):
    """JAX's devices of `kind` ('cpu' or 'gpu'); empty where JAX has no such backend."""
    try:
        return _jax().devices(kind)
    except RuntimeError:  # "Unknown backend" / "failed to initialize"
        return []


def use_jax_device(kind):
    """Make the first `kind` device JAX's default for all later work; return its label.

    Raises ModeUnavailable (a NotImplementedError: asv shows a skip) where there is none.
    """
    if kind not in ("cpu", "gpu"):
        raise ValueError(f"unknown device kind {kind!r}; use 'cpu' or 'gpu'")
    devices = jax_devices(kind)
    if not devices:
        raise ModeUnavailable(f"JAX sees no {kind} device here")
    config = _jax().config
    config.update("jax_default_device", devices[0])
    # float64 inputs would silently become float32 (PyTensor's JAX linker sets this too, but later).
    config.update("jax_enable_x64", True)
    return device_label(devices[0])


def jax_device_label():
    """Label of the device JAX computes on now (its configured default, else its first device)."""
    jax = _jax()
    device = jax.config.jax_default_device or jax.devices()[0]
    return device_label(device)


def prepare_linker(bench_linker):
    """(backend linker name, device label) for a benchmark linker name from DEVICE_OF_LINKER.

    Raises ModeUnavailable (a skip) where the library or the machine lacks it. For
    the JAX names this pins JAX to the device: call it in `setup`, before compiling.
    """
    if bench_linker not in DEVICE_OF_LINKER:
        raise ModeUnavailable(f"unknown linker {bench_linker!r}; known: {', '.join(DEVICE_OF_LINKER)}")
    linker = bench_linker.split("-")[0]
    load_backend().mode(linker)  # the library's own reason first (e.g. Theano has no JAX linker)
    if linker == "jax":
        return linker, use_jax_device(DEVICE_OF_LINKER[bench_linker])
    if linker == "pytorch":
        return linker, torch_device_label(DEVICE_OF_LINKER[bench_linker])
    return linker, "cpu"


def torch_device_label(kind):
    """'cpu', or 'gpu:<model>' of the CUDA device torch computes on; ModeUnavailable (a skip) where it has none."""
    import torch

    if kind == "cpu":
        return "cpu"
    if not torch.cuda.is_available():
        build = f"torch {torch.__version__}" + (", a CPU-only build" if torch.version.cuda is None else "")
        raise ModeUnavailable(f"torch sees no CUDA device here ({build})")
    return f"gpu:{torch.cuda.get_device_name(0)}"


def place(array, bench_linker):
    """The input as the compiled function should get it: on the JAX device for JAX linkers.

    A numpy input to a JAX function is copied to the device on every call, which
    on a GPU costs more than ReLU itself. Functions given placed inputs need
    `fn.trust_input = True` (the type check would copy them back to numpy).
    """
    if bench_linker.startswith("jax"):
        jax = _jax()
        return jax.block_until_ready(jax.device_put(array))
    if bench_linker.startswith("pytorch"):
        import torch

        # On the CPU the tensor shares the array's memory (common.placed's layout); on a GPU, one copy now.
        tensor = torch.from_numpy(array)
        return tensor.to("cuda") if DEVICE_OF_LINKER[bench_linker] == "gpu" else tensor
    if bench_linker == "mlx":
        import mlx.core as mx

        placed = mx.array(array)
        mx.eval(placed)
        return placed
    return array


def block(outputs):
    """Wait until every output is computed (JAX dispatches asynchronously, MLX evaluates lazily); returns
    `outputs`."""
    jax = sys.modules.get("jax")
    if jax is not None:
        jax.block_until_ready(outputs)
    mx = sys.modules.get("mlx.core")
    if mx is not None:
        lazy = [
            out for out in (outputs if isinstance(outputs, (list, tuple)) else [outputs]) if isinstance(out, mx.array)
        ]
        if lazy:
            mx.eval(*lazy)
    return outputs
