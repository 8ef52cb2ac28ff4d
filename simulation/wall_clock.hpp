// Wall-clock time of a run, counting the time spent before the checkpoint it resumed from: for
// progress, periodic checkpoints and the summary (never for results, which must not depend on it).
#pragma once

#include <chrono>

namespace mesosim {

class WallClock {
 public:
  /// `before`: s of wall time of the run before now (0 for a fresh run).
  explicit WallClock(double before = 0.0) : before_(before) {}
  /// s since the run started.
  double now() const {
    return before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  double before_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace mesosim
