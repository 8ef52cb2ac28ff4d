#include "app/run.hpp"

#include <omp.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/builtin_scenario.hpp"
#include "app/default_case.hpp"
#include "io/checkpoint.hpp"
#include "io/results_file.hpp"
#include "scenarios/units.hpp"
#include "simulation/checkpointer.hpp"
#include "simulation/csv_tables.hpp"
#include "simulation/progress.hpp"
#include "simulation/results_writer.hpp"
#include "simulation/simulation.hpp"
#include "simulation/summary_writer.hpp"
#include "solver/error.hpp"

#ifndef MESOSIM_VERSION
#define MESOSIM_VERSION "unknown"
#endif
#ifndef MESOSIM_BUILD
#define MESOSIM_BUILD "unknown"
#endif

namespace mesosim {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::atomic<Simulation*> stopping{nullptr};
std::atomic<int> stop_signal{0};

extern "C" void on_stop_signal(int signal) {
  stop_signal.store(signal);
  if (Simulation* sim = stopping.load()) sim->request_stop();
}

/// SIGINT / SIGTERM ask the run to stop after the current step; restored when the run ends.
class StopSignals {
 public:
  explicit StopSignals(Simulation& sim) {
    stop_signal.store(0);
    stopping.store(&sim);
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    stopping.store(nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!fs::exists(path) || !in) throw InputError(path + ": no such scenario file (or not readable)");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The scenario with every resolved value, SI units, for the results file and `check`.
json describe(const Scenario& scenario) {
  json out;
  out["name"] = scenario.name;
  out["file"] = scenario.file;
  const Grid& g = scenario.grid;
  out["grid"] = {{"cells", {g.nx, g.ny, g.nz}}, {"cell_m", {g.hx, g.hx, g.hz}}};
  json sides;
  for (int side = 0; side < n_sides; ++side) sides[side_name(side)] = to_string(scenario.boundaries.of(side));
  sides["top"] = "no_flux";
  out["boundaries"] = sides;
  for (const Layer& layer : scenario.tissue.layers)
    out["layers"].push_back({{"name", layer.name},
                             {"thickness_m", layer.thickness},
                             {"fluid_fraction", layer.fluid_fraction},
                             {"storage_1_per_Pa", layer.storage},
                             {"hydraulic_conductivity_m2_per_Pa_s", layer.hydraulic_conductivity},
                             {"bleb_half_life_s", layer.bleb_half_life},
                             {"strain_stiffening", layer.strain_stiffening}});
  for (const Component& component : scenario.components) {
    json per_layer;
    for (std::size_t l = 0; l < component.in_layer.size(); ++l) {
      const SoluteInLayer& s = component.in_layer[l];
      per_layer.push_back({{"layer", scenario.tissue.layers[l].name},
                           {"diffusivity_m2_s", s.diffusivity},
                           {"k_blood_1_s", s.k_blood},
                           {"k_lymph_1_s", s.k_lymph},
                           {"k_degradation_1_s", s.k_degradation},
                           {"available_fraction", s.available_fraction},
                           {"partition", s.partition},
                           {"k_on_1_s", s.k_on},
                           {"k_off_1_s", s.k_off},
                           {"k_cell_1_s", s.k_cell}});
    }
    out["components"].push_back({{"name", component.name}, {"layers", per_layer}});
  }
  for (const Injection& injection : scenario.injections)
    out["injections"].push_back({{"x_m", injection.x},
                                 {"y_m", injection.y},
                                 {"depth_m", injection.depth},
                                 {"volume_m3", injection.volume},
                                 {"time_s", injection.time},
                                 {"cocktail", injection.cocktail},
                                 {"concentration_kg_m3", injection.concentration},
                                 {"reservoir", injection.reservoir}});
  out["time"] = {{"end_s", scenario.end_time},
                 {"output_interval_s", scenario.output_interval},
                 {"scheme", scenario.integrator.scheme},
                 {"adaptive", scenario.integrator.adaptive},
                 {"tolerance", scenario.integrator.tolerance},
                 {"fixed_step_s", scenario.integrator.fixed_step}};
  std::vector<std::string> target_layers;
  for (std::size_t layer : scenario.target.layers) target_layers.push_back(scenario.tissue.layers[layer].name);
  out["metrics"] = {{"target_layers", target_layers},
                    {"treated_radius_m", scenario.target.radius},
                    {"threshold_kg_m3", scenario.target.threshold}};
  return out;
}

json options_to_json(const RunOptions& o, const std::string& source) {
  return {{"scenario", o.scenario},   {"scenario_source", source}, {"overrides", o.overrides},
          {"end", o.end},             {"cell", o.cell},            {"output_interval", o.output_interval},
          {"snapshot_interval", o.snapshot_interval}, {"checkpoint_interval", o.checkpoint_interval},
          {"scheme", o.scheme},       {"tolerance", o.tolerance},  {"float32", o.float32}};
}

/// The options a checkpoint was written with, for --resume; command-line --threads / --quiet /
/// --checkpoint-every of the resuming call still apply.
RunOptions options_from_json(const json& j, const RunOptions& resuming, std::string& source) {
  RunOptions o;
  o.scenario = j.at("scenario").get<std::string>();
  source = j.at("scenario_source").get<std::string>();
  o.overrides = j.at("overrides").get<std::vector<std::string>>();
  o.end = j.at("end").get<std::string>();
  o.cell = j.at("cell").get<std::string>();
  o.output_interval = j.at("output_interval").get<std::string>();
  o.snapshot_interval = j.at("snapshot_interval").get<std::string>();
  o.checkpoint_interval = resuming.checkpoint_interval;
  o.scheme = j.at("scheme").get<std::string>();
  o.tolerance = j.at("tolerance").get<double>();
  o.float32 = j.at("float32").get<bool>();
  o.threads = resuming.threads;
  o.quiet = resuming.quiet;
  o.out = resuming.resume;
  return o;
}

}  // namespace

Scenario resolve_scenario(const RunOptions& options, std::string* source) {
  Scenario scenario;
  if (options.scenario.empty()) {
    if (!options.overrides.empty()) throw InputError("--set needs a scenario file");
    const double cell = parse_quantity("--cell", options.cell, Dimension::of_length());
    if (!(cell >= 25e-6 && cell <= 1e-3))
      throw InputError("--cell " + options.cell + " is outside 25 um .. 1 mm for the built-in case");
    scenario = make_default_scenario(options.cell);
    if (source) *source = builtin_scenario_text;
  } else if (source && !source->empty()) {
    scenario = load_scenario_text(*source, options.scenario, options.overrides);  // resuming: the stored text
  } else {
    const std::string text = read_text(options.scenario);
    scenario = load_scenario_text(text, options.scenario, options.overrides);
    if (source) *source = text;
  }
  if (!options.end.empty()) scenario.end_time = parse_quantity("--end", options.end, Dimension::of_time());
  if (!options.output_interval.empty())
    scenario.output_interval = parse_quantity("--output-interval", options.output_interval, Dimension::of_time());
  if (!options.snapshot_interval.empty()) {
    scenario.snapshot_interval = parse_quantity("--snapshot-interval", options.snapshot_interval, Dimension::of_time());
    if (!(scenario.snapshot_interval > 0.0)) throw InputError("--snapshot-interval must be positive, e.g. \"6 h\"");
  }
  if (!options.checkpoint_interval.empty())
    scenario.checkpoint_interval =
        parse_quantity("--checkpoint-every", options.checkpoint_interval, Dimension::of_time());
  if (!(scenario.checkpoint_interval > 0.0)) throw InputError("--checkpoint-every must be positive, e.g. \"10 min\"");
  if (!options.scheme.empty()) {
    scenario.integrator.scheme = options.scheme;
    scenario.integrator.adaptive = options.scheme == "implicit";
  }
  if (options.tolerance != 0.0) scenario.integrator.tolerance = options.tolerance;
  if (!(scenario.end_time > 0.0)) throw InputError("--end must be positive, e.g. \"7 d\"");
  if (!(scenario.output_interval > 0.0)) throw InputError("--output-interval must be positive, e.g. \"1 h\"");
  return scenario;
}

namespace {

/// The output directory: --out, else the scenario's [output] directory, else results/NAME-DATE-TIME.
fs::path output_directory(const RunOptions& options, const Scenario& scenario) {
  fs::path out(options.out.empty() ? scenario.output_directory : options.out);
  if (!out.empty()) return out;
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  const std::string stem = options.scenario.empty() ? "default" : fs::path(options.scenario).stem().string();
  return fs::path("results") / (stem + "-" + stamp);
}

/// What results.h5 records of where it came from; scenario.toml beside it (with the overrides).
RunDescription describe_run(const fs::path& out, const RunOptions& options, const std::string& source,
                            const Scenario& scenario) {
  std::string stored = source;
  if (!options.overrides.empty()) {
    stored.append("\n# --set overrides given on the command line:\n");
    for (const std::string& o : options.overrides) stored.append("#   ").append(o).append("\n");
  }
  write_text_atomically(out / "scenario.toml", stored);
  RunDescription description;
  description.program_version = MESOSIM_VERSION;
  description.build = MESOSIM_BUILD;
  description.scenario_name = scenario.name;
  description.scenario_file = options.scenario.empty() ? "(built-in case)" : options.scenario;
  description.scenario_source = source;
  description.overrides = options.overrides;
  description.resolved_json = describe(scenario).dump();
  return description;
}

}  // namespace

RunOptions case_options(const std::string& case_file, const RunOptions& given) {
  std::ifstream in(case_file);
  if (!in) throw InputError(case_file + ": no such sweep case file (or not readable)");
  RunOptions o;
  try {
    const json j = json::parse(in);
    o.scenario = j.at("base").get<std::string>();
    o.overrides = j.at("overrides").get<std::vector<std::string>>();
    o.float32 = j.value("float32", false);
  } catch (const json::exception& e) {
    throw InputError(case_file + ": not a sweep case file (" + e.what() + ")");
  }
  o.out = fs::path(case_file).parent_path().string();
  o.force = true;
  o.threads = given.threads;
  o.quiet = given.quiet;
  return o;
}

int run(const RunOptions& given) {
  const RunOptions requested = given.case_file.empty() ? given : case_options(given.case_file, given);
  if (requested.threads < 0) throw InputError("--threads must be >= 1 (or 0 for OMP_NUM_THREADS / all cores)");
  const bool resuming = !requested.resume.empty();

  // The run's inputs: from the command line, or as the checkpoint recorded them.
  RunOptions options = requested;
  std::string source;
  ResumePoint resume;
  if (resuming) {
    resume.checkpoint = read_checkpoint(requested.resume);
    try {
      options = options_from_json(json::parse(resume.checkpoint.text("run.inputs")), requested, source);
    } catch (const json::exception& e) {
      throw InputError(requested.resume + "/checkpoint.h5: the recorded inputs are damaged (" + e.what() + ")");
    }
    if (options.threads == 0) options.threads = int(resume.checkpoint.count("run.threads"));
  }
  if (options.threads > 0) omp_set_num_threads(options.threads);
  const Scenario scenario = resolve_scenario(options, &source);
  options.out = output_directory(options, scenario).string();  // once: the default names the time
  resume.directory = options.out;
  Simulation sim(scenario, resuming ? &resume : nullptr);  // every check before anything is written
  return run(sim, options, source, resuming ? &resume : nullptr);
}

int run(Simulation& sim, const RunOptions& options, const std::string& source, const ResumePoint* resume_point) {
  const bool resuming = resume_point != nullptr;
  static const ResumePoint fresh;
  const ResumePoint& resume = resuming ? *resume_point : fresh;
  const Scenario& scenario = sim.scenario();
  const fs::path out = resuming ? resume.directory : output_directory(options, scenario);
  if (!resuming) prepare_output_directory(out, options.force);
  if (resuming && options.threads != resume.checkpoint.count("run.threads"))
    std::fprintf(stderr,
                 "mesosim: warning: resuming with %d threads, the run started with %d: results will agree to "
                 "round-off, not bitwise\n",
                 omp_get_max_threads(), int(resume.checkpoint.count("run.threads")));
  const TransportModel& model = sim.transport();
  const Grid& g = model.grid();
  std::printf("MesoSim %s: %s, %d x %d x %d cells of %.0f um (%.1f M cells), %d components\n", MESOSIM_VERSION,
              scenario.name.c_str(), g.nx, g.ny, g.nz, g.hx * 1e6, double(g.n_cells()) * 1e-6, model.n_components());

  // The observers: results.h5, the CSV tables, the summary, progress, checkpoints.
  const WallClock wall(resuming ? resume.checkpoint.real("run.wall_time_s") : 0.0);
  std::unique_ptr<ResultsWriter> results;
  std::unique_ptr<CsvTables> tables;
  SummaryWriter summary(out, MESOSIM_VERSION, MESOSIM_BUILD, model.n_components());
  if (resuming) {
    results = std::make_unique<ResultsWriter>(out, sim, resume.checkpoint, options.float32);
    tables = std::make_unique<CsvTables>(out, model);
    for (const SeriesRow& row : read_series(results->file().path(), model)) {
      tables->add(row);
      summary.add(row);
    }
    std::printf("  resuming at %s (%ld steps so far) from %s\n", format_day_time(sim.time()).c_str(),
                sim.state().n_steps, (out / "checkpoint.h5").string().c_str());
  } else {
    results = std::make_unique<ResultsWriter>(out, sim, describe_run(out, options, source, scenario), options.float32);
    tables = std::make_unique<CsvTables>(out, model);
  }
  const std::vector<Injection>& injections = sim.injections();
  const long late = std::count_if(injections.begin(), injections.end(),
                                  [&](const Injection& i) { return i.time > scenario.end_time; });
  if (late > 0 && !resuming)
    std::fprintf(stderr, "mesosim: warning: %ld of %zu injections come after the end of the run (%s) and are not given\n",
                 late, injections.size(), format_day_time(scenario.end_time).c_str());
  Progress progress(sim, wall, options.quiet);
  Checkpointer checkpoints(out, options_to_json(options, source).dump(), scenario.checkpoint_interval, wall,
                           *results);
  for (Observer* observer : std::initializer_list<Observer*>{tables.get(), results.get(), &summary, &progress, &checkpoints})
    sim.add_observer(*observer);
  if (!resuming) sim.start();
  std::printf("  scheme %s, %d threads; results in %s\n", scenario.integrator.scheme.c_str(), omp_get_max_threads(),
              out.string().c_str());

  StopSignals signals(sim);
  if (!sim.run()) {
    const int signal = stop_signal.load();
    const char* gap = isatty(STDOUT_FILENO) ? "\n" : "";
    checkpoints.save(sim);
    std::printf("%s  stopped by %s at %s (%ld steps); checkpoint written.\n  continue with: mesosim run --resume %s\n",
                gap, signal == SIGTERM ? "SIGTERM" : "SIGINT", format_day_time(sim.time()).c_str(),
                sim.state().n_steps, out.string().c_str());
    return signal == SIGTERM ? 143 : 130;
  }
  progress.finish();
  summary.finish(sim, *results, wall.now());
  return 0;
}

}  // namespace mesosim
