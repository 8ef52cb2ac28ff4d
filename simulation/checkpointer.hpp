// checkpoint.h5 (io/checkpoint.hpp) as an observer: written every `interval` s of wall time
// after a step, when the injection model allows one (the Darcy bleb: after any step), and on
// demand (a stop). It holds the Simulation's state and memory, the results writer's position and
// the caller's inputs (what `--resume` needs to rebuild the same run): "run.inputs",
// "run.threads", "run.wall_time_s" and what the Simulation and the results writer put.
#pragma once

#include <filesystem>
#include <string>

#include "simulation/results_writer.hpp"
#include "simulation/wall_clock.hpp"

namespace mesosim {

class Checkpointer : public Observer {
 public:
  /// `inputs_json`: whatever the caller needs to rebuild the Simulation (stored as is).
  Checkpointer(const std::filesystem::path& dir, std::string inputs_json, double interval, const WallClock& wall,
               ResultsWriter& results);
  void on_step(const Simulation& sim) override;
  /// Writes a checkpoint now.
  void save(const Simulation& sim);

 private:
  std::filesystem::path dir_;
  std::string inputs_json_;
  double interval_;  // s of wall time
  const WallClock& wall_;
  ResultsWriter& results_;
  double last_;      // wall time of the last checkpoint, s
};

}  // namespace mesosim
