// The results of one run: `results.h5` (HDF5, self-describing, read by h5py without MesoSim) and
// its sidecar `results.xmf` (XDMF 2 temporal collection) that ParaView 5.11 opens as a time
// series. The layout is documented in the README ("Output") and pinned by tests/unit/test_results.
//   /                      attrs: program, version, build, scenario_name, scenario_file,
//                                 scenario_source (the file's text), overrides, resolved (JSON)
//   /grid                  attrs: dims [nz, ny, nx] (cells), spacing [hz, hy, hx] m, origin, axis_order,
//                                 units; datasets layer (int32, nz x ny x nx), fluid_fraction
//   /tissue                layer_names, layer_top_m, layer_thickness_m, layer_fluid_fraction
//   /components            names, keys (dataset-safe names), units
//   /injections            x_m, y_m, depth_m, volume_m3, time_s, cocktail, layer (as placed)
//   /snapshots/time_s      one entry per snapshot
//   /snapshots/NNNNNN/KEY  concentration in the mobile fluid, kg/m^3 (= mg/mL), nz x ny x nx
//   /snapshots/NNNNNN/KEY_bound  bound amount per tissue volume, kg/m^3 (binding components)
//   /series/time_s, /series/KEY/<metric>   metrics and ledger at every output time
//   /summary               attr json: the run's summary (also summary.json) once it has finished
// The file is flushed after every snapshot and the sidecar is rewritten atomically afterwards, so
// a killed run leaves a file that opens with every completed snapshot. Writers only read state.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "io/h5.hpp"
#include "models/injection.hpp"
#include "models/metrics.hpp"
#include "solver/mass_ledger.hpp"
#include "solver/transport_state.hpp"

namespace mesosim {

/// What a results file says about where it came from.
struct RunDescription {
  std::string program_version;
  std::string build;             ///< compiler and build type
  std::string scenario_name;
  std::string scenario_file;
  std::string scenario_source;   ///< the scenario file's text ("" for the built-in case: see file)
  std::vector<std::string> overrides;
  std::string resolved_json;     ///< every resolved parameter, SI
};

/// Writes `text` to a temporary file beside `path` and renames it over `path`: readers see the old
/// file or the new one, never half of one (OutputError on failure).
void write_text_atomically(const std::filesystem::path& path, const std::string& text);

/// Simulated time as "day 2, 06:00" (day 0 is the first day), as runs print it and frames show it.
std::string format_day_time(double seconds);

/// A dataset-safe key for a component name: letters, digits, '-' and '_' kept, others become '_'.
std::string dataset_key(const std::string& name);

/// One row of the time series: metrics and ledger of every component at one output time.
struct SeriesRow {
  double time = 0.0;  ///< s
  std::vector<ComponentMetrics> metrics;
  std::vector<MassLedger> ledger;
  std::vector<double> in_fluid, bound, residual;  ///< kg, kg, relative
};

/// The time series stored in a results file (for resuming, and for tools reading results).
std::vector<SeriesRow> read_series(const std::filesystem::path& results_h5, const TransportModel& model);

class ResultsFile {
 public:
  /// Creates DIR/results.h5 (replacing any file there) with the grid, tissue, components and
  /// injections. float32 stores snapshot fields in single precision.
  ResultsFile(const std::filesystem::path& directory, const TransportModel& model, const RunDescription& description,
              const std::vector<Injection>& injections, bool float32);
  /// Reopens an existing results file to continue a run: keeps the first `n_snapshots` snapshots
  /// and `n_rows` series rows, drops anything written after them.
  ResultsFile(const std::filesystem::path& directory, const TransportModel& model, std::size_t n_snapshots,
              std::size_t n_rows, bool float32);

  /// Writes one snapshot, flushes the file and rewrites the sidecar. `extras` are the values of
  /// the fields named by add_field, in that order (one value per cell each).
  void write_snapshot(const TransportState& state, const std::vector<const double*>& extras = {});
  /// A further field stored with every snapshot (call before the first one), e.g. the excess
  /// fluid fraction of the darcy reservoir; `units` becomes its attribute.
  void add_field(const std::string& name, const std::string& units);
  /// Shrinks every dataset GROUP/NAME to `size` rows (resuming) and returns them as read back.
  std::vector<std::vector<double>> truncate_columns(const std::string& group, const std::vector<std::string>& names,
                                                    std::size_t size);
  /// Appends rows to extendible 1-D datasets GROUP/NAME (created on first use) and flushes.
  void append_columns(const std::string& group, const std::vector<std::string>& names,
                      const std::vector<std::vector<double>>& columns);
  /// Appends a row of the time series; rows are written in batches by the next snapshot, sync()
  /// or finish() (ledger.csv and metrics.csv hold every row at once).
  void append(const SeriesRow& row);
  /// Writes pending rows and flushes the file (before a checkpoint).
  void sync();
  /// Rows appended so far, written or pending.
  std::size_t n_rows() const { return n_rows_written_ + pending_.size(); }
  /// Stores the final summary (JSON text) and closes the file.
  void finish(const std::string& summary_json);

  std::size_t n_snapshots() const { return times_.size(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  void write_sidecar() const;
  void write_pending_rows();

  const TransportModel& model_;
  std::filesystem::path path_;
  h5::File file_;
  bool float32_ = false;
  std::vector<double> times_;         ///< snapshot times, s
  std::vector<std::string> keys_;     ///< dataset keys per component
  std::vector<double> buffer_;        ///< one component's field
  std::vector<SeriesRow> pending_;    ///< rows not yet in the file
  std::vector<std::pair<std::string, std::string>> extra_fields_;  ///< name, units
  std::size_t n_rows_written_ = 0;
};

}  // namespace mesosim
