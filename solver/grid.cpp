#include "solver/grid.hpp"

#include <cmath>
#include <sstream>

#include "solver/error.hpp"

namespace mesosim {

BoundaryKind parse_boundary_kind(const std::string& name) {
  if (name == "no_flux") return BoundaryKind::no_flux;
  if (name == "sink") return BoundaryKind::sink;
  if (name == "periodic") return BoundaryKind::periodic;
  throw InputError("unknown boundary condition '" + name +
                   "'; choose one of: no_flux, sink, periodic");
}

const char* to_string(BoundaryKind kind) {
  switch (kind) {
    case BoundaryKind::no_flux: return "no_flux";
    case BoundaryKind::sink: return "sink";
    case BoundaryKind::periodic: return "periodic";
  }
  return "?";
}

BoundaryKind Boundaries::of(int side) const {
  switch (side) {
    case Side::x_low: return x_low;
    case Side::x_high: return x_high;
    case Side::y_low: return y_low;
    case Side::y_high: return y_high;
    default: return bottom;
  }
}

const char* side_name(int side) {
  static const char* names[] = {"x_low", "x_high", "y_low", "y_high", "bottom"};
  return side >= 0 && side < n_sides ? names[side] : "?";
}

void Grid::validate() const {
  std::ostringstream msg;
  if (nx < 1 || ny < 1 || nz < 1) {
    msg << "grid: cell counts must be at least 1, got " << nx << " x " << ny << " x " << nz;
    throw InputError(msg.str());
  }
  const double cells = double(nx) * double(ny) * double(nz);
  if (cells > 1e12) {
    msg << "grid: " << nx << " x " << ny << " x " << nz << " = " << cells
        << " cells is beyond what can be indexed and stored; use larger cells";
    throw InputError(msg.str());
  }
  if (!(hx > 0.0) || !(hz > 0.0) || !std::isfinite(hx) || !std::isfinite(hz)) {
    msg << "grid: cell sizes must be positive, got hx = " << hx << " m, hz = " << hz << " m";
    throw InputError(msg.str());
  }
}

}  // namespace mesosim
