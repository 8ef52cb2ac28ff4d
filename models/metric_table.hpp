// The one table of per-component metrics: every series metric (a metrics.csv column and a
// results.h5 /series/COMPONENT/ dataset, one value per output time) and every run figure (a
// summary.json component entry, and most of them a sweep column) once, with its unit, its meaning
// and how it is read from ComponentMetrics or RunFigures. Writers, readers, plots, the sweep and
// `mesosim describe metrics` all iterate it; it computes nothing itself (metrics.hpp does).
#pragma once

#include <string>
#include <vector>

#include "models/metrics.hpp"

namespace mesosim {

/// One metric of the series, recorded at every output time.
struct SeriesMetric {
  const char* key;      ///< metrics.csv column and results.h5 dataset name, e.g. "in_tissue"
  const char* unit;     ///< e.g. "fraction of injected", "kg/m^3"
  const char* label;    ///< short phrase for plot titles, e.g. "still in the tissue"
  const char* meaning;  ///< one sentence
  double ComponentMetrics::*value;  ///< where it is kept
  bool fraction;        ///< a fraction of the injected mass (the viewer's mass curves)
};

/// The series metrics in column order (metrics.csv after time_s and component).
const std::vector<SeriesMetric>& series_metric_table();
/// The entry of `key` (std::logic_error if there is none: a key in code that the table lacks).
const SeriesMetric& series_metric(const std::string& key);

/// What a run figure is read from.
struct FigureSources {
  const RunFigures& run;         ///< from every accepted step (or the output rows)
  const ComponentMetrics& last;  ///< the last output row
  double injected;               ///< kg
  double threshold;              ///< kg/m^3
  double ledger_residual;        ///< relative
};

/// One figure of a whole run, per component.
struct RunFigure {
  const char* key;      ///< summary.json name, e.g. "max_coverage"
  const char* unit;
  const char* meaning;
  double (*value)(const FigureSources&);  ///< NaN when not reached (summary.json: null)
  bool sweep_column;    ///< a column "COMPONENT:key" of sweep.csv
};

/// The run figures, sweep columns first in column order.
const std::vector<RunFigure>& figure_table();

/// Plain text, markdown (the generated tables of docs/output.md) and JSON (for scripts) listings
/// of both tables: `mesosim describe metrics [--markdown | --json]`.
std::string describe_metrics();
std::string describe_metrics_markdown();
std::string describe_metrics_json();

}  // namespace mesosim
