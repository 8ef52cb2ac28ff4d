// summary.txt and summary.json (and results.h5's /summary) as an observer: it keeps every
// component's metrics at each output time and, when the run has finished, writes the run's
// figures (steps, ledger fractions, residence half-life, coverage, the injection model's own
// figures such as the bleb), prints the text, and removes the checkpoint (nothing to resume).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "simulation/results_writer.hpp"

namespace mesosim {

class SummaryWriter : public Observer {
 public:
  /// `version` and `build` name the program in the summary.
  SummaryWriter(const std::filesystem::path& dir, std::string version, std::string build, int n_components);
  void on_output(const Simulation&, const OutputPoint& point) override { add(point.row); }
  /// One output time's metrics (also for the rows read back when resuming).
  void add(const SeriesRow& row);
  /// Component c's figures of summary.json ("components"), over the output times so far (at
  /// least one: the start).
  nlohmann::json figures(const Simulation& sim, int c) const;
  /// Writes the summary of a finished run; `wall`: s of wall time the run took.
  void finish(const Simulation& sim, ResultsWriter& results, double wall) const;

 private:
  const std::vector<ComponentMetrics>& of(int c) const { return series_[std::size_t(c)]; }
  /// From every step; from the output rows only for a run resumed from an older checkpoint.
  RunFigures run_figures(const Simulation& sim, int c) const;
  std::filesystem::path dir_;
  std::string version_, build_;
  std::vector<std::vector<ComponentMetrics>> series_;  // [component][output]
};

}  // namespace mesosim
