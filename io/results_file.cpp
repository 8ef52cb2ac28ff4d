#include "io/results_file.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "models/metric_table.hpp"
#include "solver/error.hpp"

namespace mesosim {

namespace fs = std::filesystem;

namespace {

constexpr const char* ledger_names[] = {"injected_kg", "in_fluid_kg", "bound_kg", "to_blood_kg", "to_lymph_kg",
                                        "degraded_kg", "boundary_kg", "ledger_residual"};

std::string snapshot_group(std::size_t n) {
  char name[32];
  std::snprintf(name, sizeof name, "/snapshots/%06zu", n);
  return name;
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char ch : text) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

}  // namespace

void write_text_atomically(const fs::path& path, const std::string& text) {
  std::string name(".");  // (appended: GCC 12's -Wrestrict misfires on "." + string)
  name.append(path.filename().string()).append(".tmp");
  const fs::path temporary = path.parent_path() / name;
  {
    std::ofstream out(temporary);
    out << text;
    out.flush();
    if (!out) throw OutputError("writing " + temporary.string() + " failed (disk full?)");
  }
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) throw OutputError("replacing " + path.string() + " failed: " + ec.message());
}

std::string format_day_time(double seconds) {
  const long total_minutes = long(std::floor(seconds / 60.0 + 1e-9));
  const long days = total_minutes / (24 * 60), hours = (total_minutes / 60) % 24, minutes = total_minutes % 60;
  char text[64];
  std::snprintf(text, sizeof text, "day %ld, %02ld:%02ld", days, hours, minutes);
  return text;
}

std::string dataset_key(const std::string& name) {
  std::string key;
  for (char ch : name) {
    const bool keep = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                      ch == '_';
    key += keep ? ch : '_';
  }
  return key.empty() ? std::string("_") : key;
}

