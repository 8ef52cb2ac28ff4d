// The structured cell-centred grid: nx x ny lateral cells of width hx = hy, nz depth cells of
// height hz, depth z positive downward from z = 0 (the no-flux skin surface). Cell (i, j, k) has
// its centre at ((i + 1/2) hx, (j + 1/2) hx, (k + 1/2) hz); i is contiguous in memory.
#pragma once

#include <array>
#include <cstddef>
#include <string>

namespace mesosim {

/// Boundary condition on one side of the box.
enum class BoundaryKind {
  no_flux,   ///< zero diffusive flux through the face
  sink,      ///< c = 0 on the face (perfect sink: flux proportional to the nearest cell value)
  periodic,  ///< the opposite side is the neighbour (lateral sides only, both sides together)
};

/// Parses "no_flux", "sink" or "periodic"; anything else is an InputError naming the choices.
BoundaryKind parse_boundary_kind(const std::string& name);
const char* to_string(BoundaryKind kind);

/// Sides of the box, in the order the ledger reports boundary losses.
enum Side : int { x_low = 0, x_high, y_low, y_high, bottom, n_sides };
const char* side_name(int side);

/// Boundary condition of each of the five open-able sides; the top (z = 0) is always no-flux.
/// Periodic sides come in pairs (x_low with x_high, y_low with y_high); the bottom is never periodic.
struct Boundaries {
  BoundaryKind x_low = BoundaryKind::no_flux;
  BoundaryKind x_high = BoundaryKind::no_flux;
  BoundaryKind y_low = BoundaryKind::no_flux;
  BoundaryKind y_high = BoundaryKind::no_flux;
  BoundaryKind bottom = BoundaryKind::no_flux;  ///< z = Lz

  void set_x(BoundaryKind kind) { x_low = x_high = kind; }
  void set_y(BoundaryKind kind) { y_low = y_high = kind; }
  /// The kind of one side, in Side order.
  BoundaryKind of(int side) const;
};

struct Grid {
  int nx = 1, ny = 1, nz = 1;
  double hx = 1e-4;  ///< lateral cell width, m (hy = hx)
  double hz = 1e-4;  ///< cell height, m

  std::size_t n_cells() const { return std::size_t(nx) * std::size_t(ny) * std::size_t(nz); }
  std::size_t plane_size() const { return std::size_t(nx) * std::size_t(ny); }
  double cell_volume() const { return hx * hx * hz; }
  double length_x() const { return nx * hx; }
  double length_y() const { return ny * hx; }
  double depth() const { return nz * hz; }
  /// Linear index of cell (i, j, k): i fastest.
  std::size_t index(int i, int j, int k) const {
    return std::size_t(i) + std::size_t(nx) * (std::size_t(j) + std::size_t(ny) * std::size_t(k));
  }
  double x_centre(int i) const { return (i + 0.5) * hx; }
  double y_centre(int j) const { return (j + 0.5) * hx; }
  double z_centre(int k) const { return (k + 0.5) * hz; }

  /// Throws InputError unless every size is positive and the cell count fits in memory indexing.
  void validate() const;
};

}  // namespace mesosim
