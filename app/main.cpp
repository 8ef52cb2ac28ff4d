// mesosim: the command-line program.
//   mesosim run [SCENARIO.toml] [--set key=value]... [--out DIR] [--end "7 d"] [--scheme implicit|explicit]
//               [--tolerance 1e-3] [--cell "200 um"] [--threads N] [--force] [--quiet]
//   mesosim check SCENARIO.toml [--set key=value]...
//   mesosim presets [tissue|component [NAME]]
//   mesosim --version
// `run` without a scenario runs the built-in default case (default_case.hpp, the same as
// scenarios/examples/single_injection.toml): one 0.05 mL injection followed for 7 days. A run
// writes the mass ledger over time to DIR/ledger.csv and a summary to DIR/summary.txt.
// Input errors exit with code 2, solver failures with 3.
#include <omp.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/default_case.hpp"
#include "scenarios/deposit_report.hpp"
#include "scenarios/presets.hpp"
#include "solver/deposit.hpp"
#include "scenarios/units.hpp"
#include "models/error.hpp"
#include "solver/integrator.hpp"

namespace fs = std::filesystem;
using namespace mesosim;

namespace {

struct RunOptions {
  std::string scenario;  // empty: the built-in case
  std::vector<std::string> overrides;
  std::string out;  // empty: the scenario's [output] directory, else results/<name>-YYYYmmdd-HHMMSS
  std::string end;              // empty: the scenario's
  std::string cell = "200 um";  // built-in case only
  std::string output_interval;  // empty: the scenario's
  std::string scheme;           // empty: the scenario's
  double tolerance = 0.0;       // 0: the scenario's
  int threads = 0;
  bool force = false;
  bool quiet = false;
};

std::string format_time(double seconds) {
  const long total_minutes = long(std::floor(seconds / 60.0 + 1e-9));
  const long days = total_minutes / (24 * 60), hours = (total_minutes / 60) % 24, minutes = total_minutes % 60;
  char text[64];
  std::snprintf(text, sizeof text, "day %ld, %02ld:%02ld", days, hours, minutes);
  return text;
}

/// Creates the output directory; refuses to reuse a non-empty one unless forced.
void prepare_output(const fs::path& dir, bool force) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec) && !force)
    throw InputError("output directory '" + dir.string() +
                     "' already holds results; choose another with --out, or pass --force to replace them");
  fs::create_directories(dir, ec);
  if (ec) throw InputError("cannot create output directory '" + dir.string() + "': " + ec.message());
  const fs::path probe = dir / ".write-test";
  std::ofstream test(probe);
  if (!test) throw InputError("output directory '" + dir.string() + "' is not writable");
  test.close();
  fs::remove(probe, ec);
}

/// The scenario a run or check works on: a file (with --set overrides) or the built-in case, then
/// the command-line options that override its [time] settings.
Scenario resolve_scenario(const RunOptions& options) {
  Scenario scenario;
  if (options.scenario.empty()) {
    if (!options.overrides.empty()) throw InputError("--set needs a scenario file");
    const double cell = parse_quantity("--cell", options.cell, Dimension::of_length());
    if (!(cell >= 25e-6 && cell <= 1e-3))
      throw InputError("--cell " + options.cell + " is outside 25 um .. 1 mm for the built-in case");
    scenario = make_default_scenario(options.cell);
  } else {
    scenario = load_scenario(options.scenario, options.overrides);
  }
  if (!options.end.empty()) scenario.end_time = parse_quantity("--end", options.end, Dimension::of_time());
  if (!options.output_interval.empty())
    scenario.output_interval = parse_quantity("--output-interval", options.output_interval, Dimension::of_time());
  if (!options.scheme.empty()) {
    scenario.integrator.scheme = options.scheme;
    scenario.integrator.adaptive = options.scheme == "implicit";
  }
  if (options.tolerance != 0.0) scenario.integrator.tolerance = options.tolerance;
  if (!(scenario.end_time > 0.0)) throw InputError("--end must be positive, e.g. \"7 d\"");
  if (!(scenario.output_interval > 0.0)) throw InputError("--output-interval must be positive, e.g. \"1 h\"");
  return scenario;
}

