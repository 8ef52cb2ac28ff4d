#include "models/transport_model.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "solver/error.hpp"

namespace mesosim {

namespace {

/// Integral over [z0, z1] of a per-layer value: sum of overlap length x value(layer).
double integrate(const Tissue& tissue, double z0, double z1,
                 const std::function<double(std::size_t)>& value) {
  double total = 0.0;
  double top = 0.0;
  const std::size_t n_layers = tissue.layers.size();
  for (std::size_t n = 0; n < n_layers; ++n) {
    // The last layer extends downward indefinitely (validation made it reach the bottom).
    const double bottom = (n + 1 == n_layers) ? std::numeric_limits<double>::infinity()
                                              : top + tissue.layers[n].thickness;
    const double overlap = std::min(z1, bottom) - std::max(z0, top);
    if (overlap > 0.0) total += overlap * value(n);
    top = bottom;
  }
  return total;
}

/// Conductance (per unit area) of the column [z0, z1]: 1 / integral(dz / kappa); 0 if any part
/// of the column has kappa = 0 (an immobile layer blocks the flux).
double series_conductance(const Tissue& tissue, double z0, double z1,
                          const std::function<double(std::size_t)>& kappa) {
  if (z1 <= z0) return 0.0;
  bool blocked = false;
  const double resistance = integrate(tissue, z0, z1, [&](std::size_t n) {
    const double value = kappa(n);
    if (value <= 0.0) {
      blocked = true;
      return 0.0;
    }
    return 1.0 / value;
  });
  return blocked ? 0.0 : 1.0 / resistance;
}

}  // namespace

std::vector<double> cell_average(const Grid& grid, const Tissue& tissue, const std::function<double(const Layer&)>& value) {
  std::vector<double> average(std::size_t(grid.nz));
  for (int k = 0; k < grid.nz; ++k)
    average[std::size_t(k)] =
        integrate(tissue, k * grid.hz, (k + 1) * grid.hz, [&](std::size_t n) { return value(tissue.layers[n]); }) / grid.hz;
  return average;
}

TransportModel::TransportModel(const Grid& grid, const Boundaries& boundaries, const Tissue& tissue,
                               const std::vector<Component>& components)
    : LayeredOperator(grid, boundaries), tissue_(tissue), components_(components) {
  grid_.validate();
  tissue_.validate(grid_.depth());
  if (components_.empty()) throw InputError("no components: the cocktail needs at least one");
  for (const Component& component : components_) component.validate(tissue_.layers.size());
  if (boundaries_.bottom == BoundaryKind::periodic)
    throw InputError("boundary 'bottom' cannot be periodic; choose no_flux or sink");
  auto check_pair = [](BoundaryKind low, BoundaryKind high, int n, const char* axis) {
    const bool low_periodic = low == BoundaryKind::periodic, high_periodic = high == BoundaryKind::periodic;
    if (low_periodic != high_periodic)
      throw InputError(std::string("boundary: periodic ") + axis + " needs both " + axis + "_low and " + axis +
                       "_high periodic (one unit cell of a repeating pattern)");
    if (low_periodic && n < 3)
      throw InputError(std::string("periodic ") + axis + " boundaries need at least 3 cells in " + axis);
  };
  check_pair(boundaries_.x_low, boundaries_.x_high, grid_.nx, "x");
  check_pair(boundaries_.y_low, boundaries_.y_high, grid_.ny, "y");

  const int nz = grid_.nz;
  const double hz = grid_.hz;
  const double hx2 = grid_.hx * grid_.hx;
  layer_of_cell_.resize(nz);
  for (int k = 0; k < nz; ++k) layer_of_cell_[k] = tissue_.layer_at(grid_.z_centre(k));

  std::vector<ComponentCoefficients> coefficients(components_.size());
  std::vector<std::string> names;
  for (std::size_t c = 0; c < components_.size(); ++c) {
    const Component& comp = components_[c];
    ComponentCoefficients& co = coefficients[c];
    names.push_back(comp.name);
    auto phi_f_p = [&](std::size_t n) {
      const SoluteInLayer& s = comp.in_layer[n];
      return tissue_.layers[n].fluid_fraction * s.available_fraction * s.partition;
    };
    auto cell_average = [&](int k, const std::function<double(std::size_t)>& value) {
      return integrate(tissue_, k * hz, (k + 1) * hz, value) / hz;
    };
    auto kappa = [&](std::size_t n) { return phi_f_p(n) * comp.in_layer[n].diffusivity; };
    for (auto* v : {&co.capacity, &co.lateral, &co.sink_blood, &co.sink_lymph,
                    &co.sink_degradation, &co.bind_on, &co.k_off, &co.k_cell, &co.partition})
      v->assign(nz, 0.0);
    co.vertical.assign(nz + 1, 0.0);
    co.has_binding = comp.has_binding();
    for (int k = 0; k < nz; ++k) {
      co.capacity[k] = cell_average(k, phi_f_p);
      co.lateral[k] = cell_average(k, kappa) / hx2;
      co.sink_blood[k] = cell_average(k, [&](std::size_t n) { return phi_f_p(n) * comp.in_layer[n].k_blood; });
      co.sink_lymph[k] = cell_average(k, [&](std::size_t n) { return phi_f_p(n) * comp.in_layer[n].k_lymph; });
      co.sink_degradation[k] =
          cell_average(k, [&](std::size_t n) { return phi_f_p(n) * comp.in_layer[n].k_degradation; });
      co.bind_on[k] = cell_average(k, [&](std::size_t n) { return phi_f_p(n) * comp.in_layer[n].k_on; });
      co.k_off[k] = cell_average(k, [&](std::size_t n) { return comp.in_layer[n].k_off; });
      co.k_cell[k] = cell_average(k, [&](std::size_t n) { return comp.in_layer[n].k_cell; });
      co.partition[k] = comp.in_layer[layer_of_cell_[k]].partition;
    }
    // Face k-1/2 between centres k-1 and k; the top face (k = 0) stays closed.
    for (int k = 1; k < nz; ++k)
      co.vertical[k] = series_conductance(tissue_, grid_.z_centre(k - 1), grid_.z_centre(k), kappa) / hz;
    if (boundaries_.bottom == BoundaryKind::sink)
      co.vertical[nz] = series_conductance(tissue_, grid_.z_centre(nz - 1), grid_.depth(), kappa) / hz;

  }
  set_components(std::move(coefficients), std::move(names));
}

}  // namespace mesosim
