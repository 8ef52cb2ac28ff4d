#include "viz/slice_frame.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "solver/error.hpp"

namespace mesosim {

namespace {

constexpr Rgb ink{30, 30, 30};

std::string millimetres(double metres) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g mm", metres * 1e3);
  return text;
}

/// Marching squares over the cell centres: calls emit(u0, v0, u1, v1) in metres for each piece.
template <class Emit>
void level_set(const Slice& s, double level, Emit emit) {
  auto centre = [&](int u, int v) { return std::array<double, 2>{(u + 0.5) * s.h_u, (v + 0.5) * s.h_v}; };
  for (int v = 0; v + 1 < s.n_v; ++v)
    for (int u = 0; u + 1 < s.n_u; ++u) {
      // Corners counter-clockwise from the top-left, and the edges between them.
      const std::array<std::array<int, 2>, 4> corner = {{{u, v}, {u + 1, v}, {u + 1, v + 1}, {u, v + 1}}};
      std::array<double, 4> value{};
      int mask = 0;
      for (int c = 0; c < 4; ++c) {
        value[c] = s.at(corner[c][0], corner[c][1]);
        if (value[c] > level) mask |= 1 << c;
      }
      if (mask == 0 || mask == 15) continue;
      auto crossing = [&](int edge) {
        const int a = edge, b = (edge + 1) % 4;
        const double t = (level - value[a]) / (value[b] - value[a]);
        const auto pa = centre(corner[a][0], corner[a][1]), pb = centre(corner[b][0], corner[b][1]);
        return std::array<double, 2>{pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1])};
      };
      std::vector<int> edges;
      for (int e = 0; e < 4; ++e)
        if (((mask >> e) & 1) != ((mask >> ((e + 1) % 4)) & 1)) edges.push_back(e);
      if (edges.size() == 2) {
        const auto p = crossing(edges[0]), q = crossing(edges[1]);
        emit(p[0], p[1], q[0], q[1]);
      } else {  // a saddle: the centre value decides which corners connect
        const double mean = (value[0] + value[1] + value[2] + value[3]) / 4.0;
        const bool joined = (mean > level) == bool(mask & 1);
        const std::array<int, 4> pairs = joined ? std::array<int, 4>{0, 1, 2, 3} : std::array<int, 4>{3, 0, 1, 2};
        for (int n = 0; n < 4; n += 2) {
          const auto p = crossing(pairs[std::size_t(n)]), q = crossing(pairs[std::size_t(n + 1)]);
          emit(p[0], p[1], q[0], q[1]);
        }
      }
    }
}

/// The injection marker: a white ring inside a dark one, legible on every colour of the map.
void marker(Canvas& canvas, double x, double y, int radius) {
  canvas.ring(x, y, radius + 1, colours::black, 2);
  canvas.ring(x, y, radius - 1, colours::white, 2);
}

/// Places labels near their wanted heights without overlaps (top to bottom), within [low, high].
std::vector<int> spread(const std::vector<int>& wanted, int spacing, int low, int high) {
  std::vector<int> placed(wanted);
  for (std::size_t n = 0; n < placed.size(); ++n) {
    placed[n] = std::max(placed[n], low);
    if (n > 0) placed[n] = std::max(placed[n], placed[n - 1] + spacing);
  }
  for (std::size_t n = placed.size(); n-- > 0;) {  // push back up from the bottom if needed
    placed[n] = std::min(placed[n], high - int(placed.size() - 1 - n) * spacing);
    if (n + 1 < placed.size()) placed[n] = std::min(placed[n], placed[n + 1] - spacing);
  }
  return placed;
}

/// The two cell planes around `coordinate` (m, cell centres at (n + 0.5) h) and the weight of the
/// second; cells: the plane holding it, weight 0.
struct Planes {
  int first = 0, second = 0;
  double weight = 0.0;
};

Planes planes_around(double coordinate, double h, int n, Sampling sampling) {
  if (sampling == Sampling::cells) {
    const int k = std::clamp(int(coordinate / h), 0, n - 1);
    return {k, k, 0.0};
  }
  const double f = std::clamp(coordinate / h - 0.5, 0.0, double(n - 1));
  const int first = std::min(int(f), n - 1);
  return {first, std::min(first + 1, n - 1), f - first};
}

}  // namespace

