// One 2-D frame of a component's concentration, drawn without OpenGL: a cross-section (x-z or
// y-z plane through an injection, skin surface at the top, depth downward, layer boundaries drawn
// and named) or a top view (x-y plane at a depth). Each frame carries its colour bar (fixed range,
// mg/mL), a scale bar in mm, the injection points, the time and the scenario name, and any number
// of outlines: level sets of a slice field (today a concentration given by --contour; the bleb's
// excess-fluid or pressure field, once results files hold one, is outlined the same way).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "io/results_reader.hpp"
#include "viz/canvas.hpp"
#include "viz/colour_map.hpp"

namespace mesosim {

enum class SliceView { section, top };

/// How a picture samples the cell values: smooth (linear between cell centres, in the plane and
/// across it) or cells (each cell's own value, the staircase of the grid).
enum class Sampling { smooth, cells };
Sampling parse_sampling(const std::string& name);  ///< "smooth" or "cells"; anything else is an InputError

struct SliceSpec {
  SliceView view = SliceView::section;
  char axis = 'x';          ///< section: 'x' = the x-z plane through the injection, 'y' = the y-z plane
  std::size_t through = 0;  ///< index of the injection the section passes through (0: the first)
  double depth = 0.0;       ///< top view: m below the skin surface
  Sampling sampling = Sampling::smooth;
};

/// A plane cut of a cell-centred 3-D field: n_u columns (left to right in the picture) by n_v rows
/// (top to bottom), each cell h_u x h_v metres.
struct Slice {
  int n_u = 0, n_v = 0;
  double h_u = 0.0, h_v = 0.0;  ///< m
  std::vector<double> values;   ///< row-major, row 0 at the top of the picture

  double at(int u, int v) const { return values[std::size_t(v) * std::size_t(n_u) + std::size_t(u)]; }
  /// Bilinear between cell centres (constant beyond the outer centres); u, v in m from the top-left.
  double sample(double u, double v) const;
  /// The value of the cell holding (u, v), m from the top-left (clamped to the slice).
  double cell(double u, double v) const;
  /// sample() or cell() as `sampling` says.
  double sample(double u, double v, Sampling sampling) const { return sampling == Sampling::cells ? cell(u, v) : sample(u, v); }
};

/// Cuts the plane `spec` names out of `field` (C order z, y, x, as ResultsReader::field gives it).
/// Section rows are depths (surface first); top-view rows run from y = L_y at the top to y = 0.
/// Smooth sampling interpolates linearly between the two cell planes around the cut (constant
/// beyond the outer centres); cells takes the plane of the cell holding it.
Slice cut(const ResultsReader& results, const std::vector<double>& field, const SliceSpec& spec);

/// A level set of a slice field drawn as a line over the frame, with its legend text.
struct Outline {
  Slice field;        ///< same plane and shape as the frame's slice
  double level = 0.0;
  std::string label;  ///< e.g. "above 0.1 mg/mL"
};

/// Where the parts of a frame are, in pixels (recorded in render.json for tests and tools).
struct FrameLayout {
  Box plot;                  ///< the coloured picture of the slice
  Box bar;                   ///< the colour bar (bottom = low end)
  double pixels_per_m = 0.0; ///< plot scale: u metres to the right of plot.x, v metres below plot.y
};

struct FrameText {
  std::string scenario;   ///< the scenario name
  std::string component;  ///< the component name
  double time = 0.0;      ///< s
};

/// Draws the whole frame onto `canvas` (which sets the picture size) and returns its layout.
FrameLayout draw_slice_frame(Canvas& canvas, const ResultsReader& results, const SliceSpec& spec, const Slice& slice,
                             const ColourScale& scale, const std::vector<Outline>& outlines, const FrameText& text);

/// Font size in pixels for a picture of this size (the same rule for frames and plots).
int base_font_size(int width, int height);

/// Draws a vertical colour bar in `bar` with ticks and labels to its right, `title` above it and
/// the scale's name below it.
void draw_colour_bar(Canvas& canvas, const Box& bar, const ColourScale& scale, const std::string& title, int font);

/// A horizontal scale bar of a round length (1, 2, 5, 10, ... mm) about a fifth of `max_width`,
/// starting at (x, y); returns its box.
Box draw_scale_bar(Canvas& canvas, int x, int y, double pixels_per_m, int max_width, int font);

}  // namespace mesosim
