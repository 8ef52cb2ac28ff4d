// The instant deposit: every cell whose centre lies within the sphere of volume V / phi around the
// needle tip (phi of the layer at the tip; the sphere is clipped by the skin surface and the block)
// gets the same concentration, scaled so that exactly c V of each component enters (booked as
// injected). The plug-displacement limit of an injection, used until the reservoir is coupled.
#pragma once

#include "models/injection.hpp"
#include "solver/transport_state.hpp"

namespace mesosim {

/// Returns the number of cells filled; InputError if the tip lies outside the block.
int deposit_instant(const TransportModel& model, TransportState& state, const Injection& injection);

}  // namespace mesosim