/// Bytes the run will hold: the fields (u, and b when a component binds) times the copies the
/// scheme keeps (explicit: 2, adaptive implicit: 3, fixed implicit: 1) plus line scratch.
double memory_estimate(const Scenario& scenario) {
  bool binding = false;
  for (const Component& component : scenario.components) binding |= component.has_binding();
  const double copies = scenario.integrator.scheme == "explicit" ? 2.0 : scenario.integrator.adaptive ? 3.0 : 1.0;
  const double fields = double(scenario.components.size()) * (binding ? 2.0 : 1.0) * copies;
  return double(scenario.grid.n_cells()) * 8.0 * fields * 1.05;
}

/// The model and integrator of a scenario; refuses a run that cannot fit in memory or whose
/// explicit step is unstable, naming the scenario and the key to change.
struct Prepared {
  std::unique_ptr<TransportModel> model;  // on the heap: the integrator keeps a reference to it
  std::unique_ptr<Integrator> integrator;
};
std::unique_ptr<Prepared> prepare(const Scenario& scenario) {
  const double needed = memory_estimate(scenario);
  const double physical = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
  if (physical > 0 && needed > 0.9 * physical) {
    std::ostringstream msg;
    msg << scenario.file << ": domain.cell: the grid of " << scenario.grid.n_cells() << " cells would need about "
        << needed / 1e9 << " GB but this machine has " << physical / 1e9
        << " GB; use larger cells, a smaller domain or fewer components";
    throw InputError(msg.str());
  }
  auto prepared = std::make_unique<Prepared>();
  prepared->model =
      std::make_unique<TransportModel>(scenario.grid, scenario.boundaries, scenario.tissue, scenario.components);
  try {
    prepared->integrator = std::make_unique<Integrator>(*prepared->model, scenario.integrator);
    return prepared;
  } catch (const InputError& e) {
    throw InputError(scenario.file + ": time: " + e.what());
  }
}

int check(const RunOptions& options) {
  const Scenario scenario = resolve_scenario(options);
  const std::unique_ptr<Prepared> prepared = prepare(scenario);
  const TransportModel& model = *prepared->model;
  const Integrator& integrator = *prepared->integrator;
  const Grid& g = model.grid();
  std::printf("%s: '%s' is valid\n", scenario.file.c_str(), scenario.name.c_str());
  std::printf("grid: %d x %d x %d cells of %.0f x %.0f x %.0f um = %.1f x %.1f x %.1f mm, %.2f M cells\n", g.nx, g.ny,
              g.nz, g.hx * 1e6, g.hx * 1e6, g.hz * 1e6, g.length_x() * 1e3, g.length_y() * 1e3, g.depth() * 1e3,
              double(g.n_cells()) * 1e-6);
  std::printf("memory: about %.0f MB for the fields (%d components)\n", memory_estimate(scenario) / 1e6,
              model.n_components());
  std::printf("boundaries: x_low %s, x_high %s, y_low %s, y_high %s, bottom %s (top: no_flux)\n",
              to_string(scenario.boundaries.x_low), to_string(scenario.boundaries.x_high),
              to_string(scenario.boundaries.y_low), to_string(scenario.boundaries.y_high),
              to_string(scenario.boundaries.bottom));
  double top = 0.0;
  for (const Layer& layer : scenario.tissue.layers) {
    std::printf("layer %-20s %6.3f - %6.3f mm, fluid fraction %.2f\n", layer.name.c_str(), top * 1e3,
                (top + layer.thickness) * 1e3, layer.fluid_fraction);
    top += layer.thickness;
  }
  for (int c = 0; c < model.n_components(); ++c) {
    const SoluteInLayer& s = scenario.components[c].in_layer[0];
    std::printf("component %-22s D %.2e m^2/s, k_blood %.2e, k_lymph %.2e, k_deg %.2e 1/s (first layer)\n",
                scenario.components[c].name.c_str(), s.diffusivity, s.k_blood, s.k_lymph, s.k_degradation);
  }
  // Which layers each needle point's deposit fills, and a warning for cocktail outside the target.
  std::printf("%s", deposit_report(scenario).c_str());
  double last_injection = 0.0;
  for (const Injection& injection : scenario.injections) last_injection = std::max(last_injection, injection.time);
  std::printf("injections: %zu deposits (%s), first at %.0f s, last at %.0f s (%.2f d); the run ends %.2f d after "
              "the last one\n",
              scenario.injections.size(), scenario.injections.front().reservoir.c_str(), scenario.injections.front().time,
              last_injection, last_injection / 86400.0, (scenario.end_time - last_injection) / 86400.0);
  const double stable = model.max_explicit_step();
  std::printf("time: end %.4g s (%.2f d), scheme %s, explicit stable step %.3g s (%.3g steps for the run)",
              scenario.end_time, scenario.end_time / 86400.0, scenario.integrator.scheme.c_str(), stable,
              scenario.end_time / stable);
  if (scenario.integrator.adaptive)
    std::printf("; adaptive tolerance %.1e: typically a few hundred steps\n", scenario.integrator.tolerance);
  else
    std::printf("; %.0f fixed steps\n", std::ceil(scenario.end_time / integrator.next_step()));
  return 0;
}

