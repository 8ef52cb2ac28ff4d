#include "solver/pressure_multigrid.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <Eigen/Dense>

#include "solver/error.hpp"
#include "solver/simd.hpp"

namespace mesosim {

void FaceConductances::resize(const Grid& grid) {
  const std::size_t nx = std::size_t(grid.nx), ny = std::size_t(grid.ny), nz = std::size_t(grid.nz);
  x.assign((nx + 1) * ny * nz, 0.0);
  y.assign(nx * (ny + 1) * nz, 0.0);
  z.assign(nx * ny * (nz + 1), 0.0);
}

namespace {

/// Levels smaller than this run on one thread: a parallel loop costs a barrier, and on a busy
/// machine a barrier can cost a scheduler time slice.
constexpr std::size_t parallel_cells = 32768;

/// Sum over the six faces of cell (i, j, k) of G_f x_neighbour (x = 0 beyond a non-periodic side),
/// and the diagonal mass + sum of G_f through `diagonal`.
template <class Level>
inline double neighbour_sum(const Level& level, const double* x, int i, int j, int k, double& diagonal) {
  const int nx = level.nx, ny = level.ny;
  const std::size_t cell = level.index(i, j, k);
  const std::size_t plane = std::size_t(nx) * std::size_t(ny);
  const FaceConductances& f = level.faces;
  const std::size_t fx = level.x_face(i, j, k), fy = level.y_face(i, j, k);
  const double gw = f.x[fx], ge = f.x[fx + 1], gs = f.y[fy], gn = f.y[fy + std::size_t(nx)];
  const double gt = f.z[cell], gb = f.z[cell + plane];
  double sum = 0.0;
  if (i > 0) sum += gw * x[cell - 1];
  else if (level.x_periodic) sum += gw * x[cell + std::size_t(nx - 1)];
  if (i + 1 < nx) sum += ge * x[cell + 1];
  else if (level.x_periodic) sum += ge * x[cell - std::size_t(nx - 1)];
  if (j > 0) sum += gs * x[cell - std::size_t(nx)];
  else if (level.y_periodic) sum += gs * x[cell + std::size_t(nx) * std::size_t(ny - 1)];
  if (j + 1 < ny) sum += gn * x[cell + std::size_t(nx)];
  else if (level.y_periodic) sum += gn * x[cell - std::size_t(nx) * std::size_t(ny - 1)];
  if (k > 0) sum += gt * x[cell - plane];
  if (k + 1 < level.nz) sum += gb * x[cell + plane];
  diagonal = level.mass[cell] + gw + ge + gs + gn + gt + gb;
  return sum;
}

/// Calls use(cell, diagonal, neighbour sum of x) for every cell of a level: the rows of A x.
template <class Level, class Use>
void for_each_row(const Level& level, const double* x, Use&& use) {
#pragma omp parallel for schedule(static) if (level.n_cells() >= parallel_cells)
  for (int k = 0; k < level.nz; ++k)
    for (int j = 0; j < level.ny; ++j)
      for (int i = 0; i < level.nx; ++i) {
        double diagonal = 0.0;
        const double sum = neighbour_sum(level, x, i, j, k, diagonal);
        use(level.index(i, j, k), diagonal, sum);
      }
}

}  // namespace

MultigridPressureSolver::MultigridPressureSolver(const Grid& grid, bool x_periodic, bool y_periodic) {
  Level fine;
  fine.nx = grid.nx;
  fine.ny = grid.ny;
  fine.nz = grid.nz;
  fine.x_periodic = x_periodic;
  fine.y_periodic = y_periodic;
  levels_.push_back(std::move(fine));
  // Halve every axis longer than one cell until at most 64 cells remain.
  while (levels_.back().n_cells() > 64) {
    const Level& previous = levels_.back();
    Level coarse;
    coarse.nx = (previous.nx + 1) / 2;
    coarse.ny = (previous.ny + 1) / 2;
    coarse.nz = (previous.nz + 1) / 2;
    coarse.x_periodic = x_periodic;
    coarse.y_periodic = y_periodic;
    levels_.push_back(std::move(coarse));
  }
  for (Level& level : levels_) {
    const std::size_t n = level.n_cells();
    level.mass.assign(n, 0.0);
    level.inverse_diagonal.assign(n, 0.0);
    level.x.assign(n, 0.0);
    level.b.assign(n, 0.0);
    level.r.assign(n, 0.0);
    const Grid shape{level.nx, level.ny, level.nz, 1.0, 1.0};
    level.faces.resize(shape);
  }
  const std::size_t n = levels_[0].n_cells();
  z_.assign(n, 0.0);
  z_old_.assign(n, 0.0);
  d_.assign(n, 0.0);
  q_.assign(n, 0.0);
  planes_.assign(std::size_t(grid.nz), 0.0);
}

void MultigridPressureSolver::coarsen(const Level& fine, Level& coarse) const {
  // Cells agglomerate in pairs per axis (a last odd cell alone); the mass adds up, and a coarse
  // face takes the sum of the fine faces it covers divided by the coarsening factor across it
  // (rediscretisation of K A / h for constant K).
  const int rx = fine.nx > coarse.nx ? 2 : 1, ry = fine.ny > coarse.ny ? 2 : 1, rz = fine.nz > coarse.nz ? 2 : 1;
  std::fill(coarse.mass.begin(), coarse.mass.end(), 0.0);
  std::fill(coarse.faces.x.begin(), coarse.faces.x.end(), 0.0);
  std::fill(coarse.faces.y.begin(), coarse.faces.y.end(), 0.0);
  std::fill(coarse.faces.z.begin(), coarse.faces.z.end(), 0.0);
#pragma omp parallel for schedule(static) if (fine.n_cells() >= parallel_cells)
  for (int kc = 0; kc < coarse.nz; ++kc)
    for (int k = kc * rz; k < std::min(kc * rz + rz, fine.nz); ++k)
      for (int j = 0; j < fine.ny; ++j)
        for (int i = 0; i < fine.nx; ++i) {
          coarse.mass[coarse.index(i / rx, j / ry, kc)] += fine.mass[fine.index(i, j, k)];
        }
  // x faces: coarse face ic covers fine face min(ic rx, nx) of the rows it spans.
#pragma omp parallel for schedule(static) if (fine.n_cells() >= parallel_cells)
  for (int kc = 0; kc < coarse.nz; ++kc)
    for (int jc = 0; jc < coarse.ny; ++jc)
      for (int ic = 0; ic <= coarse.nx; ++ic) {
        const int i = std::min(ic * rx, fine.nx);
        double sum = 0.0;
        for (int k = kc * rz; k < std::min(kc * rz + rz, fine.nz); ++k)
          for (int j = jc * ry; j < std::min(jc * ry + ry, fine.ny); ++j)
            sum += fine.faces.x[fine.x_face(i, j, k)];
        coarse.faces.x[coarse.x_face(ic, jc, kc)] = sum / rx;
      }
#pragma omp parallel for schedule(static) if (fine.n_cells() >= parallel_cells)
  for (int kc = 0; kc < coarse.nz; ++kc)
    for (int jc = 0; jc <= coarse.ny; ++jc)
      for (int ic = 0; ic < coarse.nx; ++ic) {
        const int j = std::min(jc * ry, fine.ny);
        double sum = 0.0;
        for (int k = kc * rz; k < std::min(kc * rz + rz, fine.nz); ++k)
          for (int i = ic * rx; i < std::min(ic * rx + rx, fine.nx); ++i)
            sum += fine.faces.y[fine.y_face(i, j, k)];
        coarse.faces.y[coarse.y_face(ic, jc, kc)] = sum / ry;
      }
#pragma omp parallel for schedule(static) if (fine.n_cells() >= parallel_cells)
  for (int kc = 0; kc <= coarse.nz; ++kc) {
    const int k = std::min(kc * rz, fine.nz);
    for (int jc = 0; jc < coarse.ny; ++jc)
      for (int ic = 0; ic < coarse.nx; ++ic) {
        double sum = 0.0;
        for (int j = jc * ry; j < std::min(jc * ry + ry, fine.ny); ++j)
          for (int i = ic * rx; i < std::min(ic * rx + rx, fine.nx); ++i)
            sum += fine.faces.z[fine.index(i, j, k)];  // face k is the top of cell k
        coarse.faces.z[coarse.index(ic, jc, kc)] = sum / rz;
      }
  }
}

void MultigridPressureSolver::build(double tau, const std::vector<double>& mass, const FaceConductances& faces) {
  Level& fine = levels_[0];
  if (mass.size() != fine.n_cells() || faces.x.size() != fine.faces.x.size() || faces.y.size() != fine.faces.y.size() ||
      faces.z.size() != fine.faces.z.size())
    throw SolverError("multigrid pressure solve: coefficient sizes do not match the grid");
  fine.mass = mass;
  auto scale = [tau](const std::vector<double>& from, std::vector<double>& to) {
#pragma omp parallel for schedule(static)
    for (long n = 0; n < long(from.size()); ++n) to[std::size_t(n)] = tau * from[std::size_t(n)];
  };
  scale(faces.x, fine.faces.x);
  scale(faces.y, fine.faces.y);
  scale(faces.z, fine.faces.z);
  for (std::size_t l = 1; l < levels_.size(); ++l) coarsen(levels_[l - 1], levels_[l]);
  for (Level& level : levels_)
    for_each_row(level, level.x.data(),
                 [&](std::size_t cell, double diagonal, double) { level.inverse_diagonal[cell] = 1.0 / diagonal; });
  // Dense Cholesky of the coarsest operator, assembled column by column from unit vectors.
  Level& last = levels_.back();
  const int n = int(last.n_cells());
  Eigen::MatrixXd dense(n, n);
  std::vector<double> unit(std::size_t(n), 0.0);
  for (int col = 0; col < n; ++col) {
    unit[std::size_t(col)] = 1.0;
    for_each_row(last, unit.data(), [&](std::size_t cell, double diagonal, double sum) {
      dense(Eigen::Index(cell), col) = diagonal * unit[cell] - sum;
    });
    unit[std::size_t(col)] = 0.0;
  }
  const Eigen::LLT<Eigen::MatrixXd> cholesky(dense);
  if (cholesky.info() != Eigen::Success)
    throw SolverError("multigrid pressure solve: the coarsest operator is not positive definite");
  const Eigen::MatrixXd factor = cholesky.matrixL();
  coarse_factor_.assign(factor.data(), factor.data() + std::size_t(n) * std::size_t(n));
}

namespace {

/// The cells 1 <= i <= nx - 2 with i % 2 == first of a row away from every side (j, k interior),
/// as one vector loop over every second cell. A cell's neighbours are all of the other colour,
/// which this half sweep does not change, so the lanes are independent; each update is the same
/// expression as through neighbour_sum.
MESOSIM_HOT_KERNEL
void smooth_inner_row(double* x, const double* b, const double* inverse_diagonal, const double* gx,
                      const double* gy_south, const double* gy_north, const double* gz_top,
                      const double* gz_bottom, std::ptrdiff_t nx, std::ptrdiff_t plane, int first) {
  const std::ptrdiff_t start = first == 0 ? 2 : 1;
#pragma omp simd
  for (std::ptrdiff_t i = start; i < nx - 1; i += 2) {
    double sum = 0.0;
    sum += gx[i] * x[i - 1];
    sum += gx[i + 1] * x[i + 1];
    sum += gy_south[i] * x[i - nx];
    sum += gy_north[i] * x[i + nx];
    sum += gz_top[i] * x[i - plane];
    sum += gz_bottom[i] * x[i + plane];
    x[i] = (b[i] + sum) * inverse_diagonal[i];
  }
}

/// One red-black Gauss-Seidel half sweep over the cells with (i + j + k) % 2 == colour. Cells of
/// one colour in different planes never touch, so the planes run in parallel in any order.
template <class Level>
void smooth_colour(Level& level, int colour) {
  const int nx = level.nx, ny = level.ny, nz = level.nz;
  const std::size_t plane = std::size_t(nx) * std::size_t(ny);
  auto update = [&](int i, int j, int k) {
    const std::size_t cell = level.index(i, j, k);
    double diagonal = 0.0;
    const double sum = neighbour_sum(level, level.x.data(), i, j, k, diagonal);
    level.x[cell] = (level.b[cell] + sum) * level.inverse_diagonal[cell];
  };
#pragma omp parallel for schedule(static) if (level.n_cells() >= parallel_cells)
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j) {
      const int first = (j + k + colour) & 1;
      if (k == 0 || k + 1 == nz || j == 0 || j + 1 == ny || nx < 3) {
        for (int i = first; i < nx; i += 2) update(i, j, k);
        continue;
      }
      if (first == 0) update(0, j, k);
      const std::size_t row = level.index(0, j, k);
      const std::size_t fx = level.x_face(0, j, k), fy = level.y_face(0, j, k);
      smooth_inner_row(level.x.data() + row, level.b.data() + row, level.inverse_diagonal.data() + row,
                       level.faces.x.data() + fx, level.faces.y.data() + fy, level.faces.y.data() + fy + nx,
                       level.faces.z.data() + row, level.faces.z.data() + row + plane, nx, std::ptrdiff_t(plane),
                       first);
      if (((nx - 1 - first) & 1) == 0) update(nx - 1, j, k);
    }
}

/// r = b - A x on one level.
template <class Level>
void residual(const Level& level, const double* x, const double* b, double* r) {
  for_each_row(level, x, [&](std::size_t cell, double diagonal, double sum) { r[cell] = b[cell] - (diagonal * x[cell] - sum); });
}

/// y = A x on one level.
template <class Level>
void multiply(const Level& level, const double* x, double* y) {
  for_each_row(level, x, [&](std::size_t cell, double diagonal, double sum) { y[cell] = diagonal * x[cell] - sum; });
}

}  // namespace

