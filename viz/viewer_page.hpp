// The data of the browser viewer (`mesosim view`): every snapshot of every component of a run,
// averaged over blocks of cells when the grid is large, quantised to 16 bits on a log scale
// (6 decades below each component's peak, 0.05 % steps), delta-coded along x, byte-shuffled,
// deflated and base64-coded, with the
// grid, layers, injections, thresholds, snapshot times and the /series fractions, as one JSON
// text that the page template (viz/web/, bundled at build time) embeds. Reads, never writes results.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "io/results_reader.hpp"

namespace mesosim {

/// The decades below a component's peak that the quantised fields keep; lower values become 0.
inline constexpr double viewer_decades = 6.0;

/// Codes of `values` (kg/m^3): 0 below peak * 10^-decades (and for 0), else 1 + round(65534 *
/// (log10(value / peak) + decades) / decades), so 65535 is the peak. decode_log16 inverts it.
std::vector<std::uint16_t> encode_log16(const std::vector<double>& values, double peak, double decades);
/// The value of a code (0 for code 0).
double decode_log16(std::uint16_t code, double peak, double decades);

/// The bytes a field's codes are stored as: along each row of `nx` codes the difference from the
/// previous one (mod 2^16; the first as it is), then all high bytes followed by all low bytes.
/// Smooth fields deflate to about a third of the plain codes this way. unpack_codes inverts it.
std::vector<unsigned char> pack_codes(const std::vector<std::uint16_t>& codes, int nx);
std::vector<std::uint16_t> unpack_codes(const std::vector<unsigned char>& bytes, int nx);

/// zlib-wrapped deflate (what the browser's DecompressionStream("deflate") reads); OutputError on failure.
std::vector<unsigned char> deflate_bytes(const void* data, std::size_t size);
/// Standard base64 with padding.
std::string base64(const std::vector<unsigned char>& bytes);

/// Averages a C-order (z, y, x) field over blocks of factor x factor cells in x and y (and
/// factor_z cells in depth); edge blocks average the cells they hold. Returns the coarse field.
std::vector<double> coarsen(const std::vector<double>& field, int nx, int ny, int nz, int factor, int factor_z);

struct ViewerSettings {
  std::size_t initial_component = 0;  ///< the component shown when the page opens
  std::size_t max_cells = 2'000'000;   ///< cells per field in the page; a larger grid is averaged over blocks
};

/// The viewer's JSON for the run `results` reads (layout: viz/web/README.md). `grid_note`
/// receives a line saying how the grid was averaged (empty when it was not).
std::string viewer_json(const ResultsReader& results, const ViewerSettings& settings, std::string& grid_note);

/// The page template (viz/web/ bundled at build time: HTML with the script and style inline) and
/// its size in bytes; it holds one <!--MESOSIM-DATA--> placeholder.
extern const char viewer_template[];
extern const std::size_t viewer_template_size;

/// The whole page: the template with `data` (from viewer_json) in place of its placeholder.
std::string viewer_page(const std::string& data);

}  // namespace mesosim
