// Stage 2 of MODEL §2-3: injected fluid carries the cocktail into the tissue. Per coupled step dt
// (Lie splitting, first order in time):
//   1. injections add Q dt of fluid (e) and Q dt c_inj of each solute to the tip cells;
//   2. pressure: one backward-Euler step of S dp/dt = div(K grad p) - chi p on the whole grid,
//      solved directly (PressureSolver); p clipped at 0 (never below baseline);
//   3. advection: the face volumes W = dt g (p_cell - p_neighbour) and the drained volume
//      dt chi p give every cell's new e exactly, and carry each solute upwind, implicitly, with
//      chi p c to lymph (UpwindAdvection: one ordered pass, exact, any Courant number), then by
//      default a limited second-order correction between cells (DarcyAdvection, "limited");
//   4. diffusion: backward-Euler sweeps along x, y, z with the capacity (phi0 + e) f P and the
//      conductance phi f P D scaled by (phi0 + e) / phi0 of the new e (diffusion_line);
//   5. the solute sinks and binding, exactly (reaction map in amount variables).
// Every piece is conservative and keeps values non-negative; ledgers close to round-off; fluid
// injected at the tissue's own concentration leaves c uniform (to round-off, f = 1).
// Once no injection runs and the peak e has fallen below `rest_excess`, the last excess fluid is
// drained at once (booked to lymph with its solute, counted in stats().released_volume) and the
// solutes continue with the plain transport Integrator, so a run after the injections costs what
// a run without the reservoir costs.
// Strain stiffening (a layer's strain_stiffening m > 0): the conductances of step 2 and 3 are
// K0 exp(m e) on each face from the e at the start of the pressure solve (lagged, first order like
// the splitting), solved by multigrid-preconditioned CG (MultigridPressureSolver) instead of the
// direct solver; advection uses the same face conductances, so every balance stays exact.
// Swelling (models/swelling.hpp, docs/bleb.md): e is the excess fluid per unit volume of unswollen
// tissue, which swells in height only; a nonlinear law p(e) (exponential stiffening, viscoelastic
// relaxation) is solved by modified Picard iteration (the storage linearised about the last
// iterate, mass-conservative as in Celia et al. 1990) with the multigrid solver, and the fluid
// leaves at (ln 2 / t_half) e. The fluid fraction (phi0 + e) / (1 + e) stays below 1.
// Use:
//   DarcyReservoir reservoir(grid, boundaries, tissue, components);          // DarcySettings optional
//   reservoir.add_injection({x, y, depth, volume, start, duration, tip_radius, {c_1, ..., c_n}});
//   reservoir.add_injection(darcy_injection(scenario_injection, rate));      // or from a deposit
//   TransportState solutes = reservoir.make_state();
//   reservoir.advance_to(solutes, t_output, on_step);   // repeat per output time; lands exactly
//   reservoir.bleb(0.1); reservoir.fluid().ledger[0]; solutes.ledger[c]; reservoir.mass_in_fluid(solutes, c);
// Concentrations are c = P u as everywhere (concentration() in transport_state.hpp). While the
// fluid is not at rest, amounts in the tissue must come from this class (mass_in_fluid,
// ledger_residual): the generic helpers and metrics.hpp use the static capacity phi0 f P.
#pragma once

#include <atomic>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "models/injection.hpp"
#include "models/reservoir.hpp"
#include "models/transport_model.hpp"
#include "solver/darcy_advection.hpp"
#include "solver/darcy_line.hpp"
#include "solver/integrator.hpp"
#include "solver/pressure_multigrid.hpp"
#include "solver/pressure_solver.hpp"
#include "solver/source.hpp"
#include "solver/time_stepper.hpp"
#include "solver/transport_state.hpp"
#include "solver/upwind_advection.hpp"