Sampling parse_sampling(const std::string& name) {
  if (name == "smooth") return Sampling::smooth;
  if (name == "cells") return Sampling::cells;
  throw InputError("--sampling " + name + ": use smooth (interpolated between cell centres) or cells (each cell's value)");
}

double Slice::cell(double u, double v) const {
  return at(std::clamp(int(u / h_u), 0, n_u - 1), std::clamp(int(v / h_v), 0, n_v - 1));
}

double Slice::sample(double u, double v) const {
  const double fu = std::clamp(u / h_u - 0.5, 0.0, double(n_u - 1)), fv = std::clamp(v / h_v - 0.5, 0.0, double(n_v - 1));
  const int u0 = std::min(int(fu), n_u - 1), v0 = std::min(int(fv), n_v - 1);
  const int u1 = std::min(u0 + 1, n_u - 1), v1 = std::min(v0 + 1, n_v - 1);
  const double su = fu - u0, sv = fv - v0;
  return (1 - sv) * ((1 - su) * at(u0, v0) + su * at(u1, v0)) + sv * ((1 - su) * at(u0, v1) + su * at(u1, v1));
}

Slice cut(const ResultsReader& r, const std::vector<double>& field, const SliceSpec& spec) {
  auto index = [&](int i, int j, int k) { return (std::size_t(k) * std::size_t(r.ny) + std::size_t(j)) * std::size_t(r.nx) + std::size_t(i); };
  Slice s;
  if (spec.view == SliceView::top) {
    const Planes k = planes_around(spec.depth, r.hz, r.nz, spec.sampling);
    s.n_u = r.nx;
    s.n_v = r.ny;
    s.h_u = r.hx;
    s.h_v = r.hy;
    s.values.resize(std::size_t(s.n_u) * std::size_t(s.n_v));
    for (int row = 0; row < r.ny; ++row)
      for (int i = 0; i < r.nx; ++i)
        s.values[std::size_t(row) * std::size_t(r.nx) + std::size_t(i)] =
            (1 - k.weight) * field[index(i, r.ny - 1 - row, k.first)] + k.weight * field[index(i, r.ny - 1 - row, k.second)];
    return s;
  }
  const InjectionPoint& through = r.injections.at(spec.through);
  const bool along_x = spec.axis == 'x';
  s.n_u = along_x ? r.nx : r.ny;
  s.n_v = r.nz;
  s.h_u = along_x ? r.hx : r.hy;
  s.h_v = r.hz;
  const Planes fixed = along_x ? planes_around(through.y, r.hy, r.ny, spec.sampling)
                               : planes_around(through.x, r.hx, r.nx, spec.sampling);
  auto value = [&](int u, int plane, int k) { return along_x ? field[index(u, plane, k)] : field[index(plane, u, k)]; };
  s.values.resize(std::size_t(s.n_u) * std::size_t(s.n_v));
  for (int k = 0; k < r.nz; ++k)
    for (int u = 0; u < s.n_u; ++u)
      s.values[std::size_t(k) * std::size_t(s.n_u) + std::size_t(u)] =
          (1 - fixed.weight) * value(u, fixed.first, k) + fixed.weight * value(u, fixed.second, k);
  return s;
}

int base_font_size(int width, int height) { return std::clamp(std::min(width / 56, height / 34), 10, 26); }

