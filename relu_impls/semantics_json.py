"""Measure every variant's edge-case semantics in this environment and write them as JSON.

    python -m relu_impls.semantics_json [--output FILE] [--dtypes float64 float32]

Runs `semantics.measure` for every variant, dtype and linker this installation
offers (JAX once per device kind it sees), so a report can show what each
release really does. `relu-bench report collect` runs it with each asv environment's Python.
"""

import argparse
import json
import platform
import sys

from . import devices
from .backend import load_backend
from .errors import ReluBenchError
from .semantics import POINT_NAMES, known_failure, measure
from .variants import VARIANTS

DTYPES = ("float64", "float32")
FORMAT_VERSION = 1


def collect(dtypes=DTYPES):
    backend = load_backend()
    rows, device_labels = [], {}
    usable = backend.linkers()
    # "py" is the reference implementation, not a subject of the benchmarks.
    for bench_linker in [n for n in devices.DEVICE_OF_LINKER if n != "py" and n.split("-")[0] in usable]:
        try:
            device_labels[bench_linker] = devices.prepare_linker(bench_linker)[1]
        except NotImplementedError as exc:  # e.g. no GPU: not a semantics of the release
            device_labels[bench_linker] = f"unavailable: {exc}"
            continue
        for dtype in dtypes:
            for name in VARIANTS:
                row = {"variant": name, "dtype": dtype, "linker": bench_linker}
                try:
                    row["values"], row["grads"] = measure(name, dtype, bench_linker)
                except (ReluBenchError, NotImplementedError) as exc:
                    row["skipped"] = str(exc)
                except Exception as exc:  # the library's own failure: report it, measure the rest
                    reason = known_failure(name, bench_linker, exc)
                    row["skipped" if reason else "error"] = reason or f"{type(exc).__name__}: {exc}"
                rows.append(row)
    return {
        "format": FORMAT_VERSION,
        "library": backend.name,
        "version": backend.version,
        "label": backend.label,
        "python": platform.python_version(),
        "points": list(POINT_NAMES),
        "devices": device_labels,
        "rows": rows,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m relu_impls.semantics_json",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--output", help="write the JSON here (default: stdout, which libraries may also print to)")
    parser.add_argument("--dtypes", nargs="+", default=list(DTYPES), choices=DTYPES)
    args = parser.parse_args(argv)
    text = json.dumps(collect(args.dtypes), indent=1)
    if args.output:
        with open(args.output, "w") as fh:
            fh.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")


if __name__ == "__main__":
    main()
