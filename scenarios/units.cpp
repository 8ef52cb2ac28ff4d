#include "scenarios/units.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "solver/error.hpp"

namespace mesosim {

namespace {

struct Unit {
  double factor;  // SI value of one unit
  Dimension dimension;
};

const std::map<std::string, Unit>& unit_table() {
  static const std::map<std::string, Unit> table = {
      {"m", {1.0, {1, 0, 0}}},       {"cm", {1e-2, {1, 0, 0}}},    {"mm", {1e-3, {1, 0, 0}}},
      {"um", {1e-6, {1, 0, 0}}},     {"\u00b5m", {1e-6, {1, 0, 0}}}, {"nm", {1e-9, {1, 0, 0}}},
      {"s", {1.0, {0, 0, 1}}},       {"ms", {1e-3, {0, 0, 1}}},    {"min", {60.0, {0, 0, 1}}},
      {"h", {3600.0, {0, 0, 1}}},    {"d", {86400.0, {0, 0, 1}}},
      {"L", {1e-3, {3, 0, 0}}},      {"mL", {1e-6, {3, 0, 0}}},    {"uL", {1e-9, {3, 0, 0}}},
      {"\u00b5L", {1e-9, {3, 0, 0}}}, {"cc", {1e-6, {3, 0, 0}}},
      {"kg", {1.0, {0, 1, 0}}},      {"g", {1e-3, {0, 1, 0}}},     {"mg", {1e-6, {0, 1, 0}}},
      {"ug", {1e-9, {0, 1, 0}}},     {"\u00b5g", {1e-9, {0, 1, 0}}},
      {"Pa", {1.0, {-1, 1, -2}}},    {"kPa", {1e3, {-1, 1, -2}}},  {"mmHg", {133.322, {-1, 1, -2}}},
      {"Da", {1e-3, {0, 1, 0, -1}}},   {"kDa", {1.0, {0, 1, 0, -1}}},  {"MDa", {1e3, {0, 1, 0, -1}}},
      {"mol", {1.0, {0, 0, 0, 1}}},
      {"1", {1.0, {0, 0, 0}}},       {"%", {1e-2, {0, 0, 0}}},
  };
  return table;
}

std::string allowed_units() {
  std::string list;
  for (const auto& entry : unit_table()) {
    if (!list.empty()) list.append(", ");
    list.append(entry.first);
  }
  return list;
}

[[noreturn]] void fail(const std::string& key, const std::string& text, const std::string& why) {
  throw InputError(key + " = \"" + text + "\": " + why);
}

/// Parses one side of the unit expression: unit tokens separated by '*' or spaces, each with an
/// optional ^power. Multiplies into factor/dimension with the given sign.
void parse_product(const std::string& key, const std::string& text, const std::string& part, int sign,
                   double& factor, Dimension& dimension) {
  std::size_t pos = 0;
  bool any = false;
  while (pos < part.size()) {
    if (std::isspace(static_cast<unsigned char>(part[pos])) || part[pos] == '*') {
      ++pos;
      continue;
    }
    std::size_t end = pos;
    while (end < part.size() && part[end] != '^' && part[end] != '*' &&
           !std::isspace(static_cast<unsigned char>(part[end])))
      ++end;
    const std::string name = part.substr(pos, end - pos);
    int power = 1;
    if (end < part.size() && part[end] == '^') {
      std::size_t power_end = end + 1;
      if (power_end < part.size() && (part[power_end] == '-' || part[power_end] == '+')) ++power_end;
      while (power_end < part.size() && std::isdigit(static_cast<unsigned char>(part[power_end]))) ++power_end;
      const std::string digits = part.substr(end + 1, power_end - end - 1);
      if (digits.empty() || digits == "-" || digits == "+") fail(key, text, "the power after '^' must be an integer");
      // Powers beyond +-9 mean nothing physical (and a huge one would overflow the dimension).
      if (digits.size() > 3) fail(key, text, "the power after '^' must be a small integer, e.g. m^2 or s^-1");
      power = std::stoi(digits);
      if (power < -9 || power > 9) fail(key, text, "the power after '^' must be between -9 and 9");
      end = power_end;
    }
    const auto found = unit_table().find(name);
    if (found == unit_table().end())
      fail(key, text, "unknown unit '" + name + "'; known units: " + allowed_units());
    factor *= std::pow(found->second.factor, sign * power);
    dimension.length += sign * power * found->second.dimension.length;
    dimension.mass += sign * power * found->second.dimension.mass;
    dimension.time += sign * power * found->second.dimension.time;
    dimension.amount += sign * power * found->second.dimension.amount;
    any = true;
    pos = end;
  }
  if (!any) fail(key, text, "a unit is missing on one side of '/'");
}

}  // namespace

std::string to_string(const Dimension& d) {
  std::ostringstream numerator, denominator;
  auto put = [](std::ostringstream& out, const char* symbol, int power) {
    if (power == 0) return;
    if (out.tellp() > 0) out << ' ';
    out << symbol;
    if (std::abs(power) != 1) out << '^' << std::abs(power);
  };
  put(d.length > 0 ? numerator : denominator, "m", d.length);
  put(d.mass > 0 ? numerator : denominator, "kg", d.mass);
  put(d.time > 0 ? numerator : denominator, "s", d.time);
  put(d.amount > 0 ? numerator : denominator, "mol", d.amount);
  std::string top = numerator.str();
  const std::string bottom = denominator.str();
  if (top.empty()) return bottom.empty() ? std::string("dimensionless") : std::string("1/").append(bottom);
  if (!bottom.empty()) top.append("/").append(bottom);
  return top;
}

double parse_quantity(const std::string& key, const std::string& text, Dimension expected) {
  const char* begin = text.c_str();
  char* after = nullptr;
  const double number = std::strtod(begin, &after);
  if (after == begin) fail(key, text, "expected a number followed by a unit, e.g. \"3 mm\"");
  if (!std::isfinite(number)) fail(key, text, "the number is not finite");
  std::string unit(after);
  const auto first = unit.find_first_not_of(" \t");
  unit = first == std::string::npos ? "" : unit.substr(first, unit.find_last_not_of(" \t") - first + 1);
  if (unit.empty()) {
    if (expected == Dimension::none()) return number;
    std::ostringstream number_text;
    number_text << number;
    fail(key, text, "a unit is required (" + to_string(expected) + "), e.g. \"" + number_text.str() + " " +
                        (expected == Dimension::of_time() ? "h" : expected == Dimension::of_length() ? "mm" : "<unit>") +
                        "\"");
  }
  double factor = 1.0;
  Dimension dimension;
  const auto slash = unit.find('/');
  if (slash != std::string::npos && unit.find('/', slash + 1) != std::string::npos)
    fail(key, text, "use at most one '/' in a unit");
  if (slash == std::string::npos) {
    parse_product(key, text, unit, +1, factor, dimension);
  } else {
    const std::string numerator = unit.substr(0, slash);
    // "2 /h" reads as 2 per hour: an empty numerator is 1.
    if (numerator.find_first_not_of(" \t") != std::string::npos)
      parse_product(key, text, numerator, +1, factor, dimension);
    // The denominator may be parenthesised: "m^2/(Pa s)" = "m^2/Pa s".
    std::string denominator = unit.substr(slash + 1);
    const std::size_t open = denominator.find_first_not_of(' ');
    if (open != std::string::npos && denominator[open] == '(') {
      const std::size_t close = denominator.find_last_not_of(' ');
      if (denominator[close] != ')') fail(key, text, "a '(' after '/' needs its ')' at the end of the unit");
      denominator = denominator.substr(open + 1, close - open - 1);
    }
    parse_product(key, text, denominator, -1, factor, dimension);
  }
  if (!(dimension == expected))
    fail(key, text, "has dimension " + to_string(dimension) + " but " + key + " needs " + to_string(expected));
  return number * factor;
}

}  // namespace mesosim
