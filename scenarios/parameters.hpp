// The table of scenario keys: one entry per key of a scenario file (and of the preset files),
// with its kind, unit, default, bounds, choices and meaning. The reader takes dimension, default
// and bounds from here (scenarios/reader.hpp), `mesosim describe keys` prints it, and
// docs/scenario-reference.md holds its markdown form, so validation and the docs cannot disagree.
// It does not hold cross-key rules (a pattern's keys, a session longer than its points): those
// stay with the reader, in scenario.cpp.
#pragma once

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "scenarios/units.hpp"

namespace mesosim {

enum class ParameterKind {
  quantity,        ///< a number with a unit ("3 mm"), bare only if dimensionless
  quantity_list,   ///< a fixed-length list of quantities (size, position)
  whole_number,    ///< a TOML integer
  text,            ///< a string
  choice,          ///< one of `choices`
  table,           ///< a [table] or inline { ... }
  list_of_tables,  ///< [[entries]]
  list,            ///< any other list (points, target_layers)
};

/// One scenario key. `key` is dotted from the file's root, e.g. "injections.spacing" for the key
/// of every [[injections]] entry; a part in angle brackets is a name the user picks
/// ("cocktails.<cocktail>.<component>"). Keys under "presets." are those of models/presets/*.toml.
struct Parameter {
  std::string key;
  ParameterKind kind = ParameterKind::quantity;
  Dimension dimension;                  ///< quantities: the SI dimension
  int list_length = 0;                  ///< quantity_list: how many values
  std::optional<double> number_default; ///< SI (quantity) or whole number; none: see default_text
  std::optional<std::string> text_default;
  bool inherited = false;               ///< the default comes from elsewhere (a preset, the technique, the file name)
  std::string default_text;             ///< the default for readers: "required", "1 h", "the preset's", ...
  bool sentinel_default = false;        ///< the default value stands for default_text (0: the geometric
                                        ///< schedule), so `check` shows default_text
  double minimum = -INFINITY;
  bool exclusive_minimum = false;
  double maximum = INFINITY;
  bool exclusive_maximum = false;
  std::string maximum_message;          ///< replaces "value V (SI) must be <= M" when the maximum is exceeded ("(got V)" follows)
  std::vector<std::string> choices;     ///< choice: the allowed names
  std::string meaning;                  ///< one line for users
};

/// Every key, in the order the reference lists them.
const std::vector<Parameter>& parameters();

/// The entry of `key` in the table section `section` (e.g. "injections", "tissue.layers"): the
/// exact key, else the section's <name> entry, else the same key in the section a preset file's
/// section extends ("presets.technique" extends "injections"). std::logic_error if none: every
/// key the reader asks for is in the table (tests/unit/test_parameters.cpp).
const Parameter& parameter(const std::string& section, const std::string& key);

/// A dimension's SI unit for users: to_string(), but 1/Pa and m^2/(Pa s) for the hydraulics.
std::string unit_name(const Dimension& dimension);
/// The unit of a parameter for users: "m", "1/s", "dimensionless", "whole number", "text", ...
std::string unit_text(const Parameter& parameter);
/// Its allowed range for users: "> 0", "[1, 1000]", "(0, 90]", or "" if unbounded.
std::string range_text(const Parameter& parameter);

/// One key a scenario resolved: the dotted path in the file, its value with unit, and whether the
/// value is the table's default (the key was absent).
struct ResolvedKey {
  std::string key;    ///< e.g. "injections[0].depth"
  std::string value;  ///< e.g. "0.001 m", "implicit", "3"
  bool by_default = false;
};

/// The table for users (`mesosim describe keys`): one line per key with unit, default and range.
std::string describe_keys();
/// The same as the markdown tables of docs/scenario-reference.md (`mesosim describe keys --markdown`).
std::string describe_keys_markdown();
/// The resolved keys of a scenario, one line each, for `mesosim check`.
std::string describe_resolved(const std::vector<ResolvedKey>& resolved);

}  // namespace mesosim
