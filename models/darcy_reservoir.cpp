// Driver of the coupled Darcy reservoir: line sweeps over depth planes (x, y) and y-slabs (z) in
// parallel, per-plane ledgers summed in plane order (bitwise results for a given thread count).
#include "models/darcy_reservoir.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include <omp.h>

#include "solver/compensated_sum.hpp"
#include "solver/error.hpp"
#include "solver/reaction.hpp"

namespace mesosim {

DarcyInjection darcy_injection(const Injection& injection, double rate, double tip_radius) {
  if (!(rate > 0.0)) throw InputError("injection: the flow rate must be positive");
  DarcyInjection darcy;
  darcy.x = injection.x;
  darcy.y = injection.y;
  darcy.depth = injection.depth;
  darcy.volume = injection.volume;
  darcy.start = injection.time;
  darcy.duration = injection.volume / rate;
  darcy.tip_radius = tip_radius;
  darcy.concentration = injection.concentration;
  return darcy;
}

DarcyLineCoefficients DarcyReservoir::LineSet::view(int c, std::size_t offset_cell, std::size_t offset_face,
                                                    int n) const {
  DarcyLineCoefficients line;
  line.n = n;
  line.periodic = periodic;
  line.capacity = capacity[c].data() + offset_cell;
  line.fp = fp[c].data() + offset_cell;
  line.diffusion = diffusion[c].data() + offset_face;
  return line;
}

DarcyReservoir::DarcyReservoir(const Grid& grid, const Boundaries& boundaries, const Tissue& tissue,
                               const std::vector<Component>& components, const DarcySettings& settings)
    : solutes_(grid, boundaries, tissue, components),
      pressure_(make_pressure_model(grid, boundaries, tissue)),
      settings_(settings),
      rest_(solutes_, settings.at_rest),
      fluid_(pressure_),
      pressure_solver_(pressure_),
      relaxing_(grid, 1),
      advection_(pressure_, settings.advection),
      excess_(grid, 1),
      step_start_(grid, 1),
      excess_after_(grid, 1) {
  if (settings_.steps_per_injection < 1) throw InputError("darcy reservoir: steps per injection must be >= 1");
  if (!(settings_.max_excess_change > 0.0 && settings_.max_excess_change <= 1.0))
    throw InputError("darcy reservoir: max_excess_change must be in (0, 1]");
  if (settings_.max_picard_iterations < 1) throw InputError("darcy reservoir: max_picard_iterations must be >= 1");
  if (!(settings_.max_step > 0.0)) throw InputError("darcy reservoir: max_step must be positive");
  if (!(settings_.rest_excess > 0.0)) throw InputError("darcy reservoir: rest_excess must be positive");
  if (!(settings_.excess_floor >= 0.0)) throw InputError("darcy reservoir: excess_floor must not be negative");
  const Grid& g = solutes_.grid();
  fp_.resize(components.size());
  for (int c = 0; c < solutes_.n_components(); ++c) {
    fp_[c].resize(g.nz);
    for (int k = 0; k < g.nz; ++k) {
      const SoluteInLayer& s = solutes_.component(c).in_layer[solutes_.layer_of_cell(k)];
      fp_[c][k] = s.available_fraction * s.partition;
    }
  }
  phi0_ = cell_average(g, tissue, [](const Layer& layer) { return layer.fluid_fraction; });
  stiffening_ = cell_average(g, tissue, [](const Layer& layer) { return layer.strain_stiffening; });
  {
    const std::vector<double> compliance = pressure_.coefficients(0).capacity;  // <S0>
    const auto beta = cell_average(g, tissue, [](const Layer& layer) { return layer.pressure_stiffening; });
    const auto fraction = cell_average(g, tissue, [](const Layer& layer) { return layer.relaxation_fraction; });
    const auto time = cell_average(g, tissue, [](const Layer& layer) { return layer.relaxation_time; });
    for (int k = 0; k < g.nz; ++k) laws_.push_back({compliance[k], beta[k], fraction[k], time[k]});
  }
  nonlinear_ = std::any_of(laws_.begin(), laws_.end(), [](const SwellingLaw& law) { return !law.linear(); });
  stiffened_ = nonlinear_ || std::any_of(stiffening_.begin(), stiffening_.end(), [](double m) { return m > 0.0; });
  if (stiffened_) {
    multigrid_ = std::make_unique<MultigridPressureSolver>(g, boundaries.x_low == BoundaryKind::periodic,
                                                          boundaries.y_low == BoundaryKind::periodic);
    advection_.set_faces(&faces_);
  }
  build_lines();
  const int n_planes = std::max(g.nz, g.ny);
  planes_.resize(std::size_t(solutes_.n_components()) * std::size_t(n_planes));
  fluid_planes_.resize(std::size_t(n_planes));
  next_step_ = 0.0;
}

void DarcyReservoir::build_lines() {
  const Grid& g = solutes_.grid();
  const Boundaries& bc = solutes_.boundaries();
  const int n_comp = solutes_.n_components();
  // Lateral lines: one coefficient line per depth plane; ends closed or sinks (half a cell).
  auto lateral = [&](LineSet& set, int n, BoundaryKind low, BoundaryKind high) {
    const std::size_t cells = std::size_t(g.nz) * std::size_t(n), faces = std::size_t(g.nz) * std::size_t(n + 1);
    set.capacity.assign(n_comp, std::vector<double>(cells));
    set.fp = set.capacity;
    set.diffusion.assign(n_comp, std::vector<double>(faces));
    set.periodic = low == BoundaryKind::periodic;
    auto fill_faces = [&](double* faces_of_line, double face) {
      // A periodic line's wrapped face is both faces[0] and faces[n].
      auto end = [&](BoundaryKind kind) {
        return kind == BoundaryKind::sink ? 2.0 * face : kind == BoundaryKind::periodic ? face : 0.0;
      };
      faces_of_line[0] = end(low);
      for (int f = 1; f < n; ++f) faces_of_line[f] = face;
      faces_of_line[n] = end(high);
    };
    for (int k = 0; k < g.nz; ++k) {
      const std::size_t oc = std::size_t(k) * std::size_t(n), of = std::size_t(k) * std::size_t(n + 1);
      for (int c = 0; c < n_comp; ++c) {
        const ComponentCoefficients& co = solutes_.coefficients(c);
        std::fill_n(set.capacity[c].begin() + long(oc), n, co.capacity[k]);
        std::fill_n(set.fp[c].begin() + long(oc), n, fp_[c][k]);
        fill_faces(set.diffusion[c].data() + of, co.lateral[k]);
      }
    }
  };
  lateral(x_lines_, g.nx, bc.x_low, bc.x_high);
  lateral(y_lines_, g.ny, bc.y_low, bc.y_high);
  // Vertical: one line with the per-depth coefficients; vertical[0] = 0 (closed top), vertical[nz]
  // the bottom sink's half-cell conductance or 0.
  for (int c = 0; c < n_comp; ++c) {
    const ComponentCoefficients& co = solutes_.coefficients(c);
    z_lines_.capacity.push_back(co.capacity);
    z_lines_.fp.push_back(fp_[c]);
    z_lines_.diffusion.push_back(co.vertical);
  }
}

void DarcyReservoir::add_injection(const DarcyInjection& injection) { schedule_injection(injection, false); }

void DarcyReservoir::resume_injection(const DarcyInjection& injection) {
  if (injection.start + injection.duration <= fluid_.time) return;  // its fluid was all given before
  schedule_injection(injection, true);
}

void DarcyReservoir::schedule_injection(const DarcyInjection& injection, bool resuming) {
  const Grid& g = solutes_.grid();
  if (injection.concentration.size() != std::size_t(solutes_.n_components()))
    throw InputError("injection: " + std::to_string(injection.concentration.size()) + " concentrations for " +
                     std::to_string(solutes_.n_components()) + " components");
  if (!(injection.volume > 0.0)) throw InputError("injection: volume must be positive");
  if (!(injection.duration > 0.0)) throw InputError("injection: duration must be positive");
  if (!(injection.tip_radius >= 0.0)) throw InputError("injection: tip radius must not be negative");
  if (injection.start < fluid_.time && !resuming)
    throw InputError("injection: it starts before the current time of the reservoir");
  for (double value : injection.concentration)
    if (!(value >= 0.0)) throw InputError("injection: concentrations must not be negative");
  if (injection.depth >= g.depth()) throw InputError("injection tip lies below the tissue block");
  Scheduled scheduled;
  scheduled.fluid = make_point_source(g, injection.x, injection.y, injection.depth, injection.tip_radius,
                                      injection.start, injection.start + injection.duration,
                                      {injection.volume / injection.duration});
  scheduled.concentration = injection.concentration;
  injections_.push_back(std::move(scheduled));
  breakpoints_.push_back(injection.start);
  breakpoints_.push_back(injection.start + injection.duration);
  std::sort(breakpoints_.begin(), breakpoints_.end());
}

bool DarcyReservoir::injection_running(double t) const {
  for (const Scheduled& s : injections_)
    if (s.fluid.t_start <= t && t < s.fluid.t_end) return true;
  return false;
}

double DarcyReservoir::next_breakpoint(double t) const {
  const auto next = std::upper_bound(breakpoints_.begin(), breakpoints_.end(), t);
  return next == breakpoints_.end() ? std::numeric_limits<double>::infinity() : *next;
}

void DarcyReservoir::inject(TransportState& solutes, double t0, double t1) {
  const Grid& g = solutes_.grid();
  double* e = excess_.raw().data();
  for (const Scheduled& s : injections_) {
    const double volume = s.fluid.amount(0, t0, t1);
    if (volume == 0.0) continue;
    fluid_.ledger[0].injected += volume;
    for (int c = 0; c < solutes_.n_components(); ++c) solutes.ledger[c].injected += volume * s.concentration[c];
    for (std::size_t n = 0; n < s.fluid.cells.size(); ++n) {
      const std::size_t cell = s.fluid.cells[n];
      const int k = int(cell / g.plane_size());
      const double added = volume * s.fluid.fractions[n] / g.cell_volume();  // fluid fraction
      const double e_old = e[cell], e_new = e_old + added;
      undo_.cells.push_back(cell);
      for (int c = 0; c < solutes_.n_components(); ++c) undo_.u.push_back(solutes.u(c, cell));
      for (int c = 0; c < solutes_.n_components(); ++c) {
        const double cap = solutes_.coefficients(c).capacity[k], fp = fp_[c][k];
        double& u = solutes.u(c, cell);
        u = ((cap + fp * e_old) * u + added * s.concentration[c]) / (cap + fp * e_new);
      }
      e[cell] = e_new;
    }
  }
}

void DarcyReservoir::diffuse_lines(TransportState& solutes, double dt, const LineSet& lines, int n, int n_lines,
                                   std::ptrdiff_t stride, std::size_t first_cell, std::ptrdiff_t line_step, int k,
                                   int plane_index, int start_side, int end_side) {
  // One family of parallel lines of one plane (x or y lines of depth plane k, or the z lines of
  // one y-slab: then k < 0 and phi0 varies along the line).
  const int n_comp = solutes_.n_components();
  const std::size_t n_planes = fluid_planes_.size();
  const double* e = excess_.raw().data();
  ThreadScratch& s = scratch_[omp_get_thread_num()];
  for (int c = 0; c < n_comp; ++c) planes_[c * n_planes + plane_index] = PlaneLedger{};
  for (int line_index = 0; line_index < n_lines; ++line_index) {
    const std::size_t start = first_cell + std::size_t(line_index * line_step);
    for (int m = 0; m < n; ++m) {
      s.e_line[m] = e[start + m * stride];
      s.cell_scale[m] = 1.0 + s.e_line[m] / phi0_[k >= 0 ? k : m];  // (phi0 + e) / phi0
    }
    excess_face_scale(n, lines.periodic, s.cell_scale.data(), s.face_scale.data());
    for (int c = 0; c < n_comp; ++c) {
      const std::size_t offset_cell = k >= 0 ? std::size_t(k) * n : 0, offset_face = k >= 0 ? std::size_t(k) * (n + 1) : 0;
      const DarcyLineOutflow out = diffusion_line(lines.view(c, offset_cell, offset_face, n), dt, s.e_line.data(),
                                                  s.face_scale.data(), 0.0, 0.0, solutes.u.component(c) + start,
                                                  stride, s.work.data());
      PlaneLedger& ledger = planes_[c * n_planes + plane_index];
      if (start_side >= 0) ledger.boundary[start_side] += out.start;
      ledger.boundary[end_side] += out.end;
    }
  }
}

void DarcyReservoir::diffuse(TransportState& solutes, double dt) {
  const Grid& g = solutes_.grid();
  const int n_comp = solutes_.n_components();
  const std::size_t n_planes = fluid_planes_.size();
  const std::ptrdiff_t nx = g.nx, plane = std::ptrdiff_t(g.plane_size());
  // x lines (contiguous) and y lines (stride nx) plane by plane, then z lines (stride nx ny) by y-slab.
#pragma omp parallel for schedule(static)
  for (int k = 0; k < g.nz; ++k)
    diffuse_lines(solutes, dt, x_lines_, g.nx, g.ny, 1, g.index(0, 0, k), nx, k, k, x_low, x_high);
  for (int c = 0; c < n_comp; ++c) book_planes(planes_.data() + c * n_planes, g.nz, g.cell_volume(), solutes.ledger[c]);
#pragma omp parallel for schedule(static)
  for (int k = 0; k < g.nz; ++k)
    diffuse_lines(solutes, dt, y_lines_, g.ny, g.nx, nx, g.index(0, 0, k), 1, k, k, y_low, y_high);
  for (int c = 0; c < n_comp; ++c) book_planes(planes_.data() + c * n_planes, g.nz, g.cell_volume(), solutes.ledger[c]);
#pragma omp parallel for schedule(static)
  for (int j = 0; j < g.ny; ++j)
    diffuse_lines(solutes, dt, z_lines_, g.nz, g.nx, plane, g.index(0, j, 0), 1, -1, j, -1, bottom);  // top closed
  for (int c = 0; c < n_comp; ++c) book_planes(planes_.data() + c * n_planes, g.ny, g.cell_volume(), solutes.ledger[c]);
}

void DarcyReservoir::react(TransportState& solutes, double dt, double& change, double& peak) {
  const Grid& g = solutes_.grid();
  const int n_comp = solutes_.n_components();
  const std::size_t plane = g.plane_size(), n_planes = fluid_planes_.size();
  const double* e = excess_.raw().data();
  const double* e_start = step_start_.raw().data();
  double largest_change = 0.0, largest_e = 0.0;
#pragma omp parallel for schedule(static) reduction(max : largest_change, largest_e)
  for (int k = 0; k < g.nz; ++k) {
    const double* e_plane = e + std::size_t(k) * plane;
    const double* e0_plane = e_start + std::size_t(k) * plane;
    for (int c = 0; c < n_comp; ++c) {
      const ComponentCoefficients& co = solutes_.coefficients(c);
      PlaneLedger& ledger = planes_[c * n_planes + k];
      ledger = PlaneLedger{};
      if (!(co.sink_blood[k] > 0 || co.sink_lymph[k] > 0 || co.sink_degradation[k] > 0 || co.bind_on[k] > 0 ||
            co.k_off[k] > 0 || co.k_cell[k] > 0))
        continue;
      const double cap = co.capacity[k], fp = fp_[c][k];
      double* u = solutes.u.component(c) + std::size_t(k) * plane;
      double* b = co.has_binding ? solutes.bound.component(c) + std::size_t(k) * plane : nullptr;
      // The exact reaction map in amount variables (A = alpha u, b): alpha = 1, rates per second.
      const ReactionMap map = make_reaction_map(1.0, co.sink_blood[k] / cap, co.sink_lymph[k] / cap,
                                                co.sink_degradation[k] / cap, co.bind_on[k] / cap, co.k_off[k],
                                                co.k_cell[k], dt);
      for (std::size_t n = 0; n < plane; ++n) {
        const double alpha = cap + fp * e_plane[n];
        const double mobile = alpha * u[n], bound = b ? b[n] : 0.0;
        ledger.blood += map.blood_u * mobile + map.blood_b * bound;
        ledger.lymph += map.lymph_u * mobile + map.lymph_b * bound;
        ledger.degraded += map.degraded_u * mobile + map.degraded_b * bound;
        u[n] = (map.uu * mobile + map.ub * bound) / alpha;
        if (b) b[n] = map.bu * mobile + map.bb * bound;
      }
    }
    double plane_change = 0.0, plane_peak = 0.0;
    for (std::size_t n = 0; n < plane; ++n) {
      plane_change = std::max(plane_change, std::abs(e_plane[n] - e0_plane[n]));
      plane_peak = std::max(plane_peak, std::abs(e_plane[n]));
    }
    largest_change = std::max(largest_change, plane_change);
    largest_e = std::max(largest_e, plane_peak);
  }
  for (int c = 0; c < n_comp; ++c)
    book_planes(planes_.data() + c * n_planes, g.nz, g.cell_volume(), solutes.ledger[c]);
  change = largest_change;
  peak = largest_e;
}

void DarcyReservoir::release_fluid(TransportState& solutes) {
  const Grid& g = solutes_.grid();
  const int n_comp = solutes_.n_components();
  const std::size_t plane = g.plane_size(), n_planes = fluid_planes_.size();
  double* e = excess_.raw().data();
  double* p = fluid_.u.component(0);
#pragma omp parallel for schedule(static)
  for (int k = 0; k < g.nz; ++k) {
    double* e_plane = e + std::size_t(k) * plane;
    for (int c = 0; c < n_comp; ++c) {
      const ComponentCoefficients& co = solutes_.coefficients(c);
      const double cap = co.capacity[k], fp = fp_[c][k], part = co.partition[k];
      double* u = solutes.u.component(c) + std::size_t(k) * plane;
      PlaneLedger& ledger = planes_[c * n_planes + k];
      ledger = PlaneLedger{};
      // The fluid leaves carrying c = P u: (cap + P e) u' = (cap + fP e) u.
      for (std::size_t n = 0; n < plane; ++n) {
        const double drained = e_plane[n];
        u[n] = (cap + fp * drained) * u[n] / (cap + part * drained);
        ledger.lymph += part * drained * u[n];
      }
    }
    PlaneLedger& fluid = fluid_planes_[k];
    fluid = PlaneLedger{};
    for (std::size_t n = 0; n < plane; ++n) {
      fluid.lymph += e_plane[n];
      e_plane[n] = 0.0;
      p[std::size_t(k) * plane + n] = 0.0;
      relaxing_.raw()[std::size_t(k) * plane + n] = 0.0;
    }
  }
  const double before = fluid_.ledger[0].to_lymph;
  book_planes(fluid_planes_.data(), g.nz, g.cell_volume(), fluid_.ledger[0]);
  stats_.released_volume += fluid_.ledger[0].to_lymph - before;
  for (int c = 0; c < n_comp; ++c)
    book_planes(planes_.data() + c * n_planes, g.nz, g.cell_volume(), solutes.ledger[c]);
}

bool DarcyReservoir::step(TransportState& solutes, double dt) {
  if (!(dt > 0.0)) throw SolverError("darcy step: dt must be positive");
  const Grid& g = solutes_.grid();
  const std::size_t n_threads = std::size_t(std::max(omp_get_max_threads(), 1));
  if (scratch_.size() < n_threads) {
    const std::size_t size = std::size_t(std::max({g.nx, g.ny, g.nz})) + 1;
    scratch_.resize(n_threads);
    for (ThreadScratch& s : scratch_) {
      s.e_line.resize(size);
      s.cell_scale.resize(size);
      s.face_scale.resize(size + 1);
      s.work.resize(4 * size);
    }
  }
  // Until the fluid moves (advection), the step changes only the tip cells, the ledgers, the
  // counters and p: kept in undo_, so a stop raised before then abandons the step at once.
  undo_.at_rest = at_rest_;
  undo_.cells.clear();
  undo_.u.clear();
  undo_.solute_ledgers = solutes.ledger;
  undo_.fluid_ledger = fluid_.ledger[0];
  undo_.stats = stats_;
  double* p = fluid_.u.component(0);
  undo_.pressure.resize(g.n_cells());
  at_rest_ = false;
  const double t0 = solutes.time;
  {
    const double* from = excess_.raw().data();
    double* to = step_start_.raw().data();
    double* p_saved = undo_.pressure.data();
    const long n = long(g.n_cells());
#pragma omp parallel for schedule(static)
    for (long m = 0; m < n; ++m) {
      to[m] = from[m];
      p_saved[m] = p[m];
    }
  }
  inject(solutes, t0, t0 + dt);
  // Pressure of the step from the fluid now in the tissue, never below baseline.
  const auto solve_start = std::chrono::steady_clock::now();
  bool solved = true;
  if (stiffened_) solved = solve_nonlinear_pressure(dt);
  else {
    pressure_solver_.solve(dt, excess_.raw().data(), p);
    const long n = long(g.n_cells());
#pragma omp parallel for schedule(static)
    for (long m = 0; m < n; ++m) p[m] = std::max(p[m], 0.0);
  }
  const auto advection_start = std::chrono::steady_clock::now();
  stats_.pressure_seconds += std::chrono::duration<double>(advection_start - solve_start).count();
  if (!solved || stop_requested()) {
    abandon_step(solutes);
    return false;
  }
  advection_.prepare(dt, p, excess_.raw().data(), excess_after_.raw().data(), fluid_.ledger[0]);
  // The sweep in flow order is serial; the components are independent, one per thread at a time
  // (each computed exactly as on one thread, so results do not depend on the thread count).
#pragma omp parallel for schedule(dynamic, 1)
  for (int c = 0; c < solutes_.n_components(); ++c) {
    const ComponentCoefficients& co = solutes_.coefficients(c);
    const AdvectedSolute solute{co.capacity.data(), fp_[c].data(), co.partition.data()};
    advection_.advect(solute, excess_.raw().data(), excess_after_.raw().data(), solutes.u.component(c),
                      solutes.ledger[c], omp_get_thread_num());
  }
  std::swap(excess_.raw(), excess_after_.raw());
  if (nonlinear_) relax(dt);
  const auto diffusion_start = std::chrono::steady_clock::now();
  stats_.advection_seconds += std::chrono::duration<double>(diffusion_start - advection_start).count();
  diffuse(solutes, dt);
  double change = 0.0, peak = 0.0;
  react(solutes, dt, change, peak);
  stats_.diffusion_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - diffusion_start).count();
  last_change_ = change;
  last_peak_ = peak;
  solutes.time = t0 + dt;
  ++solutes.n_steps;
  fluid_.time = solutes.time;
  ++fluid_.n_steps;
  ++stats_.n_coupled_steps;
  stats_.smallest_step = std::min(stats_.smallest_step, dt);
  stats_.largest_step = std::max(stats_.largest_step, dt);
  return true;
}

