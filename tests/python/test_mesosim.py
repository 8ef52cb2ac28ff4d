"""The mesosim Python module (python/, docs/python.md) against the C++ run and the `mesosim` CLI.

Run by CTest (label fast) as
  /usr/bin/python3 -m pytest tests/python  with PYTHONPATH=build/python, MESOSIM=build/app/mesosim,
  MESOSIM_SOURCE_DIR=the source tree
on coarse cells (1 mm, 400 um) and short ends, 2 threads.
"""
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy
import pytest

import mesosim

SOURCE = Path(os.environ.get("MESOSIM_SOURCE_DIR", Path(__file__).resolve().parents[2]))
MESOSIM = os.environ.get("MESOSIM", "mesosim")
EXAMPLES = SOURCE / "scenarios" / "examples"
sys.path.insert(0, str(SOURCE / "tests" / "regression"))
import bitwise  # noqa: E402  (the CLI's own bitwise comparison of whole runs)

QUICK = {"domain.cell": "1 mm", "time.end": "3 h"}


def quick_builtin(**more):
    return mesosim.Scenario.from_string(mesosim.builtin_scenario_text, overrides={**QUICK, **more},
                                        label="single_injection.toml")


def test_advance_to_lands_on_output_times_and_pieces_equal_one_call():
    scenario = quick_builtin()
    pieces = mesosim.Simulation(scenario, threads=2)
    assert pieces.time == 0.0
    pieces.advance_to("1 h")
    assert pieces.time == 3600.0
    pieces.advance_to(7200.0)
    assert pieces.time == 7200.0
    pieces.advance_to("3 h")
    whole = mesosim.Simulation(scenario, threads=2)
    whole.advance_to("3 h")
    assert whole.time == pieces.time == 3 * 3600.0 and whole.finished
    assert whole.n_steps == pieces.n_steps
    for name in whole.components:
        assert numpy.array_equal(whole.concentration(name), pieces.concentration(name))
    assert whole.ledger() == pieces.ledger()


def test_advance_to_the_start_gives_the_injections_due_then():
    sim = mesosim.Simulation(quick_builtin(), threads=2)
    assert not sim.concentration("lidocaine").any()  # nothing is deposited before the run starts
    sim.advance_to(0)
    assert sim.time == 0.0 and sim.concentration("lidocaine").max() == pytest.approx(10.0)  # 10 mg/mL
    assert sim.ledger()["lidocaine"]["in_tissue"] == sim.ledger()["lidocaine"]["injected"] > 0.0


def test_scenarios_builtin_and_with_overrides():
    builtin = mesosim.Scenario.builtin(cell="1 mm")
    assert builtin.name == "built-in case" and builtin.end_time == 7 * 86400.0 and builtin.file == ""
    assert builtin.components == ["lidocaine", "ascorbic acid", "albumin-sized protein"]
    shorter = quick_builtin().with_overrides({"time.end": "1 h"})
    assert shorter.end_time == 3600.0 and shorter.overrides[-1] == "time.end=1 h"
    assert mesosim.parse_quantity("6 h") == 21600.0 and mesosim.parse_quantity("3 mm", "length") == 3e-3


def test_advance_to_refuses_times_it_cannot_land_on():
    sim = mesosim.Simulation(quick_builtin(), threads=2)
    with pytest.raises(ValueError, match="not an output time"):
        sim.advance_to("90 min")
    with pytest.raises(ValueError, match="after the end"):
        sim.advance_to("4 h")
    sim.advance_to("2 h")
    with pytest.raises(ValueError, match="cannot go back"):
        sim.advance_to("1 h")
    assert sim.time == 7200.0


