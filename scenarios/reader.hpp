// Internal to scenarios/: reads one TOML table of a scenario or preset file, remembering which
// keys were asked for, so that finish() rejects every key nobody reads (with the closest known key
// as a suggestion). Every message names file:line:column and the dotted key.
#pragma once

#include <cmath>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "models/error.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/units.hpp"

namespace mesosim {

/// Parses TOML text (only ever ASCII reaches toml++; see scenario.cpp); InputError with file:line.
toml::table parse_document(const std::string& text, const std::string& path);

/// Reads one TOML table, remembering which keys were asked for, so that finish() can reject the
/// keys nobody reads (with the closest known key as a suggestion).
class Reader {
 public:
  Reader(const toml::table& table, std::string prefix, const std::string& file)
      : table_(table), prefix_(std::move(prefix)), file_(file) {}

  std::string key_path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }

  std::string where(const toml::node* node) const {
    const toml::source_region& source = node ? node->source() : table_.source();
    std::ostringstream out;
    out << file_;
    if (source.begin.line > 0) out << ":" << source.begin.line << ":" << source.begin.column;
    else out << " (from --set)";
    return out.str();
  }

  std::string where_key(const toml::key& key) const {
    std::ostringstream out;
    out << file_;
    if (key.source().begin.line > 0) out << ":" << key.source().begin.line << ":" << key.source().begin.column;
    else out << " (from --set)";
    return out.str();
  }

  [[noreturn]] void fail(const std::string& key, const toml::node* node, const std::string& message) const {
    throw InputError(where(node) + ": " + key_path(key) + ": " + message);
  }

  const toml::node* find(const std::string& key) {
    known_.insert(key);
    return table_.get(key);
  }

  bool has(const std::string& key) { return find(key) != nullptr; }

  std::string text(const std::string& key, const std::optional<std::string>& fallback = std::nullopt) {
    const toml::node* node = find(key);
    if (!node) {
      if (fallback) return *fallback;
      fail(key, nullptr, "missing; this key is required");
    }
    if (!node->is_string()) fail(key, node, "must be a string in quotes");
    return std::string(*node->value<std::string>());
  }

  /// A quantity with a unit ("3 mm"), converted to SI; dimensionless quantities may be bare numbers.
  double quantity(const std::string& key, Dimension dimension, std::optional<double> fallback = std::nullopt,
                  double minimum = -INFINITY, bool exclusive_minimum = false) {
    const toml::node* node = find(key);
    if (!node) {
      if (fallback) return *fallback;
      fail(key, nullptr, "missing; this key is required (" + to_string(dimension) + ")");
    }
    return quantity_of(key, node, dimension, minimum, exclusive_minimum);
  }

  double quantity_of(const std::string& key, const toml::node* node, Dimension dimension, double minimum,
                     bool exclusive_minimum) const {
    double value = 0.0;
    if (node->is_string()) {
      try {
        value = parse_quantity(key_path(key), std::string(*node->value<std::string>()), dimension);
      } catch (const InputError& e) {
        throw InputError(where(node) + ": " + e.what());
      }
    } else if (node->is_number()) {
      if (!(dimension == Dimension::none()))
        fail(key, node, "needs a unit (" + to_string(dimension) + "), written as a string, e.g. \"" +
                            std::to_string(*node->value<double>()) + " ...\"");
      value = *node->value<double>();
    } else {
      fail(key, node, "must be a number with a unit in quotes, e.g. \"3 mm\"");
    }
    if (exclusive_minimum ? !(value > minimum) : !(value >= minimum)) {
      std::ostringstream msg;
      msg << "value " << value << " (SI) must be " << (exclusive_minimum ? "> " : ">= ") << minimum;
      fail(key, node, msg.str());
    }
    return value;
  }

  /// A whole number (a TOML integer, no unit) in [minimum, maximum].
  long integer(const std::string& key, std::optional<long> fallback = std::nullopt, long minimum = 0,
               long maximum = 1000000000L) {
    const toml::node* node = find(key);
    if (!node) {
      if (fallback) return *fallback;
      fail(key, nullptr, "missing; this key is required (a whole number)");
    }
    if (!node->is_integer()) fail(key, node, "must be a whole number without quotes, e.g. " + key + " = 3");
    const long value = long(*node->value<int64_t>());
    if (value < minimum) fail(key, node, "value " + std::to_string(value) + " must be >= " + std::to_string(minimum));
    if (value > maximum) fail(key, node, "value " + std::to_string(value) + " must be <= " + std::to_string(maximum));
    return value;
  }

  /// A list of n quantities, e.g. size = ["20 mm", "20 mm", "6 mm"].
  std::vector<double> quantities(const std::string& key, Dimension dimension, std::size_t n) {
    const toml::node* node = find(key);
    if (!node) fail(key, nullptr, "missing; this key is required (a list of " + std::to_string(n) + ")");
    const toml::array* array = node->as_array();
    if (!array || array->size() != n)
      fail(key, node, "must be a list of " + std::to_string(n) + " values with units, e.g. [\"20 mm\", ...]");
    std::vector<double> values;
    for (const toml::node& item : *array) values.push_back(quantity_of(key, &item, dimension, 0.0, true));
    return values;
  }

