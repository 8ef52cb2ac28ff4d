// Exact solutions of MODEL.md §6: a point mass (Gaussian) with decay under the no-flux skin
// surface (image source), two layers with different D and a partition coefficient (§6.5), and
// the steady flux through a three-layer slab with interfaces inside cells.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

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
    // Round-off: rounded pivots bias each implicit step by ~1e-15 (measured 2.4e-13 after 200 steps).
    EXPECT_LT(std::abs(ledger_residual(model, state, 0)), 1e-12) << scheme;
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

/// The three solutes of the slab tests: different D, a partition step up then down, a reduced
/// available fraction in the middle layer.
std::vector<SoluteInLayer> slab_solutes() {
  SoluteInLayer a, b, c;
  a.diffusivity = 1e-9;
  b.diffusivity = 2e-10;
  b.partition = 3.0;
  b.available_fraction = 0.5;
  c.diffusivity = 5e-10;
  c.partition = 0.5;
  return {a, b, c};
}

/// integral_z^Lz dz / kappa with kappa = phi f P D per layer, piece by piece over the layers.
double slab_resistance_below(const Tissue& tissue, const std::vector<SoluteInLayer>& layers, double z) {
  double r = 0.0, top = 0.0;
  for (std::size_t n = 0; n < tissue.layers.size(); ++n) {
    const double bottom_of_layer = top + tissue.layers[n].thickness;
    const double overlap = bottom_of_layer - std::max(z, top);
    const SoluteInLayer& s = layers[n];
    if (overlap > 0)
      r += overlap / (tissue.layers[n].fluid_fraction * s.available_fraction * s.partition * s.diffusivity);
    top = bottom_of_layer;
  }
  return r;
}

