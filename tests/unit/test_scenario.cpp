// Scenario files: the example parses to the built-in case; every kind of bad input is an
// InputError naming file:line:column, the key and the fix; --set overrides apply and are checked.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <unistd.h>

#include "scenarios/scenario.hpp"
#include "scenarios/sweep.hpp"
#include "solver/error.hpp"

namespace mesosim {
namespace {

const std::string example = std::string(MESOSIM_SOURCE_DIR) + "/scenarios/examples/single_injection.toml";

/// Writes `text` to a temporary scenario file and returns its path.
std::string scenario_file(const std::string& text) {
  static int counter = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("mesosim_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

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
diffusivity = "3e-10 m^2/s"
k_blood = "1e-3 1/s"

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

std::string error_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    load_scenario(scenario_file(text), overrides);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

TEST(Scenario, TheExampleIsTheBuiltInCase) {
  const Scenario s = load_scenario(example);
  EXPECT_EQ(s.name, "single injection");
  EXPECT_EQ(s.grid.nx, 100);
  EXPECT_EQ(s.grid.nz, 30);
  EXPECT_DOUBLE_EQ(s.grid.hx, 200e-6);
  EXPECT_EQ(s.boundaries.bottom, BoundaryKind::sink);
  EXPECT_EQ(s.boundaries.x_high, BoundaryKind::no_flux);
  ASSERT_EQ(s.tissue.layers.size(), 4u);
  EXPECT_DOUBLE_EQ(s.tissue.layers[3].thickness, 4.7e-3);
  ASSERT_EQ(s.components.size(), 3u);
  EXPECT_DOUBLE_EQ(s.components[0].in_layer[2].k_blood, 2.88e-4);   // per-layer override
  EXPECT_DOUBLE_EQ(s.components[0].in_layer[1].k_blood, 9.6e-4);    // component default
  EXPECT_DOUBLE_EQ(s.components[2].in_layer[3].available_fraction, 0.56);
  ASSERT_EQ(s.injections.size(), 1u);
  EXPECT_DOUBLE_EQ(s.injections[0].volume, 0.05e-6);
  EXPECT_DOUBLE_EQ(s.injections[0].concentration[1], 20.0);
  EXPECT_DOUBLE_EQ(s.end_time, 7 * 86400.0);
}

TEST(Scenario, OverridesApplyAndAreChecked) {
  const Scenario s = load_scenario(example, {"domain.cell=100 um", "time.end=\"2 d\"", "time.tolerance=1e-4",
                                             "injections.0.depth=0.8 mm", "components.0.k_blood=2e-3 1/s"});
  EXPECT_EQ(s.grid.nx, 200);
  EXPECT_DOUBLE_EQ(s.end_time, 2 * 86400.0);
  EXPECT_DOUBLE_EQ(s.integrator.tolerance, 1e-4);
  EXPECT_DOUBLE_EQ(s.injections[0].depth, 0.8e-3);
  EXPECT_DOUBLE_EQ(s.components[0].in_layer[1].k_blood, 2e-3);
  EXPECT_NE(error_of(minimal, {"time.ned=1 d"}).find("time.ned: unknown key; did you mean 'time.end'?"), std::string::npos);
  EXPECT_NE(error_of(minimal, {"injections.3.depth=1 mm"}).find("there is no injections[3]"), std::string::npos);
  EXPECT_NE(error_of(minimal, {"time.end"}).find("expected key=value"), std::string::npos);
}

TEST(Scenario, BadInputNamesTheFileLineKeyAndFix) {
  EXPECT_EQ(error_of(minimal), "no error");
  // A typo: file:line:column, the key, and the closest key.
  const std::string typo = error_of(replace(minimal, "diffusivity =", "difusivity ="));
  EXPECT_TRUE(std::regex_search(typo, std::regex(R"(\.toml:13:1: components\[0\]\.difusivity: unknown key; did you mean 'components\[0\]\.diffusivity'\?)")))
      << typo;
  EXPECT_NE(error_of(replace(minimal, "end = \"1 h\"", "end = \"1\"")).find("time.end = \"1\": a unit is required"),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "end = \"1 h\"", "end = 1")).find("needs a unit"), std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "volume = \"0.01 mL\"", "volume = \"0.01 mm\"")).find("has dimension m but"),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "thickness = \"1 mm\"", "thickness = \"-1 mm\"")).find("must be > 0"),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "thickness = \"1 mm\"", "thickness = \"0.5 mm\"")).find("add a layer or thicken"),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "depth = \"0.5 mm\"", "depth = \"3 mm\"")).find("outside the tissue block"),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "cocktail = \"mix\"", "cocktail = \"mixx\"")).find("no cocktail named 'mixx' in [cocktails]; defined: mix"),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "drug = \"5 mg/mL\"", "durg = \"5 mg/mL\"")).find("did you mean 'cocktails.mix.drug'"),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "cell = \"100 um\"", "cell = \"300 um\"")).find("not a whole number of cells"),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "[time]\nend = \"1 h\"", "")).find("[time]"), std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "cell = \"100 um\"", "cell = \"100 um")).find("not valid TOML"), std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "[time]", "[time]\nscheme = \"rk4\"")).find("choose \"implicit\" or \"explicit\""),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "[time]", "[time]\ntolerance = 2")).find("must be below 1"), std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "cocktail = \"mix\"", "cocktail = \"mix\"\nreservoir = \"bleb\"")).find("'bleb' is not a reservoir model"),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "cocktail = \"mix\"", "cocktail = \"mix\"\nreservoir = \"instant\"\nrate = \"1 mL/s\"")).find("applies to reservoir = \"darcy\" only"),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "cocktail = \"mix\"", "cocktail = \"mix\"\nreservoir = \"darcy\"\nrate = \"1 mm\"")).find("rate"),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "cell = \"100 um\"", "cell = \"100 um\"\nboundaries = { bottom = \"open\" }"))
                .find("choose one of: no_flux, sink, periodic"),
            std::string::npos);
  EXPECT_NE(error_of(replace(minimal, "fluid_fraction = 0.3", "fluid_fraction = 1.3")).find("fluid fraction must be in (0, 1]"),
            std::string::npos);
  // Found by the fuzzer (tests/fuzz/run.sh): toml++ asserts on this in debug builds only.
  EXPECT_NE(error_of("[domain]\n[[`a]]\n").find("not valid TOML: Error while parsing key"), std::string::npos);
  // toml++ 3.3.0 reaches undefined behaviour on some non-ASCII characters outside strings (found by
  // the fuzzer): they are refused first. Inside strings and comments they are fine.
  EXPECT_NE(error_of("name = 1 \u0492\n").find(":1:10: not valid TOML: a non-ASCII character outside double quotes"),
            std::string::npos) << error_of("name = 1 \u0492\n");
  EXPECT_EQ(error_of(replace(minimal, "cell = \"100 um\"", "cell = \"100 \u00b5m\" # \u00e9t\u00e9")), "no error");
  EXPECT_NE(error_of("size = 1inje0m2\"1\u0497\"\n").find("not valid TOML"), std::string::npos);  // fuzzer case 2
  EXPECT_NE(error_of("name = \"\xff\"\n").find("invalid UTF-8"), std::string::npos);
  EXPECT_EQ(load_scenario_text("name = \"caf\u00e9 \u00b5\"\n" + std::string(minimal), "utf8.toml").name, "caf\u00e9 \u00b5");
  EXPECT_NE(error_of(replace(minimal, "cell = \"100 um\"", "cell = \"1 nm\"")).find("use larger cells"), std::string::npos);
  try {
    load_scenario("/nonexistent/file.toml");
    FAIL() << "no error for a missing file";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("no such scenario file"), std::string::npos);
  }
}

