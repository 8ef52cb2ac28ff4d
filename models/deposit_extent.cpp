#include "models/deposit_extent.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "solver/error.hpp"

namespace mesosim {

namespace {

/// Fluid volume of the ball of radius r around depth d, per layer, between the surface and the
/// bottom: the slice at depth z has area pi (r^2 - (z - d)^2); integrated exactly per layer.
std::vector<double> fluid_per_layer(const Tissue& tissue, double d, double r, double domain_depth) {
  std::vector<double> fluid(tissue.layers.size(), 0.0);
  auto primitive = [&](double u) { return std::numbers::pi * (r * r * u - u * u * u / 3.0); };
  double top = 0.0;
  for (std::size_t n = 0; n < tissue.layers.size(); ++n) {
    const bool last = n + 1 == tissue.layers.size();
    const double bottom = last ? std::max(domain_depth, top + tissue.layers[n].thickness) : top + tissue.layers[n].thickness;
    const double a = std::max({top, d - r, 0.0}), b = std::min({bottom, d + r, domain_depth});
    if (b > a) fluid[n] = tissue.layers[n].fluid_fraction * (primitive(b - d) - primitive(a - d));
    top = bottom;
  }
  return fluid;
}

double total(const std::vector<double>& values) {
  double sum = 0.0;
  for (double v : values) sum += v;
  return sum;
}

}  // namespace

DepositExtent deposit_extent(const Tissue& tissue, double depth, double volume, double domain_depth) {
  if (tissue.layers.empty() || !(volume > 0.0) || !(depth >= 0.0 && depth <= domain_depth))
    throw InputError("deposit_extent: needs layers, a positive volume and a tip inside the block");
  // Bisection on the radius: the fluid volume of the cut ball grows monotonically with it.
  double low = 0.0, high = std::cbrt(3.0 * volume / (4.0 * std::numbers::pi));
  while (total(fluid_per_layer(tissue, depth, high, domain_depth)) < volume) high *= 2.0;
  for (int n = 0; n < 100 && high - low > 1e-12 * high; ++n) {
    const double middle = 0.5 * (low + high);
    (total(fluid_per_layer(tissue, depth, middle, domain_depth)) < volume ? low : high) = middle;
  }
  DepositExtent extent;
  extent.radius = high;
  extent.top = std::max(0.0, depth - high);
  extent.bottom = std::min(domain_depth, depth + high);
  extent.layer_share = fluid_per_layer(tissue, depth, high, domain_depth);
  const double sum = total(extent.layer_share);
  for (double& share : extent.layer_share) share /= sum;
  return extent;
}

}  // namespace mesosim
