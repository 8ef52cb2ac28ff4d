#include "viz/viewer_page.hpp"

#include <zlib.h>

#include <nlohmann/json.hpp>
#include <algorithm>
#include <cmath>

#include "io/results_file.hpp"
#include "models/metric_table.hpp"
#include "solver/error.hpp"
#include "viz/colour_map.hpp"

namespace mesosim {

using json = nlohmann::json;

std::vector<std::uint16_t> encode_log16(const std::vector<double>& values, double peak, double decades) {
  std::vector<std::uint16_t> codes(values.size(), 0);
  if (!(peak > 0.0)) return codes;
  const double floor = peak * std::pow(10.0, -decades);
  for (std::size_t n = 0; n < values.size(); ++n) {
    if (!(values[n] >= floor)) continue;
    const double position = std::min((std::log10(values[n] / peak) + decades) / decades, 1.0);
    codes[n] = std::uint16_t(1 + std::lround(65534.0 * position));
  }
  return codes;
}

double decode_log16(std::uint16_t code, double peak, double decades) {
  if (code == 0) return 0.0;
  return peak * std::pow(10.0, (double(code - 1) / 65534.0 - 1.0) * decades);
}

std::vector<unsigned char> pack_codes(const std::vector<std::uint16_t>& codes, int nx) {
  const std::size_t n = codes.size(), row = std::size_t(std::max(nx, 1));
  std::vector<unsigned char> bytes(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint16_t delta = i % row == 0 ? codes[i] : std::uint16_t(codes[i] - codes[i - 1]);
    bytes[i] = static_cast<unsigned char>(delta >> 8);
    bytes[n + i] = static_cast<unsigned char>(delta & 0xff);
  }
  return bytes;
}

std::vector<std::uint16_t> unpack_codes(const std::vector<unsigned char>& bytes, int nx) {
  const std::size_t n = bytes.size() / 2, row = std::size_t(std::max(nx, 1));
  std::vector<std::uint16_t> codes(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint16_t delta = std::uint16_t((bytes[i] << 8) | bytes[n + i]);
    codes[i] = i % row == 0 ? delta : std::uint16_t(codes[i - 1] + delta);
  }
  return codes;
}

std::vector<unsigned char> deflate_bytes(const void* data, std::size_t size) {
  uLongf length = compressBound(uLong(size));
  std::vector<unsigned char> out(length);
  if (compress2(out.data(), &length, static_cast<const Bytef*>(data), uLong(size), 9) != Z_OK)
    throw OutputError("deflating the viewer's data failed");
  out.resize(length);
  return out;
}

std::string base64(const std::vector<unsigned char>& bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t n = 0; n < bytes.size(); n += 3) {
    const std::uint32_t a = bytes[n], b = n + 1 < bytes.size() ? bytes[n + 1] : 0, c = n + 2 < bytes.size() ? bytes[n + 2] : 0;
    const std::uint32_t triple = (a << 16) | (b << 8) | c;
    text += alphabet[(triple >> 18) & 63];
    text += alphabet[(triple >> 12) & 63];
    text += n + 1 < bytes.size() ? alphabet[(triple >> 6) & 63] : '=';
    text += n + 2 < bytes.size() ? alphabet[triple & 63] : '=';
  }
  return text;
}

std::vector<double> coarsen(const std::vector<double>& field, int nx, int ny, int nz, int factor, int factor_z) {
  const int cx = (nx + factor - 1) / factor, cy = (ny + factor - 1) / factor, cz = (nz + factor_z - 1) / factor_z;
  std::vector<double> sum(std::size_t(cx) * cy * cz, 0.0), count(sum.size(), 0.0);
  for (int k = 0; k < nz; ++k)
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i) {
        const std::size_t coarse = (std::size_t(k / factor_z) * cy + std::size_t(j / factor)) * cx + std::size_t(i / factor);
        sum[coarse] += field[(std::size_t(k) * ny + std::size_t(j)) * nx + std::size_t(i)];
        count[coarse] += 1.0;
      }
  for (std::size_t n = 0; n < sum.size(); ++n) sum[n] /= count[n];
  return sum;
}

namespace {

std::string packed(const std::vector<std::uint16_t>& codes, int nx) {
  const std::vector<unsigned char> bytes = pack_codes(codes, nx);
  return base64(deflate_bytes(bytes.data(), bytes.size()));
}

json grid_json(int nx, int ny, int nz, double hx, double hy, double hz) {
  return {{"nx", nx}, {"ny", ny}, {"nz", nz}, {"hx", hx}, {"hy", hy}, {"hz", hz}};
}

}  // namespace

