// Calibration probe for the reservoir (issue #3, MODEL §7): 0.1 mL injected in 10 s (0.01 mL/s)
// through a 0.15 mm tip at a given depth into forearm layers (epidermis 0.1, papillary 0.3,
// reticular 0.9 mm, fat to the bottom of a 30 x 30 x 6 mm block of 0.2 mm cells, closed sides,
// sink bottom), with the coupled Darcy reservoir. The dermis and epidermis take compliance S,
// conductivity K0 and strain stiffening m from the command line; the fat takes its own S and K.
// Prints the bleb (e >= e_bleb) against the targets: a wheal 6-10 mm across at ~10 min, excess
// volume half-life ~18 min.
//   bleb_calibration [S=3e-3 1/Pa] [K0=1.4e-11 m^2/(Pa s)] [m=2.94] [depth=1e-3 m] [S_fat=1e-4] [K_fat=1.4e-10]
//                    [e_bleb=0.1] [cell=0.2e-3 m] [bleb_half_life=1080 s]
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "benchmarks/bench_support.hpp"
#include "solver/darcy_reservoir.hpp"

using namespace mesosim;
using namespace mesosim::bench;

int main(int argc, char** argv) {
  auto arg = [&](int n, double fallback) { return argc > n ? std::atof(argv[n]) : fallback; };
  const double storage = arg(1, 3e-3), conductivity = arg(2, 1.4e-11), stiffening = arg(3, 2.94);
  const double depth = arg(4, 1e-3), fat_storage = arg(5, 1e-4), fat_conductivity = arg(6, 1.4e-10);
  const double e_bleb = arg(7, 0.1), h = arg(8, 0.2e-3), half_life = arg(9, 18 * 60.0);
  const Grid grid{int(std::lround(30e-3 / h)), int(std::lround(30e-3 / h)), int(std::lround(6e-3 / h)), h, h};
  Layer epidermis{"epidermis", 0.1e-3, 0.15}, papillary{"papillary dermis", 0.3e-3, 0.35},
      reticular{"reticular dermis", 0.9e-3, 0.30}, fat{"hypodermis", 4.7e-3, 0.15};
  for (Layer* layer : {&epidermis, &papillary, &reticular, &fat}) {
    layer->storage = storage;
    layer->hydraulic_conductivity = conductivity;
    layer->strain_stiffening = stiffening;
    layer->bleb_half_life = half_life;
  }
  fat.storage = fat_storage;
  fat.hydraulic_conductivity = fat_conductivity;
  const Tissue tissue{{epidermis, papillary, reticular, fat}};
  Boundaries bc;
  bc.bottom = BoundaryKind::sink;
  DarcyReservoir reservoir(grid, bc, tissue, {small_molecule()});
  DarcyInjection injection;
  injection.x = injection.y = grid.length_x() / 2;
  injection.depth = depth;
  injection.volume = 0.1e-6;
  injection.duration = 10.0;
  injection.concentration = {1.0};
  reservoir.add_injection(injection);
  TransportState solutes = reservoir.make_state();
  std::printf("dermis S = %.2g 1/Pa, K0 = %.2g m^2/(Pa s), m = %.2f; fat S = %.2g, K = %.2g; tip %.2f mm deep; "
              "e_bleb = %.2f; %d x %d x %d cells\n",
              storage, conductivity, stiffening, fat_storage, fat_conductivity, depth * 1e3, e_bleb, grid.nx, grid.ny,
              grid.nz);
  const auto start = Clock::now();
  double peak_pressure = 0.0;
  for (double t : {2.0, 5.0, 10.0, 60.0, 300.0, 600.0, 1080.0, 1800.0, 2160.0, 3600.0}) {
    reservoir.advance_to(solutes, t, [&](const TransportState&) {
      peak_pressure = std::max(peak_pressure, reservoir.bleb(e_bleb).peak_pressure);
    });
    const BlebFigures bleb = reservoir.bleb(e_bleb);
    double peak_e = 0.0;
    for (double value : reservoir.excess()) peak_e = std::max(peak_e, value);
    std::printf("t = %6.0f s: excess %.4f mL (%.3f of injected), peak p %8.0f Pa, peak e %5.2f at %.2f mm, "
                "diameter %4.1f mm, thickness %4.1f mm, elevation %.2f mm, %ld steps, %ld CG iterations, "
                "%ld solves, %.1f s wall (%.1f s pressure)\n",
                t, bleb.excess_volume * 1e6, bleb.excess_volume / 0.1e-6, bleb.peak_pressure, peak_e,
                bleb.peak_depth * 1e3, bleb.diameter * 1e3, bleb.thickness * 1e3, bleb.peak_elevation * 1e3,
                reservoir.stats().n_coupled_steps, reservoir.stats().n_pressure_iterations, reservoir.stats().n_pressure_solves,
                seconds_since(start),
                reservoir.stats().pressure_seconds);
    if (reservoir.at_rest()) break;
  }
  const DarcyStats& stats = reservoir.stats();
  std::printf("coupled phase: %ld steps, %.1f s in pressure solves (%ld solves, %ld CG iterations), %.1f s advection, "
              "%.1f s diffusion and reactions\n",
              stats.n_coupled_steps, stats.pressure_seconds, stats.n_pressure_solves, stats.n_pressure_iterations,
              stats.advection_seconds, stats.diffusion_seconds);
  const MassLedger& fluid = reservoir.fluid().ledger[0];
  std::printf("largest peak pressure during the run: %.0f Pa; fluid drained by lymph %.3f, through open sides %.3f "
              "of injected; fluid ledger residual %.1e\n",
              peak_pressure, fluid.to_lymph / fluid.injected, fluid.through_sides() / fluid.injected,
              reservoir.fluid_ledger_residual());
  return 0;
}
