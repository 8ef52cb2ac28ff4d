#include "solver/deposit.hpp"

#include <cmath>
#include <numbers>

#include "models/error.hpp"
#include "solver/compensated_sum.hpp"

namespace mesosim {

int deposit_instant(const TransportModel& model, TransportState& state, const Injection& injection) {
  const Grid& g = model.grid();
  if (injection.x < 0 || injection.x > g.length_x() || injection.y < 0 || injection.y > g.length_y() ||
      injection.depth < 0 || injection.depth >= g.depth())
    throw InputError("injection tip lies outside the tissue block");
  if (injection.concentration.size() != std::size_t(model.n_components()))
    throw InputError("injection: the cocktail gives " + std::to_string(injection.concentration.size()) +
                     " concentrations for " + std::to_string(model.n_components()) + " components");
  const std::size_t layer = model.tissue().layer_at(injection.depth);
  const double phi = model.tissue().layers[layer].fluid_fraction;
  const double radius = std::cbrt(3.0 * injection.volume / (4.0 * std::numbers::pi * phi));
  std::vector<std::size_t> cells;
  std::vector<int> depth_of;
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const double r2 = std::pow(g.x_centre(i) - injection.x, 2) + std::pow(g.y_centre(j) - injection.y, 2) +
                          std::pow(g.z_centre(k) - injection.depth, 2);
        if (r2 <= radius * radius) {
          cells.push_back(g.index(i, j, k));
          depth_of.push_back(k);
        }
      }
  if (cells.empty()) throw InputError("the injection sphere holds no cell centre; refine the grid");
  for (int c = 0; c < model.n_components(); ++c) {
    const double mass = injection.concentration[c] * injection.volume;
    CompensatedSum capacity;
    for (int k : depth_of) capacity.add(model.coefficients(c).capacity[k]);
    const double u = mass / (capacity.value() * g.cell_volume());
    for (std::size_t n : cells) state.u(c, n) += u;
    state.ledger[c].injected += mass;
  }
  return int(cells.size());
}

}  // namespace mesosim
