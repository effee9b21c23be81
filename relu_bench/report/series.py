"""Queries over timing records that every part of the report shares: lineage order, the fastest variant,
which linkers and points were measured, how a time is written. Records only (relu_bench/report/results.py)."""

# The floor every timing is divided by: what copying the array costs.
FLOOR = "copy"


def lineage(releases):
    """Releases in lineage order: Theano, Theano-PyMC, Aesara, PyTensor, then version."""
    return sorted(releases, key=lambda r: r.order)


def fmt_time(seconds):
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def fastest(timings):
    """{(release, linker, shape, dtype, function): fastest Measurement}."""
    best = {}
    for t in timings:
        if t.function == "floor":
            continue
        key = (t.release, t.linker, t.shape, t.dtype, t.function)
        if key not in best or t.seconds < best[key].seconds:
            best[key] = t
    return best


def shape_key(shape):
    rows, cols = (int(n) for n in shape.split("x"))
    return rows * cols


def points_of(timings, linker):
    """(shape, dtype) pairs measured with `linker`, small to large."""
    found = {(t.shape, t.dtype) for t in timings if t.linker == linker and t.function != "floor"}
    return sorted(found, key=lambda p: (shape_key(p[0]), p[1]))


def linkers_of(timings):
    """The linkers measured, in the order the records come (relu_bench/report/results.py: relu_impls' order)."""
    return list(dict.fromkeys(t.linker for t in timings if t.function != "floor"))
