#include "models/reservoir.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "solver/compensated_sum.hpp"

namespace mesosim {

TransportModel make_pressure_model(const Grid& grid, const Boundaries& boundaries, const Tissue& tissue) {
  // u = p, alpha = phi f P = S (phi = f = 1, P = S), kappa = S D = K, sink = S k = chi.
  Tissue unit = tissue;
  Component fluid{"fluid", {}};
  for (Layer& layer : unit.layers) {
    SoluteInLayer s;
    s.partition = layer.storage;
    s.diffusivity = layer.hydraulic_conductivity / layer.storage;
    s.k_lymph = layer.fluid_removal() / layer.storage;  // drained fluid leaves by lymph / capillaries
    fluid.in_layer.push_back(s);
    layer.fluid_fraction = 1.0;
  }
  return TransportModel(grid, boundaries, unit, {fluid});
}

void stiffened_faces(const TransportModel& model, const std::vector<double>& stiffening, const double* e,
                     FaceConductances& faces, bool swelling_geometry) {
  const Grid& g = model.grid();
  const Boundaries& bc = model.boundaries();
  const ComponentCoefficients& co = model.coefficients(0);
  faces.resize(g);
  // Lateral: K0 exp(m e) times the taller face; vertical: over the longer path (1 + e) hz.
  auto factor = [swelling_geometry](double m, double e_face) {
    return std::exp(std::min(m * e_face, max_stiffening_exponent)) * (swelling_geometry ? 1.0 + e_face : 1.0);
  };
  auto vertical_factor = [swelling_geometry](double m, double e_face) {
    return std::exp(std::min(m * e_face, max_stiffening_exponent)) / (swelling_geometry ? 1.0 + e_face : 1.0);
  };
  auto end = [](BoundaryKind kind) { return kind == BoundaryKind::sink ? 2.0 : 0.0; };
  const bool x_periodic = bc.x_low == BoundaryKind::periodic, y_periodic = bc.y_low == BoundaryKind::periodic;
  const std::size_t nx = std::size_t(g.nx), ny = std::size_t(g.ny), plane = g.plane_size();
#pragma omp parallel for schedule(static)
  for (int k = 0; k < g.nz; ++k) {
    const double m = stiffening[std::size_t(k)], lateral = co.lateral[k];
    const double* ek = e + std::size_t(k) * plane;
    for (std::size_t j = 0; j < ny; ++j) {
      double* fx = faces.x.data() + (nx + 1) * (j + ny * std::size_t(k));
      const double* row = ek + nx * j;
      for (std::size_t i = 1; i < nx; ++i) fx[i] = lateral * factor(m, 0.5 * (row[i - 1] + row[i]));
      if (x_periodic) fx[0] = fx[nx] = lateral * factor(m, 0.5 * (row[nx - 1] + row[0]));
      else {
        fx[0] = end(bc.x_low) * lateral * factor(m, row[0]);
        fx[nx] = end(bc.x_high) * lateral * factor(m, row[nx - 1]);
      }
    }
    double* fy = faces.y.data() + nx * (ny + 1) * std::size_t(k);
    for (std::size_t i = 0; i < nx; ++i) {
      for (std::size_t j = 1; j < ny; ++j) fy[i + nx * j] = lateral * factor(m, 0.5 * (ek[i + nx * (j - 1)] + ek[i + nx * j]));
      if (y_periodic) fy[i] = fy[i + nx * ny] = lateral * factor(m, 0.5 * (ek[i + nx * (ny - 1)] + ek[i]));
      else {
        fy[i] = end(bc.y_low) * lateral * factor(m, ek[i]);
        fy[i + nx * ny] = end(bc.y_high) * lateral * factor(m, ek[i + nx * (ny - 1)]);
      }
    }
    // z faces: face k is the top of cell k (face 0 the closed surface); the bottom face below.
    double* fz = faces.z.data() + plane * std::size_t(k);
    if (k == 0) std::fill_n(fz, plane, 0.0);
    else {
      const double mean_m = 0.5 * (stiffening[std::size_t(k) - 1] + m);
      const double* above = ek - plane;
      for (std::size_t n = 0; n < plane; ++n) fz[n] = co.vertical[k] * vertical_factor(mean_m, 0.5 * (above[n] + ek[n]));
    }
    if (k + 1 == g.nz) {
      double* bottom_faces = fz + plane;
      for (std::size_t n = 0; n < plane; ++n) bottom_faces[n] = co.vertical[k + 1] * vertical_factor(m, ek[n]);
    }
  }
}

namespace {
/// e = S p per cell of a pressure state of make_pressure_model.
std::vector<double> excess_of(const TransportModel& model, const TransportState& pressure) {
  const Grid& g = model.grid();
  std::vector<double> e(g.n_cells());
  for (int k = 0; k < g.nz; ++k) {
    const double storage = model.coefficients(0).partition[k];
    const double* p = pressure.u.component(0) + std::size_t(k) * g.plane_size();
    for (std::size_t n = 0; n < g.plane_size(); ++n) e[std::size_t(k) * g.plane_size() + n] = storage * p[n];
  }
  return e;
}
}  // namespace

std::vector<double> surface_elevation(const Grid& g, const double* e) {
  std::vector<double> elevation(g.plane_size(), 0.0);
  for (int k = 0; k < g.nz; ++k) {
    const double* ek = e + std::size_t(k) * g.plane_size();
    for (std::size_t n = 0; n < g.plane_size(); ++n) elevation[n] += ek[n] * g.hz;
  }
  return elevation;
}

std::vector<double> surface_elevation(const TransportModel& model, const TransportState& pressure) {
  return surface_elevation(model.grid(), excess_of(model, pressure).data());
}

BlebFigures measure_bleb(const TransportModel& model, const TransportState& pressure, double e_bleb) {
  BlebFigures bleb = measure_bleb_near(model, pressure, e_bleb, 0.0, 0.0, std::numeric_limits<double>::infinity());
  bleb.excess_volume = mass_in_fluid(model, pressure, 0);  // the compensated whole-grid sum
  return bleb;
}

BlebFigures measure_bleb_near(const TransportModel& model, const TransportState& pressure, double e_bleb, double x,
                              double y, double radius) {
  return measure_swelling(model.grid(), excess_of(model, pressure).data(), pressure.u.component(0), {}, e_bleb, x, y,
                          radius);
}

BlebFigures measure_swelling(const Grid& g, const double* e, const double* p, const std::vector<double>& phi0,
                             double e_bleb, double x, double y, double radius) {
  const bool everywhere = !std::isfinite(radius);
  std::vector<char> column_in(g.plane_size(), 1);  // columns whose centre is within the radius
  if (!everywhere)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i)
        column_in[std::size_t(i) + std::size_t(g.nx) * std::size_t(j)] =
            std::hypot(g.x_centre(i) - x, g.y_centre(j) - y) <= radius ? 1 : 0;
  BlebFigures bleb;
  CompensatedSum excess;
  std::vector<double> elevation(g.plane_size(), 0.0);
  double peak_e = -1.0;
  std::size_t peak_cell = 0;
  for (int k = 0; k < g.nz; ++k)
    for (std::size_t n = 0; n < g.plane_size(); ++n) {
      if (!column_in[n]) continue;
      const std::size_t cell = std::size_t(k) * g.plane_size() + n;
      excess.add(e[cell]);
      elevation[n] += e[cell] * g.hz;
      bleb.peak_pressure = std::max(bleb.peak_pressure, p[cell]);
      if (!phi0.empty())
        bleb.max_fluid_fraction = std::max(bleb.max_fluid_fraction, (phi0[std::size_t(k)] + e[cell]) / (1.0 + e[cell]));
      if (e[cell] > peak_e) {
        peak_e = e[cell];
        peak_cell = cell;
      }
    }
  bleb.excess_volume = excess.value() * g.cell_volume();
  const std::size_t highest = std::size_t(std::max_element(elevation.begin(), elevation.end()) - elevation.begin());
  bleb.peak_elevation = elevation[highest];
  if (peak_e < 0.0) return bleb;  // no column in the region
  bleb.peak_excess = peak_e;
  const int k_peak = int(peak_cell / g.plane_size());
  const int j_peak = int((peak_cell % g.plane_size()) / std::size_t(g.nx));
  const int i_peak = int(peak_cell % std::size_t(g.nx));
  bleb.peak_depth = g.z_centre(k_peak);
  // Lateral extent along x and y through the peak, at the peak depth: the larger of the two.
  auto extent = [&](auto inside, int n_cells, int centre, int& lo, int& hi) {
    lo = hi = centre;
    if (!inside(centre)) return 0;
    while (lo > 0 && inside(lo - 1)) --lo;
    while (hi + 1 < n_cells && inside(hi + 1)) ++hi;
    return hi - lo + 1;
  };
  auto in = [&](int i, int j) { return column_in[std::size_t(i) + std::size_t(g.nx) * std::size_t(j)] != 0; };
  int lo = 0, hi = 0;
  const int n_x = extent([&](int i) { return in(i, j_peak) && e[g.index(i, j_peak, k_peak)] >= e_bleb; }, g.nx, i_peak,
                         lo, hi);
  const int n_y = extent([&](int j) { return in(i_peak, j) && e[g.index(i_peak, j, k_peak)] >= e_bleb; }, g.ny, j_peak,
                         lo, hi);
  bleb.diameter = std::max(n_x, n_y) * g.hx;
  const int i_top = int(highest % std::size_t(g.nx)), j_top = int(highest / std::size_t(g.nx));
  auto raised = [&](int i, int j) { return in(i, j) && elevation[std::size_t(i) + std::size_t(g.nx) * std::size_t(j)] >= visible_elevation; };
  const int w_x = extent([&](int i) { return raised(i, j_top); }, g.nx, i_top, lo, hi);
  const int w_y = extent([&](int j) { return raised(i_top, j); }, g.ny, j_top, lo, hi);
  bleb.wheal_diameter = std::max(w_x, w_y) * g.hx;
  if (extent([&](int k) { return e[g.index(i_peak, j_peak, k)] >= e_bleb; }, g.nz, k_peak, lo, hi) > 0)
    for (int k = lo; k <= hi; ++k) bleb.thickness += (1.0 + e[g.index(i_peak, j_peak, k)]) * g.hz;
  return bleb;
}

}  // namespace mesosim
