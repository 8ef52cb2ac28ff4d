#include "scenarios/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <optional>
#include <set>
#include <sstream>
#include <toml++/toml.h>

#include "models/pattern.hpp"
#include "scenarios/presets.hpp"
#include "scenarios/reader.hpp"
#include "scenarios/units.hpp"
#include "solver/error.hpp"

namespace mesosim {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

namespace {

/// A boundary condition by name; `inherited`: the default of a key whose table default is another
/// key's (x_low ... from lateral).
BoundaryKind boundary_of(Reader& reader, const std::string& key, std::optional<BoundaryKind> inherited = std::nullopt) {
  const std::string name = inherited ? reader.text(key, std::string(to_string(*inherited)), "from lateral") : reader.text(key);
  try {
    return parse_boundary_kind(name);
  } catch (const InputError& e) {
    reader.fail(key, nullptr, e.what());
  }
}

/// Applies one --set override "a.b.c=value" to the parsed document.
void apply_override(toml::table& document, const std::string& assignment) {
  const auto equals = assignment.find('=');
  if (equals == std::string::npos || equals == 0)
    throw InputError("--set " + assignment + ": expected key=value, e.g. --set time.end=\"2 d\"");
  std::string key = assignment.substr(0, equals), value = assignment.substr(equals + 1);
  // The output interval has two names ([output] interval, and [time] output_interval of older
  // files): an override of one replaces a value the file gives under the other.
  auto erase = [&](const char* table_name, const char* entry) {
    if (toml::table* t = document[table_name].as_table()) t->erase(entry);
  };
  if (key == "output.interval") erase("time", "output_interval");
  if (key == "time.output_interval") erase("output", "interval");
  std::vector<std::string> parts;
  std::stringstream stream(key);
  for (std::string part; std::getline(stream, part, '.');) parts.push_back(part);
  toml::table* table = &document;
  for (std::size_t n = 0; n + 1 < parts.size(); ++n) {
    toml::node* next = table->get(parts[n]);
    if (!next) {
      table->insert(parts[n], toml::table{});
      next = table->get(parts[n]);
    }
    if (toml::array* array = next->as_array()) {
      // injections.0.depth: an index into a list of tables
      std::size_t index = 0;
      try {
        index = std::stoul(parts[++n]);
      } catch (const std::exception&) {
        throw InputError("--set " + assignment + ": '" + parts[n - 1] + "' is a list; give an index, e.g. " +
                         parts[n - 1] + ".0." + parts.back());
      }
      if (index >= array->size() || !array->get(index)->is_table())
        throw InputError("--set " + assignment + ": there is no " + parts[n - 1] + "[" + std::to_string(index) + "]");
      table = array->get(index)->as_table();
      if (n + 1 == parts.size()) throw InputError("--set " + assignment + ": the key after the index is missing");
      continue;
    }
    if (!next->is_table()) throw InputError("--set " + assignment + ": '" + parts[n] + "' is not a table");
    table = next->as_table();
  }
  // A value that reads as a TOML number or boolean stays one; anything else is a string.
  try {
    toml::table parsed = toml::parse("v = " + value);
    const toml::node* node = parsed.get("v");
    if (node->is_number() || node->is_boolean()) {
      table->insert_or_assign(parts.back(), *node);
      return;
    }
  } catch (const toml::parse_error&) {
  }
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  table->insert_or_assign(parts.back(), value);
}

}  // namespace

namespace {

Scenario resolve(toml::table& document, const std::string& path, const std::vector<std::string>& overrides);

/// toml++ 3.3.0 reaches undefined behaviour on some non-ASCII code points outside strings (found
/// by tests/fuzz/run.sh), and which bytes it treats as "inside a string" in a malformed file is its
/// own business. So the parser only ever sees ASCII: non-ASCII characters inside basic strings
/// become \uXXXX escapes (the same string), inside comments '?', and anywhere else (bare text,
/// literal strings) they are refused with their position.
std::string ascii_only(const std::string& text, const std::string& path) {
  enum class State { plain, basic, literal, multi_basic, multi_literal, comment } state = State::plain;
  std::string out;
  out.reserve(text.size());
  std::size_t line = 1, column = 0;
  auto fail = [&](const std::string& why) {
    std::ostringstream msg;
    msg << path << ":" << line << ":" << column << ": not valid TOML: " << why;
    throw InputError(msg.str());
  };
  for (std::size_t n = 0; n < text.size(); ++n) {
    const unsigned char ch = static_cast<unsigned char>(text[n]);
    ++column;
    if (ch >= 0x80) {
      // Decode one UTF-8 sequence.
      const int extra = (ch & 0xE0) == 0xC0 ? 1 : (ch & 0xF0) == 0xE0 ? 2 : (ch & 0xF8) == 0xF0 ? 3 : -1;
      if (extra < 0 || n + std::size_t(extra) >= text.size()) fail("invalid UTF-8");
      char32_t code = ch & (0x3F >> extra);
      for (int m = 1; m <= extra; ++m) {
        const unsigned char next = static_cast<unsigned char>(text[n + m]);
        if ((next & 0xC0) != 0x80) fail("invalid UTF-8");
        code = (code << 6) | (next & 0x3F);
      }
      n += std::size_t(extra);
      if (state == State::basic || state == State::multi_basic) {
        char escape[16];
        std::snprintf(escape, sizeof escape, code > 0xFFFF ? "\\U%08X" : "\\u%04X", unsigned(code));
        out += escape;
      } else if (state == State::comment) {
        out += '?';
      } else {
        fail("a non-ASCII character outside double quotes; write names and units in \"...\"");
      }
      continue;
    }
    auto starts = [&](const char* token) { return text.compare(n, std::strlen(token), token) == 0; };
    std::size_t skip = 0;  // further bytes of a token copied as they are
    switch (state) {
      case State::plain:
        if (ch == '#') state = State::comment;
        else if (starts("\"\"\"")) state = State::multi_basic, skip = 2;
        else if (starts("'''")) state = State::multi_literal, skip = 2;
        else if (ch == '"') state = State::basic;
        else if (ch == '\'') state = State::literal;
        break;
      case State::basic:
        if (ch == '\\' && n + 1 < text.size() && static_cast<unsigned char>(text[n + 1]) < 0x80) skip = 1;
        else if (ch == '"' || ch == '\n') state = State::plain;
        break;
      case State::literal:
        if (ch == '\'' || ch == '\n') state = State::plain;
        break;
      case State::multi_basic:
        if (ch == '\\' && n + 1 < text.size() && static_cast<unsigned char>(text[n + 1]) < 0x80) skip = 1;
        else if (starts("\"\"\"")) state = State::plain, skip = 2;
        break;
      case State::multi_literal:
        if (starts("'''")) state = State::plain, skip = 2;
        break;
      case State::comment:
        if (ch == '\n') state = State::plain;
        break;
    }
    for (std::size_t m = 0; m <= skip && n + m < text.size(); ++m) {
      const char c = text[n + m];
      out += c;
      if (c == '\n') {
        ++line;
        column = 0;
      }
    }
    n += skip;
    column += skip;
  }
  return out;
}

}  // namespace

toml::table parse_document(const std::string& text, const std::string& path) {
  const std::string ascii = ascii_only(text, path);
  try {
    return toml::parse(std::string_view(ascii), std::string_view(path));
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ":" << e.source().begin.line << ":" << e.source().begin.column << ": not valid TOML: "
        << e.description();
    throw InputError(msg.str());
  }
}

Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides) {
  std::ifstream in(path);
  std::error_code error;  // a name the system refuses (too long) is "no such file", not an exception
  if (!std::filesystem::exists(path, error) || !in) throw InputError(path + ": no such scenario file (or not readable)");
  std::ostringstream text;
  text << in.rdbuf();
  toml::table document = parse_document(text.str(), path);
  return resolve(document, path, overrides);
}

