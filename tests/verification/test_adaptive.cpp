// Adaptive stepping: a sharp deposit spreading and clearing in layered tissue over 6 hours, run
// with the adaptive implicit integrator at several tolerances and compared with an over-resolved
// fixed-step run on the same grid. The error relative to the peak must stay within the requested
// tolerance band, shrink with the tolerance, and the step count must stay small.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "models/transport_model.hpp"
#include "solver/integrator.hpp"

namespace mesosim {
namespace {

struct Case {
  Grid grid{24, 24, 24, 1e-4, 1e-4};
  Tissue tissue{{Layer{"papillary", 0.5e-3, 0.35}, Layer{"reticular", 1.0e-3, 0.3}, Layer{"fat", 0.9e-3, 0.15}}};
  std::vector<Component> components;
  Case() {
    SoluteInLayer pap, ret, fat;
    pap.diffusivity = 3e-10;
    pap.k_blood = 5e-4;
    ret.diffusivity = 2e-10;
    ret.k_blood = 2e-4;
    ret.k_lymph = 5e-5;
    fat.diffusivity = 1e-10;
    fat.k_lymph = 1e-5;
    fat.partition = 3.0;
    components.push_back(Component{"small", {pap, ret, fat}});
    SoluteInLayer slow = ret;
    slow.diffusivity = 6e-11;
    slow.k_blood = 0.0;
    slow.k_lymph = 2e-5;
    slow.available_fraction = 0.5;
    components.push_back(Component{"albumin-like", {slow, slow, slow}});
  }
};

TransportState initial(const TransportModel& model) {
  TransportState state(model);
  for (int c = 0; c < model.n_components(); ++c)
    add_concentration(model, state, c, [](double x, double y, double z) {
      const double r2 = std::pow(x - 1.2e-3, 2) + std::pow(y - 1.2e-3, 2) + std::pow(z - 1.0e-3, 2);
      return 5.0 * std::exp(-r2 / (2 * 0.2e-3 * 0.2e-3));
    });
  return state;
}

/// Largest |a - b| over both components, relative to the reference peak of each component.
double relative_max_error(const TransportState& a, const TransportState& b) {
  double error = 0.0;
  for (int c = 0; c < a.u.n_components(); ++c) {
    double diff = 0.0, peak = 0.0;
    for (std::size_t n = 0; n < a.u.n_cells(); ++n) {
      diff = std::max(diff, std::abs(a.u(c, n) - b.u(c, n)));
      peak = std::max(peak, std::abs(b.u(c, n)));
    }
    error = std::max(error, diff / peak);
  }
  return error;
}

TEST(Adaptive, ErrorStaysWithinTheToleranceBand) {
  const Case setup;
  const TransportModel model(setup.grid, Boundaries{}, setup.tissue, setup.components);
  const double t_end = 6 * 3600.0;
  TransportState reference = initial(model);
  {
    IntegratorSettings fixed;
    fixed.adaptive = false;
    fixed.fixed_step = 2.0;  // 10800 steps; time error ~1e-7 of the peak at most
    Integrator integrator(model, fixed);
    integrator.advance_to(reference, t_end);
  }
  double previous_error = 1.0;
  for (double tolerance : {1e-2, 1e-3, 1e-4}) {
    TransportState state = initial(model);
    IntegratorSettings settings;
    settings.tolerance = tolerance;
    Integrator integrator(model, settings);
    integrator.advance_to(state, t_end);
    const double error = relative_max_error(state, reference);
    const IntegratorStats& stats = integrator.stats();
    std::printf("tolerance %.0e: error %.3e (%.2f x tol), %ld steps, %ld rejected, dt %.3g..%.3g s\n",
                tolerance, error, error / tolerance, stats.n_accepted, stats.n_rejected, stats.smallest_step,
                stats.largest_step);
    EXPECT_DOUBLE_EQ(state.time, t_end);
    EXPECT_LT(error, 2.0 * tolerance) << "tolerance " << tolerance;
    EXPECT_GT(error, 0.01 * tolerance) << "tolerance " << tolerance << " is wasted: the controller is far too cautious";
    EXPECT_LT(error, previous_error);
    EXPECT_LT(stats.n_accepted, 400) << "tolerance " << tolerance;
    previous_error = error;
  }
}

}  // namespace
}  // namespace mesosim
