// The per-component mass ledger: every amount that entered or left the tissue, accumulated by the
// time steppers as it happens, in kg (mg/mL x m^3). With the amounts still in the tissue (fluid and
// bound, computed from the state) it closes: injected = in_fluid + bound + to_blood + to_lymph +
// degraded + sum(boundary), to round-off, at every step.
#pragma once

#include <array>

#include "solver/grid.hpp"

namespace mesosim {

struct MassLedger {
  double injected = 0.0;     ///< kg added by injections and initial deposits
  double to_blood = 0.0;     ///< kg taken up by capillaries (systemic)
  double to_lymph = 0.0;     ///< kg taken up by lymphatics
  double degraded = 0.0;     ///< kg degraded in the fluid or consumed from the bound compartment
  std::array<double, n_sides> boundary{};  ///< kg lost through each open side (Side order)

  /// kg lost through all open sides together.
  double through_sides() const {
    double total = 0.0;
    for (double b : boundary) total += b;
    return total;
  }
  double removed() const {
    double total = to_blood + to_lymph + degraded;
    for (double b : boundary) total += b;
    return total;
  }
  MassLedger& operator+=(const MassLedger& other) {
    injected += other.injected;
    to_blood += other.to_blood;
    to_lymph += other.to_lymph;
    degraded += other.degraded;
    for (int s = 0; s < n_sides; ++s) boundary[s] += other.boundary[s];
    return *this;
  }
};

}  // namespace mesosim