namespace mesosim {

/// Step control of the coupled solver. Measured on bench_darcy (3 h after 0.05 mL): outcome
/// fractions move by at most 0.42 % between max_excess_change 0.05 and 0.1 (227 vs 131 coupled
/// steps), and by at most 0.11 % between excess_floor 0 and 1e-2 (170 vs 131 steps).
struct DarcySettings {
  int steps_per_injection = 20;   ///< equal coupled steps across each injection (and between starts and ends)
  double max_excess_change = 0.1; ///< after injections: largest |change of e| per step / max(peak e, excess_floor)
  double excess_floor = 1e-2;     ///< e below which changes count as small as at this e (0 = always relative)
  double max_step = 600.0;        ///< s, largest coupled step
  double rest_excess = 1e-4;      ///< peak e below which, with no injection running, the fluid is at rest
  /// nonlinear tissue: pressure solves per step at most. A step that reaches it ends unconverged
  /// and is counted (DarcyStats::n_unconverged_steps, in the summary). Measured on the
  /// 25-injection week (400 um, first 2 min, 491 coupled steps): converged steps take 3-38 solves;
  /// 12 left 85 steps unconverged (last change of e up to 16 % of its peak), 100 left 1.
  int max_picard_iterations = 40;
  double picard_tolerance = 0.01;  ///< nonlinear tissue: stop when e(p) moves by less than this x its peak
  /// nonlinear tissue: multigrid-CG stops at |residual| <= this x |rhs|. Each Picard iterate is
  /// re-solved, and the fluid moved is the conservative flux of whatever p came out, so the ledgers
  /// do not depend on it. Measured on mantoux.toml (400 um, 30 min): 1e-6 instead of 1e-10 moves
  /// the summary by <= 4.3e-6 relative (peak pressure 66896.7 -> 66896.4 Pa); 1e-4 moves peak
  /// pressure by 4.7e-3; a time-step change (steps_per_injection 20 -> 10) moves it by 8 %. On the
  /// 25-injection week at 400 um it cut the wall time from 243.7 to 182.7 s (docs/log.md).
  double pressure_tolerance = 1e-6;
  /// nonlinear tissue: Picard iterates are solved only as far as the iteration needs (inexact
  /// Newton forcing terms, Eisenstat & Walker 1996): to pressure_forcing x the relative change of e
  /// the previous iterate made (1 before the first), never tighter than pressure_tolerance. The
  /// step's pressure is always a solve to pressure_tolerance: an iteration that converges on a
  /// looser solve takes one more, and the last allowed iterate is solved tight. Measured on
  /// mantoux.toml (40 iterates at most): forcing 1e-3 / 1e-2 / 1e-1 / 1 took 1421 / 1025 / 1241 /
  /// 1785 multigrid-CG iterations (every iterate at 1e-6: 1954); 1e-3 and 1e-2 agree with a
  /// converged reference (Picard to 1e-5, CG to 1e-10) to 1.3e-4 in every summary figure, 1e-1 to 7.7e-3.
  double pressure_forcing = 1e-2;
  std::string advection = "limited";  ///< solute advection: "limited" (second order where the flow allows) or "upwind"
  IntegratorSettings at_rest;     ///< the plain transport integrator used while the fluid is at rest
};

/// One needle injection at a constant rate.
struct DarcyInjection {
  double x = 0, y = 0, depth = 0;     ///< tip position, m
  double volume = 0;                  ///< m^3
  double start = 0;                   ///< s
  double duration = 1;                ///< s (rate = volume / duration)
  double tip_radius = 0.15e-3;        ///< m, the flow is spread over the cells within it
  std::vector<double> concentration;  ///< kg/m^3 (mg/mL) per component in the syringe
};

/// A scenario's deposit (models/injection.hpp: tip, volume, start time, concentrations) pushed at
/// `rate` m^3/s through a tip of `tip_radius` m (InputError unless rate > 0).
DarcyInjection darcy_injection(const Injection& injection, double rate, double tip_radius = 0.15e-3);

/// Counters of a run, for reports and benchmarks.
struct DarcyStats {
  long n_coupled_steps = 0;          ///< steps of the coupled solver
  long n_rest_steps = 0;             ///< accepted steps of the plain integrator
  long n_pressure_iterations = 0;    ///< multigrid-CG iterations (stiffened tissue only)
  long n_pressure_solves = 0;        ///< multigrid solves, Picard iterations included (stiffened tissue only)
  long n_unconverged_steps = 0;      ///< coupled steps whose Picard iteration stopped at max_picard_iterations
  double largest_unconverged_change = 0.0;  ///< the largest last change of e / its peak of those steps
  double pressure_seconds = 0.0;     ///< wall time in the pressure solves, s
  double advection_seconds = 0.0;    ///< wall time ordering cells and advecting, s
  double diffusion_seconds = 0.0;    ///< wall time in the diffusion sweeps and reactions, s
  double smallest_step = std::numeric_limits<double>::infinity();  ///< s, coupled
  double largest_step = 0.0;         ///< s, coupled
  double released_volume = 0.0;      ///< m^3 of excess fluid drained at once on coming to rest
  double rest_time = -1.0;           ///< s, when the fluid last came to rest (-1: not yet)
};

class DarcyReservoir {
 public:
  /// Builds the solute and pressure models (InputError on invalid input).
  DarcyReservoir(const Grid& grid, const Boundaries& boundaries, const Tissue& tissue,
                 const std::vector<Component>& components, const DarcySettings& settings = {});
  // The rest integrator refers to solute_model(): a reservoir stays where it was built.
  DarcyReservoir(const DarcyReservoir&) = delete;
  DarcyReservoir& operator=(const DarcyReservoir&) = delete;

