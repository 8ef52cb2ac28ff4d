// A cocktail component (solute) and its transport properties in each tissue layer (MODEL.md §3):
// effective diffusivity, first-order uptake into blood and lymph, degradation, the fraction of the
// fluid volume available to it, an optional partition coefficient and optional linear binding to
// an immobile compartment. Plain data; validation names the component, the layer and the value.
#pragma once

#include <string>
#include <vector>

namespace mesosim {

/// Properties of one component in one layer. All rates are per second.
struct SoluteInLayer {
  double diffusivity = 3e-10;     ///< effective diffusivity D in the fluid, m^2/s
  double k_blood = 0.0;           ///< capillary (blood) uptake rate, 1/s
  double k_lymph = 0.0;           ///< lymphatic uptake rate, 1/s
  double k_degradation = 0.0;     ///< degradation rate in the fluid, 1/s
  double available_fraction = 1;  ///< fraction f of the fluid volume open to the solute, (0, 1]
  double partition = 1.0;         ///< partition coefficient P: c = P u, u continuous across layers
  double k_on = 0.0;              ///< binding to the immobile compartment, 1/s
  double k_off = 0.0;             ///< release from the immobile compartment, 1/s
  double k_cell = 0.0;            ///< consumption of the bound amount (cellular uptake), 1/s
};

/// A solute with one SoluteInLayer per tissue layer, in stack order.
struct Component {
  std::string name;
  std::vector<SoluteInLayer> in_layer;
  double molecular_weight = 0.0;  ///< kg/mol (1 kDa = 1 kg/mol); 0 = not given

  bool has_binding() const;
  /// Throws InputError unless there is one entry per layer and every value is in range.
  void validate(std::size_t n_layers) const;
};

}  // namespace mesosim
