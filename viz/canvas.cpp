#include "viz/canvas.hpp"

#include <vtkImageData.h>
#include <vtkNew.h>
#include <vtkPNGWriter.h>
#include <vtkTextProperty.h>
#include <vtkTextRenderer.h>
#include <vtkUnsignedCharArray.h>
#include <vtkPointData.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "solver/error.hpp"

namespace mesosim {

namespace {

std::uint8_t mix(std::uint8_t under, std::uint8_t over, double alpha) {
  return std::uint8_t(std::lround(under + (over - under) * alpha));
}

void configure(vtkTextProperty* property, const TextStyle& style) {
  property->SetFontFamilyToArial();
  property->SetFontSize(style.size);
  property->SetBold(style.bold);
  property->SetColor(style.colour.r / 255.0, style.colour.g / 255.0, style.colour.b / 255.0);
  property->SetOrientation(style.angle);
  property->SetJustificationToLeft();
  property->SetVerticalJustificationToBottom();
}

/// The text as an RGBA image (VTK rows bottom-up) with its width and height.
struct TextBitmap {
  int width = 0, height = 0;
  std::vector<std::uint8_t> alpha;  ///< rows top-down
};

TextBitmap render_text(const std::string& text, const TextStyle& style) {
  TextBitmap bitmap;
  if (text.empty()) return bitmap;
  vtkTextRenderer* renderer = vtkTextRenderer::GetInstance();
  if (!renderer) throw OutputError("VTK's text renderer is unavailable (VTK::RenderingFreeType not initialised)");
  vtkNew<vtkTextProperty> property;
  configure(property, style);
  vtkNew<vtkImageData> image;
  int text_dims[2] = {0, 0};
  if (!renderer->RenderString(property, text, image, text_dims, 72))
    throw OutputError("VTK could not render the text '" + text + "'");
  int dims[3];
  image->GetDimensions(dims);
  bitmap.width = std::min(text_dims[0], dims[0]);
  bitmap.height = std::min(text_dims[1], dims[1]);
  bitmap.alpha.resize(std::size_t(bitmap.width) * std::size_t(bitmap.height));
  const int n_comp = image->GetNumberOfScalarComponents();
  const auto* data = static_cast<const std::uint8_t*>(image->GetScalarPointer());
  for (int row = 0; row < bitmap.height; ++row) {
    const int source_row = bitmap.height - 1 - row;  // VTK row 0 is the bottom
    for (int col = 0; col < bitmap.width; ++col)
      bitmap.alpha[std::size_t(row) * bitmap.width + col] =
          data[(std::size_t(source_row) * dims[0] + col) * n_comp + (n_comp - 1)];
  }
  return bitmap;
}

int aligned(int anchor, int extent, Align align) {
  switch (align) {
    case Align::start: return anchor;
    case Align::centre: return anchor - extent / 2;
    case Align::end: return anchor - extent;
  }
  return anchor;
}

}  // namespace

Canvas::Canvas(int width, int height, Rgb background)
    : width_(width), height_(height), rgb_(std::size_t(width) * std::size_t(height) * 3) {
  for (std::size_t p = 0; p < rgb_.size(); p += 3) {
    rgb_[p] = background.r;
    rgb_[p + 1] = background.g;
    rgb_[p + 2] = background.b;
  }
}

Rgb Canvas::pixel(int x, int y) const {
  const std::size_t p = (std::size_t(y) * width_ + x) * 3;
  return {rgb_[p], rgb_[p + 1], rgb_[p + 2]};
}

void Canvas::set(int x, int y, Rgb colour, double alpha) {
  if (x < 0 || y < 0 || x >= width_ || y >= height_ || alpha <= 0.0) return;
  const std::size_t p = (std::size_t(y) * width_ + x) * 3;
  if (alpha >= 1.0) {
    rgb_[p] = colour.r;
    rgb_[p + 1] = colour.g;
    rgb_[p + 2] = colour.b;
  } else {
    rgb_[p] = mix(rgb_[p], colour.r, alpha);
    rgb_[p + 1] = mix(rgb_[p + 1], colour.g, alpha);
    rgb_[p + 2] = mix(rgb_[p + 2], colour.b, alpha);
  }
}

void Canvas::fill(const Box& box, Rgb colour, double alpha) {
  for (int y = std::max(box.y, 0); y < std::min(box.bottom(), height_); ++y)
    for (int x = std::max(box.x, 0); x < std::min(box.right(), width_); ++x) set(x, y, colour, alpha);
}

void Canvas::frame(const Box& box, Rgb colour, int thickness) {
  fill({box.x, box.y, box.width, thickness}, colour);
  fill({box.x, box.bottom() - thickness, box.width, thickness}, colour);
  fill({box.x, box.y, thickness, box.height}, colour);
  fill({box.right() - thickness, box.y, thickness, box.height}, colour);
}

void Canvas::line(double x0, double y0, double x1, double y1, Rgb colour, int thickness, int dash, double alpha) {
  const double length = std::hypot(x1 - x0, y1 - y0);
  const int n_steps = std::max(1, int(std::ceil(length * 2.0)));
  const int low = -(thickness - 1) / 2, high = thickness / 2;
  int last_x = -1 << 30, last_y = -1 << 30;
  for (int step = 0; step <= n_steps; ++step) {
    const double s = double(step) / n_steps;
    if (dash > 0 && int(std::floor(s * length / dash)) % 2 == 1) continue;
    const int x = int(std::lround(x0 + s * (x1 - x0))), y = int(std::lround(y0 + s * (y1 - y0)));
    if (x == last_x && y == last_y) continue;
    last_x = x;
    last_y = y;
    // A square brush; with alpha < 1, overlapping brush positions blend twice (kept for speed:
    // translucent lines are thin here).
    for (int dy = low; dy <= high; ++dy)
      for (int dx = low; dx <= high; ++dx) set(x + dx, y + dy, colour, alpha);
  }
}

void Canvas::disc(double x, double y, double radius, Rgb colour) {
  for (int py = int(std::floor(y - radius)); py <= int(std::ceil(y + radius)); ++py)
    for (int px = int(std::floor(x - radius)); px <= int(std::ceil(x + radius)); ++px)
      if (std::hypot(px - x, py - y) <= radius) set(px, py, colour);
}

void Canvas::ring(double x, double y, double radius, Rgb colour, int thickness) {
  for (int py = int(std::floor(y - radius - thickness)); py <= int(std::ceil(y + radius + thickness)); ++py)
    for (int px = int(std::floor(x - radius - thickness)); px <= int(std::ceil(x + radius + thickness)); ++px) {
      const double r = std::hypot(px - x, py - y);
      if (r >= radius - 0.5 && r <= radius + thickness - 0.5) set(px, py, colour);
    }
}

std::pair<int, int> Canvas::text_size(const std::string& text, const TextStyle& style) {
  const TextBitmap bitmap = render_text(text, style);
  return {bitmap.width, bitmap.height};
}

TextStyle Canvas::fitted(const std::string& text, TextStyle style, int max_width) {
  while (style.size > 9 && text_size(text, style).first > max_width) --style.size;
  return style;
}

Box Canvas::text(int x, int y, const std::string& text, const TextStyle& style) {
  const TextBitmap bitmap = render_text(text, style);
  const Box box{aligned(x, bitmap.width, style.horizontal), aligned(y, bitmap.height, style.vertical), bitmap.width,
                bitmap.height};
  auto alpha_at = [&](int col, int row) -> double {
    if (col < 0 || row < 0 || col >= bitmap.width || row >= bitmap.height) return 0.0;
    return bitmap.alpha[std::size_t(row) * bitmap.width + col] / 255.0;
  };
  if (style.halo) {
    for (int row = -1; row <= bitmap.height; ++row)
      for (int col = -1; col <= bitmap.width; ++col) {
        double halo = 0.0;
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) halo = std::max(halo, alpha_at(col + dx, row + dy));
        set(box.x + col, box.y + row, style.halo_colour, halo);
      }
  }
  for (int row = 0; row < bitmap.height; ++row)
    for (int col = 0; col < bitmap.width; ++col) set(box.x + col, box.y + row, style.colour, alpha_at(col, row));
  return box;
}

