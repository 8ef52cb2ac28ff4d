#include "models/tissue.hpp"

#include <cmath>
#include <sstream>

#include "solver/error.hpp"

namespace mesosim {

Layer calibrated_layer() {
  Layer layer;
  layer.storage = 3.3e-3;
  layer.pressure_stiffening = 3.0;
  layer.relaxation_fraction = 0.9;
  layer.relaxation_time = 30.0;
  layer.hydraulic_conductivity = 1e-13;
  layer.strain_stiffening = 2.94;
  layer.bleb_half_life = 18 * 60.0;
  return layer;
}

double Layer::fluid_removal() const {
  return bleb_half_life > 0.0 ? storage * std::log(2.0) / bleb_half_life : 0.0;
}

double Tissue::top_of(std::size_t n) const {
  double z = 0.0;
  for (std::size_t m = 0; m < n && m < layers.size(); ++m) z += layers[m].thickness;
  return z;
}

double Tissue::total_thickness() const { return top_of(layers.size()); }

std::size_t Tissue::layer_at(double z) const {
  double bottom = 0.0;
  for (std::size_t n = 0; n < layers.size(); ++n) {
    bottom += layers[n].thickness;
    if (z < bottom) return n;
  }
  return layers.empty() ? 0 : layers.size() - 1;
}

void Tissue::validate(double depth) const {
  if (layers.empty()) throw InputError("tissue: no layers given; define at least one layer");
  for (std::size_t n = 0; n < layers.size(); ++n) {
    const Layer& layer = layers[n];
    std::ostringstream where;
    where << "tissue layer " << n + 1 << " ('" << layer.name << "')";
    if (!(layer.thickness > 0.0) || !std::isfinite(layer.thickness))
      throw InputError(where.str() + ": thickness must be positive, got " +
                       std::to_string(layer.thickness) + " m");
    if (!(layer.storage > 0.0) || !std::isfinite(layer.storage))
      throw InputError(where.str() + ": storage (compliance) must be positive, got " +
                       std::to_string(layer.storage) + " 1/Pa");
    if (!(layer.hydraulic_conductivity >= 0.0) || !std::isfinite(layer.hydraulic_conductivity))
      throw InputError(where.str() + ": hydraulic conductivity must be >= 0 m^2/(Pa s)");
    if (!(layer.bleb_half_life >= 0.0) || !std::isfinite(layer.bleb_half_life))
      throw InputError(where.str() + ": bleb half-life must be >= 0 s (0: no fluid removal)");
    if (!(layer.strain_stiffening >= 0.0 && layer.strain_stiffening <= 10.0))
      throw InputError(where.str() + ": strain_stiffening must be in [0, 10] (2.94 for skin), got " +
                       std::to_string(layer.strain_stiffening));
    if (!(layer.pressure_stiffening >= 0.0 && layer.pressure_stiffening <= 20.0))
      throw InputError(where.str() + ": pressure_stiffening must be in [0, 20], got " +
                       std::to_string(layer.pressure_stiffening));
    if (!(layer.relaxation_fraction >= 0.0 && layer.relaxation_fraction <= 0.99))
      throw InputError(where.str() + ": relaxation_fraction must be in [0, 0.99], got " +
                       std::to_string(layer.relaxation_fraction));
    if (!(layer.relaxation_time >= 0.0) || !std::isfinite(layer.relaxation_time))
      throw InputError(where.str() + ": relaxation_time must be >= 0 s, got " + std::to_string(layer.relaxation_time));
    if (!(layer.fluid_fraction > 0.0 && layer.fluid_fraction <= 1.0))
      throw InputError(where.str() + ": fluid fraction must be in (0, 1], got " +
                       std::to_string(layer.fluid_fraction));
  }
  const double covered = total_thickness();
  if (covered < depth * (1.0 - 1e-12)) {
    std::ostringstream msg;
    msg << "tissue: the layers cover " << covered * 1e3 << " mm but the domain is " << depth * 1e3
        << " mm deep; add a layer or thicken the last one to reach the bottom";
    throw InputError(msg.str());
  }
}

}  // namespace mesosim
