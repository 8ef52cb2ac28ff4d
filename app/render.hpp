// The `mesosim render` driver: pictures, movies and plots of a run's results directory in one
// command, on a machine with no display. Cross-sections and top views of one component are drawn
// without OpenGL (viz/slice_frame.hpp); the 3-D view needs OpenGL, so when DISPLAY is unset the
// command runs itself again under `xvfb-run -a` (Debian's VTK 9.1 renders through X only).
//   mesosim render results/run-1 --component lidocaine --times "0 h,6 h,1 d" --contour "0.1 mg/mL" --movie
// Without --component it shows the component that stays longest in the tissue; `--component all`
// renders each one (render.json indexes the last, render_KEY.json each).
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace mesosim {

struct RenderOptions {
  std::string directory;                   ///< a run's output directory (holding results.h5)
  std::string out;                         ///< empty: DIRECTORY/render
  std::string views = "section,top,plots"; ///< any of section, top, 3d, plots
  bool plots_only = false;                 ///< --plots: only the plots
  std::string component;                   ///< empty: the one that stays longest; "all": each in turn
  std::string section = "x";               ///< x: the x-z plane, y: the y-z plane
  int through = 1;                         ///< the injection (1-based) sections pass through
  std::string depth;                       ///< top view depth; empty: that injection's tip
  std::string times;                       ///< comma-separated; empty: every snapshot
  std::string scale = "log";               ///< linear or log
  std::string sampling = "smooth";         ///< smooth (interpolated) or cells
  std::string max, min;                    ///< colour range; empty: from the data
  std::string contour;                     ///< outline the region above this concentration
  std::string iso;                         ///< 3-D isosurface levels, comma-separated
  std::string camera = "oblique";          ///< oblique, front or top
  std::string size = "1280x720";           ///< picture size, WIDTHxHEIGHT pixels
  bool movie = false;
  double fps = 4.0;
};

/// Adds the `render` subcommand and its options to `app`; returns it.
CLI::App* add_render_command(CLI::App& app, RenderOptions& options);

/// Renders what `options` asks for; prints every file written. Returns the exit code (0).
/// InputError for a missing or damaged results file, an unknown component, a time outside the run.
int render(const RenderOptions& options);

}  // namespace mesosim
