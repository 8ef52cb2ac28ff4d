#include "models/metric_table.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace mesosim {

const std::vector<SeriesMetric>& series_metric_table() {
  using M = ComponentMetrics;
  static const std::vector<SeriesMetric> table{
      {"in_tissue", "fraction of injected", "still in the tissue",
       "mass in the tissue (mobile fluid + bound) over the injected mass", &M::in_tissue, true},
      {"to_blood", "fraction of injected", "taken up by blood (systemic)",
       "taken up by blood capillaries so far (the systemic share)", &M::to_blood, true},
      {"to_lymph", "fraction of injected", "drained by lymph", "drained by lymphatics so far", &M::to_lymph, true},
      {"degraded", "fraction of injected", "degraded", "degraded in the fluid or consumed by cells so far",
       &M::degraded, true},
      {"out_of_box", "fraction of injected", "left through open sides",
       "lost through the open (sink) sides of the domain so far", &M::out_of_box, true},
      {"peak_kg_m3", "kg/m^3", "peak concentration", "largest concentration in the tissue (mobile fluid)", &M::peak,
       false},
      {"peak_in_target_kg_m3", "kg/m^3", "peak in the target", "largest concentration in the target region",
       &M::peak_in_target, false},
      {"coverage", "fraction of target", "target coverage (above threshold)",
       "share of the target region's cells at or above the component's threshold", &M::coverage, false},
      {"uniformity_cv", "1", "uniformity (CV)",
       "coefficient of variation (std / mean) of the concentration over the target region (0 if the mean is 0)",
       &M::uniformity_cv, false},
  };
  return table;
}

const SeriesMetric& series_metric(const std::string& key) {
  for (const SeriesMetric& metric : series_metric_table())
    if (key == metric.key) return metric;
  throw std::logic_error("series metric '" + key + "' is not in the metric table (models/metric_table.cpp)");
}

const std::vector<RunFigure>& figure_table() {
  using S = FigureSources;
  static const std::vector<RunFigure> table{
      {"max_coverage", "fraction of target", "largest coverage over every step",
       [](const S& s) { return s.run.max_coverage; }, true},
      {"coverage_time_s", "s", "integral of coverage over the run (trapezoid rule over the steps): 3600 s is one hour of full coverage",
       [](const S& s) { return s.run.coverage_time; }, true},
      {"time_half_covered_s", "s", "how long at least half of the target region was at or above threshold",
       [](const S& s) { return s.run.time_half_covered; }, true},
      {"final_uniformity_cv", "1", "uniformity_cv at the end of the run",
       [](const S& s) { return s.last.uniformity_cv; }, true},
      {"residence_half_life_s", "s",
       "time until half the injected mass has left the tissue (exponential between steps; null if not reached)",
       [](const S& s) { return s.run.residence_half_life < 0 ? std::nan("") : s.run.residence_half_life; }, true},
      {"systemic_fraction", "fraction of injected", "taken up by blood at the end of the run",
       [](const S& s) { return s.run.systemic_fraction; }, true},
      {"lymph_fraction", "fraction of injected", "drained by lymph at the end of the run",
       [](const S& s) { return s.last.to_lymph; }, true},
      {"degraded_fraction", "fraction of injected", "degraded at the end of the run",
       [](const S& s) { return s.last.degraded; }, true},
      {"out_of_box_fraction", "fraction of injected", "lost through open sides at the end of the run",
       [](const S& s) { return s.last.out_of_box; }, true},
      {"in_tissue_fraction", "fraction of injected", "still in the tissue at the end of the run",
       [](const S& s) { return s.last.in_tissue; }, true},
      {"peak_kg_m3", "kg/m^3", "largest concentration over every step",
       [](const S& s) { return s.run.peak; }, true},
      {"time_above_threshold_s", "s", "how long some target cell was at or above threshold (linear at the crossings)",
       [](const S& s) { return s.run.time_above_threshold; }, true},
      {"ledger_residual", "1", "injected - (in tissue + removed), relative to the injected mass: round-off when the ledger closes",
       [](const S& s) { return s.ledger_residual; }, true},
      {"injected_kg", "kg", "mass injected so far", [](const S& s) { return s.injected; }, false},
      {"threshold_kg_m3", "kg/m^3", "the component's therapeutic threshold (target.threshold)",
       [](const S& s) { return s.threshold; }, false},
  };
  return table;
}

std::string describe_metrics() {
  std::ostringstream out;
  out << "series (metrics.csv columns; results.h5 /series/COMPONENT/KEY), at every output time:\n";
  for (const SeriesMetric& m : series_metric_table())
    out << "  " << m.key << " [" << m.unit << "]: " << m.meaning << "\n";
  out << "run figures (summary.json components[]; * = sweep.csv column COMPONENT:KEY):\n";
  for (const RunFigure& f : figure_table())
    out << "  " << f.key << (f.sweep_column ? " *" : "") << " [" << f.unit << "]: " << f.meaning << "\n";
  return out.str();
}

std::string describe_metrics_markdown() {
  std::ostringstream out;
  out << "### Series: `metrics.csv` columns, `results.h5` `/series/COMPONENT/KEY`\n\n"
      << "| key | unit | meaning |\n|---|---|---|\n";
  for (const SeriesMetric& m : series_metric_table())
    out << "| `" << m.key << "` | " << m.unit << " | " << m.meaning << " |\n";
  out << "\n### Run figures: `summary.json` `components[]`, `sweep.csv` columns `COMPONENT:KEY`\n\n"
      << "| key | unit | sweep column | meaning |\n|---|---|---|---|\n";
  for (const RunFigure& f : figure_table())
    out << "| `" << f.key << "` | " << f.unit << " | " << (f.sweep_column ? "yes" : "no") << " | " << f.meaning
        << " |\n";
  return out.str();
}

namespace {

std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

}  // namespace

std::string describe_metrics_json() {
  std::ostringstream out;
  out << "{\"series\": [";
  const char* separator = "";
  for (const SeriesMetric& m : series_metric_table()) {
    out << separator << "\n  {\"key\": " << quoted(m.key) << ", \"unit\": " << quoted(m.unit)
        << ", \"label\": " << quoted(m.label) << ", \"meaning\": " << quoted(m.meaning)
        << ", \"fraction\": " << (m.fraction ? "true" : "false") << "}";
    separator = ",";
  }
  out << "],\n \"figures\": [";
  separator = "";
  for (const RunFigure& f : figure_table()) {
    out << separator << "\n  {\"key\": " << quoted(f.key) << ", \"unit\": " << quoted(f.unit)
        << ", \"meaning\": " << quoted(f.meaning) << ", \"sweep_column\": " << (f.sweep_column ? "true" : "false")
        << "}";
    separator = ",";
  }
  out << "]}\n";
  return out.str();
}

}  // namespace mesosim
