// Split implicit scheme: Strang splitting of exact reactions and TR-BDF2 diffusion sweeps along
// x, y (per depth plane, in cache) and z (per y-row slab), each a batch of tridiagonal solves.
#include <algorithm>
#include <limits>

#include <omp.h>

#include "solver/error.hpp"
#include "solver/simd.hpp"
#include "solver/time_stepper.hpp"

namespace mesosim {

namespace {

/// out[c * n_rows + r] = in[r * n_cols + c], in tiles that stay in L1.
void transpose(const double* in, int n_rows, int n_cols, double* out) {
  constexpr int tile = 16;
  for (int r0 = 0; r0 < n_rows; r0 += tile)
    for (int c0 = 0; c0 < n_cols; c0 += tile) {
      const int r1 = std::min(r0 + tile, n_rows), c1 = std::min(c0 + tile, n_cols);
      for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c) out[std::size_t(c) * n_rows + r] = in[std::size_t(r) * n_cols + c];
    }
}

/// Partial sums of the plane kernels below: four AVX-512 vectors' worth, enough independent adds
/// to hide their latency (one running sum made the reaction a chain of dependent adds).
constexpr int n_partial = 32;

/// Adds n_partial partial sums in a fixed order, the same on every instruction set.
double total(const double (&partial)[n_partial]) {
  double sum = 0.0;
  for (const double value : partial) sum += value;
  return sum;
}

/// The decay map of an unbound component on n cells: u <- uu u; returns the sum of u before.
MESOSIM_HOT_KERNEL
double decay_cells(double* u, std::size_t n, double uu) {
  double partial[n_partial] = {};
  std::size_t first = 0;
  for (; first + n_partial <= n; first += n_partial)
#pragma omp simd
    for (int p = 0; p < n_partial; ++p) {
      partial[p] += u[first + p];
      u[first + p] *= uu;
    }
  for (std::size_t m = first; m < n; ++m) {
    partial[m - first] += u[m];
    u[m] *= uu;
  }
  return total(partial);
}

/// The same map out of place, in one pass: u <- uu from, copy <- from; returns the sum of from.
/// Bitwise the values and sum decay_cells gives on a copy of `from`.
MESOSIM_HOT_KERNEL
double decay_cells_from(const double* __restrict from, double* __restrict u, double* __restrict copy,
                        std::size_t n, double uu) {
  double partial[n_partial] = {};
  std::size_t first = 0;
  for (; first + n_partial <= n; first += n_partial)
#pragma omp simd
    for (int p = 0; p < n_partial; ++p) {
      const double v = from[first + p];
      partial[p] += v;
      u[first + p] = v * uu;
      copy[first + p] = v;
    }
  for (std::size_t m = first; m < n; ++m) {
    const double v = from[m];
    partial[m - first] += v;
    u[m] = v * uu;
    copy[m] = v;
  }
  return total(partial);
}

/// The exchange map of a binding component on n cells: (u, b) <- (uu u + ub b, bu u + bb b); adds
/// the sums of u and b before to sum_u and sum_b.
MESOSIM_HOT_KERNEL
void exchange_cells(double* u, double* b, std::size_t n, double uu, double ub, double bu, double bb,
                    double& sum_u, double& sum_b) {
  double partial_u[n_partial] = {}, partial_b[n_partial] = {};
  std::size_t first = 0;
  for (; first + n_partial <= n; first += n_partial)
#pragma omp simd
    for (int p = 0; p < n_partial; ++p) {
      const double v = u[first + p], bound = b[first + p];
      partial_u[p] += v;
      partial_b[p] += bound;
      u[first + p] = uu * v + ub * bound;
      b[first + p] = bu * v + bb * bound;
    }
  for (std::size_t m = first; m < n; ++m) {
    const double v = u[m], bound = b[m];
    partial_u[m - first] += v;
    partial_b[m - first] += bound;
    u[m] = uu * v + ub * bound;
    b[m] = bu * v + bb * bound;
  }
  sum_u += total(partial_u);
  sum_b += total(partial_b);
}

/// The same map out of place, in one pass: (u, b) from (from_u, from_b), and the copies
/// (copy_u, copy_b) <- (from_u, from_b). Bitwise what exchange_cells gives on copies.
MESOSIM_HOT_KERNEL
void exchange_cells_from(const double* __restrict from_u, const double* __restrict from_b, double* __restrict u,
                         double* __restrict b, double* __restrict copy_u, double* __restrict copy_b, std::size_t n,
                         double uu, double ub, double bu, double bb, double& sum_u, double& sum_b) {
  double partial_u[n_partial] = {}, partial_b[n_partial] = {};
  std::size_t first = 0;
  for (; first + n_partial <= n; first += n_partial)
#pragma omp simd
    for (int p = 0; p < n_partial; ++p) {
      const double v = from_u[first + p], bound = from_b[first + p];
      partial_u[p] += v;
      partial_b[p] += bound;
      copy_u[first + p] = v;
      copy_b[first + p] = bound;
      u[first + p] = uu * v + ub * bound;
      b[first + p] = bu * v + bb * bound;
    }
  for (std::size_t m = first; m < n; ++m) {
    const double v = from_u[m], bound = from_b[m];
    partial_u[m - first] += v;
    partial_b[m - first] += bound;
    copy_u[m] = v;
    copy_b[m] = bound;
    u[m] = uu * v + ub * bound;
    b[m] = bu * v + bb * bound;
  }
  sum_u += total(partial_u);
  sum_b += total(partial_b);
}

}  // namespace

