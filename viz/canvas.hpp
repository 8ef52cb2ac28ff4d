// An RGB picture in memory with the few drawing operations MesoSim's frames and plots need: filled
// rectangles, anti-aliased-free thick and dashed lines, markers, and text rendered by VTK's
// FreeType text renderer (no OpenGL, no display). Row 0 is the TOP of the picture (screen order);
// write_png flips to VTK's bottom-up order. Deterministic: the same calls give the same bytes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mesosim {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

namespace colours {
inline constexpr Rgb white{255, 255, 255}, black{0, 0, 0}, grey{110, 110, 110}, light_grey{215, 215, 215};
}

/// A pixel rectangle: x0, y0 top-left (inclusive), width and height in pixels.
struct Box {
  int x = 0, y = 0, width = 0, height = 0;
  int right() const { return x + width; }
  int bottom() const { return y + height; }
};

enum class Align { start, centre, end };  ///< horizontal: left/centre/right; vertical: top/centre/bottom

struct TextStyle {
  int size = 16;               ///< font size in pixels (points at 72 dpi)
  Rgb colour = colours::black;
  bool bold = false;
  Align horizontal = Align::start, vertical = Align::start;
  double angle = 0.0;          ///< degrees, counter-clockwise (90: reads bottom to top)
  bool halo = false;           ///< a 1-pixel outline of `halo_colour` (legible over the colour map)
  Rgb halo_colour = colours::black;
};

class Canvas {
 public:
  Canvas(int width, int height, Rgb background = colours::white);
  int width() const { return width_; }
  int height() const { return height_; }

  Rgb pixel(int x, int y) const;
  /// Sets one pixel (ignored outside the picture); `alpha` in [0, 1] blends over what is there.
  void set(int x, int y, Rgb colour, double alpha = 1.0);
  void fill(const Box& box, Rgb colour, double alpha = 1.0);
  void frame(const Box& box, Rgb colour, int thickness = 1);
  /// A straight line of `thickness` pixels; `dash` > 0 draws dashes of that many pixels and gaps alike.
  void line(double x0, double y0, double x1, double y1, Rgb colour, int thickness = 1, int dash = 0,
            double alpha = 1.0);
  void disc(double x, double y, double radius, Rgb colour);
  void ring(double x, double y, double radius, Rgb colour, int thickness = 1);

  /// Draws text anchored at (x, y) by the style's alignment; returns the box it covers.
  Box text(int x, int y, const std::string& text, const TextStyle& style);
  /// Width and height of `text` in pixels without drawing it.
  static std::pair<int, int> text_size(const std::string& text, const TextStyle& style);
  /// `style` with its size reduced (down to 9 pixels at most) until `text` is at most `max_width` wide.
  static TextStyle fitted(const std::string& text, TextStyle style, int max_width);

  /// Copies an RGB block (rows top-down, 3 bytes a pixel) into `box`.
  void paste(const Box& box, const std::vector<std::uint8_t>& rgb);
  const std::vector<std::uint8_t>& bytes() const { return rgb_; }

  /// Writes the picture as PNG; throws OutputError naming the path on failure.
  void write_png(const std::filesystem::path& path) const;

 private:
  int width_, height_;
  std::vector<std::uint8_t> rgb_;  ///< row-major from the top, 3 bytes a pixel
};

}  // namespace mesosim