void DarcyReservoir::abandon_step(TransportState& solutes) {
  const int n_components = solutes_.n_components();
  double* e = excess_.raw().data();
  const double* e_before = step_start_.raw().data();
  // In reverse order, so a cell two tips share gets its value from before the first.
  for (std::size_t n = undo_.cells.size(); n-- > 0;) {
    const std::size_t cell = undo_.cells[n];
    e[cell] = e_before[cell];
    for (int c = 0; c < n_components; ++c) solutes.u(c, cell) = undo_.u[n * std::size_t(n_components) + std::size_t(c)];
  }
  std::copy(undo_.pressure.begin(), undo_.pressure.end(), fluid_.u.component(0));
  solutes.ledger = undo_.solute_ledgers;
  fluid_.ledger[0] = undo_.fluid_ledger;
  // The counters as before; the wall times keep the abandoned attempt (they are measured).
  const DarcyStats measured = stats_;
  stats_ = undo_.stats;
  stats_.pressure_seconds = measured.pressure_seconds;
  stats_.advection_seconds = measured.advection_seconds;
  stats_.diffusion_seconds = measured.diffusion_seconds;
  at_rest_ = undo_.at_rest;
}

bool DarcyReservoir::solve_nonlinear_pressure(double dt) {
  // Backward Euler, e(p) + dt lambda e(p) - dt div(K(e) grad p) = e_injected, with e(p) of the
  // swelling law (the relaxing z of the start of the step) and K0 exp(m e) (1 + e) on the faces.
  // Modified Picard: about the last iterate p*, e(p) = e* + C* (p - p*), so each iterate solves
  //   (1 + dt lambda) C* p - dt div(K* grad p) = e_injected - (1 + dt lambda)(e* - C* p*)
  // by multigrid-CG; stop once e moves by less than picard_tolerance of its peak. Advection then
  // moves the fluid with the faces and p of the last solve, so the fluid balance is exact whether
  // or not the iteration has converged.
  const Grid& g = solutes_.grid();
  const ComponentCoefficients& co = pressure_.coefficients(0);
  const std::size_t plane = g.plane_size();
  double* p = fluid_.u.component(0);
  const double* e_injected = excess_.raw().data();
  const double* z = relaxing_.raw().data();
  pressure_mass_.resize(g.n_cells());
  excess_estimate_.resize(g.n_cells());
  rhs_.resize(g.n_cells());
  // The first iterate is the pressure at the end of the last step (0 at rest): from below, each
  // linearisation of the concave e(p) overshoots e, so the iterates rise to the solution, where a
  // start from the pressure of the fluid just injected would overflow next to a needle tip.
  // One pass per iterate: after a solve (solved = true) it clips p, measures how far e moved and
  // linearises about the new p for the next solve.
  auto linearise = [&](bool solved, double& change, double& peak) {
#pragma omp parallel for schedule(static) reduction(max : change, peak)
    for (int k = 0; k < g.nz; ++k) {
      const double retained = 1.0 + dt * (co.capacity[k] > 0.0 ? co.sink_lymph[k] / co.capacity[k] : 0.0);
      for (std::size_t n = std::size_t(k) * plane; n < std::size_t(k + 1) * plane; ++n) {
        const SwellingLaw::Step step = laws_[k].step(z[n], dt);
        if (solved) p[n] = std::max(p[n], -step.offset);  // never below the pressure of e = 0
        const double p_eq = std::max((p[n] + step.offset) / step.gain, 0.0);
        const double e_star = laws_[k].excess(p_eq), compliance = laws_[k].compliance_at(p_eq) / step.gain;
        if (solved) {
          change = std::max(change, std::abs(e_star - excess_estimate_[n]));
          peak = std::max(peak, e_star);
        }
        excess_estimate_[n] = e_star;
        pressure_mass_[n] = retained * compliance;
        rhs_[n] = e_injected[n] - retained * (e_star - compliance * p[n]);
      }
    }
  };
  double change = 0.0, peak = 0.0;
  linearise(false, change, peak);
  // Each solve to the forcing term of the last iterate's change; once e has settled on a looser
  // solve, one more to pressure_tolerance, so the step's p is as accurate as a tight solve's.
  double relative_change = 1.0;  // of e by the last iterate, over its peak
  bool tight = false;
  for (int picard = 0;; ++picard) {
    const bool last = picard + 1 >= settings_.max_picard_iterations;
    const double tolerance = tight || last ? settings_.pressure_tolerance
                                           : std::max(settings_.pressure_tolerance,
                                                      settings_.pressure_forcing * std::min(relative_change, 1.0));
    stiffened_faces(pressure_, stiffening_, excess_estimate_.data(), faces_, true);
    const MultigridReport report = multigrid_->solve(dt, pressure_mass_, faces_, rhs_.data(), p, tolerance);
    if (report.interrupted) return false;
    stats_.n_pressure_iterations += report.iterations;
    ++stats_.n_pressure_solves;
    change = peak = 0.0;
    linearise(true, change, peak);
    relative_change = peak > 0.0 ? change / peak : 0.0;
    if (change <= settings_.picard_tolerance * peak) {
      if (tolerance <= settings_.pressure_tolerance) break;
      tight = true;
    } else if (last) {
      ++stats_.n_unconverged_steps;
      stats_.largest_unconverged_change = std::max(stats_.largest_unconverged_change, relative_change);
      break;
    }
  }
  return true;
}

