#include "models/deposit.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "solver/compensated_sum.hpp"
#include "solver/error.hpp"

namespace mesosim {

int deposit_instant(const TransportModel& model, TransportState& state, const Injection& injection) {
  const Grid& g = model.grid();
  if (injection.x < 0 || injection.x > g.length_x() || injection.y < 0 || injection.y > g.length_y() ||
      injection.depth < 0 || injection.depth >= g.depth())
    throw InputError("injection tip lies outside the tissue block");
  if (injection.concentration.size() != std::size_t(model.n_components()))
    throw InputError("injection: the cocktail gives " + std::to_string(injection.concentration.size()) +
                     " concentrations for " + std::to_string(model.n_components()) + " components");
  // Fill the fluid space nearest the tip until it holds the injected volume: cells in order of
  // distance from the tip, each contributing phi V_cell, the last one partly (so the concentration
  // in the filled region equals the syringe's, whatever layers and surfaces the region meets).
  std::vector<double> phi(g.nz);
  for (int k = 0; k < g.nz; ++k) {
    CompensatedSum fluid;
    const double top = k * g.hz, bottom_of_cell = (k + 1) * g.hz;
    double z = 0.0;
    for (const Layer& layer : model.tissue().layers) {
      const double overlap = std::min(bottom_of_cell, z + layer.thickness) - std::max(top, z);
      if (overlap > 0) fluid.add(overlap * layer.fluid_fraction);
      z += layer.thickness;
    }
    phi[k] = fluid.value() / g.hz;
  }
  struct Candidate {
    double distance2;
    std::size_t cell;
    int k;
  };
  // Cells within `reach` of the tip can be needed (a sphere of V / 0.05, twice as wide). Sorting
  // all of them cost more than a step on fine grids, so the cells within a smaller radius are
  // sorted first, and the radius doubles until the nearest ones hold the volume: the cells closer
  // than a radius come first in the whole sorted list too, so the result is the same.
  const double reach = 2.0 * std::cbrt(3.0 * injection.volume / (4.0 * std::numbers::pi * 0.05)) + 2 * g.hx;
  const double phi_max = *std::max_element(phi.begin(), phi.end());
  const double smallest_sphere = std::cbrt(3.0 * injection.volume / (4.0 * std::numbers::pi * phi_max));
  double radius = phi_max > 0.0 ? std::min(reach, 1.5 * smallest_sphere + 2 * g.hx) : reach;
  std::vector<Candidate> candidates;
  std::vector<std::size_t> cells;
  std::vector<int> depth_of;
  std::vector<double> share;  // fraction of each cell's fluid that receives cocktail
  double placed = 0.0;
  for (;;) {
    // The box around the sphere (a cell more on each side), in the whole-grid loop's order.
    auto first = [](double low, double h) { return std::max(0, int(std::floor(low / h)) - 1); };
    auto last = [](double high, double h, int n) { return std::min(n - 1, int(std::ceil(high / h)) + 1); };
    const int i0 = first(injection.x - radius, g.hx), i1 = last(injection.x + radius, g.hx, g.nx);
    const int j0 = first(injection.y - radius, g.hx), j1 = last(injection.y + radius, g.hx, g.ny);
    const int k0 = first(injection.depth - radius, g.hz), k1 = last(injection.depth + radius, g.hz, g.nz);
    candidates.clear();
    for (int k = k0; k <= k1; ++k)
      for (int j = j0; j <= j1; ++j)
        for (int i = i0; i <= i1; ++i) {
          const double r2 = std::pow(g.x_centre(i) - injection.x, 2) + std::pow(g.y_centre(j) - injection.y, 2) +
                            std::pow(g.z_centre(k) - injection.depth, 2);
          if (r2 <= radius * radius) candidates.push_back({r2, g.index(i, j, k), k});
        }
    // By distance, ties in cell order: the order a stable sort of the whole grid's loop gives.
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      return a.distance2 < b.distance2 || (a.distance2 == b.distance2 && a.cell < b.cell);
    });
    cells.clear();
    depth_of.clear();
    share.clear();
    placed = 0.0;
    for (const Candidate& candidate : candidates) {
      if (placed >= injection.volume) break;
      const double fluid = phi[candidate.k] * g.cell_volume();
      const double take = std::min(fluid, injection.volume - placed);
      cells.push_back(candidate.cell);
      depth_of.push_back(candidate.k);
      share.push_back(take / fluid);
      placed += take;
    }
    if (placed >= injection.volume || radius >= reach) break;
    radius = std::min(2.0 * radius, reach);
  }
  if (placed < injection.volume * (1.0 - 1e-12))
    throw InputError("the injected volume does not fit in the tissue block; enlarge the domain");
  for (int c = 0; c < model.n_components(); ++c) {
    const double mass = injection.concentration[c] * injection.volume;
    CompensatedSum capacity;
    for (std::size_t n = 0; n < cells.size(); ++n) capacity.add(model.coefficients(c).capacity[depth_of[n]] * share[n]);
    const double u = mass / (capacity.value() * g.cell_volume());
    for (std::size_t n = 0; n < cells.size(); ++n) state.u(c, cells[n]) += u * share[n];
    state.ledger[c].injected += mass;
  }
  return int(cells.size());
}

}  // namespace mesosim
