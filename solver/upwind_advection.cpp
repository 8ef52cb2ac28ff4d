#include "solver/upwind_advection.hpp"

#include <algorithm>

#include "solver/compensated_sum.hpp"

namespace mesosim {

namespace {
constexpr unsigned char quiet = 255;  // a cell with no flow through any face and nothing drained
}  // namespace

UpwindAdvection::UpwindAdvection(const LayeredOperator& pressure_model)
    : model_(pressure_model), planes_(std::size_t(pressure_model.grid().nz)) {
  const Boundaries& bc = model_.boundaries();
  x_periodic_ = bc.x_low == BoundaryKind::periodic;
  y_periodic_ = bc.y_low == BoundaryKind::periodic;
  for (int side = 0; side < n_sides; ++side) {
    const bool sink = bc.of(side) == BoundaryKind::sink;
    side_factor_[side] = side == bottom ? (sink ? 1.0 : 0.0) : (sink ? 2.0 : 0.0);
  }
  const Grid& g = model_.grid();
  order_.reserve(g.n_cells());
  inflows_.assign(g.n_cells(), 0);
  east_.assign(g.n_cells(), 0.0);
  north_.assign(g.n_cells(), 0.0);
  below_.assign(g.n_cells(), 0.0);
  west_side_.assign(std::size_t(g.ny) * std::size_t(g.nz), 0.0);
  south_side_.assign(std::size_t(g.nx) * std::size_t(g.nz), 0.0);
}

template <class Visit>
void UpwindAdvection::for_each_face(int i, int j, int k, std::size_t cell, Visit&& visit) const {
  const Grid& g = model_.grid();
  const ComponentCoefficients& co = model_.coefficients(0);
  const std::ptrdiff_t outside = -1;
  const std::ptrdiff_t n = std::ptrdiff_t(cell), nx = g.nx, plane = std::ptrdiff_t(g.plane_size());
  const double lateral = co.lateral[k];
  // The six faces' conductances: the model's (sides scaled by side_factor_) or the given faces.
  double west = lateral, east = lateral, south = lateral, north = lateral, top = co.vertical[k], below = co.vertical[k + 1];
  if (i == 0 && !x_periodic_) west *= side_factor_[x_low];
  if (i + 1 == g.nx && !x_periodic_) east *= side_factor_[x_high];
  if (j == 0 && !y_periodic_) south *= side_factor_[y_low];
  if (j + 1 == g.ny && !y_periodic_) north *= side_factor_[y_high];
  if (faces_) {
    const std::size_t fx = std::size_t(i) + std::size_t(nx + 1) * (std::size_t(j) + std::size_t(g.ny) * std::size_t(k));
    const std::size_t fy = std::size_t(i) + std::size_t(nx) * (std::size_t(j) + std::size_t(g.ny + 1) * std::size_t(k));
    west = faces_->x[fx];
    east = faces_->x[fx + 1];
    south = faces_->y[fy];
    north = faces_->y[fy + std::size_t(nx)];
    top = faces_->z[cell];
    below = faces_->z[cell + std::size_t(plane)];
  }
  // x
  if (i > 0) visit(n - 1, -1, west, 0);
  else if (x_periodic_) visit(n + nx - 1, -1, west, 0);
  else if (side_factor_[x_low] > 0) visit(outside, int(x_low), west, 0);
  if (i + 1 < g.nx) visit(n + 1, -1, east, 1);
  else if (x_periodic_) visit(n - nx + 1, -1, east, 1);
  else if (side_factor_[x_high] > 0) visit(outside, int(x_high), east, 1);
  // y
  if (j > 0) visit(n - nx, -1, south, 2);
  else if (y_periodic_) visit(n + nx * (g.ny - 1), -1, south, 2);
  else if (side_factor_[y_low] > 0) visit(outside, int(y_low), south, 2);
  if (j + 1 < g.ny) visit(n + nx, -1, north, 3);
  else if (y_periodic_) visit(n - nx * (g.ny - 1), -1, north, 3);
  else if (side_factor_[y_high] > 0) visit(outside, int(y_high), north, 3);
  // z: the top face is closed; the bottom face is the sink's half-cell conductance (or 0).
  if (k > 0) visit(n - plane, -1, top, 4);
  if (k + 1 < g.nz) visit(n + plane, -1, below, 5);
  else if (below > 0) visit(outside, int(bottom), below, 5);
}

template <class Visit>
void UpwindAdvection::for_each_volume(int i, int j, int k, std::size_t cell, Visit&& visit) const {
  // The faces and conditions of for_each_face; a face shared with the west, south or upper
  // neighbour holds that neighbour's volume, negated (exact: (tau g)(p_a - p_b) = -(tau g)(p_b - p_a)).
  const Grid& g = model_.grid();
  const std::ptrdiff_t outside = -1;
  const std::ptrdiff_t n = std::ptrdiff_t(cell), nx = g.nx, plane = std::ptrdiff_t(g.plane_size());
  const std::size_t lateral_x = std::size_t(j) + std::size_t(g.ny) * std::size_t(k);
  const std::size_t lateral_y = std::size_t(i) + std::size_t(g.nx) * std::size_t(k);
  // x
  if (i > 0) visit(n - 1, -1, -east_[std::size_t(n - 1)]);
  else if (x_periodic_) visit(n + nx - 1, -1, -east_[std::size_t(n + nx - 1)]);
  else if (side_factor_[x_low] > 0) visit(outside, int(x_low), west_side_[lateral_x]);
  if (i + 1 < g.nx) visit(n + 1, -1, east_[cell]);
  else if (x_periodic_) visit(n - nx + 1, -1, east_[cell]);
  else if (side_factor_[x_high] > 0) visit(outside, int(x_high), east_[cell]);
  // y
  if (j > 0) visit(n - nx, -1, -north_[std::size_t(n - nx)]);
  else if (y_periodic_) visit(n + nx * (g.ny - 1), -1, -north_[std::size_t(n + nx * (g.ny - 1))]);
  else if (side_factor_[y_low] > 0) visit(outside, int(y_low), south_side_[lateral_y]);
  if (j + 1 < g.ny) visit(n + nx, -1, north_[cell]);
  else if (y_periodic_) visit(n - nx * (g.ny - 1), -1, north_[cell]);
  else if (side_factor_[y_high] > 0) visit(outside, int(y_high), north_[cell]);
  // z
  if (k > 0) visit(n - plane, -1, -below_[std::size_t(n - plane)]);
  if (k + 1 < g.nz) visit(n + plane, -1, below_[cell]);
  else if (below_[cell] != 0.0) visit(outside, int(bottom), below_[cell]);  // a sink face (a visit with 0 moves nothing)
}

void UpwindAdvection::prepare(double tau, const double* p, const double* e_before, double* e_after,
                              MassLedger& fluid) {
  const Grid& g = model_.grid();
  tau_ = tau;
#pragma omp parallel for schedule(static)
  for (int k = 0; k < g.nz; ++k) {
    PlaneLedger& ledger = planes_[k];
    ledger = PlaneLedger{};
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const std::size_t cell = g.index(i, j, k);
        const double pc = p[cell];
        double net_out = 0.0;
        int inflows = 0;
        bool exchanges = false;
        // W = (tau g)(p_cell - p_neighbour): the same product, with opposite sign, in the neighbour.
        // Each face's volume is kept once (east, north, bottom; the first column's and row's open
        // sides) for the passes that follow.
        below_[cell] = 0.0;
        for_each_face(i, j, k, cell, [&](std::ptrdiff_t neighbour, int side, double conductance, int face) {
          const double volume = (tau * conductance) * (pc - (neighbour >= 0 ? p[neighbour] : 0.0));
          if (face == 1) east_[cell] = volume;
          else if (face == 3) north_[cell] = volume;
          else if (face == 5) below_[cell] = volume;
          else if (face == 0 && side >= 0) west_side_[std::size_t(j) + std::size_t(g.ny) * std::size_t(k)] = volume;
          else if (face == 2 && side >= 0) south_side_[std::size_t(i) + std::size_t(g.nx) * std::size_t(k)] = volume;
          net_out += volume;
          exchanges |= volume != 0.0;
          if (volume < 0.0 && neighbour >= 0) ++inflows;
          if (side >= 0) ledger.boundary[side] += volume;
        });
        const double kept = (e_before[cell] - net_out) / (1.0 + drain_rate(k));
        const double drained = drain_rate(k) * kept;
        ledger.lymph += drained;
        e_after[cell] = kept;
        inflows_[cell] = exchanges || drained != 0.0 ? static_cast<unsigned char>(inflows) : quiet;
      }
  }
  book_planes(planes_.data(), g.nz, g.cell_volume(), fluid);
  // Kahn's algorithm: start from the cells fed by no neighbour (in index order), release each
  // downstream neighbour when its last feeder is done. Quiet cells (no flow, no drain) keep e and
  // u exactly and are left out.
  order_.clear();
  active_.clear();
  for (std::size_t cell = 0; cell < g.n_cells(); ++cell) {
    if (inflows_[cell] == 0) order_.push_back(cell);
    if (inflows_[cell] != quiet) active_.push_back(cell);
  }
  const std::size_t plane = g.plane_size();
  for (std::size_t head = 0; head < order_.size(); ++head) {
    const std::size_t cell = order_[head];
    const int k = int(cell / plane), j = int((cell % plane) / std::size_t(g.nx)), i = int(cell % std::size_t(g.nx));
    // The same volume as in the balance above (its negative there), so the counts match exactly
    // even where a face conductance is 0 or the product underflows.
    for_each_volume(i, j, k, cell, [&](std::ptrdiff_t neighbour, int, double volume) {
      if (neighbour >= 0 && volume > 0.0 && --inflows_[neighbour] == 0) order_.push_back(std::size_t(neighbour));
    });
  }
}

