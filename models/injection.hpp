// One needle deposit: tip position, volume, time and the cocktail's concentrations per component,
// with where it came from (entry, session, point of a pattern; models/pattern.hpp). Until the
// reservoir model is coupled (#3) a deposit is `instant`: the cocktail fills the fluid space of a
// sphere of volume V / phi around the tip (models/deposit_extent.hpp reports which layers).
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
  std::string reservoir = "darcy";  ///< "darcy" (the default: the bleb forms by interstitial flow) or "instant"
  double rate = 0;                    ///< m^3/s, darcy only: the volume flows in over volume / rate
  int entry = 0;             ///< index of the [[injections]] entry it was expanded from
  int session = 0;           ///< 0-based session of the course ([sessions])
  int point = 0;             ///< index of its tip in the entry's pattern, in injection order
  int n_track_deposits = 1;  ///< > 1: one of the equal sub-deposits of a retrotraced track
};

}  // namespace mesosim
