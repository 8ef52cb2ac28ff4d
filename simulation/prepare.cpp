#include "simulation/prepare.hpp"

#include <unistd.h>

#include <sstream>

#include "solver/error.hpp"

namespace mesosim {

double memory_estimate(const Scenario& scenario) {
  // The fields (u, and b when a component binds) times the copies the scheme keeps (explicit: 2,
  // adaptive implicit: 3, fixed implicit: 1), plus line scratch and one output buffer.
  bool binding = false;
  for (const Component& component : scenario.components) binding |= component.has_binding();
  const double copies = scenario.integrator.scheme == "explicit" ? 2.0 : scenario.integrator.adaptive ? 3.0 : 1.0;
  const double fields = double(scenario.components.size()) * (binding ? 2.0 : 1.0) * copies + 1.0;
  return double(scenario.grid.n_cells()) * 8.0 * fields * 1.05;
}

std::unique_ptr<Prepared> prepare(const Scenario& scenario) {
  const double needed = memory_estimate(scenario);
  const double physical = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
  if (physical > 0 && needed > 0.9 * physical) {
    std::ostringstream msg;
    msg << scenario.file << ": domain.cell: the grid of " << scenario.grid.n_cells() << " cells would need about "
        << needed / 1e9 << " GB but this machine has " << physical / 1e9
        << " GB; use larger cells, a smaller domain or fewer components";
    throw InputError(msg.str());
  }
  auto prepared = std::make_unique<Prepared>();
  prepared->model =
      std::make_unique<TransportModel>(scenario.grid, scenario.boundaries, scenario.tissue, scenario.components);
  try {
    prepared->integrator = std::make_unique<Integrator>(*prepared->model, scenario.integrator);
    return prepared;
  } catch (const InputError& e) {
    throw InputError(scenario.file + ": time: " + e.what());
  }
}

}  // namespace mesosim
