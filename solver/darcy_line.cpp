#include "solver/darcy_line.hpp"

#include <algorithm>

namespace mesosim {

DarcyLineOutflow diffusion_line(const DarcyLineCoefficients& line, double tau, const double* e, double u_start,
                                double u_end, double* u, std::ptrdiff_t stride, double* work) {
  const int n = line.n;
  const double* d = line.diffusion;
  double* upper = work;
  double* value = work + n;
  double previous_upper = 0.0, previous_value = 0.0;
  for (int m = 0; m < n; ++m) {
    const double alpha = line.capacity[m] + line.fp[m] * e[m];
    const double west = -tau * d[m], east = m + 1 < n ? -tau * d[m + 1] : 0.0;
    const double diagonal = alpha + tau * (d[m] + d[m + 1]);
    double rhs = alpha * u[m * stride];
    if (m == 0) rhs += tau * d[0] * u_start;
    if (m + 1 == n) rhs += tau * d[n] * u_end;
    const double pivot = diagonal - (m > 0 ? west * previous_upper : 0.0);
    previous_upper = east / pivot;
    previous_value = (rhs - (m > 0 ? west * previous_value : 0.0)) / pivot;
    upper[m] = previous_upper;
    value[m] = previous_value;
  }
  for (int m = n - 2; m >= 0; --m) value[m] -= upper[m] * value[m + 1];
  for (int m = 0; m < n; ++m) u[m * stride] = value[m];
  DarcyLineOutflow out;
  out.start = tau * d[0] * (value[0] - u_start);
  out.end = tau * d[n] * (value[n - 1] - u_end);
  return out;
}

}  // namespace mesosim
