// Patterns, sessions and techniques in scenario files: the keys expand into the flat, time-ordered
// injection list; technique presets give defaults that explicit keys override; every bad input is
// an InputError naming the key (and for points outside the tissue the point, its coordinates and
// the fix); the layer report shows where deposits go and warns on fat under a dermal target.
#include <gtest/gtest.h>

#include <cmath>
#include <regex>

#include "scenarios/deposit_report.hpp"
#include "scenarios/presets.hpp"
#include "scenarios/scenario.hpp"
#include "solver/error.hpp"

namespace mesosim {
namespace {

constexpr double mm = 1e-3;

const std::string head = R"(
[domain]
size = ["40 mm", "40 mm", "10 mm"]
cell = "500 um"
[tissue]
preset = "forearm"
[[components]]
preset = "caffeine"
[cocktails.mix]
caffeine = "10 mg/mL"
[time]
end = "1 d"
)";

/// A scenario of the common head with `rest` ([[injections]], [sessions], ...) appended.
Scenario load(const std::string& rest) { return load_scenario_text(head + rest, "patterns.toml"); }

std::string error_of(const std::string& rest) {
  try {
    load(rest);
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

#define EXPECT_MENTIONS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST(ScenarioPatterns, TheMigratedExamplesKeepTheirInjections) {
  const std::string examples = std::string(MESOSIM_SOURCE_DIR) + "/scenarios/examples/";
  const Scenario thigh = load_scenario(examples + "thigh_cellulite.toml");
  ASSERT_EQ(thigh.injections.size(), 9u);
  for (int k = 0; k < 9; ++k) {  // the nine points once written out one by one
    EXPECT_NEAR(thigh.injections[k].x, (10 + 10 * (k % 3)) * mm, 1e-15);
    EXPECT_NEAR(thigh.injections[k].y, (10 + 10 * (k / 3)) * mm, 1e-15);
    EXPECT_DOUBLE_EQ(thigh.injections[k].time, 4.0 * k);
    EXPECT_DOUBLE_EQ(thigh.injections[k].volume, 0.1e-6);
  }
  const Scenario course = load_scenario(examples + "course.toml");
  ASSERT_EQ(course.injections.size(), 4u);
  for (int s = 0; s < 4; ++s) {
    EXPECT_DOUBLE_EQ(course.injections[s].time, s * 7 * 86400.0);
    EXPECT_EQ(course.injections[s].session, s);
    EXPECT_DOUBLE_EQ(course.injections[s].depth, 1 * mm);
  }
}

TEST(ScenarioPatterns, KeysExpandIntoTheTimeOrderedList) {
  const Scenario s = load(R"(
[[injections]]
pattern = "square"
position = ["20 mm", "20 mm"]
rows = 2
columns = 3
spacing = "4 mm"
order = "serpentine"
interval = "3 s"
time = "1 min"
depth = "1 mm"
volume = "0.02 mL"
cocktail = "mix"
[[injections]]
pattern = "list"
points = [["5 mm", "6 mm"], ["7 mm", "8 mm"]]
interval = "10 s"
depth = "0.5 mm"
volume = "0.01 mL"
cocktail = "mix"
[[injections]]
pattern = "line"
position = ["20 mm", "30 mm"]
count = 3
spacing = "2 mm"
direction = 90
depth = "0.8 mm"
volume = "0.01 mL"
cocktail = "mix"
time = "1 h"
[[injections]]
pattern = "hex"
position = ["30 mm", "10 mm"]
rows = 2
columns = 2
spacing = "2 mm"
depth = "0.8 mm"
volume = "0.01 mL"
cocktail = "mix"
time = "2 h"
)");
  ASSERT_EQ(s.injections.size(), 6u + 2u + 3u + 4u);
  for (std::size_t n = 1; n < s.injections.size(); ++n) EXPECT_LE(s.injections[n - 1].time, s.injections[n].time);
  // the list first (t = 0, 10 s), then the square from 1 min, 3 s apart, serpentine
  EXPECT_EQ(s.injections[0].entry, 1);
  EXPECT_DOUBLE_EQ(s.injections[1].x, 7 * mm);
  EXPECT_DOUBLE_EQ(s.injections[1].time, 10.0);
  const double square_x[] = {16, 20, 24, 24, 20, 16}, square_y[] = {18, 18, 18, 22, 22, 22};
  for (int k = 0; k < 6; ++k) {
    const Injection& injection = s.injections[2 + k];
    EXPECT_EQ(injection.entry, 0);
    EXPECT_NEAR(injection.x, square_x[k] * mm, 1e-15);
    EXPECT_NEAR(injection.y, square_y[k] * mm, 1e-15);
    EXPECT_DOUBLE_EQ(injection.time, 60.0 + 3.0 * k);
    EXPECT_DOUBLE_EQ(injection.volume, 0.02e-6);
    EXPECT_DOUBLE_EQ(injection.concentration[0], 10.0);
  }
  for (int k = 0; k < 3; ++k) {
    EXPECT_DOUBLE_EQ(s.injections[8 + k].x, 20 * mm);
    EXPECT_NEAR(s.injections[8 + k].y, (28 + 2 * k) * mm, 1e-15);
    EXPECT_DOUBLE_EQ(s.injections[8 + k].time, 3600.0);  // no interval: all at once
  }
  EXPECT_NEAR(s.injections[11].x, 28.5 * mm, 1e-15);
  EXPECT_NEAR(s.injections[13].x, 29.5 * mm, 1e-15);  // the odd hex row is shifted by half a spacing
  EXPECT_NEAR(s.injections[13].y - s.injections[11].y, std::sqrt(3.0) * mm, 1e-15);
}

TEST(ScenarioPatterns, SessionsRepeatThePlanAndTheRunMustCoverThem) {
  const std::string plan = R"(
[[injections]]
pattern = "line"
position = ["20 mm", "20 mm"]
count = 2
spacing = "10 mm"
interval = "5 s"
depth = "1 mm"
volume = "0.05 mL"
cocktail = "mix"
jitter = { lateral = "1 mm", seed = 3 }
[sessions]
count = 3
interval = "10 h"
)";
  const Scenario s = load(plan);
  ASSERT_EQ(s.injections.size(), 6u);
  for (int n = 0; n < 6; ++n) {
    EXPECT_EQ(s.injections[n].session, n / 2);
    EXPECT_DOUBLE_EQ(s.injections[n].time, (n / 2) * 36000.0 + (n % 2) * 5.0);
  }
  EXPECT_NE(s.injections[0].x, s.injections[2].x) << "each session scatters anew";
  EXPECT_EQ(s.injections[0].x, load(plan).injections[0].x) << "the same seed, the same points";
  std::string late = plan;
  late.replace(late.find("\"10 h\""), 6, "\"12 h\"");
  EXPECT_MENTIONS(error_of(late), "time.end: the run ends at 1 d but the last injection (injections[0], point 1, "
                                  "session 3 of 3) is at 1.00006 d");
  std::string tight = plan;
  tight.replace(tight.find("\"10 h\""), 6, "\"4 s\"");
  EXPECT_MENTIONS(error_of(tight), "sessions.interval: 4 s is not longer than one session");
  std::string none = plan;
  none.replace(none.find("count = 3"), 9, "count = 0");
  EXPECT_MENTIONS(error_of(none), "sessions.count: value 0 must be >= 1");
  std::string missing = plan;
  missing.replace(missing.find("interval = \"10 h\""), 17, "");
  EXPECT_MENTIONS(error_of(missing), "sessions.interval: missing");
  std::string typo = plan;
  typo.replace(typo.find("count = 3"), 9, "cuont = 3");
  EXPECT_MENTIONS(error_of(typo), "sessions.cuont: unknown key; did you mean 'sessions.count'?");
}

TEST(ScenarioPatterns, TechniqueDefaultsAndExplicitOverrides) {
  const Scenario nappage = load(R"(
[[injections]]
technique = "nappage"
position = ["20 mm", "20 mm"]
rows = 4
columns = 5
cocktail = "mix"
)");
  ASSERT_EQ(nappage.injections.size(), 20u);
  const Injection& first = nappage.injections[0];
  EXPECT_DOUBLE_EQ(first.volume, 0.02e-6);
  EXPECT_NEAR(first.depth, 1 * mm, 0.2 * mm + 1e-15);  // technique depth with its 0.2 mm scatter
  EXPECT_NE(first.depth, 1 * mm);
  EXPECT_DOUBLE_EQ(nappage.injections[19].time, 19.0);  // 1 s apart
  EXPECT_NEAR(first.x, 14 * mm, 0.5 * mm + 1e-15);      // 3 mm spacing, 5 columns around x = 20 mm
  const Scenario overridden = load(R"(
[[injections]]
technique = "nappage"
position = ["20 mm", "20 mm"]
rows = 4
columns = 5
cocktail = "mix"
depth = "0.6 mm"
spacing = "2 mm"
interval = "0.5 s"
jitter = { depth = "0 mm", seed = 9 }
)");
  for (const Injection& injection : overridden.injections) EXPECT_DOUBLE_EQ(injection.depth, 0.6 * mm);
  EXPECT_DOUBLE_EQ(overridden.injections[19].time, 9.5);
  EXPECT_NEAR(overridden.injections[0].x, 16 * mm, 0.5 * mm + 1e-15);  // lateral scatter kept from the technique
  EXPECT_NE(overridden.injections[0].x, 16 * mm);
  // A technique for another pattern: its spacing is a default the point pattern does not use.
  const Scenario single = load(R"(
[[injections]]
technique = "point_by_point"
pattern = "point"
position = ["20 mm", "20 mm"]
cocktail = "mix"
)");
  ASSERT_EQ(single.injections.size(), 1u);
  EXPECT_DOUBLE_EQ(single.injections[0].volume, 0.05e-6);
  const Scenario traced = load(R"(
[[injections]]
technique = "retrotracing"
position = ["20 mm", "20 mm"]
cocktail = "mix"
retrotracing = { deposits = 4 }
)");
  ASSERT_EQ(traced.injections.size(), 4u);  // the technique's 8 mm track in 4 sub-deposits
  double total = 0.0;
  for (const Injection& injection : traced.injections) total += injection.volume;
  EXPECT_NEAR(total, 0.1e-6, 1e-21);
  EXPECT_NEAR(traced.injections[0].x - traced.injections[3].x, 6 * mm * std::cos(10 * std::numbers::pi / 180), 1e-12);
  EXPECT_MENTIONS(error_of(R"(
[[injections]]
technique = "napage"
position = ["20 mm", "20 mm"]
cocktail = "mix"
)"),
                  "injections[0].technique: no technique preset named 'napage'; did you mean 'nappage'?");
}

TEST(ScenarioPatterns, EveryTechniquePresetLoadsAndShowsItsSources) {
  ASSERT_EQ(preset_names("technique"), (std::vector<std::string>{"gun_grid", "nappage", "point_by_point", "retrotracing"}));
  for (const std::string& name : preset_names("technique")) {
    const std::string description = describe_preset("technique", name);
    EXPECT_MENTIONS(description, "[E]");
    const bool grid = description.find("pattern = square") != std::string::npos;
    const Scenario s = load("[[injections]]\ntechnique = \"" + name + "\"\nposition = [\"20 mm\", \"20 mm\"]\n" +
                            (grid ? "rows = 2\ncolumns = 2\n" : "") + "cocktail = \"mix\"\n");
    EXPECT_FALSE(s.injections.empty()) << name;
    EXPECT_FALSE(deposit_report(s).empty());
  }
}

TEST(ScenarioPatterns, PointsOutsideTheTissueNameTheKeyPointCoordinatesAndFix) {
  const std::string grid = R"(
[[injections]]
pattern = "square"
position = ["35 mm", "20 mm"]
rows = 1
columns = 3
spacing = "4 mm"
depth = "1 mm"
volume = "0.01 mL"
cocktail = "mix"
)";
  EXPECT_EQ(error_of(grid), "no error");  // 39 mm is still inside the 40 mm block
  std::string outside = grid;
  outside.replace(outside.find("\"4 mm\""), 6, "\"6 mm\"");
  EXPECT_TRUE(std::regex_search(error_of(outside),
                                std::regex(R"(patterns\.toml:\d+:\d+: injections\[0\]\.position: point 2 at x = 41\.00 mm, y = 20\.00 mm, 1\.00 mm deep lies outside the tissue block \(x 0-40\.00 mm, y 0-40\.00 mm, depth 0-10\.00 mm\); move position, reduce spacing)")))
      << error_of(outside);
  EXPECT_MENTIONS(error_of(R"(
[[injections]]
pattern = "list"
points = [["5 mm", "6 mm"], ["45 mm", "8 mm"]]
depth = "1 mm"
volume = "0.01 mL"
cocktail = "mix"
)"),
                  "injections[0].points[1]: point 1 at x = 45.00 mm, y = 8.00 mm");
  EXPECT_MENTIONS(error_of(R"(
[[injections]]
position = ["20 mm", "20 mm"]
depth = "0.1 mm"
volume = "0.01 mL"
cocktail = "mix"
jitter = { depth = "0.5 mm", seed = 1 }
[sessions]
count = 5
interval = "1 h"
)"),
                  "lies above the skin surface; inject deeper or reduce jitter.depth");
  EXPECT_MENTIONS(error_of(R"(
[[injections]]
position = ["20 mm", "20 mm"]
depth = "12 mm"
volume = "0.01 mL"
cocktail = "mix"
)"),
                  "injections[0].depth: point 0 at x = 20.00 mm, y = 20.00 mm, 12.00 mm deep lies outside the tissue block");
  EXPECT_MENTIONS(error_of(R"(
[[injections]]
position = ["20 mm", "20 mm"]
depth = "1 mm"
volume = "0.01 mL"
cocktail = "mix"
needle_angle = 30
retrotracing = { length = "4 mm", deposits = 4 }
)"),
                  "injections[0].retrotracing.length: point 0: the shallow end of its retrotracing track at x = 16.54 mm, "
                  "y = 20.00 mm, -1.00 mm deep lies above the skin surface; at needle_angle 30 a 4.00 mm track rises "
                  "2.00 mm: shorten retrotracing.length");
}

