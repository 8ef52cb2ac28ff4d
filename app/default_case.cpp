#include "app/default_case.hpp"

#include <cmath>
#include <numbers>

#include "models/error.hpp"
#include "solver/compensated_sum.hpp"
#include "solver/transport_state.hpp"

namespace mesosim {

// Evidence tags as in the physics reference: [R] read in the cited source, [E] estimate.
DefaultCase make_default_case(double cell_size) {
  DefaultCase setup;
  const double width = 20e-3, depth = 6e-3;
  setup.grid = Grid{int(std::lround(width / cell_size)), int(std::lround(width / cell_size)),
                    int(std::lround(depth / cell_size)), cell_size, cell_size};
  setup.boundaries.set_x(BoundaryKind::no_flux);
  setup.boundaries.set_y(BoundaryKind::no_flux);
  setup.boundaries.bottom = BoundaryKind::sink;  // muscle fascia drains [E]
  setup.tip_x = 0.5 * width;
  setup.tip_y = 0.5 * width;
  // Forearm: epidermis 77-267 um (Oltulu 2018) [R]; epidermis + dermis 1.2-1.4 mm [R];
  // fluid fractions: papillary/reticular 0.35/0.30, epidermis 0.15, hypodermis 0.15 [E].
  setup.tissue.layers = {Layer{"epidermis", 0.1e-3, 0.15}, Layer{"papillary dermis", 0.3e-3, 0.35},
                         Layer{"reticular dermis", 0.9e-3, 0.30}, Layer{"hypodermis", depth - 1.3e-3, 0.15}};

  // Small molecule, ~270 Da (lidocaine): D ~3e-10 in dermis [E]; blood uptake concentrated in the
  // papillary dermis, 3e-4..2e-3 1/s [E]; lymph share 4% at 246 Da (Supersaxo 1990) [R].
  auto small_molecule = [](const char* name, double d_dermis, double k_papillary, double k_deg) {
    auto layer = [&](double d, double k_total) {
      SoluteInLayer s;
      s.diffusivity = d;
      s.k_blood = 0.96 * k_total;
      s.k_lymph = 0.04 * k_total;
      s.k_degradation = k_deg;
      return s;
    };
    return Component{name, {layer(0.3 * d_dermis, 0.0), layer(d_dermis, k_papillary),
                            layer(d_dermis, 0.3 * k_papillary), layer(0.5 * d_dermis, 0.1 * k_papillary)}};
  };
  setup.components.push_back(small_molecule("lidocaine", 3e-10, 1e-3, 0.0));
  // Ascorbic acid, 176 Da: a little faster; oxidises in tissue fluid, t1/2 ~ 1 day [E].
  setup.components.push_back(small_molecule("ascorbic acid", 4e-10, 1e-3, 8e-6));
  // Albumin-sized protein, 66 kDa: D = 5.8e-11 (Chary & Jain 1989) [R]; available fraction 0.42 in
  // dermis, 0.56 in subcutis (Wiig 1989) [R]; lymphatic removal 1.7-5e-5 1/s [placeholder, unconfirmed].
  SoluteInLayer protein;
  protein.diffusivity = 5.8e-11;
  protein.k_lymph = 2e-5;
  protein.available_fraction = 0.42;
  SoluteInLayer protein_fat = protein;
  protein_fat.available_fraction = 0.56;
  setup.components.push_back(Component{"albumin-sized protein", {protein, protein, protein, protein_fat}});
  setup.injected_concentration = {10.0, 20.0, 5.0};  // mg/mL in the syringe [E]
  return setup;
}

int deposit_instant(const TransportModel& model, TransportState& state, const DefaultCase& setup) {
  const Grid& g = model.grid();
  const std::size_t layer = model.tissue().layer_at(setup.tip_depth);
  const double phi = model.tissue().layers[layer].fluid_fraction;
  const double radius = std::cbrt(3.0 * setup.volume / (4.0 * std::numbers::pi * phi));
  std::vector<std::size_t> cells;
  std::vector<int> depth_of;
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const double r2 = std::pow(g.x_centre(i) - setup.tip_x, 2) + std::pow(g.y_centre(j) - setup.tip_y, 2) +
                          std::pow(g.z_centre(k) - setup.tip_depth, 2);
        if (r2 <= radius * radius) {
          cells.push_back(g.index(i, j, k));
          depth_of.push_back(k);
        }
      }
  if (cells.empty()) throw InputError("the injection sphere holds no cell centre; refine the grid");
  for (int c = 0; c < model.n_components(); ++c) {
    const double mass = setup.injected_concentration[c] * setup.volume;
    CompensatedSum capacity;
    for (int k : depth_of) capacity.add(model.coefficients(c).capacity[k]);
    const double u = mass / (capacity.value() * g.cell_volume());
    for (std::size_t n : cells) state.u(c, n) += u;
    state.ledger[c].injected += mass;
  }
  return int(cells.size());
}

}  // namespace mesosim