  const toml::table* table(const std::string& key) {
    const toml::node* node = find(key);
    if (node && !node->is_table()) fail(key, node, "must be a table ([" + key_path(key) + "])");
    return node ? node->as_table() : nullptr;
  }

  const toml::array* array_of_tables(const std::string& key) {
    const toml::node* node = find(key);
    if (!node) return nullptr;
    const toml::array* array = node->as_array();
    if (!array || !array->is_array_of_tables())
      fail(key, node, "must be a list of tables ([[" + key_path(key) + "]])");
    return array;
  }

  /// Rejects every key that was never asked for, suggesting the closest known one.
  void finish() const {
    for (const auto& [key, node] : table_) {
      const std::string name(key.str());
      if (known_.count(name)) continue;
      std::string suggestion;
      std::size_t best = 4;
      for (const std::string& candidate : known_) {
        const std::size_t distance = edit_distance(name, candidate);
        if (distance < best) {
          best = distance;
          suggestion = candidate;
        }
      }
      std::string message = "unknown key";
      if (!suggestion.empty()) message += "; did you mean '" + key_path(suggestion) + "'?";
      else {
        message += "; known keys here: ";
        bool first = true;
        for (const std::string& candidate : known_) {
          message += (first ? "" : ", ") + candidate;
          first = false;
        }
      }
      throw InputError(where_key(key) + ": " + key_path(name) + ": " + message);
    }
  }

 private:
  const toml::table& table_;
  std::string prefix_;
  const std::string& file_;
  std::set<std::string> known_;
};

/// The TOML table of one preset of a kind ("tissue", "component", "technique"); InputError naming
/// the closest preset for a typo. Defined in presets.cpp.
const toml::table& preset_table(const std::string& kind, const std::string& name);

/// One tissue layer: name, thickness, fluid fraction and the optional hydraulics.
inline Layer read_layer(Reader& reader) {
  Layer layer = calibrated_layer();
  layer.name = reader.text("name");
  layer.thickness = reader.quantity("thickness", Dimension::of_length(), std::nullopt, 0.0, true);
  layer.fluid_fraction = reader.quantity("fluid_fraction", Dimension::none(), std::nullopt, 0.0, true);
  layer.storage = reader.quantity("storage", {1, -1, 2}, layer.storage, 0.0, true);
  layer.hydraulic_conductivity = reader.quantity("hydraulic_conductivity", {3, -1, 1}, layer.hydraulic_conductivity, 0.0);
  layer.bleb_half_life = reader.quantity("bleb_half_life", Dimension::of_time(), layer.bleb_half_life, 0.0);
  layer.strain_stiffening = reader.quantity("strain_stiffening", Dimension::none(), layer.strain_stiffening, 0.0);
  layer.pressure_stiffening = reader.quantity("pressure_stiffening", Dimension::none(), layer.pressure_stiffening, 0.0);
  layer.relaxation_fraction = reader.quantity("relaxation_fraction", Dimension::none(), layer.relaxation_fraction, 0.0);
  layer.relaxation_time = reader.quantity("relaxation_time", Dimension::of_time(), layer.relaxation_time, 0.0);
  return layer;
}

/// A component's properties in one layer; keys that are absent keep the values of `s`. With a
/// lymph share (the component has a molecular weight), a total `k_clearance` is accepted and split
/// between lymph and blood; explicit `k_blood` / `k_lymph` then override their part.
inline SoluteInLayer read_solute(Reader& reader, SoluteInLayer s, std::optional<double> lymph_share = std::nullopt) {
  s.diffusivity = reader.quantity("diffusivity", Dimension::of_diffusivity(), s.diffusivity, 0.0);
  if (reader.has("k_clearance")) {
    if (!lymph_share)
      reader.fail("k_clearance", reader.find("k_clearance"),
                  "a total clearance needs the component's molecular_weight (e.g. molecular_weight = \"12.3 kDa\") "
                  "to be split between blood and lymph; or give k_blood and k_lymph");
    const double k = reader.quantity("k_clearance", Dimension::of_rate(), std::nullopt, 0.0);
    s.k_blood = (1.0 - *lymph_share) * k;
    s.k_lymph = *lymph_share * k;
  }
  s.k_blood = reader.quantity("k_blood", Dimension::of_rate(), s.k_blood, 0.0);
  s.k_lymph = reader.quantity("k_lymph", Dimension::of_rate(), s.k_lymph, 0.0);
  s.k_degradation = reader.quantity("k_degradation", Dimension::of_rate(), s.k_degradation, 0.0);
  s.available_fraction = reader.quantity("available_fraction", Dimension::none(), s.available_fraction, 0.0, true);
  s.partition = reader.quantity("partition", Dimension::none(), s.partition, 0.0, true);
  s.k_on = reader.quantity("k_on", Dimension::of_rate(), s.k_on, 0.0);
  s.k_off = reader.quantity("k_off", Dimension::of_rate(), s.k_off, 0.0);
  s.k_cell = reader.quantity("k_cell", Dimension::of_rate(), s.k_cell, 0.0);
  return s;
}

}  // namespace mesosim
