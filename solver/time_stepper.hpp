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
  /// Sources active during steps (not owned; null or empty for none).
  void set_sources(const std::vector<Source>* sources) { sources_ = sources; }

 protected:
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

 private:
  /// One Strang step of component c, without sources.
  void strang_component(TransportState& state, int c, double dt);
  struct ThreadScratch {
    LineFactor x_factor, y_factor;  // of plane factored_k of component factored_c, for factored_theta
    int factored_c = -1, factored_k = -1;
    double factored_theta = 0.0;
    std::vector<double> stage;       // TR-BDF2 intermediate stage of a batch of lines
    std::vector<double> transposed;  // one depth plane with x as the slow index (periodic x only)
  };
  void ensure_scratch();
  void lateral_pass(TransportState& state, int c, double tau, bool react_first);
  void vertical_pass(TransportState& state, int c, double tau);
  void react_plane(TransportState& state, int c, int k, const ReactionMap& map, PlaneLedger& ledger);

  const LayeredOperator& model_;
  std::vector<std::vector<LineOperator>> x_ops_, y_ops_;  // [component][k]
  std::vector<std::vector<char>> same_lateral_ops_;       // [component][k]: plane k's x, y ops = plane k - 1's
  std::vector<LineOperator> z_ops_;                       // [component]
  LineFactor z_factor_;
  std::vector<ReactionMap> maps_;                         // per depth plane, for dt / 2
  std::vector<PlaneLedger> planes_;
  std::vector<ThreadScratch> scratch_;
};

}  // namespace mesosim
