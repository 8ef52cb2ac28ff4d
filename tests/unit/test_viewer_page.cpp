// The viewer's data coding (viz/viewer_page.hpp), which the page's decoder (viz/web/src/data.js)
// mirrors: 16-bit log codes and their inverse, the delta + byte-shuffle packing, deflate (read
// back with zlib), base64 against RFC 4648's examples, and block averaging of a field.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "viz/viewer_page.hpp"

using namespace mesosim;

TEST(ViewerPage, LogCodesKeepSixDecadesToAFractionOfAPercent) {
  const double peak = 20.0;
  const std::vector<double> values{0.0, peak * 1e-7, peak * 1e-6, 0.013, 1.0, peak, 2 * peak};
  const std::vector<std::uint16_t> codes = encode_log16(values, peak, 6.0);
  EXPECT_EQ(codes[0], 0);
  EXPECT_EQ(codes[1], 0);  // below the floor
  EXPECT_EQ(codes[2], 1);
  EXPECT_EQ(codes[5], 65535);
  EXPECT_EQ(codes[6], 65535);  // clamped at the peak
  for (std::size_t n = 2; n < 6; ++n)
    EXPECT_NEAR(decode_log16(codes[n], peak, 6.0) / values[n], 1.0, 1.1e-4) << values[n];
  EXPECT_EQ(decode_log16(0, peak, 6.0), 0.0);
  EXPECT_EQ(encode_log16({1.0}, 0.0, 6.0)[0], 0);  // nothing injected: all zero
}

TEST(ViewerPage, PackingIsDeltasAlongRowsThenHighAndLowBytes) {
  const std::vector<std::uint16_t> codes{10, 12, 9, 65535, 0, 1};  // two rows of 3
  const std::vector<unsigned char> bytes = pack_codes(codes, 3);
  // Deltas: 10, 2, 65533 | 65535, 1, 1 -> high bytes, then low bytes.
  const std::vector<unsigned char> expected{0, 0, 255, 255, 0, 0, 10, 2, 253, 255, 1, 1};
  EXPECT_EQ(bytes, expected);
  EXPECT_EQ(unpack_codes(bytes, 3), codes);
}

TEST(ViewerPage, DeflateReadsBackWithZlib) {
  std::vector<unsigned char> data(10000);
  for (std::size_t n = 0; n < data.size(); ++n) data[n] = static_cast<unsigned char>(n % 7);
  const std::vector<unsigned char> packed = deflate_bytes(data.data(), data.size());
  EXPECT_LT(packed.size(), data.size() / 10);
  EXPECT_EQ(packed[0], 0x78);  // a zlib header, what DecompressionStream("deflate") reads
  std::vector<unsigned char> back(data.size());
  uLongf length = uLongf(back.size());
  ASSERT_EQ(uncompress(back.data(), &length, packed.data(), uLong(packed.size())), Z_OK);
  EXPECT_EQ(back, data);
}

TEST(ViewerPage, Base64AsRfc4648) {
  auto text = [](const std::string& s) { return base64(std::vector<unsigned char>(s.begin(), s.end())); };
  EXPECT_EQ(text(""), "");
  EXPECT_EQ(text("f"), "Zg==");
  EXPECT_EQ(text("fo"), "Zm8=");
  EXPECT_EQ(text("foo"), "Zm9v");
  EXPECT_EQ(text("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64({0xfb, 0xff}), "+/8=");
}

TEST(ViewerPage, CoarsenAveragesBlocksAndKeepsTheMean) {
  // 3 x 2 x 2 (x, y, z): blocks of 2 x 2 laterally, 1 in depth; the last column is its own block.
  const std::vector<double> field{1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60};
  const std::vector<double> coarse = coarsen(field, 3, 2, 2, 2, 1);
  const std::vector<double> expected{(1 + 2 + 4 + 5) / 4.0, (3 + 6) / 2.0, (10 + 20 + 40 + 50) / 4.0, (30 + 60) / 2.0};
  ASSERT_EQ(coarse.size(), expected.size());
  for (std::size_t n = 0; n < expected.size(); ++n) EXPECT_DOUBLE_EQ(coarse[n], expected[n]);
  EXPECT_EQ(coarsen(field, 3, 2, 2, 1, 2).size(), 6u);
}

TEST(ViewerPage, TemplateHoldsOnePlaceholder) {
  const std::string page = viewer_page("{\"x\":1}");
  EXPECT_EQ(page.find("<!--MESOSIM-DATA-->"), std::string::npos);
  EXPECT_NE(page.find("<script id=\"mesosim-data\" type=\"application/json\">{\"x\":1}</script>"), std::string::npos);
  EXPECT_GT(viewer_template_size, 100000u);  // vtk.js is in it
}
