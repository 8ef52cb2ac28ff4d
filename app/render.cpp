#include "app/render.hpp"
#include "app/x_display.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "io/results_reader.hpp"
#include "scenarios/units.hpp"
#include "solver/error.hpp"
#include "viz/canvas.hpp"
#include "viz/colour_map.hpp"
#include "viz/movie.hpp"
#include "viz/plots.hpp"
#include "viz/slice_frame.hpp"
#include "viz/view3d.hpp"

namespace mesosim {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) {
    const auto first = part.find_first_not_of(" \t"), last = part.find_last_not_of(" \t");
    if (first != std::string::npos) parts.push_back(part.substr(first, last - first + 1));
  }
  return parts;
}

std::pair<int, int> parse_size(const std::string& text) {
  int width = 0, height = 0;
  char separator = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%d%c%d%c", &width, &separator, &height, &extra) != 3 || separator != 'x' ||
      width < 320 || height < 240 || width > 8192 || height > 8192)
    throw InputError("--size " + text + ": give WIDTHxHEIGHT in pixels, e.g. 1280x720 (320x240 to 8192x8192)");
  return {width, height};
}

/// The snapshots nearest to the requested times (all of them if none is requested), in time order.
std::vector<std::size_t> choose_snapshots(const ResultsReader& results, const std::string& times) {
  const std::vector<double>& t = results.snapshot_times;
  std::vector<std::size_t> chosen;
  if (times.empty()) {
    for (std::size_t n = 0; n < t.size(); ++n) chosen.push_back(n);
    return chosen;
  }
  // Half the typical spacing of the snapshots: how far past the ends a request may lie.
  const double slack = t.size() > 1 ? 0.5 * (t.back() - t.front()) / double(t.size() - 1) : 60.0;
  std::set<std::size_t> unique;
  for (const std::string& item : split(times, ',')) {
    const double wanted = parse_quantity("--times", item, Dimension::of_time());
    if (wanted < t.front() - slack || wanted > t.back() + slack) {
      char span[64];
      std::snprintf(span, sizeof span, " (%.4g h to %.4g h)", t.front() / 3600.0, t.back() / 3600.0);
      throw InputError("--times " + item + " is outside the run: its snapshots span " + format_day_time(t.front()) +
                       " to " + format_day_time(t.back()) + span +
                       "; choose times in that span, or leave --times out for every snapshot");
    }
    std::size_t best = 0;
    for (std::size_t n = 1; n < t.size(); ++n)
      if (std::abs(t[n] - wanted) < std::abs(t[best] - wanted)) best = n;
    unique.insert(best);
  }
  if (unique.empty()) throw InputError("--times '" + times + "': give times with units, e.g. \"0 h,6 h,1 d\"");
  return {unique.begin(), unique.end()};
}

double field_max(const std::vector<double>& field) {
  double peak = 0.0;
  for (double value : field) peak = std::max(peak, value);
  return peak;
}

std::string frame_name(const std::string& key, const std::string& view, std::size_t n) {
  char text[16];
  std::snprintf(text, sizeof text, "_%04zu.png", n);
  return key + "_" + view + text;
}

