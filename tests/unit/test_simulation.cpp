// The run as a library (simulation/simulation.hpp): advancing in pieces, stopping on request and
// continuing, and resuming from a checkpoint all give bitwise the state and the output rows of one
// uninterrupted run, for the instant deposit and for the Darcy bleb; observers hear every output
// time and every injection's end once.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "scenarios/scenario.hpp"
#include "simulation/checkpointer.hpp"
#include "simulation/csv_tables.hpp"
#include "simulation/darcy_bleb.hpp"
#include "simulation/injection_registry.hpp"
#include "simulation/results_writer.hpp"
#include "simulation/simulation.hpp"
#include "simulation/summary_writer.hpp"
#include "solver/error.hpp"

namespace mesosim {
namespace {

const std::string examples = std::string(MESOSIM_SOURCE_DIR) + "/scenarios/examples/";

/// A small, short instant run: one deposit, outputs every hour for 6 h.
Scenario small_instant() {
  return load_scenario(examples + "single_injection.toml",
                       {"domain.cell=500 um", "time.end=6 h", "time.output_interval=1 h"});
}

/// A coarse Mantoux bleb: the fluid flows for 10 s and is still moving at the end.
Scenario small_darcy() {
  return load_scenario(examples + "mantoux.toml", {"domain.cell=1 mm", "time.end=4 min", "time.output_interval=2 min"});
}

/// A coarse darcy injection of 0.05 mL whose fluid comes to rest after about 4 h of 12.
Scenario darcy_to_rest() {
  return load_scenario(examples + "single_injection.toml",
                       {"injections.0.reservoir=darcy", "injections.0.rate=0.01 mL/s", "domain.cell=1 mm",
                        "time.end=12 h", "time.output_interval=1 h"});
}

/// Keeps every output row and event it hears.
class Recorder : public Observer {
 public:
  void on_output(const Simulation&, const OutputPoint& point) override {
    rows.push_back(point.row);
    indices.push_back(point.index);
    if (point.snapshot) snapshots.push_back(point.index);
  }
  void on_injections_ended(const Simulation& sim, const std::vector<std::size_t>& ended) override {
    for (std::size_t i : ended) ends.emplace_back(i, sim.time());
  }
  void on_step(const Simulation&) override { ++steps; }
  std::vector<SeriesRow> rows;
  std::vector<long> snapshots;  // output indices with a snapshot
  std::vector<long> indices;
  std::vector<std::pair<std::size_t, double>> ends;
  long steps = 0;
};

/// Asks its simulation to stop at the given step count (as a signal handler would).
class StopAt : public Observer {
 public:
  StopAt(Simulation& sim, long n_steps) : sim_(sim), n_steps_(n_steps) {}
  void on_step(const Simulation& sim) override {
    if (sim.state().n_steps == n_steps_) sim_.request_stop();
  }

