// One-dimensional kernel of the coupled Darcy reservoir (models/darcy_reservoir.hpp): a backward-Euler
// diffusion sweep of one solute along one line of cells whose capacity alpha = cap + fP e includes
// the excess fluid e. A tridiagonal M-matrix solve (Thomas algorithm, no pivoting): conservative to
// round-off, non-negative outputs for non-negative inputs, uniform u stays uniform. Amounts are per
// unit cell volume. Periodic lines (Sherman-Morrison) are conservative and keep a uniform u, but
// their non-negativity holds only to round-off.
#pragma once

#include <cstddef>

namespace mesosim {

/// Coefficients of one line of n cells. Faces f = 0..n: face f lies between cells f-1 and f;
/// faces 0 and n are the line's ends (0 = closed; a sink end carries the half-cell coefficient).
/// A periodic line has one wrapped face between cells n-1 and 0: diffusion[0] = diffusion[n].
struct DarcyLineCoefficients {
  int n = 0;
  bool periodic = false;
  const double* capacity = nullptr;     ///< static solute capacity <phi0 f P> per cell
  const double* fp = nullptr;           ///< f P per cell: capacity gained per unit excess fluid
  const double* diffusion = nullptr;    ///< solute kappa / h^2 per face (n + 1), 1/s
};

/// Amount per unit volume that left through each end of a line during a sweep (net outflow).
struct DarcyLineOutflow {
  double start = 0.0;
  double end = 0.0;
};

/// Backward-Euler diffusion of one solute over tau along one line with excess fluid e (n values):
///   alpha_m (u'_m - u_m) = tau [d_m (u'_{m-1} - u'_m) + d_{m+1} (u'_{m+1} - u'_m)],
/// alpha = cap + fP e, d = `diffusion` per face times `face_scale` (n + 1 values; null = 1), the
/// factor (phi0 + e) / phi0 of the fluid the solute diffuses in; u_start / u_end are the continuity
/// variable beyond the ends (0 at sinks; irrelevant at closed and periodic ends). Updates
/// u[m * stride] in place; `work` is scratch of 4 n values. Returns what left through the two ends
/// (0 if periodic).
DarcyLineOutflow diffusion_line(const DarcyLineCoefficients& line, double tau, const double* e,
                                const double* face_scale, double u_start, double u_end, double* u,
                                std::ptrdiff_t stride, double* work);

/// face_scale for diffusion_line from the cell factors s_m = 1 + e_m / phi0_m (n values): the
/// harmonic mean of the two cells at interior (and periodic) faces, the end cell's at the ends.
void excess_face_scale(int n, bool periodic, const double* cell_scale, double* face_scale);

}  // namespace mesosim
