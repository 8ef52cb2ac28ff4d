#include "solver/darcy_line.hpp"

#include <algorithm>

namespace mesosim {

namespace {

/// Thomas algorithm for the tridiagonal part: diagonal(m), west(m) = coefficient of x_{m-1},
/// east(m) = coefficient of x_{m+1}; rhs(m) the right-hand side. Writes x (n values).
template <class Diagonal, class West, class East, class Rhs>
void thomas(int n, Diagonal diagonal, West west, East east, Rhs rhs, double* upper, double* x) {
  double previous_upper = 0.0, previous_value = 0.0;
  for (int m = 0; m < n; ++m) {
    const double w = m > 0 ? west(m) : 0.0;
    const double pivot = diagonal(m) - w * previous_upper;
    previous_upper = m + 1 < n ? east(m) / pivot : 0.0;
    previous_value = (rhs(m) - w * previous_value) / pivot;
    upper[m] = previous_upper;
    x[m] = previous_value;
  }
  for (int m = n - 2; m >= 0; --m) x[m] -= upper[m] * x[m + 1];
}

}  // namespace

void excess_face_scale(int n, bool periodic, const double* cell_scale, double* face_scale) {
  auto harmonic = [](double a, double b) { return 2.0 * a * b / (a + b); };
  for (int f = 1; f < n; ++f) face_scale[f] = harmonic(cell_scale[f - 1], cell_scale[f]);
  if (periodic) {
    face_scale[0] = face_scale[n] = harmonic(cell_scale[n - 1], cell_scale[0]);
  } else {
    face_scale[0] = cell_scale[0];
    face_scale[n] = cell_scale[n - 1];
  }
}

DarcyLineOutflow diffusion_line(const DarcyLineCoefficients& line, double tau, const double* e,
                                const double* face_scale, double u_start, double u_end, double* u,
                                std::ptrdiff_t stride, double* work) {
  const int n = line.n;
  const double* base = line.diffusion;
  auto d_at = [&](int f) { return face_scale ? base[f] * face_scale[f] : base[f]; };
  double* upper = work;
  double* value = work + n;
  auto alpha = [&](int m) { return line.capacity[m] + line.fp[m] * e[m]; };
  auto diagonal = [&](int m) { return alpha(m) + tau * (d_at(m) + d_at(m + 1)); };
  auto west = [&](int m) { return -tau * d_at(m); };
  auto east = [&](int m) { return -tau * d_at(m + 1); };
  DarcyLineOutflow out;
  if (!line.periodic) {
    thomas(n, diagonal, west, east, [&](int m) {
      double rhs = alpha(m) * u[m * stride];
      if (m == 0) rhs += tau * d_at(0) * u_start;
      if (m + 1 == n) rhs += tau * d_at(n) * u_end;
      return rhs;
    }, upper, value);
    out.start = tau * d_at(0) * (value[0] - u_start);
    out.end = tau * d_at(n) * (value[n - 1] - u_end);
  } else {
    // Sherman-Morrison: A = T + corr (gamma, 0.., corner)^T (1, 0.., corner / gamma) with both
    // corners -tau d_at(0); T is A with its corners removed and its first and last diagonal shifted.
    const double corner = -tau * d_at(0), gamma = -diagonal(0);
    auto shifted = [&](int m) {
      return diagonal(m) - (m == 0 ? gamma : 0.0) - (m + 1 == n ? corner * corner / gamma : 0.0);
    };
    double* z = work + 2 * n;
    thomas(n, shifted, west, east, [&](int m) { return alpha(m) * u[m * stride]; }, upper, value);
    thomas(n, shifted, west, east, [&](int m) { return m == 0 ? gamma : m + 1 == n ? corner : 0.0; }, upper, z);
    const double factor = (value[0] + corner * value[n - 1] / gamma) / (1.0 + z[0] + corner * z[n - 1] / gamma);
    for (int m = 0; m < n; ++m) value[m] -= factor * z[m];
  }
  for (int m = 0; m < n; ++m) u[m * stride] = value[m];
  return out;
}

}  // namespace mesosim
