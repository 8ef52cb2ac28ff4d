// results.h5 (io/results_file.hpp) as an observer of a run: the series row at every output time,
// a snapshot when one is due (with the injection model's fields, e.g. the excess fluid), the
// model's tables (e.g. /bleb, /bleb_per_injection) as they grow; when an injection's flow stops,
// its rows and, unless an output falls then, a snapshot. Also the run's output directory.
#pragma once

#include <filesystem>
#include <memory>

#include "simulation/observer.hpp"
#include "simulation/simulation.hpp"

namespace mesosim {

/// Creates the output directory; refuses to reuse a non-empty one unless forced (InputError, with
/// the --resume hint when it holds a checkpoint), and checks that it is writable (OutputError).
void prepare_output_directory(const std::filesystem::path& dir, bool force);

class ResultsWriter : public Observer {
 public:
  /// A new results file of a fresh run.
  ResultsWriter(const std::filesystem::path& dir, const Simulation& sim, const RunDescription& description,
                bool float32);
  /// The results file of a resumed run, cut back to the checkpoint's snapshots and rows; the
  /// model's tables are cut back likewise and handed back to the model (restore_table).
  ResultsWriter(const std::filesystem::path& dir, Simulation& sim, const Checkpoint& checkpoint, bool float32);

  void on_output(const Simulation& sim, const OutputPoint& point) override;
  void on_injections_ended(const Simulation& sim, const std::vector<std::size_t>& indices) override;
  /// Everything appended so far on disk, and how much that is into the checkpoint
  /// ("results.snapshots", "results.rows", "results.rows/GROUP" per model table).
  void save(Checkpoint& checkpoint);
  ResultsFile& file() { return *results_; }
  long n_snapshots() const { return n_snapshots_; }

 private:
  void flush_tables();
  void snapshot(const TransportState& state);
  std::unique_ptr<ResultsFile> results_;
  const InjectionModel& model_;
  long n_snapshots_ = 0;
  std::vector<std::size_t> written_;  // rows of each model table already in the file
};

}  // namespace mesosim
