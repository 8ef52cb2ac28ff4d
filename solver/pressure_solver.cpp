#include "solver/pressure_solver.hpp"

#include <algorithm>

#include <Eigen/Dense>
#include <omp.h>

namespace mesosim {

namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Eigen-decomposition of the unit 1-D operator of n cells: face coefficient 1 between cells,
/// 2 at a sink end (half a cell to p = 0), 0 at a closed end, a wrapped face if periodic.
void decompose(int n, BoundaryKind low, BoundaryKind high, std::vector<double>& vectors,
               std::vector<double>& values) {
  Eigen::MatrixXd t = Eigen::MatrixXd::Zero(n, n);
  auto end = [](BoundaryKind kind) { return kind == BoundaryKind::sink ? 2.0 : 0.0; };
  for (int i = 0; i < n; ++i) {
    if (i > 0) {
      t(i, i) += 1.0;
      t(i, i - 1) = -1.0;
    } else {
      t(i, i) += end(low);
    }
    if (i + 1 < n) {
      t(i, i) += 1.0;
      t(i, i + 1) = -1.0;
    } else {
      t(i, i) += end(high);
    }
  }
  if (low == BoundaryKind::periodic) {  // validated: both ends, n >= 3
    t(0, 0) += 1.0;
    t(n - 1, n - 1) += 1.0;
    t(0, n - 1) -= 1.0;
    t(n - 1, 0) -= 1.0;
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(t);
  vectors.assign(solver.eigenvectors().data(), solver.eigenvectors().data() + std::size_t(n) * std::size_t(n));
  values.assign(solver.eigenvalues().data(), solver.eigenvalues().data() + n);
}

}  // namespace

PressureSolver::PressureSolver(const LayeredOperator& pressure_model)
    : model_(pressure_model), nx_(pressure_model.grid().nx), ny_(pressure_model.grid().ny),
      nz_(pressure_model.grid().nz) {
  const Boundaries& bc = model_.boundaries();
  decompose(nx_, bc.x_low, bc.x_high, vx_, lambda_x_);
  decompose(ny_, bc.y_low, bc.y_high, vy_, lambda_y_);
  modes_.assign(model_.grid().n_cells(), 0.0);
}

void PressureSolver::solve(double tau, const double* rhs, double* p) {
  const std::size_t plane = std::size_t(nx_) * std::size_t(ny_);
  const std::size_t n_threads = std::size_t(std::max(omp_get_max_threads(), 1));
  if (scratch_.size() < n_threads)
    scratch_.assign(n_threads, std::vector<double>(std::max(plane, std::size_t(nz_) * std::size_t(nx_))));
  const Eigen::Map<const Eigen::MatrixXd> vx(vx_.data(), nx_, nx_), vy(vy_.data(), ny_, ny_);
  const ComponentCoefficients& co = model_.coefficients(0);
  double* modes = modes_.data();
  // Lateral transform of each depth plane: B^ = Vy^T B Vx (a plane is ny x nx, row-major).
#pragma omp parallel for schedule(static)
  for (int k = 0; k < nz_; ++k) {
    Eigen::Map<RowMatrix> temp(scratch_[omp_get_thread_num()].data(), ny_, nx_);
    const Eigen::Map<const RowMatrix> b(rhs + std::size_t(k) * plane, ny_, nx_);
    Eigen::Map<RowMatrix> out(modes + std::size_t(k) * plane, ny_, nx_);
    temp.noalias() = b * vx;
    out.noalias() = vy.transpose() * temp;
  }
  // One tridiagonal system in z per lateral mode (mx, my), by rows of modes (Thomas algorithm):
  //   (S_k + tau chi_k + tau lateral_k (lx + ly) + tau (v_k + v_{k+1})) x_k - tau v_k x_{k-1} - tau v_{k+1} x_{k+1}
  const std::vector<double>& v = co.vertical;
#pragma omp parallel for schedule(static)
  for (int my = 0; my < ny_; ++my) {
    double* upper = scratch_[omp_get_thread_num()].data();  // nz x nx factors
    const double ly = lambda_y_[my];
    for (int k = 0; k < nz_; ++k) {
      double* row = modes + std::size_t(k) * plane + std::size_t(my) * nx_;
      const double* previous = k > 0 ? row - plane : row;
      const double base = co.capacity[k] + tau * co.sink_lymph[k] + tau * (v[k] + v[k + 1]);
      const double lateral = tau * co.lateral[k];
      const double lower = -tau * v[k], up = k + 1 < nz_ ? -tau * v[k + 1] : 0.0;
      double* cp = upper + std::size_t(k) * nx_;
      const double* cp_previous = k > 0 ? cp - nx_ : cp;
      for (int mx = 0; mx < nx_; ++mx) {
        const double diagonal = base + lateral * (lambda_x_[mx] + ly);
        const double pivot = k > 0 ? diagonal - lower * cp_previous[mx] : diagonal;
        cp[mx] = up / pivot;
        row[mx] = (row[mx] - (k > 0 ? lower * previous[mx] : 0.0)) / pivot;
      }
    }
    for (int k = nz_ - 2; k >= 0; --k) {
      double* row = modes + std::size_t(k) * plane + std::size_t(my) * nx_;
      const double* next = row + plane;
      const double* cp = upper + std::size_t(k) * nx_;
      for (int mx = 0; mx < nx_; ++mx) row[mx] -= cp[mx] * next[mx];
    }
  }
  // Back: P = Vy P^ Vx^T.
#pragma omp parallel for schedule(static)
  for (int k = 0; k < nz_; ++k) {
    Eigen::Map<RowMatrix> temp(scratch_[omp_get_thread_num()].data(), ny_, nx_);
    const Eigen::Map<const RowMatrix> in(modes + std::size_t(k) * plane, ny_, nx_);
    Eigen::Map<RowMatrix> out(p + std::size_t(k) * plane, ny_, nx_);
    temp.noalias() = in * vx.transpose();
    out.noalias() = vy * temp;
  }
}

}  // namespace mesosim
