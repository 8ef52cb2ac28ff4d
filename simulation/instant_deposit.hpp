// The instant deposit as an injection model: each injection's cocktail is placed at once at its
// time (models/deposit.hpp: the fluid space nearest the tip, a sphere of about V / phi), and the
// plain transport integrator runs between deposits, its step-size control restarted after each.
#pragma once

#include <memory>

#include "simulation/injection_model.hpp"
#include "solver/integrator.hpp"

namespace mesosim {

class InstantDeposit : public InjectionModel {
 public:
  /// `model` and `integrator` as prepare() built them (the integrator refers to the model);
  /// `injections` in time order.
  InstantDeposit(std::unique_ptr<TransportModel> model, std::unique_ptr<Integrator> integrator,
                 std::vector<Injection> injections);

  std::string name() const override { return "instant"; }
  const TransportModel& transport() const override { return *model_; }
  TransportState make_state() const override { return TransportState(*model_); }
  void begin(TransportState& state, InjectionEvents& events) override;
  bool advance_to(TransportState& state, double t, const StepHook& on_step, InjectionEvents& events) override;
  void set_stop_flag(const std::atomic<bool>* flag) override { integrator_->set_stop_flag(flag); }
  void set_component_hook(ComponentHook hook) override { integrator_->set_component_hook(std::move(hook)); }
  double mass_in_fluid(const TransportState& state, int c) const override;
  double ledger_residual(const TransportState& state, int c) const override;
  long n_steps() const override { return integrator_->stats().n_accepted; }
  long n_rejected() const override { return integrator_->stats().n_rejected; }
  long next_injection() const override { return next_; }
  /// The integrator's work: component steps, stepper calls and wall time by phase.
  void add_summary(const TransportState& state, nlohmann::json& report, std::ostringstream& text) const override;
  void save(Checkpoint& checkpoint) const override;
  void load(const Checkpoint& checkpoint, const TransportState& state) override;

 private:
  /// Deposits every injection due at the state's time.
  void deposit_due(TransportState& state, InjectionEvents& events);

  std::unique_ptr<TransportModel> model_;
  std::unique_ptr<Integrator> integrator_;
  std::vector<Injection> injections_;  // time order
  long next_ = 0;                      // the first not yet deposited
  double deposit_seconds_ = 0.0;       // wall time placing deposits
};

}  // namespace mesosim