 private:
  Simulation& sim_;
  long n_steps_;
};

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  // (empty vectors may have null data(), which memcmp must not be given: UBSan)
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void expect_same_state(const Simulation& a, const Simulation& b) {
  EXPECT_TRUE(same_bits(a.time(), b.time()));
  EXPECT_EQ(a.state().n_steps, b.state().n_steps);
  EXPECT_TRUE(same_bits(a.state().u.raw(), b.state().u.raw()));
  EXPECT_TRUE(same_bits(a.state().bound.raw(), b.state().bound.raw()));
  for (std::size_t c = 0; c < a.state().ledger.size(); ++c) {
    const MassLedger &x = a.state().ledger[c], &y = b.state().ledger[c];
    EXPECT_TRUE(same_bits(x.to_blood, y.to_blood) && same_bits(x.to_lymph, y.to_lymph) &&
                same_bits(x.degraded, y.degraded) && same_bits(x.injected, y.injected))
        << "component " << c;
    // The run figures taken from every step, bitwise too.
    ASSERT_TRUE(a.run_figures(int(c)) && b.run_figures(int(c)));
    const RunFigures &f = *a.run_figures(int(c)), &g = *b.run_figures(int(c));
    EXPECT_TRUE(same_bits(f.residence_half_life, g.residence_half_life) &&
                same_bits(f.time_above_threshold, g.time_above_threshold) &&
                same_bits(f.coverage_time, g.coverage_time) && same_bits(f.time_half_covered, g.time_half_covered) &&
                same_bits(f.max_coverage, g.max_coverage) && same_bits(f.peak, g.peak))
        << "component " << c;
  }
}

void expect_same_rows(const std::vector<SeriesRow>& a, const std::vector<SeriesRow>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t n = 0; n < a.size(); ++n) {
    EXPECT_TRUE(same_bits(a[n].time, b[n].time)) << "row " << n;
    EXPECT_TRUE(same_bits(a[n].in_fluid, b[n].in_fluid)) << "row " << n;
    EXPECT_TRUE(same_bits(a[n].residual, b[n].residual)) << "row " << n;
    for (std::size_t c = 0; c < a[n].metrics.size(); ++c) {
      EXPECT_TRUE(same_bits(a[n].metrics[c].coverage, b[n].metrics[c].coverage)) << "row " << n;
      EXPECT_TRUE(same_bits(a[n].metrics[c].peak, b[n].metrics[c].peak)) << "row " << n;
    }
  }
}

TEST(Simulation, AdvanceInPiecesEqualsOneCall) {
  const Scenario scenario = small_instant();
  Simulation whole(scenario);
  Recorder whole_rows;
  whole.add_observer(whole_rows);
  ASSERT_TRUE(whole.run());
  EXPECT_TRUE(whole.finished());
  // Hourly outputs plus the geometric schedule's 5, 15 and 30 min after the injection at 0.
  EXPECT_EQ(whole_rows.indices, (std::vector<long>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));

  Simulation pieces(scenario);
  Recorder piece_rows;
  pieces.add_observer(piece_rows);
  // The run pauses at output times: 2.5 h stops at 2 h, 0.5 h more does nothing.
  ASSERT_TRUE(pieces.advance_to(2.5 * 3600));
  EXPECT_EQ(pieces.time(), 2 * 3600.0);
  ASSERT_TRUE(pieces.advance_to(2.9 * 3600));
  EXPECT_EQ(pieces.time(), 2 * 3600.0);
  ASSERT_TRUE(pieces.advance_to(5 * 3600));
  ASSERT_TRUE(pieces.advance_to(1e9));  // past the end: to the end
  EXPECT_TRUE(pieces.finished());
  expect_same_state(whole, pieces);
  expect_same_rows(whole_rows.rows, piece_rows.rows);
  EXPECT_EQ(whole_rows.steps, piece_rows.steps);
}

TEST(Simulation, StopOnRequestThenContinueEqualsOneCall) {
  const Scenario scenario = small_instant();
  Simulation whole(scenario);
  Recorder whole_rows;
  whole.add_observer(whole_rows);
  ASSERT_TRUE(whole.run());
  ASSERT_GT(whole.state().n_steps, 10);

  Simulation stopped(scenario);
  Recorder rows;
  StopAt stop(stopped, whole.state().n_steps / 2);
  stopped.add_observer(rows);
  stopped.add_observer(stop);
  EXPECT_FALSE(stopped.run());  // stopped mid-way, between output times
  EXPECT_EQ(stopped.state().n_steps, whole.state().n_steps / 2);
  EXPECT_FALSE(stopped.finished());
  stopped.clear_stop();
  ASSERT_TRUE(stopped.run());
  expect_same_state(whole, stopped);
  expect_same_rows(whole_rows.rows, rows.rows);
}

TEST(Simulation, ResumeFromCheckpointEqualsOneCall) {
  const Scenario scenario = small_instant();
  Simulation whole(scenario);
  ASSERT_TRUE(whole.run());

  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("mesosim_test_simulation_resume_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  {
    Simulation first(scenario);
    StopAt stop(first, whole.state().n_steps / 3);
    first.add_observer(stop);
    ASSERT_FALSE(first.run());
    Checkpoint checkpoint;
    checkpoint.put_text("run.inputs", "{}");
    first.save(checkpoint);
    write_checkpoint(dir, checkpoint, first.transport(), first.state());
  }
  ResumePoint resume{read_checkpoint(dir), dir};
  Simulation resumed(scenario, &resume);
  EXPECT_EQ(resumed.state().n_steps, whole.state().n_steps / 3);
  ASSERT_TRUE(resumed.run());
  expect_same_state(whole, resumed);
  std::filesystem::remove_all(dir);
}

// The run figures come from every step: outputs every 10 min, every hour and every 3 h change none
// of them by more than 1 % (the steps land on other times; nothing else differs). From the output
// rows (summarise), time above threshold moves by whole output intervals.
TEST(Simulation, RunFiguresDoNotDependOnTheOutputInterval) {
  auto figures = [](const char* interval) {
    Simulation sim(load_scenario(examples + "single_injection.toml",
                                 {"domain.cell=500 um", "time.end=6 h", std::string("time.output_interval=") + interval}));
    EXPECT_TRUE(sim.run());
    return *sim.run_figures(0);
  };
  const RunFigures hourly = figures("1 h");
  EXPECT_GT(hourly.time_above_threshold, 0.0);
  EXPECT_GT(hourly.coverage_time, 0.0);
  EXPECT_GT(hourly.max_coverage, 0.0);
  for (const char* interval : {"10 min", "3 h"}) {
    const RunFigures f = figures(interval);
    auto expect_within_1_percent = [&](const char* name, double a, double b) {
      EXPECT_LE(std::abs(a - b), 0.01 * std::abs(b)) << name << " with outputs every " << interval << ": " << a
                                                     << ", hourly " << b;
    };
    expect_within_1_percent("time above threshold", f.time_above_threshold, hourly.time_above_threshold);
    expect_within_1_percent("coverage-time", f.coverage_time, hourly.coverage_time);
    expect_within_1_percent("time half covered", f.time_half_covered, hourly.time_half_covered);
    expect_within_1_percent("max coverage", f.max_coverage, hourly.max_coverage);
    expect_within_1_percent("peak", f.peak, hourly.peak);
    expect_within_1_percent("residence half-life", f.residence_half_life, hourly.residence_half_life);
    expect_within_1_percent("systemic fraction", f.systemic_fraction, hourly.systemic_fraction);
  }
}

/// Asks its simulation to stop at the first step inside [from, to) s, as the SIGTERM handler would.
class StopInWindow : public Observer {
 public:
  StopInWindow(Simulation& sim, double from, double to) : sim_(sim), from_(from), to_(to) {}
  void on_step(const Simulation& sim) override {
    if (!stopped && sim.time() >= from_ && sim.time() < to_) {
      sim_.request_stop();
      stopped = true;
    }
  }
  bool stopped = false;

