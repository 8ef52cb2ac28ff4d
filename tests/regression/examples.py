#!/usr/bin/python3
"""Every example scenario is also a quick regression test.

Each example runs (shortened where it is long) and named fields of its summary.json are compared
with the stored values in tests/regression/expected/NAME.json, each at the tolerance stored next
to it: {"field": {"expected": value, "tolerance": absolute}}. A null (e.g. a half-life not
reached) must stay null. Fields are addressed as run.rejected_steps, bleb.max_diameter_m,
components.NAME.in_tissue_fraction, bleb.per_injection.0.diameter_m. The component fields must be
run figures of the metric table (`mesosim describe metrics --json`).
A real change of results updates the stored files on purpose (tolerances are kept):
  tests/regression/examples.py MESOSIM SOURCE_DIR --update
Usage: examples.py PATH_TO_MESOSIM PATH_TO_SOURCE_TREE [--update]
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

# name: extra arguments of `mesosim run scenarios/examples/NAME.toml`
CASES = {
    "single_injection": ["--end", "12 h"],
    "thigh_cellulite": ["--end", "6 h"],
    "course": [],
    "face_nappage": ["--end", "6 h"],
    "mantoux": ["--end", "30 min"],
}

# Tolerances for new fields (--update), absolute, in the summary's SI units: fractions to 0.02
# percentage points (the fluid fraction too), times to 0.02 h (72 s), concentrations to 1e-4 kg/m^3 (= mg/mL), lengths to
# 10 um, volumes to 1e-12 m^3 (1 nL), pressures to 0.5 Pa, ledger residuals and injected mass to
# round-off; the snapshot count exactly.
COMPONENT_FIELDS = {
    "in_tissue_fraction": 2e-4, "systemic_fraction": 2e-4, "lymph_fraction": 2e-4, "degraded_fraction": 2e-4,
    "out_of_box_fraction": 2e-4, "max_coverage": 2e-4, "final_uniformity_cv": 2e-4,
    "residence_half_life_s": 72.0, "time_above_threshold_s": 72.0, "coverage_time_s": 72.0,
    "time_half_covered_s": 72.0, "peak_kg_m3": 1e-4, "injected_kg": 1e-12, "ledger_residual": 1e-12,
}
BLEB_FIELDS = {
    "max_excess_volume_m3": 1e-12, "max_diameter_m": 1e-5, "max_thickness_m": 1e-5, "max_surface_elevation_m": 1e-5,
    "max_peak_pressure_Pa": 0.5, "excess_volume_half_life_s": 72.0, "fluid_at_rest_s": 72.0,
    "released_volume_m3": 1e-12, "max_fluid_ledger_residual": 1e-12, "max_fluid_fraction": 2e-4,
}
PER_INJECTION_FIELDS = {
    "end_time_s": 1e-9, "excess_volume_m3": 1e-12, "diameter_m": 1e-5, "thickness_m": 1e-5, "peak_pressure_Pa": 0.5,
}
RUN_FIELDS = {"end_time_s": 1e-9, "snapshots": 0}


def lookup(summary, field):
    """The value of a dotted field; a component is named by its name, a list entry by its index."""
    node = summary
    for part in field.split("."):
        if isinstance(node, list):
            by_name = [entry for entry in node if isinstance(entry, dict) and entry.get("name") == part]
            node = by_name[0] if by_name else node[int(part)]
        else:
            node = node[part]
    return node


def fields_of(summary):
    """The fields a new expected file holds, with their tolerances."""
    chosen = {f"run.{key}": tol for key, tol in RUN_FIELDS.items()}
    for component in summary["components"]:
        chosen.update({f"components.{component['name']}.{key}": tol for key, tol in COMPONENT_FIELDS.items()})
    if "bleb" in summary:
        chosen.update({f"bleb.{key}": tol for key, tol in BLEB_FIELDS.items()})
        for n in range(len(summary["bleb"]["per_injection"])):
            chosen.update({f"bleb.per_injection.{n}.{key}": tol for key, tol in PER_INJECTION_FIELDS.items()})
    return chosen


def differences(expected, summary):
    problems = []
    for field, entry in expected.items():
        try:
            got = lookup(summary, field)
        except (KeyError, IndexError, ValueError):
            problems.append(f"{field}: missing from summary.json")
            continue
        want, tolerance = entry["expected"], entry["tolerance"]
        if want is None or got is None:
            if want is not got:
                problems.append(f"{field}: {got} vs stored {want}")
        elif abs(got - want) > tolerance:
            problems.append(f"{field}: {got} vs stored {want} (tolerance {tolerance})")
    return problems


def figures_not_in_metric_table(mesosim):
    """COMPONENT_FIELDS keys that `mesosim describe metrics --json` does not list as run figures."""
    table = json.loads(subprocess.run([mesosim, "describe", "metrics", "--json"], capture_output=True, text=True,
                                      check=True).stdout)
    figures = {figure["key"] for figure in table["figures"]}
    return sorted(set(COMPONENT_FIELDS) - figures)


def main(mesosim, source, update):
    source = Path(source)
    failures = 0
    unknown = figures_not_in_metric_table(mesosim)
    if unknown:
        print(f"FAIL COMPONENT_FIELDS names figures the metric table (models/metric_table.cpp) lacks: {unknown}")
        failures += 1
    with tempfile.TemporaryDirectory() as work:
        for name, extra in CASES.items():
            out = Path(work) / name
            args = [mesosim, "run", str(source / "scenarios" / "examples" / f"{name}.toml"), "--out", str(out),
                    "--quiet"] + extra
            result = subprocess.run(args, capture_output=True, text=True)
            if result.returncode != 0:
                print(f"FAIL {name}: the run failed ({result.returncode})\n{result.stdout}{result.stderr}")
                failures += 1
                continue
            summary = json.loads((out / "summary.json").read_text())
            stored = source / "tests" / "regression" / "expected" / f"{name}.json"
            if update:
                old = json.loads(stored.read_text()) if stored.exists() else {}
                new = {field: {"expected": lookup(summary, field),
                               "tolerance": old.get(field, {}).get("tolerance", tolerance)}
                       for field, tolerance in fields_of(summary).items()}
                lines = [f"  {json.dumps(field)}: {json.dumps(entry)}" for field, entry in new.items()]
                stored.write_text("{\n" + ",\n".join(lines) + "\n}\n")
                print(f"updated {stored}")
                continue
            problems = differences(json.loads(stored.read_text()), summary)
            print(f"{'FAIL' if problems else 'ok  '} {name}")
            for problem in problems:
                print(f"    {problem}")
            failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or (len(sys.argv) == 4 and sys.argv[3] != "--update"):
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], len(sys.argv) == 4))
