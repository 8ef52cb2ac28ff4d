#include "solver/line_operator.hpp"

#include <cassert>

namespace mesosim {

LineOperator LineOperator::uniform(int n, double alpha, double face, bool start_sink, bool end_sink,
                                   bool periodic) {
  LineOperator op;
  op.n = n;
  op.periodic = periodic;
  op.alpha.assign(n, alpha);
  op.west.assign(n, face);
  op.east.assign(n, face);
  if (!periodic) {
    op.west[0] = start_sink ? 2.0 * face : 0.0;
    op.east[n - 1] = end_sink ? 2.0 * face : 0.0;
  }
  return op;
}

void LineFactor::factor(const LineOperator& op, double theta) {
  n_ = op.n;
  periodic_ = op.periodic && n_ >= 3;
  lower_.resize(n_);
  cp_.resize(n_);
  inv_.resize(n_);
  std::vector<double>& diag = inv_;  // reuse storage: diag first, then 1 / pivot
  for (int i = 0; i < n_; ++i) {
    diag[i] = op.alpha[i] + theta * (op.west[i] + op.east[i]);
    lower_[i] = -theta * op.west[i];
    cp_[i] = -theta * op.east[i];  // upper, becomes c' below
  }
  double corner_top = 0.0, corner_bottom = 0.0, gamma = 0.0;
  if (periodic_) {
    corner_top = lower_[0];         // A[0][n-1]
    corner_bottom = cp_[n_ - 1];    // A[n-1][0]
    gamma = -diag[0];
    diag[0] -= gamma;
    diag[n_ - 1] -= corner_bottom * corner_top / gamma;
    lower_[0] = 0.0;
    cp_[n_ - 1] = 0.0;
  } else if (n_ > 0) {
    lower_[0] = 0.0;
    cp_[n_ - 1] = 0.0;
  }
  for (int i = 0; i < n_; ++i) {
    const double pivot = diag[i] - (i > 0 ? lower_[i] * cp_[i - 1] : 0.0);
    inv_[i] = 1.0 / pivot;
    cp_[i] *= inv_[i];
  }
  if (periodic_) {
    z_.assign(n_, 0.0);
    z_[0] = gamma;
    z_[n_ - 1] = corner_bottom;
    periodic_ = false;  // solve the correction system without the correction itself
    solve(z_.data(), 1, 1);
    periodic_ = true;
    v_last_ = corner_top / gamma;
    denominator_ = 1.0 + z_[0] + v_last_ * z_[n_ - 1];
  }
}

void LineFactor::solve(double* x, std::ptrdiff_t stride, int width) const {
  // Forward: y_n = (r_n - l_n y_{n-1}) / pivot_n; backward: x_n = y_n - c'_n x_{n+1}.
  for (int w = 0; w < width; ++w) x[w] *= inv_[0];
  for (int i = 1; i < n_; ++i) {
    double* row = x + i * stride;
    const double* prev = row - stride;
    const double l = lower_[i], inv = inv_[i];
#pragma omp simd
    for (int w = 0; w < width; ++w) row[w] = (row[w] - l * prev[w]) * inv;
  }
  back_substitute(x, stride, width);
}

MESOSIM_HOT_KERNEL
void tr_bdf2_lines(double* u, std::ptrdiff_t stride, int width, const LineOperator& op,
                   const LineFactor& factor, double tau, double* stage, LineOutflow& outflow) {
  const int n = op.n;
  const double theta = tr_bdf2_d * tau;
  assert(n >= 1);
  const double* last = u + (n - 1) * stride;
  const double* stage_last = stage + std::ptrdiff_t(n - 1) * width;
  auto boundary_sums = [&](const double* first_row, const double* last_row, double& start, double& end) {
    if (op.periodic) return;
    double sum_first = 0.0, sum_last = 0.0;
    for (int w = 0; w < width; ++w) {
      sum_first += first_row[w];
      sum_last += last_row[w];
    }
    start = op.west[0] * sum_first;
    end = op.east[n - 1] * sum_last;
  };
  double f1_start = 0, f1_end = 0, f2_start = 0, f2_end = 0, f3_start = 0, f3_end = 0;
  boundary_sums(u, last, f1_start, f1_end);
  // Stage 1 (trapezoidal half): (alpha - theta L) U2 = alpha u + theta L u. The right-hand side
  // of row i is formed and eliminated in the same pass (forward sweep of the Thomas algorithm).
  for (int i = 0; i < n; ++i) {
    const double* row = u + i * stride;
    const double* prev = i > 0 ? row - stride : (op.periodic ? last : nullptr);
    const double* next = i + 1 < n ? row + stride : (op.periodic ? u : nullptr);
    double* out = stage + std::ptrdiff_t(i) * width;
    const double* out_prev = out - width;  // only read when i > 0
    const double a = op.alpha[i], cw = theta * op.west[i], ce = theta * op.east[i];
    const double l = i > 0 ? factor.lower(i) : 0.0, inv = factor.inverse_pivot(i);
    if (prev && next && i > 0) {
#pragma omp simd
      for (int w = 0; w < width; ++w) {
        const double rhs = a * row[w] + cw * (prev[w] - row[w]) + ce * (next[w] - row[w]);
        out[w] = (rhs - l * out_prev[w]) * inv;
      }
    } else {
      for (int w = 0; w < width; ++w) {
        const double rhs = a * row[w] + cw * ((prev ? prev[w] : 0.0) - row[w]) + ce * ((next ? next[w] : 0.0) - row[w]);
        out[w] = (rhs - (i > 0 ? l * out_prev[w] : 0.0)) * inv;
      }
    }
  }
  factor.back_substitute(stage, width, width);  // stage = U2, the value at t + gamma tau
  boundary_sums(stage, stage_last, f2_start, f2_end);
  // Stage 2 (BDF2): (alpha - theta L) U3 = alpha (u + (w / d) (U2 - u)); formed and eliminated
  // in one pass over u (row i - 1 of u already holds its eliminated value).
  const double ratio = tr_bdf2_w / tr_bdf2_d;
  for (int i = 0; i < n; ++i) {
    double* row = u + i * stride;
    const double* row_prev = row - stride;  // only read when i > 0
    const double* u2 = stage + std::ptrdiff_t(i) * width;
    const double a = op.alpha[i];
    const double l = i > 0 ? factor.lower(i) : 0.0, inv = factor.inverse_pivot(i);
    if (i > 0) {
#pragma omp simd
      for (int w = 0; w < width; ++w) row[w] = (a * (row[w] + ratio * (u2[w] - row[w])) - l * row_prev[w]) * inv;
    } else {
#pragma omp simd
      for (int w = 0; w < width; ++w) row[w] = a * (row[w] + ratio * (u2[w] - row[w])) * inv;
    }
  }
  factor.back_substitute(u, stride, width);
  boundary_sums(u, last, f3_start, f3_end);
  outflow.start += tau * (tr_bdf2_w * (f1_start + f2_start) + tr_bdf2_d * f3_start);
  outflow.end += tau * (tr_bdf2_w * (f1_end + f2_end) + tr_bdf2_d * f3_end);
}

}  // namespace mesosim
