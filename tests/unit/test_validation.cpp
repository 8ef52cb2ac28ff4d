// Bad input never reaches a kernel: each case throws InputError with a message that names the
// problem and the fix.
#include <gtest/gtest.h>

#include <functional>

#include "models/error.hpp"
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

}  // namespace
}  // namespace mesosim
