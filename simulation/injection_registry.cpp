#include "simulation/injection_registry.hpp"

#include "simulation/darcy_bleb.hpp"
#include "simulation/instant_deposit.hpp"
#include "solver/error.hpp"

namespace mesosim {

const std::vector<InjectionModelType>& injection_model_types() {
  static const std::vector<InjectionModelType> types{
      {"instant", "the cocktail fills the fluid space nearest the tip at once (a sphere of about V / phi)",
       [](const Scenario&, std::vector<Injection> injections, std::unique_ptr<Prepared> prepared, bool) {
         return std::unique_ptr<InjectionModel>(std::make_unique<InstantDeposit>(
             std::move(prepared->model), std::move(prepared->integrator), std::move(injections)));
       },
       [](const Scenario&) { return std::string(); },
       "",
       {}},
      {"darcy", "the fluid flows in at its rate and spreads by interstitial (Darcy) flow into a bleb",
       [](const Scenario& scenario, std::vector<Injection> injections, std::unique_ptr<Prepared>, bool resuming) {
         return std::unique_ptr<InjectionModel>(std::make_unique<DarcyBleb>(scenario, std::move(injections), resuming));
       },
       darcy_check_note,
       "bleb",
       darcy_summary_figures()},
  };
  return types;
}

const InjectionModelType& injection_model_type(const std::string& name) {
  std::string known;
  for (const InjectionModelType& type : injection_model_types()) {
    if (type.name == name) return type;
    known += (known.empty() ? "\"" : ", \"") + type.name + "\"";
  }
  throw InputError("'" + name + "' is not an injection model; choose " + known);
}

std::string injection_model_name(const Scenario& scenario) {
  return scenario.injections.empty() ? "instant" : scenario.injections.front().reservoir;
}

}  // namespace mesosim
