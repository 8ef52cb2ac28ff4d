// Treatment metrics and the instant deposit: coverage and uniformity on known fields, residence
// half-life of a pure first-order clearance, steps limited near the threshold so that its crossing
// is resolved, and a deposit that fills the fluid space at the
// syringe concentration with exactly c V injected. The metric table reads every member once.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <stdexcept>
#include <string>

#include "models/deposit.hpp"
#include "models/metric_table.hpp"
#include "models/metrics.hpp"
#include "solver/error.hpp"
#include "solver/integrator.hpp"
#include "tests/test_support.hpp"

namespace mesosim {
namespace {

TEST(Metrics, CoverageAndUniformityOnKnownFields) {
  const Grid grid{10, 10, 4, 1e-4, 1e-4};
  const Tissue tissue{{Layer{"upper", 0.2e-3, 0.3}, Layer{"lower", 0.2e-3, 0.3}}};
  const TransportModel model(grid, Boundaries{}, tissue, {testing::uniform_component(2, 1e-10)});
  TargetRegion target;
  target.layers = {1};
  target.centres = {{0.5e-3, 0.5e-3}};
  target.radius = 1e-3;  // the whole 1 x 1 mm block
  const std::vector<std::size_t> cells = target.cells(model);
  EXPECT_EQ(cells.size(), 200u);  // two depth cells of the lower layer
  TransportState state(model);
  // c = 2 where x < 0.5 mm, 0 elsewhere: half covered at threshold 1, CV = 1.
  add_concentration(model, state, 0, [](double x, double, double) { return x < 0.5e-3 ? 2.0 : 0.0; });
  ComponentMetrics m = measure(model, state, 0, cells, 1.0);
  EXPECT_DOUBLE_EQ(m.coverage, 0.5);
  EXPECT_NEAR(m.uniformity_cv, 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(m.peak_in_target, 2.0);
  EXPECT_DOUBLE_EQ(m.in_tissue, 1.0);
  TargetRegion empty = target;
  empty.centres = {{5e-3, 5e-3}};
  EXPECT_THROW(empty.cells(model), InputError);
}

TEST(Metrics, TheIntegratorsPeakIsBitwiseSampleStepsPeak) {
  // Two components, one with a partition of 2 in the lower layer (so the peak's plane factor
  // matters), a sharp deposit and sink sides: the component hook's peak (from the error
  // estimate's pass) must be bitwise the peak sample_step finds on the field, at every step.
  const Grid grid{12, 10, 6, 1e-4, 1e-4};
  const Tissue tissue{{Layer{"upper", 0.3e-3, 0.3}, Layer{"lower", 0.3e-3, 0.2}}};
  Component slow = testing::uniform_component(2, 5e-11, 1e-4);
  slow.in_layer[1].partition = 2.0;
  Boundaries sides;
  sides.set_x(BoundaryKind::sink);
  const TransportModel model(grid, sides, tissue, {testing::uniform_component(2, 3e-10), slow});
  TransportState state(model);
  for (int c = 0; c < 2; ++c)
    add_concentration(model, state, c, [](double x, double y, double z) {
      return std::exp(-(std::pow(x - 0.6e-3, 2) + std::pow(y - 0.5e-3, 2) + std::pow(z - 0.4e-3, 2)) / 2e-8);
    });
  TargetRegion target{{1}, {{0.6e-3, 0.5e-3}}, 0.3e-3, {0.1, 0.1}};
  const auto cells = target.cells(model);
  Integrator integrator(model, IntegratorSettings{});
  int n_calls = 0;
  integrator.set_component_hook([&](const TransportState& s, int c, double peak) {
    ++n_calls;
    const StepSample sample = sample_step(model, s, c, cells, 0.1);
    EXPECT_EQ(peak, sample.peak) << "component " << c << " at " << s.time << " s";
    EXPECT_GT(peak, 0.0);
    const StepSample given = sample_step(model, s, c, cells, 0.1, peak);
    EXPECT_EQ(given.coverage, sample.coverage);
    EXPECT_EQ(given.peak_in_target, sample.peak_in_target);
    EXPECT_EQ(given.in_tissue, sample.in_tissue);
    return std::numeric_limits<double>::infinity();
  });
  integrator.advance_to(state, 3600.0);
  EXPECT_EQ(long(n_calls), integrator.stats().n_component_steps);  // every accepted step, the last ones too
  EXPECT_GT(n_calls, 10);
}

TEST(Metrics, ResidenceHalfLifeOfFirstOrderClearance) {
  const Grid grid{4, 4, 4, 1e-4, 1e-4};
  const double k = 2e-4;  // half-life ln 2 / k = 57.8 min
  const TransportModel model(grid, Boundaries{}, testing::uniform_tissue(grid.depth()),
                             {testing::uniform_component(1, 1e-10, k)});
  TransportState state(model);
  add_concentration(model, state, 0, [](double, double, double) { return 1.0; });
  Integrator integrator(model, testing::fixed_steps("implicit", 60.0));
  TargetRegion target{{0}, {{0.2e-3, 0.2e-3}}, 1e-3, {0.5}};
  const auto cells = target.cells(model);
  std::vector<ComponentMetrics> series{measure(model, state, 0, cells, 0.5)};
  for (int hour = 1; hour <= 3; ++hour) {
    integrator.advance_to(state, hour * 3600.0);
    series.push_back(measure(model, state, 0, cells, 0.5));
  }
  const RunFigures f = summarise(series);
  EXPECT_NEAR(f.residence_half_life, std::log(2.0) / k, 1e-6 * std::log(2.0) / k);
  EXPECT_NEAR(f.systemic_fraction, 1.0 - std::exp(-k * 3 * 3600.0), 1e-12);
  EXPECT_DOUBLE_EQ(f.time_above_threshold, 3600.0);  // c = 0.49 < 0.5 after one hour
}

TEST(Metrics, CoverageTimeAndTimeHalfCovered) {
  // Coverage 0 -> 1 -> 0.25 -> 0.75 at hourly outputs: the integral is the trapezoid sum and the
  // time at or above 50 % follows the linear crossings (0.5 h + 1/3 h + 1/2 h).
  std::vector<ComponentMetrics> series(4);
  const double coverage[] = {0.0, 1.0, 0.25, 0.75};
  for (int n = 0; n < 4; ++n) {
    series[n].time = 3600.0 * n;
    series[n].coverage = coverage[n];
    series[n].in_tissue = 1.0;
  }
  const RunFigures f = summarise(series);
  EXPECT_DOUBLE_EQ(f.coverage_time, 3600.0 * (0.5 + 0.625 + 0.5));
  EXPECT_NEAR(f.time_half_covered, 3600.0 * (0.5 + 2.0 / 3.0 + 0.5), 1e-9);
  EXPECT_DOUBLE_EQ(f.max_coverage, 1.0);
}

TEST(Metrics, TrackerCrossesLinearlyBetweenStepsAndSkipsNoTime) {
  // The target peak rises 0 -> 2 over the first hour and falls back to 0 over the second (threshold
  // 1): above threshold from 0.5 h to 1.5 h. Output rows at 0, 1 and 2 h would count both hours.
  RunFiguresTracker tracker(1.0);
  const double peaks[] = {0.0, 2.0, 0.0};
  for (int n = 0; n < 3; ++n) {
    StepSample s;
    s.time = 3600.0 * n;
    s.peak = s.peak_in_target = peaks[n];
    s.coverage = peaks[n] / 2;
    s.in_tissue = std::exp(-1e-4 * s.time);
    tracker.add(s);
    if (n == 0) {  // a deposit at the same time replaces the sample without adding time
      s.coverage = 0.25;
      tracker.add(s);
      s.coverage = 0.0;
      tracker.add(s);
    }
  }
  const RunFigures& f = tracker.figures();
  EXPECT_DOUBLE_EQ(f.time_above_threshold, 3600.0);
  EXPECT_DOUBLE_EQ(f.coverage_time, 3600.0);  // the triangle 0 -> 1 -> 0 over 2 h
  EXPECT_DOUBLE_EQ(f.time_half_covered, 3600.0);
  EXPECT_DOUBLE_EQ(f.max_coverage, 1.0);
  EXPECT_DOUBLE_EQ(f.peak, 2.0);
  EXPECT_NEAR(f.residence_half_life, std::log(2.0) / 1e-4, 1e-6);  // exponential crossing: exact
  // Memory for a checkpoint gives back the same tracker.
  RunFiguresTracker copy(1.0);
  copy.restore(tracker.memory());
  EXPECT_EQ(copy.memory(), tracker.memory());
  EXPECT_THROW(copy.restore({1.0, 2.0}), InputError);
}

TEST(Metrics, StepsNearTheThresholdResolveTheCrossing) {
  // Uniform first-order clearance: the step-doubling estimate is 0 (the decay map is exact), so
  // the steps grow 4x each, and the target peak 16 c0 e^{-k t} crosses the threshold c0 at
  // t* = ln 16 / k. Sampled by the steps it takes, the time above threshold is off by a large
  // share of a step unless the tracker's step limit (log change <= 0.1 per step near it) applies.
  const Grid grid{6, 5, 4, 1e-4, 1e-4};
  const double k = 1e-4, c0 = 1.0, t_star = std::log(16.0) / k;
  const TransportModel model(grid, Boundaries{}, testing::uniform_tissue(grid.depth()),
                             {testing::uniform_component(1, 3e-10, k)});
  TargetRegion target;
  target.layers = {0};
  target.centres = {{0.3e-3, 0.25e-3}};
  target.radius = 1e-3;
  const std::vector<std::size_t> cells = target.cells(model);
  for (const bool limited : {false, true}) {
    TransportState state(model);
    add_concentration(model, state, 0, [&](double, double, double) { return 16.0 * c0; });
    RunFiguresTracker tracker(c0);
    tracker.add(sample_step(model, state, 0, cells, c0));
    Integrator integrator(model, IntegratorSettings{});
    integrator.set_component_hook([&](const TransportState& s, int c, double peak) {
      tracker.add(sample_step(model, s, c, cells, c0, peak));
      return limited ? tracker.longest_next_step() : std::numeric_limits<double>::infinity();
    });
    integrator.advance_to(state, 3.0 * t_star);
    const double error = std::abs(tracker.figures().time_above_threshold - t_star) / t_star;
    std::printf("%s: time above threshold %.1f s (exact %.1f s), error %.2e, %ld steps\n",
                limited ? "limited" : "unlimited", tracker.figures().time_above_threshold, t_star, error,
                integrator.stats().n_component_steps);
    if (limited) EXPECT_LT(error, 1e-3);
    else EXPECT_GT(error, 1e-2);  // the limit is what resolves it
  }
  // The limit itself: far from the threshold none; near it, 0.1 / |change of ln peak| of the last step.
  RunFiguresTracker tracker(1.0);
  StepSample a, b;
  a.time = 0.0, a.peak_in_target = 100.0, b.time = 10.0, b.peak_in_target = 50.0;
  tracker.add(a);
  tracker.add(b);
  EXPECT_EQ(tracker.longest_next_step(), std::numeric_limits<double>::infinity());
  a.time = 20.0, a.peak_in_target = 2.0;
  b.time = 30.0, b.peak_in_target = 2.0 * std::exp(-0.5);
  tracker.add(a);
  tracker.add(b);
  EXPECT_NEAR(tracker.longest_next_step(), 10.0 * 0.1 / 0.5, 1e-12);
}

TEST(Deposit, FillsTheFluidNearestTheTipAtTheSyringeConcentration) {
  const Grid grid{40, 40, 20, 0.1e-3, 0.1e-3};
  const Tissue tissue{{Layer{"papillary", 0.4e-3, 0.35}, Layer{"reticular", 1.6e-3, 0.3}}};
  const TransportModel model(grid, Boundaries{}, tissue, {testing::uniform_component(2, 1e-10)});
  TransportState state(model);
  Injection injection;
  injection.x = injection.y = 2e-3;
  injection.depth = 0.3e-3;  // shallow: the filled region meets the surface and both layers
  injection.volume = 0.5e-9;  // 0.5 uL
  injection.concentration = {7.0};
  const int n_cells = deposit_instant(model, state, injection);
  EXPECT_GT(n_cells, 100);
  EXPECT_NEAR(state.ledger[0].injected, 7.0 * 0.5e-9, 1e-24);
  EXPECT_NEAR(mass_in_fluid(model, state, 0) / state.ledger[0].injected, 1.0, 1e-14);
  double peak = 0.0;
  for (double u : state.u.raw()) peak = std::max(peak, u);
  EXPECT_NEAR(peak, 7.0, 1e-12);  // P = f = 1: the filled fluid holds the syringe concentration
  Injection outside = injection;
  outside.depth = 5e-3;
  EXPECT_THROW(deposit_instant(model, state, outside), InputError);
}

TEST(MetricTable, EverySeriesMemberOnceAndEveryKeyUnique) {
  // Distinct values in every member but the time: each entry must read a different one, and all
  // of them together every member (a metric added to ComponentMetrics but not to the table fails).
  ComponentMetrics m;
  double* members[] = {&m.in_tissue, &m.to_blood, &m.to_lymph, &m.degraded, &m.out_of_box,
                       &m.peak,      &m.peak_in_target, &m.coverage, &m.uniformity_cv};
  for (std::size_t n = 0; n < std::size(members); ++n) *members[n] = double(n + 1);
  EXPECT_EQ(sizeof(ComponentMetrics), (std::size(members) + 1) * sizeof(double));
  std::set<double> seen;
  std::set<std::string> keys;
  for (const SeriesMetric& metric : series_metric_table()) {
    seen.insert(m.*metric.value);
    keys.insert(metric.key);
    EXPECT_EQ(&series_metric(metric.key), &metric);
  }
  EXPECT_EQ(seen.size(), std::size(members));
  EXPECT_EQ(keys.size(), series_metric_table().size());
  EXPECT_THROW(series_metric("no_such_metric"), std::logic_error);
  for (const RunFigure& figure : figure_table()) EXPECT_TRUE(keys.insert(std::string("figure:") + figure.key).second);
}

TEST(MetricTable, FiguresReadTheirSources) {
  RunFigures run;
  run.residence_half_life = -1;  // not reached: null in summary.json
  run.max_coverage = 0.25;
  ComponentMetrics last;
  last.to_lymph = 0.125;
  const FigureSources sources{run, last, 2e-6, 0.5, 1e-15};
  auto value = [&](const std::string& key) {
    for (const RunFigure& figure : figure_table())
      if (key == figure.key) return figure.value(sources);
    ADD_FAILURE() << key << " is not a run figure";
    return 0.0;
  };
  EXPECT_TRUE(std::isnan(value("residence_half_life_s")));
  EXPECT_EQ(value("max_coverage"), 0.25);
  EXPECT_EQ(value("lymph_fraction"), 0.125);
  EXPECT_EQ(value("injected_kg"), 2e-6);
  EXPECT_EQ(value("threshold_kg_m3"), 0.5);
  EXPECT_EQ(value("ledger_residual"), 1e-15);
  run.residence_half_life = 3600;
  EXPECT_EQ(value("residence_half_life_s"), 3600);
}

}  // namespace
}  // namespace mesosim
