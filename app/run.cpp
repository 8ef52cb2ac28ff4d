#include "app/run.hpp"

#include <omp.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

#include "app/builtin_scenario.hpp"
#include "app/default_case.hpp"
#include "models/error.hpp"
#include "scenarios/units.hpp"
#include "simulation/simulation.hpp"
#include "viz/checkpoint.hpp"
#include "viz/results_file.hpp"

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

/// Creates the output directory; refuses to reuse a non-empty one unless forced.
void prepare_output(const fs::path& dir, bool force) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    if (!force) {
      std::string hint = fs::exists(dir / "checkpoint.h5") ? "; it holds an unfinished run: continue it with "
                                                              "`mesosim run --resume " + dir.string() + "`"
                                                            : "";
      throw InputError("output directory '" + dir.string() + "' already holds results; choose another with --out, "
                       "or pass --force to replace them" + hint);
    }
    for (const char* name : {"results.h5", "results.xmf", "checkpoint.h5", "ledger.csv", "metrics.csv",
                             "summary.txt", "summary.json", "scenario.toml"})
      fs::remove(dir / name, ec);
  }
  fs::create_directories(dir, ec);
  if (ec) throw OutputError("cannot create output directory '" + dir.string() + "': " + ec.message());
  const fs::path probe = dir / ".write-test";
  std::ofstream test(probe);
  if (!test) throw OutputError("output directory '" + dir.string() + "' is not writable");
  test.close();
  fs::remove(probe, ec);
}

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

/// ledger.csv and metrics.csv: one line per component per output time.
class CsvTables : public Observer {
 public:
  CsvTables(const fs::path& dir, const TransportModel& model) : dir_(dir), model_(model) {
    ledger_.open(dir / "ledger.csv", std::ios::trunc);
    metrics_.open(dir / "metrics.csv", std::ios::trunc);
    ledger_ << "time_s,component,injected_kg,in_fluid_kg,bound_kg,to_blood_kg,to_lymph_kg,degraded_kg,"
               "boundary_kg,ledger_residual\n";
    metrics_ << "time_s,component,in_tissue,to_blood,to_lymph,degraded,out_of_box,peak_kg_m3,"
                "peak_in_target_kg_m3,coverage,uniformity_cv\n";
    ledger_.precision(12);
    metrics_.precision(10);
    check();
  }
  void on_output(const Simulation&, const OutputPoint& point) override { add(point.row); }
  void add(const SeriesRow& row) {
    for (int c = 0; c < model_.n_components(); ++c) {
      const MassLedger& l = row.ledger[c];
      const double boundary = l.through_sides();
      const std::string name = "\"" + model_.component(c).name + "\"";
      ledger_ << row.time << ',' << name << ',' << l.injected << ',' << row.in_fluid[c] << ',' << row.bound[c] << ','
              << l.to_blood << ',' << l.to_lymph << ',' << l.degraded << ',' << boundary << ',' << row.residual[c]
              << '\n';
      const ComponentMetrics& m = row.metrics[c];
      metrics_ << m.time << ',' << name << ',' << m.in_tissue << ',' << m.to_blood << ',' << m.to_lymph << ','
               << m.degraded << ',' << m.out_of_box << ',' << m.peak << ',' << m.peak_in_target << ',' << m.coverage
               << ',' << m.uniformity_cv << '\n';
    }
    ledger_.flush();
    metrics_.flush();
    check();
  }

 private:
  void check() const {
    if (!ledger_) throw OutputError("writing " + (dir_ / "ledger.csv").string() + " failed (disk full?)");
    if (!metrics_) throw OutputError("writing " + (dir_ / "metrics.csv").string() + " failed (disk full?)");
  }
  fs::path dir_;
  const TransportModel& model_;
  std::ofstream ledger_, metrics_;
};

/// results.h5: the series at every output time, snapshots when due (with the model's fields), the
/// model's tables; at the end of an injection's flow its bleb rows and, unless an output is due
/// then, a snapshot.
class ResultsWriter : public Observer {
 public:
  ResultsWriter(std::unique_ptr<ResultsFile> results, InjectionModel& model, long n_snapshots)
      : results_(std::move(results)), model_(model), n_snapshots_(n_snapshots) {
    for (const ModelField& field : model.fields()) results_->add_field(field.name, field.units);
  }
  /// Resuming: each model table as results.h5 holds it up to the checkpoint.
  void reload_tables() {
    for (SeriesTable* table : model_.tables())
      table->columns = results_->truncate_columns(table->group, table->names, table->written);
  }
  void on_output(const Simulation& sim, const OutputPoint& point) override {
    results_->append(point.row);
    flush_tables();
    if (point.snapshot) snapshot(sim.state());
  }
  void on_injections_ended(const Simulation& sim, const std::vector<std::size_t>&) override {
    flush_tables();
    if (sim.time() < sim.output_time(sim.next_output())) snapshot(sim.state());
  }
  /// Everything appended so far on disk (before a checkpoint).
  void sync() {
    flush_tables();
    results_->sync();
  }
  ResultsFile& file() { return *results_; }
  long n_snapshots() const { return n_snapshots_; }

