// Shared helpers for the test suite: small tissues and components built in code, so tests read
// as the physics they check.
#pragma once

#include <vector>

#include "models/component.hpp"
#include "models/tissue.hpp"
#include "solver/grid.hpp"
#include "solver/integrator.hpp"

namespace mesosim::testing {

/// One homogeneous layer of the given depth.
inline Tissue uniform_tissue(double depth, double fluid_fraction = 0.3) {
  return Tissue{{Layer{"uniform", depth, fluid_fraction}}};
}

/// A component with the same properties in each of n_layers layers.
inline Component uniform_component(std::size_t n_layers, double diffusivity, double k_blood = 0.0,
                                   double k_lymph = 0.0, double k_deg = 0.0) {
  SoluteInLayer s;
  s.diffusivity = diffusivity;
  s.k_blood = k_blood;
  s.k_lymph = k_lymph;
  s.k_degradation = k_deg;
  return Component{"test", std::vector<SoluteInLayer>(n_layers, s)};
}

/// Fixed steps of at most `step` seconds with the named scheme (0 = the explicit stable limit).
inline IntegratorSettings fixed_steps(const std::string& scheme, double step) {
  IntegratorSettings settings;
  settings.scheme = scheme;
  settings.adaptive = false;
  settings.fixed_step = step;
  return settings;
}

}  // namespace mesosim::testing