TEST(ExactSolutions, SteadySlabFluxThroughThreeLayersWithInterfacesInsideCells) {
  // Layers 0-0.37, 0.37-0.81, 0.81-1.3 mm on 13 cells of 0.1 mm: both interfaces inside cells.
  const Tissue tissue{{Layer{"a", 0.37e-3, 0.3}, Layer{"b", 0.44e-3, 0.2}, Layer{"c", 0.49e-3, 0.1}}};
  const std::vector<SoluteInLayer> layers = slab_solutes();
  const Grid grid{3, 3, 13, 1e-4, 1e-4};
  Boundaries bc;
  bc.bottom = BoundaryKind::sink;
  const TransportModel model(grid, bc, tissue, {Component{"solute", layers}});
  // The exact steady profile carrying flux F to u(Lz) = 0 is u(z) = F * integral_z^Lz dz / kappa.
  const double flux = 1e-12;  // kg / (m^2 s)
  auto resistance_below = [&](double z) { return slab_resistance_below(tissue, layers, z); };
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

/// Four layers (0.7, 0.4, 0.6, 0.3 mm) with different phi, f, P and D, on cells of 1 mm: the face
/// between the two cell centres crosses three layers, the bottom half-cell two, and each cell
/// holds two or three layers.
struct FourLayerStack {
  Tissue tissue{{Layer{"a", 0.7e-3, 0.3}, Layer{"b", 0.4e-3, 0.2}, Layer{"c", 0.6e-3, 0.25}, Layer{"d", 0.3e-3, 0.1}}};
  std::vector<SoluteInLayer> solute;
  FourLayerStack() {
    const double diffusivity[] = {1e-9, 2e-10, 5e-10, 8e-10}, partition[] = {1.0, 3.0, 0.5, 2.0};
    const double fraction[] = {1.0, 0.5, 0.8, 0.6};
    for (int n = 0; n < 4; ++n) {
      SoluteInLayer s;
      s.diffusivity = diffusivity[n];
      s.partition = partition[n];
      s.available_fraction = fraction[n];
      solute.push_back(s);
    }
  }
  double capacity(std::size_t n) const {
    return tissue.layers[n].fluid_fraction * solute[n].available_fraction * solute[n].partition;
  }
  double kappa(std::size_t n) const { return capacity(n) * solute[n].diffusivity; }
};

TEST(ExactSolutions, SeriesConductanceOfFacesThatSpanSeveralLayers) {
  const FourLayerStack stack;
  const Grid grid{3, 3, 2, 2e-4, 1e-3};  // centres at 0.5 and 1.5 mm; interfaces at 0.7, 1.1, 1.7 mm
  Boundaries bc;
  bc.bottom = BoundaryKind::sink;
  const TransportModel model(grid, bc, stack.tissue, {Component{"solute", stack.solute}});
  const ComponentCoefficients& co = model.coefficients(0);
  auto kappa = [&](std::size_t n) { return stack.kappa(n); };
  // §6.5 slab: conductance = 1 / sum(h_i / (K_i D_i)), here with the tissue factor phi_i f_i in
  // kappa_i = phi_i f_i P_i D_i. Face 1: 0.2 mm of a, 0.4 of b, 0.4 of c. Bottom: 0.2 of c, 0.3 of d.
  const double face = 1.0 / (0.2e-3 / kappa(0) + 0.4e-3 / kappa(1) + 0.4e-3 / kappa(2));
  const double bottom_face = 1.0 / (0.2e-3 / kappa(2) + 0.3e-3 / kappa(3));
  // Each value is a handful of roundings of O(1) terms: 1e-14 relative is round-off.
  EXPECT_NEAR(co.vertical[1] * grid.hz / face, 1.0, 1e-14);
  EXPECT_NEAR(co.vertical[2] * grid.hz / bottom_face, 1.0, 1e-14);
  EXPECT_EQ(co.vertical[0], 0.0);  // the skin surface stays closed
  // Cell 0 holds 0.7 mm of a and 0.3 of b; cell 1 holds 0.1 of b, 0.6 of c, 0.3 of d.
  EXPECT_NEAR(co.capacity[0], 0.7 * stack.capacity(0) + 0.3 * stack.capacity(1), 1e-15);
  EXPECT_NEAR(co.capacity[1], 0.1 * stack.capacity(1) + 0.6 * stack.capacity(2) + 0.3 * stack.capacity(3), 1e-15);
  const double hx2 = grid.hx * grid.hx;
  EXPECT_NEAR(co.lateral[1] * hx2 / (0.1 * kappa(1) + 0.6 * kappa(2) + 0.3 * kappa(3)), 1.0, 1e-14);
  // The partition used for c = P u is the one at the cell centre (layer a, then layer c).
  EXPECT_EQ(co.partition[0], 1.0);
  EXPECT_EQ(co.partition[1], 0.5);
}

/// Steady state of a constant source in the top cells above a bottom sink: every face carries
/// the same flux F, so u(z) = F * integral_z^Lz dz / kappa (§6.5 slab), and c = P u. The series
/// face conductances make this the discrete steady state exactly, and the explicit scheme's fixed
/// point is exactly the discrete steady state (the source is added whole after each step), so the
/// run must reach the slab profile to round-off once the transient has decayed.
TEST(ExactSolutions, SteadySourceAboveABottomSinkReachesTheSlabProfile) {
  // Layers 0-0.37, 0.37-0.81, 0.81-1.2 mm on six 0.2 mm cells: both interfaces inside cells.
  const Tissue tissue{{Layer{"a", 0.37e-3, 0.3}, Layer{"b", 0.44e-3, 0.2}, Layer{"c", 0.39e-3, 0.1}}};
  const std::vector<SoluteInLayer> layers = slab_solutes();
  const Grid grid{2, 2, 6, 1e-3, 2e-4};  // wide cells: the (flat) lateral direction never limits the step
  Boundaries bc;
  bc.bottom = BoundaryKind::sink;
  const TransportModel model(grid, bc, tissue, {Component{"solute", layers}});
  const ComponentCoefficients& co = model.coefficients(0);
  auto resistance_below = [&](double z) { return slab_resistance_below(tissue, layers, z); };
  // Slowest decay rate of the discrete operator (alpha du/dt = -K u): it sets how long the
  // transient takes to fall below round-off.
  Eigen::MatrixXd stiffness = Eigen::MatrixXd::Zero(grid.nz, grid.nz);
  for (int k = 0; k <= grid.nz; ++k) {
    const double g = co.vertical[k];
    if (k > 0) stiffness(k - 1, k - 1) += g;
    if (k < grid.nz) stiffness(k, k) += g;
    if (k > 0 && k < grid.nz) stiffness(k - 1, k) = stiffness(k, k - 1) = -g;
  }
  Eigen::VectorXd inv_sqrt_alpha(grid.nz);
  for (int k = 0; k < grid.nz; ++k) inv_sqrt_alpha[k] = 1.0 / std::sqrt(co.capacity[k]);
  const Eigen::MatrixXd symmetric = inv_sqrt_alpha.asDiagonal() * stiffness * inv_sqrt_alpha.asDiagonal();
  const double slowest_rate = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(symmetric).eigenvalues().minCoeff();
  ASSERT_GT(slowest_rate, 0.0);

  const double rate = 4e-15;  // kg/s into the top plane, spread evenly over its four cells
  Source source;
  for (int j = 0; j < grid.ny; ++j)
    for (int i = 0; i < grid.nx; ++i) source.cells.push_back(grid.index(i, j, 0));
  source.fractions.assign(source.cells.size(), 0.25);
  source.t_start = 0.0;
  source.t_end = 1e30;
  source.rate = {rate};
  const std::vector<Source> sources{source};
  const double flux = rate / (grid.length_x() * grid.length_y());  // kg / (m^2 s) through every face
  TransportState state(model);
  Integrator integrator(model, testing::fixed_steps("explicit", 0.0));
  integrator.set_sources(&sources);
  const double t_end = 36.0 / slowest_rate;  // transient down to e^-36 = 2e-16 of the profile
  integrator.advance_to(state, t_end);
  double worst = 0.0;
  for (int k = 0; k < grid.nz; ++k)
    for (int j = 0; j < grid.ny; ++j)
      for (int i = 0; i < grid.nx; ++i) {
        const double z = grid.z_centre(k);
        const double exact = flux * resistance_below(z) * layers[tissue.layer_at(z)].partition;
        const double c_cell = concentration(model, state, 0, k, grid.index(i, j, k));
        worst = std::max(worst, std::abs(c_cell / exact - 1.0));
      }
  std::printf("steady slab: %ld explicit steps, worst relative error %.2e\n", state.n_steps, worst);
  EXPECT_LT(worst, 1e-11);  // remaining transient 2e-16 plus round-off accumulated over the run
  // At steady state the bottom sink removes what the source delivers, step by step.
  const double bottom_before = state.ledger[0].boundary[bottom];
  const double dt = t_end / double(state.n_steps);
  integrator.advance_to(state, t_end + dt);
  EXPECT_NEAR((state.ledger[0].boundary[bottom] - bottom_before) / (rate * dt), 1.0, 1e-11);
  EXPECT_LT(std::abs(ledger_residual(model, state, 0)), 1e-12);
}

/// With every route closed (no sinks, no-flux walls), what is in the tissue never changes: layer
/// interfaces inside cells, partition jumps, reduced available fractions and binding (without
/// consumption) all move mass without creating or losing any, in every scheme.
TEST(ExactSolutions, MassIsConservedWithInterfacesInsideCells) {
  // Interfaces at 0.25 mm (inside cell 2) and 0.73 mm (inside cell 7).
  const Tissue tissue{{Layer{"top", 0.25e-3, 0.15}, Layer{"middle", 0.48e-3, 0.35}, Layer{"deep", 0.47e-3, 0.12}}};
  const Grid grid{10, 9, 12, 1e-4, 1e-4};
  SoluteInLayer top, middle, deep;
  top.diffusivity = 1e-9;
  middle.diffusivity = 3e-10;
  middle.partition = 2.5;
  middle.available_fraction = 0.42;
  deep.diffusivity = 6e-10;
  deep.partition = 0.4;
  deep.available_fraction = 0.56;
  SoluteInLayer bind_top = top, bind_middle = middle, bind_deep = deep;
  bind_middle.k_on = 3e-3;
  bind_middle.k_off = 1e-3;
  bind_deep.k_on = 1e-3;
  bind_deep.k_off = 4e-3;
  const TransportModel model(grid, Boundaries{}, tissue,
                             {Component{"partitioned", {top, middle, deep}},
                              Component{"binding", {bind_top, bind_middle, bind_deep}}});
  struct Run {
    std::string scheme;
    bool adaptive;
  };
  for (const Run& run : {Run{"explicit", false}, Run{"implicit", false}, Run{"implicit", true}}) {
    TransportState state(model);
    double peak_before = 0.0;
    for (int c = 0; c < model.n_components(); ++c)
      add_concentration(model, state, c, [](double x, double y, double z) {
        const double r2 = std::pow(x - 0.4e-3, 2) + std::pow(y - 0.5e-3, 2) + std::pow(z - 0.25e-3, 2);
        return std::exp(-r2 / (2 * 0.1e-3 * 0.1e-3));
      });
    peak_before = *std::max_element(state.u.raw().begin(), state.u.raw().end());
    IntegratorSettings settings = testing::fixed_steps(run.scheme, run.scheme == "explicit" ? 0.0 : 10.0);
    settings.adaptive = run.adaptive;
    Integrator integrator(model, settings);
    double worst = 0.0;
    long n_checked = 0;
    integrator.advance_to(state, 600.0, [&](const TransportState& s) {
      for (int c = 0; c < model.n_components(); ++c) {
        const double in_tissue = mass_in_fluid(model, s, c) + mass_bound(model, s, c);
        worst = std::max(worst, std::abs(in_tissue / s.ledger[c].injected - 1.0));
      }
      ++n_checked;
    });
    const std::string label = run.scheme + (run.adaptive ? " adaptive" : "");
    std::printf("%s: %ld steps, worst relative mass change %.2e\n", label.c_str(), n_checked, worst);
    EXPECT_GT(n_checked, 10) << label;
    EXPECT_LT(worst, 1e-13) << label;  // round-off: pairwise-cancelling face fluxes, compensated sums
    for (int c = 0; c < model.n_components(); ++c) EXPECT_EQ(state.ledger[c].removed(), 0.0) << label;
    // The test means something only if mass moved and bound: the peak fell, the bound pool filled.
    EXPECT_LT(*std::max_element(state.u.raw().begin(), state.u.raw().end()), 0.5 * peak_before) << label;
    EXPECT_GT(mass_bound(model, state, 1), 0.05 * state.ledger[1].injected) << label;
  }
}

}  // namespace
}  // namespace mesosim
