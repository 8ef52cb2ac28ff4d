#include "scenarios/sweep.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "scenarios/reader.hpp"

namespace mesosim {

namespace {

constexpr std::size_t max_cases = 100000;

/// One factor of the product: a list of assignments per level.
using Factor = std::vector<std::vector<std::pair<std::string, std::string>>>;

std::string format_number(double value) {
  char text[64];
  std::snprintf(text, sizeof text, "%.10g", value);
  return text;
}

/// "4.5 mm" -> (4.5, "mm"); a bare number gives an empty unit.
std::pair<double, std::string> split_quantity(const std::string& text, const std::string& where) {
  const char* start = text.c_str();
  char* end = nullptr;
  const double value = std::strtod(start, &end);
  if (end == start || !std::isfinite(value))
    throw InputError(where + ": '" + text + "' does not start with a number, e.g. \"2 mm\"");
  std::string unit(end);
  unit.erase(0, unit.find_first_not_of(' '));
  return {value, unit};
}

/// A TOML value as the text --set would receive (strings as they are, numbers formatted).
std::string value_text(const toml::node& node, const std::string& where) {
  if (const auto* s = node.as_string()) return s->get();
  if (const auto* i = node.as_integer()) return std::to_string(i->get());
  if (const auto* f = node.as_floating_point()) return format_number(f->get());
  if (const auto* b = node.as_boolean()) return b->get() ? "true" : "false";
  throw InputError(where + ": values must be strings with units (\"2 mm\"), numbers or booleans");
}

/// Raw-bit uniform numbers in [0, 1): the same on every platform for a seed.
class Uniform {
 public:
  explicit Uniform(std::uint64_t seed) : engine_(seed) {}
  double operator()() { return double(engine_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 engine_;
};

struct Range {
  std::string key;
  double from = 0, to = 0;
  std::string unit;
};

Range read_range(const std::string& file, const std::string& key, const std::string& key_path,
                 const toml::table& table, bool with_count, long* count) {
  Reader range(table, key_path, file);
  const std::string where = range.where(&table) + ": " + key_path;
  const toml::node* from_node = range.find("from");
  const toml::node* to_node = range.find("to");
  if (!from_node || !to_node) throw InputError(where + ": a range needs from and to, e.g. { from = \"2 mm\", to = \"8 mm\"" +
                                               std::string(with_count ? ", count = 4 }" : " }"));
  auto [from, from_unit] = split_quantity(value_text(*from_node, where + ".from"), where + ".from");
  auto [to, to_unit] = split_quantity(value_text(*to_node, where + ".to"), where + ".to");
  if (from_unit != to_unit)
    throw InputError(where + ": from and to must use the same unit ('" + from_unit + "' vs '" + to_unit + "')");
  if (with_count) {
    *count = range.integer("count", std::nullopt, 1);
    if (*count > long(max_cases)) range.fail("count", range.find("count"), "at most 100000 values");
    if (*count == 1 && from != to) range.fail("count", range.find("count"), "1 value cannot span from .. to; use a list");
  }
  range.finish();
  return {key, from, to, from_unit};
}

std::string range_value(const Range& range, double fraction) {
  const double value = range.from + (range.to - range.from) * fraction;
  return range.unit.empty() ? format_number(value) : format_number(value) + " " + range.unit;
}

}  // namespace

std::pair<int, int> parse_shard(const std::string& text) {
  int index = -1, count = 0;
  char slash = 0;
  std::istringstream in(text);
  if (!(in >> index >> slash >> count) || slash != '/' || !in.eof() || count < 1 || index < 0 || index >= count)
    throw InputError("--shard " + text + ": expected i/N with 0 <= i < N, e.g. --shard 0/4");
  return {index, count};
}

Sweep load_sweep(const std::string& path) {
  std::ifstream in(path);
  std::error_code error;  // a name the system refuses (too long) is "no such file", not an exception
  if (!std::filesystem::exists(path, error) || !in) throw InputError(path + ": no such sweep file (or not readable)");
  std::ostringstream text;
  text << in.rdbuf();
  return load_sweep_text(text.str(), path);
}

Sweep load_sweep_text(const std::string& text, const std::string& path) {
  toml::table document = parse_document(text, path);
  Sweep sweep;
  sweep.file = path;
  Reader root(document, "", path);
  sweep.name = root.text("name", std::filesystem::path(path).stem().string());
  const std::string base = root.text("base");
  const std::filesystem::path base_path = std::filesystem::path(path).parent_path() / base;
  sweep.base = std::filesystem::path(base).is_absolute() ? base : base_path.lexically_normal().string();
  std::error_code error;  // e.g. a file name longer than the system allows (ENAMETOOLONG)
  if (!std::filesystem::exists(sweep.base, error))
    root.fail("base", root.find("base"),
              "'" + sweep.base + "' does not exist (the path is relative to the sweep file)" +
                  (error ? " (" + error.message() + ")" : std::string()));
  if (const toml::node* set = root.find("set")) {
    const toml::array* list = set->as_array();
    if (!list) root.fail("set", set, "a list of \"key=value\" strings, e.g. [\"time.end=2 d\"]");
    for (const toml::node& item : *list) {
      const auto* assignment = item.as_string();
      if (!assignment || assignment->get().find('=') == std::string::npos)
        root.fail("set", &item, "each entry is a \"key=value\" string, e.g. \"time.end=2 d\"");
      sweep.fixed.push_back(assignment->get());
    }
  }
  if (const toml::table* run = root.table("run")) {
    Reader reader(*run, "run", path);
    sweep.snapshot_interval = reader.text("snapshot_interval", std::string());
    if (const toml::node* f = reader.find("float32")) {
      if (!f->is_boolean()) reader.fail("float32", f, "true or false");
      sweep.float32 = f->as_boolean()->get();
    }
    reader.finish();
  }

  std::vector<Factor> factors;
  if (const toml::table* parameters = root.table("parameters")) {
    Reader reader(*parameters, "parameters", path);
    for (const auto& [key, node] : *parameters) {
      const std::string name(key.str());
      reader.find(name);
      const std::string where = reader.where(&node) + ": parameters." + name;
      Factor factor;
      if (const toml::array* list = node.as_array()) {
        if (list->empty()) throw InputError(where + ": the list is empty; give at least one value");
        for (const toml::node& item : *list) factor.push_back({{name, value_text(item, where)}});
      } else if (const toml::table* table = node.as_table()) {
        long count = 0;
        const Range range = read_range(path, name, "parameters." + name, *table, true, &count);
        for (long n = 0; n < count; ++n)
          factor.push_back({{name, range_value(range, count == 1 ? 0.0 : double(n) / double(count - 1))}});
      } else {
        throw InputError(where + ": a list of values ([\"2 mm\", \"4 mm\"]) or a range ({ from = \"2 mm\", to = "
                         "\"8 mm\", count = 4 })");
      }
      sweep.keys.push_back(name);
      factors.push_back(factor);
    }
  }
  if (const toml::node* zips = root.find("zip")) {
    const toml::array* groups = zips->as_array();
    if (!groups || !groups->is_array_of_tables())
      root.fail("zip", zips, "a list of tables: [[zip]] sections whose lists are varied together");
    for (const toml::node& group_node : *groups) {
      const toml::table& group = *group_node.as_table();
      Factor factor;
      std::size_t length = 0;
      for (const auto& [key, node] : group) {
        const std::string name(key.str());
        const std::string where = root.where(&node) + ": zip." + name;
        const toml::array* list = node.as_array();
        if (!list || list->empty()) throw InputError(where + ": a non-empty list of values");
        if (length != 0 && list->size() != length)
          throw InputError(where + ": has " + std::to_string(list->size()) + " values, the other lists of this " +
                           "[[zip]] have " + std::to_string(length) + "; zipped lists must be equally long");
        length = list->size();
        factor.resize(length);
        for (std::size_t n = 0; n < length; ++n) factor[n].push_back({name, value_text(*list->get(n), where)});
        sweep.keys.push_back(name);
      }
      if (length == 0) root.fail("zip", &group_node, "an empty [[zip]] group");
      factors.push_back(factor);
    }
  }
  if (const toml::table* sampling = root.table("sampling")) {
    Reader reader(*sampling, "sampling", path);
    const std::string method = reader.text("method");
    if (method != "latin_hypercube" && method != "random")
      reader.fail("method", reader.find("method"), "'" + method + "' is not a method; choose latin_hypercube or random");
    const long count = reader.integer("count", std::nullopt, 1);
    if (count > long(max_cases)) reader.fail("count", reader.find("count"), "at most 100000 samples");
    const long seed = reader.integer("seed", 1, 0);
    const toml::table* ranges_table = reader.table("ranges");
    if (!ranges_table || ranges_table->empty())
      reader.fail("ranges", nullptr, "missing; e.g. [sampling.ranges] \"injections.0.volume\" = { from = \"0.02 mL\", "
                                     "to = \"0.1 mL\" }");
    Reader ranges_reader(*ranges_table, "sampling.ranges", path);
    std::vector<Range> ranges;
    for (const auto& [key, node] : *ranges_table) {
      const std::string name(key.str());
      ranges_reader.find(name);
      if (!node.is_table())
        throw InputError(ranges_reader.where(&node) + ": sampling.ranges." + name + ": a range { from = ..., to = ... }");
      ranges.push_back(read_range(path, name, "sampling.ranges." + name, *node.as_table(), false, nullptr));
      sweep.keys.push_back(name);
    }
    reader.finish();
    Uniform uniform{static_cast<std::uint64_t>(seed)};
    std::vector<std::vector<double>> fractions(std::size_t(count), std::vector<double>(ranges.size()));
    for (std::size_t d = 0; d < ranges.size(); ++d) {
      std::vector<long> strata(static_cast<std::size_t>(count));
      for (long n = 0; n < count; ++n) strata[std::size_t(n)] = n;
      for (long n = count - 1; n > 0; --n)  // Fisher-Yates with the raw-bit uniform
        std::swap(strata[std::size_t(n)], strata[std::size_t(std::min<long>(n, long(uniform() * double(n + 1))))]);
      for (long n = 0; n < count; ++n) {
        const double u = uniform();
        fractions[std::size_t(n)][d] = method == "random" ? u : (double(strata[std::size_t(n)]) + u) / double(count);
      }
    }
    Factor factor;
    for (long n = 0; n < count; ++n) {
      std::vector<std::pair<std::string, std::string>> level;
      for (std::size_t d = 0; d < ranges.size(); ++d)
        level.push_back({ranges[d].key, range_value(ranges[d], fractions[std::size_t(n)][d])});
      factor.push_back(level);
    }
    factors.push_back(factor);
  }
  root.finish();
  if (factors.empty()) throw InputError(path + ": nothing to vary; give [parameters], [[zip]] or [sampling]");
  for (std::size_t a = 0; a < sweep.keys.size(); ++a)
    for (std::size_t b = a + 1; b < sweep.keys.size(); ++b)
      if (sweep.keys[a] == sweep.keys[b]) throw InputError(path + ": '" + sweep.keys[a] + "' is varied twice");

  // Full factorial product, the first factor slowest.
  double n_cases = 1;
  for (const Factor& factor : factors) n_cases *= double(factor.size());
  if (n_cases > double(max_cases))
    throw InputError(path + ": the sweep has " + format_number(n_cases) + " cases; at most 100000 (split it)");
  std::vector<std::size_t> level(factors.size(), 0);
  for (int index = 0; index < int(n_cases); ++index) {
    SweepCase sweep_case;
    sweep_case.index = index;
    char id[32];
    std::snprintf(id, sizeof id, "case-%04d", index);
    sweep_case.id = id;
    for (std::size_t f = 0; f < factors.size(); ++f)
      for (const auto& assignment : factors[f][level[f]]) sweep_case.values.push_back(assignment);
    sweep.cases.push_back(sweep_case);
    for (std::size_t f = factors.size(); f-- > 0;) {
      if (++level[f] < factors[f].size()) break;
      level[f] = 0;
    }
  }
  return sweep;
}

std::vector<std::string> case_overrides(const Sweep& sweep, const SweepCase& sweep_case) {
  // The case's snapshots as a scenario key like any other (first, so a fixed `set` may change it);
  // without [run] snapshot_interval one every 100000 d: only the first and the last time.
  std::vector<std::string> overrides{"output.snapshot_interval=" +
                                     (sweep.snapshot_interval.empty() ? std::string("100000 d") : sweep.snapshot_interval)};
  overrides.insert(overrides.end(), sweep.fixed.begin(), sweep.fixed.end());
  for (const auto& [key, value] : sweep_case.values) overrides.push_back(key + "=" + value);
  return overrides;
}

}  // namespace mesosim