 private:
  void flush_tables() {
    for (SeriesTable* table : model_.tables()) {
      if (table->written == table->size()) continue;
      std::vector<std::vector<double>> fresh;
      for (const std::vector<double>& column : table->columns)
        fresh.emplace_back(column.begin() + long(table->written), column.end());
      results_->append_columns(table->group, table->names, fresh);
      table->written = table->size();
    }
  }
  void snapshot(const TransportState& state) {
    std::vector<const double*> extras;
    for (const ModelField& field : model_.fields()) extras.push_back(field.values);
    results_->write_snapshot(state, extras);
    ++n_snapshots_;
  }
  std::unique_ptr<ResultsFile> results_;
  InjectionModel& model_;
  long n_snapshots_ = 0;
};

/// Wall time of the run, the time before a checkpoint included, s.
class WallClock {
 public:
  explicit WallClock(double before) : before_(before) {}
  double now() const {
    return before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  double before_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

/// checkpoint.h5 every `interval` s of wall time (when the model allows one), and on demand.
class Checkpointer : public Observer {
 public:
  Checkpointer(const fs::path& dir, std::string inputs_json, double interval, const WallClock& wall,
               ResultsWriter& results)
      : dir_(dir), inputs_json_(std::move(inputs_json)), interval_(interval), wall_(wall), results_(results),
        last_(wall.now()) {}
  void on_step(const Simulation& sim) override {
    if (wall_.now() - last_ >= interval_ && sim.can_checkpoint()) save(sim);
  }
  void save(const Simulation& sim) {
    Checkpoint c;
    c.inputs_json = inputs_json_;
    c.threads = omp_get_max_threads();
    results_.sync();
    sim.save(c);
    c.position.n_snapshots = results_.n_snapshots();
    c.position.n_rows = long(results_.file().n_rows());
    c.position.wall_time = wall_.now();
    write_checkpoint(dir_, c, sim.transport(), sim.state());
    last_ = wall_.now();
  }

 private:
  fs::path dir_;
  std::string inputs_json_;
  double interval_;
  const WallClock& wall_;
  ResultsWriter& results_;
  double last_;
};

/// The terminal: each deposit (the first few in full), and a progress bar (a log line every 5 s
/// when not a terminal) after each output time.
class Progress : public Observer {
 public:
  Progress(const Simulation& sim, const WallClock& wall, bool quiet)
      : wall_(wall), quiet_(quiet), run_start_time_(sim.time()), wall_at_start_(wall.now()) {}
  void on_injection_given(const Simulation& sim, std::size_t index, int n_filled) override {
    if (quiet_) return;
    const std::vector<Injection>& all = sim.injections();
    const Injection& injection = all[index];
    const long given = long(index) + 1, shown = 6;  // the first few deposits in full, then one line per ten
    if (all.size() > std::size_t(shown + 2) && given > shown) {
      if (given % 10 == 0 || given == long(all.size()))
        std::printf("  injections: %ld of %zu given (t = %.0f s)\n", given, all.size(), sim.time());
    } else {
      const Tissue& tissue = sim.transport().tissue();
      std::printf("  injection: %.3f mL at %.2f mm depth (%s), %s deposit over %d cells, t = %.0f s\n",
                  injection.volume * 1e6, injection.depth * 1e3, tissue.layers[tissue.layer_at(injection.depth)].name.c_str(),
                  sim.injection_model().name().c_str(), n_filled, sim.time());
    }
  }
  void on_output(const Simulation& sim, const OutputPoint& point) override {
    if (quiet_ || point.index == 0) return;
    const TransportState& state = sim.state();
    const double t_end = sim.end_time(), wall = wall_.now();
    const double fraction = state.time / t_end;
    const double rate = (state.time - run_start_time_) / std::max(wall - wall_at_start_, 1e-9);
    const double eta = rate > 0 ? (t_end - state.time) / rate : 0.0;
    double in_tissue = 0.0, injected = 0.0;
    for (int c = 0; c < sim.transport().n_components(); ++c) {
      in_tissue += sim.injection_model().mass_in_fluid(state, c) + mass_bound(sim.transport(), state, c);
      injected += state.ledger[c].injected;
    }
    const double in_tissue_percent = injected > 0 ? 100 * in_tissue / injected : 0.0;
    if (terminal_) {
      const int width = 30, filled = int(fraction * width);
      std::printf("\r  [%s%s] %s  %5.1f%%  %ld steps  %.2f sim-d/wall-s  ETA %.0f s  in tissue %.1f%%   ",
                  std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                  format_day_time(state.time).c_str(), 100 * fraction, state.n_steps, rate / 86400.0, eta,
                  in_tissue_percent);
      std::fflush(stdout);
    } else if (wall - last_log_ >= 5.0 || point.index == sim.n_outputs()) {
      last_log_ = wall;
      std::printf("  %s: %ld steps, %.1f s wall, ETA %.0f s, %.1f%% of the injected mass in tissue\n",
                  format_day_time(state.time).c_str(), state.n_steps, wall, eta, in_tissue_percent);
      std::fflush(stdout);
    }
  }
  void finish() const {
    if (terminal_ && !quiet_) std::printf("\n");
  }

 private:
  const WallClock& wall_;
  bool quiet_;
  bool terminal_ = isatty(STDOUT_FILENO) != 0;
  double run_start_time_, wall_at_start_;
  double last_log_ = -1e300;
};

/// Every component's metrics at every output time, for the summary's time-integrated figures.
class MetricsSeries : public Observer {
 public:
  explicit MetricsSeries(int n_components) : series_(std::size_t(n_components)) {}
  void on_output(const Simulation&, const OutputPoint& point) override { add(point.row); }
  void add(const SeriesRow& row) {
    for (std::size_t c = 0; c < series_.size(); ++c) series_[c].push_back(row.metrics[c]);
  }
  const std::vector<ComponentMetrics>& of(int c) const { return series_[std::size_t(c)]; }

 private:
  std::vector<std::vector<ComponentMetrics>> series_;
};

/// summary.txt and summary.json (and the results file's /summary) of a finished run.
void write_summary(const Simulation& sim, const MetricsSeries& series, ResultsWriter& results, const fs::path& out,
                   double wall) {
  const Scenario& scenario = sim.scenario();
  const TransportModel& model = sim.transport();
  const InjectionModel& injection_model = sim.injection_model();
  const TransportState& state = sim.state();
  const double t_end = sim.end_time();
  const long n_steps = injection_model.n_steps(), n_rejected = injection_model.n_rejected();
  const double output_wall = sim.observer_seconds(), metrics_wall = sim.metrics_seconds();
  std::ostringstream summary;
  summary << "MesoSim " << MESOSIM_VERSION << " " << scenario.name << ", " << format_day_time(t_end) << "\n";
  summary << "steps " << n_steps << " accepted, " << n_rejected << " rejected; wall " << wall << " s, of which metrics "
          << metrics_wall << " s, writing results " << output_wall << " s (" << results.file().n_snapshots()
          << " snapshots)\n";
  summary << "component, injected mg, in tissue %, to blood %, to lymph %, degraded %, out of box %, ledger residual\n";
  for (int c = 0; c < model.n_components(); ++c) {
    const MassLedger& l = state.ledger[c];
    const double boundary = l.through_sides();
    const double m0 = l.injected > 0.0 ? l.injected : 1.0;  // a component no cocktail holds: all zeros
    char line[256];
    std::snprintf(line, sizeof line, "%s, %.3f, %.2f, %.2f, %.2f, %.2f, %.2f, %.1e\n", model.component(c).name.c_str(),
                  m0 * 1e6, 100 * (injection_model.mass_in_fluid(state, c) + mass_bound(model, state, c)) / m0,
                  100 * l.to_blood / m0, 100 * l.to_lymph / m0, 100 * l.degraded / m0, 100 * boundary / m0,
                  injection_model.ledger_residual(state, c));
    summary << line;
  }
  json report;
  report["program"] = {{"name", "mesosim"}, {"version", MESOSIM_VERSION}, {"build", MESOSIM_BUILD}};
  report["scenario"] = {{"name", scenario.name}, {"file", scenario.file}};
  report["run"] = {{"end_time_s", t_end},
                   {"steps", n_steps},
                   {"rejected_steps", n_rejected},
                   {"reservoir", injection_model.name()},
                   {"wall_time_s", wall},
                   {"output_wall_time_s", output_wall},
                   {"metrics_wall_time_s", metrics_wall},
                   {"threads", omp_get_max_threads()},
                   {"scheme", scenario.integrator.scheme},
                   {"snapshots", results.file().n_snapshots()}};
  std::vector<std::string> target_layers;
  for (std::size_t layer : scenario.target.layers) target_layers.push_back(scenario.tissue.layers[layer].name);
  report["target"] = {{"layers", target_layers}, {"treated_radius_m", scenario.target.radius},
                      {"cells", scenario.target.cells(model).size()}};
  summary << "\ncomponent, residence half-life h, systemic fraction %, peak mg/mL, max coverage %, time above threshold h\n";
  for (int c = 0; c < model.n_components(); ++c) {
    const RunFigures f = summarise(series.of(c));
    const ComponentMetrics& last = series.of(c).back();
    report["components"].push_back(
        {{"name", model.component(c).name},
         {"injected_kg", state.ledger[c].injected},
         {"threshold_kg_m3", scenario.target.threshold[c]},
         {"residence_half_life_s", f.residence_half_life < 0 ? json() : json(f.residence_half_life)},
         {"systemic_fraction", f.systemic_fraction},
         {"lymph_fraction", last.to_lymph},
         {"degraded_fraction", last.degraded},
         {"out_of_box_fraction", last.out_of_box},
         {"in_tissue_fraction", last.in_tissue},
         {"peak_kg_m3", f.peak},
         {"max_coverage", f.max_coverage},
         {"coverage_time_s", f.coverage_time},
         {"time_half_covered_s", f.time_half_covered},
         {"time_above_threshold_s", f.time_above_threshold},
         {"final_uniformity_cv", last.uniformity_cv},
         {"ledger_residual", injection_model.ledger_residual(state, c)}});
    char half_life[32] = "not reached";
    if (f.residence_half_life >= 0) std::snprintf(half_life, sizeof half_life, "%.2f", f.residence_half_life / 3600);
    char line[256];
    std::snprintf(line, sizeof line, "%s, %s, %.2f, %.3g, %.1f, %.1f\n", model.component(c).name.c_str(), half_life,
                  100 * f.systemic_fraction, f.peak, 100 * f.max_coverage, f.time_above_threshold / 3600);
    summary << line;
  }
  injection_model.add_summary(state, report, summary);
  results.file().finish(report.dump(2));
  write_text_atomically(out / "summary.txt", summary.str());
  write_text_atomically(out / "summary.json", report.dump(2) + "\n");
  std::error_code ec;
  fs::remove(out / "checkpoint.h5", ec);  // finished: nothing to resume
  std::cout << summary.str();
  std::printf("results: %s (results.h5 + results.xmf for ParaView, ledger.csv, metrics.csv, summary.txt, "
              "summary.json)\n",
              fs::absolute(out).string().c_str());
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

/// A fresh results.h5 (with the scenario's text and every resolved value) and scenario.toml.
std::unique_ptr<ResultsFile> create_results(const fs::path& out, const RunOptions& options, const std::string& source,
                                            const Simulation& sim) {
  std::string stored = source;
  if (!options.overrides.empty()) {
    stored.append("\n# --set overrides given on the command line:\n");
    for (const std::string& o : options.overrides) stored.append("#   ").append(o).append("\n");
  }
  write_text_atomically(out / "scenario.toml", stored);
  RunDescription description;
  description.program_version = MESOSIM_VERSION;
  description.build = MESOSIM_BUILD;
  description.scenario_name = sim.scenario().name;
  description.scenario_file = options.scenario.empty() ? "(built-in case)" : options.scenario;
  description.scenario_source = source;
  description.overrides = options.overrides;
  description.resolved_json = describe(sim.scenario()).dump();
  return std::make_unique<ResultsFile>(out, sim.transport(), description, sim.injections(), options.float32);
}

}  // namespace

int run(const RunOptions& requested) {
  if (requested.threads < 0) throw InputError("--threads must be >= 1 (or 0 for OMP_NUM_THREADS / all cores)");
  const bool resuming = !requested.resume.empty();

  // The run's inputs: from the command line, or as the checkpoint recorded them.
  RunOptions options = requested;
  std::string source;
  ResumePoint resume;
  if (resuming) {
    resume.checkpoint = read_checkpoint(requested.resume);
    try {
      options = options_from_json(json::parse(resume.checkpoint.inputs_json), requested, source);
    } catch (const json::exception& e) {
      throw InputError(requested.resume + "/checkpoint.h5: the recorded inputs are damaged (" + e.what() + ")");
    }
    if (options.threads == 0) options.threads = resume.checkpoint.threads;
  }
  if (options.threads > 0) omp_set_num_threads(options.threads);
  const Scenario scenario = resolve_scenario(options, &source);
  OutputSchedule schedule;
  schedule.snapshot_interval = parse_quantity("--snapshot-interval", options.snapshot_interval, Dimension::of_time());
  const double checkpoint_interval =
      parse_quantity("--checkpoint-every", options.checkpoint_interval, Dimension::of_time());
  if (!(schedule.snapshot_interval > 0.0)) throw InputError("--snapshot-interval must be positive, e.g. \"6 h\"");
  if (!(checkpoint_interval > 0.0)) throw InputError("--checkpoint-every must be positive, e.g. \"10 min\"");
  const fs::path out = output_directory(options, scenario);
  resume.directory = out;
  Simulation sim(scenario, schedule, resuming ? &resume : nullptr);  // every check before anything is written
  if (!resuming) prepare_output(out, options.force);
  if (resuming && options.threads != resume.checkpoint.threads)
    std::fprintf(stderr,
                 "mesosim: warning: resuming with %d threads, the run started with %d: results will agree to "
                 "round-off, not bitwise\n",
                 omp_get_max_threads(), resume.checkpoint.threads);
  const TransportModel& model = sim.transport();
  const Grid& g = model.grid();
  std::printf("MesoSim %s: %s, %d x %d x %d cells of %.0f um (%.1f M cells), %d components\n", MESOSIM_VERSION,
              scenario.name.c_str(), g.nx, g.ny, g.nz, g.hx * 1e6, double(g.n_cells()) * 1e-6, model.n_components());

  // The observers: results.h5, the CSV tables, the metrics series, progress, checkpoints.
  const RunPosition& position = resume.checkpoint.position;
  const WallClock wall(resuming ? position.wall_time : 0.0);
  std::unique_ptr<ResultsWriter> results;
  std::unique_ptr<CsvTables> tables;
  MetricsSeries series(model.n_components());
  if (resuming) {
    results = std::make_unique<ResultsWriter>(
        std::make_unique<ResultsFile>(out, model, std::size_t(position.n_snapshots), std::size_t(position.n_rows),
                                      options.float32),
        sim.injection_model(), position.n_snapshots);
    results->reload_tables();
    tables = std::make_unique<CsvTables>(out, model);
    for (const SeriesRow& row : read_series(results->file().path(), model)) {
      tables->add(row);
      series.add(row);
    }
    std::printf("  resuming at %s (%ld steps so far) from %s\n", format_day_time(sim.time()).c_str(),
                sim.state().n_steps, (out / "checkpoint.h5").string().c_str());
  } else {
    results = std::make_unique<ResultsWriter>(create_results(out, options, source, sim), sim.injection_model(), 0);
    tables = std::make_unique<CsvTables>(out, model);
  }
  const std::vector<Injection>& injections = sim.injections();
  const long late = std::count_if(injections.begin(), injections.end(),
                                  [&](const Injection& i) { return i.time > scenario.end_time; });
  if (late > 0 && !resuming)
    std::fprintf(stderr, "mesosim: warning: %ld of %zu injections come after the end of the run (%s) and are not given\n",
                 late, injections.size(), format_day_time(scenario.end_time).c_str());
  Progress progress(sim, wall, options.quiet);
  Checkpointer checkpoints(out, options_to_json(options, source).dump(), checkpoint_interval, wall, *results);
  for (Observer* observer : std::initializer_list<Observer*>{tables.get(), results.get(), &series, &progress, &checkpoints})
    sim.add_observer(*observer);
  if (!resuming) sim.start();
  std::printf("  scheme %s, %d threads; results in %s\n", scenario.integrator.scheme.c_str(), omp_get_max_threads(),
              out.string().c_str());

  StopSignals signals(sim);
  if (!sim.run()) {
    const int signal = stop_signal.load();
    const char* gap = isatty(STDOUT_FILENO) ? "\n" : "";
    if (!sim.can_checkpoint()) {  // the end came before the fluid was at rest
      std::printf("%s  stopped at %s while the injected fluid still moves: no checkpoint can be written then; "
                  "results up to here are in %s\n",
                  gap, format_day_time(sim.time()).c_str(), out.string().c_str());
    } else {
      checkpoints.save(sim);
      std::printf("%s  stopped by %s at %s (%ld steps); checkpoint written.\n  continue with: mesosim run --resume %s\n",
                  gap, signal == SIGTERM ? "SIGTERM" : "SIGINT", format_day_time(sim.time()).c_str(),
                  sim.state().n_steps, out.string().c_str());
    }
    return signal == SIGTERM ? 143 : 130;
  }
  progress.finish();
  write_summary(sim, series, *results, out, wall.now());
  return 0;
}

}  // namespace mesosim
