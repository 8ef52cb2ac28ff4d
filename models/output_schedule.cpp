#include "models/output_schedule.hpp"

#include <algorithm>
#include <cmath>

namespace mesosim {

namespace {

constexpr double minute = 60.0, hour = 3600.0, day = 86400.0;

/// The output grid: 0, h, 2h, ... and the end (the last interval clipped), no snapshots yet.
OutputSchedule output_grid(double end_time, double output_interval) {
  OutputSchedule schedule;
  const long n_outputs = std::max(1L, long(std::ceil(end_time / output_interval - 1e-9)));
  for (long n = 0; n <= n_outputs; ++n) schedule.times.push_back(n == n_outputs ? end_time : double(n) * output_interval);
  schedule.snapshot.assign(schedule.times.size(), false);
  schedule.snapshot.front() = schedule.snapshot.back() = true;
  return schedule;
}

}  // namespace

const std::vector<double>& geometric_offsets() {
  static const std::vector<double> offsets{5 * minute, 15 * minute, 30 * minute, 1 * hour,
                                           2 * hour,   4 * hour,    8 * hour,    12 * hour};
  return offsets;
}

OutputSchedule geometric_schedule(double end_time, double output_interval, std::vector<double> injection_times) {
  OutputSchedule grid = output_grid(end_time, output_interval);
  // The wanted snapshot times: each session's ladder and the whole days.
  std::vector<double> wanted;
  std::sort(injection_times.begin(), injection_times.end());
  double session = -1e300;
  for (double t : injection_times) {
    if (t <= session + hour) continue;
    session = t;
    for (double offset : geometric_offsets()) wanted.push_back(t + offset);
  }
  for (double t = day; t < end_time; t += day) wanted.push_back(t);
  std::sort(wanted.begin(), wanted.end());
  // Merge them into the grid: a wanted time within a second of an output time marks that one.
  const double tolerance = 1.0;
  OutputSchedule merged;
  std::size_t w = 0;
  for (std::size_t n = 0; n < grid.times.size(); ++n) {
    const double t = grid.times[n];
    bool snapshot = grid.snapshot[n];
    for (; w < wanted.size() && wanted[w] < t + tolerance; ++w) {
      if (wanted[w] <= 0.0 || wanted[w] >= end_time) continue;
      if (wanted[w] > t - tolerance) {
        snapshot = true;
      } else if (merged.times.empty() || wanted[w] > merged.times.back() + tolerance) {
        merged.times.push_back(wanted[w]);
        merged.snapshot.push_back(true);
      }
    }
    merged.times.push_back(t);
    merged.snapshot.push_back(snapshot);
  }
  return merged;
}

OutputSchedule fixed_schedule(double end_time, double output_interval, double snapshot_interval) {
  OutputSchedule schedule = output_grid(end_time, output_interval);
  const long every = std::max(1L, std::lround(snapshot_interval / output_interval));
  for (std::size_t n = 0; n < schedule.times.size(); ++n)
    if (long(n) % every == 0) schedule.snapshot[n] = true;
  return schedule;
}

}  // namespace mesosim
