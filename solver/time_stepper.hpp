// Time integration of the transport operator, chosen by name (MFEM ODESolver style):
//   "explicit"  forward Euler diffusion + exact reactions; first order in time, stable (and
//               positivity-preserving) up to LayeredOperator::max_explicit_step(), enforced.
//   "implicit"  Strang splitting R(dt/2) X(dt/2) Y(dt/2) Z(dt) Y(dt/2) X(dt/2) R(dt/2): exact
//               reactions R and one-dimensional TR-BDF2 diffusion sweeps (tridiagonal solves).
//               Second order, L-stable in every direction, unconditionally stable.
// A stepper advances the state by exactly dt and books every removed amount in the ledger. It
// does not choose dt (see Integrator) and never allocates inside a step once warmed up.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "solver/layered_operator.hpp"
#include "solver/line_operator.hpp"
#include "solver/reaction.hpp"
#include "solver/source.hpp"
#include "solver/transport_state.hpp"

namespace mesosim {

class TimeStepper {
 public:
  virtual ~TimeStepper() = default;
  virtual const char* name() const = 0;
  /// Largest step this scheme accepts, s (infinite for unconditionally stable schemes).
  virtual double max_step() const = 0;
  /// Order of accuracy in time.
  virtual int order() const = 0;
  /// Advances `state` from state.time by dt seconds (updating state.time and n_steps is the
  /// caller's business).
  virtual void step(TransportState& state, double dt) = 0;
  /// Advances component c alone by dt, sources included (components do not interact, so stepping
  /// each one by dt is step()); the other components are left untouched.
  virtual void step_component(TransportState& state, int c, double dt) = 0;
  /// Component c of `state` becomes component c of `from` advanced by dt from state.time, and
  /// copy_u (and copy_bound, non-null exactly when c binds) receive `from`'s values of component
  /// c, n_cells each: bitwise what copying `from` into `state` and into the copies and calling
  /// step_component gives. The implicit stepper does the copies in its first pass over the field
  /// (unless a source delivers during the step); the other components of `state` are untouched.
  virtual void step_component_from(const TransportState& from, TransportState& state, int c, double dt,
                                   double* copy_u, double* copy_bound);
  /// Two steps of dt of component c from state.time, as step_component twice with state.time at
  /// the first step's end in between (and bitwise the same); state.time is left as it was. The
  /// implicit stepper makes the end of the first and the start of the second one pass.
  virtual void step_component_twice(TransportState& state, int c, double dt);
  /// Sources active during steps (not owned; null or empty for none).
  void set_sources(const std::vector<Source>* sources) { sources_ = sources; }

 protected:
  /// True if some source delivers component c during the step from t0 of dt (either half).
  bool delivers(int c, double t0, double dt) const;
  /// Adds what every source delivers between t0 and t1 and books it as injected.
  void apply_sources(const LayeredOperator& model, TransportState& state, double t0, double t1) const;
  /// The same for component c alone.
  void apply_sources(const LayeredOperator& model, TransportState& state, int c, double t0, double t1) const;

 private:
  const std::vector<Source>* sources_ = nullptr;
};

/// "explicit" or "implicit"; any other name is an InputError listing the choices.
std::unique_ptr<TimeStepper> make_stepper(const std::string& name, const LayeredOperator& model);

/// Per-depth-plane ledger increments, summed in plane order after the parallel loop so totals do
/// not depend on the thread count.
struct PlaneLedger {
  double blood = 0, lymph = 0, degraded = 0;
  double boundary[n_sides] = {0, 0, 0, 0, 0};
};
void book_planes(const PlaneLedger* planes, int n_planes, double cell_volume, MassLedger& ledger);

class ExplicitStepper final : public TimeStepper {
 public:
  explicit ExplicitStepper(const LayeredOperator& model);
  const char* name() const override { return "explicit"; }
  double max_step() const override { return model_.max_explicit_step(); }
  int order() const override { return 1; }
  void step(TransportState& state, double dt) override;
  void step_component(TransportState& state, int c, double dt) override;

 private:
  /// Component c's forward-Euler update and reactions from state.u into next_.
  void update_component(TransportState& state, int c, double dt);
  void check_step(double dt) const;
  const LayeredOperator& model_;
  Field next_;                       // buffer swapped with state.u after each step
  std::vector<double> zero_row_;     // neighbour values outside a sink boundary
  std::vector<ReactionMap> maps_;    // per depth plane, for the current dt
  std::vector<PlaneLedger> planes_;
};

class SplitImplicitStepper final : public TimeStepper {
 public:
  explicit SplitImplicitStepper(const LayeredOperator& model);
  const char* name() const override { return "implicit"; }
  double max_step() const override;
  int order() const override { return 2; }
  void step(TransportState& state, double dt) override;
  void step_component(TransportState& state, int c, double dt) override;
  void step_component_from(const TransportState& from, TransportState& state, int c, double dt, double* copy_u,
                           double* copy_bound) override;
  void step_component_twice(TransportState& state, int c, double dt) override;

 private:
  /// Where an out-of-place step reads component c (u, and bound with binding, else null) and
  /// where its first pass copies it (n_cells values each).
  struct Origin {
    const double* u;
    const double* bound;
    double* copy_u;
    double* copy_bound;
  };
  /// One Strang step of component c, without sources; with `from`, the first reaction reads
  /// component c from there instead of from `state` (see step_component_from).
  void strang_component(TransportState& state, int c, double dt, const Origin* from = nullptr);
  struct ThreadScratch {
    LineFactor x_factor, y_factor;  // of plane factored_k of component factored_c, for factored_theta
    int factored_c = -1, factored_k = -1;
    double factored_theta = 0.0;
    std::vector<double> stage;       // TR-BDF2 intermediate stage of a batch of lines
    std::vector<double> transposed;  // one depth plane with x as the slow index (periodic x only)
  };
  void ensure_scratch();
  /// The reaction maps of component c for dt / 2, per depth plane.
  void make_maps(int c, double dt);
  /// Per plane: react_first R X Y (a step's start), react_last Y X R (its end), react_last_then_first
  /// Y X R R X Y (one step's end and the next one's start, booked in that order).
  enum class LateralOrder { react_first, react_last, react_last_then_first };
  void lateral_pass(TransportState& state, int c, double tau, LateralOrder order, const Origin* from = nullptr);
  void vertical_pass(TransportState& state, int c, double tau);
  void react_plane(TransportState& state, int c, int k, const ReactionMap& map, PlaneLedger& ledger,
                   const Origin* from = nullptr);

  const LayeredOperator& model_;
  std::vector<std::vector<LineOperator>> x_ops_, y_ops_;  // [component][k]
  std::vector<std::vector<char>> same_lateral_ops_;       // [component][k]: plane k's x, y ops = plane k - 1's
  std::vector<LineOperator> z_ops_;                       // [component]
  LineFactor z_factor_;
  std::vector<ReactionMap> maps_;                         // per depth plane, for dt / 2
  std::vector<PlaneLedger> planes_;
  std::vector<PlaneLedger> next_planes_;                  // the second step's in a react_last_then_first pass
  std::vector<ThreadScratch> scratch_;
};

}  // namespace mesosim
