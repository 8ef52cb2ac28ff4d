// The evolving state of a transport run: the continuity variable u of every component (c = P u),
// the bound amount b per tissue volume (components with binding only), the time, the step count and
// the mass ledger. Helpers add mass (recorded as injected) and measure what is in the tissue.
#pragma once

#include <functional>
#include <vector>

#include "solver/field.hpp"
#include "solver/layered_operator.hpp"
#include "solver/mass_ledger.hpp"

namespace mesosim {

struct TransportState {
  double time = 0.0;   ///< s
  long n_steps = 0;    ///< accepted steps so far
  Field u;             ///< continuity variable, kg/m^3 of reference fluid; c = P u
  Field bound;         ///< immobile amount per tissue volume, kg/m^3 (empty if no binding)
  std::vector<MassLedger> ledger;  ///< one per component

  explicit TransportState(const LayeredOperator& model);
  TransportState() = default;
  /// Copies values without reallocating (both states must come from the same model).
  void assign(const TransportState& other);
};

/// Concentration in the mobile fluid (kg/m^3 = mg/mL) of component c in cell `cell` at depth k.
double concentration(const LayeredOperator& model, const TransportState& state, int c, int k,
                     std::size_t cell);

/// Adds a concentration field c(x, y, z) (kg/m^3 of mobile fluid) to component c, sampled at cell
/// centres; the added mass is recorded as injected. Returns the mass added, kg.
double add_concentration(const LayeredOperator& model, TransportState& state, int c,
                         const std::function<double(double, double, double)>& concentration);

/// Adds `mass` kg of component c uniformly in one cell (recorded as injected).
void add_mass(const LayeredOperator& model, TransportState& state, int c, int i, int j, int k,
              double mass);

/// Mass of component c in the mobile fluid, kg (summed plane by plane in a fixed order).
double mass_in_fluid(const LayeredOperator& model, const TransportState& state, int c);
/// Mass of component c in the bound compartment, kg.
double mass_bound(const LayeredOperator& model, const TransportState& state, int c);
/// injected - (in tissue + removed), relative to the injected mass (0 if nothing was injected).
double ledger_residual(const LayeredOperator& model, const TransportState& state, int c);

}  // namespace mesosim