void MultigridPressureSolver::v_cycle(std::size_t l) {
  Level& level = levels_[l];
  if (l + 1 == levels_.size()) {
    const Eigen::Index n = Eigen::Index(level.n_cells());
    const Eigen::Map<const Eigen::MatrixXd> factor(coarse_factor_.data(), n, n);
    Eigen::Map<Eigen::VectorXd> x(level.x.data(), n);
    x = Eigen::Map<const Eigen::VectorXd>(level.b.data(), n);
    factor.triangularView<Eigen::Lower>().solveInPlace(x);
    factor.transpose().triangularView<Eigen::Upper>().solveInPlace(x);
    return;
  }
  constexpr int n_sweeps = 2;
  std::fill(level.x.begin(), level.x.end(), 0.0);
  for (int sweep = 0; sweep < n_sweeps; ++sweep) {
    smooth_colour(level, 0);
    smooth_colour(level, 1);
  }
  residual(level, level.x.data(), level.b.data(), level.r.data());
  Level& coarse = levels_[l + 1];
  const int rx = level.nx > coarse.nx ? 2 : 1, ry = level.ny > coarse.ny ? 2 : 1, rz = level.nz > coarse.nz ? 2 : 1;
  // Restriction: a coarse equation is the sum of its fine equations.
#pragma omp parallel for schedule(static) if (level.n_cells() >= parallel_cells)
  for (int kc = 0; kc < coarse.nz; ++kc) {
    double* b = coarse.b.data() + std::size_t(kc) * std::size_t(coarse.nx) * std::size_t(coarse.ny);
    std::fill_n(b, std::size_t(coarse.nx) * std::size_t(coarse.ny), 0.0);
    for (int k = kc * rz; k < std::min(kc * rz + rz, level.nz); ++k)
      for (int j = 0; j < level.ny; ++j)
        for (int i = 0; i < level.nx; ++i)
          b[std::size_t(i / rx) + std::size_t(coarse.nx) * std::size_t(j / ry)] +=
              level.r[level.index(i, j, k)];
  }
  v_cycle(l + 1);
  // Prolongation: every fine cell takes its aggregate's correction.
#pragma omp parallel for schedule(static) if (level.n_cells() >= parallel_cells)
  for (int k = 0; k < level.nz; ++k)
    for (int j = 0; j < level.ny; ++j)
      for (int i = 0; i < level.nx; ++i)
        level.x[level.index(i, j, k)] +=
            coarse.x[coarse.index(i / rx, j / ry, k / rz)];
  for (int sweep = 0; sweep < n_sweeps; ++sweep) {
    smooth_colour(level, 1);
    smooth_colour(level, 0);
  }
}

