// `mesosim sweep`: runs the cases of a sweep file (scenarios/sweep.hpp), each as its own
// `mesosim run` child process in OUT/cases/case-NNNN/ (so a crashing case cannot take the sweep
// down), several at once with a memory-aware limit, then gathers every case's summary into
// OUT/sweep.csv and OUT/sweep.h5, one row per case in case order (so the table does not depend on
// the scheduling). Interrupted sweeps resume: finished cases are skipped, interrupted ones continue
// from their checkpoints, failed ones are rerun. Beyond one machine: under `mpirun` each rank takes
// every size-th case and rank 0 gathers the table (shared file system); `--shard i/N` runs a
// deterministic slice for job arrays and `--gather` builds the table afterwards.
#pragma once

#include <string>
#include <vector>

namespace mesosim {

struct SweepOptions {
  std::string file;             ///< the sweep file
  std::string out;              ///< empty: results/<sweep stem>
  int jobs = 0;                 ///< cases at once (0: cores / threads_per_job, at least 1)
  int threads_per_job = 1;
  std::string shard;            ///< "i/N" or empty
  bool resume = false;
  bool dry_run = false;
  bool gather = false;          ///< only rebuild the table from the case directories
  std::vector<std::string> from;  ///< extra output directories whose cases --gather also reads
  bool quiet = false;
  std::string plot;             ///< "component:metric" to plot from OUT/sweep.csv (no cases run)
  std::string plot_x;           ///< swept key on the x axis
  std::string plot_by;          ///< swept key whose values give one line each ("" : the other keys)
};

/// With options.plot: draws the metric against plot_x, one line per value of plot_by (and of the
/// other swept keys), as OUT/plot_<metric>_vs_<key>.png; returns 0.
/// Otherwise returns the exit code: 0 all cases done, 6 some cases failed (recorded in the table),
/// 130 / 143 interrupted (resume with --resume).
int run_sweep(const SweepOptions& options);

}  // namespace mesosim
