// The Darcy bleb as an injection model: an adapter around models/darcy_reservoir.hpp (the coupled
// pressure-advection-diffusion solver, which pushes every injection in by interstitial flow and
// hands over to the plain integrator once the fluid is at rest). The adapter schedules the
// injections, records the bleb at every coupled step (/bleb) and each injection's bleb when its
// flow stops (/bleb_per_injection), adds the excess fluid to snapshots and the bleb to the summary.
// The bleb's figures come from one table (bleb_columns in darcy_bleb.cpp): a new BlebFigures member
// is one line there, and the series, per-injection rows and summary maxima follow.
#pragma once

#include <memory>

#include "models/darcy_reservoir.hpp"
#include "scenarios/scenario.hpp"
#include "simulation/injection_model.hpp"

namespace mesosim {

class DarcyBleb : public InjectionModel {
 public:
  /// Builds the reservoir for the scenario; schedules every injection unless `resuming` (then
  /// load() schedules those still to come). `injections` are the scenario's in time order.
  /// InputError names the scenario file.
  DarcyBleb(const Scenario& scenario, std::vector<Injection> injections, bool resuming);

  std::string name() const override { return "darcy"; }
  const TransportModel& transport() const override { return reservoir_->solute_model(); }
  TransportState make_state() const override { return reservoir_->make_state(); }
  void begin(TransportState& state, InjectionEvents& events) override;
  bool advance_to(TransportState& state, double t, const StepHook& on_step, InjectionEvents& events) override;
  void set_stop_flag(const std::atomic<bool>* flag) override { reservoir_->set_stop_flag(flag); }
  void set_component_hook(ComponentHook hook) override { reservoir_->set_component_hook(std::move(hook)); }
  double mass_in_fluid(const TransportState& state, int c) const override;
  double ledger_residual(const TransportState& state, int c) const override;
  long n_steps() const override;
  long n_rejected() const override;
  long next_injection() const override { return long(injections_.size()); }  // all handed to the reservoir
  std::vector<ModelField> fields() const override;
  std::vector<const SeriesTable*> tables() const override { return {&series_, &per_injection_}; }
  void restore_table(std::size_t index, std::vector<std::vector<double>> columns) override {
    (index == 0 ? series_ : per_injection_).columns = std::move(columns);
  }
  void add_summary(const TransportState& state, nlohmann::json& report, std::ostringstream& text) const override;
  void save(Checkpoint& checkpoint) const override;
  void load(const Checkpoint& checkpoint, const TransportState& state) override;

  const DarcyReservoir& reservoir() const { return *reservoir_; }

 private:
  /// Hands the injections at or after `from` to the reservoir; resuming, those still running too.
  void schedule(double from, bool resuming);
  void record_series(double time);
  /// Time from the largest excess volume until half of it is left (linear between rows), s; -1
  /// if not reached.
  double excess_half_life() const;

  std::string file_;  // the scenario's, for messages
  std::vector<Injection> scheduled_;   // the scenario's order, as handed to the reservoir
  std::vector<Injection> injections_;  // time order (event indices refer to these)
  std::unique_ptr<DarcyReservoir> reservoir_;
  std::vector<double> end_, sorted_ends_, radius_;  // per injection: flow stops (s), bleb radius (m)
  SeriesTable series_, per_injection_;
};

/// What `mesosim check` says about a darcy scenario: how long each injection flows, what the
/// coupled phase costs, where the layer hydraulics come from.
std::string darcy_check_note(const Scenario& scenario);

/// The keys of summary.json's "bleb" object that are single figures of a run (the largest of each
/// /bleb column, the half-life, the time at rest, the largest fractions and ledger residual): the
/// columns a sweep's table gets as "bleb:KEY".
const std::vector<std::string>& darcy_summary_figures();

}  // namespace mesosim
