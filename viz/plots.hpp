// Line plots drawn without OpenGL (into a Canvas): the run's metrics over time for every component
// (from /series) and the depth profile of one component under an injection at chosen snapshots.
// Axes with ticks, labels and units, a legend; the same fonts as the frames.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "io/results_reader.hpp"
#include "viz/canvas.hpp"
#include "viz/colour_map.hpp"

namespace mesosim {

struct PlotLine {
  std::vector<double> x, y;
  Rgb colour;
  std::string label;  ///< "" keeps it out of the legend
  int thickness = 2;
};

struct PlotAxes {
  std::string title, x_label, y_label;
  double x_min = 0.0, x_max = 1.0, y_min = 0.0, y_max = 1.0;
  bool log_x = false;
  bool y_downward = false;  ///< y grows down the picture (depth)
};

/// One panel in `box`: frame, grid, ticks, labels and the lines (clipped to the axes). Returns the
/// axes' inner box.
Box draw_line_plot(Canvas& canvas, const Box& box, const PlotAxes& axes, const std::vector<PlotLine>& lines, int font);

/// A row of legend entries (coloured line + label) starting at (x, y), wrapping within `max_width`;
/// returns the height used.
int draw_legend(Canvas& canvas, int x, int y, int max_width, const std::vector<PlotLine>& lines, int font);

/// Four panels over time, one line per component: % of the injected mass in tissue, to blood, to
/// lymph, and the target coverage.
void draw_metrics_plot(Canvas& canvas, const ResultsReader& results);

/// Concentration against depth (downward) under injection `through`, one line per snapshot (at most
/// ten, evenly picked from `snapshots`), layer boundaries named; x axis on the colour scale's range.
void draw_depth_profile(Canvas& canvas, const ResultsReader& results, std::size_t component, std::size_t through,
                        const std::vector<std::size_t>& snapshots, const ColourScale& scale);

}  // namespace mesosim
