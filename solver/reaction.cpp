#include "solver/reaction.hpp"

#include <algorithm>
#include <array>

namespace mesosim {

namespace {

using Mat2 = std::array<double, 4>;  // row-major 2 x 2

Mat2 mul(const Mat2& a, const Mat2& b) {
  return {a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
          a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3]};
}

/// E = exp(M tau) and F = integral_0^tau exp(M s) ds by Taylor series on tau / 2^m, then
/// doubling: E(2t) = E(t)^2, F(2t) = (I + E(t)) F(t).
void exp_and_integral(const Mat2& m, double tau, Mat2& e, Mat2& f) {
  const double norm = std::max(std::abs(m[0]) + std::abs(m[1]), std::abs(m[2]) + std::abs(m[3])) * tau;
  int squarings = 0;
  while (norm / double(1LL << squarings) > 0.25 && squarings < 60) ++squarings;
  const double t = tau / double(1LL << squarings);
  const Mat2 mt = {m[0] * t, m[1] * t, m[2] * t, m[3] * t};
  // f = t * sum_n (M t)^n / (n+1)!,  e = I + M f
  Mat2 term = {1, 0, 0, 1};
  Mat2 series = {1, 0, 0, 1};
  for (int n = 1; n <= 16; ++n) {
    term = mul(term, mt);
    const double scale = 1.0 / double(n + 1);
    for (double& v : term) v *= scale;
    for (int q = 0; q < 4; ++q) series[q] += term[q];
  }
  f = {series[0] * t, series[1] * t, series[2] * t, series[3] * t};
  const Mat2 mf = mul(m, f);
  e = {1 + mf[0], mf[1], mf[2], 1 + mf[3]};
  for (int s = 0; s < squarings; ++s) {
    const Mat2 i_plus_e = {1 + e[0], e[1], e[2], 1 + e[3]};
    f = mul(i_plus_e, f);
    e = mul(e, e);
  }
  // Squaring roughly doubles the rounding error of e each time; rebuild e from f so that
  // e = I + M f holds exactly (the removed amounts are rows of M f, so the map conserves mass by
  // construction), clamping at 0 where the exact value is a denormal-small positive number.
  const Mat2 mf_final = mul(m, f);
  e = {std::max(0.0, 1 + mf_final[0]), std::max(0.0, mf_final[1]), std::max(0.0, mf_final[2]), std::max(0.0, 1 + mf_final[3])};
}

}  // namespace

ReactionMap make_reaction_map(double alpha, double s_blood, double s_lymph, double s_deg,
                              double bind_on, double k_off, double k_cell, double tau) {
  ReactionMap map;
  const double s_total = s_blood + s_lymph + s_deg;
  if (bind_on <= 0.0 && k_off <= 0.0 && k_cell <= 0.0) {
    // Mobile amount only: u' = exp(-k tau) u, removed = alpha (1 - exp(-k tau)) u, split by rate.
    const double k = s_total / alpha;
    map.uu = std::exp(-k * tau);
    const double lost = s_total > 0.0 ? -std::expm1(-k * tau) * alpha / s_total : 0.0;
    map.blood_u = lost * s_blood;
    map.lymph_u = lost * s_lymph;
    map.degraded_u = lost * s_deg;
    return map;
  }
  const double k_s = s_total / alpha;
  const double k_on = bind_on / alpha;
  const Mat2 m = {-(k_s + k_on), k_off, k_on, -(k_off + k_cell)};
  Mat2 e, f;
  exp_and_integral(m, tau, e, f);
  // In (A, b): A' = e0 A + e1 b, b' = e2 A + e3 b. With A = alpha u:
  map.uu = e[0];
  map.ub = e[1] / alpha;
  map.bu = e[2] * alpha;
  map.bb = e[3];
  // Removed by a mobile sink with rate r = s / alpha: r * (f0 A + f1 b); bound consumption k_cell * (f2 A + f3 b).
  auto mobile = [&](double s, double& per_u, double& per_b) {
    per_u = s * f[0];  // (s / alpha) * f0 * alpha
    per_b = s / alpha * f[1];
  };
  mobile(s_blood, map.blood_u, map.blood_b);
  mobile(s_lymph, map.lymph_u, map.lymph_b);
  mobile(s_deg, map.degraded_u, map.degraded_b);
  map.degraded_u += k_cell * f[2] * alpha;
  map.degraded_b += k_cell * f[3];
  return map;
}

}  // namespace mesosim
