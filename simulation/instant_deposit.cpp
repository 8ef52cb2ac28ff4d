#include "simulation/instant_deposit.hpp"

#include <chrono>
#include <cstdio>

#include "models/deposit.hpp"

namespace mesosim {

InstantDeposit::InstantDeposit(std::unique_ptr<TransportModel> model, std::unique_ptr<Integrator> integrator,
                               std::vector<Injection> injections)
    : model_(std::move(model)), integrator_(std::move(integrator)), injections_(std::move(injections)) {}

void InstantDeposit::begin(TransportState& state, InjectionEvents& events) { deposit_due(state, events); }

void InstantDeposit::deposit_due(TransportState& state, InjectionEvents& events) {
  while (next_ < long(injections_.size()) && injections_[std::size_t(next_)].time <= state.time) {
    const std::size_t index = std::size_t(next_++);
    const auto start = std::chrono::steady_clock::now();
    const int n_filled = deposit_instant(*model_, state, injections_[index]);
    deposit_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    events.injection_given(index, n_filled);
  }
}

bool InstantDeposit::advance_to(TransportState& state, double t, const StepHook& on_step, InjectionEvents& events) {
  // Later injections: stop at each, deposit, restart the step-size control on the new field.
  while (next_ < long(injections_.size()) && injections_[std::size_t(next_)].time < t) {
    if (!integrator_->advance_to(state, injections_[std::size_t(next_)].time, on_step)) return false;
    deposit_due(state, events);
    integrator_->restart();
  }
  return integrator_->advance_to(state, t, on_step);
}

double InstantDeposit::mass_in_fluid(const TransportState& state, int c) const {
  return mesosim::mass_in_fluid(*model_, state, c);
}

double InstantDeposit::ledger_residual(const TransportState& state, int c) const {
  return mesosim::ledger_residual(*model_, state, c);
}

void InstantDeposit::add_summary(const TransportState& /*state*/, nlohmann::json& report,
                                 std::ostringstream& text) const {
  const IntegratorStats& stats = integrator_->stats();
  const IntegratorTimes& times = integrator_->times();
  report["integrator"] = {{"component_steps", stats.n_component_steps},
                          {"stepper_calls", stats.n_stepper_calls},
                          {"smallest_step_s", stats.smallest_step},
                          {"largest_step_s", stats.largest_step},
                          {"wall_stepping_s", times.stepping},
                          {"wall_error_estimate_s", times.estimate},
                          {"wall_copying_s", times.copying},
                          {"wall_deposits_s", deposit_seconds_}};
  char line[320];
  std::snprintf(line, sizeof line,
                "\nintegrator: %ld component steps, %ld stepper calls on one component; wall: stepping %.2f s, "
                "error estimates %.2f s, copies %.2f s, deposits %.2f s\n",
                stats.n_component_steps, stats.n_stepper_calls, times.stepping, times.estimate, times.copying,
                deposit_seconds_);
  text << line;
}

void InstantDeposit::save(Checkpoint& checkpoint) const {
  put_integrator(checkpoint, "instant.integrator", integrator_->memory());
  checkpoint.put_count("instant.next_injection", next_);
}

void InstantDeposit::load(const Checkpoint& checkpoint, const TransportState& /*state*/) {
  integrator_->restore(get_integrator(checkpoint, "instant.integrator"));
  next_ = long(checkpoint.count("instant.next_injection"));
}

}  // namespace mesosim
