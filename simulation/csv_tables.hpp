// ledger.csv and metrics.csv as an observer: one line per component per output time (the ledger
// in kg with its residual; the treatment metrics). Every line is flushed at once, so a killed run
// leaves complete tables; a failed write is an OutputError naming the file.
#pragma once

#include <filesystem>
#include <fstream>

#include "simulation/observer.hpp"

namespace mesosim {

class CsvTables : public Observer {
 public:
  /// Creates (truncates) DIR/ledger.csv and DIR/metrics.csv with their headers.
  CsvTables(const std::filesystem::path& dir, const TransportModel& model);
  void on_output(const Simulation&, const OutputPoint& point) override { add(point.row); }
  /// One output time's lines (also for the rows read back when resuming).
  void add(const SeriesRow& row);

 private:
  void check() const;
  std::filesystem::path dir_;
  const TransportModel& model_;
  std::ofstream ledger_, metrics_;
};

}  // namespace mesosim
