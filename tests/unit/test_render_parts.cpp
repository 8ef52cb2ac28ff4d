// The renderer's pieces called directly: the viridis table's ends, the colour scale (log and
// linear positions, inverse, ticks), bilinear sampling of a slice, and the canvas (text is drawn
// and scales with the font; an unwritable PNG path is an OutputError).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "models/error.hpp"
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