void UpwindAdvection::advect(const AdvectedSolute& solute, const double* e_before, const double* e_after,
                             double* u, MassLedger& ledger, double inflow_concentration) const {
  const Grid& g = model_.grid();
  CompensatedSum lymph;
  CompensatedSum lost[n_sides];
  const std::size_t plane = g.plane_size();
  for (const std::size_t cell : order_) {
    const int k = int(cell / plane);
    const int j = int((cell % plane) / std::size_t(g.nx));
    const int i = int(cell % std::size_t(g.nx));
    const double part = solute.partition[k];
    double amount = (solute.capacity[k] + solute.fp[k] * e_before[cell]) * u[cell];
    double outflow = 0.0;
    int open_outflows = 0;
    int out_sides[n_sides];
    double out_volumes[n_sides];
    for_each_volume(i, j, k, cell, [&](std::ptrdiff_t neighbour, int side, double volume) {
      if (volume > 0.0) {
        outflow += volume;
        if (side >= 0) {
          out_sides[open_outflows] = side;
          out_volumes[open_outflows++] = volume;
        }
      } else if (volume < 0.0) {
        // Upstream cells come first in the order, so u[neighbour] is already the new value.
        const double carried = -volume * (neighbour >= 0 ? solute.partition[neighbour / std::ptrdiff_t(plane)] * u[neighbour]
                                                         : inflow_concentration);
        amount += carried;
        if (side >= 0) lost[side].add(-carried);
      }
    });
    const double drained = drained_volume(cell, k, e_after);  // the volume prepare() booked
    const double value = amount / (solute.capacity[k] + solute.fp[k] * e_after[cell] + part * (outflow + drained));
    u[cell] = value;
    lymph.add(part * drained * value);
    for (int n = 0; n < open_outflows; ++n) lost[out_sides[n]].add(part * out_volumes[n] * value);
  }
  const double volume = g.cell_volume();
  ledger.to_lymph += lymph.value() * volume;
  for (int side = 0; side < n_sides; ++side) ledger.boundary[side] += lost[side].value() * volume;
}

int UpwindAdvection::inner_flows(std::size_t cell, Flow* flows) const {
  const Grid& g = model_.grid();
  const std::size_t plane = g.plane_size();
  const int k = int(cell / plane), j = int((cell % plane) / std::size_t(g.nx)), i = int(cell % std::size_t(g.nx));
  int n_flows = 0;
  for_each_volume(i, j, k, cell, [&](std::ptrdiff_t neighbour, int, double volume) {
    if (neighbour >= 0 && volume != 0.0) flows[n_flows++] = {std::size_t(neighbour), volume};
  });
  return n_flows;
}

}  // namespace mesosim
