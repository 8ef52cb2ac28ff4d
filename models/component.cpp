#include "models/component.hpp"

#include <cmath>
#include <sstream>

#include "solver/error.hpp"

namespace mesosim {

bool Component::has_binding() const {
  for (const SoluteInLayer& s : in_layer)
    if (s.k_on > 0.0) return true;
  return false;
}

namespace {

void require(bool ok, const std::string& where, const char* key, double value, const char* allowed) {
  if (ok) return;
  std::ostringstream msg;
  msg << where << ": " << key << " = " << value << " is not allowed; it must be " << allowed;
  throw InputError(msg.str());
}

}  // namespace

void Component::validate(std::size_t n_layers) const {
  if (in_layer.size() != n_layers) {
    std::ostringstream msg;
    msg << "component '" << name << "': properties given for " << in_layer.size()
        << " layers but the tissue has " << n_layers << "; give one entry per layer";
    throw InputError(msg.str());
  }
  for (std::size_t n = 0; n < n_layers; ++n) {
    const SoluteInLayer& s = in_layer[n];
    const std::string where = "component '" + name + "', layer " + std::to_string(n + 1);
    auto non_negative = [](double v) { return std::isfinite(v) && v >= 0.0; };
    require(non_negative(s.diffusivity), where, "diffusivity", s.diffusivity, ">= 0 m^2/s");
    require(non_negative(s.k_blood), where, "k_blood", s.k_blood, ">= 0 1/s");
    require(non_negative(s.k_lymph), where, "k_lymph", s.k_lymph, ">= 0 1/s");
    require(non_negative(s.k_degradation), where, "k_degradation", s.k_degradation, ">= 0 1/s");
    require(s.available_fraction > 0.0 && s.available_fraction <= 1.0, where, "available_fraction",
            s.available_fraction, "in (0, 1]");
    require(std::isfinite(s.partition) && s.partition > 0.0, where, "partition", s.partition, "> 0");
    require(non_negative(s.k_on), where, "k_on", s.k_on, ">= 0 1/s");
    require(non_negative(s.k_off), where, "k_off", s.k_off, ">= 0 1/s");
    require(non_negative(s.k_cell), where, "k_cell", s.k_cell, ">= 0 1/s");
  }
}

}  // namespace mesosim