/// Runs this very command again under `xvfb-run -a` (an X server for OpenGL); never returns on success.
void reexec_under_xvfb() {
  if (std::getenv("MESOSIM_RENDER_UNDER_XVFB"))
    throw InputError("--view 3d: xvfb-run started, but OpenGL still has no working display; "
                     "check that Xvfb works, e.g. `xvfb-run -a glxinfo`");
  std::ifstream cmdline("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> arguments;
  std::string argument;
  while (std::getline(cmdline, argument, '\0')) arguments.push_back(argument);
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (arguments.empty() || ec) throw InputError("--view 3d needs an X display and this one cannot be restarted under Xvfb");
  arguments[0] = self.string();
  std::vector<std::string> command = {"xvfb-run", "-a", "-s", "-screen 0 1920x1200x24 -nolisten tcp"};
  command.insert(command.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (std::string& word : command) argv.push_back(word.data());
  argv.push_back(nullptr);
  setenv("MESOSIM_RENDER_UNDER_XVFB", "1", 1);
  std::printf("render: no working X display; running again under xvfb-run for the 3-D view\n");
  std::fflush(stdout);
  execvp("xvfb-run", argv.data());
  throw InputError("--view 3d needs an X display: there is no working one and xvfb-run is not installed "
                   "(scripts/setup installs xvfb; or run under an X server)");
}

}  // namespace

CLI::App* add_render_command(CLI::App& app, RenderOptions& o) {
  CLI::App* command = app.add_subcommand(
      "render", "Pictures, movies and plots of a run's results (no display needed); written to DIR/render/");
  command->add_option("directory", o.directory, "A run's output directory (holding results.h5)")->required();
  command->add_option("--out", o.out, "Where to write (default: DIR/render)");
  command->add_option("--view", o.views, "Comma-separated: section, top, 3d, plots")->capture_default_str();
  command->add_flag("--plots", o.plots_only, "Only the plots (metrics over time, depth profile)");
  command->add_option("--component", o.component,
                      "Component to show, or all (default: the one that stays longest in the tissue)");
  command->add_option("--section", o.section, "Cross-section plane: x (x-z) or y (y-z)")->capture_default_str();
  command->add_option("--through", o.through, "Injection the section and depth profile pass through (1 = first)")
      ->capture_default_str();
  command->add_option("--depth", o.depth, "Top view depth, e.g. \"1 mm\" (default: that injection's tip)");
  command->add_option("--times", o.times, "Times to show, nearest snapshots, e.g. \"0 h,6 h,1 d\" (default: all)");
  command->add_option("--scale", o.scale, "Colour scale: linear or log")->capture_default_str();
  command->add_option("--sampling", o.sampling,
                      "smooth (interpolated between cell centres) or cells (each cell's own value)")
      ->capture_default_str();
  command->add_option("--max", o.max, "Top of the colour range, e.g. \"5 mg/mL\" (default: the largest value shown)");
  command->add_option("--min", o.min, "Bottom of the colour range (default: 0, or max/1e4 for log)");
  command->add_option("--contour", o.contour, "Outline the region above this concentration, e.g. \"0.1 mg/mL\"");
  command->add_option("--iso", o.iso, "3-D isosurface levels, e.g. \"0.1 mg/mL,1 mg/mL\" (default: 1% and 10% of max)");
  command->add_option("--camera", o.camera, "3-D camera: oblique, front or top")->capture_default_str();
  command->add_option("--size", o.size, "Picture size in pixels, WIDTHxHEIGHT")->capture_default_str();
  command->add_flag("--movie", o.movie, "Also a movie per view (MP4 with ffmpeg, else Ogg/Theora)");
  command->add_option("--fps", o.fps, "Movie frames per second")->capture_default_str();
  return command;
}

namespace {

/// The --view list, checked (InputError for an unknown or empty one); --plots-only means plots.
std::set<std::string> chosen_views(const RenderOptions& o) {
  std::set<std::string> views;
  for (const std::string& view : split(o.plots_only ? std::string("plots") : o.views, ',')) {
    if (view != "section" && view != "top" && view != "3d" && view != "plots")
      throw InputError("--view " + view + ": unknown view; use section, top, 3d or plots (comma-separated)");
    views.insert(view);
  }
  if (views.empty()) throw InputError("--view is empty; use section, top, 3d or plots");
  return views;
}

/// Frames of these views left by an earlier render (perhaps of more snapshots) would mix with the
/// new ones: removes them.
void remove_old_frames(const fs::path& out, const std::string& key, const std::set<std::string>& views) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(out, ec)) {
    const std::string file = entry.path().filename().string();
    for (const std::string view : {"section", "top", "3d"})
      if (views.count(view) && file.rfind(key + "_" + view + "_", 0) == 0 && entry.path().extension() == ".png" &&
          file.size() == key.size() + view.size() + 10)
        fs::remove(entry.path(), ec);
  }
}

/// metrics.png and depth_profile_KEY.png; returns their file names for render.json.
json write_plots(const ResultsReader& results, std::size_t component, std::size_t through,
                 const std::vector<std::size_t>& snapshots, const ColourScale& scale, int width, int height,
                 const fs::path& out) {
  const std::string& key = results.component_keys[component];
  Canvas metrics(width, height);
  draw_metrics_plot(metrics, results);
  metrics.write_png(out / "metrics.png");
  Canvas profile(width, height);
  draw_depth_profile(profile, results, component, through, snapshots, scale);
  const fs::path profile_file = out / ("depth_profile_" + key + ".png");
  profile.write_png(profile_file);
  std::printf("plots: %s, %s\n", (out / "metrics.png").string().c_str(), profile_file.string().c_str());
  return {"metrics.png", profile_file.filename().string()};
}

