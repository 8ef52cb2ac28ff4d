// The checks a run passes before anything is written: the memory its fields need against the
// machine's, and the transport model and integrator of a scenario (an unstable explicit step or
// impossible settings are an InputError naming the scenario and the key to change).
#pragma once

#include <memory>

#include "models/transport_model.hpp"
#include "scenarios/scenario.hpp"
#include "solver/integrator.hpp"

namespace mesosim {

/// Bytes the run will hold for its fields.
double memory_estimate(const Scenario& scenario);

/// The model and integrator of a scenario; refuses a run that cannot fit in memory or whose
/// explicit step is unstable, naming the scenario and the key to change.
struct Prepared {
  std::unique_ptr<TransportModel> model;  // on the heap: the integrator keeps a reference to it
  std::unique_ptr<Integrator> integrator;
};
std::unique_ptr<Prepared> prepare(const Scenario& scenario);

}  // namespace mesosim
