// The instant deposit: the cocktail fills the interstitial fluid nearest the needle tip (cells in
// order of distance, each holding phi V_cell, the last one partly) until the injected volume is
// placed, so the filled region is about a sphere of volume V / phi (deformed by layers of other phi
// and cut by the skin surface) at the syringe concentration; exactly c V of each component enters
// (booked as injected). The plug-displacement limit of an injection, used until the reservoir is
// coupled.
#pragma once

#include "models/injection.hpp"
#include "models/transport_model.hpp"
#include "solver/transport_state.hpp"

namespace mesosim {

/// Returns the number of cells filled; InputError if the tip lies outside the block.
int deposit_instant(const TransportModel& model, TransportState& state, const Injection& injection);

}  // namespace mesosim
