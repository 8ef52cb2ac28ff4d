// The colour map of every MesoSim picture: viridis (perceptually uniform, readable in grey and by
// colour-blind readers; table by S. van der Walt and N. Smith, CC0, as in matplotlib), and the
// scale that maps a concentration to a place on it: linear or logarithmic over a FIXED range, so
// the same colour means the same concentration in every frame of a movie.
#pragma once

#include <string>
#include <vector>

#include "viz/canvas.hpp"

namespace mesosim {

/// Viridis sampled at 256 points, index 0 (dark purple, low) to 255 (yellow, high).
Rgb viridis(int index);
/// Viridis at a position in [0, 1] (clamped), nearest of the 256 entries.
Rgb viridis_at(double position);

enum class Scale { linear, log };
Scale parse_scale(const std::string& name);  ///< "linear" or "log"; anything else is an InputError

/// Maps values (kg/m^3 = mg/mL) to positions in [0, 1] on the colour map.
struct ColourScale {
  Scale scale = Scale::log;
  double low = 0.0, high = 1.0;  ///< kg/m^3; log needs 0 < low < high

  /// Position of `value` on the bar: 0 at or below `low`, 1 at or above `high`.
  double position(double value) const;
  /// The value at a position on the bar (inverse of position()).
  double value_at(double position) const;
  /// Values for tick labels between low and high: decades for log, 1-2-5 steps for linear.
  std::vector<double> ticks() const;
};

/// A concentration as short text ("0.001", "2.5", "1e-05").
std::string format_value(double value);

}  // namespace mesosim
