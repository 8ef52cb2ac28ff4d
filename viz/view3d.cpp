#include "viz/view3d.hpp"

#include <vtkActor.h>
#include <vtkCamera.h>
#include <vtkDoubleArray.h>
#include <vtkFlyingEdges3D.h>
#include <vtkImageData.h>
#include <vtkLineSource.h>
#include <vtkNew.h>
#include <vtkOutlineSource.h>
#include <vtkPlaneSource.h>
#include <vtkPointData.h>
#include <vtkPolyDataMapper.h>
#include <vtkProperty.h>
#include <vtkRenderWindow.h>
#include <vtkRenderer.h>
#include <vtkSphereSource.h>
#include <vtkUnsignedCharArray.h>
#include <vtkWindowToImageFilter.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "solver/error.hpp"

namespace mesosim {

namespace {
constexpr Rgb ink{30, 30, 30};
}

struct View3d::Scene {
  vtkNew<vtkImageData> image;
  vtkNew<vtkDoubleArray> values;
  vtkNew<vtkRenderer> renderer;
  vtkNew<vtkRenderWindow> window;
  std::vector<vtkSmartPointer<vtkFlyingEdges3D>> surfaces;
  std::vector<std::array<double, 3>> label_points;  ///< world points of the layer labels (mm)
  std::vector<std::pair<double, vtkActor*>> needles;  ///< injection time (s) and needle or tip actor
};

View3d::View3d(const ResultsReader& results, int width, int height, const ColourScale& scale,
               std::vector<double> iso_levels, const std::string& camera)
    : results_(results), scale_(scale), iso_levels_(std::move(iso_levels)), scene_(std::make_unique<Scene>()) {
  std::sort(iso_levels_.begin(), iso_levels_.end());
  font_ = base_font_size(width, height);
  const int top = 5 * font_ + font_ / 2, bar_block = std::max(14, font_) + 9 + Canvas::text_size("0.0001", {.size = font_}).first + font_;
  plot_ = {font_, top, width - 2 * font_ - bar_block, height - top - 3 * font_};
  plot_.width -= plot_.width % 2;

  // Scene units are mm; VTK's z is up, so z = -depth and the skin surface is the plane z = 0.
  const double lx = results.length_x() * 1e3, ly = results.length_y() * 1e3, lz = results.depth() * 1e3;
  Scene& s = *scene_;
  s.image->SetDimensions(results.nx, results.ny, results.nz);
  s.image->SetSpacing(results.hx * 1e3, results.hy * 1e3, results.hz * 1e3);
  s.image->SetOrigin(0.5 * results.hx * 1e3, 0.5 * results.hy * 1e3, -lz + 0.5 * results.hz * 1e3);
  s.values->SetName("concentration");
  s.values->SetNumberOfTuples(vtkIdType(results.nx) * results.ny * results.nz);
  s.image->GetPointData()->SetScalars(s.values);

  auto add = [&](vtkAlgorithmOutput* port, Rgb colour, double opacity, double line_width = 1.0) {
    vtkNew<vtkPolyDataMapper> mapper;
    mapper->SetInputConnection(port);
    mapper->ScalarVisibilityOff();
    vtkNew<vtkActor> actor;
    actor->SetMapper(mapper);
    actor->GetProperty()->SetColor(colour.r / 255.0, colour.g / 255.0, colour.b / 255.0);
    actor->GetProperty()->SetOpacity(opacity);
    actor->GetProperty()->SetLineWidth(float(line_width));
    s.renderer->AddActor(actor);
    return actor.Get();
  };
  vtkNew<vtkOutlineSource> block;
  block->SetBounds(0, lx, 0, ly, -lz, 0);
  add(block->GetOutputPort(), {60, 60, 60}, 1.0, 1.5);
  // The skin surface and each deeper layer boundary: a translucent sheet with a visible rim.
  for (std::size_t l = 0; l < results.layer_top.size() && results.layer_top[l] < results.depth() - 1e-9; ++l) {
    const double z = -results.layer_top[l] * 1e3;
    vtkNew<vtkPlaneSource> plane;
    plane->SetOrigin(0, 0, z);
    plane->SetPoint1(lx, 0, z);
    plane->SetPoint2(0, ly, z);
    const Rgb tint = l == 0 ? Rgb{224, 172, 150} : Rgb{150, 150, 150};
    vtkActor* sheet = add(plane->GetOutputPort(), tint, l == 0 ? 0.15 : 0.12);
    sheet->GetProperty()->LightingOff();
    vtkNew<vtkOutlineSource> rim;
    rim->SetBounds(0, lx, 0, ly, z, z);
    add(rim->GetOutputPort(), {90, 90, 90}, 0.9);
    const double bottom = l + 1 < results.layer_top.size() ? -results.layer_top[l + 1] * 1e3 : -lz;
    s.label_points.push_back({lx, 0.0, 0.5 * (z + bottom)});
  }
  // Needle tracks and tips.
  for (const InjectionPoint& p : results.injections) {
    vtkNew<vtkLineSource> needle;
    needle->SetPoint1(p.x * 1e3, p.y * 1e3, 0.0);
    needle->SetPoint2(p.x * 1e3, p.y * 1e3, -p.depth * 1e3);
    s.needles.push_back({p.time, add(needle->GetOutputPort(), {40, 40, 40}, 1.0, 2.0)});
    vtkNew<vtkSphereSource> tip;
    tip->SetCenter(p.x * 1e3, p.y * 1e3, -p.depth * 1e3);
    tip->SetRadius(std::max(results.hx, results.hz) * 1e3 * 0.4);
    s.needles.push_back({p.time, add(tip->GetOutputPort(), {40, 40, 40}, 1.0)});
  }
  // Isosurfaces: the highest level opaque, the others translucent around it.
  for (std::size_t n = 0; n < iso_levels_.size(); ++n) {
    vtkNew<vtkFlyingEdges3D> surface;
    surface->SetInputData(s.image);
    surface->SetValue(0, iso_levels_[n]);
    surface->ComputeNormalsOn();
    const bool innermost = n + 1 == iso_levels_.size();
    vtkActor* actor = add(surface->GetOutputPort(), viridis_at(scale_.position(iso_levels_[n])), innermost ? 1.0 : 0.35);
    actor->GetProperty()->SetSpecular(0.2);
    s.surfaces.push_back(surface.Get());
  }

  s.renderer->SetBackground(1.0, 1.0, 1.0);
  s.renderer->SetUseDepthPeeling(1);
  s.renderer->SetMaximumNumberOfPeels(8);
  s.window->SetOffScreenRendering(1);
  s.window->SetAlphaBitPlanes(1);
  s.window->SetMultiSamples(0);
  s.window->SetSize(plot_.width, plot_.height);
  s.window->AddRenderer(s.renderer);

  vtkCamera* view = s.renderer->GetActiveCamera();
  const double cx = lx / 2, cy = ly / 2, cz = -lz / 2;
  view->SetFocalPoint(cx, cy, cz);
  if (camera == "top") {
    view->SetPosition(cx, cy, 10 * std::max(lx, ly));
    view->SetViewUp(0, 1, 0);
  } else {
    view->SetPosition(cx, cy - 10 * std::max(lx, ly), cz);
    view->SetViewUp(0, 0, 1);
    if (camera == "oblique") {
      view->Azimuth(-35.0);
      view->Elevation(28.0);
    }
  }
  view->SetViewAngle(20.0);
  s.renderer->ResetCamera(0, lx, 0, ly, -lz, 0);
  view->Zoom(1.25);
}

View3d::~View3d() = default;

void View3d::draw_frame(Canvas& canvas, const std::vector<double>& field, const FrameText& text) {
  Scene& s = *scene_;
  const ResultsReader& r = results_;
  // Cell (i, j, k) with k downward goes to VTK point (i, j, nz - 1 - k).
  for (int k = 0; k < r.nz; ++k)
    for (int j = 0; j < r.ny; ++j)
      for (int i = 0; i < r.nx; ++i)
        s.values->SetValue((vtkIdType(r.nz - 1 - k) * r.ny + j) * r.nx + i,
                           field[(std::size_t(k) * std::size_t(r.ny) + std::size_t(j)) * std::size_t(r.nx) + std::size_t(i)]);
  s.values->Modified();
  s.image->Modified();
  for (const auto& [time, actor] : s.needles) actor->SetVisibility(time <= text.time + 1e-6);  // given by now
  s.window->Render();
  vtkNew<vtkWindowToImageFilter> grab;
  grab->SetInput(s.window);
  grab->SetInputBufferTypeToRGB();
  grab->ReadFrontBufferOff();
  grab->Update();
  vtkImageData* image = grab->GetOutput();
  int dims[3];
  image->GetDimensions(dims);
  if (dims[0] != plot_.width || dims[1] != plot_.height)
    throw OutputError("the 3-D view rendered " + std::to_string(dims[0]) + "x" + std::to_string(dims[1]) +
                      " pixels instead of " + std::to_string(plot_.width) + "x" + std::to_string(plot_.height));
  const auto* pixels = static_cast<const std::uint8_t*>(image->GetScalarPointer());
  std::vector<std::uint8_t> rgb(std::size_t(plot_.width) * std::size_t(plot_.height) * 3);
  const std::size_t row_bytes = std::size_t(plot_.width) * 3;
  for (int row = 0; row < plot_.height; ++row)
    std::memcpy(rgb.data() + std::size_t(row) * row_bytes, pixels + std::size_t(plot_.height - 1 - row) * row_bytes, row_bytes);
  canvas.paste(plot_, rgb);

  // Heading, layer names at their projected places, colour bar with the iso levels marked.
  const int font = font_, small = std::max(9, font * 5 / 6), margin = font;
  std::string levels;
  for (double level : iso_levels_) levels += (levels.empty() ? "" : ", ") + format_value(level);
  const Box time_box = canvas.text(canvas.width() - margin, margin, format_day_time(text.time),
                                   {.size = font * 3 / 2, .colour = ink, .bold = true, .horizontal = Align::end});
  const int heading_width = canvas.width() - time_box.width - 3 * margin;
  const std::string heading = text.component + ": 3-D view, surfaces at " + levels + " mg/mL";
  const Box title = canvas.text(margin, margin, heading,
                                Canvas::fitted(heading, {.size = font, .colour = ink, .bold = true}, heading_width));
  canvas.text(margin, title.bottom() + font / 3, text.scenario,
              Canvas::fitted(text.scenario, {.size = small, .colour = colours::grey}, heading_width));
  int last_y = -1 << 30;
  for (std::size_t l = 0; l < s.label_points.size(); ++l) {
    const auto& point = s.label_points[l];
    s.renderer->SetWorldPoint(point[0], point[1], point[2], 1.0);
    s.renderer->WorldToDisplay();
    const double* display = s.renderer->GetDisplayPoint();
    const int text_width = Canvas::text_size(r.layer_names[l], {.size = small}).first;
    const int x = std::min(plot_.x + int(display[0]) + 8, plot_.right() - text_width);  // never over the bar
    int y = plot_.y + plot_.height - 1 - int(display[1]);
    y = std::max(y, last_y + small + 3);
    last_y = y;
    canvas.text(x, y, r.layer_names[l], {.size = small, .colour = ink, .vertical = Align::centre, .halo = true,
                                         .halo_colour = colours::white});
  }
  const Box bar{canvas.width() - (std::max(14, font) + 9 + Canvas::text_size("0.0001", {.size = font}).first + margin),
                plot_.y, std::max(14, font), plot_.height};
  draw_colour_bar(canvas, bar, scale_, "mg/mL", font);
  for (double level : iso_levels_) {
    const int y = bar.y + int(std::lround((1.0 - scale_.position(level)) * (bar.height - 1)));
    canvas.fill({bar.x - 8, y - 1, 8, 3}, ink);
  }
  const int band_y = plot_.bottom() + font + font / 2;
  double peak = 0.0;
  for (double value : field) peak = std::max(peak, value);
  std::string legend = iso_levels_.size() > 1 ? "translucent shells at the lower levels, solid core at " : "surface at ";
  legend += format_value(iso_levels_.back()) + " mg/mL (marked on the colour bar); dark lines: needle tracks";
  if (peak <= iso_levels_.front())
    legend = "no surface: the peak now, " + format_value(peak) + " mg/mL, is below every level; dark lines: needle tracks";
  else if (peak <= iso_levels_.back())
    legend = "translucent shells; no core: the peak now, " + format_value(peak) + " mg/mL, is below " +
             format_value(iso_levels_.back()) + " mg/mL; dark lines: needle tracks";
  canvas.text(margin, band_y, legend, {.size = small, .colour = ink, .vertical = Align::centre});
}

}  // namespace mesosim