void DarcyReservoir::relax(double dt) {
  // z and p at the end of the step from the e the fluid balance gave (p = p_eq(e) - a z).
  const Grid& g = solutes_.grid();
  const std::size_t plane = g.plane_size();
  const double* e = excess_.raw().data();
  double* z = relaxing_.raw().data();
  double* p = fluid_.u.component(0);
#pragma omp parallel for schedule(static)
  for (int k = 0; k < g.nz; ++k) {
    const SwellingLaw& law = laws_[k];
    for (std::size_t n = std::size_t(k) * plane; n < std::size_t(k + 1) * plane; ++n) {
      const double p_eq = law.pressure(std::max(e[n], 0.0));
      z[n] = law.relaxed(z[n], p_eq, dt);
      p[n] = p_eq - law.relaxation_fraction * z[n];
    }
  }
}

BlebFigures DarcyReservoir::bleb(double e_bleb) const {
  return bleb_near(e_bleb, 0.0, 0.0, std::numeric_limits<double>::infinity());
}

BlebFigures DarcyReservoir::bleb_near(double e_bleb, double x, double y, double radius) const {
  return measure_swelling(solutes_.grid(), excess_.raw().data(), fluid_.u.component(0), phi0_, e_bleb, x, y, radius);
}

void DarcyReservoir::come_to_rest(TransportState& solutes) {
  release_fluid(solutes);
  stats_.rest_time = solutes.time;
  at_rest_ = true;
  rest_.restart();
}