def test_fields_grid_ledger_and_metrics():
    sim = mesosim.Simulation(quick_builtin(), threads=2)
    assert sim.components == ["lidocaine", "ascorbic acid", "albumin-sized protein"]
    sim.advance_to("2 h")
    grid = sim.grid
    assert grid["shape"] == (6, 20, 20) and grid["spacing"] == (1e-3, 1e-3, 1e-3)
    assert list(grid["layer"]) == [2, 3, 3, 3, 3, 3]  # cell centres 0.5 mm (reticular dermis), 1.5 mm, ...
    assert grid["layer_names"][2] == "reticular dermis"
    c = sim.concentration("lidocaine")
    assert c.shape == grid["shape"] and c.dtype == numpy.float64 and not c.flags.writeable
    with pytest.raises(ValueError):
        c[0, 0, 0] = 1.0
    before = c.copy()
    sim.advance_to("3 h")  # the array is a copy: it keeps the 2 h field
    assert numpy.array_equal(c, before) and not numpy.array_equal(c, sim.concentration("lidocaine"))
    with pytest.raises(KeyError, match="choose from lidocaine"):
        sim.concentration("lidocain")
    ledger = sim.ledger()["lidocaine"]
    assert ledger["injected"] == pytest.approx(0.05e-6 * 10.0, rel=1e-12)  # 0.05 mL of 10 mg/mL, kg
    removed = ledger["to_blood"] + ledger["to_lymph"] + ledger["degraded"] + ledger["out"]
    assert ledger["in_tissue"] + removed == pytest.approx(ledger["injected"], rel=1e-9)
    metrics = sim.metrics()
    assert set(metrics) == set(sim.components)
    assert 0.0 < metrics["lidocaine"]["systemic_fraction"] < 1.0
    assert metrics["lidocaine"]["peak_kg_m3"] > 0.0
    assert sim.bleb() is None


def test_bleb_of_the_darcy_model():
    scenario = mesosim.Scenario.from_file(str(EXAMPLES / "mantoux.toml"),
                                          overrides={"domain.cell": "1 mm", "time.end": "5 min"})
    sim = mesosim.Simulation(scenario, threads=2)
    sim.advance_to("5 min")
    bleb = sim.bleb()
    # 0.1 mL in 10 s: a wheal of several mm at tens of kPa (docs/calibration.md), fluid conserved.
    assert 20e3 < bleb["max_peak_pressure_Pa"] < 200e3 and 4e-3 < bleb["max_diameter_m"] < 15e-3
    assert bleb["max_excess_volume_m3"] <= 0.1e-6 * (1 + 1e-9) and abs(bleb["max_fluid_ledger_residual"]) < 1e-12
    assert len(bleb["per_injection"]) == 1