std::string viewer_json(const ResultsReader& r, const ViewerSettings& settings, std::string& grid_note) {
  // Block factors: lateral first (keeping at least 32 columns), then depth.
  int factor = 1, factor_z = 1;
  auto cells = [&] {
    return std::size_t((r.nx + factor - 1) / factor) * std::size_t((r.ny + factor - 1) / factor) *
           std::size_t((r.nz + factor_z - 1) / factor_z);
  };
  while (cells() > settings.max_cells && (r.nx + factor) / (factor + 1) >= 32 && (r.ny + factor) / (factor + 1) >= 32) ++factor;
  while (cells() > settings.max_cells && factor_z < r.nz) ++factor_z;
  const int cx = (r.nx + factor - 1) / factor, cy = (r.ny + factor - 1) / factor, cz = (r.nz + factor_z - 1) / factor_z;
  grid_note.clear();
  if (factor > 1 || factor_z > 1)
    grid_note = "averaged over blocks of " + std::to_string(factor) + " x " + std::to_string(factor) + " x " +
                std::to_string(factor_z) + " cells: " + std::to_string(cx) + " x " + std::to_string(cy) + " x " +
                std::to_string(cz) + " from " + std::to_string(r.nx) + " x " + std::to_string(r.ny) + " x " +
                std::to_string(r.nz);
  auto shrink = [&](const std::vector<double>& field) {
    return factor == 1 && factor_z == 1 ? field : coarsen(field, r.nx, r.ny, r.nz, factor, factor_z);
  };

  json page;
  page["format"] = 1;
  page["scenario"] = r.scenario_name();
  page["units"] = "mg/mL";
  page["decades"] = viewer_decades;
  // Edge blocks may be narrower than the rest: the page takes the block size as the cell size and
  // the true extent from length_*.
  page["grid"] = grid_json(cx, cy, cz, r.hx * factor, r.hy * factor, r.hz * factor_z);
  page["grid"]["length_x"] = r.length_x();
  page["grid"]["length_y"] = r.length_y();
  page["grid"]["depth"] = r.depth();
  page["source_grid"] = grid_json(r.nx, r.ny, r.nz, r.hx, r.hy, r.hz);
  for (std::size_t l = 0; l < r.layer_names.size(); ++l)
    page["layers"].push_back({{"name", r.layer_names[l]}, {"top_m", r.layer_top[l]}});
  page["injections"] = json::array();
  for (const InjectionPoint& p : r.injections)
    page["injections"].push_back({{"x", p.x}, {"y", p.y}, {"depth", p.depth}, {"time", p.time}, {"volume", p.volume}});
  for (double t : r.snapshot_times) page["snapshots"].push_back({{"time_s", t}, {"label", format_day_time(t)}});

  std::vector<double> thresholds(r.component_names.size(), 0.0);
  try {
    const json resolved = json::parse(r.resolved_json());
    if (resolved.contains("metrics") && resolved["metrics"].contains("threshold_kg_m3"))
      thresholds = resolved["metrics"]["threshold_kg_m3"].get<std::vector<double>>();
  } catch (const json::exception&) {
    // an older or foreign file: no thresholds, the page falls back to a fraction of the peak
  }
  thresholds.resize(r.component_names.size(), 0.0);

  for (std::size_t c = 0; c < r.component_names.size(); ++c) {
    std::vector<std::vector<double>> fields;
    double peak = 0.0;
    for (std::size_t n = 0; n < r.snapshot_times.size(); ++n) {
      fields.push_back(shrink(r.field(n, c)));
      for (double v : fields.back()) peak = std::max(peak, v);
    }
    json component = {{"name", r.component_names[c]}, {"key", r.component_keys[c]}, {"threshold", thresholds[c]},
                      {"peak", peak}};
    for (const std::vector<double>& field : fields) {
      component["fields"].push_back(packed(encode_log16(field, peak, viewer_decades), cx));
      component["peaks"].push_back(*std::max_element(field.begin(), field.end()));
    }
    json series;
    for (const SeriesMetric& metric : series_metric_table())
      if (metric.fraction) series[metric.key] = r.series(c, metric.key);
    component["series"] = series;
    page["components"].push_back(component);
  }
  page["series_time_s"] = r.series_times;

  // The darcy reservoir's excess fluid (the bleb), linear 16-bit codes up to its peak.
  page["excess"] = nullptr;
  if (!r.excess_fluid(0).empty() || (r.snapshot_times.size() > 1 && !r.excess_fluid(1).empty())) {
    std::vector<std::vector<double>> fields;
    double peak = 0.0;
    for (std::size_t n = 0; n < r.snapshot_times.size(); ++n) {
      const std::vector<double> e = r.excess_fluid(n);
      fields.push_back(e.empty() ? std::vector<double>(std::size_t(cx) * cy * cz, 0.0) : shrink(e));
      for (double v : fields.back()) peak = std::max(peak, v);
    }
    json excess = {{"peak", peak}, {"bleb_level", 0.1}};
    for (const std::vector<double>& field : fields) {
      std::vector<std::uint16_t> codes(field.size());
      for (std::size_t n = 0; n < field.size(); ++n)
        codes[n] = peak > 0.0 ? std::uint16_t(std::lround(65535.0 * std::clamp(field[n] / peak, 0.0, 1.0))) : 0;
      excess["fields"].push_back(packed(codes, cx));
    }
    page["excess"] = excess;
  }
  page["initial_component"] = std::min(settings.initial_component, r.component_names.size() - 1);
  for (int i = 0; i < 256; ++i) {
    const Rgb colour = viridis(i);
    page["viridis"].push_back({colour.r, colour.g, colour.b});
  }
  // "</" never appears inside the page's <script> element.
  std::string text = page.dump();
  for (std::size_t at = text.find("</"); at != std::string::npos; at = text.find("</", at + 3)) text.replace(at, 2, "<\\/");
  return text;
}

std::string viewer_page(const std::string& data) {
  const std::string page(viewer_template, viewer_template_size);
  static constexpr const char placeholder[] = "<!--MESOSIM-DATA-->";
  const std::size_t at = page.find(placeholder);
  if (at == std::string::npos) throw OutputError("the built-in viewer template has no data placeholder (a broken build?)");
  return page.substr(0, at) + data + page.substr(at + sizeof placeholder - 1);
}

}  // namespace mesosim
