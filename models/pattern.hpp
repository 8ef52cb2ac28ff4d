// Injection patterns (MODEL §4): where the needle tips of one [[injections]] entry go (a point, a
// square or hexagonal grid, a line, an explicit list), in which order and when, with reproducible
// jitter of each tip (manual technique) and retrotracing (the volume laid evenly along the needle
// track as it withdraws, as N sub-deposits). Pure geometry on plain structs: reading the scenario
// file and checking that every tip lies in the tissue belong to scenarios/.
#pragma once

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "models/injection.hpp"

namespace mesosim {

enum class PatternKind { point, square, hex, line, list };
/// Order of the points of a grid: `rows` visits every row with x increasing, rows with y
/// increasing (raster); `serpentine` reverses every second row (row 1, 3, ...).
enum class PatternOrder { rows, serpentine };

/// "point", "square", ... (InputError listing the names for anything else).
PatternKind parse_pattern_kind(const std::string& name);
const char* to_string(PatternKind kind);
PatternOrder parse_pattern_order(const std::string& name);

/// Manual scatter of each tip: the lateral offset is uniform over a disc of radius `lateral`, the
/// depth offset uniform in [-depth, +depth]. Drawn from std::mt19937_64(seed) whose raw output
/// the C++ standard fixes: per tip, pairs u, v = 2 U - 1 until u^2 + v^2 <= 1 (U = the top 53
/// bits of one engine output times 2^-53), then one more U for the depth. No std:: distribution,
/// no trigonometry: the same seed gives the same points, bit for bit, on every platform.
struct Jitter {
  double lateral = 0.0;    ///< m, the largest lateral offset
  double depth = 0.0;      ///< m, the largest depth offset
  std::uint64_t seed = 0;  ///< engine seed
};

/// Retrotracing: the volume of each point laid evenly along the last `length` of the needle track
/// as the needle withdraws, as `n_deposits` equal sub-deposits at the midpoints of equal segments
/// of the track (midpoint rule for a uniform line source). The tip is the deepest end.
struct Retrotracing {
  double length = 0.0;  ///< m along the needle; 0 = no retrotracing (one deposit at the tip)
  int n_deposits = 1;   ///< sub-deposits per track, each with volume V / n_deposits
};

/// One [[injections]] entry resolved to SI. Grids are centred on (centre_x, centre_y): a square
/// grid has n_columns points along x and n_rows along y, `spacing` apart; a hexagonal grid has rows
/// spacing * sqrt(3)/2 apart with every odd row shifted by spacing / 2 along x (every neighbour at
/// `spacing`), its bounding box centred; a line has n_points points `spacing` apart along
/// `direction`, centred; a list gives absolute positions in its own order.
struct Pattern {
  PatternKind kind = PatternKind::point;
  double centre_x = 0.0, centre_y = 0.0;      ///< m
  double depth = 0.0;                         ///< m, tip depth below the surface
  double spacing = 0.0;                       ///< m between neighbouring points
  int n_rows = 1, n_columns = 1;              ///< square and hex grids
  int n_points = 1;                           ///< line
  double direction = 0.0;                     ///< degrees, line direction from +x toward +y
  std::vector<std::array<double, 2>> points;  ///< m, list
  PatternOrder order = PatternOrder::rows;
  double start = 0.0;                         ///< s, time of the first point
  double interval = 0.0;                      ///< s between consecutive points
  Jitter jitter;
  double needle_angle = 90.0;      ///< degrees from the surface (90 = perpendicular)
  double needle_direction = 0.0;   ///< degrees from +x toward +y: the needle's heading going in
  Retrotracing retrotracing;
};

/// Number of tips of one session of the pattern.
std::size_t n_tips(const Pattern& pattern);

/// One needle tip as placed: position after jitter, time, which point of which session.
struct Tip {
  double x = 0.0, y = 0.0, depth = 0.0;  ///< m
  double time = 0.0;                     ///< s
  int point = 0;                         ///< index in injection order within the session
  int session = 0;                       ///< 0-based
};

/// The nominal lateral positions (m) of one session in injection order (order applied, no jitter).
std::vector<std::array<double, 2>> pattern_layout(const Pattern& pattern);

/// Every tip of every session: session s, point k at time start + s session_interval + k interval.
/// One engine per pattern, seeded once: each session draws fresh jitter, as a hand would.
std::vector<Tip> pattern_tips(const Pattern& pattern, int n_sessions = 1, double session_interval = 0.0);

/// The point of the needle track at distance `along` (m) back from the tip toward the entry.
std::array<double, 3> track_point(const Pattern& pattern, const Tip& tip, double along);

/// The deposits of one tip: one at the tip, or the retrotracing sub-deposits along its track,
/// each a copy of `base` (cocktail, concentrations, reservoir) with its position, volume, time
/// and the tip's point / session indices.
std::vector<Injection> tip_deposits(const Pattern& pattern, const Tip& tip, const Injection& base);

/// A uniform double in [0, 1) from the top 53 bits of one engine output (platform independent).
inline double uniform_01(std::mt19937_64& engine) { return double(engine() >> 11) * 0x1.0p-53; }

/// (cos, sin) of an angle in degrees, exact for multiples of 90 degrees.
std::array<double, 2> cos_sin_degrees(double degrees);

}  // namespace mesosim
