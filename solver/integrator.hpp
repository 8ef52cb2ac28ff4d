// Drives a TimeStepper to a target time. Fixed-step mode takes equal steps (the last one clipped
// to land exactly on the target). Adaptive mode (implicit scheme) controls the local error by step
// doubling: one step of dt against two of dt/2; the estimate |two halves - one step| / (2^p - 1)
// must stay below `tolerance` times the component's current peak concentration (never below
// `floor_fraction` of its all-time peak, so cleared components do not force tiny steps).
// The more accurate two-half-step result is kept.
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
  long n_accepted = 0;
  long n_rejected = 0;
  long n_stepper_calls = 0;
  double last_step = 0.0;  ///< s
  double smallest_step = std::numeric_limits<double>::infinity();
  double largest_step = 0.0;
};

/// Everything the integrator remembers between calls, so a run can be checkpointed and resumed
/// with bitwise the same steps.
struct IntegratorMemory {
  double next_step = 0.0;                 ///< s
  IntegratorStats stats;
  std::vector<double> peak_ever;          ///< adaptive error scales, 2 per component
  double segment_t0 = 0.0, segment_t_end = 0.0;  ///< fixed steps: the segment being advanced, s
  long segment_n_steps = 0, segment_n_done = 0;
};

class Integrator {
 public:
  /// Validates the settings against the model (InputError with the fix when they cannot work).
  Integrator(const TransportModel& model, const IntegratorSettings& settings);

  /// Advances `state` to exactly t_end and returns true; `on_step` (optional) is called after each
  /// accepted step. Returns false early, after a whole accepted step, once the stop flag (see
  /// set_stop_flag) is raised; calling again with the same t_end continues exactly where it stopped.
  bool advance_to(TransportState& state, double t_end,
                  const std::function<void(const TransportState&)>& on_step = {});

  /// A flag (not owned; null for none) that asks advance_to to return after the current step,
  /// e.g. set by a SIGINT handler.
  void set_stop_flag(const std::atomic<bool>* flag) { stop_ = flag; }

  /// What a checkpoint must hold to continue this integration exactly, and its restoration.
  IntegratorMemory memory() const;
  void restore(const IntegratorMemory& memory);

  /// Sources to deliver (not owned). Adaptive steps land on every start and end time, and restart
  /// from `initial_step` when a source starts.
  void set_sources(const std::vector<Source>* sources);

  /// Restarts adaptive step-size control from `initial_step` (after a sudden change of the state,
  /// e.g. an instant deposit).
  void restart() {
    if (settings_.adaptive) next_step_ = std::min(settings_.initial_step, settings_.max_step);
  }

  const IntegratorStats& stats() const { return stats_; }
  const TimeStepper& stepper() const { return *stepper_; }
  /// The step the next adaptive attempt will try, s.
  double next_step() const { return next_step_; }

 private:
  double error_estimate(const TransportState& coarse, const TransportState& fine);
  bool stop_requested() const { return stop_ && stop_->load(std::memory_order_relaxed); }
  bool advance_adaptive(TransportState& state, double t_end,
                        const std::function<void(const TransportState&)>& on_step);
  void accept(TransportState& state, double dt);

  const TransportModel& model_;
  IntegratorSettings settings_;
  std::unique_ptr<TimeStepper> stepper_;
  IntegratorStats stats_;
  double next_step_ = 0.0;
  std::vector<double> peak_ever_;
  std::vector<double> source_starts_, breakpoints_;  // sorted, s
  TransportState coarse_, fine_;  // trial states for step doubling, allocated once
  const std::atomic<bool>* stop_ = nullptr;
  double segment_t0_ = 0.0, segment_t_end_ = 0.0;  // fixed steps: the current segment
  long segment_n_steps_ = 0, segment_n_done_ = 0;
};

}  // namespace mesosim
