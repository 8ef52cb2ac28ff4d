// Measured convergence orders on an exact solution with layer-varying coefficients.
// Two layers (different phi, D, available fraction and partition) carry the separable mode
//   u = exp(-lambda t) cos(pi x / Lx) Z(z),
// Z = cos(k1 z) in the top layer and A cos(k2 (z - zi)) + B sin(k2 (z - zi)) below, with u and the
// flux kappa u_z continuous at the interface zi, no flux at z = 0 and z = Lz = 2 zi, and per-layer
// sinks chosen so that both layers decay at the same lambda. It solves the continuous problem
// exactly, so grid refinement measures the spatial order and step refinement the temporal order.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <numbers>
#include <string>

#include "solver/integrator.hpp"
#include "tests/test_support.hpp"

namespace mesosim {
namespace {

constexpr double pi = std::numbers::pi;

struct LayeredMode {
  double zi = 1e-3, lz = 2e-3, lx = 2e-3;
  double kx = pi / 2e-3, k1 = 0.0, k2 = 0.0, a = 0.0, b = 0.0, lambda = 0.0;
  Tissue tissue;
  Component component;

  LayeredMode() {
    tissue.layers = {Layer{"dermis", zi, 0.3}, Layer{"deep", lz - zi, 0.15}};
    SoluteInLayer top, deep;
    top.diffusivity = 1e-9;
    deep.diffusivity = 3e-10;
    deep.available_fraction = 0.8;
    deep.partition = 2.0;
    const double kappa1 = 0.3 * top.diffusivity;
    const double kappa2 = 0.15 * 0.8 * 2.0 * deep.diffusivity;
    const double alpha1 = 0.3, alpha2 = 0.15 * 0.8 * 2.0;
    k1 = 1.0 / zi;  // k1 zi = 1
    // No flux at the bottom: tan(k2 zi) = B / A = -kappa1 k1 tan(k1 zi) / (kappa2 k2), bisect on
    // k2 zi in (pi/2, pi) where the left side runs from -inf to 0.
    auto residual = [&](double k) { return std::tan(k * zi) + kappa1 * k1 * std::tan(k1 * zi) / (kappa2 * k); };
    double lo = (pi / 2 + 1e-9) / zi, hi = (pi - 1e-12) / zi;
    for (int it = 0; it < 200; ++it) {
      const double mid = 0.5 * (lo + hi);
      (residual(mid) < 0.0 ? lo : hi) = mid;
    }
    k2 = 0.5 * (lo + hi);
    a = std::cos(k1 * zi);
    b = -kappa1 * k1 * std::sin(k1 * zi) / (kappa2 * k2);
    // Equal decay rates: alpha_L lambda = kappa_L (kx^2 + k_L^2) + s_L with s_L >= 0.
    const double rate1 = kappa1 * (kx * kx + k1 * k1) / alpha1;
    const double rate2 = kappa2 * (kx * kx + k2 * k2) / alpha2;
    lambda = std::max(rate1, rate2);
    // The sink per volume is s = alpha k, so the rate that tops a layer up to lambda is k = lambda - rate.
    top.k_blood = lambda - rate1;
    deep.k_lymph = lambda - rate2;
    component = Component{"mode", {top, deep}};
  }

