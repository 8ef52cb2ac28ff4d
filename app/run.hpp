// The `mesosim run` driver: resolves a scenario (file + --set overrides, or the built-in case) and
// the command-line options over it, builds the Simulation (simulation/simulation.hpp: every check
// before anything is written) and its observers, and runs it: metrics and ledgers at every output
// time, snapshots to results.h5 (+ results.xmf for ParaView), periodic checkpoints, and a clean
// stop with a checkpoint on SIGINT / SIGTERM; `--resume DIR` continues such a run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"
#include "simulation/simulation.hpp"  // prepare, memory_estimate (for check and sweep)

namespace mesosim {

struct RunOptions {
  std::string scenario;  ///< empty: the built-in case
  std::vector<std::string> overrides;
  std::string out;  ///< empty: the scenario's [output] directory, else results/<name>-YYYYmmdd-HHMMSS
  std::string end;                     ///< empty: the scenario's
  std::string cell = "200 um";         ///< built-in case only
  std::string output_interval;         ///< empty: the scenario's ([output] interval)
  std::string snapshot_interval;       ///< empty: the scenario's ([output] snapshot_interval; none: geometric)
  std::string checkpoint_interval;     ///< empty: the scenario's ([output] checkpoint_interval, 10 min of wall time)
  std::string scheme;                  ///< empty: the scenario's
  double tolerance = 0.0;              ///< 0: the scenario's
  int threads = 0;
  bool float32 = false;                ///< snapshot fields in single precision
  bool force = false;
  bool quiet = false;
  std::string resume;                  ///< a run's output directory to continue
  std::string case_file;               ///< a sweep case's case.json: base scenario, overrides, float32; output beside it
};

/// The scenario a run or check works on: a file (with --set overrides) or the built-in case, then
/// the command-line options that override its [time] and [output] settings. `source` receives the text the
/// scenario was read from (null: not needed).
Scenario resolve_scenario(const RunOptions& options, std::string* source = nullptr);

/// The options of a sweep case from its case.json (the case directory is the output, replaced if
/// it holds results); threads and quiet come from `given`. InputError if the file is damaged.
RunOptions case_options(const std::string& case_file, const RunOptions& given);

/// Runs (or with options.resume, continues) a simulation. Returns the exit code: 0 done,
/// 130 / 143 stopped by SIGINT / SIGTERM with a checkpoint written.
int run(const RunOptions& options);

/// The same for a Simulation built by the caller from resolve_scenario(options, &source) (the
/// Python module): writes every file `mesosim run` writes into options.out (or the default
/// directory), with a SIGINT / SIGTERM handler that stops after a whole step and checkpoints.
/// A fresh run must not have been started; with `resume`, the Simulation was built from it.
int run(Simulation& sim, const RunOptions& options, const std::string& source, const ResumePoint* resume = nullptr);

}  // namespace mesosim
