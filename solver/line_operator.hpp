// One-dimensional pieces of the split implicit scheme. LineOperator is the diffusion operator
// along one grid direction for a family of lines sharing coefficients,
//   (L u)_n = west_n (u_{n-1} - u_n) + east_n (u_{n+1} - u_n),
// with u_{-1} = u_N = 0 for open ends (west_0 / east_{N-1} is the sink coefficient, 0 for no-flux)
// or the wrapped neighbour for periodic lines. LineFactor holds the LU factors of alpha - theta L
// (Thomas algorithm; Sherman-Morrison for periodic lines). The kernels advance a batch of `width`
// contiguous lines at once so the inner loop vectorises; they never allocate. Open lines take a
// TR-BDF2 step in three passes (stage 2 eliminated bottom-up while stage 1 is back-substituted),
// in chunks of line_chunk lines whose recurrences stay in L1.
#pragma once

#include <cstddef>
#include <vector>

#include "solver/simd.hpp"

namespace mesosim {

struct LineOperator {
  int n = 0;
  bool periodic = false;
  std::vector<double> alpha;  ///< capacity per cell
  std::vector<double> west;   ///< coefficient to the previous cell, 1/s
  std::vector<double> east;   ///< coefficient to the next cell, 1/s

  /// Uniform line: n cells of capacity alpha, face coefficient `face`; each end is closed
  /// (no_flux), a sink (coefficient 2 face, half a cell to the boundary) or periodic.
  static LineOperator uniform(int n, double alpha, double face, bool start_sink, bool end_sink,
                              bool periodic);
};

/// LU factors of (alpha - theta L) for one LineOperator and one theta (s).
class LineFactor {
 public:
  void factor(const LineOperator& op, double theta);
  /// Solves in place for `width` contiguous lines; element n of line w is x[n * stride + w].
  void solve(double* x, std::ptrdiff_t stride, int width) const;
  /// The second half of solve(): back substitution (and the periodic correction) on values that
  /// already went through forward elimination, y_n = (r_n - lower(n) y_{n-1}) * inverse_pivot(n).
  MESOSIM_ALWAYS_INLINE void back_substitute(double* x, std::ptrdiff_t stride, int width) const;
  double lower(int i) const { return lower_[i]; }
  double inverse_pivot(int i) const { return inv_[i]; }
  bool periodic() const { return periodic_; }

  /// Row coefficients of the three-pass TR-BDF2 step on open lines (filled by factor(); theta =
  /// d tau). Stage 1, forward: y_i = fwd_self u_i + fwd_west (u_{i-1} + y_{i-1}) + fwd_east u_{i+1}
  /// (the right-hand side (alpha + theta L) u and the LU elimination in one). Then backward:
  /// U2_i = y_i - upper U2_{i+1}, and stage 2 eliminated from the bottom (UL factors of the same
  /// matrix, pivots q_i): z_i = bwd_u u_i + bwd_u2 U2_i - bwd_next z_{i+1}. Forward again:
  /// u_i = z_i - solve_prev u_{i-1}.
  struct FusedRow {
    double fwd_self, fwd_west, fwd_east, upper, bwd_u, bwd_u2, bwd_next, solve_prev;
  };
  const FusedRow* fused() const { return fused_.data(); }

 private:
  int n_ = 0;
  bool periodic_ = false;
  std::vector<double> lower_, cp_, inv_;  // Thomas factors
  std::vector<FusedRow> fused_;           // open lines only
  std::vector<double> z_;                 // Sherman-Morrison correction vector (periodic only)
  double v_last_ = 0.0, denominator_ = 1.0;
};

// Defined here so that it inlines into each instruction-set clone of the line kernels.
MESOSIM_ALWAYS_INLINE void LineFactor::back_substitute(double* x, std::ptrdiff_t stride, int width) const {
  for (int i = n_ - 2; i >= 0; --i) {
    double* row = x + i * stride;
    const double* next = row + stride;
    const double c = cp_[i];
#pragma omp simd
    for (int w = 0; w < width; ++w) row[w] -= c * next[w];
  }
  if (periodic_) {
    // x -= (v.x) / (1 + v.z) z, v = (1, 0, ..., corner_top / gamma)
    // Interior rows first: they read the end rows, which are corrected last.
    double* last = x + (n_ - 1) * stride;
    for (int i = 1; i + 1 < n_; ++i) {
      double* row = x + i * stride;
      const double zi = z_[i];
#pragma omp simd
      for (int w = 0; w < width; ++w) row[w] -= (x[w] + v_last_ * last[w]) / denominator_ * zi;
    }
    for (int w = 0; w < width; ++w) {
      const double correction = (x[w] + v_last_ * last[w]) / denominator_;
      x[w] -= correction * z_[0];
      last[w] -= correction * z_[n_ - 1];
    }
  }
}

/// Boundary outflow amounts of one TR-BDF2 line step, per unit cell volume, summed over the batch.
struct LineOutflow {
  double start = 0.0;
  double end = 0.0;
};

/// Lines per chunk of the open-line TR-BDF2 kernel: its packed scratch (n x line_chunk) and the
/// chunk's rows stay in L1, and the recurrences have two AVX-512 vectors in flight (y and z sweeps
/// with AVX-512 take two chunks at a time where the batch allows: four vectors).
inline constexpr int line_chunk = 16;

/// TR-BDF2 constants: gamma = 2 - sqrt(2); d = gamma / 2 is the implicit weight of both stages,
/// w = 1 / (2 (2 - gamma)) the weight of the first two stage fluxes in the step (2 w + d = 1).
inline constexpr double tr_bdf2_d = 0.29289321881345247560;  // 1 - 1/sqrt(2)
inline constexpr double tr_bdf2_w = 0.35355339059327376220;  // 1 / (2 sqrt(2))

/// Advances alpha du/dt = L u over tau with one TR-BDF2 step (L-stable, second order) for a batch
/// of `width` contiguous lines: u[n * stride + w]. `factor` must be built for theta = d tau.
/// `stage` is scratch of n * width values. Adds the boundary outflow over the step to `outflow`.
void tr_bdf2_lines(double* u, std::ptrdiff_t stride, int width, const LineOperator& op,
                   const LineFactor& factor, double tau, double* stage, LineOutflow& outflow);

/// The same step for n_lines open lines that each lie contiguous in memory (element i of line j at
/// u[j * line_stride + i], as x lines in a depth plane): each chunk of line_chunk lines is
/// transposed into `stage`, stepped there in L1, and transposed back (with AVX-512 and n % 8 == 0,
/// stepped in place, 8 x 8 blocks transposed in registers as each pass goes). `stage` is scratch of
/// 2 n line_chunk values. Adds the boundary outflow over the step to `outflow`. A non-zero
/// `prefetch_offset` (in doubles) prefetches the same lines that far on (the next plane) into L2,
/// so that a pass over planes overlaps the next plane's first read with this one's work.
void tr_bdf2_rows(double* u, std::ptrdiff_t line_stride, int n_lines, const LineOperator& op,
                  const LineFactor& factor, double tau, double* stage, LineOutflow& outflow,
                  std::ptrdiff_t prefetch_offset = 0);

}  // namespace mesosim
