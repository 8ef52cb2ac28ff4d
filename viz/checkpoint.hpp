// A run's checkpoint, DIR/checkpoint.h5: everything needed to continue an interrupted run with
// bitwise the same result (for the same thread count): the state (u, bound, ledgers, time), the
// integrator's memory, the run loop's position and the run's inputs (options and scenario text).
// Written to a temporary file, flushed to disk and renamed over the previous one, so a checkpoint
// is either the old one or the new one, never half of one. Reading checks every piece and turns
// a damaged or foreign file into an InputError naming it.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "solver/integrator.hpp"
#include "solver/transport_state.hpp"

namespace mesosim {

struct RunPosition {
  long next_output = 1;             ///< index of the next output time
  long next_injection = 0;          ///< index into the time-ordered injections
  long n_snapshots = 0;             ///< snapshots in results.h5 at this checkpoint
  long n_rows = 0;                  ///< series rows in results.h5 at this checkpoint
  double wall_time = 0.0;           ///< s of wall time spent before this checkpoint
};

struct Checkpoint {
  std::string inputs_json;          ///< the run's options and scenario text (see app/run.cpp)
  int threads = 0;                  ///< thread count of the run (bitwise results need the same)
  RunPosition position;
  IntegratorMemory integrator;
  std::vector<double> extra_reals;      ///< model-specific (the darcy reservoir's at-rest memory)
  std::vector<long long> extra_counts;
};

/// Writes DIR/checkpoint.h5 atomically (OutputError on failure; the previous one stays).
void write_checkpoint(const std::filesystem::path& directory, const Checkpoint& checkpoint,
                      const TransportModel& model, const TransportState& state);

/// Reads the inputs and position of DIR/checkpoint.h5 (not the fields); InputError if it is
/// missing, damaged or not a MesoSim checkpoint.
Checkpoint read_checkpoint(const std::filesystem::path& directory);

/// Reads the fields, ledgers and time into `state`, which must come from the same model.
void read_checkpoint_state(const std::filesystem::path& directory, const TransportModel& model, TransportState& state);

}  // namespace mesosim
