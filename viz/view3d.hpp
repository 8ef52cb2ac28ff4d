// The 3-D view of one component through OpenGL: the tissue block (outline, translucent layer
// boundaries, skin surface on top), needle tracks to each injection tip, and nested isosurfaces at
// chosen concentrations coloured by the frame's colour scale, from a preset camera. VTK 9.1 on
// Debian renders through X only: the caller provides a DISPLAY (`mesosim render` starts Xvfb).
// Heading, colour bar and labels are drawn onto the Canvas like the 2-D frames.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "io/results_reader.hpp"
#include "viz/canvas.hpp"
#include "viz/colour_map.hpp"
#include "viz/slice_frame.hpp"

namespace mesosim {

class View3d {
 public:
  /// `camera`: oblique, front (looking along +y, depth down) or top (looking down on the skin).
  View3d(const ResultsReader& results, int width, int height, const ColourScale& scale, std::vector<double> iso_levels,
         const std::string& camera);
  ~View3d();
  View3d(const View3d&) = delete;
  View3d& operator=(const View3d&) = delete;

  /// Draws one frame of `field` (C order z, y, x, kg/m^3) onto a canvas of the constructor's size.
  void draw_frame(Canvas& canvas, const std::vector<double>& field, const FrameText& text);

 private:
  struct Scene;
  const ResultsReader& results_;
  ColourScale scale_;
  std::vector<double> iso_levels_;  ///< kg/m^3, ascending
  Box plot_;
  int font_ = 16;
  std::unique_ptr<Scene> scene_;
};

}  // namespace mesosim