Scenario load_scenario_text(const std::string& text, const std::string& label,
                            const std::vector<std::string>& overrides) {
  toml::table document = parse_document(text, label);
  return resolve(document, label, overrides);
}

namespace {

/// An [[injections]] entry's keys, looked up in the entry first and then in its technique preset
/// (models/presets/techniques.toml): explicit keys override the technique's defaults. The same
/// for a sub-table (jitter, retrotracing), key by key.
struct LayeredKeys {
  Reader* entry = nullptr;      // the scenario's table (may be null for a sub-table it lacks)
  Reader* technique = nullptr;  // the preset's table, or null
  Reader& from(const std::string& key) {
    const bool in_technique = technique && technique->has(key);  // marks it read: an overridden default is fine
    if (entry && (entry->has(key) || !in_technique)) return *entry;
    return *technique;
  }
};

std::string millimetres(double metres) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", metres * 1e3);
  return text;
}

/// The closest name in `names` to `name` (edit distance below 4), for "did you mean".
std::string closest(const std::string& name, const std::vector<std::string>& names) {
  std::string best;
  std::size_t best_distance = 4;
  for (const std::string& candidate : names)
    if (const std::size_t d = edit_distance(name, candidate); d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  return best;
}

/// Whether `name` is one of a choice key's names.
bool allows(const Parameter& parameter, const std::string& name) {
  return std::find(parameter.choices.begin(), parameter.choices.end(), name) != parameter.choices.end();
}

/// Reads one [[injections]] entry (with its technique's defaults), expands its pattern over the
/// sessions and appends every deposit to `scenario.injections`; every tip and track end must lie
/// in the block, else an InputError names the key, the point, its coordinates and the fix.
void read_injection_entry(Reader& entry, int entry_index, const toml::table* cocktails, int n_sessions,
                          double session_interval, Scenario& scenario) {
  static const std::string technique_file = "models/presets/techniques.toml";
  std::optional<Reader> technique;
  if (entry.has("technique")) {
    const std::string name = entry.text("technique");
    try {
      technique.emplace(preset_table("technique", name), "technique " + name, technique_file, "presets.technique",
                        entry.record());
      technique->record_as(entry.prefix(), " (technique " + name + ")");
    } catch (const InputError& e) {
      entry.fail("technique", entry.find("technique"), e.what());
    }
    technique->text("description");
    technique->text("source");
  }
  LayeredKeys keys{&entry, technique ? &*technique : nullptr};

  Pattern p;
  {
    Reader& reader = keys.from("pattern");
    const std::string name = reader.text("pattern");
    try {
      p.kind = parse_pattern_kind(name);
    } catch (const InputError& e) {
      const std::string suggestion = closest(name, reader.entry("pattern").choices);
      reader.fail("pattern", reader.find("pattern"),
                  std::string(e.what()) + (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?"));
    }
  }
  // Keys of one pattern only: in the entry they must fit its pattern; a technique's are defaults.
  struct PatternKey {
    const char* key;
    std::vector<PatternKind> kinds;
  };
  using K = PatternKind;
  static const std::vector<PatternKey> pattern_keys = {
      {"position", {K::point, K::square, K::hex, K::line}}, {"spacing", {K::square, K::hex, K::line}},
      {"rows", {K::square, K::hex}},     {"columns", {K::square, K::hex}},     {"order", {K::square, K::hex}},
      {"count", {K::line}},              {"direction", {K::line}},             {"points", {K::list}}};
  static const char* takes[] = {"position", "position, spacing, rows, columns, order",
                                "position, spacing, rows, columns, order", "position, spacing, count, direction",
                                "points (absolute positions, no position)"};
  for (const PatternKey& pattern_key : pattern_keys) {
    const bool applies = std::find(pattern_key.kinds.begin(), pattern_key.kinds.end(), p.kind) != pattern_key.kinds.end();
    if (!applies && entry.has(pattern_key.key))
      entry.fail(pattern_key.key, entry.find(pattern_key.key),
                 std::string("does not apply to pattern \"") + to_string(p.kind) + "\"; it takes " + takes[int(p.kind)]);
    if (!applies && technique) technique->has(pattern_key.key);  // a technique's default for other patterns
  }
  if (p.kind != PatternKind::list) {
    const std::vector<double> position = keys.from("position").quantities("position");
    p.centre_x = position[0];
    p.centre_y = position[1];
  }
  if (p.kind == PatternKind::square || p.kind == PatternKind::hex || p.kind == PatternKind::line) {
    Reader& reader = keys.from("spacing");
    if (!reader.has("spacing"))
      reader.fail("spacing", nullptr, std::string("missing; a ") + to_string(p.kind) +
                                          " pattern needs the distance between neighbouring points, e.g. spacing = \"3 mm\"");
    p.spacing = reader.quantity("spacing");
  }
  if (p.kind == PatternKind::square || p.kind == PatternKind::hex) {
    p.n_rows = int(keys.from("rows").integer("rows"));
    p.n_columns = int(keys.from("columns").integer("columns"));
    Reader& reader = keys.from("order");
    const std::string order = reader.text("order");
    try {
      p.order = parse_pattern_order(order);
    } catch (const InputError& e) {
      reader.fail("order", reader.find("order"), e.what());
    }
  }
  if (p.kind == PatternKind::line) {
    p.n_points = int(keys.from("count").integer("count"));
    p.direction = keys.from("direction").quantity("direction");
  }
  if (p.kind == PatternKind::list) {
    Reader& reader = keys.from("points");
    const toml::node* node = reader.find("points");
    const toml::array* points = node ? node->as_array() : nullptr;
    if (!points || points->empty())
      reader.fail("points", node, "a list pattern needs points = [[\"10 mm\", \"12 mm\"], ...] (absolute x, y)");
    for (std::size_t n = 0; n < points->size(); ++n) {
      const std::string key = "points[" + std::to_string(n) + "]";
      const toml::array* pair = points->get(n)->as_array();
      if (!pair || pair->size() != 2)
        reader.fail(key, points->get(n), "must be a pair of lengths [\"x\", \"y\"], e.g. [\"10 mm\", \"12 mm\"]");
      p.points.push_back({reader.quantity_of(key, pair->get(0), reader.entry("points")),
                          reader.quantity_of(key, pair->get(1), reader.entry("points"))});
    }
  }
  p.depth = keys.from("depth").quantity("depth");
  p.start = keys.from("time").quantity("time");
  p.interval = keys.from("interval").quantity("interval");
  p.needle_angle = keys.from("needle_angle").quantity("needle_angle");
  p.needle_direction = keys.from("needle_direction").quantity("needle_direction");

  // jitter = { lateral, depth, seed } and retrotracing = { length, deposits }, key by key
  auto sub_table = [&](const std::string& name, const auto& read) {
    const toml::table* own = entry.table(name);
    const toml::table* preset = technique ? technique->table(name) : nullptr;
    if (!own && !preset) return;
    std::optional<Reader> own_reader, preset_reader;
    if (own) own_reader.emplace(*own, entry.key_path(name), scenario.file, entry.section() + "." + name, entry.record());
    if (preset)
      preset_reader.emplace(*preset, technique->key_path(name), technique_file, technique->section() + "." + name,
                            entry.record());
    if (preset) preset_reader->record_as(entry.key_path(name), " (" + technique->prefix() + ")");
    LayeredKeys sub{own_reader ? &*own_reader : nullptr, preset_reader ? &*preset_reader : nullptr};
    read(sub);
    if (own_reader) own_reader->finish();
    if (preset_reader) preset_reader->finish();
  };
  sub_table("jitter", [&](LayeredKeys& sub) {
    p.jitter.lateral = sub.from("lateral").quantity("lateral");
    p.jitter.depth = sub.from("depth").quantity("depth");
    p.jitter.seed = std::uint64_t(sub.from("seed").integer("seed"));
  });
  sub_table("retrotracing", [&](LayeredKeys& sub) {
    p.retrotracing.length = sub.from("length").quantity("length");
    p.retrotracing.n_deposits = int(sub.from("deposits").integer("deposits"));
  });

  Injection base;
  base.entry = entry_index;
  base.volume = keys.from("volume").quantity("volume");
  base.reservoir = entry.text("reservoir");
  if (const Parameter& reservoir = entry.entry("reservoir"); !allows(reservoir, base.reservoir)) {
    std::string names;
    for (std::size_t n = 0; n < reservoir.choices.size(); ++n)
      names += (n == 0 ? "\"" : n + 1 == reservoir.choices.size() ? " or \"" : ", \"") + reservoir.choices[n] + "\"";
    entry.fail("reservoir", entry.find("reservoir"), "'" + base.reservoir + "' is not a reservoir model; choose " + names +
                                                     " (" + reservoir.meaning + "; see docs/bleb.md)");
  }
  if (entry.has("rate") && base.reservoir != "darcy")
    entry.fail("rate", entry.find("rate"), "a flow rate applies to reservoir = \"darcy\" only (an instant deposit has none)");
  if (base.reservoir == "darcy") base.rate = entry.quantity("rate");  // default 0.01 mL/s: 0.05 mL over 5 s by hand [E]
  base.cocktail = entry.text("cocktail");
  const toml::table* cocktail = cocktails ? cocktails->get_as<toml::table>(base.cocktail) : nullptr;
  if (!cocktail) {
    std::string names;
    if (cocktails)
      for (const auto& [name, node] : *cocktails) names += (names.empty() ? "" : ", ") + std::string(name.str());
    entry.fail("cocktail", entry.find("cocktail"),
               "no cocktail named '" + base.cocktail + "' in [cocktails]" + (names.empty() ? "" : "; defined: " + names));
  }
  Reader cocktail_reader(*cocktail, "cocktails." + base.cocktail, scenario.file, "cocktails.<cocktail>", entry.record());
  for (const Component& component : scenario.components)
    base.concentration.push_back(cocktail_reader.quantity(component.name));
  cocktail_reader.finish();
  if (technique) technique->finish();
  entry.finish();

  // A plan the engine can hold: at most a million deposits per entry.
  const double n_deposits = double(n_tips(p)) * n_sessions * (p.retrotracing.length > 0.0 ? p.retrotracing.n_deposits : 1);
  if (n_deposits > 1e6) {
    std::ostringstream msg;
    msg << n_tips(p) << " points x " << n_sessions << " sessions x "
        << (p.retrotracing.length > 0.0 ? p.retrotracing.n_deposits : 1) << " deposits per point = " << n_deposits
        << " deposits; at most 1e6 per entry: use fewer points, sessions or retrotracing deposits";
    entry.fail("pattern", entry.find("pattern"), msg.str());
  }

  // One session must end before the next starts.
  const double session_length = double(n_tips(p) - 1) * p.interval;
  if (n_sessions > 1 && !(session_length < session_interval)) {
    std::ostringstream msg;
    msg << scenario.file << ": sessions.interval: " << session_interval << " s is not longer than one session of "
        << entry.key_path("pattern") << " (" << n_tips(p) << " points, " << session_length
        << " s from first to last); lengthen the session interval or shorten interval";
    throw InputError(msg.str());
  }

  // Every tip (after jitter) and every track end inside the block: below the surface, above the
  // bottom, within the lateral extent.
  const Grid& g = scenario.grid;
  const std::string box = "the tissue block (x 0-" + millimetres(g.length_x()) + " mm, y 0-" +
                          millimetres(g.length_y()) + " mm, depth 0-" + millimetres(g.depth()) + " mm)";
  const bool jittered = p.jitter.lateral > 0.0 || p.jitter.depth > 0.0;
  for (const Tip& tip : pattern_tips(p, n_sessions, session_interval)) {
    auto check = [&](double x, double y, double depth, bool track_end) {
      const bool lateral_out = !(x >= 0.0 && x <= g.length_x() && y >= 0.0 && y <= g.length_y());
      const bool above = !(depth > 0.0), below = !(depth < g.depth());
      if (!lateral_out && !above && !below) return;
      std::string what = "point " + std::to_string(tip.point);
      if (n_sessions > 1) what += " of session " + std::to_string(tip.session + 1);
      if (track_end) what += ": the shallow end of its retrotracing track";
      what += " at x = " + millimetres(x) + " mm, y = " + millimetres(y) + " mm, " + millimetres(depth) + " mm deep";
      if (jittered) what += " (after jitter)";
      std::string key, fix;
      if (track_end && above) {
        const double rise = p.retrotracing.length * cos_sin_degrees(p.needle_angle)[1];
        key = "retrotracing.length";
        fix = "at needle_angle " + std::to_string(int(std::lround(p.needle_angle))) + " a " +
              millimetres(p.retrotracing.length) + " mm track rises " + millimetres(rise) +
              " mm: shorten retrotracing.length, lower needle_angle or inject deeper";
        what += " lies above the skin surface";
      } else if (above) {
        key = "depth";
        fix = jittered ? "inject deeper or reduce jitter.depth" : "inject deeper";
        what += " lies above the skin surface";
      } else if (below) {
        key = "depth";
        fix = "inject shallower or deepen [domain] size";
        what += " lies outside " + box;
      } else {
        key = p.kind == PatternKind::list ? "points[" + std::to_string(tip.point) + "]" : "position";
        fix = p.kind == PatternKind::list ? "move the point into the block or enlarge [domain] size"
              : p.kind == PatternKind::point ? "move position or enlarge [domain] size"
                                             : "move position, reduce spacing or the number of points, or enlarge [domain] size";
        if (track_end) fix = "turn needle_direction, shorten retrotracing.length or " + fix;
        if (jittered) fix += " (jitter.lateral moves points by up to " + millimetres(p.jitter.lateral) + " mm)";
        what += " lies outside " + box;
      }
      const std::string top = key.substr(0, key.find_first_of(".["));
      entry.fail(key, entry.find(top), what + "; " + fix);
    };
    check(tip.x, tip.y, tip.depth, false);
    if (p.retrotracing.length > 0.0) {
      const auto [x, y, depth] = track_point(p, tip, p.retrotracing.length);
      check(x, y, depth, true);
    }
    for (Injection& deposit : tip_deposits(p, tip, base)) scenario.injections.push_back(std::move(deposit));
  }
}

Scenario resolve(toml::table& document, const std::string& path, const std::vector<std::string>& overrides) {
  Scenario scenario;
  scenario.file = path;
  for (const std::string& assignment : overrides) apply_override(document, assignment);

  std::vector<ResolvedKey>* record = &scenario.resolved;
  Reader root(document, "", scenario.file, "", record);
  scenario.name = root.text("name", std::filesystem::path(path).stem().string(), "the file name");

  // [domain]
  const toml::table* domain_table = root.table("domain");
  if (!domain_table) root.fail("domain", nullptr, "missing; a scenario needs a [domain] with size and cell");
  Reader domain(*domain_table, "domain", scenario.file, "domain", record);
  const std::vector<double> size = domain.quantities("size");
  double hx = 0, hz = 0;
  if (const toml::node* cell = domain.find("cell"); cell && cell->is_array()) {
    const std::vector<double> cells = domain.quantities("cell", 2);
    hx = cells[0];
    hz = cells[1];
  } else {
    hx = hz = domain.quantity("cell");
  }
  auto count = [&](double length, double h, const char* axis) {
    const double n = length / h;
    if (!(n <= 1e6))
      domain.fail("cell", domain.find("cell"), std::string("the ") + axis + " axis would have " + std::to_string(n) +
                                                   " cells; use larger cells (at most 1e6 per axis)");
    if (std::abs(n - std::round(n)) > 1e-6 * n)
      domain.fail("size", domain.find("size"), std::string("the ") + axis + " size is not a whole number of cells (" +
                                                   std::to_string(n) + "); adjust size or cell");
    return int(std::lround(n));
  };
  scenario.grid = Grid{count(size[0], hx, "x"), count(size[1], hx, "y"), count(size[2], hz, "depth"), hx, hz};
  if (const toml::table* bc_table = domain.table("boundaries")) {
    Reader bc(*bc_table, "domain.boundaries", scenario.file, "domain.boundaries", record);
    const BoundaryKind lateral = boundary_of(bc, "lateral");
    scenario.boundaries.x_low = boundary_of(bc, "x_low", lateral);
    scenario.boundaries.x_high = boundary_of(bc, "x_high", lateral);
    scenario.boundaries.y_low = boundary_of(bc, "y_low", lateral);
    scenario.boundaries.y_high = boundary_of(bc, "y_high", lateral);
    scenario.boundaries.bottom = boundary_of(bc, "bottom");
    bc.finish();
  }
  domain.finish();

  // [tissue] with [[tissue.layers]]
  const toml::table* tissue_table = root.table("tissue");
  if (!tissue_table) root.fail("tissue", nullptr, "missing; give the layer stack as [[tissue.layers]]");
  Reader tissue(*tissue_table, "tissue", scenario.file, "tissue", record);
  std::size_t index = 0;
  if (tissue.has("preset")) {
    if (tissue.has("layers"))
      tissue.fail("layers", tissue.find("layers"), "give either preset or [[tissue.layers]], not both");
    const std::string preset = tissue.text("preset");
    try {
      scenario.tissue = tissue_preset(preset);
    } catch (const InputError& e) {
      tissue.fail("preset", tissue.find("preset"), e.what());
    }
  } else {
    const toml::array* layers = tissue.array_of_tables("layers");
    if (!layers || layers->empty())
      tissue.fail("layers", nullptr, "missing; give [[tissue.layers]] or a preset (mesosim presets tissue)");
    for (const toml::node& item : *layers) {
      Reader layer_reader(*item.as_table(), "tissue.layers[" + std::to_string(index++) + "]", scenario.file,
                          "tissue.layers", record);
      const Layer layer = read_layer(layer_reader);
      layer_reader.finish();
      scenario.tissue.layers.push_back(layer);
    }
  }
  tissue.finish();

  // [[components]]: defaults for every layer, then [components.layers.NAME] overrides
  const toml::array* components = root.array_of_tables("components");
  if (!components || components->empty()) root.fail("components", nullptr, "missing; give at least one [[components]]");
  index = 0;
  for (const toml::node& item : *components) {
    Reader reader(*item.as_table(), "components[" + std::to_string(index++) + "]", scenario.file, "components", record);
    Component component;
    // A preset gives every layer its values; the component's own keys then override them in
    // every layer, and [components.layers.NAME] in one layer.
    if (reader.has("preset")) {
      const std::string preset = reader.text("preset");
      try {
        component = component_preset(preset, scenario.tissue);
      } catch (const InputError& e) {
        reader.fail("preset", reader.find("preset"), e.what());
      }
      component.name = reader.text("name", component.name, "the preset's");
    } else {
      component.name = reader.text("name", std::nullopt);
      component.in_layer.assign(scenario.tissue.layers.size(), SoluteInLayer{});
    }
    // A molecular weight (the preset's or the component's own) splits a total k_clearance between
    // blood and lymph (Supersaxo 1990); explicit k_blood / k_lymph win.
    component.molecular_weight = reader.quantity("molecular_weight", component.molecular_weight,
                                                 reader.has("preset") ? "the preset's" : "not given");
    std::optional<double> share;
    if (component.molecular_weight > 0.0) share = lymph_share(component.molecular_weight * 1e3);
    for (SoluteInLayer& in_layer : component.in_layer) in_layer = read_solute(reader, in_layer, share);
    if (const toml::table* per_layer = reader.table("layers")) {
      Reader layers_reader(*per_layer, reader.key_path("layers"), scenario.file, "components.layers", record);
      for (std::size_t n = 0; n < scenario.tissue.layers.size(); ++n)
        if (const toml::table* override_table = layers_reader.table(scenario.tissue.layers[n].name)) {
          Reader layer_reader(*override_table, layers_reader.key_path(scenario.tissue.layers[n].name), scenario.file,
                              "components.layers.<layer>", record);
          component.in_layer[n] = read_solute(layer_reader, component.in_layer[n], share);
          layer_reader.finish();
        }
      layers_reader.finish();
    }
    reader.finish();
    scenario.components.push_back(component);
  }

  // [cocktails.NAME]: component = "concentration"
  const toml::table* cocktails = root.table("cocktails");
  // [sessions]: the whole injection plan repeated `count` times, `interval` apart
  int n_sessions = 1;
  double session_interval = 0.0;
  static const toml::table empty;  // an absent optional table: its keys' defaults, recorded for check
  {
    const toml::table* sessions_table = root.table("sessions");
    Reader sessions(sessions_table ? *sessions_table : empty, "sessions", scenario.file, "sessions", record);
    n_sessions = int(sessions.integer("count"));
    if (n_sessions > 1 || sessions.has("interval")) session_interval = sessions.quantity("interval");
    sessions.finish();
  }
  // [[injections]]: each entry a pattern of tips, expanded over the sessions, then time-ordered
  const toml::array* injections = root.array_of_tables("injections");
  if (!injections || injections->empty()) root.fail("injections", nullptr, "missing; give at least one [[injections]]");
  index = 0;
  for (const toml::node& item : *injections) {
    Reader reader(*item.as_table(), "injections[" + std::to_string(index) + "]", scenario.file, "injections", record);
    read_injection_entry(reader, int(index++), cocktails, n_sessions, session_interval, scenario);
  }
  std::stable_sort(scenario.injections.begin(), scenario.injections.end(),
                   [](const Injection& a, const Injection& b) { return a.time < b.time; });
  for (const Injection& injection : scenario.injections)
    if (injection.reservoir != scenario.injections.front().reservoir)
      throw InputError(scenario.file + ": injections: entries " + std::to_string(scenario.injections.front().entry) +
                       " and " + std::to_string(injection.entry) + " use different reservoir models (" +
                       scenario.injections.front().reservoir + ", " + injection.reservoir +
                       "); one run uses one: set reservoir the same in every [[injections]] entry");
  if (cocktails) {
    Reader cocktails_reader(*cocktails, "cocktails", scenario.file);
    for (const auto& [name, node] : *cocktails) cocktails_reader.find(std::string(name.str()));
    cocktails_reader.finish();
  }

  // [time]
  const toml::table* time_table = root.table("time");
  if (!time_table) root.fail("time", nullptr, "missing; give [time] with end = \"7 d\"");
  Reader time(*time_table, "time", scenario.file, "time", record);
  scenario.end_time = time.quantity("end");
  scenario.output_interval = time.quantity("output_interval");
  scenario.integrator.scheme = time.text("scheme");
  if (!allows(time.entry("scheme"), scenario.integrator.scheme))
    time.fail("scheme", time.find("scheme"), "'" + scenario.integrator.scheme + "' is not a scheme; choose \"implicit\" or \"explicit\"");
  scenario.integrator.adaptive = scenario.integrator.scheme == "implicit";
  scenario.integrator.tolerance = time.quantity("tolerance");
  if (time.has("step")) {
    scenario.integrator.fixed_step = time.quantity("step");
    scenario.integrator.adaptive = false;
  }
  {
    const auto last = std::max_element(scenario.injections.begin(), scenario.injections.end(),
                                       [](const Injection& a, const Injection& b) { return a.time < b.time; });
    if (!(last->time < scenario.end_time)) {
      std::ostringstream msg;
      msg << "the run ends at " << scenario.end_time / 86400.0 << " d but the last injection (injections["
          << last->entry << "], point " << last->point;
      if (n_sessions > 1) msg << ", session " << last->session + 1 << " of " << n_sessions;
      msg << ") is at " << last->time / 86400.0 << " d = " << last->time
          << " s; set end later than that, plus the follow-up to watch";
      time.fail("end", time.find("end"), msg.str());
    }
  }
  time.finish();

  // [metrics]: target layers (default: the layer of the first tip), treated radius around each
  // injection, threshold per component (default 1 % of its highest syringe concentration).
  {
    const toml::table* metrics_table = root.table("metrics");
    Reader metrics(metrics_table ? *metrics_table : empty, "metrics", scenario.file, "metrics", record);
    for (const Injection& injection : scenario.injections) scenario.target.centres.emplace_back(injection.x, injection.y);
    scenario.target.radius = metrics.quantity("treated_radius");
    if (const toml::node* layers_node = metrics.find("target_layers")) {
      const toml::array* names = layers_node->as_array();
      if (!names || names->empty()) metrics.fail("target_layers", layers_node, "must be a list of layer names");
      for (const toml::node& name_node : *names) {
        const std::optional<std::string> name = name_node.value<std::string>();
        std::size_t found = scenario.tissue.layers.size();
        for (std::size_t n = 0; name && n < scenario.tissue.layers.size(); ++n)
          if (scenario.tissue.layers[n].name == *name) found = n;
        if (found == scenario.tissue.layers.size()) {
          std::string known;
          for (const Layer& layer : scenario.tissue.layers) known += (known.empty() ? "'" : ", '") + layer.name + "'";
          metrics.fail("target_layers", &name_node, "no layer named " + (name ? "'" + *name + "'" : std::string("(not a string)")) +
                                                        "; layers: " + known);
        }
        scenario.target.layers.push_back(found);
      }
    } else {
      scenario.target.layers.push_back(scenario.tissue.layer_at(scenario.injections.front().depth));
    }
    const toml::table* thresholds = metrics.table("threshold");
    Reader threshold_reader(thresholds ? *thresholds : empty, "metrics.threshold", scenario.file, "metrics.threshold",
                            record);
    for (std::size_t c = 0; c < scenario.components.size(); ++c) {
      double highest = 0.0;
      for (const Injection& injection : scenario.injections) highest = std::max(highest, injection.concentration[c]);
      scenario.target.threshold.push_back(threshold_reader.quantity(scenario.components[c].name, 0.01 * highest,
                                                                    "1 % of its highest syringe concentration"));
    }
    threshold_reader.finish();
    metrics.finish();
  }

  // [output]
  {
    const toml::table* output_table = root.table("output");
    Reader output(output_table ? *output_table : empty, "output", scenario.file, "output", record);
    scenario.output_directory = output.text("directory");
    if (output.has("interval") && time_table->contains("output_interval"))
      output.fail("interval", output.find("interval"), "given twice: also as [time] output_interval (its older name); keep one");
    scenario.output_interval = output.quantity("interval", scenario.output_interval, "[time] output_interval");
    scenario.snapshot_interval = output.quantity("snapshot_interval");
    scenario.checkpoint_interval = output.quantity("checkpoint_interval");
    output.finish();
  }
  root.finish();

  // Physics-level checks (layers cover the domain, ranges) with the file named.
  try {
    scenario.grid.validate();
    scenario.tissue.validate(scenario.grid.depth());
    for (const Component& component : scenario.components) component.validate(scenario.tissue.layers.size());
  } catch (const InputError& e) {
    throw InputError(path + ": " + e.what());
  }
  return scenario;
}

}  // namespace
}  // namespace mesosim
