// Exact integration of the local first-order reactions of one component over a step tau:
//   dA/dt = -(k_s + k_on) A + k_off b,   db/dt = k_on A - (k_off + k_cell) b,
// with A = alpha u the mobile amount, k_s the sum of blood, lymph and degradation sinks. The map
// (A, b) -> (A', b') is the matrix exponential E = exp(M tau); the amounts removed by each sink are
// rows of F = integral_0^tau exp(M s) ds, so the ledger gets them exactly (no splitting of a sink).
// Tissue properties depend on depth only, so one ReactionMap serves a whole depth plane.
#pragma once

#include <cmath>

namespace mesosim {

/// Linear map of one depth plane for one step, in the variables (u, b) with A = alpha u.
struct ReactionMap {
  double uu = 1, ub = 0, bu = 0, bb = 1;  ///< u' = uu u + ub b;  b' = bu u + bb b
  // Amount removed per unit of u and of b at the start of the step (multiply by cell volume):
  double blood_u = 0, blood_b = 0;
  double lymph_u = 0, lymph_b = 0;
  double degraded_u = 0, degraded_b = 0;  ///< fluid degradation plus consumption of bound amount
};

/// Builds the map for rates given per volume as in ComponentCoefficients: capacity alpha,
/// sinks s_blood, s_lymph, s_deg (alpha x rate), bind_on (alpha x k_on), and k_off, k_cell.
ReactionMap make_reaction_map(double alpha, double s_blood, double s_lymph, double s_deg,
                              double bind_on, double k_off, double k_cell, double tau);

}  // namespace mesosim
