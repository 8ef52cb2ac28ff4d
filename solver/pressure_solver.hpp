// Direct solver of one backward-Euler pressure step on the whole grid,
//   (S_k + tau chi_k) p + tau sum_faces g_f (p - p_neighbour) = rhs,
// the 7-point operator of make_pressure_model (p = 0 beyond sink faces). Coefficients depend on
// depth only, so the lateral part is lateral_k (T_x + T_y) with one fixed 1-D operator per axis:
// its eigenvectors (computed once) diagonalise x and y, leaving one tridiagonal system in z per
// lateral mode. Exact to round-off in O(N (nx + ny)) with no iteration count to tune; every side
// kind works (no_flux, sink, periodic). It does not evolve anything by itself.
#pragma once

#include <vector>

#include "solver/layered_operator.hpp"

namespace mesosim {

class PressureSolver {
 public:
  /// `pressure_model` from make_pressure_model (capacity = S, sink_lymph = chi, lateral and
  /// vertical = K conductances per unit volume). Keeps a reference: the model must outlive it.
  explicit PressureSolver(const LayeredOperator& pressure_model);

  /// Solves for p (n_cells values, overwritten) given rhs (n_cells values) and tau > 0 (s).
  /// Parallel over depth planes; bitwise reproducible for a given thread count.
  void solve(double tau, const double* rhs, double* p);

  /// Eigenvalues of the unit 1-D lateral operator along x (ascending), for tests.
  const std::vector<double>& x_eigenvalues() const { return lambda_x_; }

 private:
  const LayeredOperator& model_;
  int nx_, ny_, nz_;
  std::vector<double> vx_, vy_;              // eigenvectors, column-major n x n
  std::vector<double> lambda_x_, lambda_y_;  // eigenvalues of the unit operators
  std::vector<double> modes_;                // transformed field, n_cells
  std::vector<std::vector<double>> scratch_;  // per thread: one plane, and Thomas factors per row
};

}  // namespace mesosim
