// The discrete transport operator of MODEL.md §3 on a layered grid, for every component:
//   alpha du/dt = div(kappa grad u) - s u  (+ linear binding to an immobile amount b),
// with u the continuity variable (c = P u), alpha = phi f P the capacity and kappa = phi f P D.
// Tissue properties depend on depth only, so every coefficient is a per-depth-cell array:
// cell values are volume averages over the layers a cell spans, and vertical face conductances are
// exact series (harmonic) integrals between cell centres, which keeps flux continuous and mass
// conserved even when a layer interface falls inside a cell. The result is the skin-free
// LayeredOperator (solver/layered_operator.hpp) the steppers advance. It does not own any state.
#pragma once

#include <functional>
#include <vector>

#include "models/component.hpp"
#include "models/tissue.hpp"
#include "solver/grid.hpp"
#include "solver/layered_operator.hpp"

namespace mesosim {

/// Per depth cell (nz values), the average over the cell of a per-layer value (layers a cell
/// spans weighted by overlap; the last layer reaches the bottom).
std::vector<double> cell_average(const Grid& grid, const Tissue& tissue, const std::function<double(const Layer&)>& value);

class TransportModel : public LayeredOperator {
 public:
  /// Validates every input (InputError on failure) and builds the coefficients.
  TransportModel(const Grid& grid, const Boundaries& boundaries, const Tissue& tissue,
                 const std::vector<Component>& components);

  const Tissue& tissue() const { return tissue_; }
  const Component& component(int c) const { return components_[c]; }
  /// Layer index at the centre of depth cell k.
  std::size_t layer_of_cell(int k) const { return layer_of_cell_[k]; }

 private:
  Tissue tissue_;
  std::vector<Component> components_;
  std::vector<std::size_t> layer_of_cell_;
};

}  // namespace mesosim
