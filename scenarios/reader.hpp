// Internal to scenarios/: reads one TOML table of a scenario or preset file, remembering which
// keys were asked for, so that finish() rejects every key nobody reads (with the closest known key
// as a suggestion). Every message names file:line:column and the dotted key.
#pragma once

#include <cmath>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <toml++/toml.h>
#include <vector>

#include "scenarios/parameters.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/units.hpp"
#include "solver/error.hpp"

namespace mesosim {

/// Parses TOML text (only ever ASCII reaches toml++; see scenario.cpp); InputError with file:line.
toml::table parse_document(const std::string& text, const std::string& path);

/// Reads one TOML table, remembering which keys were asked for, so that finish() can reject the
/// keys nobody reads (with the closest known key as a suggestion). A reader of a scenario or preset
/// table has a `section` of the parameter table (scenarios/parameters.hpp): its call sites name only
/// the key, and unit, default and bounds come from the table; `record` (optional) collects every
/// key it resolves, for `mesosim check`. Without a section (sweep files) defaults and bounds are
/// given at the call.
class Reader {
 public:
  Reader(const toml::table& table, std::string prefix, const std::string& file)
      : table_(table), prefix_(std::move(prefix)), file_(file) {}
  Reader(const toml::table& table, std::string prefix, const std::string& file, std::string section,
         std::vector<ResolvedKey>* record = nullptr)
      : table_(table), prefix_(std::move(prefix)), file_(file), section_(std::move(section)), record_(record) {}

  std::string key_path(const std::string& key) const { return prefix_.empty() ? key : prefix_ + "." + key; }
  /// The dotted path of this table in messages, e.g. "injections[0]".
  const std::string& prefix() const { return prefix_; }
  /// The section of the parameter table this reader's keys belong to.
  const std::string& section() const { return *section_; }
  std::vector<ResolvedKey>* record() const { return record_; }
  /// Records keys as `prefix`.KEY with `note` after the value (a technique's defaults are
  /// recorded under the [[injections]] entry they apply to).
  void record_as(std::string prefix, std::string note) {
    record_prefix_ = std::move(prefix);
    record_note_ = std::move(note);
  }
  /// The table entry of one of this reader's keys.
  const Parameter& entry(const std::string& key) const {
    if (!section_) throw std::logic_error(key_path(key) + ": a reader without a section has no table entries");
    return parameter(*section_, key);
  }

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

  /// A string; absent: the table's default, else "missing; this key is required".
  std::string text(const std::string& key) {
    const Parameter* p = section_ ? &entry(key) : nullptr;
    if (p && p->inherited) throw std::logic_error(key_path(key) + ": an inherited default needs the value at the call");
    return text_with(key, p, p ? p->text_default : std::nullopt);
  }

  /// A string whose default `fallback` comes from elsewhere (a preset, the file name); in a
  /// reader with a section the table must say the default is inherited. A default taken is
  /// recorded with `source` ("from lateral"), or not at all if `source` is empty.
  std::string text(const std::string& key, const std::optional<std::string>& fallback, const std::string& source = "") {
    const Parameter* p = section_ ? &entry(key) : nullptr;
    if (p && !p->inherited) throw std::logic_error(key_path(key) + ": the table gives its default; call text(key)");
    const std::string value = text_with(key, p, fallback);
    if (!source.empty() && !table_.contains(key)) note(key, value + " (" + source + ")", true);
    return value;
  }

  /// A quantity with a unit ("3 mm"), converted to SI; dimensionless quantities may be bare numbers.
  /// Dimension, default and bounds from the table.
  double quantity(const std::string& key) {
    const Parameter& p = entry(key);
    if (p.inherited) throw std::logic_error(key_path(key) + ": an inherited default needs the value at the call");
    return quantity_with(key, p, p.number_default);
  }

  /// The same with a default from elsewhere (the preset's, the component's); the table must say so.
  /// A default taken is recorded with `source`, or not at all if `source` is empty (a component's
  /// per-layer values, which `check` lists by layer).
  double quantity(const std::string& key, double inherited, const std::string& source = "") {
    const Parameter& p = entry(key);
    if (!p.inherited) throw std::logic_error(key_path(key) + ": the table gives its default; call quantity(key)");
    const double value = quantity_with(key, p, inherited);
    if (!source.empty() && !table_.contains(key)) note(key, number_text(value) + unit_of(p) + " (" + source + ")", true);
    return value;
  }