void draw_colour_bar(Canvas& canvas, const Box& bar, const ColourScale& scale, const std::string& title, int font) {
  for (int row = 0; row < bar.height; ++row) {
    const double position = bar.height > 1 ? double(bar.height - 1 - row) / (bar.height - 1) : 1.0;
    canvas.fill({bar.x, bar.y + row, bar.width, 1}, viridis_at(position));
  }
  canvas.frame({bar.x - 1, bar.y - 1, bar.width + 2, bar.height + 2}, ink);
  // Both ends are labelled first; round ticks in between where they do not touch a label.
  const TextStyle label{.size = font, .colour = ink, .vertical = Align::centre};
  std::vector<int> labelled;
  auto tick = [&](double value, bool always) {
    const int y = bar.y + int(std::lround((1.0 - scale.position(value)) * (bar.height - 1)));
    for (int other : labelled)
      if (std::abs(y - other) < font * 3 / 2) return;
    if (!always && (y <= bar.y || y >= bar.bottom() - 1)) return;
    canvas.fill({bar.right(), y, 6, 1}, ink);
    canvas.text(bar.right() + 9, y, format_value(value), label);
    labelled.push_back(y);
  };
  tick(scale.high, true);
  tick(scale.low, true);
  for (double value : scale.ticks()) tick(value, false);
  canvas.text(bar.x, bar.y - font / 2 - 4, title, {.size = font, .colour = ink, .bold = true, .vertical = Align::end});
  canvas.text(bar.x, bar.bottom() + font / 2 + 2,
              scale.scale == Scale::log ? "log scale" : "linear scale", {.size = font * 5 / 6, .colour = colours::grey});
}

Box draw_scale_bar(Canvas& canvas, int x, int y, double pixels_per_m, int max_width, int font) {
  double length = 1e-3;  // m
  for (double candidate : {1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1})
    if (candidate * pixels_per_m <= max_width / 4.0) length = candidate;
  const int width = int(std::lround(length * pixels_per_m));
  canvas.fill({x, y, width, 5}, ink);
  canvas.fill({x, y - 4, 2, 13}, ink);
  canvas.fill({x + width - 2, y - 4, 2, 13}, ink);
  const Box label = canvas.text(x + width + 8, y + 2, millimetres(length), {.size = font, .colour = ink, .vertical = Align::centre});
  return {x, y - 4, label.right() - x, 13};
}