  const TransportModel& solute_model() const { return solutes_; }
  const TransportModel& pressure_model() const { return pressure_; }
  /// A solute state for this reservoir (all zero at t = 0).
  TransportState make_state() const { return TransportState(solutes_); }

  /// Schedules an injection (InputError if the tip is outside the block, the volume or duration
  /// is not positive, or the concentrations do not match the components). It must not start
  /// before the current time.
  void add_injection(const DarcyInjection& injection);

  /// Advances `solutes` (made by make_state, driven only by this reservoir) to exactly t_end,
  /// landing on every injection start and end; `on_step` is called after each accepted step.
  /// Returns false early when the stop flag is raised: at rest after the current step; in the
  /// coupled phase after the current step, or at its start if the flag was raised before the
  /// fluid moved (during the pressure solve, the longest part of a step), so that a stop is not
  /// held up by a whole coupled step. Calling again with the same t_end continues exactly.
  bool advance_to(TransportState& solutes, double t_end,
                  const std::function<void(const TransportState&)>& on_step = {});
  /// A flag (not owned) that asks advance_to to return after the current step.
  /// See Integrator::set_component_hook (the plain integrator's steps at rest).
  void set_component_hook(Integrator::ComponentHook hook) { rest_.set_component_hook(std::move(hook)); }
  void set_stop_flag(const std::atomic<bool>* flag) {
    stop_ = flag;
    rest_.set_stop_flag(flag);
    if (multigrid_) multigrid_->set_stop_flag(flag);
  }

  /// What a checkpoint taken after any step must hold to continue exactly (with the solute state,
  /// which the caller keeps). While the fluid is at rest the fields are empty (p = e = z = 0).
  struct Memory {
    bool at_rest = true;
    IntegratorMemory rest;       ///< the plain integrator
    DarcyStats stats;
    MassLedger fluid_ledger;     ///< m^3
    long fluid_steps = 0;
    // The coupled phase: the fluid and the step control.
    std::vector<double> excess;    ///< e per cell (empty at rest)
    std::vector<double> pressure;  ///< Pa per cell, the last pressure solve (the next one's first iterate)
    std::vector<double> relaxing;  ///< Pa per cell, z of the swelling law
    double next_step = 0.0;        ///< s, the step controller's next coupled step
    double segment_start = 0.0, segment_end = -1.0;  ///< s, the equal-step segment under way
    long segment_steps = 0, segment_done = 0;        ///< its steps, and those taken
  };
  Memory memory() const;
  /// Restores a reservoir built afresh (before any add_injection) to the checkpoint's state at
  /// time `time`; then resume_injection every injection that ends after it.
  void restore(const Memory& memory, double time);
  /// add_injection for resuming: the injection may already be running at the current time (its
  /// fluid up to now is in the restored state); one that has ended is ignored.
  void resume_injection(const DarcyInjection& injection);
  /// One coupled step of dt from solutes.time (advances time and the step count) and returns
  /// true; or, when the stop flag is raised before the fluid moves (during the pressure solve),
  /// abandons it and returns false with everything (solutes, fluid, ledgers, counters) bitwise as
  /// before the call, so the step is taken afresh later. Public for tests; advance_to chooses the steps.
  bool step(TransportState& solutes, double dt);

  /// The fluid as a pressure state: u = p (Pa) per cell from the last pressure solve, ledger[0]
  /// the fluid ledger in m^3 (injected; to_lymph = drained by chi p and released on coming to
  /// rest; boundary = lost through open sides).
  const TransportState& fluid() const { return fluid_; }
  /// Excess fluid fraction e per cell (the conserved quantity; p = e / S to round-off).
  const std::vector<double>& excess() const { return excess_.raw(); }
  /// (injected - integral of e - drained - lost) / injected; 0 before any injection.
  double fluid_ledger_residual() const;
  /// Mass of component c in the mobile fluid including the excess fluid, kg.
  double mass_in_fluid(const TransportState& solutes, int c) const;
  /// Ledger residual of component c counting the solute in the excess fluid (the generic
  /// ledger_residual() of transport_state.hpp is right only while the fluid is at rest).
  double ledger_residual(const TransportState& solutes, int c) const;
  /// Bleb figures (reservoir.hpp) of the current fluid: of the whole tissue, or of the columns within
  /// `radius` of (x, y).
  BlebFigures bleb(double e_bleb) const;
  BlebFigures bleb_near(double e_bleb, double x, double y, double radius) const;
  /// Surface elevation map, integral of e dz per column (nx * ny, i fastest), m.
  std::vector<double> surface_elevation() const { return mesosim::surface_elevation(solutes_.grid(), excess_.raw().data()); }
  /// True while the fluid is at rest (no excess fluid, plain transport).
  bool at_rest() const { return at_rest_; }
  const DarcyStats& stats() const { return stats_; }
  const DarcySettings& settings() const { return settings_; }
  const Integrator& rest_integrator() const { return rest_; }