ResultsFile::ResultsFile(const fs::path& directory, const TransportModel& model, const RunDescription& description,
                         const std::vector<Injection>& injections, bool float32)
    : model_(model), path_(directory / "results.h5"), file_(path_.string(), h5::Mode::create_truncate),
      float32_(float32) {
  const Grid& g = model.grid();
  const Tissue& tissue = model.tissue();
  for (int c = 0; c < model.n_components(); ++c) keys_.push_back(dataset_key(model.component(c).name));
  {
    const h5::Handle root(H5Oopen(file_.id(), "/", H5P_DEFAULT));
    h5::write_attribute(file_, root.id(), "program", std::string("MesoSim"));
    h5::write_attribute(file_, root.id(), "version", description.program_version);
    h5::write_attribute(file_, root.id(), "build", description.build);
    h5::write_attribute(file_, root.id(), "scenario_name", description.scenario_name);
    h5::write_attribute(file_, root.id(), "scenario_file", description.scenario_file);
    h5::write_attribute(file_, root.id(), "scenario_source", description.scenario_source);
    h5::write_attribute(file_, root.id(), "overrides", description.overrides);
    h5::write_attribute(file_, root.id(), "resolved", description.resolved_json);
    h5::write_attribute(file_, root.id(), "layout",
                        std::string("MesoSim results 1: fields are C-order (z, y, x), cell-centred; see README"));
  }
  // Grid: cells, spacing and origin in (z, y, x) order, as the arrays are stored.
  {
    const h5::Handle grid = h5::create_group(file_, "/grid");
    h5::write_attribute(file_, grid.id(), "dims", std::vector<long long>{g.nz, g.ny, g.nx});
    h5::write_attribute(file_, grid.id(), "spacing", std::vector<double>{g.hz, g.hx, g.hx});
    h5::write_attribute(file_, grid.id(), "origin", std::vector<double>{0.0, 0.0, 0.0});
    h5::write_attribute(file_, grid.id(), "axis_order", std::string("z y x (z is depth below the skin surface, downward)"));
    h5::write_attribute(file_, grid.id(), "units", std::string("m"));
    h5::write_attribute(file_, grid.id(), "centring", std::string("cell"));
  }
  const std::vector<hsize_t> dims{hsize_t(g.nz), hsize_t(g.ny), hsize_t(g.nx)};
  {
    std::vector<int> layer(g.n_cells());
    std::vector<double> fluid(g.n_cells());
    const std::size_t plane = g.plane_size();
    for (int k = 0; k < g.nz; ++k)
      for (std::size_t n = 0; n < plane; ++n) {
        const std::size_t l = model.layer_of_cell(k);
        layer[std::size_t(k) * plane + n] = int(l);
        fluid[std::size_t(k) * plane + n] = tissue.layers[l].fluid_fraction;
      }
    h5::write_dataset(file_, "/grid/layer", dims, layer.data(), true);
    h5::write_dataset(file_, "/grid/fluid_fraction", dims, fluid.data(), true);
  }
  {
    const h5::Handle group = h5::create_group(file_, "/tissue");
    std::vector<std::string> names;
    std::vector<double> tops, thicknesses, fractions;
    double top = 0.0;
    for (const Layer& layer : tissue.layers) {
      names.push_back(layer.name);
      tops.push_back(top);
      thicknesses.push_back(layer.thickness);
      fractions.push_back(layer.fluid_fraction);
      top += layer.thickness;
    }
    h5::write_strings(file_, "/tissue/layer_names", names);
    const hsize_t n = names.size();
    h5::write_dataset(file_, "/tissue/layer_top_m", {n}, tops.data());
    h5::write_dataset(file_, "/tissue/layer_thickness_m", {n}, thicknesses.data());
    h5::write_dataset(file_, "/tissue/layer_fluid_fraction", {n}, fractions.data());
  }
  {
    const h5::Handle group = h5::create_group(file_, "/components");
    std::vector<std::string> names, bound;
    for (int c = 0; c < model.n_components(); ++c) {
      names.push_back(model.component(c).name);
      bound.push_back(model.coefficients(c).has_binding ? "yes" : "no");
    }
    h5::write_strings(file_, "/components/names", names);
    h5::write_strings(file_, "/components/keys", keys_);
    h5::write_strings(file_, "/components/binds", bound);
    h5::write_attribute(file_, group.id(), "concentration_units", std::string("kg/m^3 (= mg/mL) of mobile fluid"));
  }
  {
    const h5::Handle group = h5::create_group(file_, "/injections");
    std::vector<double> x, y, depth, volume, time;
    std::vector<std::string> cocktail, layer, reservoir;
    for (const Injection& injection : injections) {
      x.push_back(injection.x);
      y.push_back(injection.y);
      depth.push_back(injection.depth);
      volume.push_back(injection.volume);
      time.push_back(injection.time);
      cocktail.push_back(injection.cocktail);
      layer.push_back(tissue.layers[tissue.layer_at(injection.depth)].name);
      reservoir.push_back(injection.reservoir);
    }
    const hsize_t n = injections.size();
    h5::write_dataset(file_, "/injections/x_m", {n}, x.data());
    h5::write_dataset(file_, "/injections/y_m", {n}, y.data());
    h5::write_dataset(file_, "/injections/depth_m", {n}, depth.data());
    h5::write_dataset(file_, "/injections/volume_m3", {n}, volume.data());
    h5::write_dataset(file_, "/injections/time_s", {n}, time.data());
    h5::write_strings(file_, "/injections/cocktail", cocktail);
    h5::write_strings(file_, "/injections/tip_layer", layer);
    h5::write_strings(file_, "/injections/reservoir", reservoir);
  }
  {
    const h5::Handle snapshots = h5::create_group(file_, "/snapshots");
    h5::write_attribute(file_, snapshots.id(), "units", std::string("kg/m^3 (= mg/mL); time in s"));
    h5::append(file_, "/snapshots/time_s", {});
    const h5::Handle series = h5::create_group(file_, "/series");
    std::string fractions;
    for (const SeriesMetric& metric : series_metric_table())
      if (metric.fraction) fractions += (fractions.empty() ? "" : ", ") + std::string(metric.key);
    h5::write_attribute(file_, series.id(), "fractions", fractions + ": fractions of the injected mass");
    h5::append(file_, "/series/time_s", {});
    for (const std::string& key : keys_) h5::create_group(file_, "/series/" + key);
  }
  file_.flush();
  write_sidecar();
}

