// The `mesosim._core` extension (pybind11): scenarios and the library-level Simulation
// (simulation/simulation.hpp) for Python, stepped from a notebook like openmc.lib. Arrays handed
// out are copies (they stay valid whatever the run does next); advance_to and run release the GIL
// and turn SIGINT into a stop after a whole step, then KeyboardInterrupt. The pure-Python parts
// (sweep's DataFrame, open_results) are in python/mesosim/__init__.py; docs/python.md is the guide.
#include <omp.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <csignal>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/builtin_scenario.hpp"
#include "app/run.hpp"
#include "models/metrics.hpp"
#include "scenarios/units.hpp"
#include "simulation/simulation.hpp"
#include "simulation/summary_writer.hpp"
#include "solver/error.hpp"
#include "solver/transport_state.hpp"

namespace py = pybind11;
using json = nlohmann::json;

namespace mesosim {
namespace {

/// A resolved scenario and how it was made (the run options and source text `mesosim run` would
/// use), so that Simulation.run(out=...) writes what the command writes.
struct PyScenario {
  RunOptions options;
  std::string source;
  Scenario scenario;

  static PyScenario resolve(RunOptions options, std::string source) {
    PyScenario s;
    s.scenario = resolve_scenario(options, &source);
    s.options = std::move(options);
    s.source = std::move(source);
    return s;
  }
};

/// "key=value" from a Python value: strings as written ("3 mm"), booleans as true/false,
/// numbers by their shortest repr.
std::string override_value(const py::handle& value) {
  if (py::isinstance<py::bool_>(value)) return value.cast<bool>() ? "true" : "false";
  if (py::isinstance<py::str>(value)) return value.cast<std::string>();
  return py::repr(value).cast<std::string>();
}

std::vector<std::string> overrides_of(const py::object& overrides) {
  std::vector<std::string> out;
  if (overrides.is_none()) return out;
  if (py::isinstance<py::dict>(overrides)) {
    for (const auto& [key, value] : overrides.cast<py::dict>())
      out.push_back(key.cast<std::string>() + "=" + override_value(value));
    return out;
  }
  for (const py::handle& item : overrides) out.push_back(item.cast<std::string>());  // "key=value" strings
  return out;
}

/// Seconds from a float (s) or a string with a unit ("6 h").
double seconds_of(const py::object& t, const char* what) {
  if (py::isinstance<py::str>(t)) return parse_quantity(what, t.cast<std::string>(), Dimension::of_time());
  return t.cast<double>();
}

py::object from_json(const json& value) { return py::module_::import("json").attr("loads")(value.dump()); }

std::atomic<Simulation*> interrupted_sim{nullptr};
std::atomic<bool> interrupted{false};
extern "C" void on_sigint(int) {
  interrupted.store(true);
  if (Simulation* sim = interrupted_sim.load()) sim->request_stop();
}

/// While alive (GIL released, C++ stepping): SIGINT asks `sim` to stop after the current step.
/// Only on Python's main thread, where Python itself receives SIGINT.
class SigintStops {
 public:
  explicit SigintStops(Simulation& sim, bool main_thread) : active_(main_thread) {
    if (!active_) return;
    interrupted.store(false);
    interrupted_sim.store(&sim);
    struct sigaction action {};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_);
  }
  ~SigintStops() {
    if (!active_) return;
    sigaction(SIGINT, &old_, nullptr);
    interrupted_sim.store(nullptr);
  }
  SigintStops(const SigintStops&) = delete;
  SigintStops& operator=(const SigintStops&) = delete;