TEST(Scenario, EditDistanceFindsTypos) {
  EXPECT_EQ(edit_distance("diffusivity", "difusivity"), 1u);
  EXPECT_EQ(edit_distance("end", "ned"), 2u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(Scenario, MolecularWeightSplitsTheClearanceBetweenBloodAndLymph) {
  // Supersaxo 1990: lymph takes ~4 % at 246 Da, 21 % at 5.2 kDa, 39 % at 12.3 kDa, 60 % at 19 kDa.
  const std::string base = std::string(minimal);
  auto with = [&](const std::string& keys) {
    std::string text = base;
    text.replace(text.find("k_blood = \"1e-3 1/s\""), std::string("k_blood = \"1e-3 1/s\"").size(), keys);
    return text;
  };
  for (const auto& [weight, share] : std::vector<std::pair<std::string, double>>{
           {"246 Da", 0.04}, {"5.2 kDa", 0.21}, {"12.3 kDa", 0.39}, {"19000 Da", 0.60}}) {
    const Scenario s = load_scenario(scenario_file(with("molecular_weight = \"" + weight + "\"\nk_clearance = \"1e-3 1/s\"")));
    const SoluteInLayer& in = s.components[0].in_layer[0];
    EXPECT_NEAR(in.k_lymph, share * 1e-3, 1e-9) << weight;
    EXPECT_NEAR(in.k_blood, (1 - share) * 1e-3, 1e-9) << weight;
  }
  // Explicit rates win over the split.
  const Scenario explicit_rates = load_scenario(scenario_file(
      with("molecular_weight = \"12.3 kDa\"\nk_clearance = \"1e-3 1/s\"\nk_lymph = \"2e-4 1/s\"")));
  EXPECT_NEAR(explicit_rates.components[0].in_layer[0].k_lymph, 2e-4, 1e-12);
  EXPECT_NEAR(explicit_rates.components[0].in_layer[0].k_blood, 0.61e-3, 1e-9);
  // A total clearance without a molecular weight, and a weight in the wrong unit, are errors that say why.
  EXPECT_NE(error_of(with("k_clearance = \"1e-3 1/s\"")).find("needs the component's molecular_weight"),
            std::string::npos);
  EXPECT_NE(error_of(with("molecular_weight = \"12 kg\"\nk_clearance = \"1e-3 1/s\"")).find("molecular_weight"),
            std::string::npos);
}

}  // namespace
}  // namespace mesosim