std::unique_ptr<TimeStepper> make_stepper(const std::string& name, const LayeredOperator& model) {
  if (name == "explicit") return std::make_unique<ExplicitStepper>(model);
  if (name == "implicit") return std::make_unique<SplitImplicitStepper>(model);
  throw InputError("unknown time-stepping scheme '" + name + "'; choose 'implicit' or 'explicit'");
}

SplitImplicitStepper::SplitImplicitStepper(const LayeredOperator& model)
    : model_(model), maps_(model.grid().nz),
      planes_(std::max(model.grid().nz, model.grid().ny)), next_planes_(model.grid().nz) {
  const Grid& g = model.grid();
  const Boundaries& bc = model.boundaries();
  const bool x_periodic = bc.x_low == BoundaryKind::periodic, y_periodic = bc.y_low == BoundaryKind::periodic;
  const bool x_low_sink = bc.x_low == BoundaryKind::sink, x_high_sink = bc.x_high == BoundaryKind::sink;
  const bool y_low_sink = bc.y_low == BoundaryKind::sink, y_high_sink = bc.y_high == BoundaryKind::sink;
  for (int c = 0; c < model.n_components(); ++c) {
    const ComponentCoefficients& co = model.coefficients(c);
    std::vector<LineOperator> xs, ys;
    for (int k = 0; k < g.nz; ++k) {
      xs.push_back(LineOperator::uniform(g.nx, co.capacity[k], co.lateral[k], x_low_sink, x_high_sink, x_periodic));
      ys.push_back(LineOperator::uniform(g.ny, co.capacity[k], co.lateral[k], y_low_sink, y_high_sink, y_periodic));
    }
    std::vector<char> same(g.nz, 0);
    for (int k = 1; k < g.nz; ++k) same[k] = co.capacity[k] == co.capacity[k - 1] && co.lateral[k] == co.lateral[k - 1];
    x_ops_.push_back(std::move(xs));
    y_ops_.push_back(std::move(ys));
    same_lateral_ops_.push_back(std::move(same));
    LineOperator z;
    z.n = g.nz;
    z.alpha = co.capacity;
    z.west.assign(co.vertical.begin(), co.vertical.end() - 1);
    z.east.assign(co.vertical.begin() + 1, co.vertical.end());
    z_ops_.push_back(std::move(z));
  }
  ensure_scratch();
}

double SplitImplicitStepper::max_step() const { return std::numeric_limits<double>::infinity(); }

void SplitImplicitStepper::ensure_scratch() {
  const Grid& g = model_.grid();
  const std::size_t n_threads = std::size_t(std::max(omp_get_max_threads(), 1));
  if (scratch_.size() >= n_threads) return;
  const std::size_t size = std::max({std::size_t(g.nx), g.plane_size(), std::size_t(g.nx) * g.nz,
                                     std::size_t(2 * line_chunk) * g.nx});
  scratch_.resize(n_threads);
  const bool x_periodic = model_.boundaries().x_low == BoundaryKind::periodic;
  for (ThreadScratch& s : scratch_) {
    s.stage.resize(size);
    if (x_periodic) s.transposed.resize(g.plane_size());  // only periodic x lines take the plane transposed
  }
}

