// Volumetric sources: an amount per second of each component delivered into a set of cells
// between two times, e.g. a needle tip pushing cocktail (or, for the pressure equation, fluid)
// into the tissue. Steppers add exactly the time integral of the rate over each (sub)step, so the
// ledger's `injected` is exact even when a step straddles the start or the end of an injection.
#pragma once

#include <cstddef>
#include <vector>

#include "solver/grid.hpp"

namespace mesosim {

struct Source {
  std::vector<std::size_t> cells;  ///< cells receiving the source
  std::vector<double> fractions;   ///< share of the source per cell (sums to 1)
  double t_start = 0.0, t_end = 0.0;  ///< s; the rate is constant in between
  std::vector<double> rate;        ///< per component, amount per second (kg/s; m^3/s for fluid)

  /// Amount of component c delivered between t0 and t1 (the rate times the overlap).
  double amount(int c, double t0, double t1) const;
};

/// A source spread evenly over the cells whose centres lie within `radius` of (x, y, z) (at least
/// the nearest cell): a needle tip is never a single-cell delta on a fine grid.
Source make_point_source(const Grid& grid, double x, double y, double z, double radius, double t_start,
                         double t_end, const std::vector<double>& rate);

}  // namespace mesosim
