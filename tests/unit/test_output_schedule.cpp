// Output and snapshot times (models/output_schedule.hpp): the geometric ladder of the built-in
// week, a ladder restarted by a later session, merging with the hourly grid, and the fixed
// interval reproducing the former schedule exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "models/output_schedule.hpp"

namespace mesosim {
namespace {

constexpr double minute = 60.0, hour = 3600.0, day = 86400.0;

std::vector<double> snapshot_times(const OutputSchedule& s) {
  std::vector<double> times;
  for (std::size_t n = 0; n < s.times.size(); ++n)
    if (s.snapshot[n]) times.push_back(s.times[n]);
  return times;
}

TEST(OutputSchedule, GeometricWeekAfterOneInjection) {
  const OutputSchedule s = geometric_schedule(7 * day, hour, {0.0});
  const std::vector<double> expected{0,        5 * minute, 15 * minute, 30 * minute, hour,  2 * hour,
                                     4 * hour, 8 * hour,   12 * hour,   day,         2 * day, 3 * day,
                                     4 * day,  5 * day,    6 * day,     7 * day};
  EXPECT_EQ(snapshot_times(s), expected);
  // Every hour plus the three sub-hour snapshot times: 7 * 24 + 1 + 3 rows, ascending.
  ASSERT_EQ(s.times.size(), 7u * 24u + 1u + 3u);
  EXPECT_EQ(s.times[1], 5 * minute);
  EXPECT_EQ(s.times[4], hour);
  for (std::size_t n = 1; n < s.times.size(); ++n) EXPECT_LT(s.times[n - 1], s.times[n]);
  EXPECT_EQ(s.times.back(), 7 * day);
}

TEST(OutputSchedule, LaterSessionRestartsTheLadderAndCloseInjectionsShareOne) {
  // Three tips 10 s apart on day 0 are one session; a second session at day 2, 06:00.
  const double second = 2 * day + 6 * hour;
  const OutputSchedule s = geometric_schedule(4 * day, hour, {20.0, 0.0, 10.0, second});
  const std::vector<double> snapshots = snapshot_times(s);
  for (double offset : geometric_offsets()) {
    EXPECT_EQ(std::count(snapshots.begin(), snapshots.end(), offset), 1) << offset;
    EXPECT_EQ(std::count(snapshots.begin(), snapshots.end(), second + offset), 1) << offset;
  }
  EXPECT_EQ(std::count(snapshots.begin(), snapshots.end(), 3 * day), 1);
  EXPECT_EQ(snapshots.size(), 1u + 8u + 3u + 8u + 1u);  // 0, the first ladder, days 1-3, the second ladder, the end
}

TEST(OutputSchedule, ShortRunEndsOnItsLastTime) {
  // 6 h with 1 h outputs: the ladder up to 4 h, then the end; nothing beyond it.
  const OutputSchedule s = geometric_schedule(6 * hour, hour, {0.0});
  const std::vector<double> expected{0, 5 * minute, 15 * minute, 30 * minute, hour, 2 * hour, 4 * hour, 6 * hour};
  EXPECT_EQ(snapshot_times(s), expected);
  EXPECT_EQ(s.times.size(), 7u + 3u);
}

TEST(OutputSchedule, FixedIntervalAsBefore) {
  // The former rule: snapshot at output n when n % round(interval / output) == 0, and the end.
  const OutputSchedule s = fixed_schedule(7 * day + 30 * minute, hour, 12 * hour);
  ASSERT_EQ(s.times.size(), 7u * 24u + 2u);
  EXPECT_EQ(s.times.back(), 7 * day + 30 * minute);
  const std::vector<double> snapshots = snapshot_times(s);
  ASSERT_EQ(snapshots.size(), 15u + 1u);
  for (std::size_t n = 0; n < 15; ++n) EXPECT_EQ(snapshots[n], double(n) * 12 * hour);
  EXPECT_EQ(fixed_schedule(10 * hour, 2 * hour, 30 * minute).snapshot, std::vector<bool>(6, true));
}

}  // namespace
}  // namespace mesosim