void SplitImplicitStepper::react_plane(TransportState& state, int c, int k, const ReactionMap& map,
                                       PlaneLedger& ledger, const Origin* from) {
  const Grid& g = model_.grid();
  const std::size_t plane = g.plane_size(), offset = std::size_t(k) * plane;
  double* u = state.u.component(c) + offset;
  double sum_u = 0.0, sum_b = 0.0;
  if (model_.coefficients(c).has_binding) {
    double* b = state.bound.component(c) + offset;
    if (from)
      exchange_cells_from(from->u + offset, from->bound + offset, u, b, from->copy_u + offset, from->copy_bound + offset,
                          plane, map.uu, map.ub, map.bu, map.bb, sum_u, sum_b);
    else
      exchange_cells(u, b, plane, map.uu, map.ub, map.bu, map.bb, sum_u, sum_b);
  } else {
    sum_u = from ? decay_cells_from(from->u + offset, u, from->copy_u + offset, plane, map.uu)
                 : decay_cells(u, plane, map.uu);
  }
  ledger.blood += map.blood_u * sum_u + map.blood_b * sum_b;
  ledger.lymph += map.lymph_u * sum_u + map.lymph_b * sum_b;
  ledger.degraded += map.degraded_u * sum_u + map.degraded_b * sum_b;
}

void SplitImplicitStepper::lateral_pass(TransportState& state, int c, double tau, LateralOrder order,
                                        const Origin* from) {
  const Grid& g = model_.grid();
  const std::size_t plane = g.plane_size();
  double* u = state.u.component(c);
  const double theta = tr_bdf2_d * tau;
#pragma omp parallel for schedule(static)
  for (int k = 0; k < g.nz; ++k) {
    ThreadScratch& s = scratch_[omp_get_thread_num()];
    double* base = u + std::size_t(k) * plane;
    // Planes of one layer share their operators: factor only where they change (each thread
    // takes consecutive planes), reusing factors that are bitwise those factor() would give.
    if (!(s.factored_c == c && s.factored_theta == theta && s.factored_k == k - 1 && same_lateral_ops_[c][k])) {
      s.x_factor.factor(x_ops_[c][k], theta);
      s.y_factor.factor(y_ops_[c][k], theta);
      s.factored_c = c;
      s.factored_theta = theta;
    }
    s.factored_k = k;
    auto sweep_x = [&](PlaneLedger& ledger) {
      // x lines are contiguous, so their recurrences cannot vectorise in place: tr_bdf2_rows
      // transposes them 16 at a time (in L1); periodic lines take the whole plane transposed.
      LineOutflow out;
      if (x_ops_[c][k].periodic) {
        transpose(base, g.ny, g.nx, s.transposed.data());
        tr_bdf2_lines(s.transposed.data(), g.ny, g.ny, x_ops_[c][k], s.x_factor, tau, s.stage.data(), out);
        transpose(s.transposed.data(), g.nx, g.ny, base);
      } else {
        // Prefetches the next plane, which this thread takes next (static schedule).
        const std::ptrdiff_t next_plane = k + 1 < g.nz ? std::ptrdiff_t(plane) : 0;
        tr_bdf2_rows(base, g.nx, g.ny, x_ops_[c][k], s.x_factor, tau, s.stage.data(), out, next_plane);
      }
      ledger.boundary[x_low] += out.start;
      ledger.boundary[x_high] += out.end;
    };
    auto sweep_y = [&](PlaneLedger& ledger) {
      LineOutflow out;
      tr_bdf2_lines(base, g.nx, g.nx, y_ops_[c][k], s.y_factor, tau, s.stage.data(), out);
      ledger.boundary[y_low] += out.start;
      ledger.boundary[y_high] += out.end;
    };
    PlaneLedger& ledger = planes_[k];
    ledger = PlaneLedger{};
    if (order == LateralOrder::react_first) {
      react_plane(state, c, k, maps_[k], ledger, from);
      sweep_x(ledger);
      sweep_y(ledger);
    } else {
      sweep_y(ledger);
      sweep_x(ledger);
      react_plane(state, c, k, maps_[k], ledger);
      if (order == LateralOrder::react_last_then_first) {
        // The next step's first pass on this plane while it is in cache, booked apart.
        PlaneLedger& next = next_planes_[k];
        next = PlaneLedger{};
        react_plane(state, c, k, maps_[k], next);
        sweep_x(next);
        sweep_y(next);
      }
    }
  }
  book_planes(planes_.data(), g.nz, g.cell_volume(), state.ledger[c]);
  if (order == LateralOrder::react_last_then_first)
    book_planes(next_planes_.data(), g.nz, g.cell_volume(), state.ledger[c]);
}

