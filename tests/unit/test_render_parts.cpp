// The renderer's pieces called directly: the viridis table's ends, the colour scale (log and
// linear positions, inverse, ticks), bilinear and cell sampling of a slice, the canvas (text is
// drawn and scales with the font; an unwritable PNG path is an OutputError), and the choice of the
// component that stays longest.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <vector>

#include "io/results_reader.hpp"
#include "solver/error.hpp"
#include "viz/canvas.hpp"
#include "viz/colour_map.hpp"
#include "viz/slice_frame.hpp"

using namespace mesosim;

TEST(ColourMap, ViridisEndsAreMatplotlibs) {
  EXPECT_EQ(viridis(0), (Rgb{68, 1, 84}));
  EXPECT_EQ(viridis(255), (Rgb{253, 231, 37}));
  EXPECT_EQ(viridis_at(-1.0), viridis(0));
  EXPECT_EQ(viridis_at(2.0), viridis(255));
  EXPECT_EQ(viridis_at(std::nan("")), viridis(0));
}

TEST(ColourScale, LogPositionsAndInverse) {
  const ColourScale scale{Scale::log, 1e-3, 10.0};
  EXPECT_EQ(scale.position(1e-3), 0.0);
  EXPECT_EQ(scale.position(0.0), 0.0);
  EXPECT_EQ(scale.position(10.0), 1.0);
  EXPECT_NEAR(scale.position(0.1), 0.5, 1e-12);
  EXPECT_NEAR(scale.value_at(0.25), 1e-2, 1e-14);
  const std::vector<double> ticks = scale.ticks();
  ASSERT_EQ(ticks.size(), 5u);
  EXPECT_NEAR(ticks.front(), 1e-3, 1e-15);
  EXPECT_NEAR(ticks.back(), 10.0, 1e-12);
}

TEST(ColourScale, LinearTicksAreRoundSteps) {
  const ColourScale scale{Scale::linear, 0.0, 7.3};
  EXPECT_NEAR(scale.position(3.65), 0.5, 1e-12);
  const std::vector<double> ticks = scale.ticks();
  ASSERT_EQ(ticks.size(), 4u);
  for (std::size_t n = 0; n < ticks.size(); ++n) EXPECT_NEAR(ticks[n], 2.0 * double(n), 1e-12);
  EXPECT_THROW(parse_scale("logarithmic"), InputError);
}

TEST(Slice, SamplesBilinearlyBetweenCellCentres) {
  Slice slice;
  slice.n_u = 2;
  slice.n_v = 2;
  slice.h_u = 1.0;
  slice.h_v = 2.0;
  slice.values = {0.0, 1.0, 2.0, 3.0};  // row 0: 0 1, row 1: 2 3
  EXPECT_DOUBLE_EQ(slice.sample(0.5, 1.0), 0.0);
  EXPECT_DOUBLE_EQ(slice.sample(1.5, 3.0), 3.0);
  EXPECT_DOUBLE_EQ(slice.sample(1.0, 2.0), 1.5);
  EXPECT_DOUBLE_EQ(slice.sample(-5.0, 1.0), 0.0);  // constant beyond the outer centres
  EXPECT_DOUBLE_EQ(slice.sample(1.0, 1.0), 0.5);
}

TEST(Canvas, TextIsDrawnAndScalesWithTheFont) {
  Canvas canvas(200, 100);
  const Box box = canvas.text(10, 10, "day 2, 06:00", {.size = 20});
  EXPECT_GT(box.width, 60);
  EXPECT_GT(box.height, 10);
  int dark = 0;
  for (int y = box.y; y < box.bottom(); ++y)
    for (int x = box.x; x < box.right(); ++x) dark += canvas.pixel(x, y).r < 128;
  EXPECT_GT(dark, 50);
  EXPECT_GT(Canvas::text_size("mg/mL", {.size = 30}).first, Canvas::text_size("mg/mL", {.size = 15}).first * 3 / 2);
}

TEST(Canvas, UnwritablePathIsAnOutputError) {
  const Canvas canvas(10, 10);
  EXPECT_THROW(canvas.write_png("/nonexistent-directory/frame.png"), OutputError);
}

TEST(Slice, CellSamplingKeepsEachCellsValue) {
  Slice slice;
  slice.n_u = 2;
  slice.n_v = 2;
  slice.h_u = 1.0;
  slice.h_v = 2.0;
  slice.values = {0.0, 1.0, 2.0, 3.0};
  EXPECT_DOUBLE_EQ(slice.sample(0.9, 1.9, Sampling::cells), 0.0);  // smooth would be 0.4 + 0.45 there
  EXPECT_DOUBLE_EQ(slice.sample(1.1, 2.1, Sampling::cells), 3.0);
  EXPECT_DOUBLE_EQ(slice.sample(1.0, 2.0, Sampling::smooth), 1.5);
  EXPECT_DOUBLE_EQ(slice.sample(9.0, 9.0, Sampling::cells), 3.0);  // clamped to the slice
  EXPECT_EQ(parse_sampling("cells"), Sampling::cells);
  EXPECT_THROW(parse_sampling("nearest"), InputError);
}

TEST(LongestStaying, LargestTimeIntegralOfTheTissueFraction) {
  // A fast component gone in an hour, a slow one at half after 8 h, one that leaves at once.
  const std::vector<double> times{0.0, 3600.0, 7200.0, 28800.0};
  const std::vector<std::vector<double>> in_tissue{{1.0, 0.1, 0.0, 0.0}, {1.0, 0.9, 0.8, 0.5}, {1.0, 0.0, 0.0, 0.0}};
  EXPECT_EQ(longest_staying(times, in_tissue), 1u);
  EXPECT_EQ(longest_staying(times, {in_tissue[0], in_tissue[2]}), 0u);
  EXPECT_EQ(longest_staying({}, in_tissue), 0u);
}