/// Renders one component (o.component names it; empty: the one that stays longest) and writes the
/// index `index_name` in the output directory.
int render_component(const RenderOptions& o, const std::string& index_name) {
  const auto start = std::chrono::steady_clock::now();
  // Check every option before anything is read or written.
  const std::set<std::string> views = chosen_views(o);
  if (o.section != "x" && o.section != "y") throw InputError("--section " + o.section + ": use x (x-z plane) or y (y-z plane)");
  if (o.camera != "oblique" && o.camera != "front" && o.camera != "top")
    throw InputError("--camera " + o.camera + ": use oblique, front or top");
  if (!(o.fps > 0.0 && o.fps <= 60.0)) throw InputError("--fps must be in (0, 60]");
  const auto [width, height] = parse_size(o.size);
  const Scale scale_kind = parse_scale(o.scale);
  const Sampling sampling = parse_sampling(o.sampling);
  auto concentration = [](const char* key, const std::string& text) {
    const double value = parse_quantity(key, text, Dimension::of_concentration());
    if (!(value > 0.0)) throw InputError(std::string(key) + " must be positive, e.g. \"0.1 mg/mL\"");
    return value;
  };
  const double contour = o.contour.empty() ? 0.0 : concentration("--contour", o.contour);
  std::vector<double> iso_levels;
  for (const std::string& item : split(o.iso, ',')) iso_levels.push_back(concentration("--iso", item));
  if (views.count("3d") && !x_display_works()) reexec_under_xvfb();  // DISPLAY unset, or no X server there

  const ResultsReader results(o.directory);
  const std::size_t component = o.component.empty() ? results.longest_staying() : results.component(o.component);
  if (results.injections.empty() && (views.count("section") || views.count("plots")))
    throw InputError(results.path().string() + " has no injections to cut through; use --view top or 3d");
  if (o.through < 1 || std::size_t(o.through) > std::max<std::size_t>(results.injections.size(), 1))
    throw InputError("--through " + std::to_string(o.through) + ": the run has " +
                     std::to_string(results.injections.size()) + " injections, numbered from 1");
  const std::size_t through = std::size_t(o.through - 1);
  double depth = results.injections.empty() ? 0.0 : results.injections[through].depth;
  if (!o.depth.empty()) {
    depth = parse_quantity("--depth", o.depth, Dimension::of_length());
    if (depth < 0.0 || depth > results.depth())
      throw InputError("--depth " + o.depth + " is outside the tissue block (0 to " +
                       std::to_string(results.depth() * 1e3) + " mm deep)");
  }
  const std::vector<std::size_t> snapshots = choose_snapshots(results, o.times);
  const std::string& name = results.component_names[component];
  const std::string& key = results.component_keys[component];

  const fs::path out = o.out.empty() ? fs::path(o.directory) / "render" : fs::path(o.out);
  std::error_code ec;
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out)) throw OutputError("cannot create the output directory '" + out.string() + "'");

  // One colour range for every frame: the largest value in the chosen snapshots (or --max) down
  // to --min (default: 0 linear, max/1e4 log).
  ColourScale scale;
  scale.scale = scale_kind;
  double peak = 0.0;
  for (std::size_t n : snapshots) peak = std::max(peak, field_max(results.field(n, component)));
  scale.high = o.max.empty() ? peak : concentration("--max", o.max);
  if (!(scale.high > 0.0)) scale.high = 1.0;  // nothing injected yet: an empty picture on a 0-1 scale
  scale.low = o.min.empty() ? (scale_kind == Scale::log ? scale.high * 1e-4 : 0.0)
                            : parse_quantity("--min", o.min, Dimension::of_concentration());
  if (!(scale.low < scale.high) || (scale_kind == Scale::log && !(scale.low > 0.0)))
    throw InputError("--min/--max: the colour range needs min < max, and min > 0 for --scale log");
  if (iso_levels.empty()) iso_levels = {scale.high * 0.01, scale.high * 0.1};

  json record;
  record["results"] = fs::absolute(results.path()).string();
  record["component"] = name;
  record["scale"] = {{"kind", o.scale}, {"low_mg_per_mL", scale.low}, {"high_mg_per_mL", scale.high}};
  record["sampling"] = o.sampling;
  record["size"] = {width, height};
  std::vector<std::string> written;
  std::map<std::string, std::vector<fs::path>> frames_by_view;
  const FrameText base_text{results.scenario_name(), name, 0.0};

  remove_old_frames(out, key, views);

  std::unique_ptr<View3d> view3d;
  if (views.count("3d")) view3d = std::make_unique<View3d>(results, width, height, scale, iso_levels, o.camera);
  const auto frames_start = std::chrono::steady_clock::now();
  std::size_t n_frames = 0;
  for (std::size_t f = 0; f < snapshots.size(); ++f) {
    const std::size_t snapshot = snapshots[f];
    const std::vector<double> field = results.field(snapshot, component);
    const std::vector<double> excess = results.excess_fluid(snapshot);  // darcy runs: the bleb
    constexpr double e_bleb = 0.1;
    FrameText text = base_text;
    text.time = results.snapshot_times[snapshot];
    for (const std::string view : {"section", "top"}) {
      if (!views.count(view)) continue;
      SliceSpec spec;
      spec.view = view == std::string("section") ? SliceView::section : SliceView::top;
      spec.axis = o.section[0];
      spec.through = through;
      spec.depth = depth;
      spec.sampling = sampling;
      const Slice slice = cut(results, field, spec);
      std::vector<Outline> outlines;
      if (contour > 0.0) outlines.push_back({slice, contour, "above " + format_value(contour) + " mg/mL"});
      if (!excess.empty() && *std::max_element(excess.begin(), excess.end()) >= e_bleb)
        outlines.push_back({cut(results, excess, spec), e_bleb, "bleb (excess fluid >= 0.1)"});
      Canvas canvas(width, height);
      const FrameLayout layout = draw_slice_frame(canvas, results, spec, slice, scale, outlines, text);
      const fs::path file = out / frame_name(key, view, f);
      canvas.write_png(file);
      frames_by_view[view].push_back(file);
      record["frames"].push_back({{"file", file.filename().string()},
                                  {"view", view},
                                  {"snapshot", snapshot},
                                  {"time_s", text.time},
                                  {"plot", {layout.plot.x, layout.plot.y, layout.plot.width, layout.plot.height}},
                                  {"bar", {layout.bar.x, layout.bar.y, layout.bar.width, layout.bar.height}},
                                  {"pixels_per_m", layout.pixels_per_m}});
      for (const Outline& outline : outlines) record["frames"].back()["outlines"].push_back(outline.label);
      ++n_frames;
    }
    if (view3d) {
      Canvas canvas(width, height);
      view3d->draw_frame(canvas, field, text);
      const fs::path file = out / frame_name(key, "3d", f);
      canvas.write_png(file);
      frames_by_view["3d"].push_back(file);
      record["frames"].push_back({{"file", file.filename().string()}, {"view", "3d"}, {"snapshot", snapshot}, {"time_s", text.time}});
      ++n_frames;
    }
  }
  const double frame_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - frames_start).count();
  for (const auto& [view, files] : frames_by_view) {
    std::printf("%s: %zu frames %s .. %s\n", view.c_str(), files.size(), files.front().string().c_str(),
                files.back().filename().string().c_str());
    if (o.movie) {
      const fs::path movie = write_movie(files, out / (key + "_" + view), o.fps);
      std::printf("movie: %s\n", movie.string().c_str());
      record["movies"].push_back(movie.filename().string());
    }
  }
  if (views.count("plots"))
    record["plots"] = write_plots(results, component, through, snapshots, scale, width, height, out);
  std::ofstream(out / index_name) << record.dump(1) << "\n";
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (n_frames > 0)
    std::printf("render: %zu frames in %.2f s (%.1f frames/s), ", n_frames, frame_seconds, double(n_frames) / frame_seconds);
  else
    std::printf("render: ");
  std::printf("%.2f s in all; index: %s\n", total, (out / index_name).string().c_str());
  return 0;
}

}  // namespace

int render(const RenderOptions& o) {
  if (o.component != "all") return render_component(o, "render.json");
  const ResultsReader results(o.directory);
  for (std::size_t c = 0; c < results.component_names.size(); ++c) {
    RenderOptions one = o;
    one.component = results.component_names[c];
    std::printf("render: %s\n", one.component.c_str());
    render_component(one, "render_" + results.component_keys[c] + ".json");
  }
  const fs::path out = o.out.empty() ? fs::path(o.directory) / "render" : fs::path(o.out);
  std::error_code ec;
  fs::copy_file(out / ("render_" + results.component_keys.back() + ".json"), out / "render.json",
                fs::copy_options::overwrite_existing, ec);
  if (ec) throw OutputError("cannot write " + (out / "render.json").string() + ": " + ec.message());
  return 0;
}

}  // namespace mesosim
