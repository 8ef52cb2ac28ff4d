// The run's progress on the terminal as an observer: each deposit (the first few in full, then one
// line per ten), and after each output time a progress bar on a terminal or, when stdout is not
// one, a log line every 5 s of wall time. Silent when quiet.
#pragma once

#include "simulation/observer.hpp"
#include "simulation/wall_clock.hpp"

namespace mesosim {

class Progress : public Observer {
 public:
  Progress(const Simulation& sim, const WallClock& wall, bool quiet);
  void on_injection_given(const Simulation& sim, std::size_t index, int n_filled) override;
  void on_output(const Simulation& sim, const OutputPoint& point) override;
  /// Ends the progress bar's line.
  void finish() const;

 private:
  const WallClock& wall_;
  bool quiet_;
  bool terminal_;
  double run_start_time_, wall_at_start_;  // s
  double last_log_ = -1e300;               // s of wall time
};

}  // namespace mesosim
