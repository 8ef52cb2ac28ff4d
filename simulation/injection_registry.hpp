// The injection models by name: what a scenario's `reservoir` key chooses ("instant", "darcy").
// Adding a model is one entry in injection_registry.cpp: its name, a one-line description, its
// factory and the note `mesosim check` prints for it. An unknown name is an InputError listing
// the known ones, never a fallback.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "scenarios/scenario.hpp"
#include "simulation/injection_model.hpp"
#include "simulation/prepare.hpp"

namespace mesosim {

struct InjectionModelType {
  std::string name;
  std::string description;
  /// Builds the model for a scenario: `injections` in time order, `prepared` as prepare() made it
  /// (a model may take its transport model and integrator), `resuming`: a checkpoint's memory
  /// follows (load()), so nothing is scheduled yet.
  std::function<std::unique_ptr<InjectionModel>(const Scenario& scenario, std::vector<Injection> injections,
                                                std::unique_ptr<Prepared> prepared, bool resuming)>
      make;
  /// What `mesosim check` adds about this model for the scenario ("" for nothing).
  std::function<std::string(const Scenario& scenario)> check_note;
  /// The object the model adds to summary.json ("" for none), and its keys that are figures of
  /// the run: a sweep's table has a column "GROUP:KEY" for each.
  std::string summary_group;
  std::vector<std::string> summary_figures;
};

/// Every registered model, in the order `check` and messages list them.
const std::vector<InjectionModelType>& injection_model_types();

/// The model registered under `name` (InputError naming the known ones).
const InjectionModelType& injection_model_type(const std::string& name);

/// The model a scenario chooses: its injections' `reservoir` (one per run; "instant" without injections).
std::string injection_model_name(const Scenario& scenario);

}  // namespace mesosim