  double z_profile(double z) const {
    return z < zi ? std::cos(k1 * z) : a * std::cos(k2 * (z - zi)) + b * std::sin(k2 * (z - zi));
  }
  double u(double x, double z, double t) const {
    return std::exp(-lambda * t) * std::cos(kx * x) * z_profile(z);
  }
};

/// Relative L2 error of u against the exact mode at time t over all cells.
double relative_error(const TransportModel& model, const TransportState& state, const LayeredMode& mode, double t) {
  const Grid& g = model.grid();
  double err2 = 0.0, ref2 = 0.0;
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const double exact = mode.u(g.x_centre(i), g.z_centre(k), t);
        const double diff = state.u(0, g.index(i, j, k)) - exact;
        err2 += diff * diff;
        ref2 += exact * exact;
      }
  return std::sqrt(err2 / ref2);
}

/// Runs the mode on an n x 1 x n grid to t_end with the given scheme and step (0: explicit limit).
TransportState run_mode(const LayeredMode& mode, int n, const std::string& scheme, double t_end,
                        int n_steps, TransportModel*& model_out, std::unique_ptr<TransportModel>& holder) {
  const Grid grid{n, 1, n, mode.lx / n, mode.lz / n};
  holder = std::make_unique<TransportModel>(grid, Boundaries{}, mode.tissue, std::vector<Component>{mode.component});
  model_out = holder.get();
  TransportState state(*holder);
  add_concentration(*holder, state, 0, [&](double x, double, double z) {
    // add_concentration takes c = P u.
    return mode.u(x, z, 0.0) * (z < mode.zi ? 1.0 : 2.0);
  });
  IntegratorSettings settings = testing::fixed_steps(scheme, n_steps > 0 ? t_end / n_steps : 0.0);
  Integrator integrator(*holder, settings);
  integrator.advance_to(state, t_end);
  return state;
}

TEST(Convergence, ExactModeSolvesTheContinuousProblem) {
  const LayeredMode mode;
  // Flux continuity and no-flux bottom hold by construction; check the numbers once.
  const double h = 1e-9;
  const double top_flux = 0.3 * 1e-9 * (mode.z_profile(mode.zi - h) - mode.z_profile(mode.zi - 2 * h)) / h;
  const double deep_flux = 0.24 * 3e-10 * (mode.z_profile(mode.zi + 2 * h) - mode.z_profile(mode.zi + h)) / h;
  EXPECT_NEAR(top_flux / deep_flux, 1.0, 1e-4);
  const double slope_bottom = (mode.z_profile(mode.lz + h) - mode.z_profile(mode.lz - h)) / (2 * h);
  EXPECT_LT(std::abs(slope_bottom) / mode.k2, 1e-5);
  EXPECT_GT(mode.component.in_layer[0].k_blood + mode.component.in_layer[1].k_lymph, 0.0);
}

TEST(Convergence, SecondOrderInSpaceForBothSchemes) {
  const LayeredMode mode;
  const double t_end = 0.5 / mode.lambda;
  for (const std::string scheme : {"explicit", "implicit"}) {
    std::vector<double> errors;
    for (int n : {16, 32, 64}) {
      TransportModel* model = nullptr;
      std::unique_ptr<TransportModel> holder;
      // Explicit: the stable step scales with h^2, so its time error shrinks like the space error.
      // Implicit: 2000 steps make the time error (~(lambda dt)^2) negligible against O(h^2).
      const TransportState state = run_mode(mode, n, scheme, t_end, scheme == "explicit" ? 0 : 2000, model, holder);
      errors.push_back(relative_error(*model, state, mode, t_end));
    }
    const double order_coarse = std::log2(errors[0] / errors[1]);
    const double order_fine = std::log2(errors[1] / errors[2]);
    RecordProperty(scheme + "_order", std::to_string(order_fine));
    std::printf("%s: errors %.3e %.3e %.3e, orders %.3f %.3f\n", scheme.c_str(), errors[0], errors[1],
                errors[2], order_coarse, order_fine);
    EXPECT_NEAR(order_fine, 2.0, 0.15) << scheme;
    EXPECT_NEAR(order_coarse, 2.0, 0.25) << scheme;
    EXPECT_LT(errors[2], 2e-3) << scheme;
  }
}

TEST(Convergence, SecondOrderInTimeForTheImplicitScheme) {
  const LayeredMode mode;
  const double t_end = 1.0 / mode.lambda;
  const int n = 32;
  TransportModel* model = nullptr;
  std::unique_ptr<TransportModel> holder;
  // Reference: same grid, 64x smaller step, so the measured differences are the time error alone.
  const TransportState reference = run_mode(mode, n, "implicit", t_end, 4096, model, holder);
  std::vector<double> errors;
  for (int n_steps : {8, 16, 32, 64}) {
    const TransportState state = run_mode(mode, n, "implicit", t_end, n_steps, model, holder);
    double err2 = 0.0, ref2 = 0.0;
    for (std::size_t c = 0; c < state.u.n_cells(); ++c) {
      err2 += std::pow(state.u(0, c) - reference.u(0, c), 2);
      ref2 += std::pow(reference.u(0, c), 2);
    }
    errors.push_back(std::sqrt(err2 / ref2));
  }
  for (std::size_t m = 0; m + 1 < errors.size(); ++m) {
    const double order = std::log2(errors[m] / errors[m + 1]);
    std::printf("steps %d -> %d: errors %.3e -> %.3e, order %.3f\n", 8 << m, 16 << m, errors[m], errors[m + 1], order);
    EXPECT_NEAR(order, 2.0, 0.2);
  }
}

}  // namespace
}  // namespace mesosim