 private:
  Simulation& sim_;
  double from_, to_;
};

// A stop (SIGTERM) in every phase of a Darcy run, checkpointed and resumed, gives bitwise the run
// that was not stopped. Two sessions of 0.05 mL at 1 h and 7 h (the fluid is at rest about 4 h after
// each), 14 h in all.
TEST(Simulation, DarcyStoppedInEveryPhaseResumesToTheSameRun) {
  const Scenario scenario = load_scenario(
      examples + "single_injection.toml",
      {"injections.0.reservoir=darcy", "injections.0.rate=0.01 mL/s", "injections.0.time=1 h", "sessions.count=2",
       "sessions.interval=6 h", "domain.cell=1 mm", "time.end=14 h", "time.output_interval=1 h"});
  Simulation whole(scenario);
  ASSERT_TRUE(whole.run());
  struct Phase {
    const char* name;
    double from, to;  // s
    bool at_rest;     // the fluid is at rest there (the checkpoint's darcy.at_rest)
  };
  const Phase phases[] = {
      {"before the first injection", 0.0, 3600.0, true},
      {"the coupled phase of the first session", 3600.0 + 60.0, 3600.0 + 600.0, false},
      {"at rest between the sessions", 6 * 3600.0, 7 * 3600.0, true},
      {"the plain phase after the last session", 12 * 3600.0, 14 * 3600.0, true},
  };
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("mesosim_test_simulation_darcy_phases_" + std::to_string(::getpid()));
  for (const Phase& phase : phases) {
    SCOPED_TRACE(phase.name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    {
      Simulation first(scenario);
      StopInWindow stop(first, phase.from, phase.to);
      first.add_observer(stop);
      ASSERT_FALSE(first.run());
      ASSERT_TRUE(stop.stopped);
      Checkpoint checkpoint;
      checkpoint.put_text("run.inputs", "{}");
      first.save(checkpoint);
      EXPECT_EQ(checkpoint.count_or("darcy.at_rest", 1), phase.at_rest ? 1 : 0);
      write_checkpoint(dir, checkpoint, first.transport(), first.state());
    }
    ResumePoint resume{read_checkpoint(dir), dir};
    Simulation resumed(scenario, &resume);
    ASSERT_TRUE(resumed.run());
    expect_same_state(whole, resumed);
  }
  std::filesystem::remove_all(dir);
}

TEST(Simulation, DarcyInPiecesEqualsOneCallAndReportsTheInjectionEnd) {
  const Scenario scenario = small_darcy();
  Simulation whole(scenario);
  Recorder whole_rows;
  whole.add_observer(whole_rows);
  EXPECT_EQ(whole.injection_model().name(), "darcy");
  ASSERT_TRUE(whole.run());
  // Mantoux: 0.1 mL at 0.01 mL/s ends at 10 s, once.
  ASSERT_EQ(whole_rows.ends.size(), 1u);
  EXPECT_EQ(whole_rows.ends[0].first, 0u);
  EXPECT_DOUBLE_EQ(whole_rows.ends[0].second, 10.0);

  Simulation pieces(scenario);
  Recorder piece_rows;
  pieces.add_observer(piece_rows);
  ASSERT_TRUE(pieces.advance_to(3 * 60));
  EXPECT_EQ(pieces.time(), 2 * 60.0);
  ASSERT_TRUE(pieces.run());
  expect_same_state(whole, pieces);
  expect_same_rows(whole_rows.rows, piece_rows.rows);
  EXPECT_EQ(whole_rows.ends, piece_rows.ends);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The library's writers on one directory: results.h5, the CSV tables, the summary, checkpoints.
struct Writers {
  Writers(const std::filesystem::path& dir, Simulation& sim, const ResumePoint* resume)
      : results(resume ? ResultsWriter(dir, sim, resume->checkpoint, false)
                       : ResultsWriter(dir, sim, RunDescription{}, false)),
        tables(dir, sim.transport()), summary(dir, "test", "test", sim.transport().n_components()),
        checkpoints(dir, "{}", 1e9, wall, results) {
    if (resume)
      for (const SeriesRow& row : read_series(results.file().path(), sim.transport())) {
        tables.add(row);
        summary.add(row);
      }
    for (Observer* o : std::initializer_list<Observer*>{&tables, &results, &summary, &checkpoints}) sim.add_observer(*o);
  }
  WallClock wall;
  ResultsWriter results;
  CsvTables tables;
  SummaryWriter summary;
  Checkpointer checkpoints;
};

TEST(Simulation, WritersStoppedCheckpointedAndResumedWriteTheFilesOfOneRun) {
  namespace fs = std::filesystem;
  const Scenario scenario = darcy_to_rest();  // the bleb tables and the excess fluid field too
  const fs::path root = fs::temp_directory_path() / ("mesosim_test_simulation_writers_" + std::to_string(::getpid()));
  fs::remove_all(root);
  for (const char* name : {"whole", "resumed"}) prepare_output_directory(root / name, false);
  long n_steps = 0, n_coupled = 0;
  {
    Simulation whole(scenario);
    Writers writers(root / "whole", whole, nullptr);
    ASSERT_TRUE(whole.run());
    writers.summary.finish(whole, writers.results, 0.0);
    n_steps = whole.state().n_steps;
    n_coupled = dynamic_cast<const DarcyBleb&>(whole.injection_model()).reservoir().stats().n_coupled_steps;
  }
  ASSERT_GT(n_steps, n_coupled + 5);
  // The same run stopped once the fluid is at rest, or while it still moves (the coupled phase:
  // the fluid and its step control are checkpointed too), checkpointed, and resumed in a new
  // Simulation.
  for (const long stop_at : {n_steps - 5, n_coupled / 2}) {
    SCOPED_TRACE("stopped after step " + std::to_string(stop_at) + " of " + std::to_string(n_steps));
    fs::remove_all(root / "resumed");
    prepare_output_directory(root / "resumed", false);
    {
      Simulation first(scenario);
      Writers writers(root / "resumed", first, nullptr);
      StopAt stop(first, stop_at);
      first.add_observer(stop);
      ASSERT_FALSE(first.run());
      EXPECT_EQ(first.state().n_steps, stop_at);
      writers.checkpoints.save(first);
    }
    {
      ResumePoint resume{read_checkpoint(root / "resumed"), root / "resumed"};
      Simulation resumed(scenario, &resume);
      Writers writers(root / "resumed", resumed, &resume);
      ASSERT_TRUE(resumed.run());
      writers.summary.finish(resumed, writers.results, 0.0);
    }
    EXPECT_FALSE(fs::exists(root / "resumed" / "checkpoint.h5"));  // finished: nothing to resume
    for (const char* file : {"ledger.csv", "metrics.csv"})
      EXPECT_EQ(read_file(root / "whole" / file), read_file(root / "resumed" / file)) << file;
    // summary.json alike but for wall times (one "..._wall_..." or "wall_..." key per line).
    auto without_wall_times = [](const std::string& text) {
      std::istringstream lines(text);
      std::string kept;
      for (std::string line; std::getline(lines, line);)
        if (line.find("wall") == std::string::npos) kept += line + "\n";
      return kept;
    };
    const std::string summary = read_file(root / "resumed" / "summary.json");
    EXPECT_EQ(without_wall_times(read_file(root / "whole" / "summary.json")), without_wall_times(summary));
    EXPECT_NE(summary.find("\"max_diameter_m\""), std::string::npos);
    EXPECT_NE(summary.find("\"reservoir\": \"darcy\""), std::string::npos);
  }
  fs::remove_all(root);
}

TEST(Simulation, TheOutputCadenceComesFromTheScenariosOutputTable) {
  // Defaults: an output every hour ([time] output_interval here) and the geometric snapshots
  // (models/output_schedule.hpp): 0, 5, 15, 30 min, 1, 2, 4 h and the end; 3 h and 5 h have none.
  Simulation plain(small_instant());
  Recorder plain_points;
  plain.add_observer(plain_points);
  ASSERT_TRUE(plain.run());
  EXPECT_EQ(plain_points.snapshots, (std::vector<long>{0, 1, 2, 3, 4, 5, 7, 9}));
  EXPECT_EQ(plain.output_time(1), 300.0);
  EXPECT_EQ(plain.output_time(7), 4 * 3600.0);
  // A fixed interval instead: every 12 h, so only the first and last of the hourly outputs.
  Scenario fixed = small_instant();
  fixed.snapshot_interval = 12 * 3600.0;
  Simulation fixed_run(fixed);
  Recorder fixed_points;
  fixed_run.add_observer(fixed_points);
  ASSERT_TRUE(fixed_run.run());
  EXPECT_EQ(fixed_points.snapshots, (std::vector<long>{0, 6}));
  const Scenario scenario = load_scenario(examples + "single_injection.toml",
                                          {"domain.cell=500 um", "time.end=5 h", "output.interval=30 min",
                                           "output.snapshot_interval=2 h", "output.checkpoint_interval=1 min"});
  EXPECT_EQ(scenario.output_interval, 1800.0);
  EXPECT_EQ(scenario.snapshot_interval, 7200.0);
  EXPECT_EQ(scenario.checkpoint_interval, 60.0);
  Simulation sim(scenario);
  Recorder points;
  sim.add_observer(points);
  ASSERT_TRUE(sim.run());
  EXPECT_EQ(points.indices.size(), 11u);  // 0 .. 10 half hours
  EXPECT_EQ(points.snapshots, (std::vector<long>{0, 4, 8, 10}));
  // The file's [time] output_interval (the older name) gave way to the override; in a file, both is an error.
  try {
    std::ifstream file(examples + "single_injection.toml");  // it has [time] output_interval = "1 h"
    std::ostringstream text;
    text << file.rdbuf() << "\n[output]\ninterval = \"2 h\"\n";
    load_scenario_text(text.str(), "both.toml");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("output.interval: given twice"), std::string::npos) << e.what();
  }
  EXPECT_THROW(load_scenario(examples + "single_injection.toml", {"output.snapshot_interval=0 h"}), InputError);
}

TEST(InjectionRegistry, ChoosesByNameAndRefusesAnUnknownOne) {
  std::vector<std::string> names;
  for (const InjectionModelType& type : injection_model_types()) names.push_back(type.name);
  EXPECT_EQ(names, (std::vector<std::string>{"instant", "darcy"}));
  EXPECT_EQ(injection_model_name(small_instant()), "instant");
  EXPECT_EQ(injection_model_name(small_darcy()), "darcy");
  // Each factory builds the model it is registered as.
  for (const Scenario& scenario : {small_instant(), small_darcy()}) {
    const InjectionModelType& type = injection_model_type(injection_model_name(scenario));
    const auto model = type.make(scenario, scenario.injections, prepare(scenario), false);
    EXPECT_EQ(model->name(), type.name);
  }
  EXPECT_NE(injection_model_type("darcy").check_note(small_darcy()).find("each injection flows for 10.0-10.0 s"),
            std::string::npos);
  try {
    injection_model_type("jet");
    FAIL() << "an unknown model must be refused";
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "'jet' is not an injection model; choose \"instant\", \"darcy\"");
  }
  Scenario unknown = small_instant();
  for (Injection& injection : unknown.injections) injection.reservoir = "jet";
  EXPECT_THROW(Simulation{unknown}, InputError);
}

}  // namespace
}  // namespace mesosim
