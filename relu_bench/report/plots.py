"""Plots: releases in lineage order on x, one line per variant, time as a ratio to the copy floor (log y), each
point with a bar of ±Z standard deviations of its own noise on this machine, where the noise model measured it
(relu_bench/report/noise.py): figures whose bars do not overlap are apart by its rule."""

import math

# Figure without pyplot: no GUI backend to choose, no global figure registry to close.
from matplotlib.figure import Figure
from matplotlib.ticker import FormatStrFormatter

from relu_bench.report.series import lineage, linkers_of, points_of
from relu_impls.variants import VARIANTS


def plot_all(timings, floors, out_dir, model):
    """Write one PNG per linker, shape and dtype; return [(title, file name)]."""
    out_dir.mkdir(parents=True, exist_ok=True)
    releases = lineage({t.release for t in timings})
    by_key = {(t.release, *t.series): t for t in timings}
    written = []
    for linker in linkers_of(timings):
        for shape, dtype in points_of(timings, linker):
            title = f"{linker} linker, {shape} {dtype}"
            fig = Figure(figsize=(12, 4.5))
            axes = fig.subplots(1, 2, sharey=True)
            drawn = False
            for ax, function in zip(axes, ("forward", "gradient")):
                for variant in VARIANTS:
                    xs, ys, bars = [], [], [[], []]
                    for i, release in enumerate(releases):
                        t = by_key.get((release, linker, shape, dtype, variant, function))
                        ratio = floors.ratio(t) if t else None
                        if ratio is not None:
                            xs.append(i)
                            ys.append(ratio)
                            sigma = model.sigma(t.point) or 0.0
                            bars[0].append(ratio * (1 - math.exp(-model.z * sigma)))
                            bars[1].append(ratio * (math.exp(model.z * sigma) - 1))
                    if xs:
                        ax.errorbar(xs, ys, yerr=bars, marker="o", capsize=2, label=variant)
                        drawn = True
                ax.set_title(f"{function} ({title})")
                ax.set_yscale("log")
                ax.yaxis.set_major_formatter(FormatStrFormatter("%g"))
                ax.yaxis.set_minor_formatter(FormatStrFormatter("%g"))
                ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--")
                ax.set_xticks(range(len(releases)))
                ax.set_xticklabels([r.label for r in releases], rotation=45, ha="right", fontsize=8)
                ax.grid(True, which="both", axis="y", alpha=0.3)
            axes[0].set_ylabel("time / copy floor (log)")
            if drawn:
                axes[1].legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
                name = f"{linker}-{shape}-{dtype}.png"
                fig.savefig(out_dir / name, dpi=80, bbox_inches="tight")
                written.append((title, name))
    return written
