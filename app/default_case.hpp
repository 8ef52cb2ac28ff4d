// The built-in default case run by `mesosim run` without a scenario file: one 0.05 mL injection of
// a three-component cocktail, 1.0 mm deep in forearm-like skin, followed for 7 days. Parameter
// values and their evidence are listed in default_case.cpp. Until the reservoir model lands, the
// injection is an instant deposit: the cocktail fills the fluid space of a sphere around the tip.
#pragma once

#include <string>
#include <vector>

#include "solver/transport_state.hpp"

namespace mesosim {

struct DefaultCase {
  Grid grid;
  Boundaries boundaries;
  Tissue tissue;
  std::vector<Component> components;
  std::vector<double> injected_concentration;  ///< kg/m^3 (mg/mL) in the syringe, per component
  double volume = 0.05e-6;                     ///< m^3 injected
  double tip_x = 0, tip_y = 0, tip_depth = 1.0e-3;  ///< m (mid reticular dermis)
};

/// The case on cells of `cell_size` m (lateral and vertical).
DefaultCase make_default_case(double cell_size);

/// Deposits the injection: every cell whose centre lies within the sphere of volume V / phi around
/// the tip (clipped by the skin surface) gets the same concentration, scaled so that exactly
/// c_inj V of each component enters. Returns the number of cells filled.
int deposit_instant(const TransportModel& model, TransportState& state, const DefaultCase& setup);

}  // namespace mesosim
