#include "models/pattern.hpp"

#include <cmath>
#include <numbers>

#include "solver/error.hpp"

namespace mesosim {

namespace {
constexpr const char* kind_names[] = {"point", "square", "hex", "line", "list"};
}

PatternKind parse_pattern_kind(const std::string& name) {
  for (int n = 0; n < 5; ++n)
    if (name == kind_names[n]) return PatternKind(n);
  throw InputError("'" + name + "' is not a pattern; choose one of: point, square, hex, line, list");
}

const char* to_string(PatternKind kind) { return kind_names[int(kind)]; }

PatternOrder parse_pattern_order(const std::string& name) {
  if (name == "rows") return PatternOrder::rows;
  if (name == "serpentine") return PatternOrder::serpentine;
  throw InputError("'" + name + "' is not an order; choose \"rows\" (raster) or \"serpentine\"");
}

std::array<double, 2> cos_sin_degrees(double degrees) {
  const double turns = degrees / 90.0;
  if (std::abs(turns) < 1e15 && turns == std::round(turns)) {
    static constexpr std::array<double, 2> quarter[] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    return quarter[((long(turns) % 4) + 4) % 4];
  }
  const double radians = degrees * std::numbers::pi / 180.0;
  return {std::cos(radians), std::sin(radians)};
}

std::size_t n_tips(const Pattern& pattern) {
  switch (pattern.kind) {
    case PatternKind::point: return 1;
    case PatternKind::square:
    case PatternKind::hex: return std::size_t(pattern.n_rows) * std::size_t(pattern.n_columns);
    case PatternKind::line: return std::size_t(pattern.n_points);
    case PatternKind::list: return pattern.points.size();
  }
  return 0;
}

std::vector<std::array<double, 2>> pattern_layout(const Pattern& p) {
  std::vector<std::array<double, 2>> layout;
  layout.reserve(n_tips(p));
  switch (p.kind) {
    case PatternKind::point:
      layout.push_back({p.centre_x, p.centre_y});
      break;
    case PatternKind::square:
    case PatternKind::hex: {
      const bool hex = p.kind == PatternKind::hex;
      const double row_step = hex ? p.spacing * std::sqrt(3.0) / 2.0 : p.spacing;
      // hex: odd rows shift by s/2, so the bounding box is centred by shifting every row by -s/4
      const double shift = hex && p.n_rows > 1 ? -0.25 * p.spacing : 0.0;
      for (int row = 0; row < p.n_rows; ++row) {
        const double y = p.centre_y + (row - 0.5 * (p.n_rows - 1)) * row_step;
        const double row_shift = shift + (hex && row % 2 == 1 ? 0.5 * p.spacing : 0.0);
        const bool reverse = p.order == PatternOrder::serpentine && row % 2 == 1;
        for (int n = 0; n < p.n_columns; ++n) {
          const int column = reverse ? p.n_columns - 1 - n : n;
          layout.push_back({p.centre_x + (column - 0.5 * (p.n_columns - 1)) * p.spacing + row_shift, y});
        }
      }
      break;
    }
    case PatternKind::line: {
      const auto [c, s] = cos_sin_degrees(p.direction);
      for (int k = 0; k < p.n_points; ++k) {
        const double along = (k - 0.5 * (p.n_points - 1)) * p.spacing;
        layout.push_back({p.centre_x + along * c, p.centre_y + along * s});
      }
      break;
    }
    case PatternKind::list:
      layout = p.points;
      break;
  }
  return layout;
}

std::vector<Tip> pattern_tips(const Pattern& pattern, int n_sessions, double session_interval) {
  const std::vector<std::array<double, 2>> layout = pattern_layout(pattern);
  std::mt19937_64 engine(pattern.jitter.seed);
  const bool jitter = pattern.jitter.lateral > 0.0 || pattern.jitter.depth > 0.0;
  std::vector<Tip> tips;
  tips.reserve(layout.size() * std::size_t(std::max(n_sessions, 0)));
  for (int session = 0; session < n_sessions; ++session)
    for (std::size_t k = 0; k < layout.size(); ++k) {
      Tip tip{layout[k][0], layout[k][1], pattern.depth,
              pattern.start + session * session_interval + double(k) * pattern.interval, int(k), session};
      if (jitter) {
        double u = 0.0, v = 0.0;
        do {
          u = 2.0 * uniform_01(engine) - 1.0;
          v = 2.0 * uniform_01(engine) - 1.0;
        } while (u * u + v * v > 1.0);
        tip.x += pattern.jitter.lateral * u;
        tip.y += pattern.jitter.lateral * v;
        tip.depth += pattern.jitter.depth * (2.0 * uniform_01(engine) - 1.0);
      }
      tips.push_back(tip);
    }
  return tips;
}

std::array<double, 3> track_point(const Pattern& pattern, const Tip& tip, double along) {
  const auto [cos_angle, sin_angle] = cos_sin_degrees(pattern.needle_angle);
  const auto [heading_x, heading_y] = cos_sin_degrees(pattern.needle_direction);
  // back from the tip, against the heading, toward the surface
  return {tip.x - along * cos_angle * heading_x, tip.y - along * cos_angle * heading_y, tip.depth - along * sin_angle};
}

std::vector<Injection> tip_deposits(const Pattern& pattern, const Tip& tip, const Injection& base) {
  const int n = pattern.retrotracing.length > 0.0 ? pattern.retrotracing.n_deposits : 1;
  std::vector<Injection> deposits;
  deposits.reserve(std::size_t(n));
  for (int m = 0; m < n; ++m) {
    Injection deposit = base;
    const double along = pattern.retrotracing.length > 0.0 ? (m + 0.5) * pattern.retrotracing.length / n : 0.0;
    const auto [x, y, depth] = track_point(pattern, tip, along);
    deposit.x = x;
    deposit.y = y;
    deposit.depth = depth;
    deposit.volume = base.volume / n;
    deposit.time = tip.time;
    deposit.point = tip.point;
    deposit.session = tip.session;
    deposit.n_track_deposits = n;
    deposits.push_back(std::move(deposit));
  }
  return deposits;
}

}  // namespace mesosim
