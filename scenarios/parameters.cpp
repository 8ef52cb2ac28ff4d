#include "scenarios/parameters.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>

#include "models/component.hpp"
#include "models/tissue.hpp"
#include "scenarios/presets.hpp"
#include "scenarios/scenario.hpp"

namespace mesosim {

std::string unit_name(const Dimension& d);

namespace {

std::string number_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

/// Builds one table entry: P("time.end", ParameterKind::quantity, "meaning").time().required().above(0).
struct P {
  Parameter p;
  P(std::string key, ParameterKind kind, std::string meaning) {
    p.key = std::move(key);
    p.kind = kind;
    p.meaning = std::move(meaning);
    p.default_text = "none";
  }
  P& dim(Dimension d) { return p.dimension = d, *this; }
  P& length() { return dim(Dimension::of_length()); }
  P& time() { return dim(Dimension::of_time()); }
  P& rate() { return dim(Dimension::of_rate()); }
  P& list_of(int n) { return p.list_length = n, *this; }
  P& value(double v) {
    p.number_default = v;
    p.default_text = number_text(v);
    if (p.kind == ParameterKind::quantity && !(p.dimension == Dimension::none()))
      p.default_text += " " + unit_name(p.dimension);
    return *this;
  }
  P& text(std::string v, std::string shown) {
    p.text_default = std::move(v);
    p.default_text = std::move(shown);
    p.sentinel_default = true;
    return *this;
  }
  P& text(std::string v) { return p.default_text = "\"" + v + "\"", p.text_default = std::move(v), *this; }
  P& shown(std::string text) { return p.default_text = std::move(text), p.sentinel_default = true, *this; }  ///< after value(): a sentinel's meaning
  P& required(std::string shown = "required") { return p.default_text = std::move(shown), *this; }
  P& inherit(std::string shown) { return p.inherited = true, p.default_text = std::move(shown), *this; }
  P& above(double v) { return p.minimum = v, p.exclusive_minimum = true, *this; }
  P& at_least(double v) { return p.minimum = v, p.exclusive_minimum = false, *this; }
  P& at_most(double v, std::string message = "") { return p.maximum = v, p.maximum_message = std::move(message), *this; }
  P& below(double v, std::string message = "") { return at_most(v, std::move(message)), p.exclusive_maximum = true, *this; }
  P& choose(std::vector<std::string> names) { return p.choices = std::move(names), *this; }
  operator Parameter() const { return p; }
};

using K = ParameterKind;

std::string solute_default(double value, const char* unit) {
  return number_text(value) + (*unit ? std::string(" ") + unit : "") + ", or the preset's";
}

std::vector<Parameter> build_table() {
  const Layer layer = calibrated_layer();
  const SoluteInLayer solute;
  const Scenario scenario;
  const IntegratorSettings integrator;
  const Dimension none = Dimension::none();
  const std::vector<std::string> boundary_kinds = {"no_flux", "sink", "periodic"};
  const std::string calibrated = " (the calibrated dermis)";
  constexpr double max_points = 100000;  // per row, column or line
  return {
      P("name", K::text, "display name").inherit("the file name"),
      P("domain", K::table, "the tissue block and its grid").required(),
      P("domain.size", K::quantity_list, "x, y, depth of the block; each a whole number of cells").length().list_of(3).required().above(0),
      P("domain.cell", K::quantity, "cell size, or a list [lateral, vertical]").length().required().above(0),
      P("domain.boundaries", K::table, "boundary conditions of the sides and the bottom; the top is always no_flux").text("", "all no_flux"),
      P("domain.boundaries.lateral", K::choice, "x_low, x_high, y_low and y_high at once (periodic: pairs only)").text("no_flux").choose(boundary_kinds),
      P("domain.boundaries.x_low", K::choice, "the side x = 0").inherit("lateral").choose(boundary_kinds),
      P("domain.boundaries.x_high", K::choice, "the side x = size x").inherit("lateral").choose(boundary_kinds),
      P("domain.boundaries.y_low", K::choice, "the side y = 0").inherit("lateral").choose(boundary_kinds),
      P("domain.boundaries.y_high", K::choice, "the side y = size y").inherit("lateral").choose(boundary_kinds),
      P("domain.boundaries.bottom", K::choice, "the bottom of the block").text("no_flux").choose(boundary_kinds),

      P("tissue", K::table, "the layer stack: a preset or [[tissue.layers]]").required(),
      P("tissue.preset", K::choice, "a tissue preset by body site, instead of [[tissue.layers]]").choose(preset_names("tissue")),
      P("tissue.layers", K::list_of_tables, "the layers from the surface down; they must reach the bottom of the block").required("required without preset"),
      P("tissue.layers.name", K::text, "layer name (for [components.layers.NAME] and target_layers)").required(),
      P("tissue.layers.thickness", K::quantity, "layer thickness").length().required().above(0),
      P("tissue.layers.fluid_fraction", K::quantity, "interstitial fluid volume fraction phi0").dim(none).required().above(0)
          .at_most(1, "fluid fraction must be in (0, 1]"),
      P("tissue.layers.storage", K::quantity, "S0, interstitial compliance at small swelling (docs/bleb.md)").dim({1, -1, 2}).value(layer.storage).above(0),
      P("tissue.layers.hydraulic_conductivity", K::quantity, "K0 = permeability / viscosity").dim({3, -1, 1}).value(layer.hydraulic_conductivity).at_least(0),
      P("tissue.layers.bleb_half_life", K::quantity, "half-life of the excess fluid (0: no removal)").time().value(layer.bleb_half_life).at_least(0),
      P("tissue.layers.strain_stiffening", K::quantity, "m in K0 exp(m e)").dim(none).value(layer.strain_stiffening).at_least(0).at_most(10),
      P("tissue.layers.pressure_stiffening", K::quantity, "beta, the stiffening of the compliance with swelling").dim(none).value(layer.pressure_stiffening).at_least(0).at_most(20),
      P("tissue.layers.relaxation_fraction", K::quantity, "a, the share of the swelling that relaxes").dim(none).value(layer.relaxation_fraction).at_least(0).at_most(0.99),
      P("tissue.layers.relaxation_time", K::quantity, "tau, the relaxation time of the swelling law").time().value(layer.relaxation_time).at_least(0),

      P("components", K::list_of_tables, "one entry per solute of the cocktails").required("at least one"),
      P("components.preset", K::choice, "a component preset; the component's own keys then override it in every layer").choose(preset_names("component")),
      P("components.name", K::text, "component name (for cocktails and thresholds)").inherit("required, or the preset's"),
      P("components.molecular_weight", K::quantity, "splits k_clearance between blood and lymph (Supersaxo 1990); 0: not given").dim(Dimension::of_molar_mass())
          .inherit("0, or the preset's").at_least(0),
      P("components.diffusivity", K::quantity, "effective diffusivity D in the fluid").dim(Dimension::of_diffusivity())
          .inherit(solute_default(solute.diffusivity, "m^2/s")).at_least(0),
      P("components.k_clearance", K::quantity, "total uptake, split by molecular_weight; k_blood and k_lymph given win").rate().required("none").at_least(0),
      P("components.k_blood", K::quantity, "capillary (blood) uptake rate").rate().inherit(solute_default(solute.k_blood, "1/s")).at_least(0),
      P("components.k_lymph", K::quantity, "lymphatic uptake rate").rate().inherit(solute_default(solute.k_lymph, "1/s")).at_least(0),
      P("components.k_degradation", K::quantity, "degradation rate in the fluid").rate().inherit(solute_default(solute.k_degradation, "1/s")).at_least(0),
      P("components.available_fraction", K::quantity, "fraction f of the fluid open to the solute").dim(none)
          .inherit(solute_default(solute.available_fraction, "")).above(0).at_most(1),
      P("components.partition", K::quantity, "partition coefficient P: c = P u").dim(none).inherit(solute_default(solute.partition, "")).above(0),
      P("components.k_on", K::quantity, "binding to the immobile compartment").rate().inherit(solute_default(solute.k_on, "1/s")).at_least(0),
      P("components.k_off", K::quantity, "release from the immobile compartment").rate().inherit(solute_default(solute.k_off, "1/s")).at_least(0),
      P("components.k_cell", K::quantity, "consumption of the bound amount (cellular uptake)").rate().inherit(solute_default(solute.k_cell, "1/s")).at_least(0),
      P("components.layers", K::table, "per-layer values, by layer name").required("none"),
      P("components.layers.<layer>", K::table, "the component's keys from diffusivity to k_cell, in one layer, over its values").inherit("the component's"),

      P("cocktails", K::table, "the syringe contents, by name").required("none"),
      P("cocktails.<cocktail>", K::table, "one cocktail: a concentration per component").required("none"),
      P("cocktails.<cocktail>.<component>", K::quantity, "concentration of the component in the syringe").dim(Dimension::of_concentration()).value(0).at_least(0),

      P("sessions", K::table, "the whole injection plan repeated").text("", "1 session"),
      P("sessions.count", K::whole_number, "number of sessions; session s (0-based) is shifted by s x interval").value(1).at_least(1).at_most(1000),
      P("sessions.interval", K::quantity, "time between sessions; longer than one session").time().required("required when count > 1").above(0),

      P("injections", K::list_of_tables, "one entry per pattern of needle points").required("at least one"),
      P("injections.technique", K::choice, "a technique preset that supplies defaults for the keys of this entry").choose(preset_names("technique")),
      P("injections.cocktail", K::text, "name of a [cocktails.NAME] table").required(),
      P("injections.volume", K::quantity, "volume per needle point (a retrotraced track shares it)").dim(Dimension::of_volume()).required("required (or the technique's)").above(0),
      P("injections.depth", K::quantity, "tip depth below the surface").length().required("required (or the technique's)").above(0),
      P("injections.time", K::quantity, "when the first point is injected").time().value(0).at_least(0),
      P("injections.interval", K::quantity, "time between consecutive points of a session").time().value(0).at_least(0),
      P("injections.reservoir", K::choice, "instant: the cocktail fills a ball around the tip at once; darcy: pushed in by interstitial flow").text("darcy")
          .choose({"instant", "darcy"}),
      P("injections.rate", K::quantity, "flow rate of the injection (darcy only)").dim(Dimension::of_flow()).value(0.01e-6).above(0),
      P("injections.pattern", K::choice, "the arrangement of the needle points").text("point").choose({"point", "square", "hex", "line", "list"}),
      P("injections.position", K::quantity_list, "x, y of the point, or the centre of a grid or line (all but list)").length().list_of(2).required().above(0),
      P("injections.spacing", K::quantity, "distance between neighbouring points (square, hex, line)").length().required("required for square, hex, line").above(0),
      P("injections.rows", K::whole_number, "rows along y (square, hex)").required("required for square, hex").at_least(1).at_most(max_points),
      P("injections.columns", K::whole_number, "points along x in each row (square, hex)").required("required for square, hex").at_least(1).at_most(max_points),
      P("injections.order", K::choice, "rows: raster; serpentine: every second row reversed (square, hex)").text("rows").choose({"rows", "serpentine"}),
      P("injections.count", K::whole_number, "points on a line").required("required for line").at_least(1).at_most(max_points),
      P("injections.direction", K::quantity, "line direction in degrees from +x toward +y").dim(none).value(0),
      P("injections.points", K::list, "[[x, y], ...]: absolute positions, injected in this order (list only)").length().required("required for list"),
      P("injections.needle_angle", K::quantity, "degrees from the skin surface, 90 = perpendicular").dim(none).value(90).above(0)
          .at_most(90, "is in degrees from the skin surface: more than 0, at most 90 (perpendicular)"),
      P("injections.needle_direction", K::quantity, "degrees from +x toward +y: the needle's heading as it goes in").dim(none).value(0),
      P("injections.jitter", K::table, "random scatter of each tip, reproducible by seed").text("", "no jitter"),
      P("injections.jitter.lateral", K::quantity, "radius of the disc of lateral offsets").length().value(0).at_least(0),
      P("injections.jitter.depth", K::quantity, "depth offsets uniform in +-depth").length().value(0).at_least(0),
      P("injections.jitter.seed", K::whole_number, "seed of the entry's random numbers").value(0).at_least(0).at_most(1e9),
      P("injections.retrotracing", K::table, "the volume laid along the needle track as it withdraws").text("", "one deposit at the tip"),
      P("injections.retrotracing.length", K::quantity, "length of the track behind the tip").length().required().above(0),
      P("injections.retrotracing.deposits", K::whole_number, "equal deposits at the midpoints of equal segments").required().at_least(1).at_most(1000),

      P("time", K::table, "the simulated time and its stepping").required(),
      P("time.end", K::quantity, "simulated time; after the last injection").time().required().above(0),
      P("time.scheme", K::choice, "implicit: adaptive steps; explicit: fixed steps").text(integrator.scheme).choose({"implicit", "explicit"}),
      P("time.tolerance", K::quantity, "adaptive local error per step, relative to the peak").dim(none).value(integrator.tolerance).above(0)
          .below(1, "must be below 1, e.g. 1e-3"),
      P("time.step", K::quantity, "a fixed step instead of adaptive ones").time().required("adaptive (explicit: the stable limit)").above(0),
      P("time.output_interval", K::quantity, "the older name of [output] interval; give one of them").time().value(scenario.output_interval).above(0),

      P("metrics", K::table, "where coverage and uniformity are judged").text("", "the defaults below"),
      P("metrics.target_layers", K::list, "names of the target layers").required("the layer of the first tip"),
      P("metrics.treated_radius", K::quantity, "lateral distance from any injection that counts as treated").length().value(5e-3).above(0),
      P("metrics.threshold", K::table, "concentration that counts as covered, by component").text("", "1 % of the highest syringe concentration"),
      P("metrics.threshold.<component>", K::quantity, "the component's threshold").dim(Dimension::of_concentration())
          .inherit("1 % of its highest syringe concentration").at_least(0),

      P("output", K::table, "where and how often results are written").text("", "the defaults below"),
      P("output.directory", K::text, "where results go (refused if it holds results, unless --force)").text("", "results/NAME-DATE-TIME"),
      P("output.interval", K::quantity, "simulated time between metrics and ledger rows (--output-interval)").time().inherit("[time] output_interval").above(0),
      P("output.snapshot_interval", K::quantity, "simulated time between 3-D snapshots, rounded to output intervals (--snapshot-interval)")
          .time().value(scenario.snapshot_interval).shown("geometric: 0, 5, 15, 30 min, 1, 2, 4, 8, 12 h after each session, then daily").above(0),
      P("output.checkpoint_interval", K::quantity, "wall-clock time between checkpoints (--checkpoint-every)").time().value(scenario.checkpoint_interval).above(0),

      P("presets.tissue.description", K::text, "one line on the body site").text("", "empty"),
      P("presets.tissue.layers", K::list_of_tables, "the layers, with the keys of [[tissue.layers]]").required(),
      P("presets.tissue.layers.source", K::text, "where the layer's values come from, with evidence tags; the other keys: [[tissue.layers]]").required(),
      P("presets.component.description", K::text, "one line on the component").text("", "empty"),
      P("presets.component.source", K::text, "where the values come from, with evidence tags; the other keys: [[components]]").required(),
      P("presets.component.molecular_weight", K::quantity, "splits k_clearance between blood and lymph").dim(Dimension::of_molar_mass()).required().above(0),
      P("presets.component.layers", K::table, "per-layer values by layer name; layers of other tissues are skipped").required("none"),
      // The other keys of a component preset are those of [[components]], of a technique those of [[injections]].
      P("presets.technique.description", K::text, "one line on the technique").text("", "empty"),
      P("presets.technique.source", K::text, "where each default comes from; the other keys: those of [[injections]], as defaults").required(),
  };
}

/// The section a preset file's (or a per-layer table's) keys extend.
const std::map<std::string, std::string>& extensions() {
  static const std::map<std::string, std::string> map = {
      {"presets.tissue.layers", "tissue.layers"},
      {"presets.component", "components"},
      {"presets.component.layers", "components.layers"},
      {"presets.component.layers.<layer>", "components"},
      {"components.layers.<layer>", "components"},
      {"presets.technique", "injections"},
      {"presets.technique.jitter", "injections.jitter"},
      {"presets.technique.retrotracing", "injections.retrotracing"},
  };
  return map;
}

std::string parent_of(const std::string& key) {
  const auto dot = key.rfind('.');
  return dot == std::string::npos ? std::string() : key.substr(0, dot);
}

const Parameter* find_in(const std::string& section, const std::string& key) {
  const std::string full = section.empty() ? key : section + "." + key;
  const Parameter* placeholder = nullptr;
  for (const Parameter& p : parameters()) {
    if (p.key == full) return &p;
    if (!placeholder && parent_of(p.key) == section && p.key.size() > section.size() + 1 &&
        p.key[section.empty() ? 0 : section.size() + 1] == '<')
      placeholder = &p;
  }
  return placeholder;
}

}  // namespace

std::string unit_name(const Dimension& d) {
  if (d == Dimension{1, -1, 2}) return "1/Pa";
  if (d == Dimension{3, -1, 1}) return "m^2/(Pa s)";
  return to_string(d);
}

const std::vector<Parameter>& parameters() {
  static const std::vector<Parameter> table = build_table();
  return table;
}

const Parameter& parameter(const std::string& section, const std::string& key) {
  for (std::string s = section;;) {
    if (const Parameter* p = find_in(s, key)) return *p;
    const auto next = extensions().find(s);
    if (next == extensions().end()) break;
    s = next->second;
  }
  throw std::logic_error("scenario key '" + key + "' of section '" + section +
                         "' is not in the parameter table (scenarios/parameters.cpp)");
}

std::string unit_text(const Parameter& p) {
  switch (p.kind) {
    case K::quantity: return unit_name(p.dimension);
    case K::quantity_list: return std::to_string(p.list_length) + " x " + unit_name(p.dimension);
    case K::whole_number: return "whole number";
    case K::text: return "text";
    case K::choice: return "name";
    case K::table: return "table";
    case K::list_of_tables: return "list of tables";
    case K::list: return "list";
  }
  return "";
}

std::string range_text(const Parameter& p) {
  const bool low = std::isfinite(p.minimum), high = std::isfinite(p.maximum);
  if (!low && !high) return "";
  if (!high) return (p.exclusive_minimum ? "> " : ">= ") + number_text(p.minimum);
  if (!low) return (p.exclusive_maximum ? "< " : "<= ") + number_text(p.maximum);
  return (p.exclusive_minimum ? "(" : "[") + number_text(p.minimum) + ", " + number_text(p.maximum) +
         (p.exclusive_maximum ? ")" : "]");
}

namespace {

std::string choices_text(const Parameter& p, const char* quote) {
  std::string text;
  for (const std::string& name : p.choices) text += (text.empty() ? "" : ", ") + (quote + name + quote);
  return text;
}

/// The heading of the table that holds `section`'s keys: "top level", "[domain]", "[[injections]]".
std::string heading(const std::string& section) {
  if (section.empty()) return "top level";
  static const std::map<std::string, std::string> presets = {
      {"presets.tissue", "[NAME] in models/presets/tissues.toml"},
      {"presets.tissue.layers", "[[NAME.layers]] in models/presets/tissues.toml"},
      {"presets.component", "[NAME] in models/presets/components.toml"},
      {"presets.technique", "[NAME] in models/presets/techniques.toml"}};
  if (const auto found = presets.find(section); found != presets.end()) return found->second;
  for (const Parameter& p : parameters())
    if (p.key == section) return p.kind == K::list_of_tables ? "[[" + section + "]]" : "[" + section + "]";
  return "[" + section + "]";
}

/// The table's sections in the order of their first key, each with its keys in table order.
std::vector<std::pair<std::string, std::vector<const Parameter*>>> sections() {
  std::vector<std::pair<std::string, std::vector<const Parameter*>>> groups;
  for (const Parameter& p : parameters()) {
    const std::string section = parent_of(p.key);
    auto group = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == section; });
    if (group == groups.end()) group = groups.insert(groups.end(), {section, {}});
    group->second.push_back(&p);
  }
  return groups;
}

}  // namespace

