// The discrete transport operator of MODEL.md §3 on a layered grid, for every component:
//   alpha du/dt = div(kappa grad u) - s u  (+ linear binding to an immobile amount b),
// with u the continuity variable (c = P u), alpha = phi f P the capacity and kappa = phi f P D.
// Tissue properties depend on depth only, so every coefficient is a per-depth-cell array:
// cell values are volume averages over the layers a cell spans, and vertical face conductances are
// exact series (harmonic) integrals between cell centres, which keeps flux continuous and mass
// conserved even when a layer interface falls inside a cell. It does not own any state.
#pragma once

#include <functional>
#include <vector>

#include "models/component.hpp"
#include "models/tissue.hpp"
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

/// Per depth cell (nz values), the average over the cell of a per-layer value (layers a cell
/// spans weighted by overlap; the last layer reaches the bottom).
std::vector<double> cell_average(const Grid& grid, const Tissue& tissue, const std::function<double(const Layer&)>& value);

class TransportModel {
 public:
  /// Validates every input (InputError on failure) and builds the coefficients.
  TransportModel(const Grid& grid, const Boundaries& boundaries, const Tissue& tissue,
                 const std::vector<Component>& components);

  const Grid& grid() const { return grid_; }
  const Boundaries& boundaries() const { return boundaries_; }
  const Tissue& tissue() const { return tissue_; }
  int n_components() const { return int(components_.size()); }
  const Component& component(int c) const { return components_[c]; }
  const ComponentCoefficients& coefficients(int c) const { return coefficients_[c]; }
  /// Layer index at the centre of depth cell k.
  std::size_t layer_of_cell(int k) const { return layer_of_cell_[k]; }
  /// Largest forward-Euler step that keeps every cell update a convex combination (positivity
  /// and the maximum principle hold); the explicit scheme is stable up to it. s
  double max_explicit_step() const { return max_explicit_step_; }

 private:
  Grid grid_;
  Boundaries boundaries_;
  Tissue tissue_;
  std::vector<Component> components_;
  std::vector<ComponentCoefficients> coefficients_;
  std::vector<std::size_t> layer_of_cell_;
  double max_explicit_step_ = 0.0;
};

}  // namespace mesosim
