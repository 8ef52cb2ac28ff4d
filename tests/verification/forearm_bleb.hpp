// The forearm bleb of the verification tests (docs/calibration.md): the shipped forearm preset in
// a 30 x 30 x 6 mm block, one intradermal injection 1 mm deep, followed through its course.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "models/darcy_reservoir.hpp"
#include "scenarios/presets.hpp"

namespace mesosim::testing {

/// 30 x 30 x 6 mm of the forearm preset at `cell`, closed sides, sink bottom (docs/calibration.md).
struct Forearm {
  Grid grid;
  Tissue tissue = tissue_preset("forearm");
  Boundaries boundaries;
  std::vector<Component> components;
  explicit Forearm(double cell)
      : grid{int(std::lround(30e-3 / cell)), int(std::lround(30e-3 / cell)), int(std::lround(6e-3 / cell)), cell, cell} {
    boundaries.bottom = BoundaryKind::sink;
    components = {component_preset("small_molecule", tissue)};
  }
};

inline DarcyInjection mantoux(const Grid& grid, double volume = 0.1e-6, double rate = 0.01e-6) {
  DarcyInjection injection;
  injection.x = injection.y = grid.length_x() / 2;
  injection.depth = 1e-3;
  injection.volume = volume;
  injection.duration = volume / rate;
  injection.concentration = {1.0};
  return injection;
}

/// The bleb of one injection followed to t_end: figures at the end of the injection, the largest
/// pressure, the wheal's largest diameter, and at t_end; the excess-volume half-life.
struct Course {
  BlebFigures at_end, at_t_end;
  double peak_pressure = 0.0, widest_wheal = 0.0, half_life = -1.0;
};
inline Course follow(double volume, double rate, double t_end, double cell = 0.4e-3) {
  const Forearm forearm(cell);
  DarcyReservoir reservoir(forearm.grid, forearm.boundaries, forearm.tissue, forearm.components);
  const DarcyInjection injection = mantoux(forearm.grid, volume, rate);
  reservoir.add_injection(injection);
  TransportState solutes = reservoir.make_state();
  Course course;
  double last_t = 0.0, last_v = 0.0;
  auto watch = [&](const TransportState& s) {
    const BlebFigures bleb = reservoir.bleb(0.1);
    course.peak_pressure = std::max(course.peak_pressure, bleb.peak_pressure);
    course.widest_wheal = std::max(course.widest_wheal, bleb.wheal_diameter);
    if (course.half_life < 0 && s.time > injection.duration && bleb.excess_volume <= 0.5 * volume)
      course.half_life = last_t + (s.time - last_t) * (last_v - 0.5 * volume) / (last_v - bleb.excess_volume);
    last_t = s.time;
    last_v = bleb.excess_volume;
  };
  reservoir.advance_to(solutes, injection.duration, watch);
  course.at_end = reservoir.bleb(0.1);
  reservoir.advance_to(solutes, t_end, watch);
  course.at_t_end = reservoir.bleb(0.1);
  std::printf("%.2f mL at %.3f mL/s: wheal %.1f mm (widest %.1f, at %.0f min %.1f mm), thickness %.2f mm, elevation "
              "%.2f mm, peak pressure %.1f kPa, half-life %.1f min\n",
              volume * 1e6, rate * 1e6, course.at_end.wheal_diameter * 1e3, course.widest_wheal * 1e3, t_end / 60,
              course.at_t_end.wheal_diameter * 1e3, course.at_end.thickness * 1e3, course.at_end.peak_elevation * 1e3,
              course.peak_pressure / 1e3, course.half_life / 60);
  return course;
}

}  // namespace mesosim::testing
