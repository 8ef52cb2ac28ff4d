#include "io/results_reader.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "solver/error.hpp"

namespace mesosim {

namespace fs = std::filesystem;

namespace {

fs::path results_path(const fs::path& given) {
  std::error_code ec;
  const fs::path file = fs::is_directory(given, ec) ? given / "results.h5" : given;
  if (!fs::exists(file, ec))
    throw InputError(given.string() + ": no results.h5 here; render a run's output directory (`mesosim run --out DIR`, "
                     "then `mesosim render DIR`)");
  return file;
}

/// Opens the file, turning HDF5's failure into a message that says the file is damaged.
h5::File open(const fs::path& file) {
  try {
    return h5::File(file.string(), h5::Mode::read_only);
  } catch (const InputError& e) {
    throw InputError(file.string() + " is not a readable HDF5 results file (damaged or truncated?): " + e.what() +
                     "; run the simulation again, or continue an interrupted one with `mesosim run --resume DIR`");
  }
}

}  // namespace

ResultsReader::ResultsReader(const fs::path& directory) : path_(results_path(directory)), file_(open(path_)) {
  try {
    scenario_name_ = h5::read_string_attribute(file_, "/", "scenario_name");
    const std::vector<long long> dims = h5::read_integers_attribute(file_, "/grid", "dims");
    const std::vector<double> spacing = h5::read_doubles_attribute(file_, "/grid", "spacing");
    if (dims.size() != 3 || spacing.size() != 3) throw InputError("/grid dims or spacing is not 3 values");
    nz = int(dims[0]);
    ny = int(dims[1]);
    nx = int(dims[2]);
    hz = spacing[0];
    hy = spacing[1];
    hx = spacing[2];
    layer_names = h5::read_strings(file_, "/tissue/layer_names");
    layer_top = h5::read_doubles(file_, "/tissue/layer_top_m");
    component_names = h5::read_strings(file_, "/components/names");
    component_keys = h5::read_strings(file_, "/components/keys");
    const std::vector<double> x = h5::read_doubles(file_, "/injections/x_m"), y = h5::read_doubles(file_, "/injections/y_m"),
                              depth = h5::read_doubles(file_, "/injections/depth_m"),
                              time = h5::read_doubles(file_, "/injections/time_s"),
                              volume = h5::read_doubles(file_, "/injections/volume_m3");
    for (std::size_t n = 0; n < x.size(); ++n) injections.push_back({x[n], y[n], depth[n], time[n], volume[n]});
    snapshot_times = h5::read_doubles(file_, "/snapshots/time_s");
    series_times = h5::exists(file_, "/series/time_s") ? h5::read_doubles(file_, "/series/time_s") : std::vector<double>{};
  } catch (const InputError& e) {
    throw InputError(path_.string() + " is not a complete MesoSim results file (damaged, or from another program?): " +
                     e.what());
  }
  if (nx < 1 || ny < 1 || nz < 1 || !(hx > 0 && hy > 0 && hz > 0) || component_names.empty() ||
      component_keys.size() != component_names.size() || layer_names.size() != layer_top.size())
    throw InputError(path_.string() + ": inconsistent /grid, /tissue or /components (damaged file?)");
  if (snapshot_times.empty())
    throw InputError(path_.string() + " holds no snapshots yet (the run stopped before its first one); nothing to render");
}

std::size_t ResultsReader::component(const std::string& name) const {
  for (std::size_t c = 0; c < component_names.size(); ++c)
    if (component_names[c] == name || component_keys[c] == name) return c;
  std::string known;
  for (const std::string& n : component_names) known += (known.empty() ? "'" : ", '") + n + "'";
  throw InputError("--component '" + name + "': no such component in " + path_.string() + "; it holds " + known);
}

std::vector<double> ResultsReader::excess_fluid(std::size_t snapshot) const {
  char path[48];
  std::snprintf(path, sizeof path, "/snapshots/%06zu/excess_fluid", snapshot);
  if (!h5::exists(file_, path)) return {};
  std::vector<double> values = h5::read_doubles(file_, path);
  if (values.size() != std::size_t(nx) * ny * nz)
    throw InputError(path_.string() + ": " + path + " does not have the grid's number of values (damaged file?)");
  return values;
}

std::vector<double> ResultsReader::field(std::size_t snapshot, std::size_t component) const {
  char group[32];
  std::snprintf(group, sizeof group, "/snapshots/%06zu/", snapshot);
  const std::string path = group + component_keys[component];
  std::vector<double> values;
  try {
    values = h5::read_doubles(file_, path);
  } catch (const InputError& e) {
    throw InputError(path_.string() + ": cannot read " + path + " (damaged file?): " + e.what());
  }
  if (values.size() != std::size_t(nx) * ny * nz)
    throw InputError(path_.string() + ": " + path + " does not have the grid's " + std::to_string(nz) + " x " +
                     std::to_string(ny) + " x " + std::to_string(nx) + " values");
  return values;
}

std::vector<double> ResultsReader::series(std::size_t component, const std::string& metric) const {
  const std::string path = "/series/" + component_keys[component] + "/" + metric;
  try {
    return h5::read_doubles(file_, path);
  } catch (const InputError& e) {
    throw InputError(path_.string() + ": cannot read " + path + ": " + e.what());
  }
}

std::size_t ResultsReader::layer_at(double depth) const {
  std::size_t layer = 0;
  for (std::size_t l = 0; l < layer_top.size(); ++l)
    if (depth >= layer_top[l]) layer = l;
  return layer;
}

std::size_t ResultsReader::longest_staying() const {
  std::vector<std::vector<double>> in_tissue;
  for (std::size_t c = 0; c < component_names.size(); ++c) in_tissue.push_back(series(c, "in_tissue"));
  return mesosim::longest_staying(series_times, in_tissue);
}

std::string ResultsReader::resolved_json() const {
  try {
    return h5::read_string_attribute(file_, "/", "resolved");
  } catch (const InputError&) {
    return "{}";
  }
}

std::size_t longest_staying(const std::vector<double>& times, const std::vector<std::vector<double>>& in_tissue) {
  std::size_t best = 0;
  double best_integral = -1.0;
  for (std::size_t c = 0; c < in_tissue.size(); ++c) {
    const std::vector<double>& f = in_tissue[c];
    double integral = 0.0;
    for (std::size_t n = 1; n < std::min(times.size(), f.size()); ++n)
      integral += 0.5 * (f[n - 1] + f[n]) * (times[n] - times[n - 1]);
    if (integral > best_integral) {
      best = c;
      best_integral = integral;
    }
  }
  return best;
}

}  // namespace mesosim
