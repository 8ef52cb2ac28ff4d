// Which layers an instant deposit occupies (MODEL §4, §6.8 plug displacement): the cocktail fills
// the interstitial fluid of a ball around the tip, cut by the skin surface and the bottom of the
// block, whose fluid volume (the integral of phi(z) over the ball) equals the injected volume: the
// continuum limit of models/deposit.hpp deposit_instant. Reports the ball and the share of the
// volume in each layer; it does not model the bleb (the coupled reservoir, #3).
#pragma once

#include <vector>

#include "models/tissue.hpp"

namespace mesosim {

struct DepositExtent {
  double radius = 0.0;              ///< m, radius of the filled ball
  double top = 0.0, bottom = 0.0;   ///< m, shallowest and deepest depth it reaches (cut at 0 and the bottom)
  std::vector<double> layer_share;  ///< share of the injected volume in each layer (sums to 1)
};

/// The ball of fluid volume `volume` (m^3) around a tip `depth` (m) deep in `tissue`, within a
/// block `domain_depth` (m) deep; the last layer extends to the bottom of the block.
DepositExtent deposit_extent(const Tissue& tissue, double depth, double volume, double domain_depth);

}  // namespace mesosim