  /// One quantity of the dimension and bounds of `p` at `node`, named `key` in messages.
  double quantity_of(const std::string& key, const toml::node* node, const Parameter& p) const {
    const Dimension dimension = p.dimension;
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
    if (p.exclusive_minimum ? !(value > p.minimum) : !(value >= p.minimum)) {
      std::ostringstream msg;
      msg << "value " << value << " (SI) must be " << (p.exclusive_minimum ? "> " : ">= ") << p.minimum;
      fail(key, node, msg.str());
    }
    if (p.exclusive_maximum ? !(value < p.maximum) : !(value <= p.maximum)) {
      std::ostringstream msg;
      msg << "value " << value << " (SI) must be " << (p.exclusive_maximum ? "< " : "<= ") << p.maximum;
      std::ostringstream got;
      got << p.maximum_message << " (got " << value << ")";
      fail(key, node, p.maximum_message.empty() ? msg.str() : got.str());
    }
    return value;
  }

  /// A whole number (a TOML integer, no unit); default and bounds from the table.
  long integer(const std::string& key) {
    const Parameter& p = entry(key);
    const long minimum = std::isfinite(p.minimum) ? long(p.minimum) : 0L;
    const long maximum = std::isfinite(p.maximum) ? long(p.maximum) : 1000000000L;
    const long value = integer_with(key, p.number_default.has_value(), long(p.number_default.value_or(0.0)), minimum, maximum);
    note(key, std::to_string(value), !table_.contains(key));
    return value;
  }

  /// A whole number in [minimum, maximum] with the default at the call (sweep files).
  long integer(const std::string& key, std::optional<long> fallback, long minimum = 0, long maximum = 1000000000L) {
    return integer_with(key, fallback.has_value(), fallback.value_or(0L), minimum, maximum);
  }

