#include "simulation/results_writer.hpp"

#include <fstream>

#include "solver/error.hpp"

namespace mesosim {

namespace fs = std::filesystem;

void prepare_output_directory(const fs::path& dir, bool force) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    if (!force) {
      std::string hint = fs::exists(dir / "checkpoint.h5") ? "; it holds an unfinished run: continue it with "
                                                              "`mesosim run --resume " + dir.string() + "`"
                                                            : "";
      throw InputError("output directory '" + dir.string() + "' already holds results; choose another with --out, "
                       "or pass --force to replace them" + hint);
    }
    for (const char* name : {"results.h5", "results.xmf", "checkpoint.h5", "ledger.csv", "metrics.csv",
                             "summary.txt", "summary.json", "scenario.toml"})
      fs::remove(dir / name, ec);
  }
  fs::create_directories(dir, ec);
  if (ec) throw OutputError("cannot create output directory '" + dir.string() + "': " + ec.message());
  const fs::path probe = dir / ".write-test";
  std::ofstream test(probe);
  if (!test) throw OutputError("output directory '" + dir.string() + "' is not writable");
  test.close();
  fs::remove(probe, ec);
}

ResultsWriter::ResultsWriter(const fs::path& dir, const Simulation& sim, const RunDescription& description,
                             bool float32)
    : results_(std::make_unique<ResultsFile>(dir, sim.transport(), description, sim.injections(), float32)),
      model_(sim.injection_model()), written_(model_.tables().size(), 0) {
  for (const ModelField& field : model_.fields()) results_->add_field(field.name, field.units);
}

ResultsWriter::ResultsWriter(const fs::path& dir, Simulation& sim, const Checkpoint& checkpoint, bool float32)
    : results_(std::make_unique<ResultsFile>(dir, sim.transport(), std::size_t(checkpoint.count("results.snapshots")),
                                             std::size_t(checkpoint.count("results.rows")), float32)),
      model_(sim.injection_model()), n_snapshots_(long(checkpoint.count("results.snapshots"))) {
  for (const ModelField& field : model_.fields()) results_->add_field(field.name, field.units);
  const std::vector<const SeriesTable*> tables = model_.tables();
  for (std::size_t n = 0; n < tables.size(); ++n) {
    written_.push_back(std::size_t(checkpoint.count("results.rows" + tables[n]->group)));
    sim.injection_model().restore_table(n, results_->truncate_columns(tables[n]->group, tables[n]->names, written_[n]));
  }
}

void ResultsWriter::on_output(const Simulation& sim, const OutputPoint& point) {
  results_->append(point.row);
  flush_tables();
  if (point.snapshot) snapshot(sim.state());
}

void ResultsWriter::on_injections_ended(const Simulation& sim, const std::vector<std::size_t>&) {
  flush_tables();
  if (sim.time() < sim.output_time(sim.next_output())) snapshot(sim.state());
}

void ResultsWriter::save(Checkpoint& checkpoint) {
  flush_tables();
  results_->sync();
  checkpoint.put_count("results.snapshots", n_snapshots_);
  checkpoint.put_count("results.rows", (long long)results_->n_rows());
  const std::vector<const SeriesTable*> tables = model_.tables();
  for (std::size_t n = 0; n < tables.size(); ++n)
    checkpoint.put_count("results.rows" + tables[n]->group, (long long)written_[n]);
}

void ResultsWriter::flush_tables() {
  const std::vector<const SeriesTable*> tables = model_.tables();
  for (std::size_t n = 0; n < tables.size(); ++n) {
    const SeriesTable& table = *tables[n];
    if (written_[n] == table.size()) continue;
    std::vector<std::vector<double>> fresh;
    for (const std::vector<double>& column : table.columns)
      fresh.emplace_back(column.begin() + long(written_[n]), column.end());
    results_->append_columns(table.group, table.names, fresh);
    written_[n] = table.size();
  }
}

void ResultsWriter::snapshot(const TransportState& state) {
  std::vector<const double*> extras;
  for (const ModelField& field : model_.fields()) extras.push_back(field.values);
  results_->write_snapshot(state, extras);
  ++n_snapshots_;
}

}  // namespace mesosim
