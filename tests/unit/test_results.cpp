// The results file and the checkpoint: the documented layout (README "Output") read back with the
// plain HDF5 API, values equal to the state written, float32 rounding, reopening for a resumed run
// (later snapshots and rows dropped), checkpoint round trip (bitwise), and damaged or foreign files
// turned into clear errors rather than crashes.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "io/checkpoint.hpp"
#include "io/h5.hpp"
#include "io/results_file.hpp"
#include "solver/error.hpp"
#include "tests/test_support.hpp"

namespace mesosim {
namespace {

namespace fs = std::filesystem;

class ResultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("mesosim_results_" + std::to_string(::getpid()) + "_" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    model = testing::two_layer_model();
    grid = model->grid();
    state = TransportState(*model);
    for (int c = 0; c < 2; ++c)
      for (std::size_t n = 0; n < grid.n_cells(); ++n) state.u(c, n) = 1.0 + double(n) / 7.0 + 0.1 * c;
    state.time = 3600.0;
    state.ledger[0].injected = 2.5e-6;
    state.ledger[0].boundary[bottom] = 1e-9;
  }
  void TearDown() override { fs::remove_all(dir); }

  RunDescription description() const {
    RunDescription d;
    d.program_version = "test";
    d.build = "test build";
    d.scenario_name = "results test";
    d.scenario_file = "none.toml";
    d.scenario_source = "name = \"results test\"\n";
    d.overrides = {"time.end=\"1 h\""};
    d.resolved_json = "{}";
    return d;
  }