void Canvas::paste(const Box& box, const std::vector<std::uint8_t>& rgb) {
  for (int row = 0; row < box.height; ++row)
    for (int col = 0; col < box.width; ++col) {
      const std::size_t p = (std::size_t(row) * box.width + col) * 3;
      set(box.x + col, box.y + row, {rgb[p], rgb[p + 1], rgb[p + 2]});
    }
}

void Canvas::write_png(const std::filesystem::path& path) const {
  vtkNew<vtkImageData> image;
  image->SetDimensions(width_, height_, 1);
  image->AllocateScalars(VTK_UNSIGNED_CHAR, 3);
  auto* data = static_cast<std::uint8_t*>(image->GetScalarPointer());
  const std::size_t row_bytes = std::size_t(width_) * 3;
  for (int row = 0; row < height_; ++row)
    std::memcpy(data + std::size_t(height_ - 1 - row) * row_bytes, rgb_.data() + std::size_t(row) * row_bytes,
                row_bytes);
  vtkNew<vtkPNGWriter> writer;
  writer->SetFileName(path.string().c_str());
  writer->SetInputData(image);
  writer->Write();
  std::error_code ec;
  if (writer->GetErrorCode() != 0 || !std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0)
    throw OutputError("cannot write " + path.string() + " (directory missing or not writable, or disk full?)");
}

}  // namespace mesosim