double MultigridPressureSolver::dot(const std::vector<double>& a, const std::vector<double>& b) {
  // Per-plane sums added in plane order: the same result for every thread count.
  const Level& fine = levels_[0];
  const std::size_t plane = std::size_t(fine.nx) * std::size_t(fine.ny);
#pragma omp parallel for schedule(static)
  for (int k = 0; k < fine.nz; ++k) {
    double sum = 0.0;
    const std::size_t first = std::size_t(k) * plane;
    for (std::size_t n = first; n < first + plane; ++n) sum += a[n] * b[n];
    planes_[std::size_t(k)] = sum;
  }
  double total = 0.0;
  for (double value : planes_) total += value;
  return total;
}

void MultigridPressureSolver::apply(const double* x, double* y) const {
  multiply(levels_[0], x, y);
}

MultigridReport MultigridPressureSolver::solve(double tau, const std::vector<double>& mass,
                                               const FaceConductances& faces, const double* rhs, double* p,
                                               double tolerance, int max_iterations) {
  build(tau, mass, faces);
  Level& fine = levels_[0];
  const std::size_t n = fine.n_cells();
  std::vector<double>& r = fine.b;  // the V-cycle's right-hand side is the CG residual
  const std::vector<double> rhs_copy(rhs, rhs + n);
  const double norm_rhs = std::sqrt(dot(rhs_copy, rhs_copy));
  MultigridReport report;
  if (norm_rhs == 0.0) {
    std::fill_n(p, n, 0.0);
    return report;
  }
  residual(fine, p, rhs, r.data());
  // Flexible (Polak-Ribiere) preconditioned conjugate gradients.
  double rz_old = 0.0;
  for (int iteration = 0;; ++iteration) {
    const double norm = std::sqrt(dot(r, r));
    report.relative_residual = norm / norm_rhs;
    report.iterations = iteration;
    if (report.relative_residual <= tolerance) break;
    if (stop_ && stop_->load(std::memory_order_relaxed)) {
      report.interrupted = true;
      break;
    }
    if (iteration == max_iterations) {
      std::ostringstream msg;
      msg << "pressure solve did not converge: relative residual " << report.relative_residual << " after "
          << max_iterations << " multigrid-CG iterations (the conductivity contrast may be too large: lower "
          << "strain_stiffening)";
      throw SolverError(msg.str());
    }
    v_cycle(0);
    z_.swap(fine.x);  // z = M r
    const double rz = dot(r, z_);
    double beta = 0.0;
    if (iteration > 0) beta = (rz - dot(r, z_old_)) / rz_old;
#pragma omp parallel for schedule(static)
    for (long m = 0; m < long(n); ++m) d_[m] = z_[m] + beta * d_[m];
    multiply(fine, d_.data(), q_.data());
    const double alpha = rz / dot(d_, q_);
#pragma omp parallel for schedule(static)
    for (long m = 0; m < long(n); ++m) {
      p[m] += alpha * d_[m];
      r[m] -= alpha * q_[m];
    }
    z_old_.swap(z_);
    rz_old = rz;
  }
  return report;
}

}  // namespace mesosim
