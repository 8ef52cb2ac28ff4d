#include "simulation/simulation.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <sstream>

#include "models/metrics.hpp"
#include "models/output_schedule.hpp"
#include "simulation/injection_registry.hpp"
#include "solver/error.hpp"

namespace mesosim {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

/// Forwards what the injection model reports to the observers.
class Simulation::Events : public InjectionEvents {
 public:
  explicit Events(Simulation& sim) : sim_(sim) {}
  void injection_given(std::size_t index, int n_cells) override {
    sim_.sample_figures();  // the deposit, before the next step
    const auto start = std::chrono::steady_clock::now();
    for (Observer* o : sim_.observers_) o->on_injection_given(sim_, index, n_cells);
    sim_.observer_seconds_ += seconds_since(start);
  }
  void injections_ended(const std::vector<std::size_t>& indices) override {
    const auto start = std::chrono::steady_clock::now();
    for (Observer* o : sim_.observers_) o->on_injections_ended(sim_, indices);
    sim_.observer_seconds_ += seconds_since(start);
  }

 private:
  Simulation& sim_;
};

Simulation::Simulation(const Scenario& scenario, const ResumePoint* resume)
    : scenario_(scenario), injections_(scenario.injections) {
  std::unique_ptr<Prepared> prepared = prepare(scenario_);
  std::stable_sort(injections_.begin(), injections_.end(),
                   [](const Injection& a, const Injection& b) { return a.time < b.time; });
  const InjectionModelType* type = nullptr;
  try {
    type = &injection_model_type(injection_model_name(scenario_));
  } catch (const InputError& e) {
    throw InputError(scenario_.file + ": injections: " + e.what());
  }
  model_ = type->make(scenario_, injections_, std::move(prepared), resume != nullptr);
  model_->set_stop_flag(&stop_);
  state_ = model_->make_state();
  // The one output schedule: geometric after each session unless a fixed snapshot interval is set.
  if (scenario_.snapshot_interval > 0.0) {
    schedule_ = fixed_schedule(scenario_.end_time, scenario_.output_interval, scenario_.snapshot_interval);
  } else {
    std::vector<double> injection_times;
    for (const Injection& injection : injections_) injection_times.push_back(injection.time);
    schedule_ = geometric_schedule(scenario_.end_time, scenario_.output_interval, injection_times);
  }
  n_outputs_ = long(schedule_.times.size()) - 1;
  target_cells_ = scenario_.target.cells(model_->transport());
  for (double threshold : scenario_.target.threshold) figures_.emplace_back(threshold);
  // Components may take several steps inside one step of the whole state: each is sampled too,
  // with the peak the integrator found, and on_step does not sample a component again at a time
  // the hook already did (nothing changes the state between the two).
  sampled_at_.assign(figures_.size(), std::numeric_limits<double>::quiet_NaN());
  model_->set_component_hook([this](const TransportState& state, int c, double peak) {
    sample_figures(state, c, peak);
    sampled_at_[std::size_t(c)] = state.time;
    return figures_[std::size_t(c)].longest_next_step();
  });
  if (resume) {
    for (std::size_t c = 0; c < figures_.size(); ++c) {
      const std::string key = "run.figures." + std::to_string(c);
      figures_complete_ = figures_complete_ && resume->checkpoint.has(key);
      if (figures_complete_) figures_[c].restore(resume->checkpoint.reals(key));
    }
    next_output_ = long(resume->checkpoint.count("run.next_output"));
    read_checkpoint_state(resume->directory, model_->transport(), state_);
    model_->load(resume->checkpoint, state_);
    started_ = true;
  }
}

double Simulation::output_time(long n) const { return schedule_.times.at(std::size_t(n)); }

bool Simulation::snapshot_due(long n) const { return schedule_.snapshot.at(std::size_t(n)); }

void Simulation::start() {
  started_ = true;
  Events events(*this);
  model_->begin(state_, events);
  output(0, snapshot_due(0));
}

bool Simulation::advance_to(double t) {
  if (!started_) start();
  Events events(*this);
  const StepHook hook = [this](const TransportState&) { on_step(); };
  while (next_output_ <= n_outputs_) {
    const double t_out = output_time(next_output_);
    if (t_out > t) return true;
    if (!model_->advance_to(state_, t_out, hook, events)) return false;
    output(next_output_, snapshot_due(next_output_));
    ++next_output_;
    if (stop_requested()) return false;
  }
  return true;
}

void Simulation::on_step() {
  for (int c = 0; c < model_->transport().n_components(); ++c)
    if (!(sampled_at_[std::size_t(c)] == state_.time)) sample_figures(state_, c);
  if (observers_.empty()) return;
  const auto start = std::chrono::steady_clock::now();
  for (Observer* o : observers_) o->on_step(*this);
  observer_seconds_ += seconds_since(start);
}

void Simulation::sample_figures() {
  for (int c = 0; c < model_->transport().n_components(); ++c) sample_figures(state_, c);
}

void Simulation::sample_figures(const TransportState& state, int c) {
  const auto start = std::chrono::steady_clock::now();
  figures_[std::size_t(c)].add(
      sample_step(model_->transport(), state, c, target_cells_, scenario_.target.threshold[std::size_t(c)]));
  metrics_seconds_ += seconds_since(start);
}

void Simulation::sample_figures(const TransportState& state, int c, double peak) {
  const auto start = std::chrono::steady_clock::now();
  figures_[std::size_t(c)].add(
      sample_step(model_->transport(), state, c, target_cells_, scenario_.target.threshold[std::size_t(c)], peak));
  metrics_seconds_ += seconds_since(start);
}

void Simulation::output(long n, bool snapshot) {
  sample_figures();
  const auto metrics_start = std::chrono::steady_clock::now();
  const TransportModel& model = model_->transport();
  SeriesRow row;
  row.time = state_.time;
  for (int c = 0; c < model.n_components(); ++c) {
    // While the darcy reservoir's fluid moves, the solute in the excess fluid counts too.
    const double in_fluid = model_->mass_in_fluid(state_, c);
    const double bound = mass_bound(model, state_, c);
    row.metrics.push_back(measure(model, state_, c, target_cells_, scenario_.target.threshold[c], in_fluid + bound));
    row.ledger.push_back(state_.ledger[c]);
    const MassLedger& l = state_.ledger[c];
    row.in_fluid.push_back(in_fluid);
    row.bound.push_back(bound);
    row.residual.push_back(l.injected == 0.0 ? 0.0 : (l.injected - (in_fluid + bound) - l.removed()) / l.injected);
  }
  const auto output_start = std::chrono::steady_clock::now();
  metrics_seconds_ += std::chrono::duration<double>(output_start - metrics_start).count();
  const OutputPoint point{n, snapshot, row};
  for (Observer* o : observers_) o->on_output(*this, point);
  observer_seconds_ += seconds_since(output_start);
}

void Simulation::save(Checkpoint& checkpoint) const {
  checkpoint.put_count("run.next_output", next_output_);
  if (figures_complete_)
    for (std::size_t c = 0; c < figures_.size(); ++c) checkpoint.put_reals("run.figures." + std::to_string(c), figures_[c].memory());
  model_->save(checkpoint);
}

}  // namespace mesosim
