// Which layers the deposits of a scenario occupy (models/deposit_extent.hpp), per needle point: the
// sub-deposits of a retrotraced track count as one point spanning their union. `mesosim check`
// prints it as a compact table (the first rows, then a count per layer combination) and warns when
// cocktail reaches layers outside the [metrics] target layers, e.g. fat when the target is dermal.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"

namespace mesosim {

/// One needle point (all the deposits of one tip of one session).
struct PointDeposit {
  int entry = 0, session = 0, point = 0;  ///< where it came from
  double time = 0.0;                      ///< s
  double x = 0.0, y = 0.0, depth = 0.0;   ///< m, its deepest deposit
  double volume = 0.0;                    ///< m^3, all its deposits
  double top = 0.0, bottom = 0.0;         ///< m, depths the filled region reaches
  double radius = 0.0;                    ///< m, the largest filled ball of its deposits
  std::vector<double> layer_share;        ///< share of its volume in each layer
};

/// A layer holding less than this share of a point's volume is not counted as occupied.
inline constexpr double occupied_share = 1e-3;

/// Every needle point of the scenario in time order, with the layers its deposits fill.
std::vector<PointDeposit> point_deposits(const Scenario& scenario);

/// The report `mesosim check` prints: at most `n_rows` table rows, a count of points per layer
/// combination, a "warning:" line when cocktail reaches layers outside the target (one more for
/// fat under a dermal target), and a "note:" when filled balls of one session overlap.
std::string deposit_report(const Scenario& scenario, std::size_t n_rows = 8);

}  // namespace mesosim
