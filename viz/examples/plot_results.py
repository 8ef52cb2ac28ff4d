#!/usr/bin/env python3
"""Plot a MesoSim run from its results.h5 with h5py and matplotlib only (no MesoSim code).

    /usr/bin/python3 viz/examples/plot_results.py RESULTS_DIR [--component NAME] [--out DIR]

Writes DIR/ledger.png (where each component's injected mass is over time: in tissue, to blood, to
lymph, degraded, out through the box sides) and DIR/depth_profile.png (concentration of one
component along the vertical line under the first injection, at every snapshot). DIR defaults to
RESULTS_DIR. On Debian the packages are python3-h5py and python3-matplotlib; use /usr/bin/python3.
"""
import argparse
import os

import h5py
import matplotlib

matplotlib.use("Agg")  # no display needed
import matplotlib.pyplot as plt
import numpy as np


def text(value):
    """HDF5 fixed-length strings come back as bytes."""
    return value.decode() if isinstance(value, bytes) else str(value)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", help="a run's output directory (holding results.h5)")
    parser.add_argument("--component", help="component name for the depth profile (default: the first)")
    parser.add_argument("--out", help="where to write the PNGs (default: the results directory)")
    args = parser.parse_args()
    out = args.out or args.results
    os.makedirs(out, exist_ok=True)

    with h5py.File(os.path.join(args.results, "results.h5"), "r") as f:
        names = [text(n) for n in f["components/names"][()]]
        keys = [text(k) for k in f["components/keys"][()]]
        title = text(f.attrs["scenario_name"])

        # 1. Mass ledger over time, fractions of the injected mass, one panel per component.
        days = f["series/time_s"][()] / 86400.0
        fig, axes = plt.subplots(1, len(keys), figsize=(4.2 * len(keys), 3.6), squeeze=False)
        for ax, name, key in zip(axes[0], names, keys):
            series = f["series"][key]
            for column, label in [("in_tissue", "in tissue"), ("to_blood", "to blood (systemic)"),
                                  ("to_lymph", "to lymph"), ("degraded", "degraded"),
                                  ("out_of_box", "out of the box")]:
                ax.plot(days, 100 * series[column][()], label=label)
            ax.set_title(name)
            ax.set_xlabel("time (days)")
            ax.set_ylabel("% of injected mass")
            ax.set_ylim(0, 100)
            ax.grid(alpha=0.3)
        axes[0][0].legend(fontsize=8)
        fig.suptitle(title + ": where the injected mass is")
        fig.tight_layout()
        fig.savefig(os.path.join(out, "ledger.png"), dpi=100)
        plt.close(fig)

        # 2. Depth profile under the first injection at every snapshot.
        component = args.component or names[0]
        if component not in names:
            raise SystemExit("no component %r; the file has %s" % (component, ", ".join(names)))
        key = keys[names.index(component)]
        nz, ny, nx = f["grid"].attrs["dims"]
        hz, hy, hx = f["grid"].attrs["spacing"]
        i = min(int(f["injections/x_m"][0] / hx), nx - 1)
        j = min(int(f["injections/y_m"][0] / hy), ny - 1)
        depth_mm = (np.arange(nz) + 0.5) * hz * 1e3
        times = f["snapshots/time_s"][()]
        fig, ax = plt.subplots(figsize=(5.5, 4.2))
        colours = plt.cm.viridis(np.linspace(0, 1, len(times)))
        for n, (t, colour) in enumerate(zip(times, colours)):
            profile = f["snapshots/%06d/%s" % (n, key)][:, j, i]
            ax.semilogx(np.maximum(profile, 1e-12), depth_mm, color=colour, label="%.1f d" % (t / 86400.0))
        tops = f["tissue/layer_top_m"][()] * 1e3
        for top, layer in zip(tops, f["tissue/layer_names"][()]):
            ax.axhline(top, color="grey", lw=0.6)
            ax.text(ax.get_xlim()[0], top, " " + text(layer), va="top", fontsize=7, color="grey")
        ax.invert_yaxis()
        ax.set_xlabel("%s concentration (mg/mL)" % component)
        ax.set_ylabel("depth (mm)")
        ax.set_title("under the first injection")
        if len(times) <= 12:
            ax.legend(fontsize=7)
        fig.tight_layout()
        fig.savefig(os.path.join(out, "depth_profile.png"), dpi=100)
        plt.close(fig)
    print("wrote %s and %s" % (os.path.join(out, "ledger.png"), os.path.join(out, "depth_profile.png")))


if __name__ == "__main__":
    main()
