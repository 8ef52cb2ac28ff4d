// How injected fluid and cocktail enter the tissue, and the time driver that goes with it: the
// instant deposit (instant_deposit.hpp) and the Darcy bleb (darcy_bleb.hpp) behind one interface,
// so the run (simulation.hpp) never asks which one it drives. A model owns its solute transport
// model, its integrator(s) and its memory; it does not write files (its fields, series tables and
// summary figures are handed to the writers by name) and does not decide when outputs are due.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/checkpoint.hpp"
#include "models/injection.hpp"
#include "models/transport_model.hpp"
#include "solver/integrator.hpp"
#include "solver/transport_state.hpp"

namespace mesosim {

/// A field a model adds to every snapshot: one value per cell, read when the snapshot is written.
struct ModelField {
  std::string name;   ///< dataset name in each snapshot group
  std::string units;  ///< stored as its attribute
  const double* values = nullptr;  ///< not owned; n_cells values
};

/// A table of figures a model records over the run (e.g. the bleb at every coupled step): rows
/// appended in memory, written to results.h5 as GROUP/NAME columns by the results writer.
struct SeriesTable {
  std::string group;                          ///< e.g. "/bleb"
  std::vector<std::string> names;             ///< one per column
  std::vector<std::vector<double>> columns;   ///< [column][row]

  std::size_t size() const { return columns.empty() ? 0 : columns[0].size(); }
  void add_row(const std::vector<double>& row) {
    for (std::size_t n = 0; n < names.size(); ++n) columns[n].push_back(row[n]);
  }
  /// Largest |value| of a column over the rows so far (0 if none).
  double max_abs(std::size_t column) const;
};

/// What a model reports to the run while it advances (the Simulation forwards it to observers).
class InjectionEvents {
 public:
  virtual ~InjectionEvents() = default;
  /// Injection `index` (time order) was deposited now, filling `n_cells` cells.
  virtual void injection_given(std::size_t index, int n_cells) = 0;
  /// The flow of these injections (time order) stopped at this step.
  virtual void injections_ended(const std::vector<std::size_t>& indices) = 0;
};

using StepHook = std::function<void(const TransportState&)>;
/// After every accepted step of one component, with its peak; returns the longest next step it
/// wants for that component (see Integrator::set_component_hook).
using ComponentHook = Integrator::ComponentHook;

class InjectionModel {
 public:
  virtual ~InjectionModel() = default;

  /// The name a scenario chooses it by (e.g. "instant").
  virtual std::string name() const = 0;
  /// The solute transport model every state, metric and writer of the run refers to.
  virtual const TransportModel& transport() const = 0;
  /// A solute state for this model, zero at t = 0.
  virtual TransportState make_state() const = 0;

  /// A fresh run at the state's time: whatever is due at once (deposits at t = 0, first figures).
  virtual void begin(TransportState& state, InjectionEvents& events) = 0;
  /// Advances `state` to exactly t, giving the injections due on the way; `on_step` after every
  /// accepted step. Returns false early once the stop flag is raised (see set_stop_flag);
  /// calling again with the same t continues exactly.
  virtual bool advance_to(TransportState& state, double t, const StepHook& on_step, InjectionEvents& events) = 0;
  /// A flag (not owned) that asks advance_to to return after the current step.
  virtual void set_stop_flag(const std::atomic<bool>* flag) = 0;
  /// Where components take their own steps inside a step of the whole state, `hook` is called
  /// after each of them (for the run figures); a model without such steps ignores it.
  virtual void set_component_hook(ComponentHook hook) = 0;

  /// Mass of component c in the mobile fluid (the excess fluid included), kg.
  virtual double mass_in_fluid(const TransportState& state, int c) const = 0;
  /// (injected - in tissue - removed) / injected of component c, counting what mass_in_fluid counts.
  virtual double ledger_residual(const TransportState& state, int c) const = 0;
  /// Accepted and rejected steps so far (every time driver of the model together).
  virtual long n_steps() const = 0;
  virtual long n_rejected() const = 0;
  /// Index (time order) of the first injection not yet handed to the tissue.
  virtual long next_injection() const = 0;

  /// Fields added to every snapshot, and tables recorded over the run (none by default).
  virtual std::vector<ModelField> fields() const { return {}; }
  virtual std::vector<const SeriesTable*> tables() const { return {}; }
  /// Resuming: table `index` as results.h5 holds it up to the checkpoint (the model's rows after
  /// the checkpoint are not in its memory).
  virtual void restore_table(std::size_t /*index*/, std::vector<std::vector<double>> /*columns*/) {}
  /// Adds the model's own figures to the summary (JSON report and text) once the run is done.
  virtual void add_summary(const TransportState& /*state*/, nlohmann::json& /*report*/,
                           std::ostringstream& /*text*/) const {}

  /// The model's memory into a checkpoint by name, keys prefixed with name(), after any step and
  /// after a stop (a model must be able to save whenever advance_to returns), and back on resuming at the state's time (the state itself is read by the
  /// run; a missing key is an InputError naming it).
  virtual void save(Checkpoint& checkpoint) const = 0;
  virtual void load(const Checkpoint& checkpoint, const TransportState& state) = 0;
};

}  // namespace mesosim