def test_scenario_errors_carry_the_cli_message(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text((EXAMPLES / "single_injection.toml").read_text().replace('end = "7 d"', 'end = "7 kg"'))
    with pytest.raises(mesosim.ScenarioError) as error:
        mesosim.Scenario.from_file(str(bad))
    cli = subprocess.run([MESOSIM, "check", str(bad)], capture_output=True, text=True)
    assert cli.returncode == 2
    assert str(error.value) in cli.stderr and "bad.toml" in str(error.value) and "time.end" in str(error.value)
    with pytest.raises(mesosim.ScenarioError, match="did you mean"):
        mesosim.Scenario.from_file(str(EXAMPLES / "single_injection.toml"), overrides={"time.edn": "1 h"})


def test_run_writes_the_files_of_the_cli_bitwise(tmp_path):
    path = str(EXAMPLES / "single_injection.toml")
    overrides = ["domain.cell=400 um", "time.end=2 h"]
    scenario = mesosim.Scenario.from_file(path, overrides=overrides)
    mesosim.Simulation(scenario, threads=2).run(out=str(tmp_path / "py"))
    args = [MESOSIM, "run", path, "--out", str(tmp_path / "cli"), "--quiet", "--threads", "2"]
    for o in overrides:
        args += ["--set", o]
    subprocess.run(args, check=True, capture_output=True)
    for name in ["ledger.csv", "metrics.csv", "scenario.toml", "results.xmf"]:
        assert (tmp_path / "py" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    problems = []
    bitwise.compare_h5(tmp_path / "cli" / "results.h5", tmp_path / "py" / "results.h5", problems)
    summaries = [bitwise.without_wall_times(json.loads((tmp_path / d / "summary.json").read_text()))
                 for d in ("cli", "py")]
    assert problems == [] and summaries[0] == summaries[1]
    results = mesosim.open_results(tmp_path / "py")
    assert results.times[0] == 0.0 and results.times[-1] == 7200.0
    assert results.field("lidocaine").shape == (15, 50, 50)
    assert results.summary["components"][0]["name"] == "lidocaine"
    assert len(results.series["time_s"]) == 6 and "coverage" in results.series["lidocaine"]  # 0, 5, 15, 30 min, 1 h, 2 h
    # Stepped from Python without files: the CLI's last snapshot and ledger, bitwise.
    stepped = mesosim.Simulation(scenario, threads=2)
    stepped.advance_to("2 h")
    cli = mesosim.open_results(tmp_path / "cli")
    for name in stepped.components:
        assert numpy.array_equal(stepped.concentration(name), cli.field(name, -1)), name
        assert stepped.ledger()[name]["to_blood"] == cli.series[name]["to_blood_kg"][-1]
    assert list(stepped.grid["layer"]) == list(cli.grid["layer"])


def test_sweep_rows_equal_the_cli_sweep(tmp_path):
    base = SOURCE / "scenarios" / "sweeps" / "nappage_base.toml"
    sweep_file = tmp_path / "sweep.toml"
    sweep_file.write_text(f'name = "py"\nbase = "{base}"\nset = ["domain.cell=1 mm", "time.end=2 h"]\n'
                          '[parameters]\n"injections.0.spacing" = ["2 mm", "8 mm"]\n')
    subprocess.run([MESOSIM, "sweep", str(sweep_file), "--out", str(tmp_path / "cli"), "--jobs", "2", "--quiet"],
                   check=True, capture_output=True)
    scenario = mesosim.Scenario.from_file(str(base), overrides={"domain.cell": "1 mm", "time.end": "2 h"})
    rows = mesosim.sweep(scenario, {"injections.0.spacing": ["2 mm", "8 mm"]}, jobs=2)
    rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    assert [r["injections.0.spacing"] for r in rows] == ["2 mm", "8 mm"]
    for n, row in enumerate(rows):
        assert row["status"] == "ok", row["error"]
        summary = json.loads((tmp_path / "cli" / "cases" / f"case-{n:04d}" / "summary.json").read_text())
        for component in summary["components"]:
            for figure, value in component.items():
                if figure != "name":
                    assert row[component["name"] + ":" + figure] == value, (n, component["name"], figure)
    assert rows[0]["lidocaine:peak_kg_m3"] != rows[1]["lidocaine:peak_kg_m3"]


def test_ctrl_c_raises_keyboard_interrupt_and_leaves_a_usable_simulation():
    # A week on 400 um cells: over a second of stepping, interrupted after 0.2 s.
    scenario = quick_builtin(**{"domain.cell": "400 um", "time.end": "7 d"})
    sim = mesosim.Simulation(scenario, threads=2)
    timer = threading.Timer(0.2, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt, match="after a whole step"):
        sim.advance_to("7 d")
    timer.join()
    assert 0.0 < sim.time < 7 * 86400.0 and not sim.finished
    # It continues where it stopped, with the steps of an uninterrupted run.
    next_output = min(t for t in sim.output_times if t > sim.time)
    sim.advance_to(next_output)
    whole = mesosim.Simulation(scenario, threads=2)
    whole.advance_to(next_output)
    assert sim.time == whole.time == next_output and sim.n_steps == whole.n_steps
    for name in sim.components:
        assert numpy.array_equal(sim.concentration(name), whole.concentration(name))


def test_spacing_example_saves_its_figure(tmp_path):
    out = tmp_path / "spacing.png"
    result = subprocess.run([sys.executable, str(SOURCE / "examples" / "spacing.py"), "--out", str(out),
                             "--end", "2 h"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 10000 and result.stdout.count("max coverage") == 3


def test_ctrl_c_during_run_checkpoints_like_the_cli(tmp_path):
    scenario = quick_builtin(**{"domain.cell": "400 um", "time.end": "7 d"})
    sim = mesosim.Simulation(scenario, threads=2)
    timer = threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    with pytest.raises(KeyboardInterrupt, match="mesosim run --resume"):
        sim.run(out=str(tmp_path / "run"))
    timer.join()
    assert (tmp_path / "run" / "checkpoint.h5").exists() and not (tmp_path / "run" / "summary.json").exists()
    with pytest.raises(RuntimeError, match="new one"):
        sim.advance_to("1 h")
    resumed = subprocess.run([MESOSIM, "run", "--resume", str(tmp_path / "run"), "--quiet"], capture_output=True,
                             text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((tmp_path / "run" / "summary.json").read_text())["run"]["end_time_s"] == 7 * 86400.0


def test_advance_to_releases_the_gil():
    sim = mesosim.Simulation(quick_builtin(**{"domain.cell": "400 um", "time.end": "2 d"}), threads=2)
    count, done = [0], threading.Event()

    def counting():
        while not done.is_set():
            count[0] += 1

    thread = threading.Thread(target=counting)
    thread.start()
    before = count[0]
    sim.advance_to("2 d")  # with the GIL held, the other thread could not count meanwhile
    during = count[0] - before
    done.set()
    thread.join()
    assert sim.finished and during > 1000
