#include "simulation/instant_deposit.hpp"

#include "solver/deposit.hpp"

namespace mesosim {

InstantDeposit::InstantDeposit(std::unique_ptr<TransportModel> model, std::unique_ptr<Integrator> integrator,
                               std::vector<Injection> injections)
    : model_(std::move(model)), integrator_(std::move(integrator)), injections_(std::move(injections)) {}

void InstantDeposit::begin(TransportState& state, InjectionEvents& events) { deposit_due(state, events); }

void InstantDeposit::deposit_due(TransportState& state, InjectionEvents& events) {
  while (next_ < long(injections_.size()) && injections_[std::size_t(next_)].time <= state.time) {
    const std::size_t index = std::size_t(next_++);
    const int n_filled = deposit_instant(*model_, state, injections_[index]);
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

void InstantDeposit::save(Checkpoint& checkpoint) const {
  put_integrator(checkpoint, "instant.integrator", integrator_->memory());
  checkpoint.put_count("instant.next_injection", next_);
}

void InstantDeposit::load(const Checkpoint& checkpoint, const TransportState& /*state*/) {
  integrator_->restore(get_integrator(checkpoint, "instant.integrator"));
  next_ = long(checkpoint.count("instant.next_injection"));
}

}  // namespace mesosim