int presets(const std::string& kind, const std::string& name) {
  if (kind.empty()) {
    for (const std::string& k : preset_kinds()) {
      std::printf("%s presets:", k.c_str());
      for (const std::string& n : preset_names(k)) std::printf(" %s", n.c_str());
      std::printf("\n");
    }
    std::printf("details: mesosim presets KIND [NAME]\n");
  } else if (name.empty()) {
    for (const std::string& n : preset_names(kind)) std::printf("%s\n", describe_preset(kind, n).c_str());
  } else {
    std::printf("%s", describe_preset(kind, name).c_str());
  }
  return 0;
}

int run(const RunOptions& options) {
  if (options.threads < 0) throw InputError("--threads must be >= 1 (or 0 for OMP_NUM_THREADS / all cores)");
  if (options.threads > 0) omp_set_num_threads(options.threads);
  const Scenario scenario = resolve_scenario(options);
  const std::unique_ptr<Prepared> prepared = prepare(scenario);  // every check before anything is written
  const TransportModel& model = *prepared->model;
  Integrator& integrator = *prepared->integrator;
  const double t_end = scenario.end_time, interval = scenario.output_interval;

  fs::path out(options.out.empty() ? scenario.output_directory : options.out);
  if (out.empty()) {
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    const std::string stem = options.scenario.empty() ? "default" : fs::path(options.scenario).stem().string();
    out = fs::path("results") / (stem + "-" + stamp);
  }
  prepare_output(out, options.force);
  TransportState state(model);

  const Grid& g = model.grid();
  std::printf("MesoSim %s: %s, %d x %d x %d cells of %.0f um (%.1f M cells), %d components\n", MESOSIM_VERSION,
              scenario.name.c_str(), g.nx, g.ny, g.nz, g.hx * 1e6, double(g.n_cells()) * 1e-6, model.n_components());
  // Injections in time order; each is deposited when the run reaches its time.
  std::vector<Injection> pending = scenario.injections;
  std::stable_sort(pending.begin(), pending.end(), [](const Injection& a, const Injection& b) { return a.time < b.time; });
  std::size_t next_injection = 0;
  auto deposit_due = [&] {
    while (next_injection < pending.size() && pending[next_injection].time <= state.time) {
      const Injection& injection = pending[next_injection++];
      const int n_filled = deposit_instant(model, state, injection);
      std::printf("  injection: %.3f mL at %.2f mm depth (%s), %s deposit over %d cells, t = %.0f s\n",
                  injection.volume * 1e6, injection.depth * 1e3,
                  model.tissue().layers[model.tissue().layer_at(injection.depth)].name.c_str(),
                  injection.reservoir.c_str(), n_filled, state.time);
    }
  };
  deposit_due();
  std::printf("  scheme %s, %d threads\n", scenario.integrator.scheme.c_str(), omp_get_max_threads());

  std::ofstream ledger_csv(out / "ledger.csv");
  ledger_csv << "time_s,component,injected_kg,in_fluid_kg,bound_kg,to_blood_kg,to_lymph_kg,degraded_kg,"
                "boundary_kg,ledger_residual\n";
  ledger_csv.precision(12);
  auto write_ledger = [&] {
    for (int c = 0; c < model.n_components(); ++c) {
      const MassLedger& l = state.ledger[c];
      double boundary = 0.0;
      for (double b : l.boundary) boundary += b;
      ledger_csv << state.time << ',' << '"' << model.component(c).name << '"' << ',' << l.injected << ','
                 << mass_in_fluid(model, state, c) << ',' << mass_bound(model, state, c) << ',' << l.to_blood
                 << ',' << l.to_lymph << ',' << l.degraded << ',' << boundary << ','
                 << ledger_residual(model, state, c) << '\n';
    }
    ledger_csv.flush();
    if (!ledger_csv) throw InputError("writing " + (out / "ledger.csv").string() + " failed (disk full?)");
  };
  write_ledger();

  // Metrics at every output time: metrics.csv now, summary.json at the end.
  const std::vector<std::size_t> target_cells = scenario.target.cells(model);
  std::vector<std::vector<ComponentMetrics>> series(model.n_components());
  std::ofstream metrics_csv(out / "metrics.csv");
  metrics_csv << "time_s,component,in_tissue,to_blood,to_lymph,degraded,out_of_box,peak_kg_m3,"
                 "peak_in_target_kg_m3,coverage,uniformity_cv\n";
  metrics_csv.precision(10);
  auto record_metrics = [&] {
    for (int c = 0; c < model.n_components(); ++c) {
      const ComponentMetrics m = measure(model, state, c, target_cells, scenario.target.threshold[c]);
      series[c].push_back(m);
      metrics_csv << m.time << ",\"" << model.component(c).name << "\"," << m.in_tissue << ',' << m.to_blood << ','
                  << m.to_lymph << ',' << m.degraded << ',' << m.out_of_box << ',' << m.peak << ','
                  << m.peak_in_target << ',' << m.coverage << ',' << m.uniformity_cv << '\n';
    }
    metrics_csv.flush();
    if (!metrics_csv) throw InputError("writing " + (out / "metrics.csv").string() + " failed (disk full?)");
  };
  record_metrics();

  const bool terminal = isatty(STDOUT_FILENO) != 0;
  const auto start = std::chrono::steady_clock::now();
  double last_log = -1e300;
  long n_outputs = long(std::ceil(t_end / interval - 1e-9));
  for (long n = 1; n <= n_outputs; ++n) {
    const double t_out = n == n_outputs ? t_end : double(n) * interval;
    // Later injections: stop at each, deposit, restart the step-size control on the new field.
    while (next_injection < pending.size() && pending[next_injection].time < t_out) {
      integrator.advance_to(state, pending[next_injection].time);
      deposit_due();
      integrator.restart();
    }
    integrator.advance_to(state, t_out);
    write_ledger();
    record_metrics();
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (options.quiet) continue;
    const double fraction = state.time / t_end;
    const double eta = fraction > 0 ? wall * (1.0 - fraction) / fraction : 0.0;
    double in_tissue = 0.0, injected = 0.0;
    for (int c = 0; c < model.n_components(); ++c) {
      in_tissue += mass_in_fluid(model, state, c) + mass_bound(model, state, c);
      injected += state.ledger[c].injected;
    }
    if (terminal) {
      const int width = 30, filled = int(fraction * width);
      std::printf("\r  [%s%s] %s  %5.1f%%  %ld steps  %.1f sim-d/wall-s  ETA %.0f s  in tissue %.1f%%   ",
                  std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                  format_time(state.time).c_str(), 100 * fraction, state.n_steps, state.time / 86400.0 / wall,
                  eta, 100 * in_tissue / injected);
      std::fflush(stdout);
    } else if (wall - last_log >= 5.0 || n == n_outputs) {
      last_log = wall;
      std::printf("  %s: %ld steps, %.1f s wall, ETA %.0f s, %.1f%% of the injected mass in tissue\n",
                  format_time(state.time).c_str(), state.n_steps, wall, eta, 100 * in_tissue / injected);
      std::fflush(stdout);
    }
  }
  if (terminal && !options.quiet) std::printf("\n");
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::ostringstream summary;
  summary << "MesoSim " << MESOSIM_VERSION << " " << scenario.name << ", " << format_time(t_end) << "\n";
  summary << "steps " << integrator.stats().n_accepted << " accepted, " << integrator.stats().n_rejected
          << " rejected; wall " << wall << " s\n";
  summary << "component, injected mg, in tissue %, to blood %, to lymph %, degraded %, out of box %, ledger residual\n";
  for (int c = 0; c < model.n_components(); ++c) {
    const MassLedger& l = state.ledger[c];
    double boundary = 0.0;
    for (double b : l.boundary) boundary += b;
    const double m0 = l.injected > 0.0 ? l.injected : 1.0;  // a component no cocktail holds: all zeros
    char line[256];
    std::snprintf(line, sizeof line, "%s, %.3f, %.2f, %.2f, %.2f, %.2f, %.2f, %.1e\n", model.component(c).name.c_str(),
                  m0 * 1e6, 100 * (mass_in_fluid(model, state, c) + mass_bound(model, state, c)) / m0,
                  100 * l.to_blood / m0, 100 * l.to_lymph / m0, 100 * l.degraded / m0, 100 * boundary / m0,
                  ledger_residual(model, state, c));
    summary << line;
  }
  nlohmann::json json;
  json["program"] = {{"name", "mesosim"}, {"version", MESOSIM_VERSION}};
  json["scenario"] = {{"name", scenario.name}, {"file", scenario.file}};
  json["run"] = {{"end_time_s", t_end},
                 {"steps", integrator.stats().n_accepted},
                 {"rejected_steps", integrator.stats().n_rejected},
                 {"wall_time_s", wall},
                 {"threads", omp_get_max_threads()},
                 {"scheme", scenario.integrator.scheme}};
  std::vector<std::string> target_layers;
  for (std::size_t layer : scenario.target.layers) target_layers.push_back(scenario.tissue.layers[layer].name);
  json["target"] = {{"layers", target_layers}, {"treated_radius_m", scenario.target.radius},
                    {"cells", target_cells.size()}};
  summary << "\ncomponent, residence half-life h, systemic fraction %, peak mg/mL, max coverage %, time above threshold h\n";
  for (int c = 0; c < model.n_components(); ++c) {
    const RunFigures f = summarise(series[c]);
    const ComponentMetrics& last = series[c].back();
    json["components"].push_back({{"name", model.component(c).name},
                                  {"injected_kg", state.ledger[c].injected},
                                  {"threshold_kg_m3", scenario.target.threshold[c]},
                                  {"residence_half_life_s", f.residence_half_life < 0 ? nlohmann::json() : nlohmann::json(f.residence_half_life)},
                                  {"systemic_fraction", f.systemic_fraction},
                                  {"lymph_fraction", last.to_lymph},
                                  {"degraded_fraction", last.degraded},
                                  {"out_of_box_fraction", last.out_of_box},
                                  {"in_tissue_fraction", last.in_tissue},
                                  {"peak_kg_m3", f.peak},
                                  {"max_coverage", f.max_coverage},
                                  {"time_above_threshold_s", f.time_above_threshold},
                                  {"final_uniformity_cv", last.uniformity_cv},
                                  {"ledger_residual", ledger_residual(model, state, c)}});
    char half_life[32] = "not reached";
    if (f.residence_half_life >= 0) std::snprintf(half_life, sizeof half_life, "%.2f", f.residence_half_life / 3600);
    char line[256];
    std::snprintf(line, sizeof line, "%s, %s, %.2f, %.3g, %.1f, %.1f\n", model.component(c).name.c_str(), half_life,
                  100 * f.systemic_fraction, f.peak, 100 * f.max_coverage, f.time_above_threshold / 3600);
    summary << line;
  }
  std::ofstream(out / "summary.txt") << summary.str();
  std::ofstream(out / "summary.json") << json.dump(2) << '\n';
  std::cout << summary.str();
  std::printf("results: %s (ledger.csv, metrics.csv, summary.txt, summary.json)\n", fs::absolute(out).string().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MesoSim: mesotherapy microinjection transport in layered skin"};
  app.set_version_flag("--version", std::string("mesosim ") + MESOSIM_VERSION);
  app.require_subcommand(1);
  RunOptions options;
  CLI::App* run_command = app.add_subcommand("run", "Run a simulation (without a scenario: the built-in default case)");
  run_command->add_option("scenario", options.scenario, "Scenario file (TOML); see scenarios/examples/");
  run_command->add_option("--set", options.overrides, "Override a scenario key, e.g. --set domain.cell=\"100 um\"");
  run_command->add_option("--out", options.out,
                          "Output directory (default: the scenario's [output] directory or results/NAME-DATE-TIME; "
                          "refused if it holds results, see --force)");
  run_command->add_option("--end", options.end, "Simulated time with unit, e.g. \"7 d\" (default: the scenario's)");
  run_command->add_option("--cell", options.cell, "Cell size of the built-in case, e.g. \"100 um\"")->capture_default_str();
  run_command->add_option("--output-interval", options.output_interval, "Ledger output interval, e.g. \"1 h\"");
  run_command->add_option("--scheme", options.scheme, "Time stepping: implicit (adaptive) or explicit");
  run_command->add_option("--tolerance", options.tolerance, "Adaptive local error per step, relative to the peak");
  run_command->add_option("--threads", options.threads, "OpenMP threads (default: OMP_NUM_THREADS or all cores)");
  run_command->add_flag("--force", options.force, "Replace the results in an existing output directory");
  run_command->add_flag("--quiet", options.quiet, "No progress output");
  CLI::App* check_command =
      app.add_subcommand("check", "Validate a scenario and print the resolved parameters, without running");
  check_command->add_option("scenario", options.scenario, "Scenario file (TOML)")->required();
  check_command->add_option("--set", options.overrides, "Override a scenario key, e.g. --set time.end=\"2 d\"");
  std::string preset_kind, preset_name;
  CLI::App* presets_command = app.add_subcommand("presets", "List presets (tissue, component) with their values and sources");
  presets_command->add_option("kind", preset_kind, "tissue or component");
  presets_command->add_option("name", preset_name, "One preset");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (presets_command->parsed()) return presets(preset_kind, preset_name);
    return check_command->parsed() ? check(options) : run(options);
  } catch (const InputError& e) {
    std::cerr << "mesosim: error: " << e.what() << "\n";
    return 2;
  } catch (const SolverError& e) {
    std::cerr << "mesosim: solver failure: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "mesosim: unexpected error: " << e.what() << "\n";
    return 4;
  }
}
