// Verification, one piece at a time (MODEL.md §6.4): uniform first-order decay is exactly
// exp(-k t) for both schemes; a single cosine/sine mode decays at the exact discrete and
// continuous rates under no-flux and periodic boundaries.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "solver/integrator.hpp"
#include "tests/test_support.hpp"

namespace mesosim {
namespace {

using testing::uniform_component;
using testing::uniform_tissue;

TEST(UniformDecay, IsExactlyExponentialForBothSchemes) {
  const Grid grid{6, 5, 4, 1e-4, 1e-4};
  const double k_total = 1e-3 + 5e-4 + 2e-4;
  const TransportModel model(grid, Boundaries{}, uniform_tissue(grid.depth()),
                             {uniform_component(1, 3e-10, 1e-3, 5e-4, 2e-4)});
  for (const char* scheme : {"explicit", "implicit"}) {
    TransportState state(model);
    add_concentration(model, state, 0, [](double, double, double) { return 2.0; });
    IntegratorSettings settings = testing::fixed_steps(scheme, std::string(scheme) == "explicit" ? 0.0 : 37.0);
    Integrator integrator(model, settings);
    const double t_end = 1000.0;
    integrator.advance_to(state, t_end);
    const double expected = 2.0 * std::exp(-k_total * t_end);
    for (std::size_t n = 0; n < grid.n_cells(); ++n)
      EXPECT_NEAR(state.u(0, n), expected, 1e-14 * 2.0) << scheme;
    const MassLedger& l = state.ledger[0];
    EXPECT_NEAR(l.to_blood / l.to_lymph, 2.0, 1e-12);
    EXPECT_NEAR(l.to_lymph / l.degraded, 2.5, 1e-12);
    EXPECT_LT(std::abs(ledger_residual(model, state, 0)), 1e-14);
  }
}

/// Amplification of one time step for a mode with discrete decay rates (lx, ly, lz) in 1/s:
/// explicit: 1 - (lx + ly + lz) dt; implicit: the Strang product of 1-D TR-BDF2 factors.
double amplification(const std::string& scheme, double lx, double ly, double lz, double dt) {
  if (scheme == "explicit") return 1.0 - (lx + ly + lz) * dt;
  auto tr_bdf2 = [](double rate, double tau) {
    const double z = -rate * tau, d = tr_bdf2_d, w = tr_bdf2_w;
    const double u2 = (1.0 + d * z) / (1.0 - d * z);
    return (1.0 + (w / d) * (u2 - 1.0)) / (1.0 - d * z);
  };
  const double half_x = tr_bdf2(lx, 0.5 * dt), half_y = tr_bdf2(ly, 0.5 * dt);
  return half_x * half_x * half_y * half_y * tr_bdf2(lz, dt);
}

/// Discrete eigenvalue of -D d2/dx2 for wavenumber `waves` half-periods (no-flux) on n cells of h.
double discrete_rate(double diffusivity, double h, double wavenumber) {
  return diffusivity * 4.0 / (h * h) * std::pow(std::sin(wavenumber * h / 2.0), 2);
}

/// cos(pi x / Lx) cos(2 pi z / Lz) under no-flux walls is an exact eigenvector of the discrete
/// operator: it must decay by the exact discrete amplification per step (to round-off), and at
/// the continuum rate D pi^2 (1/Lx^2 + 4/Lz^2) within the discretisation error.
TEST(SineMode, NoFluxCosineModeDecaysAtTheExactRate) {
  const int n = 32;
  const double h = 1e-4, hz = 0.5e-4, diffusivity = 1e-9;  // hz != hx: anisotropic cells
  const Grid grid{n, 4, n, h, hz};
  const TransportModel model(grid, Boundaries{}, uniform_tissue(grid.depth()),
                             {uniform_component(1, diffusivity)});
  const double lx = grid.length_x(), lz = grid.depth(), pi = std::numbers::pi;
  const double rate_x = discrete_rate(diffusivity, h, pi / lx);
  const double rate_z = discrete_rate(diffusivity, hz, 2 * pi / lz);
  const double rate_exact = diffusivity * pi * pi * (1.0 / (lx * lx) + 4.0 / (lz * lz));
  const int n_steps = 400;
  const double t_end = 1.0 / rate_exact;  // one e-folding
  for (const std::string scheme : {"explicit", "implicit"}) {
    TransportState state(model);
    add_concentration(model, state, 0, [&](double x, double, double z) {
      return 1.0 + std::cos(pi * x / lx) * std::cos(2 * pi * z / lz);
    });
    IntegratorSettings settings = testing::fixed_steps(scheme, t_end / n_steps);
    Integrator integrator(model, settings);
    integrator.advance_to(state, t_end);
    const double expected = std::pow(amplification(scheme, rate_x, 0.0, rate_z, t_end / n_steps), n_steps);
    for (int k : {0, 7, n - 1})
      for (int i : {0, 5, n - 1}) {
        const double shape = std::cos(pi * grid.x_centre(i) / lx) * std::cos(2 * pi * grid.z_centre(k) / lz);
        EXPECT_NEAR(state.u(0, grid.index(i, 2, k)) - 1.0, expected * shape, 1e-12) << scheme;
      }
    EXPECT_NEAR(expected, std::exp(-1.0), 4e-3) << scheme;
    EXPECT_LT(std::abs(ledger_residual(model, state, 0)), 1e-12);  // round-off over ~2000 steps
  }
}

TEST(SineMode, PeriodicSineModeDecaysAtTheExactRate) {
  const int n = 24;
  const double h = 1e-4, diffusivity = 1e-9, pi = std::numbers::pi;
  const Grid grid{n, n, 2, h, h};
  Boundaries bc;
  bc.set_x(BoundaryKind::periodic);
  bc.set_y(BoundaryKind::periodic);
  const TransportModel model(grid, bc, uniform_tissue(grid.depth()), {uniform_component(1, diffusivity)});
  const double lx = grid.length_x();
  const double rate = discrete_rate(diffusivity, h, 2 * pi / lx);
  const double rate_exact = diffusivity * 2 * std::pow(2 * pi / lx, 2);
  const int n_steps = 300;
  const double t_end = 1.0 / rate_exact;
  for (const std::string scheme : {"explicit", "implicit"}) {
    TransportState state(model);
    add_concentration(model, state, 0, [&](double x, double y, double) {
      return 1.0 + std::sin(2 * pi * x / lx) * std::sin(2 * pi * y / lx);
    });
    IntegratorSettings settings = testing::fixed_steps(scheme, t_end / n_steps);
    Integrator integrator(model, settings);
    integrator.advance_to(state, t_end);
    const double expected = std::pow(amplification(scheme, rate, rate, 0.0, t_end / n_steps), n_steps);
    for (int j : {0, 3, n - 1})
      for (int i : {1, 6, n - 1}) {
        const double shape = std::sin(2 * pi * grid.x_centre(i) / lx) * std::sin(2 * pi * grid.y_centre(j) / lx);
        EXPECT_NEAR(state.u(0, grid.index(i, j, 1)) - 1.0, expected * shape, 1e-12) << scheme;
      }
    EXPECT_NEAR(expected, std::exp(-1.0), 1e-2) << scheme;
    EXPECT_LT(std::abs(ledger_residual(model, state, 0)), 1e-12);  // round-off over ~2000 steps
  }
}

}  // namespace
}  // namespace mesosim
