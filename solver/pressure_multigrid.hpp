// Solver of one backward-Euler pressure step with conductances that vary face by face (the
// strain-stiffened K = K0 exp(m e) of MODEL §2), where the direct PressureSolver, which needs
// coefficients that depend on depth only, cannot be used:
//   a_cell p + sum_faces G_f (p - p_neighbour) = rhs      (G_f = tau g_f; p = 0 beyond sink faces).
// Flexible conjugate gradients preconditioned by one symmetric geometric-multigrid V-cycle
// (cell agglomeration 2 x 2 x 2, coarse faces = sum of the fine faces / 2, red-black Gauss-Seidel,
// dense Cholesky on the coarsest level). It does not know about tissue or time.
#pragma once

#include <atomic>
#include <vector>

#include "solver/grid.hpp"

namespace mesosim {

/// Conductances of every face of a grid (per unit cell volume, like the model's lateral and
/// vertical coefficients, 1/(Pa s)).
/// x faces: index i + (nx + 1) (j + ny k), i in [0, nx]; y faces: i + nx (j + (ny + 1) k);
/// z faces: i + nx (j + ny k), k in [0, nz]. A boundary face holds the conductance to p = 0 beyond
/// a sink side, 0 for a closed side; for a periodic axis faces 0 and n are the same wrapped face
/// and must hold the same value.
struct FaceConductances {
  std::vector<double> x, y, z;
  void resize(const Grid& grid);
};

/// Iteration report of one solve.
struct MultigridReport {
  int iterations = 0;
  double relative_residual = 0.0;  ///< |rhs - A p| / |rhs| at the end (0 for rhs = 0)
  bool interrupted = false;        ///< the stop flag was raised: p is a partial iterate, to be discarded
};

class MultigridPressureSolver {
 public:
  /// Grid geometry and which lateral axes wrap. The hierarchy is rebuilt by every solve.
  MultigridPressureSolver(const Grid& grid, bool x_periodic, bool y_periodic);
  MultigridPressureSolver(const MultigridPressureSolver&) = delete;
  MultigridPressureSolver& operator=(const MultigridPressureSolver&) = delete;

  /// Solves mass p + tau sum_f g_f (p - p_neighbour) = rhs for p (n_cells; its values on entry
  /// are the first guess) with `mass` per cell (> 0) and the face conductances g = `faces`, to
  /// |residual| <= tolerance |rhs|. SolverError if that takes more than `max_iterations`.
  /// Bitwise reproducible for any thread count.
  MultigridReport solve(double tau, const std::vector<double>& mass, const FaceConductances& faces, const double* rhs,
                        double* p, double tolerance = 1e-10, int max_iterations = 200);

  /// A flag (not owned; null for none) that makes solve() return at the next CG iteration with
  /// report.interrupted set, leaving p unfinished, so a stop is not held up by a long solve.
  void set_stop_flag(const std::atomic<bool>* flag) { stop_ = flag; }

  /// y = A x for the operator of the last solve's fine level (for tests).
  void apply(const double* x, double* y) const;
  /// Number of levels of the last solve's hierarchy (for tests and reports).
  int n_levels() const { return int(levels_.size()); }

 private:
  struct Level {
    int nx = 1, ny = 1, nz = 1;
    bool x_periodic = false, y_periodic = false;
    std::vector<double> mass, inverse_diagonal;  // per cell
    FaceConductances faces;
    std::vector<double> x, b, r;                 // per cell: solution, right-hand side, residual
    std::size_t n_cells() const { return std::size_t(nx) * std::size_t(ny) * std::size_t(nz); }
    std::size_t index(int i, int j, int k) const {
      return std::size_t(i) + std::size_t(nx) * (std::size_t(j) + std::size_t(ny) * std::size_t(k));
    }
    /// The x face west of cell (i, j, k) (i = nx: east of the last cell), in faces.x.
    std::size_t x_face(int i, int j, int k) const {
      return std::size_t(i) + std::size_t(nx + 1) * (std::size_t(j) + std::size_t(ny) * std::size_t(k));
    }
    /// The y face south of cell (i, j, k) (j = ny: north of the last row), in faces.y.
    std::size_t y_face(int i, int j, int k) const {
      return std::size_t(i) + std::size_t(nx) * (std::size_t(j) + std::size_t(ny + 1) * std::size_t(k));
    }
  };
  void build(double tau, const std::vector<double>& mass, const FaceConductances& faces);
  void coarsen(const Level& fine, Level& coarse) const;
  void v_cycle(std::size_t level);
  double dot(const std::vector<double>& a, const std::vector<double>& b);

  std::vector<Level> levels_;
  std::vector<double> z_, z_old_, d_, q_, planes_;
  const std::atomic<bool>* stop_ = nullptr;
  std::vector<double> coarse_factor_;  // dense Cholesky factor of the coarsest level, column-major
};

}  // namespace mesosim
