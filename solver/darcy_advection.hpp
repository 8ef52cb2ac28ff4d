// Advection of solutes by the fluid of one coupled pressure step, scheme chosen by name:
// "upwind" is UpwindAdvection alone (implicit first-order upwind); "limited" (the default) is
// implicit flux-corrected transport in the sense of Zalesak and Kuzmin: the upwind solution is the
// low-order predictor, then each cell-to-cell face gets back the difference between the
// Lax-Wendroff flux and the predictor's flux, as much of it as Zalesak's limiter lets pass
// without taking any cell outside the range its face neighbours held before and after the predictor.
// FCT rather than a TVD limiter because the bound holds whatever the Courant number (above 10 next
// to the needle tip in the Mantoux example) without a nonlinear implicit solve, and the correction
// is antisymmetric per face, so conservation, non-negativity and uniform-c consistency carry over.
// It does not correct faces to open sides (upwind there), the drained solute (at the predictor's
// c), or add cross-derivative terms. Derivation, bounds and measured orders: docs/numerics-advection.md.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "solver/layered_operator.hpp"
#include "solver/mass_ledger.hpp"
#include "solver/pressure_multigrid.hpp"
#include "solver/upwind_advection.hpp"

namespace mesosim {

/// Lax-Wendroff concentration on a face crossed in one step by the fraction `courant` of the
/// upwind cell's fluid: c_up + (1 - courant) / 2 (c_down - c_up); the coefficient is floored at 0
/// (the upwind value at the start of the step) beyond courant = 1, where the limiter decides.
inline double lax_wendroff_face(double c_up, double c_down, double courant) {
  return c_up + 0.5 * std::max(0.0, 1.0 - courant) * (c_down - c_up);
}

/// Zalesak's ratio: the fraction of a cell's antidiffusive inflows of one sign (their sum `total`)
/// that keeps it within its bound, `room` away (the same sign or 0); 1 when there are none.
inline double limiter_ratio(double room, double total) { return total == 0.0 ? 1.0 : std::min(1.0, room / total); }

class DarcyAdvection {
 public:
  /// `scheme` is "limited" or "upwind" (InputError otherwise). Keeps a reference to
  /// `pressure_model` (make_pressure_model), which must outlive it.
  DarcyAdvection(const LayeredOperator& pressure_model, const std::string& scheme);

  const std::string& scheme() const { return scheme_; }
  /// Face conductances to use instead of the model's (UpwindAdvection::set_faces).
  void set_faces(const FaceConductances* faces) { upwind_.set_faces(faces); }

  /// UpwindAdvection::prepare (the new e, the fluid ledger, the flow order); the limited scheme
  /// also lists each active cell's flows to other cells once for all solutes (one index per active
  /// cell, one Flow per flow), and sizes one scratch slot per OpenMP thread (4 doubles per cell,
  /// 2 per active cell and 1 per flow).
  void prepare(double tau, const double* p, const double* e_before, double* e_after, MassLedger& fluid);

  /// UpwindAdvection::advect (u in place, drained solute and side losses booked in `ledger`),
  /// then for the limited scheme the limited correction, which moves solute only between cells.
  /// Calls for different solutes may run at once if each has its own `slot` (the OpenMP thread
  /// number: 0 <= slot < omp_get_max_threads() of the last prepare()).
  void advect(const AdvectedSolute& solute, const double* e_before, const double* e_after, double* u,
              MassLedger& ledger, int slot, double inflow_concentration = 0.0);

  const UpwindAdvection& upwind() const { return upwind_; }

 private:
  struct Scratch {
    std::vector<double> start, low;  // per cell: u at the start of the step, u of the predictor
    std::vector<double> ratios;      // per cell: Zalesak's R+ and R- (2 n_cells)
    std::vector<double> bounds;      // per active cell: the lowest and highest c it may take
    std::vector<double> amounts;     // per flow of flows_: the antidiffusive amount into its cell
  };
  /// Replaces the predictor's u (in u, copied to s.low) by the limited result.
  void correct(const AdvectedSolute& solute, const double* e_before, const double* e_after, double* u,
               Scratch& s) const;

  const LayeredOperator& model_;
  UpwindAdvection upwind_;
  std::string scheme_;
  bool limited_;
  std::vector<Scratch> slots_;
  // The flows to other cells of the prepared step, per cell of upwind_.active() in its order:
  // those of active()[a] are entries first_flow_[a] to first_flow_[a + 1] - 1 (inner_flows order).
  std::vector<std::size_t> first_flow_;
  std::vector<UpwindAdvection::Flow> flows_;
};

}  // namespace mesosim
