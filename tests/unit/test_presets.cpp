// Presets: every tissue preset is a valid stack, every component preset is valid on every tissue
// preset, the molecular-weight lymph share reproduces Supersaxo 1990, scenarios use presets with
// overrides, and a typo in a preset name suggests the right one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "scenarios/presets.hpp"
#include "scenarios/scenario.hpp"
#include "solver/error.hpp"

namespace mesosim {
namespace {

TEST(Presets, EveryTissueAndComponentPresetIsValid) {
  ASSERT_EQ(preset_names("tissue").size(), 6u);  // face, forearm, scalp, abdomen, thigh, back
  ASSERT_GE(preset_names("component").size(), 8u);
  for (const std::string& tissue_name : preset_names("tissue")) {
    const Tissue tissue = tissue_preset(tissue_name);
    EXPECT_NO_THROW(tissue.validate(10e-3)) << tissue_name;  // covers a 10 mm deep block
    EXPECT_EQ(tissue.layers.front().name, "epidermis") << tissue_name;
    for (const std::string& component_name : preset_names("component")) {
      const Component component = component_preset(component_name, tissue);
      EXPECT_NO_THROW(component.validate(tissue.layers.size())) << component_name << " on " << tissue_name;
      EXPECT_FALSE(describe_preset("component", component_name).empty());
    }
    EXPECT_NE(describe_preset("tissue", tissue_name).find("["), std::string::npos) << "evidence tags shown";
  }
}

TEST(Presets, LymphShareFollowsMolecularWeight) {
  EXPECT_DOUBLE_EQ(lymph_share(100), 0.04);
  EXPECT_NEAR(lymph_share(246), 0.04, 1e-12);
  EXPECT_NEAR(lymph_share(5200), 0.21, 1e-12);
  EXPECT_NEAR(lymph_share(12300), 0.39, 1e-12);
  EXPECT_NEAR(lymph_share(19000), 0.60, 1e-12);
  EXPECT_GT(lymph_share(66500), 0.6);
  EXPECT_LE(lymph_share(1e6), 0.95);
  // The preset applies it: lidocaine (234 Da) clears 4 % by lymph in the papillary dermis.
  const Component lidocaine = component_preset("lidocaine", tissue_preset("forearm"));
  const SoluteInLayer& papillary = lidocaine.in_layer[1];
  EXPECT_NEAR(papillary.k_lymph / (papillary.k_blood + papillary.k_lymph), 0.04, 1e-12);
  EXPECT_DOUBLE_EQ(lidocaine.in_layer[0].k_blood, 0.0);  // epidermis: no capillaries
}

TEST(Presets, ScenariosUsePresetsWithOverridesAndTyposAreNamed) {
  const std::string text = R"(
[domain]
size = ["4 mm", "4 mm", "4 mm"]
cell = "200 um"
[tissue]
preset = "thigh"
[[components]]
preset = "caffeine"
k_degradation = "1e-5 1/s"
[[components]]
preset = "albumin"
name = "protein"
[cocktails.lipo]
caffeine = "20 mg/mL"
protein = "1 mg/mL"
[[injections]]
position = ["2 mm", "2 mm"]
depth = "2 mm"
volume = "0.02 mL"
cocktail = "lipo"
[time]
end = "1 d"
)";
  const Scenario s = load_scenario_text(text, "presets.toml");
  EXPECT_EQ(s.tissue.layers.size(), 5u);
  EXPECT_EQ(s.components[1].name, "protein");
  EXPECT_DOUBLE_EQ(s.components[0].in_layer[3].k_degradation, 1e-5);
  EXPECT_DOUBLE_EQ(s.components[1].in_layer[3].available_fraction, 0.56);  // hypodermis from the preset
  EXPECT_EQ(s.target.layers.front(), 3u);  // the tip at 2 mm is in the thigh's hypodermis
  auto error_of = [](const std::string& t) {
    try {
      load_scenario_text(t, "presets.toml");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string typo = text;
  typo.replace(typo.find("\"thigh\""), 7, "\"thihg\"");
  EXPECT_NE(error_of(typo).find("did you mean 'thigh'"), std::string::npos) << error_of(typo);
  std::string both = text;
  both.replace(both.find("preset = \"thigh\""), 16, "preset = \"thigh\"\nlayers = [{ name = \"x\" }]");
  EXPECT_NE(error_of(both).find("not both"), std::string::npos) << error_of(both);
}

}  // namespace
}  // namespace mesosim
