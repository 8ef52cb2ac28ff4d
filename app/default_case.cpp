#include "app/default_case.hpp"

#include "app/builtin_scenario.hpp"  // generated from scenarios/examples/single_injection.toml

namespace mesosim {

Scenario make_default_scenario(const std::string& cell) {
  Scenario scenario = load_scenario_text(builtin_scenario_text, "built-in case (single_injection.toml)",
                                         {"domain.cell=" + cell});
  scenario.name = "built-in case";
  return scenario;
}

}  // namespace mesosim
