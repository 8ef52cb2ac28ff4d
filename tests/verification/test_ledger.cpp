// The mass ledger closes to round-off at every step of a demanding run: three layers with an
// interface inside a cell, three components (one with binding, one with partition coefficients
// and reduced available fraction), every sink, and sink boundaries on x, y and the bottom (and a
// periodic variant); explicit, fixed-step implicit and adaptive implicit. Concentrations and bound
// amounts never go negative. Runs are deterministic: bitwise for a given thread count, and equal
// to 1e-12 between 1 and 2 threads.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "solver/integrator.hpp"
#include "tests/test_support.hpp"

namespace mesosim {
namespace {

struct LedgerCase {
  Grid grid{14, 12, 16, 1e-4, 1e-4};
  Tissue tissue{{Layer{"epidermis", 0.15e-3, 0.15}, Layer{"dermis", 0.88e-3, 0.3}, Layer{"fat", 0.57e-3, 0.12}}};
  std::vector<Component> components;
  LedgerCase() {
    SoluteInLayer e, d, f;
    e.diffusivity = 1e-10;
    d.diffusivity = 4e-10;
    d.k_blood = 8e-4;
    d.k_lymph = 4e-5;
    f.diffusivity = 2e-10;
    f.k_blood = 1e-4;
    f.k_degradation = 3e-5;
    components.push_back(Component{"small", {e, d, f}});
    SoluteInLayer pe = e, pd = d, pf = f;
    pd.partition = 2.5;
    pd.available_fraction = 0.42;
    pf.partition = 0.4;
    pf.available_fraction = 0.56;
    pf.k_degradation = 2e-4;
    components.push_back(Component{"partitioned", {pe, pd, pf}});
    SoluteInLayer be = e, bd = d, bf = f;
    bd.k_on = 2e-3;
    bd.k_off = 5e-4;
    bd.k_cell = 1e-4;
    bf.k_on = 1e-3;
    bf.k_off = 1e-3;
    components.push_back(Component{"binding", {be, bd, bf}});
  }
};

TransportState deposit(const TransportModel& model) {
  TransportState state(model);
  for (int c = 0; c < model.n_components(); ++c)
    add_concentration(model, state, c, [c](double x, double y, double z) {
      const double r2 = std::pow(x - 0.6e-3, 2) + std::pow(y - 0.5e-3, 2) + std::pow(z - 0.9e-3, 2);
      return (1.0 + c) * std::exp(-r2 / (2 * 0.15e-3 * 0.15e-3));
    });
  return state;
}

struct SchemeRun {
  std::string scheme;
  bool adaptive;
};

void check_every_step(const Boundaries& bc, const SchemeRun& run) {
  const LedgerCase setup;
  const TransportModel model(setup.grid, bc, setup.tissue, setup.components);
  TransportState state = deposit(model);
  IntegratorSettings settings = testing::fixed_steps(run.scheme, run.scheme == "explicit" ? 0.0 : 20.0);
  settings.adaptive = run.adaptive;
  settings.tolerance = 1e-3;
  Integrator integrator(model, settings);
  double worst = 0.0, lowest = 0.0;
  long n_checked = 0;
  integrator.advance_to(state, 3600.0, [&](const TransportState& s) {
    for (int c = 0; c < model.n_components(); ++c) worst = std::max(worst, std::abs(ledger_residual(model, s, c)));
    lowest = std::min(lowest, *std::min_element(s.u.raw().begin(), s.u.raw().end()));
    if (!s.bound.empty()) lowest = std::min(lowest, *std::min_element(s.bound.raw().begin(), s.bound.raw().end()));
    ++n_checked;
  });
  std::printf("%s%s: %ld steps, worst |residual| %.2e, lowest value %.2e\n", run.scheme.c_str(),
              run.adaptive ? " adaptive" : "", n_checked, worst, lowest);
  EXPECT_GT(n_checked, 10);
  EXPECT_LE(worst, 1e-12);
  EXPECT_GE(lowest, 0.0);
  // Something really left through every route, so the test exercises each ledger entry.
  for (int c = 0; c < model.n_components(); ++c) {
    const MassLedger& l = state.ledger[c];
    EXPECT_GT(l.to_blood, 0.0);
    EXPECT_GT(l.to_lymph, 0.0);
    EXPECT_GT(l.degraded, 0.0);
    for (int side = 0; side < n_sides; ++side) {
      const bool open = side == bottom ? bc.bottom == BoundaryKind::sink
                                       : bc.of(side) == BoundaryKind::sink;
      if (open)
        EXPECT_GT(l.boundary[side], 0.0) << side_name(side);
      else
        EXPECT_EQ(l.boundary[side], 0.0) << side_name(side);
    }
  }
  EXPECT_GT(mass_bound(model, state, 2), 0.0);
}

TEST(Ledger, ClosesAtEveryStepWithSinkBoundaries) {
  Boundaries bc;  // mixed sides: x_high stays closed (a symmetry plane)
  bc.x_low = BoundaryKind::sink;
  bc.set_y(BoundaryKind::sink);
  bc.bottom = BoundaryKind::sink;
  for (const SchemeRun& run : {SchemeRun{"explicit", false}, SchemeRun{"implicit", false}, SchemeRun{"implicit", true}}) check_every_step(bc, run);
}

TEST(Ledger, ClosesAtEveryStepWithEverySideASink) {
  Boundaries bc;
  bc.set_x(BoundaryKind::sink);
  bc.set_y(BoundaryKind::sink);
  bc.bottom = BoundaryKind::sink;
  for (const SchemeRun& run : {SchemeRun{"explicit", false}, SchemeRun{"implicit", false}, SchemeRun{"implicit", true}}) check_every_step(bc, run);
}

TEST(Ledger, ClosesAtEveryStepWithPeriodicSides) {
  Boundaries bc;
  bc.set_x(BoundaryKind::periodic);
  bc.set_y(BoundaryKind::periodic);
  bc.bottom = BoundaryKind::sink;
  for (const SchemeRun& run : {SchemeRun{"explicit", false}, SchemeRun{"implicit", false}, SchemeRun{"implicit", true}}) check_every_step(bc, run);
}

/// A depot that binds fast and lets go over weeks (k_on = 0.5 /s, k_off = 1e-6 /s), followed
/// for seven days with hour-long steps as a course simulation would take them: the ledger must
/// still close to round-off at every step (each step applies the exact reaction map twice).
TEST(Ledger, ClosesAtEveryStepWithFastBindingAndLongSteps) {
  const Grid grid{6, 6, 8, 1e-4, 1e-4};
  Component depot = testing::uniform_component(1, 3e-10, 1e-4);
  depot.in_layer[0].k_on = 0.5;
  depot.in_layer[0].k_off = 1e-6;
  Boundaries bc;
  bc.bottom = BoundaryKind::sink;
  const TransportModel model(grid, bc, testing::uniform_tissue(grid.depth()), {depot});
  for (const bool adaptive : {false, true}) {
    TransportState state(model);
    add_concentration(model, state, 0, [](double x, double y, double z) {
      return std::exp(-(std::pow(x - 0.3e-3, 2) + std::pow(y - 0.3e-3, 2) + std::pow(z - 0.4e-3, 2)) / 2e-8);
    });
    IntegratorSettings settings = testing::fixed_steps("implicit", 3600.0);
    settings.adaptive = adaptive;
    Integrator integrator(model, settings);
    double worst = 0.0;
    long n_checked = 0;
    integrator.advance_to(state, 7 * 86400.0, [&](const TransportState& s) {
      worst = std::max(worst, std::abs(ledger_residual(model, s, 0)));
      ++n_checked;
    });
    std::printf("fast binding, %s: %ld steps, worst |residual| %.2e\n", adaptive ? "adaptive" : "1 h steps", n_checked,
                worst);
    EXPECT_LE(worst, 1e-12) << (adaptive ? "adaptive" : "1 h steps");  // same round-off bound as above
    EXPECT_GT(mass_bound(model, state, 0), 0.5 * state.ledger[0].injected);  // the depot really held it
  }
}

TransportState run_with_threads(const TransportModel& model, const SchemeRun& run, int n_threads, long& n_steps) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(n_threads);
  TransportState state = deposit(model);
  IntegratorSettings settings = testing::fixed_steps(run.scheme, run.scheme == "explicit" ? 0.0 : 20.0);
  settings.adaptive = run.adaptive;
  Integrator integrator(model, settings);
  integrator.advance_to(state, 1800.0);
  n_steps = state.n_steps;
  omp_set_num_threads(saved);
  return state;
}

TEST(Determinism, BitwiseForAThreadCountAndEqualAcrossThreadCounts) {
  const LedgerCase setup;
  Boundaries bc;
  bc.set_x(BoundaryKind::periodic);
  bc.set_y(BoundaryKind::sink);
  bc.bottom = BoundaryKind::sink;
  const TransportModel model(setup.grid, bc, setup.tissue, setup.components);
  for (const SchemeRun& run : {SchemeRun{"explicit", false}, SchemeRun{"implicit", false}, SchemeRun{"implicit", true}}) {
    long steps_a = 0, steps_b = 0, steps_one = 0;
    const TransportState a = run_with_threads(model, run, 2, steps_a);
    const TransportState b = run_with_threads(model, run, 2, steps_b);
    const TransportState one = run_with_threads(model, run, 1, steps_one);
    EXPECT_EQ(steps_a, steps_b);
    EXPECT_EQ(steps_a, steps_one);
    EXPECT_TRUE(a.u.raw() == b.u.raw()) << run.scheme << ": two runs on 2 threads differ";
    EXPECT_TRUE(a.bound.raw() == b.bound.raw()) << run.scheme;
    double worst = 0.0, peak = 0.0;
    for (std::size_t n = 0; n < a.u.raw().size(); ++n) {
      worst = std::max(worst, std::abs(a.u.raw()[n] - one.u.raw()[n]));
      peak = std::max(peak, std::abs(one.u.raw()[n]));
    }
    EXPECT_LE(worst, 1e-12 * peak) << run.scheme << ": 1 and 2 threads differ";
    for (int c = 0; c < model.n_components(); ++c) {
      EXPECT_NEAR(a.ledger[c].to_blood, one.ledger[c].to_blood, 1e-12 * a.ledger[c].injected);
      EXPECT_NEAR(a.ledger[c].removed(), one.ledger[c].removed(), 1e-12 * a.ledger[c].injected);
    }
  }
}

}  // namespace
}  // namespace mesosim
