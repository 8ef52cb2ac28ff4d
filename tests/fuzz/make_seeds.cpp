// Writes the seed inputs of the binary fuzz targets from fuzz_model.hpp's model into DIR:
// checkpoint/{current.h5} and results/{finished.h5, killed.h5}. Run once when the layouts change:
//   build-fuzz/fuzz_seeds tests/fuzz/corpus
#include <cstdio>
#include <filesystem>

#include "io/checkpoint.hpp"
#include "io/results_file.hpp"
#include "tests/fuzz/fuzz_model.hpp"

namespace fs = std::filesystem;
using namespace mesosim;

namespace {

SeriesRow row_at(const TransportState& state, double time) {
  SeriesRow row;
  row.time = time;
  for (int c = 0; c < 2; ++c) {
    ComponentMetrics m;
    m.time = time;
    m.in_tissue = 1.0 - time / 1e4;
    m.coverage = 0.25 * (c + 1);
    m.peak = time / 100.0;
    row.metrics.push_back(m);
    row.ledger.push_back(state.ledger[c]);
    row.in_fluid.push_back(1e-6 * (c + 1));
    row.bound.push_back(0.0);
    row.residual.push_back(1e-16);
  }
  return row;
}

void results(const fs::path& dir, const TransportModel& model, TransportState& state, bool finish) {
  RunDescription d;
  d.program_version = "seed";
  d.scenario_name = "fuzz seed";
  d.scenario_file = "seed.toml";
  d.resolved_json = "{\"grid\": {}}";
  Injection injection;
  injection.x = 3e-4;
  injection.y = 2e-4;
  injection.depth = 5e-4;
  injection.volume = 5e-8;
  injection.cocktail = "mix";
  ResultsFile file(dir, model, d, {injection}, false);
  file.add_field("excess_fluid", "1");
  const std::vector<double> excess(model.grid().n_cells(), 0.01);
  for (int n = 0; n < 2; ++n) {
    state.time = 1800.0 * n;
    file.append(row_at(state, state.time));
    file.write_snapshot(state, {excess.data()});
  }
  if (finish) file.finish("{\"ok\": true}");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds CORPUS_DIR\n");
    return 2;
  }
  const fs::path out = argv[1], work = fuzz::scratch_directory();
  const auto model = fuzz::small_model();
  TransportState state(*model);
  for (int c = 0; c < 2; ++c)
    for (std::size_t n = 0; n < model->grid().n_cells(); ++n) state.u(c, n) = 1.0 + double(n) / 7.0 + 0.1 * c;
  state.ledger[0].injected = 2.5e-6;
  fs::create_directories(out / "checkpoint");
  fs::create_directories(out / "results");

  Checkpoint checkpoint;
  checkpoint.put_text("run.inputs", "{\"scenario\": \"x.toml\"}");
  checkpoint.put_count("run.threads", 2);
  checkpoint.put_real("run.wall_time_s", 12.5);
  IntegratorMemory memory;
  memory.next_step = 12.5;
  memory.peak_ever = {1.0, 0.0, 2.0, 0.0};
  put_integrator(checkpoint, "test.integrator", memory);
  state.n_steps = 77;
  state.time = 3600.0;
  write_checkpoint(work, checkpoint, *model, state);
  fs::copy_file(work / "checkpoint.h5", out / "checkpoint" / "current.h5", fs::copy_options::overwrite_existing);

  results(work, *model, state, true);
  fs::copy_file(work / "results.h5", out / "results" / "finished.h5", fs::copy_options::overwrite_existing);
  results(work, *model, state, false);
  fs::copy_file(work / "results.h5", out / "results" / "killed.h5", fs::copy_options::overwrite_existing);
  fs::remove_all(work);
  return 0;
}
