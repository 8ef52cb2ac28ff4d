// Why the implicit scheme is split TR-BDF2 rather than Crank-Nicolson with a Krylov solve: on the
// same layered problem and step sizes the adaptive integrator takes, this program times one
// Crank-Nicolson step solved with Eigen's conjugate gradient (Jacobi preconditioner, relative
// residual 1e-8) against one split TR-BDF2 step, and prints the CG iteration counts.
//   krylov_comparison [cells_per_mm=10] [threads]
#include <omp.h>

#include <Eigen/IterativeLinearSolvers>
#include <Eigen/Sparse>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "models/transport_model.hpp"
#include "solver/time_stepper.hpp"

using namespace mesosim;

int main(int argc, char** argv) {
  const double cells_per_mm = argc > 1 ? std::atof(argv[1]) : 10.0;
  if (argc > 2) omp_set_num_threads(std::atoi(argv[2]));
  Eigen::setNbThreads(omp_get_max_threads());
  const double h = 1e-3 / cells_per_mm;
  const Grid grid{int(20e-3 / h), int(20e-3 / h), int(6e-3 / h), h, h};
  const Tissue tissue{{Layer{"epidermis", 0.1e-3, 0.15}, Layer{"papillary", 0.3e-3, 0.35},
                       Layer{"reticular", 0.9e-3, 0.30}, Layer{"hypodermis", 4.7e-3, 0.15}}};
  SoluteInLayer s;
  s.diffusivity = 3e-10;
  s.k_blood = 5e-4;
  const TransportModel model(grid, Boundaries{}, tissue, {Component{"small", {s, s, s, s}}});
  const ComponentCoefficients& co = model.coefficients(0);
  const int nx = grid.nx, ny = grid.ny, nz = grid.nz;
  const auto n = Eigen::Index(grid.n_cells());
  std::printf("grid %d x %d x %d (%.2f M cells), h = %.0f um, %d threads\n", nx, ny, nz, double(n) * 1e-6, h * 1e6,
              omp_get_max_threads());
  // Operator A u = div(kappa grad u) - s u in per-volume form (same coefficients as the solver).
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(std::size_t(n) * 7);
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const auto row = Eigen::Index(grid.index(i, j, k));
        double diag = -co.sink_blood[k];
        auto couple = [&](int ii, int jj, int kk, double c) {
          entries.emplace_back(row, Eigen::Index(grid.index(ii, jj, kk)), c);
          diag -= c;
        };
        if (i > 0) couple(i - 1, j, k, co.lateral[k]);
        if (i + 1 < nx) couple(i + 1, j, k, co.lateral[k]);
        if (j > 0) couple(i, j - 1, k, co.lateral[k]);
        if (j + 1 < ny) couple(i, j + 1, k, co.lateral[k]);
        if (k > 0) couple(i, j, k - 1, co.vertical[k]);
        if (k + 1 < nz) couple(i, j, k + 1, co.vertical[k + 1]);
        entries.emplace_back(row, row, diag);
      }
  Eigen::SparseMatrix<double, Eigen::RowMajor> a(n, n);
  a.setFromTriplets(entries.begin(), entries.end());
  Eigen::VectorXd capacity(n), u(n);
  for (int k = 0; k < nz; ++k)
    for (std::size_t m = 0; m < grid.plane_size(); ++m) capacity[Eigen::Index(k * grid.plane_size() + m)] = co.capacity[k];
  TransportState state(model);
  add_concentration(model, state, 0, [](double x, double y, double z) {
    const double r2 = (x - 10e-3) * (x - 10e-3) + (y - 10e-3) * (y - 10e-3) + (z - 1e-3) * (z - 1e-3);
    return std::exp(-r2 / (2 * 0.5e-3 * 0.5e-3));
  });
  for (Eigen::Index m = 0; m < n; ++m) u[m] = state.u(0, std::size_t(m));
  SplitImplicitStepper split(model);
  std::printf("%10s %12s %14s %12s %14s\n", "dt [s]", "CG iters", "CN+CG [ms]", "split [ms]", "CG / split");
  for (double dt : {10.0, 100.0, 1000.0, 10000.0}) {
    // (C - dt/2 A) u1 = (C + dt/2 A) u0, symmetric positive definite.
    Eigen::SparseMatrix<double, Eigen::RowMajor> lhs = -0.5 * dt * a;
    lhs += Eigen::SparseMatrix<double, Eigen::RowMajor>(capacity.asDiagonal());
    Eigen::ConjugateGradient<Eigen::SparseMatrix<double, Eigen::RowMajor>, Eigen::Lower | Eigen::Upper> cg;
    cg.setTolerance(1e-8);
    cg.compute(lhs);
    const Eigen::VectorXd rhs = capacity.cwiseProduct(u) + 0.5 * dt * (a * u);
    auto t0 = std::chrono::steady_clock::now();
    const Eigen::VectorXd u1 = cg.solve(rhs);
    const double cg_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    TransportState trial = state;
    t0 = std::chrono::steady_clock::now();
    split.step(trial, dt);
    const double split_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%10.0f %12ld %14.1f %12.1f %14.1f\n", dt, long(cg.iterations()), cg_ms, split_ms, cg_ms / split_ms);
  }
  return 0;
}