namespace mesosim {

// A sweep hands each case its snapshot interval as a scenario override, like any other key.
TEST(SweepCases, SnapshotIntervalIsAScenarioOverride) {
  const std::string dir = std::string(MESOSIM_SOURCE_DIR) + "/scenarios/sweeps/";
  const std::string text = "base = \"nappage_base.toml\"\nset = [\"time.end=12 h\"]\n"
                           "[parameters]\n\"injections.0.depth\" = [\"1 mm\", \"2 mm\"]\n";
  const Sweep plain = load_sweep_text(text, dir + "in_memory.toml");
  EXPECT_EQ(case_overrides(plain, plain.cases[1]),
            (std::vector<std::string>{"output.snapshot_interval=100000 d", "time.end=12 h", "injections.0.depth=2 mm"}));
  const Sweep daily = load_sweep_text(text + "[run]\nsnapshot_interval = \"1 d\"\n", dir + "in_memory.toml");
  EXPECT_EQ(case_overrides(daily, daily.cases[0]).front(), "output.snapshot_interval=1 d");
  // The overrides resolve: every case's scenario takes them.
  const Scenario scenario = load_scenario(daily.base, case_overrides(daily, daily.cases[0]));
  EXPECT_EQ(scenario.snapshot_interval, 86400.0);
}

// A base or scenario name longer than the system allows (ENAMETOOLONG) is an input error naming the
// key, not a filesystem exception (the sweep fuzzer's first finding,
// tests/fuzz/corpus/sweep/regression_base_name_too_long.toml).
TEST(SweepCases, ANameTooLongForTheSystemIsAnInputError) {
  const std::string dir = std::string(MESOSIM_SOURCE_DIR) + "/scenarios/sweeps/";
  const std::string name(300, 'a');
  try {
    load_sweep_text("base = \"" + name + ".toml\"\n[parameters]\n\"time.end\" = [\"1 h\"]\n", dir + "in_memory.toml");
    ADD_FAILURE() << "a 300-character base name was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("base"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("does not exist"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_sweep(dir + name + ".toml"), InputError);
  EXPECT_THROW(load_scenario(dir + name + ".toml"), InputError);
}

}  // namespace mesosim
