// Calibration of the physical bleb against published targets (docs/calibration.md), on the
// shipped forearm preset at 0.4 mm cells: a 6-10 mm Mantoux wheal at the end of the injection,
// excess-volume half-life ~18 min, peak pressure 10-100 kPa rising with rate, wheal diameter,
// thickness and elevation growing with volume with the thickness saturating (Serup 1984), and a
// wheal that shrinks as it drains.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/verification/forearm_bleb.hpp"

namespace mesosim {
namespace {

using testing::Course;
using testing::follow;

TEST(BlebCalibration, MantouxWhealHalfLifeAndPressureAreInTheirBands) {
  const Course mantoux_course = follow(0.1e-6, 0.01e-6, 3600.0);
  // Mantoux: 0.1 mL raises a wheal 6-10 mm across (CDC; product label 8-10 mm).
  EXPECT_GE(mantoux_course.at_end.wheal_diameter, 6e-3);
  EXPECT_LE(mantoux_course.at_end.wheal_diameter, 10e-3);
  // Half the excess volume gone in ~18 min (Cook & Shuster 1980): within 15-21 min.
  EXPECT_GT(mantoux_course.half_life, 15 * 60.0);
  EXPECT_LT(mantoux_course.half_life, 21 * 60.0);
  // Intradermal pressures of tens of kPa (Gupta 2011: ~30-60 kPa at 0.3 mL/min for a few hundred uL).
  EXPECT_GT(mantoux_course.peak_pressure, 10e3);
  EXPECT_LT(mantoux_course.peak_pressure, 100e3);
  // The wheal shrinks and flattens as it drains: narrower and lower after an hour than at its widest.
  EXPECT_LT(mantoux_course.at_t_end.wheal_diameter, mantoux_course.widest_wheal - 1e-3);
  EXPECT_LT(mantoux_course.at_t_end.peak_elevation, 0.25 * mantoux_course.at_end.peak_elevation);
}

TEST(BlebCalibration, PeakPressureRisesWithRate) {
  double previous = 0.0;
  for (double rate : {0.005e-6, 0.01e-6, 0.02e-6}) {
    const Course course = follow(0.1e-6, rate, 0.1e-6 / rate);
    EXPECT_GT(course.peak_pressure, 1.2 * previous);
    previous = course.peak_pressure;
  }
}

TEST(BlebCalibration, WhealGrowsWithVolumeAndItsThicknessSaturates) {
  // Serup 1984: weal thickness follows diameter up to ~5 mm, beyond that weals spread sideways.
  std::vector<BlebFigures> ends;
  for (double volume : {0.02e-6, 0.05e-6, 0.1e-6, 0.2e-6}) ends.push_back(follow(volume, 0.01e-6, volume / 0.01e-6).at_end);
  for (std::size_t n = 1; n < ends.size(); ++n) {
    EXPECT_GT(ends[n].wheal_diameter, ends[n - 1].wheal_diameter);
    EXPECT_GT(ends[n].peak_elevation, ends[n - 1].peak_elevation);
    EXPECT_GE(ends[n].thickness, ends[n - 1].thickness);
  }
  // Relative growth of the thickness per relative growth of the diameter falls with size.
  auto ratio = [&](std::size_t a, std::size_t b) {
    return std::log(ends[b].thickness / ends[a].thickness) / std::log(ends[b].wheal_diameter / ends[a].wheal_diameter);
  };
  EXPECT_LT(ratio(2, 3), 0.5 * ratio(0, 1));
}

}  // namespace
}  // namespace mesosim
