// When a run records: the output times (a metrics and ledger row at each) and which of them also
// write a 3-D snapshot. Geometric by default, so that days-long runs still show the first hours:
// 0, 5, 15, 30 min, 1, 2, 4, 8, 12 h after each injection session, then once a day; or every fixed
// interval (the former default). A pure function of times: it knows nothing of files or state.
#pragma once

#include <vector>

namespace mesosim {

struct OutputSchedule {
  std::vector<double> times;    ///< s, ascending; times[0] = 0 (the initial record), back() = the end
  std::vector<bool> snapshot;   ///< per time: a 3-D snapshot is written there (always at 0 and at the end)
};

/// Offsets of the geometric ladder after a session's first injection, s: 5, 15, 30 min, 1, 2, 4, 8, 12 h.
const std::vector<double>& geometric_offsets();

/// Every `output_interval` (s) up to `end_time` (s, the last one clipped to it), plus snapshot
/// times on the geometric ladder after each session and at every whole day. A session starts at
/// an injection time more than an hour after the previous session's start; `injection_times` (s)
/// need not be sorted. Snapshot times between output times become output times too.
OutputSchedule geometric_schedule(double end_time, double output_interval, std::vector<double> injection_times);

/// Every `output_interval` up to `end_time`; a snapshot at every round(snapshot_interval /
/// output_interval)-th output time (at least every one) and at the end.
OutputSchedule fixed_schedule(double end_time, double output_interval, double snapshot_interval);

}  // namespace mesosim