 private:
  struct Scheduled {
    Source fluid;                 // rate[0] = volume / duration, m^3/s
    std::vector<double> concentration;
  };
  struct LineSet {                // coefficient storage for one family of lines
    std::vector<std::vector<double>> capacity, fp, diffusion;  // [component]
    bool periodic = false;
    DarcyLineCoefficients view(int c, std::size_t offset_cell, std::size_t offset_face, int n) const;
  };
  struct ThreadScratch {
    std::vector<double> e_line, cell_scale, face_scale, work;
  };
  void build_lines();
  void inject(TransportState& solutes, double t0, double t1);
  /// Backward-Euler diffusion sweeps along x, y, z with the capacity and conductance of phi0 + e.
  void diffuse(TransportState& solutes, double dt);
  void diffuse_lines(TransportState& solutes, double dt, const LineSet& lines, int n, int n_lines,
                     std::ptrdiff_t stride, std::size_t first_cell, std::ptrdiff_t line_step, int k, int plane_index,
                     int start_side, int end_side);
  /// The solute sinks and binding over dt with the capacity of the current e; also returns the
  /// peak |change of e| over the step (against step_start_) and the peak e.
  void react(TransportState& solutes, double dt, double& change, double& peak);
  /// What a step changes before the fluid moves, to put back when it is abandoned (step()).
  struct StepUndo {
    bool at_rest = true;
    std::vector<std::size_t> cells;   ///< tip cells in the order inject() changed them
    std::vector<double> u;            ///< their u per component before, n_components per cell
    std::vector<MassLedger> solute_ledgers;
    MassLedger fluid_ledger;
    DarcyStats stats;
    std::vector<double> pressure;     ///< p per cell before the pressure solve
  };
  /// Puts back what step() changed before the fluid moved (see StepUndo).
  void abandon_step(TransportState& solutes);
  /// Drains all excess fluid at once with the solute it holds (to lymph); p = e = 0 after.
  void release_fluid(TransportState& solutes);
  bool injection_running(double t) const;
  double next_breakpoint(double t) const;
  void come_to_rest(TransportState& solutes);

  TransportModel solutes_;
  TransportModel pressure_;
  DarcySettings settings_;
  Integrator rest_;
  TransportState fluid_;
  PressureSolver pressure_solver_;
  /// One pressure step with a nonlinear swelling law or stiffened conductances (multigrid, Picard).
  /// Returns false, p unfinished, when the stop flag interrupted a solve.
  bool solve_nonlinear_pressure(double dt);
  /// The relaxing pressure z and p = p_eq(e) - a z of the swelling law after a step of dt.
  void relax(double dt);

  std::vector<double> stiffening_;       // [k] strain stiffening m per depth cell
  std::vector<SwellingLaw> laws_;        // [k] swelling law per depth cell (cell averages of the layers)
  bool stiffened_ = false;               // any m > 0 or a nonlinear law: multigrid with face conductances
  bool nonlinear_ = false;               // some layer's swelling law is not e = S p
  Field relaxing_;                       // z of the swelling law per cell, Pa
  FaceConductances faces_;
  std::unique_ptr<MultigridPressureSolver> multigrid_;
  std::vector<double> pressure_mass_;    // per cell S + tau chi of the last solve
  std::vector<double> excess_estimate_;  // per cell e(p*) of the last Picard iterate
  std::vector<double> rhs_;              // per cell right-hand side of the Picard solve
  DarcyAdvection advection_;
  StepUndo undo_;
  Field excess_, step_start_, excess_after_;
  std::vector<Scheduled> injections_;
  std::vector<double> breakpoints_;  // sorted injection starts and ends
  std::vector<std::vector<double>> fp_;  // [component][k]
  std::vector<double> phi0_;             // [k] cell-average fluid fraction
  LineSet x_lines_, y_lines_, z_lines_;
  std::vector<PlaneLedger> planes_;  // [component * n_planes + plane], n_planes = max(nz, ny)
  std::vector<PlaneLedger> fluid_planes_;
  std::vector<ThreadScratch> scratch_;
  bool at_rest_ = true;
  const std::atomic<bool>* stop_ = nullptr;
  bool stop_requested() const { return stop_ && stop_->load(); }
  double next_step_ = 0.0;
  // The equal steps across an injection interval: from segment_start_ to segment_end_ in
  // segment_steps_ steps, segment_done_ of them taken (a stop may fall between them).
  double segment_start_ = 0.0, segment_end_ = -1.0;
  long segment_steps_ = 0, segment_done_ = 0;
  void schedule_injection(const DarcyInjection& injection, bool resuming);
  double last_change_ = 0.0, last_peak_ = 0.0;  // of the last coupled step: peak |change of e|, peak e
  DarcyStats stats_;
};

}  // namespace mesosim
