#!/usr/bin/python3
"""Three nappage spacings side by side, from Python: each case is set up, run in this process and
looked at as numpy arrays, with no results files (docs/python.md).

Plots the lidocaine at the end of the run in the plane of the injections (depth 1 mm) for each
spacing, and prints the coverage figures of summary.json; saves the figure as SPACING_PNG.
  PYTHONPATH=build/python /usr/bin/python3 examples/spacing.py [--out spacing.png] [--cell "1 mm"] [--end "12 h"]
Needs matplotlib (Debian: python3-matplotlib).
"""
import argparse
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy  # noqa: E402

import mesosim  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BASE = os.path.join(HERE, "..", "scenarios", "sweeps", "nappage_base.toml")
SPACINGS = ["2 mm", "4 mm", "8 mm"]
COMPONENT = "lidocaine"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="spacing.png")
    parser.add_argument("--cell", default="1 mm")
    parser.add_argument("--end", default="12 h")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    fig, axes = plt.subplots(1, len(SPACINGS), figsize=(4.2 * len(SPACINGS), 4.2), constrained_layout=True)
    fields = []
    for spacing in SPACINGS:
        scenario = mesosim.Scenario.from_file(BASE, overrides={"domain.cell": args.cell, "time.end": args.end,
                                                               "injections.0.spacing": spacing})
        sim = mesosim.Simulation(scenario, threads=args.threads)
        sim.advance_to(scenario.end_time)
        grid = sim.grid
        dz = grid["spacing"][0]
        k = min(int(1e-3 / dz), grid["shape"][0] - 1)  # the cell holding 1 mm depth
        figures = sim.metrics()[COMPONENT]
        print(f"spacing {spacing}: max coverage {100 * figures['max_coverage']:.1f} %, "
              f"peak {figures['peak_kg_m3']:.3g} mg/mL, systemic {100 * figures['systemic_fraction']:.1f} %, "
              f"{sim.n_steps} steps")
        fields.append((spacing, sim.concentration(COMPONENT)[k], grid, figures))
    top = max(f[1].max() for f in fields)
    for ax, (spacing, plane, grid, figures) in zip(axes, fields):
        ny, nx = plane.shape
        extent = [0, nx * grid["spacing"][2] * 1e3, 0, ny * grid["spacing"][1] * 1e3]
        image = ax.imshow(plane, origin="lower", extent=extent, vmin=0, vmax=top, cmap="viridis")
        ax.set_title(f"spacing {spacing}: peak {figures['peak_kg_m3']:.3g} mg/mL, "
                     f"coverage {100 * figures['max_coverage']:.0f} %", fontsize=10)
        ax.set_xlabel("x (mm)")
        ax.set_ylabel("y (mm)")
    fig.colorbar(image, ax=axes, label=f"{COMPONENT} at 1 mm depth, {args.end} (mg/mL)", shrink=0.85)
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")
    assert numpy.isfinite(top)


if __name__ == "__main__":
    main()
