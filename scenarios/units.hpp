// Physical quantities written with units ("3 mm", "0.05 mL", "7 d", "3e-10 m^2/s", "5 mg/mL") and
// converted to SI. A unit expression is a product of units with optional integer powers (^2, ^-1)
// and at most one '/', e.g. "mL/s", "m^2/s", "1/s", "kg/m^3". The expected dimension is checked;
// a mismatch or an unknown unit is an InputError that names the key and lists what is allowed.
#pragma once

#include <string>

namespace mesosim {

/// Exponents of length (m), mass (kg), time (s) and amount of substance (mol).
struct Dimension {
  int length = 0, mass = 0, time = 0, amount = 0;
  bool operator==(const Dimension&) const = default;

  static constexpr Dimension none() { return {0, 0, 0}; }
  static constexpr Dimension of_length() { return {1, 0, 0}; }
  static constexpr Dimension of_time() { return {0, 0, 1}; }
  static constexpr Dimension of_volume() { return {3, 0, 0}; }
  static constexpr Dimension of_rate() { return {0, 0, -1}; }
  static constexpr Dimension of_diffusivity() { return {2, 0, -1}; }
  static constexpr Dimension of_concentration() { return {-3, 1, 0}; }
  static constexpr Dimension of_flow() { return {3, 0, -1}; }
  static constexpr Dimension of_pressure() { return {-1, 1, -2}; }
  static constexpr Dimension of_molar_mass() { return {0, 1, 0, -1}; }  ///< kg/mol ("246 Da", "12.3 kDa")
};

/// Human-readable SI form of a dimension, e.g. "m^2/s".
std::string to_string(const Dimension& dimension);

/// Parses `text` (number, optional spaces, unit expression) as a quantity of `expected` dimension
/// and returns its SI value. `key` names the setting in error messages. A bare number is accepted
/// only when `expected` is dimensionless.
double parse_quantity(const std::string& key, const std::string& text, Dimension expected);

}  // namespace mesosim