FrameLayout draw_slice_frame(Canvas& canvas, const ResultsReader& r, const SliceSpec& spec, const Slice& slice,
                             const ColourScale& scale, const std::vector<Outline>& outlines, const FrameText& text) {
  const int width = canvas.width(), height = canvas.height();
  const int font = base_font_size(width, height), small = std::max(9, font * 5 / 6);
  const bool section = spec.view == SliceView::section;
  const InjectionPoint& through = r.injections.at(spec.through);

  // Heading: what (component and plane), where from (scenario) and when (time, large, at the right).
  const int margin = font;
  std::string what;
  char where[160];
  if (section) {
    std::snprintf(where, sizeof where, "cross-section, %c-z plane through injection %zu (%s = %.3g mm)", spec.axis,
                  spec.through + 1, spec.axis == 'x' ? "y" : "x", (spec.axis == 'x' ? through.y : through.x) * 1e3);
  } else {
    std::snprintf(where, sizeof where, "top view at %.3g mm depth (%s)", spec.depth * 1e3,
                  r.layer_names[r.layer_at(spec.depth)].c_str());
  }
  const Box time_box = canvas.text(width - margin, margin, format_day_time(text.time),
                                   {.size = font * 3 / 2, .colour = ink, .bold = true, .horizontal = Align::end});
  const int heading_width = width - time_box.width - 3 * margin;  // long names shrink, never reach the time
  const std::string title = text.component + ": " + where;
  const Box title_box =
      canvas.text(margin, margin, title, Canvas::fitted(title, {.size = font, .colour = ink, .bold = true}, heading_width));
  double peak = 0.0;
  for (double value : slice.values) peak = std::max(peak, value);
  const std::string subtitle = text.scenario + "  |  highest in this plane now: " + format_value(peak) + " mg/mL";
  canvas.text(margin, title_box.bottom() + font / 3, subtitle,
              Canvas::fitted(subtitle, {.size = small, .colour = colours::grey}, heading_width));
  const int top = std::max(title_box.bottom() + font / 3 + small, time_box.bottom()) + font * 3 / 2;

  // Right-hand block: the colour bar with its labels; left margin: the depth axis (sections).
  const int bar_width = std::max(14, font);
  const int bar_block = bar_width + 9 + Canvas::text_size("0.0001", {.size = font}).first + margin;
  const int label_block = section ? [&] {
    int widest = 0;
    for (const std::string& name : r.layer_names) widest = std::max(widest, Canvas::text_size(name, {.size = small}).first);
    return widest + 36;
  }() : 0;
  const int left = section ? margin + 2 * font + Canvas::text_size("10", {.size = small}).first : margin;
  const int bottom_band = 3 * font;
  const Box available{left, top, width - left - bar_block - label_block - margin, height - top - bottom_band};
  const double length_u = slice.n_u * slice.h_u, length_v = slice.n_v * slice.h_v;
  const double ppm = std::min(available.width / length_u, available.height / length_v);
  Box plot{0, 0, int(std::floor(length_u * ppm)), int(std::floor(length_v * ppm))};
  plot.x = available.x + (available.width - plot.width) / 2;
  plot.y = available.y + (available.height - plot.height) / 2;  // flat sections sit mid-height

  // The field, pixel by pixel at pixel centres.
  std::vector<std::uint8_t> rgb(std::size_t(plot.width) * std::size_t(plot.height) * 3);
  for (int y = 0; y < plot.height; ++y)
    for (int x = 0; x < plot.width; ++x) {
      const Rgb c = viridis_at(scale.position(slice.sample((x + 0.5) / ppm, (y + 0.5) / ppm, spec.sampling)));
      const std::size_t p = (std::size_t(y) * std::size_t(plot.width) + std::size_t(x)) * 3;
      rgb[p] = c.r;
      rgb[p + 1] = c.g;
      rgb[p + 2] = c.b;
    }
  canvas.paste(plot, rgb);
  canvas.frame({plot.x - 1, plot.y - 1, plot.width + 2, plot.height + 2}, ink);

  if (section) {
    // Layer boundaries across the picture, names to the right at the middle of each layer.
    std::vector<int> wanted;
    std::vector<int> middles;
    for (std::size_t l = 0; l < r.layer_top.size() && r.layer_top[l] < r.depth() - 1e-9; ++l) {
      const double layer_bottom = l + 1 < r.layer_top.size() ? r.layer_top[l + 1] : r.depth();
      const int y_top = plot.y + int(std::lround(r.layer_top[l] * ppm));
      if (l > 0) canvas.line(plot.x, y_top, plot.right() - 1, y_top, colours::white, 1, 6, 0.85);
      const int middle = plot.y + int(std::lround(0.5 * (r.layer_top[l] + std::min(layer_bottom, r.depth())) * ppm));
      middles.push_back(middle);
      wanted.push_back(middle);
    }
    const std::vector<int> placed = spread(wanted, small + 4, plot.y + small / 2, plot.bottom() - small / 2);
    for (std::size_t l = 0; l < placed.size(); ++l) {
      canvas.line(plot.right() + 2, middles[l], plot.right() + 12, middles[l], colours::grey);
      canvas.line(plot.right() + 12, middles[l], plot.right() + 24, placed[l], colours::grey);
      canvas.text(plot.right() + 28, placed[l], r.layer_names[l], {.size = small, .colour = ink, .vertical = Align::centre});
    }
    // Depth axis: ticks every 1, 2 or 5 mm, "skin surface" at 0.
    double step = 1e-3;
    for (double candidate : {5e-4, 1e-3, 2e-3, 5e-3, 1e-2})
      if (candidate * ppm >= 2.5 * font) { step = candidate; break; }
    for (double d = 0.0; d <= r.depth() + 1e-12; d += step) {
      const int y = plot.y + int(std::lround(d * ppm));
      canvas.fill({plot.x - 7, y, 6, 1}, ink);
      char label[16];
      std::snprintf(label, sizeof label, "%g", d * 1e3);
      canvas.text(plot.x - 10, y, label, {.size = small, .colour = ink, .horizontal = Align::end, .vertical = Align::centre});
    }
    canvas.text(plot.x - 10 - Canvas::text_size("10", {.size = small}).first - font / 2, plot.y + plot.height / 2,
                "depth (mm)", {.size = small, .colour = ink, .horizontal = Align::centre, .vertical = Align::end, .angle = 90});
    canvas.text(plot.x, plot.y - 4, "skin surface", {.size = small, .colour = ink, .vertical = Align::end});
  }

  // Outlines (drawn dark-then-light so they show on every colour).
  for (const Outline& outline : outlines) {
    auto draw = [&](Rgb colour, int thickness) {
      level_set(outline.field, outline.level, [&](double u0, double v0, double u1, double v1) {
        canvas.line(plot.x + u0 * ppm, plot.y + v0 * ppm, plot.x + u1 * ppm, plot.y + v1 * ppm, colour, thickness);
      });
    };
    draw(colours::black, 4);
    draw(colours::white, 2);
  }

  // Injection points given by this time: a needle track and tip in the section (those within a
  // cell of the plane), every point in the top view; points at one place share a marker whose
  // label lists their numbers (a course of sessions).
  const int radius = std::max(5, font / 2);
  std::vector<std::pair<std::array<int, 2>, std::string>> markers;
  for (std::size_t n = 0; n < r.injections.size(); ++n) {
    const InjectionPoint& p = r.injections[n];
    if (p.time > text.time + 1e-6) continue;
    double u = 0.0, v = 0.0;
    if (section) {
      const double off_plane = spec.axis == 'x' ? std::abs(p.y - through.y) : std::abs(p.x - through.x);
      if (off_plane > (spec.axis == 'x' ? r.hy : r.hx)) continue;
      u = spec.axis == 'x' ? p.x : p.y;
      v = p.depth;
    } else {
      u = p.x;
      v = r.length_y() - p.y;
    }
    const std::array<int, 2> at = {plot.x + int(std::lround(u * ppm)), plot.y + int(std::lround(v * ppm))};
    auto same = std::find_if(markers.begin(), markers.end(), [&](const auto& m) {
      return std::abs(m.first[0] - at[0]) <= 2 && std::abs(m.first[1] - at[1]) <= 2;
    });
    if (same == markers.end()) markers.push_back({at, std::to_string(n + 1)});
    else same->second.append(",").append(std::to_string(n + 1));
  }
  for (const auto& [at, numbers] : markers) {
    if (section) canvas.line(at[0], plot.y, at[0], at[1] - radius - 1, colours::white, 2, 5, 0.9);
    marker(canvas, at[0], at[1], radius);
    canvas.text(at[0] + radius + 3, at[1] - radius - 1, numbers,
                {.size = small, .colour = colours::white, .bold = true, .vertical = Align::end, .halo = true});
  }

  // Bottom band: scale bar, then the legend.
  const int band_y = plot.bottom() + font + font / 2;
  const Box scale_box = draw_scale_bar(canvas, plot.x, band_y, ppm, plot.width, small);
  int legend_x = scale_box.right() + 2 * font;
  marker(canvas, legend_x + radius, band_y + 2, radius);
  legend_x = canvas.text(legend_x + 2 * radius + 10, band_y + 2, section ? "injection (needle tip)" : "injection point",
                         {.size = small, .colour = ink, .vertical = Align::centre}).right() + 2 * font;
  for (const Outline& outline : outlines) {
    canvas.line(legend_x, band_y + 2, legend_x + 2 * font, band_y + 2, colours::black, 4);
    canvas.line(legend_x, band_y + 2, legend_x + 2 * font, band_y + 2, colours::white, 2);
    double highest = 0.0;
    for (double value : outline.field.values) highest = std::max(highest, value);
    legend_x = canvas.text(legend_x + 2 * font + 6, band_y + 2, outline.label + (highest > outline.level ? "" : " (none now)"),
                           {.size = small, .colour = ink, .vertical = Align::centre}).right() + 2 * font;
  }

  FrameLayout layout;
  layout.plot = plot;
  layout.pixels_per_m = ppm;
  // The bar spans the picture's height, but no less than a readable length for flat sections.
  const int bar_height = std::min(available.height, std::max(plot.height, 12 * font));
  const int bar_top = std::clamp(plot.y + plot.height / 2 - bar_height / 2, available.y, available.bottom() - bar_height);
  layout.bar = {width - bar_block, bar_top, bar_width, bar_height};
  draw_colour_bar(canvas, layout.bar, scale, "mg/mL", font);
  return layout;
}

}  // namespace mesosim
