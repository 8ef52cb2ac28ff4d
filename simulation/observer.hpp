// Observers of a run: the writers, tables, progress report and checkpointer follow a Simulation
// through these calls. They only read it (the Simulation passes itself as const); what they
// write, print or keep is theirs. Every call is optional.
#pragma once

#include <cstddef>
#include <vector>

#include "io/results_file.hpp"

namespace mesosim {

class Simulation;

/// One output time: the figures measured there and whether a 3-D snapshot is due.
struct OutputPoint {
  long index = 0;          ///< 0 at the start, then 1 .. n_outputs
  bool snapshot = false;
  const SeriesRow& row;
};

class Observer {
 public:
  virtual ~Observer() = default;
  /// At each output time (the start included), after the state has landed there.
  virtual void on_output(const Simulation& /*sim*/, const OutputPoint& /*point*/) {}
  /// Injection `index` (time order) was deposited, filling `n_cells` cells.
  virtual void on_injection_given(const Simulation& /*sim*/, std::size_t /*index*/, int /*n_cells*/) {}
  /// The flow of these injections stopped at the state's time (models whose injections flow).
  virtual void on_injections_ended(const Simulation& /*sim*/, const std::vector<std::size_t>& /*indices*/) {}
  /// After every accepted step: keep it cheap (e.g. the checkpointer's wall clock).
  virtual void on_step(const Simulation& /*sim*/) {}
};

}  // namespace mesosim
