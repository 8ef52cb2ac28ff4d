#include "simulation/csv_tables.hpp"

#include "models/metric_table.hpp"
#include "solver/error.hpp"

namespace mesosim {

CsvTables::CsvTables(const std::filesystem::path& dir, const TransportModel& model) : dir_(dir), model_(model) {
  ledger_.open(dir / "ledger.csv", std::ios::trunc);
  metrics_.open(dir / "metrics.csv", std::ios::trunc);
  ledger_ << "time_s,component,injected_kg,in_fluid_kg,bound_kg,to_blood_kg,to_lymph_kg,degraded_kg,"
             "boundary_kg,ledger_residual\n";
  metrics_ << "time_s,component";
  for (const SeriesMetric& metric : series_metric_table()) metrics_ << ',' << metric.key;
  metrics_ << '\n';
  ledger_.precision(12);
  metrics_.precision(10);
  check();
}

void CsvTables::add(const SeriesRow& row) {
  for (int c = 0; c < model_.n_components(); ++c) {
    const MassLedger& l = row.ledger[c];
    const double boundary = l.through_sides();
    const std::string name = "\"" + model_.component(c).name + "\"";
    ledger_ << row.time << ',' << name << ',' << l.injected << ',' << row.in_fluid[c] << ',' << row.bound[c] << ','
            << l.to_blood << ',' << l.to_lymph << ',' << l.degraded << ',' << boundary << ',' << row.residual[c]
            << '\n';
    const ComponentMetrics& m = row.metrics[c];
    metrics_ << m.time << ',' << name;
    for (const SeriesMetric& metric : series_metric_table()) metrics_ << ',' << m.*metric.value;
    metrics_ << '\n';
  }
  ledger_.flush();
  metrics_.flush();
  check();
}

void CsvTables::check() const {
  if (!ledger_) throw OutputError("writing " + (dir_ / "ledger.csv").string() + " failed (disk full?)");
  if (!metrics_) throw OutputError("writing " + (dir_ / "metrics.csv").string() + " failed (disk full?)");
}

}  // namespace mesosim
