// The parameter table (scenarios/parameters.hpp) against the reader: every bound in the table is
// enforced when a scenario is loaded (a value just outside it is refused, naming the key), every
// key a scenario resolves is a table entry with the table's default, and `describe keys` lists
// every entry once.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "scenarios/parameters.hpp"
#include "scenarios/scenario.hpp"
#include "simulation/injection_registry.hpp"
#include "solver/error.hpp"

namespace mesosim {
namespace {

const char* minimal = R"(
[domain]
size = ["2 mm", "2 mm", "1 mm"]
cell = "100 um"

[[tissue.layers]]
name = "dermis"
thickness = "1 mm"
fluid_fraction = 0.3

[[components]]
name = "drug"

[cocktails.mix]
drug = "5 mg/mL"

[[injections]]
position = ["1 mm", "1 mm"]
depth = "0.5 mm"
volume = "0.01 mL"
cocktail = "mix"

[time]
end = "1 h"
)";

bool is_list_of_tables(const std::string& key) {
  for (const Parameter& p : parameters())
    if (p.key == key) return p.kind == ParameterKind::list_of_tables;
  return false;
}

/// "injections.jitter.seed" -> "injections.0.jitter.seed" (for --set) and "injections[0].jitter.seed"
/// (as messages name it): every part that is a list of tables gets its first entry.
std::pair<std::string, std::string> paths_of(const std::string& key) {
  std::string set_path, message_path, prefix;
  for (std::size_t begin = 0; begin <= key.size();) {
    const std::size_t dot = std::min(key.find('.', begin), key.size());
    const std::string part = key.substr(begin, dot - begin);
    prefix += (prefix.empty() ? "" : ".") + part;
    set_path += (set_path.empty() ? "" : ".") + part;
    message_path += (message_path.empty() ? "" : ".") + part;
    if (dot < key.size() && is_list_of_tables(prefix)) {
      set_path += ".0";
      message_path += "[0]";
    }
    begin = dot + 1;
  }
  return {set_path, message_path};
}

std::string number_text(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

/// The value of `p` as a --set value: a whole number, a bare number, or a number with the SI unit.
std::string value_text(const Parameter& p, double value) {
  if (p.kind == ParameterKind::whole_number) return std::to_string(std::lround(value));
  if (p.dimension == Dimension::none()) return number_text(value);
  return number_text(value) + " " + to_string(p.dimension);
}

/// Other keys a key needs before its own value is read (its pattern, its partner key).
std::vector<std::string> prerequisites(const std::string& key) {
  static const std::map<std::string, std::vector<std::string>> needs = {
      {"injections.spacing", {"injections.0.pattern=square", "injections.0.rows=1", "injections.0.columns=1"}},
      {"injections.rows", {"injections.0.pattern=square", "injections.0.spacing=0.1 mm", "injections.0.columns=1"}},
      {"injections.columns", {"injections.0.pattern=square", "injections.0.spacing=0.1 mm", "injections.0.rows=1"}},
      {"injections.count", {"injections.0.pattern=line", "injections.0.spacing=0.1 mm"}},
      {"injections.direction", {"injections.0.pattern=line", "injections.0.spacing=0.1 mm", "injections.0.count=1"}},
      {"injections.retrotracing.length", {"injections.0.retrotracing.deposits=1"}},
      {"injections.retrotracing.deposits", {"injections.0.retrotracing.length=0.1 mm"}},
      {"sessions.interval", {"sessions.count=2"}},
      {"components.k_clearance", {"components.0.molecular_weight=300 Da"}},
  };
  const auto found = needs.find(key);
  return found == needs.end() ? std::vector<std::string>{} : found->second;
}

/// The message of loading the minimal scenario with `overrides`, or "" if it loads.
std::string error_of(const std::vector<std::string>& overrides) {
  try {
    load_scenario_text(minimal, "minimal.toml", overrides);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Parameters, EveryKeyIsListedOnceWithItsMeaningAndADefaultInsideItsRange) {
  std::set<std::string> keys;
  for (const Parameter& p : parameters()) {
    EXPECT_TRUE(keys.insert(p.key).second) << p.key << " is listed twice";
    EXPECT_FALSE(p.meaning.empty()) << p.key;
    EXPECT_FALSE(p.default_text.empty()) << p.key;
    EXPECT_EQ(p.kind == ParameterKind::choice, !p.choices.empty()) << p.key;
    if (p.kind == ParameterKind::choice && p.text_default) {
      EXPECT_NE(std::find(p.choices.begin(), p.choices.end(), *p.text_default), p.choices.end()) << p.key;
    }
    // 0 for the snapshot interval means the geometric schedule; it cannot be written in a file.
    if (p.number_default && p.key != "output.snapshot_interval") {
      const double v = *p.number_default;
      EXPECT_TRUE(p.exclusive_minimum ? v > p.minimum : v >= p.minimum) << p.key << " default " << v;
      EXPECT_TRUE(p.exclusive_maximum ? v < p.maximum : v <= p.maximum) << p.key << " default " << v;
    }
  }
  EXPECT_THROW(parameter("time", "ned"), std::logic_error);
  EXPECT_EQ(&parameter("presets.technique", "depth"), &parameter("injections", "depth"));
  EXPECT_EQ(&parameter("components.layers.<layer>", "k_on"), &parameter("components", "k_on"));
  EXPECT_EQ(parameter("cocktails.<cocktail>", "caffeine").key, "cocktails.<cocktail>.<component>");
}

TEST(Parameters, EveryBoundInTheTableIsEnforcedWhenAScenarioIsRead) {
  ASSERT_EQ(error_of({}), "");
  int n_checked = 0;
  for (const Parameter& p : parameters()) {
    if (p.kind != ParameterKind::quantity && p.kind != ParameterKind::whole_number) continue;
    if (p.key.rfind("presets.", 0) == 0 || p.key.find('<') != std::string::npos) continue;
    const auto [set_path, message_path] = paths_of(p.key);
    std::vector<double> outside;
    const bool whole = p.kind == ParameterKind::whole_number;
    const double step = whole ? 1.0 : 1e-6;
    if (std::isfinite(p.minimum))
      outside.push_back(p.exclusive_minimum ? p.minimum : p.minimum - (whole ? 1.0 : std::max(step * std::abs(p.minimum), 1e-12)));
    if (std::isfinite(p.maximum))
      outside.push_back(p.exclusive_maximum ? p.maximum : p.maximum + (whole ? 1.0 : std::max(step * std::abs(p.maximum), 1e-12)));
    for (const double value : outside) {
      std::vector<std::string> overrides = prerequisites(p.key);
      overrides.push_back(set_path + "=" + value_text(p, value));
      const std::string message = error_of(overrides);
      SCOPED_TRACE(p.key + " = " + value_text(p, value));
      EXPECT_NE(message.find(": " + message_path + ": "), std::string::npos) << message;
      const bool names_range = message.find("must be") != std::string::npos ||
                               (!p.maximum_message.empty() && message.find(p.maximum_message) != std::string::npos);
      EXPECT_TRUE(names_range) << message;
      ++n_checked;
    }
  }
  EXPECT_GE(n_checked, 40);  // every bounded quantity and whole number of a scenario file
}

TEST(Parameters, CheckListsEveryResolvedKeyFromTheTableWithItsDefault) {
  const Scenario scenario = load_scenario_text(minimal, "minimal.toml", {"time.scheme=explicit"});
  std::map<std::string, ResolvedKey> resolved;
  for (const ResolvedKey& key : scenario.resolved) {
    EXPECT_TRUE(resolved.emplace(key.key, key).second) << key.key << " recorded twice";
    // injections[0].depth -> section "injections", key "depth"
    std::string dotted;
    for (std::size_t n = 0; n < key.key.size(); ++n) {
      if (key.key[n] == '[') n = key.key.find(']', n);
      else dotted += key.key[n];
    }
    const auto dot = dotted.rfind('.');
    const std::string section = dot == std::string::npos ? "" : dotted.substr(0, dot);
    EXPECT_NO_THROW(parameter(section == "cocktails.mix" ? "cocktails.<cocktail>" : section, dotted.substr(dot + 1)))
        << key.key;
  }
  ASSERT_TRUE(resolved.count("time.tolerance"));
  EXPECT_TRUE(resolved["time.tolerance"].by_default);
  EXPECT_EQ(resolved["time.tolerance"].value, "0.001");
  EXPECT_FALSE(resolved["time.scheme"].by_default);
  EXPECT_EQ(resolved["time.scheme"].value, "explicit");
  EXPECT_EQ(resolved["time.end"].value, "3600 s");
  EXPECT_EQ(resolved["tissue.layers[0].storage"].value, parameter("tissue.layers", "storage").default_text);
  EXPECT_EQ(resolved["injections[0].rate"].value, "1e-08 m^3/s");
  EXPECT_EQ(resolved["domain.size"].value, "[0.002, 0.002, 0.001] m");
  EXPECT_EQ(resolved["cocktails.mix.drug"].value, "5 kg/m^3");
  EXPECT_TRUE(resolved.count("injections[0].needle_angle"));
  EXPECT_FALSE(resolved.count("injections[0].spacing"));  // a point pattern reads no spacing
}

// scenarios/ cannot see the registry (simulation/ depends on it), so the reader checks `reservoir`
// against the table's choices and this pins them to the registered models, in their order.
TEST(Parameters, ReservoirChoicesAreTheRegisteredInjectionModels) {
  std::vector<std::string> registered;
  for (const InjectionModelType& type : injection_model_types()) registered.push_back(type.name);
  EXPECT_EQ(parameter("injections", "reservoir").choices, registered);
  for (const std::string& name : registered) {
    EXPECT_EQ(error_of({"injections.0.reservoir=" + name}), "") << name;
  }
  const std::string message = error_of({"injections.0.reservoir=bleb"});
  EXPECT_NE(message.find("injections[0].reservoir: 'bleb' is not a reservoir model; choose \"instant\" or \"darcy\" ("),
            std::string::npos)
      << message;
}

TEST(Parameters, DescribeKeysHasOneRowPerEntry) {
  const std::string markdown = describe_keys_markdown();
  std::size_t n_rows = 0;
  for (std::size_t at = markdown.find("\n| `"); at != std::string::npos; at = markdown.find("\n| `", at + 1)) ++n_rows;
  EXPECT_EQ(n_rows, parameters().size());
  const std::string text = describe_keys();
  for (const Parameter& p : parameters()) {
    const std::string last = p.key.substr(p.key.rfind('.') + 1);
    EXPECT_NE(text.find("  " + last + " ("), std::string::npos) << p.key;
  }
}

}  // namespace
}  // namespace mesosim
