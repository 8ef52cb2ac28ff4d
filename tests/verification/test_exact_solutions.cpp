// Exact solutions of MODEL.md §6: a point mass (Gaussian) with decay under the no-flux skin
// surface (image source), two layers with different D and a partition coefficient (§6.5), and
// the steady flux through a three-layer slab with interfaces inside cells.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "solver/integrator.hpp"
#include "tests/test_support.hpp"

namespace mesosim {
namespace {

constexpr double pi = std::numbers::pi;

/// Gaussian of mass M and variance s2 per axis at (x0, y0, z0), reflected by the plane z = 0,
/// in a medium of fluid fraction phi: the concentration in the fluid.
double reflected_gaussian(double mass, double s2, double phi, double x, double y, double z, double x0, double y0,
                          double z0) {
  const double norm = mass / (phi * std::pow(2 * pi * s2, 1.5));
  const double r2 = (x - x0) * (x - x0) + (y - y0) * (y - y0);
  return norm * (std::exp(-(r2 + (z - z0) * (z - z0)) / (2 * s2)) + std::exp(-(r2 + (z + z0) * (z + z0)) / (2 * s2)));
}

TEST(ExactSolutions, PointMassWithDecayUnderTheNoFluxSurface) {
  const double h = 25e-6, phi = 0.3, diffusivity = 3e-10, k_decay = 1e-3, mass = 1e-9;
  const Grid grid{64, 64, 48, h, h};
  const double x0 = grid.length_x() / 2, y0 = grid.length_y() / 2, z0 = 150e-6, s0 = 75e-6;
  const TransportModel model(grid, Boundaries{}, testing::uniform_tissue(grid.depth(), phi),
                             {testing::uniform_component(1, diffusivity, 0.0, 0.0, k_decay)});
  // The Gaussian widens from s0 to 2 s0: 2 D t = 3 s0^2.
  const double t_end = 3 * s0 * s0 / (2 * diffusivity);
  for (const std::string scheme : {"explicit", "implicit"}) {
    TransportState state(model);
    add_concentration(model, state, 0, [&](double x, double y, double z) {
      return reflected_gaussian(mass, s0 * s0, phi, x, y, z, x0, y0, z0);
    });
    const double injected = state.ledger[0].injected;
    IntegratorSettings settings = testing::fixed_steps(scheme, scheme == "explicit" ? 0.0 : t_end / 200);
    Integrator integrator(model, settings);
    integrator.advance_to(state, t_end);
    double err2 = 0.0, ref2 = 0.0;
    for (int k = 0; k < grid.nz; ++k)
      for (int j = 0; j < grid.ny; ++j)
        for (int i = 0; i < grid.nx; ++i) {
          const double exact = std::exp(-k_decay * t_end) *
                               reflected_gaussian(mass, s0 * s0 + 2 * diffusivity * t_end, phi, grid.x_centre(i),
                                                  grid.y_centre(j), grid.z_centre(k), x0, y0, z0);
          err2 += std::pow(state.u(0, grid.index(i, j, k)) - exact, 2);
          ref2 += exact * exact;
        }
    const double error = std::sqrt(err2 / ref2);
    std::printf("%s: relative L2 error %.3e after %ld steps\n", scheme.c_str(), error, state.n_steps);
    // Second-order space error at h = s0 / 3 (about 0.3 % here) plus the explicit scheme's
    // first-order time error; 1 % would mean a wrong spread rate or a wrong image.
    EXPECT_LT(error, 1e-2) << scheme;
    // Total mass is exactly M exp(-k t) (the box is closed and large); the ledger says the same.
    EXPECT_NEAR(mass_in_fluid(model, state, 0) / (injected * std::exp(-k_decay * t_end)), 1.0, 1e-12) << scheme;
    EXPECT_NEAR(state.ledger[0].degraded / (injected * -std::expm1(-k_decay * t_end)), 1.0, 1e-11) << scheme;
  }
}

/// §6.5: layer 1 (above the interface, D1, P1 = 1) starts at c0, layer 2 (D2, P2) at 0; the
/// concentration jumps by K = P2 / P1 at the interface and the flux is continuous.
struct TwoLayers {
  double d1 = 1e-9, d2 = 2.5e-10, partition = 2.0, c0 = 1.0, zi = 1e-3;
  double exact(double z, double t) const {
    const double x = z - zi, s1 = std::sqrt(d1), s2 = std::sqrt(d2), kk = partition;
    if (x < 0) return c0 * (1.0 - kk * s2 / (s1 + kk * s2) * std::erfc(-x / (2 * std::sqrt(d1 * t))));
    return c0 * kk * s1 / (s1 + kk * s2) * std::erfc(x / (2 * std::sqrt(d2 * t)));
  }
};

double two_layer_error(const TwoLayers& p, int nz, const std::string& scheme, double t_end) {
  const double hz = 2 * p.zi / nz;
  const Grid grid{1, 1, nz, hz, hz};
  SoluteInLayer top, deep;
  top.diffusivity = p.d1;
  deep.diffusivity = p.d2;
  deep.partition = p.partition;
  const Tissue tissue{{Layer{"upper", p.zi, 0.3}, Layer{"lower", p.zi, 0.3}}};
  const TransportModel model(grid, Boundaries{}, tissue, {Component{"solute", {top, deep}}});
  TransportState state(model);
  add_concentration(model, state, 0, [&](double, double, double z) { return z < p.zi ? p.c0 : 0.0; });
  IntegratorSettings settings = testing::fixed_steps(scheme, scheme == "explicit" ? 0.0 : t_end / 400);
  Integrator integrator(model, settings);
  integrator.advance_to(state, t_end);
  double max_error = 0.0;
  for (int k = 0; k < nz; ++k) {
    const double c = concentration(model, state, 0, k, grid.index(0, 0, k));
    max_error = std::max(max_error, std::abs(c - p.exact(grid.z_centre(k), t_end)));
  }
  EXPECT_LT(std::abs(ledger_residual(model, state, 0)), 1e-13);
  return max_error / p.c0;
}

TEST(ExactSolutions, TwoLayersWithPartitionMatchTheErfcSolution) {
  const TwoLayers p;
  const double t_end = 20.0;  // 2 sqrt(D1 t) = 0.28 mm: the walls 1 mm away see nothing
  for (const std::string scheme : {"explicit", "implicit"}) {
    const double coarse = two_layer_error(p, 200, scheme, t_end);  // 10 um cells
    const double fine = two_layer_error(p, 400, scheme, t_end);    // 5 um cells
    std::printf("%s: max error / c0 = %.3e (10 um), %.3e (5 um)\n", scheme.c_str(), coarse, fine);
    EXPECT_LT(fine, 5e-4) << scheme;   // measured 5.7e-5 (explicit) and 1.1e-4 (implicit)
    EXPECT_LT(fine, 0.35 * coarse) << scheme;  // second order: a factor 4 per halving
  }
}

TEST(ExactSolutions, SteadySlabFluxThroughThreeLayersWithInterfacesInsideCells) {
  // Layers 0-0.37, 0.37-0.81, 0.81-1.3 mm on 13 cells of 0.1 mm: both interfaces inside cells.
  const Tissue tissue{{Layer{"a", 0.37e-3, 0.3}, Layer{"b", 0.44e-3, 0.2}, Layer{"c", 0.49e-3, 0.1}}};
  SoluteInLayer a, b, c;
  a.diffusivity = 1e-9;
  b.diffusivity = 2e-10;
  b.partition = 3.0;
  b.available_fraction = 0.5;
  c.diffusivity = 5e-10;
  c.partition = 0.5;
  const std::vector<SoluteInLayer> layers{a, b, c};
  const Grid grid{3, 3, 13, 1e-4, 1e-4};
  Boundaries bc;
  bc.bottom = BoundaryKind::sink;
  const TransportModel model(grid, bc, tissue, {Component{"solute", layers}});
  // kappa = phi f P D per layer; the exact steady profile carrying flux F to u(Lz) = 0 is
  // u(z) = F * integral_z^Lz dz / kappa.
  auto kappa = [&](double z) {
    const std::size_t n = tissue.layer_at(z);
    const SoluteInLayer& s = layers[n];
    return tissue.layers[n].fluid_fraction * s.available_fraction * s.partition * s.diffusivity;
  };
  const double flux = 1e-12;  // kg / (m^2 s)
  // integral_z^Lz dz / kappa, piece by piece over the layers.
  auto resistance_below = [&](double z) {
    double r = 0.0, top = 0.0;
    for (std::size_t n = 0; n < tissue.layers.size(); ++n) {
      const double bottom_of_layer = top + tissue.layers[n].thickness;
      const double overlap = bottom_of_layer - std::max(z, top);
      if (overlap > 0) r += overlap / kappa(0.5 * (top + bottom_of_layer));
      top = bottom_of_layer;
    }
    return r;
  };
  // Series conductances between cell centres equal 1 / sum(h_i / kappa_i) (§6.5 slab formula).
  const ComponentCoefficients& co = model.coefficients(0);
  for (int k = 1; k < grid.nz; ++k) {
    const double expected = 1.0 / (resistance_below(grid.z_centre(k - 1)) - resistance_below(grid.z_centre(k)));
    EXPECT_NEAR(co.vertical[k] * grid.hz / expected, 1.0, 1e-13) << "face " << k;
  }
  EXPECT_NEAR(co.vertical[grid.nz] * grid.hz * resistance_below(grid.z_centre(grid.nz - 1)), 1.0, 1e-13);
  // The exact profile is a discrete steady state: one explicit step changes no cell below the
  // top one (whose upper face is closed), and the bottom sink carries exactly F.
  TransportState state(model);
  add_concentration(model, state, 0, [&](double, double, double z) {
    return flux * resistance_below(z) * layers[tissue.layer_at(z)].partition;
  });
  const TransportState before = state;
  ExplicitStepper stepper(model);
  const double dt = 0.5 * model.max_explicit_step();
  stepper.step(state, dt);
  for (int k = 1; k < grid.nz; ++k) {
    const std::size_t cell = grid.index(1, 1, k);
    EXPECT_NEAR(state.u(0, cell) / before.u(0, cell), 1.0, 1e-12) << "cell k = " << k;
  }
  const double area = grid.length_x() * grid.length_y();
  EXPECT_NEAR(state.ledger[0].boundary[bottom] / (flux * area * dt), 1.0, 1e-12);
}

}  // namespace
}  // namespace mesosim
