// The `mesosim view` driver: one self-contained HTML page per run (view.html in the run's
// directory) that opens from file:// in a browser with no server and no network: time slider,
// component picker, section and top view, 3-D view (vtk.js) and the where-did-it-go plot
// (viz/viewer_page.hpp for the data, viz/web/ for the page; docs/viewer.md for a tour).
//   mesosim view results/run-1            # writes results/run-1/view.html
#pragma once

#include <cstddef>
#include <string>

namespace CLI {
class App;
}

namespace mesosim {

struct ViewOptions {
  std::string directory;            ///< a run's output directory (holding results.h5)
  std::string out;                  ///< empty: DIRECTORY/view.html
  std::string component;            ///< shown first; empty: the one that stays longest
  std::size_t max_cells = 2'000'000;  ///< cells per field in the page; larger grids are block-averaged
};

/// Adds the `view` subcommand and its options to `app`; returns it.
CLI::App* add_view_command(CLI::App& app, ViewOptions& options);

/// Writes the page and prints its path and size. Returns the exit code (0). InputError for a
/// missing or damaged results file or an unknown component; OutputError if the page cannot be written.
int view(const ViewOptions& options);

}  // namespace mesosim
