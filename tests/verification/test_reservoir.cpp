// The reservoir (stage 1, pressure equation) against MODEL §6.7 and the fluid ledger: steady point
// infusion with and without removal, exact bleb half-life, fluid ledger closure through injection
// and drainage, symmetry in homogeneous tissue, preferential spreading along a conductive layer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <numbers>
#include <tuple>

#include "models/reservoir.hpp"
#include "solver/integrator.hpp"
#include "tests/test_support.hpp"

namespace mesosim {
namespace {

constexpr double pi = std::numbers::pi;

Tissue hydraulic_tissue(double depth, double conductivity, double half_life) {
  Layer layer{"dermis", depth, 0.3};
  layer.storage = 1e-4;
  layer.hydraulic_conductivity = conductivity;
  layer.bleb_half_life = half_life;
  return Tissue{{layer}};
}

/// Steady state of a constant infusion Q = 0.1 uL/s at the centre of a 41^3 cube of 0.1 mm cells
/// (sink sides, no-flux top), reached with the explicit scheme.
struct SteadyInfusion {
  Grid grid{41, 41, 41, 0.1e-3, 0.1e-3};
  double conductivity = 1.4e-11, flow = 1e-10, centre = 2.05e-3;
  Source source;
  TransportState state;

  explicit SteadyInfusion(double half_life) {
    Boundaries bc;
    bc.set_x(BoundaryKind::sink);
  bc.set_y(BoundaryKind::sink);
  bc.bottom = BoundaryKind::sink;
    const TransportModel model =
        make_pressure_model(grid, bc, hydraulic_tissue(grid.depth(), conductivity, half_life));
    std::vector<Source> sources{make_point_source(grid, centre, centre, centre, 0.15e-3, 0.0, 1e9, {flow})};
    source = sources[0];
    state = TransportState(model);
    Integrator integrator(model, testing::fixed_steps("explicit", 0.0));
    integrator.set_sources(&sources);
    integrator.advance_to(state, 120.0);  // >> S L^2 / (3 pi^2 K) = 4 s and S / chi
  }
  /// The exact field of the actual source: `green` (response at offset (dx, dy, z) to a unit
  /// source at depth z0) superposed over the source cells with their shares.
  double exact(int i, int j, int k, const std::function<double(double, double, double, double)>& green) const {
    double sum = 0.0;
    for (std::size_t n = 0; n < source.cells.size(); ++n) {
      const std::size_t cell = source.cells[n];
      const int si = int(cell % grid.nx), sj = int((cell / grid.nx) % grid.ny), sk = int(cell / grid.plane_size());
      sum += source.fractions[n] * green(grid.x_centre(i) - grid.x_centre(si), grid.y_centre(j) - grid.y_centre(sj),
                                         grid.z_centre(k), grid.z_centre(sk));
    }
    return flow * sum;
  }
  double p(int i, int j, int k) const { return state.u(0, grid.index(i, j, k)); }
};

TEST(Reservoir, SteadyPointInfusionWithRemovalMatchesTheYukawaSolution) {
  // chi = K / l^2 with l = 0.5 mm: p = Q / (4 pi K r) exp(-r / l); the walls 2 mm away see e^-4.
  const double conductivity = 1.4e-11, length = 0.5e-3, chi = conductivity / (length * length);
  const SteadyInfusion run(1e-4 * std::log(2.0) / chi);
  auto green = [&](double dx, double dy, double z, double z0) {
    const double r = std::sqrt(dx * dx + dy * dy + (z - z0) * (z - z0));
    return std::exp(-r / length) / (4 * pi * conductivity * r);
  };
  // From 5 cells out: along a lattice axis the 7-point Green's function exceeds 1/(4 pi r) by about
  // (h/r)^2 / 4 (2.8 % at 3 cells, 1 % at 5); the explicit fixed point adds k dt ~ 0.7 % near the tip.
  double worst = 0.0;
  for (int d = 5; d <= 8; ++d)
    for (const auto& [di, dj, dk] : {std::tuple{d, 0, 0}, std::tuple{0, -d, 0}, std::tuple{0, 0, d}}) {
      const int i = 20 + di, j = 20 + dj, k = 20 + dk;
      worst = std::max(worst, std::abs(run.p(i, j, k) / run.exact(i, j, k, green) - 1.0));
    }
  std::printf("with removal: worst relative deviation %.3e at 0.5-0.8 mm from the tip\n", worst);
  EXPECT_LT(worst, 0.03);
}

TEST(Reservoir, SteadyPointInfusionWithoutRemovalMatchesTheFreeSpaceSolution) {
  // p = Q / (4 pi K r) + H with H harmonic near the tip (the walls' influence). The average over
  // the six axis directions at distance d removes H's gradient and, H being harmonic, its second
  // derivatives, so pbar(d) - pbar(2d) must equal the free-space difference to O(d^4 / L^4).
  const SteadyInfusion run(0.0);
  auto green = [&](double dx, double dy, double z, double z0) {
    return 1.0 / (4 * pi * run.conductivity * std::sqrt(dx * dx + dy * dy + (z - z0) * (z - z0)));
  };
  auto average = [&](int d, bool exact) {
    double sum = 0.0;
    for (const auto& [di, dj, dk] : {std::tuple{d, 0, 0}, std::tuple{-d, 0, 0}, std::tuple{0, d, 0},
                                     std::tuple{0, -d, 0}, std::tuple{0, 0, d}, std::tuple{0, 0, -d}})
      sum += exact ? run.exact(20 + di, 20 + dj, 20 + dk, green) : run.p(20 + di, 20 + dj, 20 + dk);
    return sum / 6;
  };
  double worst = 0.0;
  for (int d = 4; d <= 6; ++d) {
    const double measured = average(d, false) - average(2 * d, false);
    const double expected = average(d, true) - average(2 * d, true);
    worst = std::max(worst, std::abs(measured / expected - 1.0));
  }
  std::printf("without removal: worst relative deviation %.3e\n", worst);
  EXPECT_LT(worst, 0.03);  // lattice error near the tip, (d / L)^4 wall terms at 2d = 1.2 mm
}

TEST(Reservoir, BlebDecaysWithTheConfiguredHalfLifeAndTheFluidLedgerCloses) {
  // Two layers with different compliance and conductivity, the same half-life; closed box.
  Layer upper{"papillary", 0.6e-3, 0.35}, lower{"reticular", 1.4e-3, 0.3};
  upper.storage = 2e-4;
  upper.hydraulic_conductivity = 3e-11;
  lower.storage = 1e-4;
  lower.hydraulic_conductivity = 1e-11;
  const Tissue tissue{{upper, lower}};
  const Grid grid{30, 30, 20, 0.1e-3, 0.1e-3};
  const TransportModel model = make_pressure_model(grid, Boundaries{}, tissue);
  const double volume = 0.02e-6, duration = 4.0;  // 0.02 mL over 4 s
  std::vector<Source> sources{make_point_source(grid, 1.5e-3, 1.5e-3, 0.8e-3, 0.15e-3, 1.0, 1.0 + duration,
                                                {volume / duration})};
  TransportState state(model);
  IntegratorSettings settings;
  settings.tolerance = 1e-4;
  Integrator integrator(model, settings);
  integrator.set_sources(&sources);
  double worst = 0.0;
  integrator.advance_to(state, 1.0 + duration, [&](const TransportState& s) {
    worst = std::max(worst, std::abs(ledger_residual(model, s, 0)));
  });
  EXPECT_NEAR(state.ledger[0].injected / volume, 1.0, 1e-12);
  const double at_end = measure_bleb(model, state, 0.05).excess_volume;
  integrator.advance_to(state, 1.0 + duration + 18 * 60.0, [&](const TransportState& s) {
    worst = std::max(worst, std::abs(ledger_residual(model, s, 0)));
  });
  const double later = measure_bleb(model, state, 0.05).excess_volume;
  std::printf("excess volume %.4e -> %.4e m^3 after one half-life; worst ledger residual %.1e; %ld steps\n",
              at_end, later, worst, state.n_steps);
  EXPECT_NEAR(later / at_end, 0.5, 1e-10);  // uniform chi/S: the reaction map is exact
  EXPECT_LE(worst, 1e-12);
  EXPECT_NEAR(state.ledger[0].to_lymph + later, volume, 1e-12 * volume);
}

TEST(Reservoir, BlebIsSymmetricInHomogeneousTissue) {
  const int n = 21;
  const Grid grid{n, n, n, 0.1e-3, 0.1e-3};
  const TransportModel model = make_pressure_model(grid, Boundaries{}, hydraulic_tissue(grid.depth(), 1.4e-11, 1080));
  const double c = grid.x_centre(n / 2);
  std::vector<Source> sources{make_point_source(grid, c, c, c, 0.25e-3, 0.0, 2.0, {5e-9})};
  TransportState state(model);
  Integrator integrator(model, testing::fixed_steps("explicit", 0.0));
  integrator.set_sources(&sources);
  integrator.advance_to(state, 3.0);
  double peak = 0.0, asymmetry = 0.0;
  for (int k = 0; k < n; ++k)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        const double p = state.u(0, grid.index(i, j, k));
        peak = std::max(peak, p);
        asymmetry = std::max({asymmetry, std::abs(p - state.u(0, grid.index(n - 1 - i, j, k))),
                              std::abs(p - state.u(0, grid.index(i, n - 1 - j, k))),
                              std::abs(p - state.u(0, grid.index(j, i, k)))});
      }
  EXPECT_LE(asymmetry, 1e-12 * peak);
  const BlebFigures bleb = measure_bleb(model, state, 0.02);
  EXPECT_NEAR(bleb.peak_depth, c, 1e-12);
  EXPECT_GT(bleb.diameter, 0.0);
}

TEST(Reservoir, BlebSpreadsAlongTheMoreConductiveLayer) {
  Layer conductive{"loose", 1.0e-3, 0.3}, tight{"dense", 1.0e-3, 0.3};
  conductive.hydraulic_conductivity = 1e-10;
  tight.hydraulic_conductivity = 1e-11;
  const Grid grid{41, 41, 20, 0.1e-3, 0.1e-3};
  const TransportModel model = make_pressure_model(grid, Boundaries{}, Tissue{{conductive, tight}});
  const double c = grid.x_centre(20);
  std::vector<Source> sources{make_point_source(grid, c, c, 1.0e-3, 0.2e-3, 0.0, 5.0, {2e-9})};
  TransportState state(model);
  Integrator integrator(model, IntegratorSettings{});
  integrator.set_sources(&sources);
  integrator.advance_to(state, 5.0);
  // Lateral half-width where p >= 10 % of the interface value, just above vs just below.
  auto half_width = [&](int k) {
    const double reference = 0.1 * state.u(0, grid.index(20, 20, k));
    int i = 20;
    while (i + 1 < grid.nx && state.u(0, grid.index(i + 1, 20, k)) >= reference) ++i;
    return (i - 20) * grid.hx;
  };
  const double above = half_width(8), below = half_width(11);
  std::printf("half-width above the interface %.2f mm, below %.2f mm\n", above * 1e3, below * 1e3);
  EXPECT_GT(above, 1.5 * below);
}

TEST(Reservoir, BlebOfOneInjectionAmongSeveral) {
  // Two identical boxes of excess fluid (e = 0.5 over 5 x 3 x 4 cells) 2 mm apart: measured near
  // each tip, each has half the excess volume, the box's width and depth and its pressure; measured
  // over everything, the total.
  const Grid grid{60, 30, 20, 0.1e-3, 0.1e-3};
  Tissue tissue{{Layer{"uniform", grid.depth(), 0.3}}};
  const TransportModel model = make_pressure_model(grid, Boundaries{}, tissue);
  const double storage = tissue.layers[0].storage;
  TransportState pressure(model);
  for (int centre : {20, 40})
    for (int k = 6; k < 10; ++k)
      for (int j = 14; j < 17; ++j)
        for (int i = centre - 2; i <= centre + 2; ++i) pressure.u(0, grid.index(i, j, k)) = 0.5 / storage;
  const double box_volume = 0.5 * 5 * 3 * 4 * grid.cell_volume();
  const BlebFigures all = measure_bleb(model, pressure, 0.1);
  EXPECT_NEAR(all.excess_volume, 2 * box_volume, 1e-12 * box_volume);
  for (int centre : {20, 40}) {
    const BlebFigures near = measure_bleb_near(model, pressure, 0.1, grid.x_centre(centre), grid.y_centre(15), 1e-3);
    EXPECT_NEAR(near.excess_volume, box_volume, 1e-12 * box_volume);
    EXPECT_NEAR(near.diameter, 5 * grid.hx, 1e-15);
    EXPECT_NEAR(near.thickness, 4 * 1.5 * grid.hz, 1e-15);  // swollen: 4 cells of (1 + e) hz
    EXPECT_NEAR(near.wheal_diameter, 5 * grid.hx, 1e-15);    // raised by 0.2 mm >= visible_elevation
    EXPECT_NEAR(near.peak_pressure, 0.5 / storage, 1e-9);
    EXPECT_NEAR(near.peak_elevation, 0.5 * 4 * grid.hz, 1e-15);
  }
  const BlebFigures nothing = measure_bleb_near(model, pressure, 0.1, grid.x_centre(30), grid.y_centre(15), 0.5e-3);
  EXPECT_EQ(nothing.excess_volume, 0.0);
  EXPECT_EQ(nothing.diameter, 0.0);
}

}  // namespace
}  // namespace mesosim