  SeriesRow row_at(double time) const {
    SeriesRow row;
    row.time = time;
    for (int c = 0; c < 2; ++c) {
      ComponentMetrics m;
      m.time = time;
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

  fs::path dir;
  Grid grid;
  std::unique_ptr<TransportModel> model;
  TransportState state;
};

TEST_F(ResultsTest, LayoutAndValuesAsDocumented) {
  Injection injection;
  injection.x = 3e-4;
  injection.y = 2e-4;
  injection.depth = 5e-4;
  injection.volume = 5e-8;
  injection.cocktail = "mix";
  {
    ResultsFile results(dir, *model, description(), {injection}, false);
    results.append(row_at(0.0));
    results.write_snapshot(state);
    results.append(row_at(3600.0));
    results.finish("{\"ok\": true}");
  }
  const h5::File file((dir / "results.h5").string(), h5::Mode::read_only);
  EXPECT_EQ(h5::read_string_attribute(file, "/", "program"), "MesoSim");
  EXPECT_EQ(h5::read_string_attribute(file, "/", "scenario_source"), "name = \"results test\"\n");
  EXPECT_EQ(h5::read_integers_attribute(file, "/grid", "dims"), (std::vector<long long>{4, 5, 6}));
  EXPECT_EQ(h5::read_doubles_attribute(file, "/grid", "spacing"), (std::vector<double>{2e-4, 1e-4, 1e-4}));
  EXPECT_EQ(h5::read_strings(file, "/components/names"), (std::vector<std::string>{"drug a", "other/b"}));
  EXPECT_EQ(h5::read_strings(file, "/components/keys"), (std::vector<std::string>{"drug_a", "other_b"}));
  EXPECT_EQ(h5::read_strings(file, "/tissue/layer_names"), (std::vector<std::string>{"upper", "lower"}));
  EXPECT_EQ(h5::read_strings(file, "/injections/tip_layer"), (std::vector<std::string>{"lower"}));
  EXPECT_EQ(h5::read_doubles(file, "/injections/depth_m"), (std::vector<double>{5e-4}));
  EXPECT_EQ(h5::read_doubles(file, "/snapshots/time_s"), (std::vector<double>{3600.0}));
  // Concentration c = P u, in (z, y, x) order, exactly the state's values (float64).
  EXPECT_EQ(h5::dataset_dims(file, "/snapshots/000000/other_b"), (std::vector<hsize_t>{4, 5, 6}));
  const std::vector<double> c = h5::read_doubles(file, "/snapshots/000000/other_b");
  for (int k = 0; k < grid.nz; ++k)
    for (int j = 0; j < grid.ny; ++j)
      for (int i = 0; i < grid.nx; ++i) {
        const std::size_t n = grid.index(i, j, k);
        ASSERT_EQ(c[n], model->coefficients(1).partition[k] * state.u(1, n)) << i << ' ' << j << ' ' << k;
      }
  // Layer map: cell centres at 0.1, 0.3 mm are in "upper" (0 - 0.3 mm), 0.5 and 0.7 mm in "lower".
  const std::vector<double> layer = h5::read_doubles(file, "/grid/layer");
  EXPECT_EQ(layer[grid.index(2, 2, 0)], 0.0);
  EXPECT_EQ(layer[grid.index(2, 2, 3)], 1.0);
  EXPECT_EQ(h5::read_doubles(file, "/series/time_s"), (std::vector<double>{0.0, 3600.0}));
  EXPECT_EQ(h5::read_doubles(file, "/series/other_b/coverage"), (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(h5::read_doubles(file, "/series/drug_a/boundary_kg"), (std::vector<double>{1e-9, 1e-9}));
  EXPECT_EQ(h5::read_string_attribute(file, "/summary", "json"), "{\"ok\": true}");

  // The sidecar names every snapshot's fields by the file-relative path ParaView resolves.
  std::ifstream sidecar(dir / "results.xmf");
  const std::string xml((std::istreambuf_iterator<char>(sidecar)), std::istreambuf_iterator<char>());
  EXPECT_NE(xml.find("CollectionType=\"Temporal\""), std::string::npos);
  EXPECT_NE(xml.find("<Time Value=\"3600\"/>"), std::string::npos);
  EXPECT_NE(xml.find("Dimensions=\"5 6 7\""), std::string::npos);  // points, z y x
  EXPECT_NE(xml.find("./results.h5:/snapshots/000000/other_b"), std::string::npos);
  EXPECT_NE(xml.find("Name=\"other/b\""), std::string::npos);
}

TEST_F(ResultsTest, Float32RoundsEachValue) {
  {
    ResultsFile results(dir, *model, description(), {}, true);
    results.write_snapshot(state);
    results.finish("{}");
  }
  const h5::File file((dir / "results.h5").string(), h5::Mode::read_only);
  const std::vector<double> c = h5::read_doubles(file, "/snapshots/000000/drug_a");
  for (std::size_t n = 0; n < grid.n_cells(); ++n) ASSERT_EQ(c[n], double(float(state.u(0, n))));
}

TEST_F(ResultsTest, ReopeningDropsWhatCameAfterTheCheckpoint) {
  {
    ResultsFile results(dir, *model, description(), {}, false);
    for (int n = 0; n < 3; ++n) {
      state.time = 3600.0 * n;
      results.append(row_at(state.time));
      results.write_snapshot(state);
    }
  }  // closed without finish(), as after a kill
  {
    ResultsFile results(dir, *model, 2, 2, false);
    EXPECT_EQ(results.n_snapshots(), 2u);
    state.time = 9000.0;
    results.append(row_at(state.time));
    results.write_snapshot(state);
    results.finish("{}");
  }
  const h5::File file((dir / "results.h5").string(), h5::Mode::read_only);
  EXPECT_EQ(h5::read_doubles(file, "/snapshots/time_s"), (std::vector<double>{0.0, 3600.0, 9000.0}));
  EXPECT_EQ(h5::read_doubles(file, "/series/time_s"), (std::vector<double>{0.0, 3600.0, 9000.0}));
  EXPECT_EQ(h5::read_doubles(file, "/series/drug_a/peak_kg_m3"), (std::vector<double>{0.0, 36.0, 90.0}));
  EXPECT_EQ(h5::read_doubles_attribute(file, "/snapshots/000002", "time_s"), (std::vector<double>{9000.0}));
  const std::vector<SeriesRow> rows = read_series(dir / "results.h5", *model);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].metrics[1].coverage, 0.5);
}

TEST_F(ResultsTest, CheckpointRoundTripIsBitwise) {
  Checkpoint checkpoint;
  checkpoint.put_text("run.inputs", "{\"scenario\": \"x.toml\"}");
  checkpoint.put_count("run.threads", 2);
  checkpoint.put_real("run.wall_time_s", 12.5);
  checkpoint.put_counts("test.counts", {5, 1, 3});
  IntegratorMemory memory;
  memory.next_step = 123.456789;
  memory.peak_ever = {1.0, 0.0, 2.0, 0.0};
  memory.stats.n_accepted = 77;
  memory.segment_n_done = 4;
  put_integrator(checkpoint, "test.integrator", memory);
  state.n_steps = 77;
  write_checkpoint(dir, checkpoint, *model, state);
  EXPECT_FALSE(fs::exists(dir / ".checkpoint.h5.tmp"));

  const Checkpoint read = read_checkpoint(dir);
  EXPECT_EQ(read.text("run.inputs"), checkpoint.text("run.inputs"));
  EXPECT_EQ(read.count("run.threads"), 2);
  EXPECT_EQ(read.real("run.wall_time_s"), 12.5);
  EXPECT_EQ(read.counts("test.counts"), (std::vector<long long>{5, 1, 3}));
  const IntegratorMemory m = get_integrator(read, "test.integrator");
  EXPECT_EQ(m.next_step, 123.456789);
  EXPECT_EQ(m.peak_ever, memory.peak_ever);
  EXPECT_EQ(m.stats.n_accepted, 77);
  EXPECT_EQ(m.segment_n_done, 4);
  EXPECT_EQ(m.stats.smallest_step, memory.stats.smallest_step);  // infinity survives
  EXPECT_EQ(read.real_or("test.absent", -1.0), -1.0);
  TransportState restored(*model);
  read_checkpoint_state(dir, *model, restored);
  EXPECT_EQ(restored.time, state.time);
  EXPECT_EQ(restored.n_steps, 77);
  EXPECT_EQ(restored.u.raw(), state.u.raw());
  EXPECT_EQ(restored.ledger[0].injected, 2.5e-6);
  EXPECT_EQ(restored.ledger[0].boundary[bottom], 1e-9);
}

TEST_F(ResultsTest, AMissingCheckpointValueIsNamed) {
  Checkpoint checkpoint;
  checkpoint.put_count("run.threads", 2);
  write_checkpoint(dir, checkpoint, *model, state);
  const Checkpoint read = read_checkpoint(dir);
  try {
    read.real("darcy.fluid_steps");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint.h5: has no 'darcy.fluid_steps'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(read.real("run.threads"), InputError);  // a count, not a real
}

TEST_F(ResultsTest, AnOldPositionalCheckpointIsReadUnderTheNewNames) {
  // The layout written before named values ("MesoSim checkpoint 1"), as a darcy run at rest wrote it.
  {
    h5::File file((dir / "checkpoint.h5").string(), h5::Mode::create_truncate);
    const h5::Handle root(H5Oopen(file.id(), "/", H5P_DEFAULT));
    h5::write_attribute(file, root.id(), "format", std::string("MesoSim checkpoint 1"));
    h5::write_attribute(file, root.id(), "inputs", std::string("{}"));
    h5::write_attribute(file, root.id(), "threads", std::vector<long long>{2});
    h5::write_attribute(file, root.id(), "position", std::vector<long long>{7, 1, 3, 8});
    h5::write_attribute(file, root.id(), "wall_time", 4.5);
    h5::write_attribute(file, root.id(), "integrator_reals", std::vector<double>{60, 50, 1, 100, 0, 0});
    h5::write_attribute(file, root.id(), "integrator_counts", std::vector<long long>{40, 2, 120, 0, 0});
    h5::write_attribute(file, root.id(), "peak_ever", std::vector<double>{3.0, 0.0});
    std::vector<double> reals{0.5, 600, 1e-12, 3600, 5e-8, 0, 4e-8, 0};
    for (int side = 0; side < n_sides; ++side) reals.push_back(1e-9 * side);
    h5::write_attribute(file, root.id(), "extra_reals", reals);  // before the solver statistics
    h5::write_attribute(file, root.id(), "extra_counts", std::vector<long long>{117, 29, 117, 150, 1});
  }
  const Checkpoint read = read_checkpoint(dir);
  EXPECT_EQ(read.count("run.next_output"), 7);
  EXPECT_EQ(read.count("results.rows"), 8);
  EXPECT_EQ(read.real("run.wall_time_s"), 4.5);
  EXPECT_EQ(get_integrator(read, "darcy.rest").stats.n_accepted, 40);
  EXPECT_EQ(get_integrator(read, "instant.integrator").next_step, 60.0);
  EXPECT_EQ(read.real("darcy.stats.rest_time_s"), 3600.0);
  EXPECT_EQ(read.real("darcy.fluid_ledger.to_lymph_m3"), 4e-8);
  EXPECT_EQ(read.reals("darcy.fluid_ledger.boundary_m3").size(), std::size_t(n_sides));
  EXPECT_EQ(read.count("darcy.fluid_steps"), 117);
  EXPECT_EQ(read.count("results.rows/bleb"), 150);
  EXPECT_FALSE(read.has("darcy.stats.pressure_seconds"));  // absent then: the model starts it at 0
}

TEST_F(ResultsTest, ADatasetClaimingMoreThanTheFileHoldsIsRefusedBeforeAllocating) {
  // A damaged dimension (found by tests/fuzz/fuzz_results: std::length_error escaped the reader
  // and the program aborted). Here a chunked dataset of 2^40 values with no chunk written: the
  // file is a few kB, the claim 8 TB.
  const std::string path = (dir / "claims.h5").string();
  {
    h5::File file(path, h5::Mode::create_truncate);
    const hsize_t dims = hsize_t(1) << 40, chunk = 1024;
    const h5::Handle space(H5Screate_simple(1, &dims, nullptr));
    const h5::Handle properties(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(properties.id(), 1, &chunk);
    const h5::Handle dataset(H5Dcreate2(file.id(), "/huge", H5T_NATIVE_DOUBLE, space.id(), H5P_DEFAULT,
                                        properties.id(), H5P_DEFAULT));
    ASSERT_TRUE(dataset.valid());
  }
  const h5::File file(path, h5::Mode::read_only);
  try {
    h5::read_doubles(file, "/huge");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("more than the file can hold"), std::string::npos) << e.what();
  }
}

TEST_F(ResultsTest, NewFilesCarryMetadataChecksums) {
  // Superblock version 2 or later (HDF5 1.8 format): HDF5 checks a checksum on every piece of
  // metadata it reads, so a damaged header is refused rather than parsed.
  { ResultsFile results(dir, *model, description(), {}, false); }
  const h5::File file((dir / "results.h5").string(), h5::Mode::read_only);
  H5F_info2_t info;
  ASSERT_GE(H5Fget_info2(file.id(), &info), 0);
  EXPECT_GE(info.super.version, 2u);
}

TEST_F(ResultsTest, DamagedFilesGiveClearErrors) {
  // No checkpoint at all.
  try {
    read_checkpoint(dir);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("nothing to resume"), std::string::npos) << e.what();
  }
  // A truncated checkpoint.
  Checkpoint checkpoint;
  checkpoint.put_text("run.inputs", "{}");
  write_checkpoint(dir, checkpoint, *model, state);
  const auto size = fs::file_size(dir / "checkpoint.h5");
  fs::resize_file(dir / "checkpoint.h5", size / 2);
  EXPECT_THROW(read_checkpoint(dir), InputError);
  // Not an HDF5 file.
  std::ofstream(dir / "checkpoint.h5") << "not hdf5";
  try {
    read_checkpoint(dir);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("checkpoint.h5"), std::string::npos) << e.what();
  }
  // A results file of another model cannot be reopened.
  {
    ResultsFile results(dir, *model, description(), {}, false);
  }
  Tissue tissue;
  tissue.layers = {Layer{"only", 8e-4, 0.3}};
  Component something = testing::uniform_component(1, 1e-10);
  something.name = "something else";
  const TransportModel other(grid, Boundaries{}, tissue, {something});
  EXPECT_THROW(ResultsFile(dir, other, 0, 0, false), InputError);
  // An unwritable place is an OutputError naming it.
  std::ofstream(dir / "a_file") << "x";
  try {
    ResultsFile results(dir / "a_file", *model, description(), {}, false);
    FAIL() << "no error";
  } catch (const OutputError& e) {
    EXPECT_NE(std::string(e.what()).find("a_file"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace mesosim
