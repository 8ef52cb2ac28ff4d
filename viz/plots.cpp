#include "viz/plots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "models/metric_table.hpp"
#include "viz/slice_frame.hpp"

namespace mesosim {

namespace {

constexpr Rgb ink{30, 30, 30};
/// Okabe-Ito colours (distinguishable by colour-blind readers), without the yellow.
constexpr Rgb palette[] = {{0, 114, 178}, {213, 94, 0}, {0, 158, 115}, {204, 121, 167}, {230, 159, 0}, {86, 180, 233}, {0, 0, 0}};

std::string tick_text(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", std::abs(value) < 1e-12 ? 0.0 : value);
  return text;
}

/// Cohen-Sutherland would be overkill: clip a segment to a box by sampling its parameter range.
bool clip(double& x0, double& y0, double& x1, double& y1, const Box& box) {
  double t0 = 0.0, t1 = 1.0;
  const double dx = x1 - x0, dy = y1 - y0;
  const double p[4] = {-dx, dx, -dy, dy};
  const double q[4] = {x0 - box.x, box.right() - 1 - x0, y0 - box.y, box.bottom() - 1 - y0};
  for (int n = 0; n < 4; ++n) {
    if (p[n] == 0.0) {
      if (q[n] < 0.0) return false;
    } else {
      const double t = q[n] / p[n];
      if (p[n] < 0.0) t0 = std::max(t0, t);
      else t1 = std::min(t1, t);
    }
  }
  if (t0 > t1) return false;
  const double ax = x0 + t0 * dx, ay = y0 + t0 * dy, bx = x0 + t1 * dx, by = y0 + t1 * dy;
  x0 = ax;
  y0 = ay;
  x1 = bx;
  y1 = by;
  return true;
}

}  // namespace

Box draw_line_plot(Canvas& canvas, const Box& box, const PlotAxes& axes, const std::vector<PlotLine>& lines, int font) {
  const int small = std::max(9, font * 5 / 6);
  const ColourScale x_scale{axes.log_x ? Scale::log : Scale::linear, axes.x_min, axes.x_max};
  const ColourScale y_scale{Scale::linear, axes.y_min, axes.y_max};
  int widest = 0;
  for (double tick : y_scale.ticks()) widest = std::max(widest, Canvas::text_size(tick_text(tick), {.size = small}).first);
  const int title_height = axes.title.empty() ? 0 : font + font / 2;
  const Box inner{box.x + widest + 2 * small + 12, box.y + title_height, 0, 0};
  Box plot = inner;
  plot.width = box.right() - plot.x - font / 2;
  plot.height = box.bottom() - plot.y - 2 * small - 14;
  auto to_x = [&](double x) { return plot.x + x_scale.position(x) * (plot.width - 1); };
  auto to_y = [&](double y) {
    const double s = y_scale.position(y);
    return axes.y_downward ? plot.y + s * (plot.height - 1) : plot.bottom() - 1 - s * (plot.height - 1);
  };
  if (!axes.title.empty())
    canvas.text(plot.x + plot.width / 2, box.y, axes.title, {.size = font, .colour = ink, .bold = true, .horizontal = Align::centre});
  for (double tick : y_scale.ticks()) {
    const int y = int(std::lround(to_y(tick)));
    canvas.line(plot.x, y, plot.right() - 1, y, colours::light_grey);
    canvas.fill({plot.x - 6, y, 6, 1}, ink);
    canvas.text(plot.x - 9, y, tick_text(tick), {.size = small, .colour = ink, .horizontal = Align::end, .vertical = Align::centre});
  }
  int last_right = -1 << 30;
  for (double tick : x_scale.ticks()) {
    const int x = int(std::lround(to_x(tick)));
    canvas.line(x, plot.y, x, plot.bottom() - 1, colours::light_grey);
    canvas.fill({x, plot.bottom(), 1, 6}, ink);
    const std::string label = axes.log_x ? format_value(tick) : tick_text(tick);
    const int half = Canvas::text_size(label, {.size = small}).first / 2;
    if (x - half < last_right + 6) continue;
    last_right = canvas.text(x, plot.bottom() + 8, label, {.size = small, .colour = ink, .horizontal = Align::centre}).right();
  }
  canvas.text(plot.x + plot.width / 2, box.bottom(), axes.x_label,
              {.size = small, .colour = ink, .horizontal = Align::centre, .vertical = Align::end});
  canvas.text(box.x, plot.y + plot.height / 2, axes.y_label,
              {.size = small, .colour = ink, .horizontal = Align::centre, .vertical = Align::start, .angle = 90});
  for (const PlotLine& line : lines)
    for (std::size_t n = 0; n + 1 < line.x.size(); ++n) {
      double x0 = to_x(line.x[n]), y0 = to_y(line.y[n]), x1 = to_x(line.x[n + 1]), y1 = to_y(line.y[n + 1]);
      if (clip(x0, y0, x1, y1, plot)) canvas.line(x0, y0, x1, y1, line.colour, line.thickness);
    }
  canvas.frame({plot.x - 1, plot.y - 1, plot.width + 2, plot.height + 2}, ink);
  return plot;
}

int draw_legend(Canvas& canvas, int x, int y, int max_width, const std::vector<PlotLine>& lines, int font) {
  int cursor = x, row = 0;
  const int row_height = font + 8;
  for (const PlotLine& line : lines) {
    if (line.label.empty()) continue;
    const int entry = 2 * font + 6 + Canvas::text_size(line.label, {.size = font}).first + 2 * font;
    if (cursor > x && cursor + entry > x + max_width) {
      cursor = x;
      ++row;
    }
    const int centre = y + row * row_height + row_height / 2;
    canvas.line(cursor, centre, cursor + 2 * font, centre, line.colour, 3);
    canvas.text(cursor + 2 * font + 6, centre, line.label, {.size = font, .colour = ink, .vertical = Align::centre});
    cursor += entry;
  }
  return (row + 1) * row_height;
}

void draw_metrics_plot(Canvas& canvas, const ResultsReader& results) {
  const int width = canvas.width(), height = canvas.height(), font = base_font_size(width, height);
  const int margin = font;
  const double end = results.series_times.empty() ? 1.0 : results.series_times.back();
  const bool in_days = end > 2.0 * 86400.0;
  const double unit = in_days ? 86400.0 : 3600.0;
  const Box title = canvas.text(margin, margin, results.scenario_name() + ": where the injected mass goes",
                                {.size = font * 5 / 4, .colour = ink, .bold = true});
  std::vector<PlotLine> legend;
  for (std::size_t c = 0; c < results.component_names.size(); ++c)
    legend.push_back({{}, {}, palette[c % std::size(palette)], results.component_names[c]});
  const int legend_height = draw_legend(canvas, margin, title.bottom() + font / 2, width - 2 * margin, legend, font);
  struct Panel {
    const char* metric;
    const char* title;
  };
  const Panel panels[] = {{"in_tissue", series_metric("in_tissue").label},
                          {"to_blood", series_metric("to_blood").label},
                          {"to_lymph", series_metric("to_lymph").label},
                          {"coverage", series_metric("coverage").label}};
  const int top = title.bottom() + font / 2 + legend_height + font / 2;
  const int panel_width = (width - 2 * margin) / 2, panel_height = (height - top - margin / 2) / 2;
  std::vector<double> time(results.series_times.size());
  for (std::size_t n = 0; n < time.size(); ++n) time[n] = results.series_times[n] / unit;
  for (int p = 0; p < 4; ++p) {
    std::vector<PlotLine> lines;
    for (std::size_t c = 0; c < results.component_names.size(); ++c) {
      std::vector<double> values = results.series(c, panels[p].metric);
      for (double& v : values) v *= 100.0;
      lines.push_back({time, values, palette[c % std::size(palette)], ""});
    }
    const Box box{margin + (p % 2) * panel_width, top + (p / 2) * panel_height, panel_width - margin, panel_height - margin / 2};
    draw_line_plot(canvas, box,
                   {panels[p].title, in_days ? "time (days)" : "time (hours)", p == 3 ? "% of target" : "% of injected",
                    0.0, std::max(end / unit, 1e-9), 0.0, 100.0},
                   lines, font);
  }
}

void draw_depth_profile(Canvas& canvas, const ResultsReader& results, std::size_t component, std::size_t through,
                        const std::vector<std::size_t>& snapshots, const ColourScale& scale) {
  const int width = canvas.width(), height = canvas.height(), font = base_font_size(width, height);
  const int margin = font;
  const InjectionPoint& point = results.injections.at(through);
  const int i = std::clamp(int(point.x / results.hx), 0, results.nx - 1), j = std::clamp(int(point.y / results.hy), 0, results.ny - 1);
  char heading[256];
  std::snprintf(heading, sizeof heading, "%s under injection %zu at (%.3g, %.3g) mm", results.component_names[component].c_str(),
                through + 1, point.x * 1e3, point.y * 1e3);
  const Box title = canvas.text(margin, margin, heading, {.size = font * 5 / 4, .colour = ink, .bold = true});
  const Box subtitle = canvas.text(margin, title.bottom() + font / 3, results.scenario_name(), {.size = font * 5 / 6, .colour = colours::grey});

  // At most ten snapshots, evenly picked, coloured by time along the map's darker 85 %.
  std::vector<std::size_t> shown;
  const std::size_t n_shown = std::min<std::size_t>(snapshots.size(), 10);
  for (std::size_t n = 0; n < n_shown; ++n)
    shown.push_back(snapshots[n_shown > 1 ? n * (snapshots.size() - 1) / (n_shown - 1) : 0]);
  shown.erase(std::unique(shown.begin(), shown.end()), shown.end());
  std::vector<PlotLine> lines;
  std::vector<double> depth_mm(std::size_t(results.nz));
  for (int k = 0; k < results.nz; ++k) depth_mm[std::size_t(k)] = (k + 0.5) * results.hz * 1e3;
  for (std::size_t n = 0; n < shown.size(); ++n) {
    const std::vector<double> field = results.field(shown[n], component);
    std::vector<double> profile(std::size_t(results.nz));
    for (int k = 0; k < results.nz; ++k)
      profile[std::size_t(k)] = std::max(field[(std::size_t(k) * results.ny + std::size_t(j)) * results.nx + std::size_t(i)], scale.low);
    const Rgb colour = viridis_at(shown.size() > 1 ? 0.85 * double(n) / double(shown.size() - 1) : 0.0);
    lines.push_back({profile, depth_mm, colour, format_day_time(results.snapshot_times[shown[n]])});
  }
  const int legend_width = [&] {
    int widest = 0;
    for (const PlotLine& line : lines) widest = std::max(widest, Canvas::text_size(line.label, {.size = font}).first);
    return widest + 2 * font + 6 + margin;
  }();
  const Box box{margin, subtitle.bottom() + font, width - 2 * margin - legend_width, height - subtitle.bottom() - font - margin};
  // x: concentration on the frames' range with a little room above the top (a curve at the
  // maximum stays visible); y: depth, downward.
  const PlotAxes axes{"", "concentration (mg/mL)" + std::string(scale.scale == Scale::log ? ", log scale" : ""),
                      "depth (mm)", scale.low, scale.scale == Scale::log ? scale.high * 2.0 : scale.high * 1.05, 0.0,
                      results.depth() * 1e3, scale.scale == Scale::log, true};
  const Box plot = draw_line_plot(canvas, box, axes, lines, font);
  const int small = std::max(9, font * 5 / 6);
  std::vector<int> wanted;
  for (std::size_t l = 0; l < results.layer_top.size() && results.layer_top[l] < results.depth() - 1e-9; ++l) {
    const int y = plot.y + int(std::lround(results.layer_top[l] / results.depth() * (plot.height - 1)));
    if (l > 0) canvas.line(plot.x, y, plot.right() - 1, y, colours::grey, 1, 6);
    wanted.push_back(y + 3);
  }
  // Names just below each boundary, moved apart where layers are thin.
  for (std::size_t l = 0; l < wanted.size(); ++l) {
    if (l > 0) wanted[l] = std::max(wanted[l], wanted[l - 1] + small + 3);
    canvas.text(plot.right() - 6, wanted[l], results.layer_names[l],
                {.size = small, .colour = colours::grey, .horizontal = Align::end, .vertical = Align::start, .halo = true,
                 .halo_colour = colours::white});
  }
  const int tip = plot.y + int(std::lround(point.depth / results.depth() * (plot.height - 1)));
  canvas.text(plot.x + 6, tip, "< needle tip", {.size = small, .colour = ink, .vertical = Align::centre});
  int y = plot.y;
  canvas.text(plot.right() + margin, y, "time", {.size = font, .colour = ink, .bold = true});
  y += font + 8;
  for (const PlotLine& line : lines) {
    canvas.line(plot.right() + margin, y + font / 2, plot.right() + margin + 2 * font, y + font / 2, line.colour, 3);
    canvas.text(plot.right() + margin + 2 * font + 6, y + font / 2, line.label, {.size = font, .colour = ink, .vertical = Align::centre});
    y += font + 8;
  }
}

}  // namespace mesosim