 private:
  bool active_;
  struct sigaction old_ {};
};

bool on_main_thread() {
  return py::module_::import("threading").attr("current_thread")().is(
      py::module_::import("threading").attr("main_thread")());
}

/// The figures of summary.json for a finished or running simulation: one dict per component
/// (and "bleb" for the Darcy model).
json summary_figures(const Simulation& sim, const SummaryWriter& summary) {
  json out = json::object();
  for (int c = 0; c < sim.transport().n_components(); ++c) out[sim.transport().component(c).name] = summary.figures(sim, c);
  return out;
}

json bleb_figures(const Simulation& sim) {
  json report;
  std::ostringstream text;
  sim.injection_model().add_summary(sim.state(), report, text);
  return report.contains("bleb") ? report["bleb"] : json();
}

int default_threads = 1;  // OMP_NUM_THREADS or the cores, at import

class PySimulation {
 public:
  PySimulation(const PyScenario& scenario, int threads)
      : scenario_(scenario), threads_(threads) {
    if (threads < 0) throw InputError("threads must be >= 1 (or 0 for OMP_NUM_THREADS / all cores)");
    use_threads();
    sim_ = std::make_unique<Simulation>(scenario_.scenario);
    summary_ = std::make_unique<SummaryWriter>("", "", "", sim_->transport().n_components());
    sim_->add_observer(*summary_);
  }

  /// Advances to output time t (s) exactly; see docs/python.md for why only output times.
  void advance_to(double t) {
    if (ran_) throw std::runtime_error("this Simulation was run with run(out=...): make a new one");
    if (!(t <= sim_->end_time() * (1 + 1e-12)))
      throw py::value_error("advance_to(" + format_day_time(t) + "): after the end of the run (" +
                            format_day_time(sim_->end_time()) + "); set time.end in the scenario");
    if (t < sim_->time() * (1 - 1e-12))
      throw py::value_error("advance_to(" + format_day_time(t) + "): the run is at " +
                            format_day_time(sim_->time()) + " already and cannot go back");
    const long n = output_index(t);
    if (n < 0) {
      long after = 1;
      while (after < sim_->n_outputs() && sim_->output_time(after) < t) ++after;
      char times[128];
      std::snprintf(times, sizeof times, "%g s and %g s", sim_->output_time(after - 1), sim_->output_time(after));
      throw py::value_error("advance_to(" + std::to_string(t) + " s): not an output time of the run (the nearest are " +
                            times + "); the run pauses only at output times: choose one, or set time.output_interval");
    }
    started_ = true;
    const double target = sim_->output_time(n);
    bool done = false;
    {
      const bool main = on_main_thread();
      py::gil_scoped_release release;
      SigintStops stops(*sim_, main);
      use_threads();
      done = sim_->advance_to(target);
    }
    // A SIGINT just after the last step still counts (and must not leave the stop flag raised).
    const bool by_sigint = interrupted.exchange(false);
    if (by_sigint || !done) {
      sim_->clear_stop();
      if (by_sigint) keyboard_interrupt(sim_->time());
      throw std::runtime_error("the run stopped early at " + format_day_time(sim_->time()));
    }
  }

  /// Writes every file of `mesosim run` into `out` by running a fresh simulation to its end.
  void run(const std::string& out, bool force, bool quiet, bool float32) {
    if (started_ || ran_)
      throw std::runtime_error("run(out=...) writes a whole run from its start: call it on a new Simulation "
                               "(this one has been advanced)");
    RunOptions options = scenario_.options;
    options.out = out;
    options.force = force;
    options.quiet = quiet;
    options.float32 = float32;
    options.threads = threads_;
    ran_ = true;
    int code = 0;
    {
      py::gil_scoped_release release;
      use_threads();
      code = mesosim::run(*sim_, options, scenario_.source);
    }
    if (code == 130 || code == 143)
      keyboard_interrupt(sim_->time(), "; the results so far (and a checkpoint, if the fluid was at rest) are in " +
                                           out + " (continue with: mesosim run --resume " + out + ")");
  }

  double time() const { return sim_->time(); }
  double end_time() const { return sim_->end_time(); }
  bool finished() const { return sim_->finished(); }

  std::vector<std::string> components() const {
    std::vector<std::string> names;
    for (int c = 0; c < sim_->transport().n_components(); ++c) names.push_back(sim_->transport().component(c).name);
    return names;
  }

