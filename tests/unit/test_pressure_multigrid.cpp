// The variable-conductivity pressure solve (solver/pressure_multigrid): with the model's own
// conductances it reproduces the verified direct solver on every side kind; with strain-stiffened
// faces (contrast 1e4) it meets its residual and needs few iterations; it is bitwise the same on
// 1 and 2 threads; the stiffened faces are what K0 exp(m e) says, face by face.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "models/reservoir.hpp"
#include "solver/pressure_multigrid.hpp"
#include "solver/pressure_solver.hpp"

namespace mesosim {
namespace {

Tissue three_layers(double stiffening) {
  Layer upper{"papillary", 0.5e-3, 0.35}, middle{"reticular", 0.7e-3, 0.30}, lower{"fat", 0.6e-3, 0.15};
  upper.storage = 2e-4;
  upper.hydraulic_conductivity = 3e-11;
  middle.storage = 1e-4;
  middle.hydraulic_conductivity = 1e-11;
  lower.storage = 5e-5;
  lower.hydraulic_conductivity = 6e-11;
  lower.bleb_half_life = 2400;
  for (Layer* layer : {&upper, &middle, &lower}) layer->strain_stiffening = stiffening;
  return Tissue{{upper, middle, lower}};
}

std::vector<double> stiffening_of(const Grid& grid, const Tissue& tissue) {
  return cell_average(grid, tissue, [](const Layer& layer) { return layer.strain_stiffening; });
}

Boundaries mixed_sides() {
  Boundaries bc;
  bc.set_x(BoundaryKind::periodic);
  bc.y_low = BoundaryKind::sink;
  bc.bottom = BoundaryKind::sink;
  return bc;
}

std::vector<double> mass_of(const TransportModel& model, double tau) {
  const Grid& g = model.grid();
  const ComponentCoefficients& co = model.coefficients(0);
  std::vector<double> mass(g.n_cells());
  for (int k = 0; k < g.nz; ++k)
    std::fill_n(mass.begin() + long(std::size_t(k) * g.plane_size()), g.plane_size(), co.capacity[k] + tau * co.sink_lymph[k]);
  return mass;
}

/// A bleb-like excess fluid: e = peak exp(-r^2 / w^2) around the block's centre.
std::vector<double> bleb_excess(const Grid& g, double peak, double width) {
  std::vector<double> e(g.n_cells());
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const double dx = g.x_centre(i) - g.length_x() / 2, dy = g.y_centre(j) - g.length_y() / 2,
                     dz = g.z_centre(k) - g.depth() / 2;
        e[g.index(i, j, k)] = peak * std::exp(-(dx * dx + dy * dy + dz * dz) / (width * width));
      }
  return e;
}

TEST(MultigridPressure, MatchesTheDirectSolverOnEverySideKind) {
  const Grid grid{9, 7, 12, 1e-4, 0.15e-3};
  const TransportModel model = make_pressure_model(grid, mixed_sides(), three_layers(0.0));
  const std::size_t n = grid.n_cells();
  std::vector<double> rhs(n), direct(n), iterated(n, 0.0);
  for (std::size_t m = 0; m < n; ++m) rhs[m] = 2.0 + std::sin(0.37 * double(m));
  const double tau = 50.0;
  PressureSolver(model).solve(tau, rhs.data(), direct.data());
  FaceConductances faces;
  const std::vector<double> zero(n, 0.0);
  stiffened_faces(model, std::vector<double>(std::size_t(grid.nz), 0.0), zero.data(), faces);
  MultigridPressureSolver solver(grid, true, false);
  const MultigridReport report = solver.solve(tau, mass_of(model, tau), faces, rhs.data(), iterated.data(), 1e-12);
  double worst = 0.0, peak = 0.0;
  for (std::size_t m = 0; m < n; ++m) {
    worst = std::max(worst, std::abs(iterated[m] - direct[m]));
    peak = std::max(peak, std::abs(direct[m]));
  }
  std::printf("multigrid vs direct: %d iterations, max difference %.1e of the peak, %d levels\n", report.iterations,
              worst / peak, solver.n_levels());
  EXPECT_LE(worst / peak, 1e-10);
  EXPECT_LE(report.iterations, 20);
}

TEST(MultigridPressure, StiffenedFacesFollowTheExponentialLaw) {
  const Grid grid{6, 5, 4, 1e-4, 1e-4};
  Boundaries bc;
  bc.set_x(BoundaryKind::sink);
  bc.bottom = BoundaryKind::sink;
  const TransportModel model = make_pressure_model(grid, bc, three_layers(2.94));
  const std::vector<double> m = stiffening_of(grid, three_layers(2.94));
  std::vector<double> e(grid.n_cells());
  for (std::size_t n = 0; n < e.size(); ++n) e[n] = 0.1 * double(n % 7);
  FaceConductances faces;
  stiffened_faces(model, m, e.data(), faces);
  const ComponentCoefficients& co = model.coefficients(0);
  // An inner x face of plane 2, the x_low sink face, a closed y face, an inner and the bottom z face.
  const int j = 3, k = 2;
  const double inner = faces.x[2 + 7 * (j + 5 * k)];
  EXPECT_DOUBLE_EQ(inner, co.lateral[k] * std::exp(2.94 * 0.5 * (e[grid.index(1, j, k)] + e[grid.index(2, j, k)])));
  EXPECT_DOUBLE_EQ(faces.x[0 + 7 * (j + 5 * k)], 2.0 * co.lateral[k] * std::exp(2.94 * e[grid.index(0, j, k)]));
  EXPECT_EQ(faces.y[1 + 6 * (0 + 6 * k)], 0.0);
  EXPECT_DOUBLE_EQ(faces.z[grid.index(1, j, k)],
                   co.vertical[k] * std::exp(2.94 * 0.5 * (e[grid.index(1, j, k - 1)] + e[grid.index(1, j, k)])));
  EXPECT_DOUBLE_EQ(faces.z[grid.index(1, j, 3) + grid.plane_size()],
                   co.vertical[4] * std::exp(2.94 * e[grid.index(1, j, 3)]));
  EXPECT_EQ(faces.z[grid.index(1, j, 0)], 0.0);  // closed surface
  // The exponent is capped.
  std::fill(e.begin(), e.end(), 100.0);
  stiffened_faces(model, m, e.data(), faces);
  EXPECT_DOUBLE_EQ(faces.x[2 + 7 * (j + 5 * k)], co.lateral[k] * std::exp(max_stiffening_exponent));
}

TEST(MultigridPressure, ConvergesOnAStrongBlebContrastAndIsThreadIndependent) {
  // e up to 3 with m = 2.94: conductances vary by exp(8.8) = 6.8e3 across the block.
  const Grid grid{40, 36, 18, 1e-4, 1e-4};
  const Boundaries bc = mixed_sides();
  const Tissue tissue = three_layers(2.94);
  const TransportModel model = make_pressure_model(grid, bc, tissue);
  const std::vector<double> e = bleb_excess(grid, 3.0, 0.6e-3);
  FaceConductances faces;
  stiffened_faces(model, stiffening_of(grid, tissue), e.data(), faces);
  const double tau = 1.0;
  const std::vector<double> mass = mass_of(model, tau);
  std::vector<double> p1(grid.n_cells(), 0.0), p2(grid.n_cells(), 0.0), applied(grid.n_cells());
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  MultigridPressureSolver solver(grid, true, false);
  const MultigridReport one = solver.solve(tau, mass, faces, e.data(), p1.data());
  omp_set_num_threads(2);
  const MultigridReport two = solver.solve(tau, mass, faces, e.data(), p2.data());
  omp_set_num_threads(threads);
  EXPECT_EQ(one.iterations, two.iterations);
  EXPECT_TRUE(p1 == p2) << "1 and 2 threads differ";
  // The residual, recomputed independently of the solver's own bookkeeping.
  solver.apply(p1.data(), applied.data());
  double worst = 0.0, largest = 0.0;
  for (std::size_t n = 0; n < e.size(); ++n) {
    worst = std::max(worst, std::abs(applied[n] - e[n]));
    largest = std::max(largest, e[n]);
  }
  std::printf("stiffened bleb: %d iterations, relative residual %.1e, max |A p - e| %.1e of max e\n", one.iterations,
              one.relative_residual, worst / largest);
  EXPECT_LE(one.relative_residual, 1e-10);
  EXPECT_LE(worst / largest, 1e-9);
  EXPECT_LE(one.iterations, 40);
  for (double value : p1) EXPECT_TRUE(std::isfinite(value));
}

}  // namespace
}  // namespace mesosim
