#!/usr/bin/env python3
"""Checks the pictures `mesosim render` wrote, using only numpy and matplotlib's PNG reader.

    /usr/bin/python3 check_render.py RENDER_DIR WIDTH HEIGHT RESULTS_H5

- every frame and plot has the requested size and is not blank (many colours in the plot area);
- the colour bar holds viridis: pixels up its middle column are viridis colours whose index rises
  monotonically from the bottom (low) end to the top (high) end;
- in the first cross-section and top-view frames (t = 0, when the injected cocktail sits at its
  full concentration around the needle tip), the pixel at the injection tip is at the hot end;
- the colour range in render.json is the largest value in the results file (fixed across frames).
Prints one line per check, exits 1 if any fails.
"""
import json
import os
import sys

import h5py
import matplotlib
import matplotlib.image as mpimg
import numpy as np

render_dir, width, height, results_h5 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
viridis = (matplotlib.colormaps["viridis"](np.linspace(0, 1, 256))[:, :3] * 255).round()
failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    failures += 0 if ok else 1


def load(name):
    image = mpimg.imread(os.path.join(render_dir, name))
    return (image[:, :, :3] * 255).round()


def viridis_index(rgb):
    """Nearest viridis entry and its distance (0..255 per channel, max over channels)."""
    distance = np.abs(viridis - rgb).max(axis=1)
    index = int(distance.argmin())
    return index, float(distance[index])


record = json.load(open(os.path.join(render_dir, "render.json")))
frames = record["frames"]
check(len(frames) > 0, "render.json lists %d frames" % len(frames))
for name in [f["file"] for f in frames] + record.get("plots", []):
    image = load(name)
    check(image.shape[:2] == (height, width), "%s is %dx%d" % (name, image.shape[1], image.shape[0]))
    colours = len(np.unique(image.reshape(-1, 3), axis=0))
    check(colours > 30, "%s is not blank (%d colours)" % (name, colours))

for frame in [f for f in frames if f["view"] in ("section", "top")][:2]:
    image = load(frame["file"])
    x, y, w, h = frame["bar"]
    column = image[y + 1:y + h - 1, x + w // 2][::-1]  # bottom (low) to top (high)
    found = [viridis_index(rgb) for rgb in column]
    indices = [i for i, _ in found]
    worst = max(d for _, d in found)
    check(worst <= 2.0, "%s: colour bar pixels are viridis colours (worst distance %.1f/255)" % (frame["file"], worst))
    check(all(b >= a for a, b in zip(indices, indices[1:])) and indices[0] <= 3 and indices[-1] >= 252,
          "%s: colour bar runs monotonically through viridis, index %d to %d" % (frame["file"], indices[0], indices[-1]))

with h5py.File(results_h5, "r") as f:
    tip = (f["injections/x_m"][0], f["injections/y_m"][0], f["injections/depth_m"][0])
    length_y = f["grid"].attrs["dims"][1] * f["grid"].attrs["spacing"][1]
    names = [n.decode() if isinstance(n, bytes) else n for n in f["components/names"][()]]
    keys = [k.decode() if isinstance(k, bytes) else k for k in f["components/keys"][()]]
    key = keys[names.index(record["component"])]
    peak = max(f["snapshots/%06d/%s" % (n, key)][()].max() for n in range(len(f["snapshots/time_s"])))
check(abs(record["scale"]["high_mg_per_mL"] - peak) <= 1e-12 * peak,
      "colour range top %.6g = largest value in the results %.6g" % (record["scale"]["high_mg_per_mL"], peak))
for view in ("section", "top"):
    first = [f for f in frames if f["view"] == view and f["snapshot"] == 0]
    if not first:
        check(False, "a %s frame of snapshot 0" % view)
        continue
    frame = first[0]
    px, py, _, _ = frame["plot"]
    scale = frame["pixels_per_m"]
    u, v = (tip[0], tip[2]) if view == "section" else (tip[0], length_y - tip[1])
    column, row = int(px + u * scale), int(py + v * scale)
    index, distance = viridis_index(load(frame["file"])[row, column])
    check(index >= 250 and distance <= 2.0,
          "%s: the injection tip pixel (%d, %d) is at the hot end (viridis index %d)" % (frame["file"], column, row, index))
sys.exit(1 if failures else 0)
