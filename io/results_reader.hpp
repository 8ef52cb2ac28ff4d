// Reads a run's results.h5 (layout: io/results_file.hpp) for the renderers: grid, layers,
// components, injections, snapshot times, one component's field at one snapshot, and the /series
// metrics. Every problem (no file, a damaged file, an unknown component) is an InputError that
// says what to do. Read-only; nothing here knows about pictures.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "io/h5.hpp"
#include "io/results_file.hpp"  // format_day_time

namespace mesosim {

struct InjectionPoint {
  double x = 0.0, y = 0.0, depth = 0.0;  ///< m; depth below the skin surface
  double time = 0.0;                      ///< s
  double volume = 0.0;                    ///< m^3
};

class ResultsReader {
 public:
  /// Opens DIRECTORY/results.h5 (or the file itself if a path to it is given).
  explicit ResultsReader(const std::filesystem::path& directory);

  const std::filesystem::path& path() const { return path_; }
  const std::string& scenario_name() const { return scenario_name_; }

  int nx = 0, ny = 0, nz = 0;          ///< cells
  double hx = 0.0, hy = 0.0, hz = 0.0;  ///< cell size, m
  double length_x() const { return nx * hx; }
  double length_y() const { return ny * hy; }
  double depth() const { return nz * hz; }

  std::vector<std::string> layer_names;
  std::vector<double> layer_top;  ///< m below the surface
  std::vector<std::string> component_names, component_keys;
  std::vector<InjectionPoint> injections;
  std::vector<double> snapshot_times;  ///< s
  std::vector<double> series_times;    ///< s

  /// Index of a component by name (or by dataset key); InputError listing the names otherwise.
  std::size_t component(const std::string& name) const;
  /// Concentration in the mobile fluid, kg/m^3 = mg/mL, C order (z, y, x), nz * ny * nx values.
  std::vector<double> field(std::size_t snapshot, std::size_t component) const;
  /// The excess fluid fraction e of the darcy reservoir at a snapshot (C order z, y, x); empty when
  /// the run had no reservoir field.
  std::vector<double> excess_fluid(std::size_t snapshot) const;
  /// One metric of one component at every series time (e.g. "in_tissue", "coverage").
  std::vector<double> series(std::size_t component, const std::string& metric) const;
  /// Index of the layer holding `depth`.
  std::size_t layer_at(double depth) const;
  /// The component that stays longest in the tissue (longest_staying over /series in_tissue).
  std::size_t longest_staying() const;
  /// The run's resolved parameters (the root attribute `resolved`, JSON, SI); "{}" if absent.
  std::string resolved_json() const;

 private:
  std::filesystem::path path_;
  h5::File file_;
  std::string scenario_name_;
};

/// Index of the component whose fraction in the tissue has the largest time integral over the run
/// (its mean residence within the run; trapezoid rule over `times`, s). `in_tissue[c]` holds
/// component c's fraction at each time. Ties go to the lower index; 0 when there are no times.
std::size_t longest_staying(const std::vector<double>& times, const std::vector<std::vector<double>>& in_tissue);

}  // namespace mesosim