  int component_index(const std::string& name) const {
    const std::vector<std::string> names = components();
    const auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) {
      std::string known;
      for (const std::string& n : names) known.append(known.empty() ? "" : ", ").append(n);
      throw py::key_error("no component '" + name + "' in this scenario; choose from " + known);
    }
    return int(found - names.begin());
  }

  /// A copy, (z, y, x), kg/m^3 of mobile fluid, read-only.
  py::array_t<double> concentration(const std::string& name) const {
    const int c = component_index(name);
    const TransportModel& model = sim_->transport();
    const Grid& g = model.grid();
    py::array_t<double> out(std::vector<py::ssize_t>{g.nz, g.ny, g.nx});
    double* data = out.mutable_data();
    const double* u = sim_->state().u.component(c);
    const std::vector<double>& partition = model.coefficients(c).partition;  // c = P u, per depth (as results.h5)
    const std::size_t plane = g.plane_size();
    for (int k = 0; k < g.nz; ++k) {
      const std::size_t offset = std::size_t(k) * plane;
      for (std::size_t n = 0; n < plane; ++n) data[offset + n] = partition[std::size_t(k)] * u[offset + n];
    }
    out.attr("flags").attr("writeable") = false;
    return out;
  }

  py::dict grid() const {
    const TransportModel& model = sim_->transport();
    const Grid& g = model.grid();
    py::array_t<int> layer(py::ssize_t(g.nz));
    for (int k = 0; k < g.nz; ++k) layer.mutable_data()[k] = int(model.layer_of_cell(k));
    layer.attr("flags").attr("writeable") = false;
    std::vector<std::string> names;
    for (const Layer& l : sim_->scenario().tissue.layers) names.push_back(l.name);
    py::dict d;
    d["shape"] = py::make_tuple(g.nz, g.ny, g.nx);
    d["spacing"] = py::make_tuple(g.hz, g.hx, g.hx);
    d["origin"] = py::make_tuple(0.0, 0.0, 0.0);
    d["layer"] = layer;
    d["layer_names"] = names;
    d["axis_order"] = "zyx";
    d["units"] = "m";
    return d;
  }

  py::dict ledger() const {
    py::dict out;
    const TransportModel& model = sim_->transport();
    const TransportState& state = sim_->state();
    for (int c = 0; c < model.n_components(); ++c) {
      const MassLedger& l = state.ledger[c];
      py::dict d;
      d["injected"] = l.injected;
      d["in_tissue"] = sim_->injection_model().mass_in_fluid(state, c) + mass_bound(model, state, c);
      d["to_blood"] = l.to_blood;
      d["to_lymph"] = l.to_lymph;
      d["degraded"] = l.degraded;
      d["out"] = l.through_sides();
      d["residual"] = sim_->injection_model().ledger_residual(state, c);
      out[py::str(model.component(c).name)] = d;
    }
    return out;
  }

  py::object metrics() const { return from_json(summary_figures(*sim_, *summary_)); }
  py::object bleb() const { return from_json(bleb_figures(*sim_)); }

  std::vector<double> output_times() const {
    std::vector<double> times;
    for (long n = 0; n <= sim_->n_outputs(); ++n) times.push_back(sim_->output_time(n));
    return times;
  }
  long n_steps() const { return sim_->state().n_steps; }

 private:
  [[noreturn]] static void keyboard_interrupt(double t, const std::string& more = "") {
    PyErr_SetString(PyExc_KeyboardInterrupt, ("stopped at " + format_day_time(t) + " after a whole step" + more).c_str());
    throw py::error_already_set();
  }
  /// The calling thread's OpenMP team size: `threads`, or what it was when the module was loaded.
  void use_threads() const { omp_set_num_threads(threads_ > 0 ? threads_ : default_threads); }
  long output_index(double t) const {
    for (long n = 0; n <= sim_->n_outputs(); ++n) {
      const double time = sim_->output_time(n);
      if (std::abs(time - t) <= 1e-9 * std::max(1.0, std::abs(time))) return n;
    }
    return -1;
  }

