// How tissue swells with the interstitial fluid it takes up: the constitutive law of the Darcy bleb
// (docs/bleb.md). e is the excess fluid volume per unit volume of UNSWOLLEN tissue; the tissue is
// confined sideways, so a column grows in height by the integral of e dz and its fluid fraction is
// (phi0 + e) / (1 + e) < 1 however much it swells. The equilibrium pressure stiffens exponentially,
//   p_eq(e) = (exp(beta e) - 1) / (beta S0)        (p_eq = e / S0 for beta = 0),
// and relaxes at constant swelling (quasi-linear viscoelasticity with one Prony term):
//   p = p_eq(e) - a z,   dz/dt = (p_eq(e) - z) / tau,
// so a sudden swelling raises p by p_eq(e), which relaxes to (1 - a) p_eq(e) over tau.
#pragma once

#include <cmath>

namespace mesosim {

struct SwellingLaw {
  double compliance = 1e-4;          ///< S0, de/dp at small swelling, 1/Pa
  double stiffening = 0.0;           ///< beta: compliance falls as S0 exp(-beta e), dimensionless
  double relaxation_fraction = 0.0;  ///< a in [0, 1): share of p that relaxes at constant e
  double relaxation_time = 0.0;      ///< tau, s (0 with a > 0: relaxes at once)

  bool linear() const { return stiffening == 0.0 && relaxation_fraction == 0.0; }

  /// Equilibrium pressure of a swelling e >= 0, Pa.
  double pressure(double e) const {
    return stiffening > 0.0 ? std::expm1(stiffening * e) / (stiffening * compliance) : e / compliance;
  }
  /// Swelling in equilibrium with p_eq >= 0 (the inverse of pressure()).
  double excess(double p_eq) const {
    return stiffening > 0.0 ? std::log1p(stiffening * compliance * p_eq) / stiffening : compliance * p_eq;
  }
  /// de/dp_eq at p_eq >= 0, 1/Pa.
  double compliance_at(double p_eq) const { return compliance / (1.0 + stiffening * compliance * p_eq); }

  /// One backward-Euler step of dt of the relaxation: p = gain p_eq(e) - offset with the relaxing
  /// pressure z at the start of the step; z_end = relaxed(z, p_eq(e_end), dt).
  struct Step {
    double gain = 1.0;    ///< 1 - a r / (1 + r), r = dt / tau
    double offset = 0.0;  ///< a z / (1 + r), Pa
  };
  Step step(double z, double dt) const {
    if (relaxation_fraction == 0.0) return {};
    if (!(relaxation_time > 0.0)) return {1.0 - relaxation_fraction, 0.0};
    const double r = dt / relaxation_time;
    return {1.0 - relaxation_fraction * r / (1.0 + r), relaxation_fraction * z / (1.0 + r)};
  }
  double relaxed(double z, double p_eq_end, double dt) const {
    if (!(relaxation_time > 0.0)) return p_eq_end;
    const double r = dt / relaxation_time;
    return (z + r * p_eq_end) / (1.0 + r);
  }
};

}  // namespace mesosim
