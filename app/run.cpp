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
#include "models/output_schedule.hpp"
#include "scenarios/units.hpp"
#include "solver/darcy_reservoir.hpp"
#include "solver/deposit.hpp"
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

std::atomic<bool> stop_requested{false};
std::atomic<int> stop_signal{0};

extern "C" void on_stop_signal(int signal) {
  stop_signal.store(signal);
  stop_requested.store(true);
}

/// SIGINT / SIGTERM ask the run to stop after the current step; restored when the run ends.
class StopSignals {
 public:
  StopSignals() {
    stop_requested.store(false);
    stop_signal.store(0);
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~StopSignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
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

/// Everything printed or stored at one output time.
SeriesRow take_row(const TransportModel& model, const TransportState& state, const std::vector<std::size_t>& target,
                   const std::vector<double>& threshold, const DarcyReservoir* reservoir) {
  SeriesRow row;
  row.time = state.time;
  for (int c = 0; c < model.n_components(); ++c) {
    // While the darcy reservoir's fluid moves, the solute in the excess fluid counts too.
    const double in_fluid = reservoir ? reservoir->mass_in_fluid(state, c) : mass_in_fluid(model, state, c);
    const double bound = mass_bound(model, state, c);
    row.metrics.push_back(measure(model, state, c, target, threshold[c], in_fluid + bound));
    row.ledger.push_back(state.ledger[c]);
    const MassLedger& l = state.ledger[c];
    row.in_fluid.push_back(in_fluid);
    row.bound.push_back(bound);
    row.residual.push_back(l.injected == 0.0 ? 0.0 : (l.injected - (in_fluid + bound) - l.removed()) / l.injected);
  }
  return row;
}

/// ledger.csv and metrics.csv: one line per component per output time.
class CsvTables {
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

/// The bleb of the darcy reservoir over time (recorded at every coupled step while fluid moves).
struct BlebSeries {
  static inline const std::vector<std::string> names{"time_s",       "excess_volume_m3", "peak_pressure_Pa",
                                                     "peak_depth_m", "diameter_m",       "thickness_m",
                                                     "peak_elevation_m", "fluid_ledger_residual", "peak_excess",
                                                     "max_fluid_fraction"};
  std::vector<std::vector<double>> columns = std::vector<std::vector<double>>(names.size());
  std::size_t written = 0;  // rows already in results.h5

  void record(double time, const DarcyReservoir& reservoir, double e_bleb) {
    const BlebFigures b = reservoir.bleb(e_bleb);
    const double row[] = {time,       b.excess_volume, b.peak_pressure,  b.peak_depth,
                          b.diameter, b.thickness,     b.peak_elevation, reservoir.fluid_ledger_residual(),
                          b.peak_excess, b.max_fluid_fraction};
    for (std::size_t n = 0; n < names.size(); ++n) columns[n].push_back(row[n]);
  }
  std::size_t size() const { return columns[0].size(); }
  double max_of(std::size_t column) const {
    double m = 0.0;
    for (double v : columns[column]) m = std::max(m, std::abs(v));
    return m;
  }
  /// Time from the largest excess volume until half of it is left (linear between rows), s; -1 if
  /// not reached.
  double half_life() const {
    const std::vector<double>& t = columns[0];
    const std::vector<double>& v = columns[1];
    if (v.empty()) return -1.0;
    const std::size_t top = std::size_t(std::max_element(v.begin(), v.end()) - v.begin());
    for (std::size_t n = top + 1; n < v.size(); ++n)
      if (v[n] <= 0.5 * v[top])
        return t[n - 1] + (t[n] - t[n - 1]) * (v[n - 1] - 0.5 * v[top]) / std::max(v[n - 1] - v[n], 1e-300) - t[top];
    return -1.0;
  }
  void flush_to(ResultsFile& results) {
    if (written == size()) return;
    std::vector<std::vector<double>> fresh;
    for (const std::vector<double>& column : columns) fresh.emplace_back(column.begin() + long(written), column.end());
    results.append_columns("/bleb", names, fresh);
    written = size();
  }
};

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

double memory_estimate(const Scenario& scenario) {
  // The fields (u, and b when a component binds) times the copies the scheme keeps (explicit: 2,
  // adaptive implicit: 3, fixed implicit: 1), plus line scratch and one output buffer.
  bool binding = false;
  for (const Component& component : scenario.components) binding |= component.has_binding();
  const double copies = scenario.integrator.scheme == "explicit" ? 2.0 : scenario.integrator.adaptive ? 3.0 : 1.0;
  const double fields = double(scenario.components.size()) * (binding ? 2.0 : 1.0) * copies + 1.0;
  return double(scenario.grid.n_cells()) * 8.0 * fields * 1.05;
}

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

int run(const RunOptions& requested) {
  if (requested.threads < 0) throw InputError("--threads must be >= 1 (or 0 for OMP_NUM_THREADS / all cores)");
  const bool resuming = !requested.resume.empty();

  // The run's inputs: from the command line, or as the checkpoint recorded them.
  RunOptions options = requested;
  std::string source;
  Checkpoint checkpoint;
  if (resuming) {
    checkpoint = read_checkpoint(requested.resume);
    try {
      options = options_from_json(json::parse(checkpoint.inputs_json), requested, source);
    } catch (const json::exception& e) {
      throw InputError(requested.resume + "/checkpoint.h5: the recorded inputs are damaged (" + e.what() + ")");
    }
    if (options.threads == 0) options.threads = checkpoint.threads;
  }
  if (options.threads > 0) omp_set_num_threads(options.threads);
  const Scenario scenario = resolve_scenario(options, &source);
  const double snapshot_interval =  // empty: the geometric schedule
      options.snapshot_interval.empty()
          ? 1.0
          : parse_quantity("--snapshot-interval", options.snapshot_interval, Dimension::of_time());
  const double checkpoint_interval =
      parse_quantity("--checkpoint-every", options.checkpoint_interval, Dimension::of_time());
  if (!(snapshot_interval > 0.0)) throw InputError("--snapshot-interval must be positive, e.g. \"6 h\"");
  if (!(checkpoint_interval > 0.0)) throw InputError("--checkpoint-every must be positive, e.g. \"10 min\"");
  const std::unique_ptr<Prepared> prepared = prepare(scenario);  // every check before anything is written
  // The darcy reservoir pushes every injection in by interstitial flow; it owns its solute model
  // and, once the fluid is at rest, the plain integrator.
  const bool darcy = !scenario.injections.empty() && scenario.injections.front().reservoir == "darcy";
  std::unique_ptr<DarcyReservoir> reservoir;
  // Schedules the darcy injections from time t on (all of them, or after a resumed checkpoint).
  auto schedule_injections = [&](double from) {
    try {
      for (const Injection& injection : scenario.injections)
        if (injection.time >= from) reservoir->add_injection(darcy_injection(injection, injection.rate));
    } catch (const InputError& e) {
      throw InputError(scenario.file + ": injections: " + e.what());
    }
  };
  if (darcy) {
    DarcySettings settings;
    settings.at_rest = scenario.integrator;
    reservoir = std::make_unique<DarcyReservoir>(scenario.grid, scenario.boundaries, scenario.tissue,
                                                 scenario.components, settings);
    if (!resuming) schedule_injections(0.0);
  }
  const TransportModel& model = darcy ? reservoir->solute_model() : *prepared->model;
  Integrator& integrator = *prepared->integrator;
  const double t_end = scenario.end_time, interval = scenario.output_interval;
  std::vector<double> injection_times;
  for (const Injection& injection : scenario.injections) injection_times.push_back(injection.time);
  const OutputSchedule schedule = options.snapshot_interval.empty()
                                      ? geometric_schedule(t_end, interval, injection_times)
                                      : fixed_schedule(t_end, interval, snapshot_interval);
  const long n_outputs = long(schedule.times.size()) - 1;

  fs::path out(options.out.empty() ? scenario.output_directory : options.out);
  if (out.empty()) {
    const std::time_t now = std::time(nullptr);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
    const std::string stem = options.scenario.empty() ? "default" : fs::path(options.scenario).stem().string();
    out = fs::path("results") / (stem + "-" + stamp);
  }
  if (!resuming) prepare_output(out, options.force);
  if (resuming && options.threads != checkpoint.threads)
    std::fprintf(stderr,
                 "mesosim: warning: resuming with %d threads, the run started with %d: results will agree to "
                 "round-off, not bitwise\n",
                 omp_get_max_threads(), checkpoint.threads);

  TransportState state = darcy ? reservoir->make_state() : TransportState(model);
  BlebSeries bleb;
  constexpr double e_bleb = 0.1;  // excess fluid fraction that counts as bleb (MODEL §2)
  // The bleb of each injection when its flow stops, measured within half the distance to the
  // nearest other tip (all of the tissue for a lone one): /bleb_per_injection in results.h5.
  static const std::vector<std::string> injection_bleb_names{
      "injection", "end_time_s", "excess_volume_m3", "diameter_m", "thickness_m", "peak_pressure_Pa", "peak_elevation_m"};
  std::vector<std::vector<double>> injection_blebs(injection_bleb_names.size());
  std::size_t injection_blebs_written = 0;
  std::vector<Injection> pending = scenario.injections;  // in time order, deposited when due
  std::stable_sort(pending.begin(), pending.end(), [](const Injection& a, const Injection& b) { return a.time < b.time; });
  RunPosition position;
  const std::vector<std::size_t> target_cells = scenario.target.cells(model);
  std::vector<std::vector<ComponentMetrics>> series(model.n_components());

  const Grid& g = model.grid();
  std::printf("MesoSim %s: %s, %d x %d x %d cells of %.0f um (%.1f M cells), %d components\n", MESOSIM_VERSION,
              scenario.name.c_str(), g.nx, g.ny, g.nz, g.hx * 1e6, double(g.n_cells()) * 1e-6, model.n_components());

  std::unique_ptr<ResultsFile> results;
  std::unique_ptr<CsvTables> tables;
  std::size_t bleb_rows_at_checkpoint = 0;
  if (resuming) {
    position = checkpoint.position;
    read_checkpoint_state(out, model, state);
    if (darcy) {
      // The reservoir was at rest at the checkpoint: its plain integrator, counters and fluid
      // ledger, then the injections still to come; the bleb series so far from results.h5.
      const std::vector<double>& r = checkpoint.extra_reals;
      const std::vector<long long>& n = checkpoint.extra_counts;
      // Checkpoints before the stiffened reservoir lack the last 3 reals and 2 counts (solver statistics).
      const bool with_statistics = r.size() == 4 + 4 + n_sides + 3 && n.size() == 7;
      if (!with_statistics && (r.size() != 4 + 4 + n_sides || n.size() != 5))
        throw InputError((out / "checkpoint.h5").string() + ": the darcy reservoir's memory is missing or damaged");
      DarcyReservoir::RestMemory memory;
      memory.rest = checkpoint.integrator;
      memory.stats.smallest_step = r[0];
      memory.stats.largest_step = r[1];
      memory.stats.released_volume = r[2];
      memory.stats.rest_time = r[3];
      memory.fluid_ledger.injected = r[4];
      memory.fluid_ledger.to_blood = r[5];
      memory.fluid_ledger.to_lymph = r[6];
      memory.fluid_ledger.degraded = r[7];
      for (int side = 0; side < n_sides; ++side) memory.fluid_ledger.boundary[side] = r[8 + side];
      memory.stats.n_coupled_steps = long(n[0]);
      memory.stats.n_rest_steps = long(n[1]);
      memory.fluid_steps = long(n[2]);
      if (with_statistics) {
        memory.stats.pressure_seconds = r[8 + n_sides];
        memory.stats.advection_seconds = r[9 + n_sides];
        memory.stats.diffusion_seconds = r[10 + n_sides];
        memory.stats.n_pressure_solves = long(n[5]);
        memory.stats.n_pressure_iterations = long(n[6]);
      }
      reservoir->restore_at_rest(memory, state.time);
      schedule_injections(state.time);
      bleb_rows_at_checkpoint = std::size_t(n[3]);
      injection_blebs_written = std::size_t(n[4]);
    } else {
      integrator.restore(checkpoint.integrator);
    }
    results = std::make_unique<ResultsFile>(out, model, std::size_t(position.n_snapshots), std::size_t(position.n_rows),
                                            options.float32);
    if (darcy) {
      results->add_field("excess_fluid", "excess fluid volume per tissue volume, dimensionless");
      bleb.columns = results->truncate_columns("/bleb", BlebSeries::names, bleb_rows_at_checkpoint);
      bleb.written = bleb_rows_at_checkpoint;
      injection_blebs = results->truncate_columns("/bleb_per_injection", injection_bleb_names, injection_blebs_written);
    }
    tables = std::make_unique<CsvTables>(out, model);
    for (const SeriesRow& row : read_series(results->path(), model)) {
      tables->add(row);
      for (int c = 0; c < model.n_components(); ++c) series[c].push_back(row.metrics[c]);
    }
    std::printf("  resuming at %s (%ld steps so far) from %s\n", format_day_time(state.time).c_str(), state.n_steps,
                (out / "checkpoint.h5").string().c_str());
  } else {
    {
      std::string stored = source;
      if (!options.overrides.empty()) {
        stored.append("\n# --set overrides given on the command line:\n");
        for (const std::string& o : options.overrides) stored.append("#   ").append(o).append("\n");
      }
      write_text_atomically(out / "scenario.toml", stored);
    }
    RunDescription description;
    description.program_version = MESOSIM_VERSION;
    description.build = MESOSIM_BUILD;
    description.scenario_name = scenario.name;
    description.scenario_file = options.scenario.empty() ? "(built-in case)" : options.scenario;
    description.scenario_source = source;
    description.overrides = options.overrides;
    description.resolved_json = describe(scenario).dump();
    results = std::make_unique<ResultsFile>(out, model, description, pending, options.float32);
    if (darcy) results->add_field("excess_fluid", "excess fluid volume per tissue volume, dimensionless");
    tables = std::make_unique<CsvTables>(out, model);
  }

  {
    const long late = std::count_if(pending.begin(), pending.end(), [&](const Injection& i) { return i.time > t_end; });
    if (late > 0 && !resuming)
      std::fprintf(stderr, "mesosim: warning: %ld of %zu injections come after the end of the run (%s) and are not given\n",
                   late, pending.size(), format_day_time(t_end).c_str());
  }
  auto deposit_due = [&] {
    while (position.next_injection < long(pending.size()) && pending[position.next_injection].time <= state.time) {
      const Injection& injection = pending[position.next_injection++];
      const int n_filled = deposit_instant(model, state, injection);
      const long shown = 6;  // the first few deposits in full, then one line per ten
      if (pending.size() > std::size_t(shown + 2) && position.next_injection > shown) {
        if (!options.quiet && (position.next_injection % 10 == 0 || position.next_injection == long(pending.size())))
          std::printf("  injections: %ld of %zu given (t = %.0f s)\n", position.next_injection, pending.size(),
                      state.time);
      } else if (!options.quiet)
        std::printf("  injection: %.3f mL at %.2f mm depth (%s), %s deposit over %d cells, t = %.0f s\n",
                    injection.volume * 1e6, injection.depth * 1e3,
                    model.tissue().layers[model.tissue().layer_at(injection.depth)].name.c_str(),
                    injection.reservoir.c_str(), n_filled, state.time);
    }
  };
  double output_wall = 0.0, metrics_wall = 0.0;  // s spent writing results / measuring metrics
  auto record = [&](bool snapshot) {
    const auto metrics_start = std::chrono::steady_clock::now();
    const SeriesRow row = take_row(model, state, target_cells, scenario.target.threshold, reservoir.get());
    const auto output_start = std::chrono::steady_clock::now();
    metrics_wall += std::chrono::duration<double>(output_start - metrics_start).count();
    tables->add(row);
    results->append(row);
    for (int c = 0; c < model.n_components(); ++c) series[c].push_back(row.metrics[c]);
    if (darcy) bleb.flush_to(*results);
    if (snapshot) {
      if (darcy) results->write_snapshot(state, {reservoir->excess().data()});
      else results->write_snapshot(state);
      ++position.n_snapshots;
    }
    output_wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - output_start).count();
  };
  // Darcy: when each injection's flow stops (s, in `pending` order and sorted), and the lateral
  // radius its own bleb is measured in: half the distance to the nearest other tip.
  std::vector<double> injection_end, injection_ends, injection_radius;
  if (darcy) {
    position.next_injection = long(pending.size());  // all scheduled in the reservoir
    for (const Injection& injection : pending) {
      injection_end.push_back(injection.time + injection.volume / injection.rate);
      double radius = std::numeric_limits<double>::infinity();
      for (const Injection& other : pending) {
        const double d = std::hypot(other.x - injection.x, other.y - injection.y);
        if (d > 1e-9) radius = std::min(radius, 0.5 * d);
      }
      injection_radius.push_back(radius);
    }
    injection_ends = injection_end;
    std::sort(injection_ends.begin(), injection_ends.end());
  }
  if (!resuming) {
    deposit_due();
    if (darcy) bleb.record(state.time, *reservoir, e_bleb);
    record(true);
  }
  std::printf("  scheme %s, %d threads; results in %s\n", scenario.integrator.scheme.c_str(), omp_get_max_threads(),
              out.string().c_str());

  const auto start = std::chrono::steady_clock::now();
  const double wall_before = position.wall_time;
  auto wall_now = [&] { return wall_before + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  double last_checkpoint = wall_now();
  auto save_checkpoint = [&] {
    const auto output_start = std::chrono::steady_clock::now();
    Checkpoint c;
    c.inputs_json = options_to_json(options, source).dump();
    c.threads = omp_get_max_threads();
    if (darcy) bleb.flush_to(*results);
    results->sync();
    c.position = position;
    c.position.n_rows = long(results->n_rows());
    c.position.wall_time = wall_now();
    if (darcy) {
      const DarcyReservoir::RestMemory memory = reservoir->rest_memory();  // at rest: checked by the callers
      c.integrator = memory.rest;
      const MassLedger& f = memory.fluid_ledger;
      c.extra_reals = {memory.stats.smallest_step, memory.stats.largest_step, memory.stats.released_volume,
                       memory.stats.rest_time, f.injected, f.to_blood, f.to_lymph, f.degraded};
      c.extra_reals.insert(c.extra_reals.end(), f.boundary.begin(), f.boundary.end());
      c.extra_reals.insert(c.extra_reals.end(), {memory.stats.pressure_seconds, memory.stats.advection_seconds,
                                                 memory.stats.diffusion_seconds});
      c.extra_counts = {memory.stats.n_coupled_steps, memory.stats.n_rest_steps, memory.fluid_steps,
                        (long long)bleb.written, (long long)injection_blebs_written,
                        memory.stats.n_pressure_solves, memory.stats.n_pressure_iterations};
    } else {
      c.integrator = integrator.memory();
    }
    write_checkpoint(out, c, model, state);
    last_checkpoint = wall_now();
    output_wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - output_start).count();
  };
  auto periodic_checkpoint = [&](const TransportState&) {
    if (wall_now() - last_checkpoint >= checkpoint_interval && (!darcy || reservoir->at_rest())) save_checkpoint();
  };
  StopSignals signals;
  integrator.set_stop_flag(&stop_requested);
  if (darcy) reservoir->set_stop_flag(&stop_requested);
  auto stopped = [&]() -> int {
    save_checkpoint();
    const int signal = stop_signal.load();
    std::printf("%s  stopped by %s at %s (%ld steps); checkpoint written.\n  continue with: mesosim run --resume %s\n",
                isatty(STDOUT_FILENO) ? "\n" : "", signal == SIGTERM ? "SIGTERM" : "SIGINT",
                format_day_time(state.time).c_str(), state.n_steps, out.string().c_str());
    return signal == SIGTERM ? 143 : 130;
  };

  const bool terminal = isatty(STDOUT_FILENO) != 0;
  double last_log = -1e300;
  const double run_start_time = state.time;
  const double wall_at_start = wall_now();
  for (long& n = position.next_output; n <= n_outputs; ++n) {
    const double t_out = schedule.times[std::size_t(n)];
    // Later injections: stop at each, deposit, restart the step-size control on the new field.
    while (position.next_injection < long(pending.size()) && pending[position.next_injection].time < t_out) {
      if (!integrator.advance_to(state, pending[position.next_injection].time, periodic_checkpoint)) return stopped();
      deposit_due();
      integrator.restart();
    }
    if (darcy) {
      bool was_moving = !reservoir->at_rest();
      const bool reached = reservoir->advance_to(state, t_out, [&](const TransportState& s) {
        if (!reservoir->at_rest() || was_moving) bleb.record(s.time, *reservoir, e_bleb);
        was_moving = !reservoir->at_rest();
        if (std::binary_search(injection_ends.begin(), injection_ends.end(), s.time)) {
          // An injection's flow has just stopped: its bleb, and a snapshot unless an output is due.
          for (std::size_t i = 0; i < pending.size(); ++i) {
            if (injection_end[i] != s.time) continue;
            const Injection& injection = pending[i];
            const BlebFigures b = reservoir->bleb_near(e_bleb, injection.x, injection.y, injection_radius[i]);
            const double row[] = {double(i), s.time, b.excess_volume, b.diameter, b.thickness, b.peak_pressure,
                                  b.peak_elevation};
            for (std::size_t c = 0; c < injection_bleb_names.size(); ++c) injection_blebs[c].push_back(row[c]);
          }
          std::vector<std::vector<double>> fresh;
          for (const std::vector<double>& column : injection_blebs)
            fresh.emplace_back(column.begin() + long(injection_blebs_written), column.end());
          results->append_columns("/bleb_per_injection", injection_bleb_names, fresh);
          injection_blebs_written = injection_blebs[0].size();
          if (s.time < t_out) {
            const auto start_write = std::chrono::steady_clock::now();
            bleb.flush_to(*results);
            results->write_snapshot(s, {reservoir->excess().data()});
            ++position.n_snapshots;
            output_wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_write).count();
          }
        }
        periodic_checkpoint(s);
      });
      if (!reached) return stopped();
    } else if (!integrator.advance_to(state, t_out, periodic_checkpoint)) {
      return stopped();
    }
    record(schedule.snapshot[std::size_t(n)]);
    if (stop_requested.load()) {
      ++n;
      if (darcy && !reservoir->at_rest()) {  // the end came before the fluid was at rest
        std::printf("%s  stopped at %s while the injected fluid still moves: no checkpoint can be written then; "
                    "results up to here are in %s\n",
                    isatty(STDOUT_FILENO) ? "\n" : "", format_day_time(state.time).c_str(), out.string().c_str());
        return stop_signal.load() == SIGTERM ? 143 : 130;
      }
      return stopped();
    }
    if (options.quiet) continue;
    const double wall = wall_now();
    const double fraction = state.time / t_end;
    const double rate = (state.time - run_start_time) / std::max(wall - wall_at_start, 1e-9);
    const double eta = rate > 0 ? (t_end - state.time) / rate : 0.0;
    double in_tissue = 0.0, injected = 0.0;
    for (int c = 0; c < model.n_components(); ++c) {
      in_tissue += (darcy ? reservoir->mass_in_fluid(state, c) : mass_in_fluid(model, state, c)) +
                   mass_bound(model, state, c);
      injected += state.ledger[c].injected;
    }
    const double in_tissue_percent = injected > 0 ? 100 * in_tissue / injected : 0.0;
    if (terminal) {
      const int width = 30, filled = int(fraction * width);
      std::printf("\r  [%s%s] %s  %5.1f%%  %ld steps  %.2f sim-d/wall-s  ETA %.0f s  in tissue %.1f%%   ",
                  std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                  format_day_time(state.time).c_str(), 100 * fraction, state.n_steps, rate / 86400.0, eta,
                  in_tissue_percent);
      std::fflush(stdout);
    } else if (wall - last_log >= 5.0 || n == n_outputs) {
      last_log = wall;
      std::printf("  %s: %ld steps, %.1f s wall, ETA %.0f s, %.1f%% of the injected mass in tissue\n",
                  format_day_time(state.time).c_str(), state.n_steps, wall, eta, in_tissue_percent);
      std::fflush(stdout);
    }
  }
  if (terminal && !options.quiet) std::printf("\n");
  const double wall = wall_now();

  // Steps: the plain integrator's, or the darcy reservoir's coupled steps plus its plain ones.
  const long n_steps = darcy ? reservoir->stats().n_coupled_steps + reservoir->rest_integrator().stats().n_accepted
                             : integrator.stats().n_accepted;
  const long n_rejected = darcy ? reservoir->rest_integrator().stats().n_rejected : integrator.stats().n_rejected;
  auto residual_of = [&](int c) {
    return darcy ? reservoir->ledger_residual(state, c) : ledger_residual(model, state, c);
  };
  auto in_fluid_of = [&](int c) { return darcy ? reservoir->mass_in_fluid(state, c) : mass_in_fluid(model, state, c); };
  std::ostringstream summary;
  summary << "MesoSim " << MESOSIM_VERSION << " " << scenario.name << ", " << format_day_time(t_end) << "\n";
  summary << "steps " << n_steps << " accepted, " << n_rejected
          << " rejected; wall " << wall << " s, of which metrics " << metrics_wall << " s, writing results "
          << output_wall << " s (" << results->n_snapshots() << " snapshots)\n";
  summary << "component, injected mg, in tissue %, to blood %, to lymph %, degraded %, out of box %, ledger residual\n";
  for (int c = 0; c < model.n_components(); ++c) {
    const MassLedger& l = state.ledger[c];
    const double boundary = l.through_sides();
    const double m0 = l.injected > 0.0 ? l.injected : 1.0;  // a component no cocktail holds: all zeros
    char line[256];
    std::snprintf(line, sizeof line, "%s, %.3f, %.2f, %.2f, %.2f, %.2f, %.2f, %.1e\n", model.component(c).name.c_str(),
                  m0 * 1e6, 100 * (in_fluid_of(c) + mass_bound(model, state, c)) / m0,
                  100 * l.to_blood / m0, 100 * l.to_lymph / m0, 100 * l.degraded / m0, 100 * boundary / m0,
                  residual_of(c));
    summary << line;
  }
  json report;
  report["program"] = {{"name", "mesosim"}, {"version", MESOSIM_VERSION}, {"build", MESOSIM_BUILD}};
  report["scenario"] = {{"name", scenario.name}, {"file", scenario.file}};
  report["run"] = {{"end_time_s", t_end},
                   {"steps", n_steps},
                   {"rejected_steps", n_rejected},
                   {"reservoir", darcy ? "darcy" : "instant"},
                   {"wall_time_s", wall},
                   {"output_wall_time_s", output_wall},
                   {"metrics_wall_time_s", metrics_wall},
                   {"threads", omp_get_max_threads()},
                   {"scheme", scenario.integrator.scheme},
                   {"snapshots", results->n_snapshots()}};
  std::vector<std::string> target_layers;
  for (std::size_t layer : scenario.target.layers) target_layers.push_back(scenario.tissue.layers[layer].name);
  report["target"] = {{"layers", target_layers}, {"treated_radius_m", scenario.target.radius},
                      {"cells", target_cells.size()}};
  summary << "\ncomponent, residence half-life h, systemic fraction %, peak mg/mL, max coverage %, time above threshold h\n";
  for (int c = 0; c < model.n_components(); ++c) {
    const RunFigures f = summarise(series[c]);
    const ComponentMetrics& last = series[c].back();
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
         {"ledger_residual", residual_of(c)}});
    char half_life[32] = "not reached";
    if (f.residence_half_life >= 0) std::snprintf(half_life, sizeof half_life, "%.2f", f.residence_half_life / 3600);
    char line[256];
    std::snprintf(line, sizeof line, "%s, %s, %.2f, %.3g, %.1f, %.1f\n", model.component(c).name.c_str(), half_life,
                  100 * f.systemic_fraction, f.peak, 100 * f.max_coverage, f.time_above_threshold / 3600);
    summary << line;
  }
  if (darcy) {
    // The bleb: largest figures over the run, and how fast the excess fluid went.
    const double half_life = bleb.half_life();
    const DarcyStats& ds = reservoir->stats();
    report["bleb"] = {{"e_bleb", e_bleb},
                      {"max_excess_volume_m3", bleb.max_of(1)},
                      {"max_peak_pressure_Pa", bleb.max_of(2)},
                      {"max_diameter_m", bleb.max_of(4)},
                      {"max_thickness_m", bleb.max_of(5)},
                      {"max_surface_elevation_m", bleb.max_of(6)},
                      {"excess_volume_half_life_s", half_life < 0 ? json() : json(half_life)},
                      {"fluid_at_rest_s", ds.rest_time < 0 ? json() : json(ds.rest_time)},
                      {"released_volume_m3", ds.released_volume},
                      {"max_fluid_ledger_residual", bleb.max_of(7)},
                      {"max_excess_fraction", bleb.max_of(8)},
                      {"max_fluid_fraction", bleb.max_of(9)},
                      {"coupled_steps", ds.n_coupled_steps},
                      {"pressure_solves", ds.n_pressure_solves},
                      {"pressure_iterations", ds.n_pressure_iterations},
                      {"wall_pressure_s", ds.pressure_seconds},
                      {"wall_advection_s", ds.advection_seconds},
                      {"wall_diffusion_reaction_s", ds.diffusion_seconds}};
    char line[320];
    std::snprintf(line, sizeof line,
                  "\nbleb (excess fluid fraction >= %.2g): largest %.3f mL, %.1f mm across, %.2f mm thick, peak "
                  "pressure %.0f Pa, wheal %.2f mm high; half the excess fluid gone after %s; fluid at rest at %s "
                  "(%d coupled steps); fluid ledger residual %.1e\n",
                  e_bleb, bleb.max_of(1) * 1e6, bleb.max_of(4) * 1e3, bleb.max_of(5) * 1e3, bleb.max_of(2),
                  bleb.max_of(6) * 1e3, half_life < 0 ? "(not reached)" : (std::to_string(long(half_life / 60)) + " min").c_str(),
                  ds.rest_time < 0 ? "(not reached)" : format_day_time(ds.rest_time).c_str(), int(ds.n_coupled_steps),
                  bleb.max_of(7));
    summary << line;
    // No commas: the regression script compares comma-separated rows, and wall times vary.
    std::snprintf(line, sizeof line,
                  "coupled phase wall time: pressure %.1f s (%ld solves; %ld multigrid-CG iterations); advection "
                  "%.1f s; diffusion and reactions %.1f s\n",
                  ds.pressure_seconds, ds.n_pressure_solves, ds.n_pressure_iterations, ds.advection_seconds,
                  ds.diffusion_seconds);
    summary << line;
    json per_injection = json::array();
    for (std::size_t r = 0; r < injection_blebs[0].size(); ++r) {
      json entry;
      for (std::size_t c = 0; c < injection_bleb_names.size(); ++c) entry[injection_bleb_names[c]] = injection_blebs[c][r];
      entry["injection"] = long(injection_blebs[0][r]);
      per_injection.push_back(entry);
    }
    report["bleb"]["per_injection"] = per_injection;
    const std::size_t n_shown = std::min<std::size_t>(injection_blebs[0].size(), 6);
    for (std::size_t r = 0; r < n_shown; ++r) {
      std::snprintf(line, sizeof line,
                    "  injection %ld at its end (t = %.1f s): %.3f mL of excess fluid, %.1f mm across, %.2f mm thick, "
                    "peak pressure %.0f Pa\n",
                    long(injection_blebs[0][r]), injection_blebs[1][r], injection_blebs[2][r] * 1e6,
                    injection_blebs[3][r] * 1e3, injection_blebs[4][r] * 1e3, injection_blebs[5][r]);
      summary << line;
    }
    if (injection_blebs[0].size() > n_shown)
      summary << "  ... " << injection_blebs[0].size() - n_shown << " more in summary.json and results.h5 (/bleb_per_injection)\n";
    // e is the tissue's volumetric strain: a wheal swells the dermis several-fold (e ~ 4 in the
    // calibration), but a tenfold swelling means parameters far outside the calibrated range.
    if (bleb.max_of(8) > 10.0)
      summary << "warning: the excess fluid fraction reached " << bleb.max_of(8)
              << " (the tissue swelled more than tenfold near the tip): the layer hydraulics or the rate are far "
                 "outside the calibrated range and the bleb figures are not physical (README, \"Calibration of the "
                 "reservoir\")\n";
  }
  results->finish(report.dump(2));
  write_text_atomically(out / "summary.txt", summary.str());
  write_text_atomically(out / "summary.json", report.dump(2) + "\n");
  std::error_code ec;
  fs::remove(out / "checkpoint.h5", ec);  // finished: nothing to resume
  std::cout << summary.str();
  std::printf("results: %s (results.h5 + results.xmf for ParaView, ledger.csv, metrics.csv, summary.txt, "
              "summary.json)\n",
              fs::absolute(out).string().c_str());
  return 0;
}

}  // namespace mesosim