  PyScenario scenario_;
  int threads_;
  std::unique_ptr<Simulation> sim_;
  std::unique_ptr<SummaryWriter> summary_;
  bool started_ = false, ran_ = false;
};

/// One sweep case run in-process to its end: its summary figures as JSON text, or the error.
struct CaseResult {
  std::string figures;  ///< JSON: {component: {...}, "bleb": {...}} when ok
  std::string status = "ok";
  std::string error;
};

CaseResult run_case(const PyScenario& base, const std::vector<std::string>& extra, int threads) {
  CaseResult result;
  try {
    RunOptions options = base.options;
    options.overrides = extra;
    std::string source = base.source;
    if (options.scenario.empty()) throw InputError("sweep: the base scenario must be a file or text, not the built-in case "
                                                   "(use Scenario.from_string(text) of its file)");
    const Scenario scenario = resolve_scenario(options, &source);
    omp_set_num_threads(threads > 0 ? threads : default_threads);
    Simulation sim(scenario);
    SummaryWriter summary("", "", "", sim.transport().n_components());
    sim.add_observer(summary);
    sim.run();
    json figures = summary_figures(sim, summary);
    const json bleb = bleb_figures(sim);
    if (!bleb.is_null()) figures["bleb"] = bleb;
    result.figures = figures.dump();
  } catch (const InputError& e) {
    result.status = "invalid";
    result.error = e.what();
  } catch (const std::exception& e) {
    result.status = "failed";
    result.error = e.what();
  }
  return result;
}

/// Every case (overrides added to the base's), `jobs` at once on threads of this process.
std::vector<CaseResult> run_cases(const PyScenario& base, const std::vector<std::vector<std::string>>& cases, int jobs,
                                  int threads) {
  std::vector<CaseResult> results(cases.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t n = next++; n < cases.size(); n = next++) results[n] = run_case(base, cases[n], threads);
  };
  py::gil_scoped_release release;
  std::vector<std::thread> workers;
  for (int w = 1; w < std::max(1, jobs); ++w) workers.emplace_back(worker);
  worker();
  for (std::thread& w : workers) w.join();
  return results;
}

}  // namespace
}  // namespace mesosim

