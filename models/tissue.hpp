// Layered tissue: a stack of layers by depth (z positive downward from the top of the viable
// epidermis), each with its own interstitial fluid volume fraction. Per-component transport
// properties live in Component (component.hpp); this file holds only the geometry of the stack.
#pragma once

#include <string>
#include <vector>

#include "models/swelling.hpp"

namespace mesosim {

/// One tissue layer of the stack, with its interstitial hydraulics (docs/bleb.md): an injection
/// swells the tissue by e (excess fluid per unit unswollen volume) at the pressure of its
/// SwellingLaw (e = S p when linear); fluid flows at q = -K grad p and is removed at
/// (ln 2 / t_half) e, so that a bleb at rest loses half its volume in t_half.
struct Layer {
  std::string name;                    ///< e.g. "papillary dermis"
  double thickness = 0.0;              ///< m
  double fluid_fraction = 0.3;         ///< interstitial fluid volume fraction phi0, dimensionless (0, 1]
  double storage = 1e-4;               ///< S0, interstitial compliance at small swelling, 1/Pa
  double hydraulic_conductivity = 1.4e-11;  ///< K = permeability / viscosity, m^2/(Pa s)
  double bleb_half_life = 18 * 60.0;   ///< s; 0 = no fluid removal
  /// m of the strain-stiffened conductivity K0 exp(m e) (Weir Weiss 2023: m = 2.94 for skin);
  /// 0 keeps K constant. Dimensionless; the exponent is capped at m e = max_stiffening_exponent.
  double strain_stiffening = 0.0;
  /// beta of the swelling law: the compliance falls as S0 exp(-beta e); 0 keeps e = S0 p. Dimensionless.
  double pressure_stiffening = 0.0;
  /// a of the swelling law: share of the pressure that relaxes at constant swelling, [0, 0.99].
  double relaxation_fraction = 0.0;
  double relaxation_time = 0.0;        ///< tau of the swelling law, s

  /// Fluid removal coefficient chi = S ln 2 / t_half, 1/(Pa s) (removal chi p = (ln 2 / t_half) e
  /// while the law is linear).
  double fluid_removal() const;
  /// The constitutive law of this layer's swelling.
  SwellingLaw swelling() const { return {storage, pressure_stiffening, relaxation_fraction, relaxation_time}; }
};

/// The hydraulics a layer of a scenario file or preset takes unless it sets them: the forearm
/// dermis calibration (docs/calibration.md): S0 = 3.3e-3 1/Pa, stiffening 3, relaxing 0.9 of the
/// pressure over 30 s, K0 = 1e-13 m^2/(Pa s) (fitted to a 6-10 mm Mantoux wheal at 10-100 kPa),
/// m = 2.94 (Weir Weiss 2023), t_half = 18 min (Cook & Shuster 1980). The engine's own Layer
/// defaults stay the plain linear ones.
Layer calibrated_layer();

/// Largest m e used in K0 exp(m e): at most a factor e^12 (1.6e5) on a face's conductance.
inline constexpr double max_stiffening_exponent = 12.0;

/// Layers from the surface (z = 0) downward. The last layer extends to the bottom of the domain
/// when the domain is deeper than the stack only if it is marked so by validate(depth).
struct Tissue {
  std::vector<Layer> layers;

  /// Depth of the top of layer n, m.
  double top_of(std::size_t n) const;
  /// Depth of the bottom of the stack, m.
  double total_thickness() const;
  /// Index of the layer containing depth z (an interface belongs to the layer below it).
  std::size_t layer_at(double z) const;
  /// Throws InputError unless every layer is sensible and the stack covers [0, depth].
  void validate(double depth) const;
};

}  // namespace mesosim
