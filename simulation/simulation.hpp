// The run as a library: a Simulation owns the injection model (chosen by the scenario), the state,
// the output schedule (metrics at every output time, snapshots at some of them), the stop flag
// and the run's position, and reports to its observers (observer.hpp). The `mesosim run` command,
// tests and benchmarks drive it:
//   Simulation sim(scenario);  sim.add_observer(writer);  bool done = sim.run();
// Its cadence is the scenario's: [output] interval (metrics rows) and snapshot_interval, or without
// one the geometric snapshot schedule after each session (models/output_schedule.hpp).
// The run moves from output time to output time, so advancing in pieces takes the very steps one
// call takes (bitwise the same results); request_stop() (async-signal-safe) ends it early after a
// whole step, and save() / the resuming constructor continue it exactly (same thread count).
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "io/checkpoint.hpp"
#include "models/metrics.hpp"
#include "models/output_schedule.hpp"
#include "models/transport_model.hpp"
#include "scenarios/scenario.hpp"
#include "simulation/injection_model.hpp"
#include "simulation/observer.hpp"
#include "simulation/prepare.hpp"
#include "solver/integrator.hpp"

namespace mesosim {

/// Where a checkpointed run resumes from: the checkpoint as read (io/checkpoint.hpp) and the
/// directory whose checkpoint.h5 holds its fields.
struct ResumePoint {
  Checkpoint checkpoint;
  std::filesystem::path directory;
};

class Simulation {
 public:
  /// Every check before anything is written: memory, stability, the injections (InputError).
  /// With `resume`, the state, model memory and position come from the checkpoint.
  explicit Simulation(const Scenario& scenario, const ResumePoint* resume = nullptr);
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  /// Observers are not owned and must outlive the run; called in the order added.
  void add_observer(Observer& observer) { observers_.push_back(&observer); }

  /// A fresh run: the injections due at its start and the first output (index 0, with a
  /// snapshot). advance_to calls it when it has not been called; a resumed run has started.
  void start();
  /// Advances through every output time up to t (the end time at most) and returns there; an
  /// output time is where the run may pause, so pieces take the steps one call takes. Returns
  /// false when stopped early by request_stop (after a whole step; calling again continues).
  bool advance_to(double t);
  bool run() { return advance_to(end_time()); }
  /// Asks the run to stop after the current step; safe from a signal handler.
  void request_stop() { stop_.store(true); }
  bool stop_requested() const { return stop_.load(); }
  /// Clears a stop request, so advance_to can continue.
  void clear_stop() { stop_.store(false); }
  bool finished() const { return next_output_ > n_outputs_; }

  /// The run's position ("run.next_output") and the model's memory into a checkpoint (the
  /// writers add theirs; the state's fields are written with it by write_checkpoint).
  void save(Checkpoint& checkpoint) const;

  /// Index of the next output time (1 .. n_outputs, past the last when finished).
  long next_output() const { return next_output_; }
  long n_outputs() const { return n_outputs_; }
  /// Output time `n` of the schedule (0 at the start, the last one the end time), s.
  double output_time(long n) const;
  /// Whether output `n` holds a 3-D snapshot (the first and the last always do).
  bool snapshot_due(long n) const;
  double time() const { return state_.time; }
  double end_time() const { return scenario_.end_time; }
  const Scenario& scenario() const { return scenario_; }
  const TransportState& state() const { return state_; }
  const TransportModel& transport() const { return model_->transport(); }
  const InjectionModel& injection_model() const { return *model_; }
  InjectionModel& injection_model() { return *model_; }
  /// The injections in time order (indices of events refer to these).
  const std::vector<Injection>& injections() const { return injections_; }
  /// Component c's run figures from every accepted step (models/metrics.hpp), or nullptr when the
  /// run was resumed from a checkpoint that predates them (the caller uses the output rows then).
  const RunFigures* run_figures(int c) const {
    return figures_complete_ ? &figures_.at(std::size_t(c)).figures() : nullptr;
  }
  /// Wall time spent measuring metrics and inside observers, s (not results: for the summary).
  double metrics_seconds() const { return metrics_seconds_; }
  double observer_seconds() const { return observer_seconds_; }

 private:
  class Events;
  void output(long n, bool snapshot);
  void on_step();
  void sample_figures();  // every step, output and injection: the run figures' trackers
  void sample_figures(const TransportState& state, int c);  // one component's own step
  void sample_figures(const TransportState& state, int c, double peak);  // the same, its peak known

  Scenario scenario_;
  std::vector<Injection> injections_;  // time order
  std::unique_ptr<InjectionModel> model_;
  TransportState state_;
  std::vector<std::size_t> target_cells_;
  std::vector<RunFiguresTracker> figures_;  // per component
  std::vector<double> sampled_at_;  // per component: the time of its last sample by the component hook, s
  bool figures_complete_ = true;
  OutputSchedule schedule_;  // output times and which of them hold a snapshot
  long n_outputs_ = 0;
  long next_output_ = 1;
  bool started_ = false;
  std::atomic<bool> stop_{false};
  std::vector<Observer*> observers_;
  double metrics_seconds_ = 0.0, observer_seconds_ = 0.0;
};

}  // namespace mesosim
