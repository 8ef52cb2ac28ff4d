// Bad input never reaches a kernel: each case throws InputError with a message that names the
// problem and the fix.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "solver/error.hpp"
#include "solver/integrator.hpp"
#include "tests/test_support.hpp"

namespace mesosim {
namespace {

/// The message of the InputError thrown by `body`, or "no error".
std::string error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

#define EXPECT_ERROR_MENTIONS(body, text) \
  EXPECT_NE(error_of([&] { body; }).find(text), std::string::npos) << error_of([&] { body; })

TEST(Validation, EveryBadInputIsNamed) {
  const Grid grid{4, 4, 4, 1e-4, 1e-4};
  const Tissue tissue = testing::uniform_tissue(grid.depth());
  const std::vector<Component> one{testing::uniform_component(1, 1e-9)};
  auto model_with = [&](Grid g, Boundaries bc, Tissue t, std::vector<Component> c) { TransportModel m(g, bc, t, c); };

  EXPECT_ERROR_MENTIONS(model_with(Grid{0, 4, 4, 1e-4, 1e-4}, {}, tissue, one), "cell counts must be at least 1");
  EXPECT_ERROR_MENTIONS(model_with(Grid{4, 4, 4, -1e-4, 1e-4}, {}, tissue, one), "cell sizes must be positive");
  EXPECT_ERROR_MENTIONS(model_with(grid, {}, testing::uniform_tissue(0.2e-3), one), "add a layer or thicken the last one");
  EXPECT_ERROR_MENTIONS(model_with(grid, {}, Tissue{}, one), "no layers");
  EXPECT_ERROR_MENTIONS(model_with(grid, {}, testing::uniform_tissue(grid.depth(), 1.5), one), "fluid fraction must be in (0, 1]");
  EXPECT_ERROR_MENTIONS(model_with(grid, {}, Tissue{{Layer{"dermis", -1e-3, 0.3}}}, one), "'dermis'): thickness must be positive");
  EXPECT_ERROR_MENTIONS(model_with(grid, {}, tissue, {}), "at least one");
  EXPECT_ERROR_MENTIONS(model_with(grid, {}, tissue, {testing::uniform_component(1, -1e-9)}), "diffusivity = -1e-09 is not allowed");
  EXPECT_ERROR_MENTIONS(model_with(grid, {}, tissue, {testing::uniform_component(2, 1e-9)}), "give one entry per layer");
  Component bad_fraction = testing::uniform_component(1, 1e-9);
  bad_fraction.in_layer[0].available_fraction = 0.0;
  EXPECT_ERROR_MENTIONS(model_with(grid, {}, tissue, {bad_fraction}), "available_fraction");
  Component bad_partition = testing::uniform_component(1, 1e-9);
  bad_partition.in_layer[0].partition = -2.0;
  EXPECT_ERROR_MENTIONS(model_with(grid, {}, tissue, {bad_partition}), "partition");
  Boundaries periodic_bottom;
  periodic_bottom.bottom = BoundaryKind::periodic;
  EXPECT_ERROR_MENTIONS(model_with(grid, periodic_bottom, tissue, one), "'bottom' cannot be periodic");
  Boundaries periodic_narrow;
  periodic_narrow.set_x(BoundaryKind::periodic);
  EXPECT_ERROR_MENTIONS(model_with(Grid{2, 4, 4, 1e-4, 1e-4}, periodic_narrow, tissue, one), "at least 3 cells in x");
  Boundaries unpaired;
  unpaired.y_low = BoundaryKind::periodic;
  EXPECT_ERROR_MENTIONS(model_with(grid, unpaired, tissue, one), "periodic y needs both y_low and y_high periodic");

  EXPECT_ERROR_MENTIONS(parse_boundary_kind("open"), "choose one of: no_flux, sink, periodic");
  const TransportModel model(grid, {}, tissue, one);
  EXPECT_ERROR_MENTIONS(make_stepper("rk4", model), "unknown time-stepping scheme 'rk4'");
  IntegratorSettings settings;
  settings.tolerance = 0.0;
  EXPECT_ERROR_MENTIONS(Integrator(model, settings), "tolerance 0 must be in (0, 1)");
  settings = IntegratorSettings{};
  settings.adaptive = false;
  EXPECT_ERROR_MENTIONS(Integrator(model, settings), "need a positive time step");
  settings = IntegratorSettings{};
  settings.scheme = "explicit";
  settings.fixed_step = 1e3;
  EXPECT_ERROR_MENTIONS(Integrator(model, settings), "is unstable; the limit for this grid and tissue is");
}

TEST(Validation, ValuesJustOutsideTheirRangeAreNamed) {
  const Grid grid{4, 4, 4, 1e-4, 1e-4};
  const Tissue tissue = testing::uniform_tissue(grid.depth());
  const std::vector<Component> one{testing::uniform_component(1, 1e-9)};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto model_with = [&](Grid g, Tissue t, std::vector<Component> c) { TransportModel m(g, Boundaries{}, t, c); };

  // Grid: zero and not-a-number sizes, negative counts.
  EXPECT_ERROR_MENTIONS(model_with(Grid{4, 4, 4, 0.0, 1e-4}, tissue, one), "cell sizes must be positive");
  EXPECT_ERROR_MENTIONS(model_with(Grid{4, 4, 4, 1e-4, 0.0}, tissue, one), "cell sizes must be positive");
  EXPECT_ERROR_MENTIONS(model_with(Grid{4, 4, 4, 1e-4, nan}, tissue, one), "cell sizes must be positive");
  EXPECT_ERROR_MENTIONS(model_with(Grid{4, 4, -3, 1e-4, 1e-4}, tissue, one), "4 x 4 x -3");
  // Tissue: zero thickness, fluid fraction 0 (the range is (0, 1]), a stack just short of the bottom.
  EXPECT_ERROR_MENTIONS(model_with(grid, Tissue{{Layer{"fat", 0.0, 0.2}}}, one), "'fat'): thickness must be positive");
  EXPECT_ERROR_MENTIONS(model_with(grid, testing::uniform_tissue(grid.depth(), 0.0), one), "fluid fraction must be in (0, 1], got 0");
  EXPECT_ERROR_MENTIONS(model_with(grid, testing::uniform_tissue(0.99 * grid.depth()), one), "the domain is 0.4 mm deep");
  const Tissue two_layers{{Layer{"dermis", 0.2e-3, 0.3}, Layer{"fat", 0.2e-3, 0.15}}};
  EXPECT_ERROR_MENTIONS(model_with(grid, two_layers, one), "properties given for 1 layers but the tissue has 2");
  // Component: each rate names itself, its layer and its value.
  Component bad = testing::uniform_component(2, 1e-9);
  bad.name = "lidocaine";
  bad.in_layer[1].k_blood = -1e-3;
  EXPECT_ERROR_MENTIONS(model_with(grid, two_layers, {bad}), "component 'lidocaine', layer 2: k_blood = -0.001");
  bad = testing::uniform_component(1, 1e-9);
  bad.in_layer[0].k_on = nan;
  EXPECT_ERROR_MENTIONS(model_with(grid, tissue, {bad}), "k_on = nan is not allowed");
  bad = testing::uniform_component(1, 1e-9);
  bad.in_layer[0].partition = std::numeric_limits<double>::infinity();
  EXPECT_ERROR_MENTIONS(model_with(grid, tissue, {bad}), "partition = inf");
  bad = testing::uniform_component(1, 1e-9);
  bad.in_layer[0].available_fraction = 1.2;
  EXPECT_ERROR_MENTIONS(model_with(grid, tissue, {bad}), "available_fraction = 1.2 is not allowed; it must be in (0, 1]");
  // Names: boundary kinds and schemes are exact, lower-case words.
  EXPECT_ERROR_MENTIONS(parse_boundary_kind("Sink"), "unknown boundary condition 'Sink'");
  EXPECT_ERROR_MENTIONS(parse_boundary_kind(""), "choose one of: no_flux, sink, periodic");
  EXPECT_EQ(parse_boundary_kind("periodic"), BoundaryKind::periodic);
  const TransportModel model(grid, Boundaries{}, tissue, one);
  IntegratorSettings settings;
  settings.scheme = "Implicit";
  EXPECT_ERROR_MENTIONS(Integrator(model, settings), "unknown time-stepping scheme 'Implicit'; choose 'implicit' or 'explicit'");
  // Integrator: tolerance at and beyond its open range, safety factor, steps.
  for (const double tolerance : {1.0, -1e-3, nan}) {
    settings = IntegratorSettings{};
    settings.tolerance = tolerance;
    EXPECT_ERROR_MENTIONS(Integrator(model, settings), "must be in (0, 1)");
  }
  settings = IntegratorSettings{};
  settings.initial_step = 0.0;
  EXPECT_ERROR_MENTIONS(Integrator(model, settings), "initial step must be positive");
  for (const double safety : {0.0, 1.5}) {
    settings = IntegratorSettings{};
    settings.scheme = "explicit";
    settings.explicit_safety = safety;
    EXPECT_ERROR_MENTIONS(Integrator(model, settings), "explicit safety factor must be in (0, 1]");
  }
  settings = IntegratorSettings{};
  settings.scheme = "explicit";
  settings.fixed_step = -1.0;
  EXPECT_ERROR_MENTIONS(Integrator(model, settings), "positive time step");
}

// The header promises that Grid::validate() refuses a cell count that does not fit in memory
// indexing; nx * ny * nz = 2^65 wraps std::size_t to 0 and every index then aliases.
TEST(Validation, GridWhoseCellCountOverflowsIsRefused) {
  const Grid huge{1 << 30, 1 << 30, 32, 1e-4, 1e-4};
  EXPECT_THROW(huge.validate(), InputError) << "n_cells() = " << huge.n_cells();
}

// An adaptive run whose largest step is not positive cannot work: the Integrator should say so
// when it is built (InputError naming the setting), not fail inside the first step.
TEST(Validation, AdaptiveMaximumStepMustBePositive) {
  const Grid grid{4, 4, 4, 1e-4, 1e-4};
  const TransportModel model(grid, Boundaries{}, testing::uniform_tissue(grid.depth()),
                             {testing::uniform_component(1, 1e-9)});
  for (const double max_step : {0.0, -60.0}) {
    IntegratorSettings settings;
    settings.max_step = max_step;
    EXPECT_THROW(Integrator(model, settings), InputError) << "max_step = " << max_step;
  }
}

}  // namespace
}  // namespace mesosim