TEST(ScenarioPatterns, BadKeysAndNamesAreNamed) {
  const std::string base = R"(
[[injections]]
pattern = "square"
position = ["20 mm", "20 mm"]
rows = 2
columns = 2
spacing = "3 mm"
depth = "1 mm"
volume = "0.01 mL"
cocktail = "mix"
)";
  EXPECT_EQ(error_of(base), "no error");
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = base;
    text.replace(text.find(from), from.size(), to);
    return error_of(text);
  };
  EXPECT_MENTIONS(with("\"square\"", "\"squar\""), "injections[0].pattern: 'squar' is not a pattern; choose one of: point, "
                                                   "square, hex, line, list; did you mean 'square'?");
  EXPECT_MENTIONS(with("spacing =", "spacng ="), "injections[0].spacing: missing; a square pattern needs the distance");
  EXPECT_MENTIONS(with("spacing = \"3 mm\"", "spacing = \"3 mm\"\nspacng = \"1 mm\""),
                  "injections[0].spacng: unknown key; did you mean 'injections[0].spacing'?");
  EXPECT_MENTIONS(with("rows = 2", "rows = 2\ncount = 4"),
                  "injections[0].count: does not apply to pattern \"square\"; it takes position, spacing, rows, columns, order");
  EXPECT_MENTIONS(with("rows = 2", "rows = 2.5"), "injections[0].rows: must be a whole number");
  EXPECT_MENTIONS(with("rows = 2", "rows = 0"), "injections[0].rows: value 0 must be >= 1");
  EXPECT_MENTIONS(with("rows = 2", "rows = 200000"), "injections[0].rows: value 200000 must be <= 100000");
  EXPECT_MENTIONS(with("rows = 2\ncolumns = 2", "rows = 2000\ncolumns = 1000"),
                  "injections[0].pattern: 2000000 points x 1 sessions x 1 deposits per point = 2e+06 deposits; at most 1e6");
  EXPECT_MENTIONS(with("rows = 2", "rows = 2\norder = \"zigzag\""), "injections[0].order: 'zigzag' is not an order");
  EXPECT_MENTIONS(with("spacing = \"3 mm\"", "spacing = \"3\""), "injections[0].spacing = \"3\": a unit is required");
  EXPECT_MENTIONS(with("rows = 2", "rows = 2\nneedle_angle = 120"), "injections[0].needle_angle: is in degrees from the skin surface");
  EXPECT_MENTIONS(with("rows = 2", "rows = 2\njitter = { lateral = \"1 mm\", sed = 4 }"),
                  "injections[0].jitter.sed: unknown key; did you mean 'injections[0].jitter.seed'?");
  EXPECT_MENTIONS(with("rows = 2", "rows = 2\nretrotracing = { length = \"1 mm\" }"),
                  "injections[0].retrotracing.deposits: missing");
  EXPECT_MENTIONS(with("pattern = \"square\"", "pattern = \"list\""), "injections[0].position: does not apply to pattern \"list\"");
  EXPECT_MENTIONS(with("rows = 2", "rows = 2\njitter = { lateral = \"1 mm\", seed = -1 }"),
                  "injections[0].jitter.seed: value -1 must be >= 0");
}

