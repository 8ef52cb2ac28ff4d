#include "app/view.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "io/results_reader.hpp"
#include "solver/error.hpp"
#include "viz/viewer_page.hpp"

namespace mesosim {

namespace fs = std::filesystem;

CLI::App* add_view_command(CLI::App& app, ViewOptions& o) {
  CLI::App* command = app.add_subcommand(
      "view", "One HTML page of a run's results that opens in a browser offline (DIR/view.html)");
  command->add_option("directory", o.directory, "A run's output directory (holding results.h5)")->required();
  command->add_option("--out", o.out, "The page to write (default: DIR/view.html)");
  command->add_option("--component", o.component, "Component shown first (default: the one that stays longest)");
  command->add_option("--max-cells", o.max_cells,
                      "Cells per 3-D field in the page; larger grids are averaged over blocks of cells")
      ->capture_default_str();
  return command;
}

int view(const ViewOptions& o) {
  if (o.max_cells < 1000) throw InputError("--max-cells must be at least 1000");
  const ResultsReader results(o.directory);
  ViewerSettings settings;
  settings.initial_component = o.component.empty() ? results.longest_staying() : results.component(o.component);
  settings.max_cells = o.max_cells;
  std::string grid_note;
  const std::string page = viewer_page(viewer_json(results, settings, grid_note));
  const fs::path out = o.out.empty() ? fs::path(o.directory) / "view.html" : fs::path(o.out);
  {
    std::ofstream file(out, std::ios::binary);
    file.write(page.data(), std::streamsize(page.size()));
    if (!file) throw OutputError("cannot write " + out.string());
  }
  std::printf("view: %s (%.1f MB: %zu snapshots, %zu components%s%s)\n", out.string().c_str(), double(page.size()) / 1e6,
              results.snapshot_times.size(), results.component_names.size(), grid_note.empty() ? "" : "; ",
              grid_note.c_str());
  std::error_code ec;
  std::printf("open it in a browser: file://%s\n", fs::absolute(out, ec).string().c_str());
  return 0;
}

}  // namespace mesosim