DarcyReservoir::Memory DarcyReservoir::memory() const {
  Memory m;
  m.at_rest = at_rest_;
  m.rest = rest_.memory();
  m.stats = stats_;
  m.fluid_ledger = fluid_.ledger[0];
  m.fluid_steps = fluid_.n_steps;
  m.next_step = next_step_;
  m.segment_start = segment_start_;
  m.segment_end = segment_end_;
  m.segment_steps = segment_steps_;
  m.segment_done = segment_done_;
  if (!at_rest_) {
    m.excess = excess_.raw();
    m.pressure.assign(fluid_.u.component(0), fluid_.u.component(0) + solutes_.grid().n_cells());
    m.relaxing = relaxing_.raw();
  }
  return m;
}

void DarcyReservoir::restore(const Memory& memory, double time) {
  if (!injections_.empty()) throw SolverError("darcy reservoir: restore before adding injections");
  const std::size_t n_cells = solutes_.grid().n_cells();
  if (!memory.at_rest && (memory.excess.size() != n_cells || memory.pressure.size() != n_cells ||
                          memory.relaxing.size() != n_cells))
    throw SolverError("darcy reservoir: the fluid fields of the checkpoint do not match the grid");
  rest_.restore(memory.rest);
  stats_ = memory.stats;
  fluid_.ledger[0] = memory.fluid_ledger;
  fluid_.n_steps = memory.fluid_steps;
  fluid_.time = time;
  next_step_ = memory.next_step;
  segment_start_ = memory.segment_start;
  segment_end_ = memory.segment_end;
  segment_steps_ = memory.segment_steps;
  segment_done_ = memory.segment_done;
  at_rest_ = memory.at_rest;
  if (!at_rest_) {
    std::copy(memory.excess.begin(), memory.excess.end(), excess_.raw().begin());
    std::copy(memory.pressure.begin(), memory.pressure.end(), fluid_.u.component(0));
    std::copy(memory.relaxing.begin(), memory.relaxing.end(), relaxing_.raw().begin());
  }
}

