#include "simulation/summary_writer.hpp"

#include <omp.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "models/metric_table.hpp"

namespace mesosim {

namespace fs = std::filesystem;
using json = nlohmann::json;

SummaryWriter::SummaryWriter(const fs::path& dir, std::string version, std::string build, int n_components)
    : dir_(dir), version_(std::move(version)), build_(std::move(build)), series_(std::size_t(n_components)) {}

void SummaryWriter::add(const SeriesRow& row) {
  for (std::size_t c = 0; c < series_.size(); ++c) series_[c].push_back(row.metrics[c]);
}

RunFigures SummaryWriter::run_figures(const Simulation& sim, int c) const {
  return sim.run_figures(c) ? *sim.run_figures(c) : summarise(of(c));
}

json SummaryWriter::figures(const Simulation& sim, int c) const {
  const TransportState& state = sim.state();
  const RunFigures f = run_figures(sim, c);
  const ComponentMetrics& last = of(c).back();
  const FigureSources sources{f, last, state.ledger[c].injected, sim.scenario().target.threshold[c],
                              sim.injection_model().ledger_residual(state, c)};
  json figures = {{"name", sim.transport().component(c).name}};
  for (const RunFigure& figure : figure_table()) {
    const double value = figure.value(sources);
    figures[figure.key] = std::isnan(value) ? json() : json(value);
  }
  return figures;
}

void SummaryWriter::finish(const Simulation& sim, ResultsWriter& results, double wall) const {
  const Scenario& scenario = sim.scenario();
  const TransportModel& model = sim.transport();
  const InjectionModel& injection_model = sim.injection_model();
  const TransportState& state = sim.state();
  const double t_end = sim.end_time();
  const long n_steps = injection_model.n_steps(), n_rejected = injection_model.n_rejected();
  const double output_wall = sim.observer_seconds(), metrics_wall = sim.metrics_seconds();
  std::ostringstream summary;
  summary << "MesoSim " << version_ << " " << scenario.name << ", " << format_day_time(t_end) << "\n";
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
  report["program"] = {{"name", "mesosim"}, {"version", version_}, {"build", build_}};
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
    const RunFigures f = run_figures(sim, c);
    report["components"].push_back(figures(sim, c));
    char half_life[32] = "not reached";
    if (f.residence_half_life >= 0) std::snprintf(half_life, sizeof half_life, "%.2f", f.residence_half_life / 3600);
    char line[256];
    std::snprintf(line, sizeof line, "%s, %s, %.2f, %.3g, %.1f, %.1f\n", model.component(c).name.c_str(), half_life,
                  100 * f.systemic_fraction, f.peak, 100 * f.max_coverage, f.time_above_threshold / 3600);
    summary << line;
  }
  injection_model.add_summary(state, report, summary);
  results.file().finish(report.dump(2));
  write_text_atomically(dir_ / "summary.txt", summary.str());
  write_text_atomically(dir_ / "summary.json", report.dump(2) + "\n");
  std::error_code ec;
  fs::remove(dir_ / "checkpoint.h5", ec);  // finished: nothing to resume
  std::cout << summary.str();
  std::printf("results: %s (results.h5 + results.xmf for ParaView, ledger.csv, metrics.csv, summary.txt, "
              "summary.json)\n",
              fs::absolute(dir_).string().c_str());
}


}  // namespace mesosim
