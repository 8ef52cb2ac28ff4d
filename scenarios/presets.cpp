#include "scenarios/presets.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "scenarios/generated/presets_text.hpp"  // generated from models/presets/*.toml
#include "scenarios/reader.hpp"

namespace mesosim {

namespace {

const toml::table& document(const std::string& kind) {
  static const toml::table tissues = toml::parse(std::string_view(presets_tissues_text), std::string_view("models/presets/tissues.toml"));
  static const toml::table components = toml::parse(std::string_view(presets_components_text), std::string_view("models/presets/components.toml"));
  static const toml::table techniques = toml::parse(std::string_view(presets_techniques_text), std::string_view("models/presets/techniques.toml"));
  if (kind == "tissue") return tissues;
  if (kind == "component") return components;
  if (kind == "technique") return techniques;
  throw InputError("unknown preset kind '" + kind + "'; choose tissue, component or technique");
}

}  // namespace

const toml::table& preset_table(const std::string& kind, const std::string& name) {
  const toml::table& all = document(kind);
  if (const toml::table* table = all.get_as<toml::table>(name)) return *table;
  std::string suggestion, names;
  std::size_t best = 4;
  for (const auto& [key, node] : all) {
    const std::string candidate(key.str());
    names += (names.empty() ? "" : ", ") + candidate;
    if (const std::size_t d = edit_distance(name, candidate); d < best) {
      best = d;
      suggestion = candidate;
    }
  }
  throw InputError("no " + kind + " preset named '" + name + "'" +
                   (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?") + " Presets: " + names);
}

double lymph_share(double molecular_weight) {
  static const double mw[] = {246, 5200, 12300, 19000};
  static const double share[] = {0.04, 0.21, 0.39, 0.60};
  if (!(molecular_weight > mw[0])) return share[0];
  const double x = std::log10(molecular_weight);
  for (int n = 0; n < 3; ++n)
    if (molecular_weight <= mw[n + 1]) {
      const double x0 = std::log10(mw[n]), x1 = std::log10(mw[n + 1]);
      return share[n] + (share[n + 1] - share[n]) * (x - x0) / (x1 - x0);
    }
  const double slope = (share[3] - share[2]) / (std::log10(mw[3]) - std::log10(mw[2]));
  return std::min(0.95, share[3] + slope * (x - std::log10(mw[3])));
}

std::vector<std::string> preset_kinds() { return {"tissue", "component", "technique"}; }

std::vector<std::string> preset_names(const std::string& kind) {
  std::vector<std::string> names;
  for (const auto& [key, node] : document(kind)) names.emplace_back(key.str());
  return names;
}

Tissue tissue_preset(const std::string& name) {
  const toml::table& table = preset_table("tissue", name);
  const std::string file = "models/presets/tissues.toml";
  Reader reader(table, name, file, "presets.tissue");
  reader.text("description");
  const toml::array* layers = reader.array_of_tables("layers");
  if (!layers) reader.fail("layers", nullptr, "missing in the preset");
  Tissue tissue;
  std::size_t index = 0;
  for (const toml::node& item : *layers) {
    Reader layer_reader(*item.as_table(), name + ".layers[" + std::to_string(index++) + "]", file, "presets.tissue.layers");
    const Layer layer = read_layer(layer_reader);
    layer_reader.text("source");
    layer_reader.finish();
    tissue.layers.push_back(layer);
  }
  reader.finish();
  return tissue;
}

Component component_preset(const std::string& name, const Tissue& tissue) {
  const toml::table& table = preset_table("component", name);
  const std::string file = "models/presets/components.toml";
  Reader reader(table, name, file, "presets.component");
  reader.text("description");
  reader.text("source");
  const double molecular_weight = reader.quantity("molecular_weight");
  const double share = lymph_share(molecular_weight * 1e3);  // kg/mol -> Da
  const SoluteInLayer base = read_solute(reader, SoluteInLayer{}, share);
  Component component{name, std::vector<SoluteInLayer>(tissue.layers.size(), base), molecular_weight};
  if (const toml::table* layers = reader.table("layers")) {
    Reader layers_reader(*layers, name + ".layers", file, "presets.component.layers");
    for (std::size_t n = 0; n < tissue.layers.size(); ++n)
      if (const toml::table* override_table = layers_reader.table(tissue.layers[n].name)) {
        Reader layer_reader(*override_table, name + ".layers." + tissue.layers[n].name, file,
                            "presets.component.layers.<layer>");
        component.in_layer[n] = read_solute(layer_reader, base, share);
        layer_reader.finish();
      }
    // Layers of other tissues (e.g. muscle) are fine to skip: mark every key as known.
    for (const auto& [key, node] : *layers) layers_reader.find(std::string(key.str()));
    layers_reader.finish();
  }
  reader.finish();
  return component;
}

std::string describe_preset(const std::string& kind, const std::string& name) {
  const toml::table& table = preset_table(kind, name);
  std::ostringstream out;
  out << kind << " preset '" << name << "'";
  if (const auto description = table["description"].value<std::string>()) out << ": " << *description;
  out << "\n";
  const auto value_text = [](const toml::node& node) {
    const auto text_of = [](const toml::node& value, const auto& self) -> std::string {
      std::ostringstream text;
      if (value.is_string()) text << *value.value<std::string>();
      else if (value.is_number()) text << *value.value<double>();
      else if (const toml::table* entries = value.as_table()) {
        text << "{";
        for (const auto& [key, entry] : *entries) text << " " << key.str() << " = " << self(entry, self) << ";";
        text << " }";
      } else text << "?";
      return text.str();
    };
    return text_of(node, text_of);
  };
  if (kind == "tissue") {
    double top = 0.0;
    for (const Layer& layer : tissue_preset(name).layers) {
      out << "  " << layer.name << ": " << top * 1e3 << "-" << (top + layer.thickness) * 1e3
          << " mm, fluid fraction " << layer.fluid_fraction << "\n";
      top += layer.thickness;
    }
    for (const toml::node& item : *table["layers"].as_array())
      out << "    " << value_text(*item.as_table()->get("name")) << ": " << value_text(*item.as_table()->get("source"))
          << "\n";
  } else if (kind == "technique") {
    for (const auto& [key, node] : table) {
      const std::string k(key.str());
      if (k != "description" && k != "source") out << "  " << k << " = " << value_text(node) << "\n";
    }
    out << "  source: " << value_text(*table.get("source")) << "\n";
  } else {
    for (const auto& [key, node] : table) {
      const std::string k(key.str());
      if (k == "description" || k == "source" || k == "layers") continue;
      out << "  " << k << " = " << value_text(node) << "\n";
    }
    const double mw = parse_quantity(kind + " " + name + ".molecular_weight",
                                     *table["molecular_weight"].value<std::string>(), Dimension::of_molar_mass());
    out << "  lymph share of k_clearance: " << 100 * lymph_share(mw * 1e3) << " % (from molecular weight)\n";
    if (const toml::table* layers = table["layers"].as_table())
      for (const auto& [layer, values] : *layers) {
        out << "  in " << layer.str() << ":";
        if (const toml::table* entries = values.as_table())
          for (const auto& [key, value] : *entries) out << " " << key.str() << " = " << value_text(value) << ";";
        out << "\n";
      }
    out << "  source: " << value_text(*table.get("source")) << "\n";
  }
  return out.str();
}

}  // namespace mesosim
