"""MesoSim from Python: set up a case, step it, look at its fields as numpy arrays (docs/python.md).

    import mesosim
    scenario = mesosim.Scenario.from_file("scenarios/examples/single_injection.toml",
                                          overrides={"time.end": "6 h"})
    sim = mesosim.Simulation(scenario, threads=2)
    sim.advance_to("6 h")
    c = sim.concentration(sim.components[0])     # (z, y, x), kg/m^3, a read-only copy

The C++ core is mesosim._core (pybind11); this file adds the sweep's table and open_results.
"""
import json
import os

from ._core import (OutputError, Scenario, ScenarioError, Simulation, SolverError,  # noqa: F401
                    builtin_scenario_text, parse_quantity)
from . import _core

__all__ = ["Scenario", "Simulation", "ScenarioError", "OutputError", "SolverError", "sweep", "open_results",
           "parse_quantity", "Results"]

# The snapshot interval a `mesosim sweep` case runs with when its sweep file sets none
# (scenarios/sweep.cpp, case_overrides): only the first and the last time.
_SWEEP_SNAPSHOT_INTERVAL = "output.snapshot_interval=100000 d"


def _value_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else repr(value)


def sweep(base_scenario, parameters, jobs=1, threads=1):
    """Runs every combination of `parameters` ({"dotted.key": [values...]}, a full factorial
    product in key order, the first key slowest, as `mesosim sweep` orders [parameters]) on top of
    `base_scenario` in this process, `jobs` cases at once with `threads` each. Returns one row per
    case: the swept values, "status" ("ok", "invalid", "failed"), "error", and "COMPONENT:figure"
    for each figure of summary.json (and "bleb:figure" for the Darcy model) -- the figures of the
    CLI sweep's rows. A pandas DataFrame when pandas is importable, else a list of dicts."""
    keys = list(parameters)
    combinations = [[]]
    for key in keys:
        values = parameters[key]
        if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
            raise ValueError(f"sweep: the values of {key} must be a list, e.g. {{'{key}': ['2 mm', '4 mm']}}")
        combinations = [c + [(key, _value_text(v))] for c in combinations for v in values]
    cases = [[_SWEEP_SNAPSHOT_INTERVAL] + list(base_scenario.overrides) + [f"{k}={v}" for k, v in c]
             for c in combinations]
    results = _core._run_cases(base_scenario, cases, int(jobs), int(threads))
    rows = []
    for n, (combination, (status, error, figures)) in enumerate(zip(combinations, results)):
        row = {"case": f"case-{n:04d}"}
        row.update(dict(combination))
        row["status"] = status
        row["error"] = error
        for component, values in (json.loads(figures) if figures else {}).items():
            for name, value in values.items():
                if name != "name":
                    row[f"{component}:{name}"] = value
        rows.append(row)
    try:
        import pandas
    except ImportError:
        return rows
    return pandas.DataFrame(rows)


class Results:
    """A results directory read with h5py (the layout of docs/output.md): `times` (snapshot times,
    s), `components`, `field(component, n)` (snapshot n, (z, y, x), kg/m^3), `fields` (every
    snapshot of every component, loaded on first use), `series` ({"time_s": ..., component:
    {metric: array}}), `grid` and `summary` (summary.json, None for an unfinished run)."""

    def __init__(self, directory):
        import h5py
        import numpy
        self.directory = str(directory)
        path = os.path.join(self.directory, "results.h5")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{path}: no results file (run the case first: mesosim run --out {directory})")
        with h5py.File(path, "r") as f:
            self.times = f["snapshots/time_s"][()]
            self.components = [n.decode() if isinstance(n, bytes) else str(n) for n in f["components/names"][()]]
            self._keys = [n.decode() if isinstance(n, bytes) else str(n) for n in f["components/keys"][()]]
            self._groups = sorted(k for k in f["snapshots"] if k != "time_s")
            grid = f["grid"]
            self.grid = {"shape": tuple(int(v) for v in grid.attrs["dims"]),
                         "spacing": tuple(float(v) for v in grid.attrs["spacing"]),
                         "origin": tuple(float(v) for v in grid.attrs["origin"]),
                         "layer": grid["layer"][:, 0, 0].copy()}
            self.series = {"time_s": f["series/time_s"][()]}
            for name, key in zip(self.components, self._keys):
                group = f["series"][key]
                self.series[name] = {metric: group[metric][()] for metric in group}
            self.summary = json.loads(f["summary"].attrs["json"]) if "summary" in f else None
        self._numpy = numpy
        self._fields = None

    def field(self, component, n=-1):
        import h5py
        key = self._keys[self.components.index(component)]
        with h5py.File(os.path.join(self.directory, "results.h5"), "r") as f:
            return f["snapshots"][self._groups[n]][key][()]

    @property
    def fields(self):
        if self._fields is None:
            self._fields = {c: self._numpy.stack([self.field(c, n) for n in range(len(self._groups))])
                            for c in self.components}
        return self._fields


def open_results(directory):
    """The results of a run (`mesosim run` or Simulation.run(out=...)) as a Results object."""
    return Results(directory)
