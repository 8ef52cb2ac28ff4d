// Drives a TimeStepper to a target time. Fixed-step mode takes equal steps (the last one clipped
// to land exactly on the target). Adaptive mode (implicit scheme) controls the local error by step
// doubling: one step of dt against two of dt/2; the estimate |two halves - one step| / (2^p - 1)
// must stay below `tolerance` times the component's current peak concentration (never below
// `floor_fraction` of its all-time peak, so cleared components do not force tiny steps).
// The more accurate two-half-step result is kept. Components do not interact (the transport
// operator and the reactions act on each one alone), so each has its own step size: a step of the
// whole state (what on_step sees, all components at one time) is chosen from the components'
// proposed steps, and a component whose own step is shorter takes several steps inside it.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "solver/source.hpp"

#include "solver/time_stepper.hpp"

namespace mesosim {

struct IntegratorSettings {
  std::string scheme = "implicit";  ///< "implicit" or "explicit"
  bool adaptive = true;             ///< implicit only; explicit steps are always fixed
  double tolerance = 1e-3;          ///< relative local error per step (adaptive), dimensionless
  double floor_fraction = 1e-3;     ///< error scale floor, fraction of the all-time peak
  double fixed_step = 0.0;          ///< s; 0 = explicit: the stable limit; implicit: required if !adaptive
  double initial_step = 1.0;        ///< s, first adaptive trial step
  double max_step = std::numeric_limits<double>::infinity();  ///< s
  double min_step = 1e-9;           ///< s; an adaptive step below this is a SolverError
  double explicit_safety = 1.0;     ///< fraction of the stable limit used by default, (0, 1]
};

struct IntegratorStats {
  long n_accepted = 0;        ///< steps of the whole state (all components at one time afterwards)
  long n_rejected = 0;        ///< rejected attempts of one component (adaptive)
  long n_stepper_calls = 0;   ///< stepper calls on one component (a call on the whole state counts n_components)
  long n_component_steps = 0; ///< accepted steps of one component (adaptive; fixed: n_accepted x n_components)
  double last_step = 0.0;     ///< s, the last step of the whole state
  double smallest_step = std::numeric_limits<double>::infinity();  ///< s, of any component
  double largest_step = 0.0;  ///< s, of any component
};

/// Wall time by phase of the adaptive steps, s (measured, so not part of the integrator's memory:
/// a resumed run counts from the resumption).
struct IntegratorTimes {
  double stepping = 0.0;  ///< stepper calls
  double estimate = 0.0;  ///< error estimates
  double copying = 0.0;   ///< restorations after rejected attempts (the copies before an attempt
                          ///< are made in the coarse step's first pass, so counted in stepping)
};

/// Everything the integrator remembers between calls, so a run can be checkpointed and resumed
/// with bitwise the same steps.
struct IntegratorMemory {
  double next_step = 0.0;                 ///< s, the smallest of component_next_step (adaptive)
  std::vector<double> component_next_step;  ///< s, per component (adaptive; empty: all next_step)
  std::vector<double> restart_step;         ///< s, per component: where restart() sets it (empty: initial step)
  std::vector<long long> learning;          ///< per component, 1 until the first step after a (re)start
  IntegratorStats stats;
  std::vector<double> peak_ever;          ///< adaptive error scales, 2 per component
  double segment_t0 = 0.0, segment_t_end = 0.0;  ///< fixed steps: the segment being advanced, s
  long segment_n_steps = 0, segment_n_done = 0;
};

class Integrator {
 public:
  /// Validates the settings against the model (InputError with the fix when they cannot work).
  Integrator(const LayeredOperator& model, const IntegratorSettings& settings);

  /// Advances `state` to exactly t_end and returns true; `on_step` (optional) is called after each
  /// accepted step. Returns false early, after a whole accepted step, once the stop flag (see
  /// set_stop_flag) is raised; calling again with the same t_end continues exactly where it stopped.
  bool advance_to(TransportState& state, double t_end,
                  const std::function<void(const TransportState&)>& on_step = {});

