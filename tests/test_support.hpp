// Shared helpers for the test suite: small tissues and components built in code, so tests read
// as the physics they check.
#pragma once

#include <memory>
#include <vector>

#include "models/component.hpp"
#include "models/tissue.hpp"
#include "models/transport_model.hpp"
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

/// The small file-format model of the results and checkpoint tests and the binary fuzz targets:
/// 6 x 5 x 4 cells, two layers, two components (one with a partition coefficient, names with a
/// space and a slash).
inline std::unique_ptr<TransportModel> two_layer_model() {
  Grid grid;
  grid.nx = 6;
  grid.ny = 5;
  grid.nz = 4;
  grid.hx = 1e-4;
  grid.hz = 2e-4;
  Tissue tissue;
  tissue.layers = {Layer{"upper", 3e-4, 0.3}, Layer{"lower", 5e-4, 0.2}};
  Component drug = uniform_component(2, 1e-10, 1e-4);
  drug.name = "drug a";
  Component other = uniform_component(2, 2e-10);
  other.name = "other/b";
  other.in_layer[1].partition = 2.0;
  return std::make_unique<TransportModel>(grid, Boundaries{}, tissue, std::vector<Component>{drug, other});
}

}  // namespace mesosim::testing
