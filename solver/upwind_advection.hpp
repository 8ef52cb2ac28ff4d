// Implicit (backward-Euler) first-order upwind advection of solutes by the fluid of one pressure
// step. The fluid volume crossing a face over the step is W_f = tau g_f (p_cell - p_neighbour) for
// one pressure field p (g_f the face conductance of make_pressure_model; p = 0 beyond sink faces),
// so fluid always flows from higher to lower p and the flow graph has no cycle: in an order where
// every cell comes after the cells that feed it (a topological order of that graph, found in O(N)
// by Kahn's algorithm) the implicit upwind system is triangular, and one pass solves it exactly
// (direct, no iteration, any Courant number, non-negative). The same W_f and the drained volume
// tau lambda e_after (lambda = ln 2 / t_half = chi / S, backward Euler) give every cell's new excess
// fluid, e_after = e_before + inflow - outflow - drained, so solute and fluid
// balances use identical volumes and fluid at the tissue's concentration leaves c unchanged.
#pragma once

#include <cstddef>
#include <vector>

#include "solver/layered_operator.hpp"
#include "solver/mass_ledger.hpp"
#include "solver/pressure_multigrid.hpp"
#include "solver/time_stepper.hpp"

namespace mesosim {

/// Per-depth solute coefficients the advection needs (each nz values).
struct AdvectedSolute {
  const double* capacity = nullptr;   ///< static capacity <phi0 f P>
  const double* fp = nullptr;         ///< f P: capacity gained per unit excess fluid
  const double* partition = nullptr;  ///< P (c = P u)
};

class UpwindAdvection {
 public:
  /// Keeps a reference to `pressure_model` (make_pressure_model), which must outlive it.
  explicit UpwindAdvection(const LayeredOperator& pressure_model);

  /// Face conductances to use instead of the model's (the strain-stiffened ones of models/reservoir.hpp), or
  /// nullptr for the model's own; not owned, read by prepare() and advect().
  void set_faces(const FaceConductances* faces) { faces_ = faces; }

  /// Takes the pressure p (n_cells, any sign) of a step of tau seconds: writes
  /// e_after = (e_before + inflow - outflow) / (1 + tau lambda) per cell, books the fluid volumes lost
  /// through open sides and drained (to_lymph) in `fluid` (m^3), and orders the cells for advect().
  /// Keeps the face volumes (3 doubles per cell) until the next prepare().
  void prepare(double tau, const double* p, const double* e_before, double* e_after, MassLedger& fluid);

  /// Advects one solute (continuity variable u, in place) with the prepared volumes:
  ///   (alpha_after + P (outflow + drained)) u' = alpha_before u + sum of inflows x upstream c',
  /// alpha = capacity + fP e. Fluid entering through an open side carries concentration
  /// `inflow_concentration` (0 for the c = 0 sides of MODEL §3). Books the solute drained with
  /// the fluid (lambda e c) as to_lymph and the net outflow per side, kg.
  void advect(const AdvectedSolute& solute, const double* e_before, const double* e_after, double* u,
              MassLedger& ledger, double inflow_concentration = 0.0) const;

  /// The cells that exchange or drain fluid in the prepared step, every cell after the cells that
  /// feed it (the order advect() solves them in); cells not listed keep e and u exactly.
  const std::vector<std::size_t>& order() const { return order_; }
  /// The cells of order() in index (memory) order.
  const std::vector<std::size_t>& active() const { return active_; }

  /// A face between two cells and the fluid volume crossing it in the prepared step.
  struct Flow {
    std::size_t neighbour;  ///< the cell on the other side
    double volume;          ///< tau g (p_cell - p_neighbour), per unit cell volume; > 0 leaves the cell
  };
  /// Writes the faces of `cell` to other cells that carry fluid (volume != 0) into `flows` (room for
  /// 6) and returns how many. The volumes are the products prepare() and advect() use, so a face
  /// seen from the neighbour has exactly the opposite volume. Faces to open sides are left out.
  int inner_flows(std::size_t cell, Flow* flows) const;

 private:
  /// Calls visit(neighbour, side, g, face) for every face of cell (i, j, k) with a non-zero
  /// conductance g; beyond an open side neighbour = -1 and side names it, else side = -1; face is
  /// 0-5 for west, east, south, north, top, bottom (the order of the calls).
  template <class Visit>
  void for_each_face(int i, int j, int k, std::size_t cell, Visit&& visit) const;
  /// The same faces with the volume W = tau g (p_cell - p_neighbour) of the prepared step,
  /// visit(neighbour, side, volume), read from the volumes prepare() stored once per face (seen
  /// from the other cell a face's volume is the exact negative, so the values are those of the
  /// products themselves).
  template <class Visit>
  void for_each_volume(int i, int j, int k, std::size_t cell, Visit&& visit) const;
  /// tau lambda of depth k: the share of e_after drained over the step (lambda = chi / S).
  double drain_rate(int k) const {
    const ComponentCoefficients& co = model_.coefficients(0);
    return co.capacity[k] > 0.0 ? tau_ * co.sink_lymph[k] / co.capacity[k] : 0.0;
  }
  /// The fluid volume drained from `cell` (depth index k) over the prepared step, per unit cell
  /// volume: tau lambda e_after, the one product prepare() books and advect() carries solute with.
  double drained_volume(std::size_t cell, int k, const double* e_after) const { return drain_rate(k) * e_after[cell]; }

  const LayeredOperator& model_;
  const FaceConductances* faces_ = nullptr;
  bool x_periodic_, y_periodic_;
  double side_factor_[n_sides];  // lateral sides: 2 for a sink, 0 closed; bottom: 1 if a sink
  double tau_ = 0.0;
  std::vector<std::size_t> order_;       // cells that exchange or drain fluid, upstream first
  std::vector<std::size_t> active_;      // the same cells in index order
  std::vector<unsigned char> inflows_;   // per cell: faces it receives fluid through (255 = quiet)
  // Face volumes of the prepared step, leaving the cell: through its east, north and bottom face
  // per cell (the last column's east face: the open side or the periodic wrap; the last layer's
  // bottom: the sink), and through the west face of the first column and the south face of the
  // first row to an open side ([j + ny k], [i + nx k]).
  std::vector<double> east_, north_, below_, west_side_, south_side_;
  std::vector<PlaneLedger> planes_;
};

}  // namespace mesosim
