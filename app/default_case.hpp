// The built-in default case run by `mesosim run` without a scenario file: the example
// scenarios/examples/single_injection.toml, compiled into the program so that it runs from
// anywhere: one 0.05 mL injection of a three-component cocktail, 1 mm deep in forearm-like skin,
// followed for 7 days.
#pragma once

#include <string>

#include "scenarios/scenario.hpp"

namespace mesosim {

/// The built-in case on cells of `cell` (with unit, e.g. "200 um").
Scenario make_default_scenario(const std::string& cell = "200 um");

}  // namespace mesosim