std::string describe_keys() {
  std::ostringstream out;
  for (const auto& [section, keys] : sections()) {
    out << (out.tellp() > 0 ? "\n" : "") << heading(section) << "\n";
    for (const Parameter* p : keys) {
      const std::string range = range_text(*p);
      out << "  " << p->key.substr(section.empty() ? 0 : section.size() + 1) << " ("
          << (p->kind == K::choice ? choices_text(*p, "") : unit_text(*p)) << (range.empty() ? "" : ", " + range)
          << "; default " << p->default_text << "): " << p->meaning << "\n";
    }
  }
  return out.str();
}

std::string describe_keys_markdown() {
  std::ostringstream out;
  for (const auto& [section, keys] : sections()) {
    std::string title = heading(section);
    if (const auto in = title.find(" in "); in != std::string::npos)
      title = "`" + title.substr(0, in) + "` in `" + title.substr(in + 4) + "`";
    else if (!section.empty())
      title = "`" + title + "`";
    out << (out.tellp() > 0 ? "\n" : "") << "### " << title << "\n\n"
        << "| key | unit | default | range | meaning |\n|---|---|---|---|---|\n";
    for (const Parameter* p : keys)
      out << "| `" << p->key.substr(section.empty() ? 0 : section.size() + 1) << "` | "
          << (p->kind == K::choice ? choices_text(*p, "`") : unit_text(*p)) << " | " << p->default_text << " | "
          << range_text(*p) << " | " << p->meaning << " |\n";
  }
  return out.str();
}

std::string describe_resolved(const std::vector<ResolvedKey>& resolved) {
  std::ostringstream out;
  out << "keys (SI; * = default):\n";
  for (const ResolvedKey& key : resolved)
    out << "  " << key.key << " = " << key.value << (key.by_default ? " *" : "") << "\n";
  return out.str();
}

}  // namespace mesosim
