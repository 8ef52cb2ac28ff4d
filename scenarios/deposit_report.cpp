#include "scenarios/deposit_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>
#include <tuple>

#include "models/deposit_extent.hpp"

namespace mesosim {

namespace {

std::string format_time(double seconds) {
  char text[32];
  if (seconds < 120.0) std::snprintf(text, sizeof text, "%.1f s", seconds);
  else if (seconds < 2 * 86400.0) std::snprintf(text, sizeof text, "%.2f h", seconds / 3600.0);
  else std::snprintf(text, sizeof text, "%.2f d", seconds / 86400.0);
  return text;
}

bool contains(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }
bool is_fat(const std::string& layer) {
  return contains(layer, "hypodermis") || contains(layer, "fat") || contains(layer, "subcut") || contains(layer, "adipose");
}
bool is_dermal(const std::string& layer) { return contains(layer, "dermis") && !contains(layer, "hypodermis"); }

}  // namespace

std::vector<PointDeposit> point_deposits(const Scenario& scenario) {
  std::vector<PointDeposit> points;
  std::map<std::tuple<int, int, int>, std::size_t> index_of;
  const std::size_t n_layers = scenario.tissue.layers.size();
  for (const Injection& injection : scenario.injections) {
    const auto key = std::make_tuple(injection.entry, injection.session, injection.point);
    auto [found, inserted] = index_of.try_emplace(key, points.size());
    if (inserted) {
      PointDeposit point;
      point.entry = injection.entry;
      point.session = injection.session;
      point.point = injection.point;
      point.time = injection.time;
      point.top = scenario.grid.depth();
      point.layer_share.assign(n_layers, 0.0);
      points.push_back(point);
    }
    PointDeposit& point = points[found->second];
    const DepositExtent extent =
        deposit_extent(scenario.tissue, injection.depth, injection.volume, scenario.grid.depth());
    if (injection.depth >= point.depth) {
      point.x = injection.x;
      point.y = injection.y;
      point.depth = injection.depth;
    }
    point.radius = std::max(point.radius, extent.radius);
    point.top = std::min(point.top, extent.top);
    point.bottom = std::max(point.bottom, extent.bottom);
    for (std::size_t n = 0; n < n_layers; ++n) point.layer_share[n] += extent.layer_share[n] * injection.volume;
    point.volume += injection.volume;
  }
  for (PointDeposit& point : points)
    for (double& share : point.layer_share) share /= point.volume;
  return points;
}

std::string deposit_report(const Scenario& scenario, std::size_t n_rows) {
  const std::vector<PointDeposit> points = point_deposits(scenario);
  const std::vector<Layer>& layers = scenario.tissue.layers;
  std::ostringstream out;
  double total_volume = 0.0;
  int n_sessions = 1;
  for (const PointDeposit& point : points) {
    total_volume += point.volume;
    n_sessions = std::max(n_sessions, point.session + 1);
  }
  char line[512];
  std::snprintf(line, sizeof line,
                "deposits: %zu needle point%s (%zu per session x %d session%s), %.3f mL in all; each fills the fluid "
                "of a ball of volume V/phi around its tip, cut by the surface\n",
                points.size(), points.size() == 1 ? "" : "s", points.size() / std::size_t(n_sessions), n_sessions, n_sessions > 1 ? "s" : "",
                total_volume * 1e6);
  out << line;
  out << "  entry point session  time       x mm    y mm  depth mm  volume mL  reaches mm     layers (share of its volume)\n";
  auto layer_text = [&](const PointDeposit& point, bool with_share) {
    std::string text;
    for (std::size_t n = 0; n < layers.size(); ++n) {
      if (point.layer_share[n] < occupied_share) continue;
      char share[32];
      std::snprintf(share, sizeof share, " %.0f%%", 100 * point.layer_share[n]);
      text += (text.empty() ? "" : with_share ? ", " : " + ") + layers[n].name + (with_share ? share : "");
    }
    return text;
  };
  std::map<std::string, std::size_t> per_combination;
  std::vector<std::string> combination_order;
  for (std::size_t n = 0; n < points.size(); ++n) {
    const PointDeposit& point = points[n];
    const std::string combination = layer_text(point, false);
    if (per_combination[combination]++ == 0) combination_order.push_back(combination);
    if (n >= n_rows) continue;
    std::snprintf(line, sizeof line, "  %5d %5d %7d  %-9s %6.2f  %6.2f  %8.2f  %9.4f  %5.2f-%-5.2f    %s\n", point.entry,
                  point.point, point.session + 1, format_time(point.time).c_str(), point.x * 1e3, point.y * 1e3,
                  point.depth * 1e3, point.volume * 1e6, point.top * 1e3, point.bottom * 1e3,
                  layer_text(point, true).c_str());
    out << line;
  }
  if (points.size() > n_rows) out << "  ... " << points.size() - n_rows << " more points\n";
  out << "needle points by the layers they fill:\n";
  for (const std::string& combination : combination_order)
    out << "  " << per_combination[combination] << " in " << combination << "\n";

  // Cocktail outside the target layers, one warning per layer.
  const std::vector<std::size_t>& target = scenario.target.layers;
  std::string target_names;
  bool target_dermal = !target.empty();
  double dermis_bottom = 0.0;
  std::string fat_warning;
  for (std::size_t n : target) {
    target_names += (target_names.empty() ? "" : ", ") + layers[n].name;
    target_dermal = target_dermal && is_dermal(layers[n].name);
  }
  for (std::size_t n = 0; n < layers.size(); ++n)
    if (is_dermal(layers[n].name)) dermis_bottom = scenario.tissue.top_of(n + 1);
  std::string outside;
  for (std::size_t n = 0; n < layers.size(); ++n) {
    if (std::find(target.begin(), target.end(), n) != target.end()) continue;
    std::size_t count = 0;
    double largest = 0.0;
    for (const PointDeposit& point : points)
      if (point.layer_share[n] >= occupied_share) {
        ++count;
        largest = std::max(largest, point.layer_share[n]);
      }
    if (count == 0) continue;
    std::snprintf(line, sizeof line, "%s%s in %zu of %zu points (up to %.0f%% of a point's volume)",
                  outside.empty() ? "" : ", ", layers[n].name.c_str(), count, points.size(), 100 * largest);
    outside += line;
    if (is_fat(layers[n].name) && target_dermal) {
      std::snprintf(line, sizeof line,
                    "warning: %zu of %zu needle points reach the %s (fat) but the target is dermal (%s): the dermis "
                    "ends %.2f mm below the surface here, and a 3-4 mm perpendicular needle ends at the dermis-fat "
                    "junction or in the fat; inject shallower, smaller volumes or at an angle\n",
                    count, points.size(), layers[n].name.c_str(), target_names.c_str(), dermis_bottom * 1e3);
      fat_warning = line;
    }
  }
  if (!outside.empty()) out << "warning: cocktail outside the [metrics] target layers (" << target_names << "): " << outside << "\n";
  out << fat_warning;

  // Overlapping deposits of one session: the instant deposit adds each cocktail to the fluid it
  // fills, so where balls overlap the concentration exceeds the syringe's.
  std::size_t n_overlaps = 0;
  double closest = INFINITY, closest_radius = 0.0;
  for (std::size_t a = 0; a < points.size(); ++a)
    for (std::size_t b = a + 1; b < points.size(); ++b) {
      if (points[a].session != points[b].session) continue;
      const double distance = std::hypot(points[a].x - points[b].x, points[a].y - points[b].y, points[a].depth - points[b].depth);
      if (distance < points[a].radius + points[b].radius) {
        ++n_overlaps;
        if (distance < closest) {
          closest = distance;
          closest_radius = std::max(points[a].radius, points[b].radius);
        }
      }
    }
  if (n_overlaps > 0) {
    std::snprintf(line, sizeof line,
                  "note: %zu pairs of needle points of a session fill overlapping balls (closest %.2f mm apart, "
                  "radius %.2f mm): the instant deposit adds each cocktail to the fluid already there, so "
                  "concentrations in the overlap exceed the syringe's; space points at least %.2f mm apart to avoid it\n",
                  n_overlaps, closest * 1e3, closest_radius * 1e3, 2 * closest_radius * 1e3);
    out << line;
  }
  return out.str();
}

}  // namespace mesosim
