// The units parser: prefixes, powers, volumes (mL, uL, cc), times (min, h, d), rates and
// concentrations convert to SI; bare numbers only for dimensionless keys; wrong dimensions and
// unknown units are InputErrors naming the key.
#include <gtest/gtest.h>

#include "scenarios/units.hpp"
#include "solver/error.hpp"

namespace mesosim {
namespace {

double parse(const std::string& text, Dimension d) { return parse_quantity("key", text, d); }

TEST(Units, ConvertsToSI) {
  EXPECT_DOUBLE_EQ(parse("3 mm", Dimension::of_length()), 3e-3);
  EXPECT_DOUBLE_EQ(parse("50 um", Dimension::of_length()), 50e-6);
  EXPECT_DOUBLE_EQ(parse("50\u00b5m", Dimension::of_length()), 50e-6);
  EXPECT_DOUBLE_EQ(parse("0.05 mL", Dimension::of_volume()), 0.05e-6);
  EXPECT_DOUBLE_EQ(parse("20 uL", Dimension::of_volume()), 20e-9);
  EXPECT_DOUBLE_EQ(parse("1 cc", Dimension::of_volume()), 1e-6);
  EXPECT_DOUBLE_EQ(parse("2 mm^3", Dimension::of_volume()), 2e-9);
  EXPECT_DOUBLE_EQ(parse("7 d", Dimension::of_time()), 7 * 86400.0);
  EXPECT_DOUBLE_EQ(parse("18 min", Dimension::of_time()), 18 * 60.0);
  EXPECT_DOUBLE_EQ(parse("1.5h", Dimension::of_time()), 5400.0);
  EXPECT_DOUBLE_EQ(parse("3e-10 m^2/s", Dimension::of_diffusivity()), 3e-10);
  EXPECT_DOUBLE_EQ(parse("0.01 mL/s", Dimension::of_flow()), 1e-8);
  EXPECT_DOUBLE_EQ(parse("5 mg/mL", Dimension::of_concentration()), 5.0);
  EXPECT_DOUBLE_EQ(parse("6.4e-4 1/s", Dimension::of_rate()), 6.4e-4);
  EXPECT_DOUBLE_EQ(parse("2 /h", Dimension::of_rate()), 2.0 / 3600.0);
  EXPECT_DOUBLE_EQ(parse("1 s^-1", Dimension::of_rate()), 1.0);
  EXPECT_DOUBLE_EQ(parse("12 kPa", Dimension::of_pressure()), 12e3);
  EXPECT_DOUBLE_EQ(parse("0.3", Dimension::none()), 0.3);
  EXPECT_DOUBLE_EQ(parse("30 %", Dimension::none()), 0.3);
  // A parenthesised denominator reads like the product without parentheses.
  const Dimension conductivity{3, -1, 1};
  EXPECT_DOUBLE_EQ(parse("1.4e-11 m^2/(Pa s)", conductivity), 1.4e-11);
  EXPECT_DOUBLE_EQ(parse("1.4e-11 m^2/Pa s", conductivity), 1.4e-11);
}

TEST(Units, RejectsWhatCannotBeRight) {
  auto message = [](const std::string& text, Dimension d) {
    try {
      parse_quantity("time.end", text, d);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("7", Dimension::of_time()).find("a unit is required"), std::string::npos);
  EXPECT_NE(message("7 mm", Dimension::of_time()).find("has dimension m but time.end needs s"), std::string::npos);
  EXPECT_NE(message("7 fortnights", Dimension::of_time()).find("unknown unit 'fortnights'"), std::string::npos);
  EXPECT_NE(message("days 7", Dimension::of_time()).find("expected a number"), std::string::npos);
  EXPECT_NE(message("1 m/s/s", Dimension::of_time()).find("at most one '/'"), std::string::npos);
  EXPECT_NE(message("1 m^x", Dimension::of_length()).find("integer"), std::string::npos);
  EXPECT_NE(message("inf s", Dimension::of_time()).find("not finite"), std::string::npos);
  // Found by the fuzzer: a huge power threw std::out_of_range instead of an input error.
  EXPECT_NE(message("1 m^99999999999", Dimension::of_length()).find("small integer"), std::string::npos);
  EXPECT_NE(message("1 m^12", Dimension::of_length()).find("between -9 and 9"), std::string::npos);
  EXPECT_NE(message("1 m^2/(Pa s", Dimension{3, -1, 1}).find("needs its ')'"), std::string::npos);
  EXPECT_EQ(message("7 d", Dimension::of_time()), "no error");
}

TEST(Units, DimensionNames) {
  EXPECT_EQ(to_string(Dimension::of_diffusivity()), "m^2/s");
  EXPECT_EQ(to_string(Dimension::of_concentration()), "kg/m^3");
  EXPECT_EQ(to_string(Dimension::of_rate()), "1/s");
  EXPECT_EQ(to_string(Dimension::none()), "dimensionless");
}

}  // namespace
}  // namespace mesosim
