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

void tr_bdf2_lines(double* u, std::ptrdiff_t stride, int width, const LineOperator& op,
                   const LineFactor& factor, double tau, double* stage, LineOutflow& outflow) {
  const int n = op.n;
  const double theta = tr_bdf2_d * tau;
  assert(n >= 1);
  double f1_start = 0, f1_end = 0, f2_start = 0, f2_end = 0, f3_start = 0, f3_end = 0;
  // Stage 1 right-hand side: alpha u + theta L u  (trapezoidal half of TR-BDF2).
  for (int i = 0; i < n; ++i) {
    const double* row = u + i * stride;
    const double* prev = i > 0 ? row - stride : (op.periodic ? u + (n - 1) * stride : nullptr);
    const double* next = i + 1 < n ? row + stride : (op.periodic ? u : nullptr);
    double* out = stage + std::ptrdiff_t(i) * width;
    const double a = op.alpha[i], cw = theta * op.west[i], ce = theta * op.east[i];
    if (prev && next) {
#pragma omp simd
      for (int w = 0; w < width; ++w)
        out[w] = a * row[w] + cw * (prev[w] - row[w]) + ce * (next[w] - row[w]);
    } else {
      for (int w = 0; w < width; ++w)
        out[w] = a * row[w] + cw * ((prev ? prev[w] : 0.0) - row[w]) +
                 ce * ((next ? next[w] : 0.0) - row[w]);
    }
  }
  if (!op.periodic) {
    const double* last = u + (n - 1) * stride;
    for (int w = 0; w < width; ++w) {
      f1_start += op.west[0] * u[w];
      f1_end += op.east[n - 1] * last[w];
    }
  }
  factor.solve(stage, width, width);  // stage = U2 (value at t + gamma tau)
  // Stage 2 right-hand side: alpha (U1 + (w / d) (U2 - U1)), written over u; then solve for U3.
  const double ratio = tr_bdf2_w / tr_bdf2_d;
  for (int i = 0; i < n; ++i) {
    double* row = u + i * stride;
    const double* u2 = stage + std::ptrdiff_t(i) * width;
    const double a = op.alpha[i];
#pragma omp simd
    for (int w = 0; w < width; ++w) row[w] = a * (row[w] + ratio * (u2[w] - row[w]));
  }
  if (!op.periodic) {
    const double* last = stage + std::ptrdiff_t(n - 1) * width;
    for (int w = 0; w < width; ++w) {
      f2_start += op.west[0] * stage[w];
      f2_end += op.east[n - 1] * last[w];
    }
  }
  factor.solve(u, stride, width);
  if (!op.periodic) {
    const double* last = u + (n - 1) * stride;
    for (int w = 0; w < width; ++w) {
      f3_start += op.west[0] * u[w];
      f3_end += op.east[n - 1] * last[w];
    }
  }
  outflow.start += tau * (tr_bdf2_w * (f1_start + f2_start) + tr_bdf2_d * f3_start);
  outflow.end += tau * (tr_bdf2_w * (f1_end + f2_end) + tr_bdf2_d * f3_end);
}

}  // namespace mesosim
