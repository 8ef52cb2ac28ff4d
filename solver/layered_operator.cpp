#include "solver/layered_operator.hpp"

#include <algorithm>
#include <limits>

namespace mesosim {

void LayeredOperator::set_components(std::vector<ComponentCoefficients> coefficients, std::vector<std::string> names) {
  coefficients_ = std::move(coefficients);
  names_ = std::move(names);
  // Forward Euler keeps u_new a convex combination of old values when
  // dt * (sum of the cell's face coefficients) <= alpha.
  auto face_weight = [](BoundaryKind low, BoundaryKind high, int n) {
    // Largest sum of one cell's face coefficients along one axis, in units of kappa / hx^2:
    // an interior or periodic face counts 1, a sink face 2 (half a cell to the boundary), a
    // closed face 0.
    auto side = [](BoundaryKind kind) { return kind == BoundaryKind::sink ? 2.0 : kind == BoundaryKind::periodic ? 1.0 : 0.0; };
    if (n == 1) return side(low) + side(high);
    return std::max(2.0, 1.0 + std::max(side(low), side(high)));
  };
  const double lateral_weight = face_weight(boundaries_.x_low, boundaries_.x_high, grid_.nx) +
                                face_weight(boundaries_.y_low, boundaries_.y_high, grid_.ny);
  max_explicit_step_ = std::numeric_limits<double>::infinity();
  for (const ComponentCoefficients& co : coefficients_)
    for (int k = 0; k < grid_.nz; ++k) {
      const double outflow = co.lateral[k] * lateral_weight + co.vertical[k] + co.vertical[k + 1];
      if (outflow > 0.0) max_explicit_step_ = std::min(max_explicit_step_, co.capacity[k] / outflow);
    }
}

}  // namespace mesosim