bool DarcyReservoir::advance_to(TransportState& solutes, double t_end,
                                const std::function<void(const TransportState&)>& on_step) {
  if (t_end < solutes.time) {
    std::ostringstream msg;
    msg << "cannot advance backwards from t = " << solutes.time << " s to " << t_end << " s";
    throw SolverError(msg.str());
  }
  while (solutes.time < t_end) {
    const double t = solutes.time;
    const double stop = std::min(t_end, next_breakpoint(t));
    if (at_rest_ && !injection_running(t)) {
      const long before = rest_.stats().n_accepted;
      const bool reached = rest_.advance_to(solutes, stop, on_step);
      stats_.n_rest_steps += rest_.stats().n_accepted - before;
      fluid_.time = solutes.time;
      if (!reached) return false;
      continue;
    }
    if (injection_running(t)) {
      // Equal steps to the next start or end, from an integer counter (t_m = t + m span / n); a
      // segment cut short by a stop is continued with the same steps.
      if (!(segment_done_ < segment_steps_ && segment_end_ == stop)) {
        double target = settings_.max_step;
        for (const Scheduled& s : injections_)
          if (s.fluid.t_start <= t && t < s.fluid.t_end)
            target = std::min(target, (s.fluid.t_end - s.fluid.t_start) / settings_.steps_per_injection);
        segment_start_ = t;
        segment_end_ = stop;
        segment_steps_ = std::max(1L, long(std::ceil((stop - t) / target * (1.0 - 1e-12))));
        segment_done_ = 0;
      }
      const double span = segment_end_ - segment_start_;
      while (segment_done_ < segment_steps_) {
        const long m = ++segment_done_;
        const double t_next = m == segment_steps_ ? segment_end_ : segment_start_ + span * double(m) / double(segment_steps_);
        if (!step(solutes, t_next - solutes.time)) {  // stopped before the fluid moved: taken afresh later
          --segment_done_;
          return false;
        }
        solutes.time = fluid_.time = t_next;
        if (m == segment_steps_) next_step_ = span / double(segment_steps_);
        if (on_step) on_step(solutes);
        if (stop_requested() && solutes.time < t_end) return false;
      }
      continue;
    }
    // After the injections: the step follows the change of e, landing on `stop`.
    const double remaining = stop - t;
    double dt = std::min(next_step_ > 0.0 ? next_step_ : remaining, settings_.max_step);
    bool clipped = false;
    if (dt >= remaining * (1.0 - 1e-9)) {
      dt = remaining;
      clipped = true;
    }
    if (!step(solutes, dt)) return false;  // stopped before the fluid moved: taken afresh later
    if (clipped) solutes.time = fluid_.time = stop;
    const double scale = std::max(last_peak_, settings_.excess_floor);
    const double relative = scale > 0.0 ? last_change_ / scale : 0.0;
    const double factor = relative > 0.0 ? std::clamp(0.9 * settings_.max_excess_change / relative, 0.25, 2.0) : 2.0;
    next_step_ = clipped ? std::max(next_step_, dt * factor) : dt * factor;
    if (!injection_running(solutes.time) && last_peak_ < settings_.rest_excess) come_to_rest(solutes);
    if (on_step) on_step(solutes);
    if (stop_requested() && solutes.time < t_end) return false;
  }
  return true;
}