PYBIND11_MODULE(_core, m) {
  using namespace mesosim;
  default_threads = omp_get_max_threads();
  m.doc() = "MesoSim's C++ core: scenarios and the step-wise Simulation (see docs/python.md)";
  py::register_exception<InputError>(m, "ScenarioError", PyExc_ValueError);
  py::register_exception<OutputError>(m, "OutputError", PyExc_OSError);
  py::register_exception<SolverError>(m, "SolverError", PyExc_RuntimeError);

  py::class_<PyScenario>(m, "Scenario", "A scenario file resolved into SI parameters (every key checked).")
      .def_static(
          "from_file",
          [](const std::string& path, const py::object& overrides) {
            RunOptions options;
            options.scenario = path;
            options.overrides = overrides_of(overrides);
            return PyScenario::resolve(options, "");
          },
          py::arg("path"), py::arg("overrides") = py::none(),
          "Reads a scenario file; overrides: {\"dotted.key\": value} (or [\"key=value\"]) like --set.")
      .def_static(
          "from_string",
          [](const std::string& text, const py::object& overrides, const std::string& label) {
            if (text.empty()) throw InputError(label + ": the scenario text is empty");
            RunOptions options;
            options.scenario = label;
            options.overrides = overrides_of(overrides);
            return PyScenario::resolve(options, text);
          },
          py::arg("text"), py::arg("overrides") = py::none(), py::arg("label") = "<string>",
          "Reads scenario text (TOML); `label` names it in messages and results.")
      .def_static(
          "builtin",
          [](const std::string& cell) {
            RunOptions options;
            options.cell = cell;
            return PyScenario::resolve(options, "");
          },
          py::arg("cell") = "200 um", "The built-in case of `mesosim run` (single_injection.toml) on cells of `cell`.")
      .def_property_readonly("name", [](const PyScenario& s) { return s.scenario.name; })
      .def_property_readonly("file", [](const PyScenario& s) { return s.options.scenario; })
      .def_property_readonly("source", [](const PyScenario& s) { return s.source; })
      .def_property_readonly("overrides", [](const PyScenario& s) { return s.options.overrides; })
      .def_property_readonly("end_time", [](const PyScenario& s) { return s.scenario.end_time; })
      .def_property_readonly("components", [](const PyScenario& s) {
        std::vector<std::string> names;
        for (const Component& c : s.scenario.components) names.push_back(c.name);
        return names;
      })
      .def("with_overrides",
           [](const PyScenario& s, const py::object& overrides) {
             RunOptions options = s.options;
             for (const std::string& o : overrides_of(overrides)) options.overrides.push_back(o);
             return PyScenario::resolve(options, s.options.scenario.empty() ? "" : s.source);
           },
           py::arg("overrides"), "A new scenario: these overrides after this one's.")
      .def("__repr__", [](const PyScenario& s) {
        return "<mesosim.Scenario '" + s.scenario.name + "' from " +
               (s.options.scenario.empty() ? std::string("the built-in case") : s.options.scenario) + ">";
      });

  py::class_<PySimulation>(m, "Simulation", "One run, advanced step-wise (simulation/simulation.hpp).")
      .def(py::init<const PyScenario&, int>(), py::arg("scenario"), py::arg("threads") = 0)
      .def(
          "advance_to", [](PySimulation& s, const py::object& t) { s.advance_to(seconds_of(t, "advance_to")); },
          py::arg("t"), "Advances to output time t (\"6 h\" or seconds), releasing the GIL; Ctrl-C stops after a step.")
      .def("run", &PySimulation::run, py::arg("out"), py::arg("force") = false, py::arg("quiet") = true,
           py::arg("float32") = false, "Runs to the end writing the files `mesosim run --out OUT` writes.")
      .def_property_readonly("time", &PySimulation::time, "simulated time, s")
      .def_property_readonly("end_time", &PySimulation::end_time, "s")
      .def_property_readonly("finished", &PySimulation::finished)
      .def_property_readonly("output_times", &PySimulation::output_times, "the times advance_to can stop at, s")
      .def_property_readonly("n_steps", &PySimulation::n_steps)
      .def_property_readonly("components", &PySimulation::components)
      .def_property_readonly("grid", &PySimulation::grid)
      .def("concentration", &PySimulation::concentration, py::arg("name"),
           "A read-only copy (z, y, x) of the concentration in the mobile fluid, kg/m^3.")
      .def("ledger", &PySimulation::ledger, "kg per component: injected, in_tissue, to_blood, to_lymph, degraded, out")
      .def("metrics", &PySimulation::metrics, "summary.json's figures per component, over the output times so far")
      .def("bleb", &PySimulation::bleb, "the Darcy model's bleb figures (None for the instant deposit)");

  m.def(
      "_run_cases",
      [](const PyScenario& base, const std::vector<std::vector<std::string>>& cases, int jobs, int threads) {
        std::vector<py::tuple> out;
        for (const CaseResult& r : run_cases(base, cases, jobs, threads))
          out.push_back(py::make_tuple(r.status, r.error, r.figures));
        return out;
      },
      py::arg("base"), py::arg("cases"), py::arg("jobs"), py::arg("threads"));
  m.def(
      "parse_quantity",
      [](const std::string& text, const std::string& dimension) {
        static const std::vector<std::pair<std::string, Dimension>> known{
            {"time", Dimension::of_time()}, {"length", Dimension::of_length()}, {"volume", Dimension::of_volume()},
            {"concentration", Dimension::of_concentration()}, {"none", Dimension::none()}};
        for (const auto& [name, d] : known)
          if (name == dimension) return parse_quantity("quantity", text, d);
        throw py::value_error("dimension must be time, length, volume, concentration or none");
      },
      py::arg("text"), py::arg("dimension") = "time", "SI value of \"6 h\", \"3 mm\", ... (the scenario reader's units)");
  m.attr("builtin_scenario_text") = builtin_scenario_text;
}