ResultsFile::ResultsFile(const fs::path& directory, const TransportModel& model, std::size_t n_snapshots,
                         std::size_t n_rows, bool float32)
    : model_(model), path_(directory / "results.h5"), file_(path_.string(), h5::Mode::read_write), float32_(float32) {
  for (int c = 0; c < model.n_components(); ++c) keys_.push_back(dataset_key(model.component(c).name));
  if (h5::read_strings(file_, "/components/keys") != keys_)
    throw InputError(path_.string() + ": its components differ from the checkpoint's scenario; cannot resume");
  times_ = h5::read_doubles(file_, "/snapshots/time_s");
  if (times_.size() < n_snapshots || h5::read_doubles(file_, "/series/time_s").size() < n_rows)
    throw InputError(path_.string() + " holds fewer snapshots or rows than the checkpoint says were written; "
                     "the output directory was changed since: cannot resume");
  for (std::size_t n = n_snapshots; n < times_.size(); ++n)
    if (h5::exists(file_, snapshot_group(n))) h5::remove(file_, snapshot_group(n));
  times_.resize(n_snapshots);
  n_rows_written_ = n_rows;
  h5::truncate(file_, "/snapshots/time_s", n_snapshots);
  h5::truncate(file_, "/series/time_s", n_rows);
  for (const std::string& key : keys_)
    for (const std::string& member : h5::members(file_, "/series/" + key))
      h5::truncate(file_, "/series/" + key + "/" + member, n_rows);
  if (h5::exists(file_, "/summary")) h5::remove(file_, "/summary");
  file_.flush();
  write_sidecar();
}

void ResultsFile::add_field(const std::string& name, const std::string& units) {
  extra_fields_.push_back({dataset_key(name), units});
}

std::vector<std::vector<double>> ResultsFile::truncate_columns(const std::string& group,
                                                               const std::vector<std::string>& names, std::size_t size) {
  std::vector<std::vector<double>> columns;
  for (const std::string& name : names) {
    const std::string path = group + "/" + name;
    if (!h5::exists(file_, path)) {
      if (size > 0) throw InputError(path_.string() + ": " + path + " is missing; cannot resume");
      columns.emplace_back();
      continue;
    }
    h5::truncate(file_, path, size);
    columns.push_back(h5::read_doubles(file_, path));
    if (columns.back().size() != size)
      throw InputError(path_.string() + ": " + path + " holds fewer rows than the checkpoint says; cannot resume");
  }
  file_.flush();
  return columns;
}

void ResultsFile::append_columns(const std::string& group, const std::vector<std::string>& names,
                                 const std::vector<std::vector<double>>& columns) {
  if (!h5::exists(file_, group)) h5::create_group(file_, group);
  for (std::size_t n = 0; n < names.size(); ++n) h5::append(file_, group + "/" + names[n], columns[n]);
  file_.flush();
}