  /// A flag (not owned; null for none) that asks advance_to to return after the current step,
  /// e.g. set by a SIGINT handler.
  void set_stop_flag(const std::atomic<bool>* flag) { stop_ = flag; }

  /// Called after every accepted adaptive step of one component, the last one inside a step of the
  /// whole state included (before `on_step`): there `state.time` is component c's time and only
  /// component c is surely at it; `peak` is max(0, partition * u) of component c over the grid,
  /// the peak sample_step would find (from the error estimate's pass). The run figures sample
  /// every step a component takes this way. It returns the longest next step of component c it
  /// wants, s (infinity: no limit; the step shrinks by at most 4x for it), so that what it
  /// samples is resolved in time.
  using ComponentHook = std::function<double(const TransportState& state, int c, double peak)>;
  void set_component_hook(ComponentHook hook) { component_hook_ = std::move(hook); }

  /// What a checkpoint must hold to continue this integration exactly, and its restoration.
  IntegratorMemory memory() const;
  void restore(const IntegratorMemory& memory);

  /// Sources to deliver (not owned). Adaptive steps land on every start and end time, and restart
  /// from `initial_step` when a source starts.
  void set_sources(const std::vector<Source>* sources);

  /// Restarts adaptive step-size control after a sudden change of the state, e.g. an instant
  /// deposit: each component from the step its first step after the previous (re)start showed
  /// would meet the tolerance (at most 16 times that first step; the first time, `initial_step`).
  void restart();

  const IntegratorStats& stats() const { return stats_; }
  const IntegratorTimes& times() const { return times_; }
  const TimeStepper& stepper() const { return *stepper_; }
  /// The step the next adaptive attempt will try, s (adaptive: the smallest over the components).
  double next_step() const;
  /// The step component c's next adaptive attempt will try, s.
  double next_step(int c) const { return settings_.adaptive ? component_next_step_[std::size_t(c)] : next_step_; }

 private:
  /// Component c's error estimate over the tolerance (<= 1: accept), coarse against fine.
  double error_estimate(int c, const TransportState& coarse, const TransportState& fine);
  bool stop_requested() const { return stop_ && stop_->load(std::memory_order_relaxed); }
  bool advance_adaptive(TransportState& state, double t_end,
                        const std::function<void(const TransportState&)>& on_step);
  /// The step of the whole state from the components' proposals: the one that needs the fewest
  /// component steps per second, at most max_ratio times the smallest proposal.
  double whole_step() const;
  /// Advances component c alone from state.time to t_end by adaptive steps (state.time is
  /// moved along and left at t_end): in one step of whole_dt when its own step is as long, else
  /// in several. `whole_clipped`: whole_dt was cut short to land on a stop.
  void advance_component(TransportState& state, int c, double t_end, double whole_dt, bool whole_clipped);
  void accept(TransportState& state, double dt);

  const LayeredOperator& model_;
  IntegratorSettings settings_;
  std::unique_ptr<TimeStepper> stepper_;
  IntegratorStats stats_;
  IntegratorTimes times_;
  double next_step_ = 0.0;                 // fixed steps: the step
  std::vector<double> component_next_step_;  // adaptive: per component, s
  std::vector<double> restart_step_;         // adaptive: per component, s
  std::vector<char> learning_;               // adaptive: per component, the first step after a (re)start is next
  std::vector<double> peak_ever_;
  std::vector<double> source_starts_, breakpoints_;  // sorted, s
  TransportState coarse_;                    // the one-step trial of step doubling, allocated once
  std::vector<double> backup_u_, backup_bound_;  // one component before an attempt (restored on rejection)
  const std::atomic<bool>* stop_ = nullptr;
  ComponentHook component_hook_;
  double fine_peak_ = 0.0;                   // the last error estimate's peak of the kept result
  double segment_t0_ = 0.0, segment_t_end_ = 0.0;  // fixed steps: the current segment
  long segment_n_steps_ = 0, segment_n_done_ = 0;
};

}  // namespace mesosim
