// One needle deposit as the user placed it: tip position, volume, time and the cocktail's
// concentrations per component. Until the reservoir model is coupled (#3) a deposit is `instant`:
// the cocktail fills the fluid space of a sphere of volume V / phi around the tip.
#pragma once

#include <string>
#include <vector>

namespace mesosim {

struct Injection {
  double x = 0, y = 0, depth = 0;     ///< tip, m (depth below the skin surface)
  double volume = 0;                  ///< m^3
  double time = 0;                    ///< s, when it is deposited
  std::string cocktail;               ///< cocktail name
  std::vector<double> concentration;  ///< kg/m^3 (mg/mL) per component in the syringe
  std::string reservoir = "instant";
};

}  // namespace mesosim
