// The discrete operator the steppers advance, for every component on a grid whose coefficients
// depend on depth only:  alpha du/dt = div(kappa grad u) - s u  (+ linear binding to b),
// held as per-depth-cell arrays (capacities, lateral and vertical conductances, rates). It knows no
// tissue: models/transport_model.hpp builds one from layers and components, models/reservoir.hpp
// the pressure problem's. It does not own any state.
#pragma once

#include <string>
#include <vector>

#include "solver/grid.hpp"

namespace mesosim {

/// Per-depth coefficients of one component, in units of capacity (u-amount per volume) per second.
struct ComponentCoefficients {
  std::vector<double> capacity;       ///< alpha[k] = <phi f P>, dimensionless
  std::vector<double> lateral;        ///< kappa[k] / hx^2, 1/s (cell-to-cell lateral coefficient)
  std::vector<double> vertical;       ///< face k-1/2 conductance / hz, 1/s; size nz+1; [0] = 0 (top)
  std::vector<double> sink_blood;     ///< <phi f P k_B>, 1/s
  std::vector<double> sink_lymph;     ///< <phi f P k_L>, 1/s
  std::vector<double> sink_degradation;  ///< <phi f P k_deg>, 1/s
  std::vector<double> bind_on;        ///< <phi f P k_on>, 1/s
  std::vector<double> k_off;          ///< <k_off>, 1/s
  std::vector<double> k_cell;         ///< <k_cell>, 1/s
  std::vector<double> partition;      ///< P at the cell centre: c = P u
  bool has_binding = false;
};

class LayeredOperator {
 public:
  const Grid& grid() const { return grid_; }
  const Boundaries& boundaries() const { return boundaries_; }
  int n_components() const { return int(coefficients_.size()); }
  const ComponentCoefficients& coefficients(int c) const { return coefficients_[c]; }
  /// Component c's name, for messages.
  const std::string& component_name(int c) const { return names_[c]; }
  /// Largest forward-Euler step that keeps every cell update a convex combination (positivity
  /// and the maximum principle hold); the explicit scheme is stable up to it. s
  double max_explicit_step() const { return max_explicit_step_; }

 protected:
  LayeredOperator(const Grid& grid, const Boundaries& boundaries) : grid_(grid), boundaries_(boundaries) {}
  /// Takes the coefficients and names (one per component) and computes max_explicit_step().
  void set_components(std::vector<ComponentCoefficients> coefficients, std::vector<std::string> names);

  Grid grid_;
  Boundaries boundaries_;

 private:
  std::vector<ComponentCoefficients> coefficients_;
  std::vector<std::string> names_;
  double max_explicit_step_ = 0.0;
};

}  // namespace mesosim