void SplitImplicitStepper::vertical_pass(TransportState& state, int c, double tau) {
  const Grid& g = model_.grid();
  double* u = state.u.component(c);
  z_factor_.factor(z_ops_[c], tr_bdf2_d * tau);
#pragma omp parallel for schedule(static)
  for (int j = 0; j < g.ny; ++j) {
    ThreadScratch& s = scratch_[omp_get_thread_num()];
    LineOutflow out;
    tr_bdf2_lines(u + std::size_t(j) * g.nx, std::ptrdiff_t(g.plane_size()), g.nx, z_ops_[c], z_factor_,
                  tau, s.stage.data(), out);
    planes_[j] = PlaneLedger{};
    planes_[j].boundary[bottom] = out.end;
  }
  book_planes(planes_.data(), g.ny, g.cell_volume(), state.ledger[c]);
}

void SplitImplicitStepper::step(TransportState& state, double dt) {
  if (!(dt > 0.0)) throw SolverError("implicit step: dt must be positive");
  ensure_scratch();
  // Sources enter symmetrically, half the step's delivery at each end (second order).
  apply_sources(model_, state, state.time, state.time + 0.5 * dt);
  for (int c = 0; c < model_.n_components(); ++c) strang_component(state, c, dt);
  apply_sources(model_, state, state.time + 0.5 * dt, state.time + dt);
}

void SplitImplicitStepper::step_component(TransportState& state, int c, double dt) {
  if (!(dt > 0.0)) throw SolverError("implicit step: dt must be positive");
  ensure_scratch();
  apply_sources(model_, state, c, state.time, state.time + 0.5 * dt);
  strang_component(state, c, dt);
  apply_sources(model_, state, c, state.time + 0.5 * dt, state.time + dt);
}

void SplitImplicitStepper::step_component_from(const TransportState& from, TransportState& state, int c, double dt,
                                               double* copy_u, double* copy_bound) {
  if (!(dt > 0.0)) throw SolverError("implicit step: dt must be positive");
  const bool binding = model_.coefficients(c).has_binding;
  if (!copy_u || binding != (copy_bound != nullptr))
    throw SolverError("implicit step from a state: give a copy for u, and one for bound exactly when the component binds");
  if (delivers(c, state.time, dt)) {
    TimeStepper::step_component_from(from, state, c, dt, copy_u, copy_bound);  // sources enter before the first pass
    return;
  }
  ensure_scratch();
  const Origin origin{from.u.component(c), binding ? from.bound.component(c) : nullptr, copy_u, copy_bound};
  strang_component(state, c, dt, &origin);
}

void SplitImplicitStepper::step_component_twice(TransportState& state, int c, double dt) {
  const double t0 = state.time;
  if (delivers(c, t0, dt) || delivers(c, t0 + dt, dt)) {
    TimeStepper::step_component_twice(state, c, dt);  // sources enter between the steps
    return;
  }
  if (!(dt > 0.0)) throw SolverError("implicit step: dt must be positive");
  ensure_scratch();
  // R X Y Z Y X R, then R X Y Z Y X R: the middle Y X R R X Y is one pass over the field.
  make_maps(c, dt);
  lateral_pass(state, c, 0.5 * dt, LateralOrder::react_first);
  vertical_pass(state, c, dt);
  lateral_pass(state, c, 0.5 * dt, LateralOrder::react_last_then_first);
  vertical_pass(state, c, dt);
  lateral_pass(state, c, 0.5 * dt, LateralOrder::react_last);
}

void SplitImplicitStepper::make_maps(int c, double dt) {
  const Grid& g = model_.grid();
  const ComponentCoefficients& co = model_.coefficients(c);
  for (int k = 0; k < g.nz; ++k)
    maps_[k] = make_reaction_map(co.capacity[k], co.sink_blood[k], co.sink_lymph[k],
                                 co.sink_degradation[k], co.bind_on[k], co.k_off[k], co.k_cell[k],
                                 0.5 * dt);
}

void SplitImplicitStepper::strang_component(TransportState& state, int c, double dt, const Origin* from) {
  make_maps(c, dt);
  lateral_pass(state, c, 0.5 * dt, LateralOrder::react_first, from);
  vertical_pass(state, c, dt);
  lateral_pass(state, c, 0.5 * dt, LateralOrder::react_last);
}

}  // namespace mesosim