double DarcyReservoir::mass_in_fluid(const TransportState& solutes, int c) const {
  const Grid& g = solutes_.grid();
  const ComponentCoefficients& co = solutes_.coefficients(c);
  const double* u = solutes.u.component(c);
  const double* e = excess_.raw().data();
  CompensatedSum total;
  for (int k = 0; k < g.nz; ++k)
    for (std::size_t n = 0; n < g.plane_size(); ++n) {
      const std::size_t cell = std::size_t(k) * g.plane_size() + n;
      total.add((co.capacity[k] + fp_[c][k] * e[cell]) * u[cell]);
    }
  return total.value() * g.cell_volume();
}

double DarcyReservoir::ledger_residual(const TransportState& solutes, int c) const {
  const MassLedger& l = solutes.ledger[c];
  if (l.injected == 0.0) return 0.0;
  const double in_tissue = mass_in_fluid(solutes, c) + mesosim::mass_bound(solutes_, solutes, c);
  return (l.injected - in_tissue - l.removed()) / l.injected;
}

double DarcyReservoir::fluid_ledger_residual() const {
  const MassLedger& l = fluid_.ledger[0];
  if (l.injected == 0.0) return 0.0;
  CompensatedSum stored;
  for (double value : excess_.raw()) stored.add(value);
  return (l.injected - stored.value() * solutes_.grid().cell_volume() - l.removed()) / l.injected;
}

}  // namespace mesosim