  /// A list of quantities of the table's length (or `length`, for a key that is one quantity or a
  /// list), e.g. size = ["20 mm", "20 mm", "6 mm"].
  std::vector<double> quantities(const std::string& key, int length = 0) {
    const Parameter& p = entry(key);
    const std::size_t n = std::size_t(length > 0 ? length : p.list_length);
    const toml::node* node = find(key);
    if (!node) fail(key, nullptr, "missing; this key is required (a list of " + std::to_string(n) + ")");
    const toml::array* array = node->as_array();
    if (!array || array->size() != n)
      fail(key, node, "must be a list of " + std::to_string(n) + " values with units, e.g. [\"20 mm\", ...]");
    std::vector<double> values;
    std::string shown;
    for (const toml::node& item : *array) {
      values.push_back(quantity_of(key, &item, p));
      shown += (shown.empty() ? "[" : ", ") + number_text(values.back());
    }
    note(key, shown + "] " + unit_name(p.dimension), false);
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
  static std::string number_text(double value) {
    std::ostringstream out;
    out << value;
    return out.str();
  }

  /// Adds a resolved key to the record (once per dotted path).
  void note(const std::string& key, const std::string& value, bool by_default) const {
    if (!record_) return;
    const std::string path = record_prefix_ ? *record_prefix_ + "." + key : key_path(key);
    for (const ResolvedKey& resolved : *record_)
      if (resolved.key == path) return;
    record_->push_back({path, value + record_note_, by_default});
  }

  long integer_with(const std::string& key, bool has_fallback, long fallback, long minimum, long maximum) {
    const toml::node* node = find(key);
    if (!node) {
      if (has_fallback) return fallback;
      fail(key, nullptr, "missing; this key is required (a whole number)");
    }
    if (!node->is_integer()) fail(key, node, "must be a whole number without quotes, e.g. " + key + " = 3");
    const long value = long(*node->value<int64_t>());
    if (value < minimum) fail(key, node, "value " + std::to_string(value) + " must be >= " + std::to_string(minimum));
    if (value > maximum) fail(key, node, "value " + std::to_string(value) + " must be <= " + std::to_string(maximum));
    return value;
  }

  std::string text_with(const std::string& key, const Parameter* p, const std::optional<std::string>& fallback) {
    const toml::node* node = find(key);
    if (!node) {
      if (!fallback) fail(key, nullptr, "missing; this key is required");
      if (p && !p->inherited) note(key, p->sentinel_default ? p->default_text : *fallback, true);
      return *fallback;
    }
    if (!node->is_string()) fail(key, node, "must be a string in quotes");
    std::string value(*node->value<std::string>());
    if (p && p->key.rfind("presets.", 0) != 0) note(key, value, false);  // not a preset's description or source
    return value;
  }

  /// " m", " 1/Pa", or "" for a dimensionless parameter.
  static std::string unit_of(const Parameter& p) {
    std::string unit;  // appended, not "" + to_string(): GCC 12 warns (-Wrestrict) on that
    if (!(p.dimension == Dimension::none())) unit.append(" ").append(unit_name(p.dimension));
    return unit;
  }

  double quantity_with(const std::string& key, const Parameter& p, std::optional<double> fallback) {
    const toml::node* node = find(key);
    if (!node) {
      if (!fallback) fail(key, nullptr, "missing; this key is required (" + to_string(p.dimension) + ")");
      if (!p.inherited) note(key, p.sentinel_default ? p.default_text : number_text(*fallback) + unit_of(p), true);
      return *fallback;
    }
    const double value = quantity_of(key, node, p);
    note(key, number_text(value) + unit_of(p), false);
    return value;
  }

  const toml::table& table_;
  std::string prefix_;
  const std::string& file_;
  std::optional<std::string> section_;
  std::vector<ResolvedKey>* record_ = nullptr;
  std::optional<std::string> record_prefix_;
  std::string record_note_;
  std::set<std::string> known_;
};

/// The TOML table of one preset of a kind ("tissue", "component", "technique"); InputError naming
/// the closest preset for a typo. Defined in presets.cpp.
const toml::table& preset_table(const std::string& kind, const std::string& name);

/// One tissue layer: name, thickness, fluid fraction and the optional hydraulics (defaults: the
/// calibrated dermis, models/tissue.hpp).
inline Layer read_layer(Reader& reader) {
  Layer layer = calibrated_layer();
  layer.name = reader.text("name");
  layer.thickness = reader.quantity("thickness");
  layer.fluid_fraction = reader.quantity("fluid_fraction");
  layer.storage = reader.quantity("storage");
  layer.hydraulic_conductivity = reader.quantity("hydraulic_conductivity");
  layer.bleb_half_life = reader.quantity("bleb_half_life");
  layer.strain_stiffening = reader.quantity("strain_stiffening");
  layer.pressure_stiffening = reader.quantity("pressure_stiffening");
  layer.relaxation_fraction = reader.quantity("relaxation_fraction");
  layer.relaxation_time = reader.quantity("relaxation_time");
  return layer;
}

/// A component's properties in one layer; keys that are absent keep the values of `s`. With a
/// lymph share (the component has a molecular weight), a total `k_clearance` is accepted and split
/// between lymph and blood; explicit `k_blood` / `k_lymph` then override their part.
inline SoluteInLayer read_solute(Reader& reader, SoluteInLayer s, std::optional<double> lymph_share = std::nullopt) {
  s.diffusivity = reader.quantity("diffusivity", s.diffusivity);
  if (reader.has("k_clearance")) {
    if (!lymph_share)
      reader.fail("k_clearance", reader.find("k_clearance"),
                  "a total clearance needs the component's molecular_weight (e.g. molecular_weight = \"12.3 kDa\") "
                  "to be split between blood and lymph; or give k_blood and k_lymph");
    const double k = reader.quantity("k_clearance");
    s.k_blood = (1.0 - *lymph_share) * k;
    s.k_lymph = *lymph_share * k;
  }
  s.k_blood = reader.quantity("k_blood", s.k_blood);
  s.k_lymph = reader.quantity("k_lymph", s.k_lymph);
  s.k_degradation = reader.quantity("k_degradation", s.k_degradation);
  s.available_fraction = reader.quantity("available_fraction", s.available_fraction);
  s.partition = reader.quantity("partition", s.partition);
  s.k_on = reader.quantity("k_on", s.k_on);
  s.k_off = reader.quantity("k_off", s.k_off);
  s.k_cell = reader.quantity("k_cell", s.k_cell);
  return s;
}

}  // namespace mesosim