void ResultsFile::write_snapshot(const TransportState& state, const std::vector<const double*>& extras) {
  if (extras.size() != extra_fields_.size())
    throw SolverError("results: " + std::to_string(extras.size()) + " extra fields given, " +
                      std::to_string(extra_fields_.size()) + " declared");
  const Grid& g = model_.grid();
  const std::size_t plane = g.plane_size();
  const std::string group_name = snapshot_group(times_.size());
  {
    const h5::Handle group = h5::create_group(file_, group_name);
    h5::write_attribute(file_, group.id(), "time_s", state.time);
  }
  buffer_.resize(g.n_cells());
  for (int c = 0; c < model_.n_components(); ++c) {
    const ComponentCoefficients& co = model_.coefficients(c);
    const double* u = state.u.component(c);
    for (int k = 0; k < g.nz; ++k) {
      const double partition = co.partition[k];
      const std::size_t offset = std::size_t(k) * plane;
      for (std::size_t n = 0; n < plane; ++n) buffer_[offset + n] = partition * u[offset + n];
    }
    h5::write_field(file_, group_name + "/" + keys_[c], g.nz, g.ny, g.nx, buffer_.data(), float32_);
    if (co.has_binding)
      h5::write_field(file_, group_name + "/" + keys_[c] + "_bound", g.nz, g.ny, g.nx, state.bound.component(c),
                      float32_);
  }
  for (std::size_t n = 0; n < extras.size(); ++n) {
    const std::string path = group_name + "/" + extra_fields_[n].first;
    h5::write_field(file_, path, g.nz, g.ny, g.nx, extras[n], float32_);
    const h5::Handle dataset(H5Dopen2(file_.id(), path.c_str(), H5P_DEFAULT));
    h5::write_attribute(file_, dataset.id(), "units", extra_fields_[n].second);
  }
  h5::append(file_, "/snapshots/time_s", {state.time});
  write_pending_rows();
  file_.flush();
  times_.push_back(state.time);
  write_sidecar();
}

void ResultsFile::append(const SeriesRow& row) { pending_.push_back(row); }

void ResultsFile::sync() {
  write_pending_rows();
  file_.flush();
}

void ResultsFile::write_pending_rows() {
  if (pending_.empty()) return;
  std::vector<double> column(pending_.size());
  auto append_column = [&](const std::string& path, auto value_of) {
    for (std::size_t r = 0; r < pending_.size(); ++r) column[r] = value_of(pending_[r]);
    h5::append(file_, path, column);
  };
  append_column("/series/time_s", [](const SeriesRow& row) { return row.time; });
  for (int c = 0; c < model_.n_components(); ++c) {
    const std::string base = "/series/" + keys_[c] + "/";
    for (const SeriesMetric& metric : series_metric_table())
      append_column(base + metric.key, [&](const SeriesRow& row) { return row.metrics[c].*metric.value; });
    for (std::size_t n = 0; n < std::size(ledger_names); ++n)
      append_column(base + ledger_names[n], [&](const SeriesRow& row) {
        const MassLedger& l = row.ledger[c];
        const double boundary = l.through_sides();
        const double ledger[] = {l.injected, row.in_fluid[c], row.bound[c], l.to_blood, l.to_lymph, l.degraded,
                                 boundary, row.residual[c]};
        return ledger[n];
      });
  }
  n_rows_written_ += pending_.size();
  pending_.clear();
}

void ResultsFile::finish(const std::string& summary_json) {
  write_pending_rows();
  {
    const h5::Handle summary = h5::create_group(file_, "/summary");
    h5::write_attribute(file_, summary.id(), "json", summary_json);
  }
  file_.close();
}

