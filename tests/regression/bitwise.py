#!/usr/bin/python3
"""Bitwise comparison of whole runs, for refactorings that must not change any result.

Runs the shipped examples and the built-in case at short end times (2 threads) into a folder,
then compares two such folders: every dataset and attribute of results.h5 byte for byte, ledger.csv
and metrics.csv byte for byte, and summary.json key by key, leaving out only wall-clock times and the build id.
  tests/regression/bitwise.py run MESOSIM SOURCE_DIR OUT_DIR     # record a set of runs
  tests/regression/bitwise.py compare REFERENCE_DIR NEW_DIR      # exit 1 on any difference
Needs h5py and numpy (Debian: python3-h5py), as tests/app/test_output.sh does.
"""
import json
import subprocess
import sys
from pathlib import Path

import h5py
import numpy

# name, scenario (None: the built-in case), extra arguments
CASES = [
    ("builtin", None, ["--end", "12 h", "--snapshot-interval", "2 h"]),
    ("builtin_explicit", None, ["--end", "20 min", "--cell", "400 um", "--scheme", "explicit",
                                "--output-interval", "5 min", "--snapshot-interval", "10 min"]),
    ("single_injection", "single_injection", ["--end", "12 h"]),
    ("thigh_cellulite", "thigh_cellulite", ["--end", "6 h"]),
    ("course", "course", []),
    ("face_nappage", "face_nappage", ["--end", "6 h"]),
    ("mantoux", "mantoux", ["--end", "30 min", "--snapshot-interval", "10 min"]),
]

# Wall-clock times, and the build id (it names the commit at configure time).
WALL_KEYS = {"build", "wall_time_s", "output_wall_time_s", "metrics_wall_time_s", "wall_pressure_s",
             "wall_advection_s", "wall_diffusion_reaction_s"}


def without_wall_times(tree):
    if isinstance(tree, dict):
        return {k: without_wall_times(v) for k, v in tree.items()
                if k not in WALL_KEYS and not k.startswith("wall_")}
    if isinstance(tree, list):
        return [without_wall_times(v) for v in tree]
    return tree


def run(mesosim, source, out):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, scenario, extra in CASES:
        args = [mesosim, "run"]
        if scenario:
            args.append(str(Path(source) / "scenarios" / "examples" / (scenario + ".toml")))
        args += ["--out", str(out / name), "--force", "--quiet", "--threads", "2"] + extra
        result = subprocess.run(args, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"{name}: the run failed ({result.returncode}): {result.stderr}")
        print(f"ran {name}")


def same_attributes(a, b, where, problems):
    if set(a.attrs) != set(b.attrs):
        problems.append(f"{where}: attributes {sorted(a.attrs)} vs {sorted(b.attrs)}")
        return
    for key in a.attrs:
        x, y = a.attrs[key], b.attrs[key]
        if where == "/summary" and key == "json":
            if without_wall_times(json.loads(x)) != without_wall_times(json.loads(y)):
                problems.append("/summary json differs")
        elif where == "/" and key == "build":
            continue
        elif not numpy.array_equal(numpy.asarray(x), numpy.asarray(y)):
            problems.append(f"{where}@{key} differs")


def compare_h5(path_a, path_b, problems):
    with h5py.File(path_a, "r") as a, h5py.File(path_b, "r") as b:
        names_a, names_b = [], []
        a.visit(names_a.append)
        b.visit(names_b.append)
        if names_a != names_b:
            problems.append(f"{path_b}: objects {sorted(set(names_a) ^ set(names_b))} differ")
            return
        same_attributes(a, b, "/", problems)
        for name in names_a:
            x, y = a[name], b[name]
            same_attributes(x, y, "/" + name, problems)
            if isinstance(x, h5py.Dataset):
                if x.dtype != y.dtype or x.shape != y.shape:
                    problems.append(f"/{name}: {x.dtype}{x.shape} vs {y.dtype}{y.shape}")
                elif x[()].tobytes() != y[()].tobytes():
                    problems.append(f"/{name}: values differ")


def compare(reference, new):
    problems = []
    for name, _, _ in CASES:
        a, b = Path(reference) / name, Path(new) / name
        for table in ("ledger.csv", "metrics.csv"):
            if (a / table).read_bytes() != (b / table).read_bytes():
                problems.append(f"{name}/{table} differs")
        ja = without_wall_times(json.loads((a / "summary.json").read_text()))
        jb = without_wall_times(json.loads((b / "summary.json").read_text()))
        if ja != jb:
            problems.append(f"{name}/summary.json differs")
        compare_h5(a / "results.h5", b / "results.h5", problems)
        print(f"{'same' if not problems else 'checked'} {name}")
    for p in problems:
        print("DIFFERENT", p)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