const std::string forearm_point = R"(
[[injections]]
position = ["20 mm", "20 mm"]
depth = "4 mm"
volume = "0.02 mL"
cocktail = "mix"
[metrics]
target_layers = ["reticular dermis"]
)";

TEST(DepositReport, AFourMillimetrePerpendicularDepositInTheForearmIsInTheFat) {
  const Scenario s = load(forearm_point);
  const std::vector<PointDeposit> points = point_deposits(s);
  ASSERT_EQ(points.size(), 1u);
  EXPECT_DOUBLE_EQ(points[0].depth, 4 * mm);
  EXPECT_GT(points[0].layer_share[3], 0.9) << "the forearm dermis ends at 1.3 mm: the deposit is in the hypodermis";
  EXPECT_LT(points[0].layer_share[2], 0.1);
  const std::string report = deposit_report(s);
  EXPECT_MENTIONS(report, "warning: 1 of 1 needle points reach the hypodermis (fat) but the target is dermal "
                          "(reticular dermis): the dermis ends 1.30 mm below the surface here");
  EXPECT_MENTIONS(report, "1 in reticular dermis + hypodermis");
  // With the fat as the target there is no fat warning.
  std::string fat = forearm_point;
  fat.replace(fat.find("\"reticular dermis\""), 18, "\"hypodermis\"");
  EXPECT_EQ(deposit_report(load(fat)).find("(fat)"), std::string::npos) << deposit_report(load(fat));
  EXPECT_EQ(report.find("note:"), std::string::npos) << "one point overlaps nothing";
  // Two points 2 mm apart whose balls (radius ~2.5 mm) overlap: noted, with the spacing that avoids it.
  std::string pair = forearm_point;
  const std::string position = "position = [\"20 mm\", \"20 mm\"]";
  pair.replace(pair.find(position), position.size(),
               "pattern = \"line\"\nposition = [\"20 mm\", \"20 mm\"]\ncount = 2\nspacing = \"2 mm\"");
  const std::string overlap = deposit_report(load(pair));
  EXPECT_MENTIONS(overlap, "note: 1 pairs of needle points of a session fill overlapping balls (closest 2.00 mm apart");
}

TEST(DepositReport, LongPatternsPrintAFewRowsAndACountPerLayerCombination) {
  const Scenario s = load(R"(
[[injections]]
pattern = "square"
position = ["20 mm", "20 mm"]
rows = 10
columns = 10
spacing = "3 mm"
depth = "0.5 mm"
volume = "0.002 mL"
cocktail = "mix"
retrotracing = { length = "0.2 mm", deposits = 2 }
[sessions]
count = 2
interval = "2 h"
)");
  ASSERT_EQ(s.injections.size(), 400u);
  const std::vector<PointDeposit> points = point_deposits(s);
  ASSERT_EQ(points.size(), 200u);  // the two sub-deposits of a track are one needle point
  EXPECT_NEAR(points[0].volume, 0.002e-6, 1e-21);
  const std::string report = deposit_report(s, 5);
  EXPECT_MENTIONS(report, "deposits: 200 needle points (100 per session x 2 sessions), 0.400 mL in all");
  EXPECT_MENTIONS(report, "... 195 more points");
  EXPECT_MENTIONS(report, "200 in ");
  EXPECT_LE(std::count(report.begin(), report.end(), '\n'), 14);
}

}  // namespace
}  // namespace mesosim