std::vector<SeriesRow> read_series(const fs::path& results_h5, const TransportModel& model) {
  const h5::File file(results_h5.string(), h5::Mode::read_only);
  const std::vector<double> times = h5::read_doubles(file, "/series/time_s");
  std::vector<SeriesRow> rows(times.size());
  for (std::size_t r = 0; r < rows.size(); ++r) rows[r].time = times[r];
  for (int c = 0; c < model.n_components(); ++c) {
    const std::string base = "/series/" + dataset_key(model.component(c).name) + "/";
    auto column = [&](const char* name) {
      std::vector<double> values = h5::read_doubles(file, base + name);
      if (values.size() != rows.size())
        throw InputError(results_h5.string() + ": " + base + name + " has " + std::to_string(values.size()) +
                         " rows, /series/time_s " + std::to_string(rows.size()) + "; the file is damaged");
      return values;
    };
    std::vector<std::vector<double>> metrics, ledger;
    const std::vector<SeriesMetric>& table = series_metric_table();
    for (const SeriesMetric& metric : table) metrics.push_back(column(metric.key));
    for (const char* name : ledger_names) ledger.push_back(column(name));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      ComponentMetrics m;
      m.time = times[r];
      for (std::size_t n = 0; n < table.size(); ++n) m.*table[n].value = metrics[n][r];
      rows[r].metrics.push_back(m);
      // The ledger's boundary losses are stored summed: kept in the first side on reading.
      MassLedger l;
      l.injected = ledger[0][r];
      l.to_blood = ledger[3][r];
      l.to_lymph = ledger[4][r];
      l.degraded = ledger[5][r];
      l.boundary[0] = ledger[6][r];
      rows[r].ledger.push_back(l);
      rows[r].in_fluid.push_back(ledger[1][r]);
      rows[r].bound.push_back(ledger[2][r]);
      rows[r].residual.push_back(ledger[7][r]);
    }
  }
  return rows;
}

void ResultsFile::write_sidecar() const {
  // XDMF 2 temporal collection; every triple is in z y x order and Topology counts points.
  const Grid& g = model_.grid();
  std::ostringstream xml;
  xml.precision(17);
  const std::string cells = std::to_string(g.nz) + " " + std::to_string(g.ny) + " " + std::to_string(g.nx);
  const std::string points =
      std::to_string(g.nz + 1) + " " + std::to_string(g.ny + 1) + " " + std::to_string(g.nx + 1);
  auto attribute = [&](const std::string& name, const std::string& path, const char* type, int precision) {
    xml << "    <Attribute Name=\"" << xml_escape(name) << "\" AttributeType=\"Scalar\" Center=\"Cell\">\n"
        << "     <DataItem Dimensions=\"" << cells << "\" NumberType=\"" << type << "\" Precision=\"" << precision
        << "\" Format=\"HDF\">./results.h5:" << path << "</DataItem>\n    </Attribute>\n";
  };
  xml << "<?xml version=\"1.0\" ?>\n<Xdmf Version=\"2.0\">\n <Domain>\n"
      << "  <Grid Name=\"MesoSim\" GridType=\"Collection\" CollectionType=\"Temporal\">\n";
  for (std::size_t n = 0; n < times_.size(); ++n) {
    const std::string group = snapshot_group(n);
    xml << "   <Grid Name=\"t" << n << "\" GridType=\"Uniform\">\n    <Time Value=\"" << times_[n] << "\"/>\n"
        << "    <Topology TopologyType=\"3DCoRectMesh\" Dimensions=\"" << points << "\"/>\n"
        << "    <Geometry GeometryType=\"ORIGIN_DXDYDZ\">\n"
        << "     <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">0 0 0</DataItem>\n"
        << "     <DataItem Dimensions=\"3\" NumberType=\"Float\" Precision=\"8\" Format=\"XML\">" << g.hz << ' ' << g.hx
        << ' ' << g.hx << "</DataItem>\n    </Geometry>\n";
    for (int c = 0; c < model_.n_components(); ++c) {
      attribute(model_.component(c).name, group + "/" + keys_[c], "Float", float32_ ? 4 : 8);
      if (model_.coefficients(c).has_binding)
        attribute(model_.component(c).name + " bound", group + "/" + keys_[c] + "_bound", "Float", float32_ ? 4 : 8);
    }
    for (const auto& [name, units] : extra_fields_) attribute(name, group + "/" + name, "Float", float32_ ? 4 : 8);
    attribute("layer", "/grid/layer", "Int", 4);
    xml << "   </Grid>\n";
  }
  xml << "  </Grid>\n </Domain>\n</Xdmf>\n";
  write_text_atomically(path_.parent_path() / "results.xmf", xml.str());  // a reader never sees half a sidecar
}

}  // namespace mesosim
