#include "models/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "solver/compensated_sum.hpp"
#include "solver/error.hpp"

namespace mesosim {

std::vector<std::size_t> TargetRegion::cells(const TransportModel& model) const {
  const Grid& g = model.grid();
  std::vector<std::size_t> result;
  for (int k = 0; k < g.nz; ++k) {
    if (std::find(layers.begin(), layers.end(), model.layer_of_cell(k)) == layers.end()) continue;
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i)
        for (const auto& [x, y] : centres)
          if (std::hypot(g.x_centre(i) - x, g.y_centre(j) - y) <= radius) {
            result.push_back(g.index(i, j, k));
            break;
          }
  }
  if (result.empty())
    throw InputError("metrics: the target region holds no cell; check the target layers and the treated radius");
  return result;
}

ComponentMetrics measure(const TransportModel& model, const TransportState& state, int c,
                         const std::vector<std::size_t>& target_cells, double threshold) {
  return measure(model, state, c, target_cells, threshold,
                 mass_in_fluid(model, state, c) + mass_bound(model, state, c));
}

ComponentMetrics measure(const TransportModel& model, const TransportState& state, int c,
                         const std::vector<std::size_t>& target_cells, double threshold, double mass_in_tissue) {
  const Grid& g = model.grid();
  const MassLedger& l = state.ledger[c];
  ComponentMetrics m;
  m.time = state.time;
  const double injected = l.injected > 0.0 ? l.injected : 1.0;
  m.in_tissue = mass_in_tissue / injected;
  m.to_blood = l.to_blood / injected;
  m.to_lymph = l.to_lymph / injected;
  m.degraded = l.degraded / injected;
  const double boundary = l.through_sides();
  m.out_of_box = boundary / injected;
  const std::vector<double>& partition = model.coefficients(c).partition;
  double peak = 0.0;
#pragma omp parallel for schedule(static) reduction(max : peak)
  for (int k = 0; k < g.nz; ++k) {
    const double* plane = state.u.component(c) + std::size_t(k) * g.plane_size();
    const double peak_u = *std::max_element(plane, plane + g.plane_size());
    peak = std::max(peak, partition[k] * peak_u);
  }
  m.peak = peak;
  // Fixed-size chunks summed in parallel and combined in chunk order: the same result for any
  // thread count.
  constexpr std::size_t chunk = 4096;
  const std::size_t n_chunks = (target_cells.size() + chunk - 1) / chunk;
  std::vector<double> chunk_sum(n_chunks), chunk_squares(n_chunks), chunk_peak(n_chunks);
  std::vector<std::size_t> chunk_above(n_chunks);
  const std::size_t plane = g.plane_size();
#pragma omp parallel for schedule(static)
  for (std::size_t q = 0; q < n_chunks; ++q) {
    CompensatedSum sum, squares;
    double peak_here = 0.0;
    std::size_t above_here = 0;
    const std::size_t end = std::min(target_cells.size(), (q + 1) * chunk);
    for (std::size_t t = q * chunk; t < end; ++t) {
      const std::size_t cell = target_cells[t];
      const double value = partition[cell / plane] * state.u(c, cell);
      peak_here = std::max(peak_here, value);
      if (value >= threshold) ++above_here;
      sum.add(value);
      squares.add(value * value);
    }
    chunk_sum[q] = sum.value();
    chunk_squares[q] = squares.value();
    chunk_peak[q] = peak_here;
    chunk_above[q] = above_here;
  }
  CompensatedSum sum, sum_squares;
  std::size_t above = 0;
  for (std::size_t q = 0; q < n_chunks; ++q) {
    sum.add(chunk_sum[q]);
    sum_squares.add(chunk_squares[q]);
    m.peak_in_target = std::max(m.peak_in_target, chunk_peak[q]);
    above += chunk_above[q];
  }
  const double n = double(target_cells.size());
  m.coverage = double(above) / n;
  const double mean = sum.value() / n;
  const double variance = std::max(0.0, sum_squares.value() / n - mean * mean);
  m.uniformity_cv = mean > 0.0 ? std::sqrt(variance) / mean : 0.0;
  return m;
}

RunFigures summarise(const std::vector<ComponentMetrics>& series) {
  RunFigures f;
  for (std::size_t n = 0; n < series.size(); ++n) {
    const ComponentMetrics& m = series[n];
    f.max_coverage = std::max(f.max_coverage, m.coverage);
    f.peak = std::max(f.peak, m.peak);
    if (n > 0) {
      const ComponentMetrics& before = series[n - 1];
      // A target cell above threshold at either end of the interval counts the interval (coarse,
      // to the output interval; the README says so).
      const double dt = m.time - before.time;
      if (m.coverage > 0.0 || before.coverage > 0.0) f.time_above_threshold += dt;
      f.coverage_time += 0.5 * (before.coverage + m.coverage) * dt;
      const double a = before.coverage - 0.5, b = m.coverage - 0.5;  // linear between the outputs
      if (a >= 0.0 && b >= 0.0) f.time_half_covered += dt;
      else if (a >= 0.0 || b >= 0.0) f.time_half_covered += dt * std::max(a, b) / std::abs(a - b);
      // Exponential interpolation between the two outputs around the crossing (exact for a
      // single first-order clearance).
      if (f.residence_half_life < 0.0 && before.in_tissue > 0.5 && m.in_tissue <= 0.5)
        f.residence_half_life =
            m.in_tissue > 0.0
                ? before.time + (m.time - before.time) * std::log(before.in_tissue / 0.5) /
                                    std::log(before.in_tissue / m.in_tissue)
                : before.time + (m.time - before.time) * (before.in_tissue - 0.5) / before.in_tissue;
    }
  }
  if (!series.empty()) f.systemic_fraction = series.back().to_blood;
  return f;
}

namespace {
/// Time during `dt` at which the linear interpolant from `before` to `after` is >= 0.
double time_at_or_above(double before, double after, double dt) {
  if (before >= 0.0 && after >= 0.0) return dt;
  if (before < 0.0 && after < 0.0) return 0.0;
  return dt * std::max(before, after) / std::abs(before - after);
}
}  // namespace

StepSample sample_step(const TransportModel& model, const TransportState& state, int c,
                       const std::vector<std::size_t>& target_cells, double threshold) {
  const Grid& g = model.grid();
  const std::vector<double>& partition = model.coefficients(c).partition;
  const std::size_t plane = g.plane_size();
  const double* u = state.u.component(c);
  double peak = 0.0;
#pragma omp parallel for schedule(static) reduction(max : peak)
  for (int k = 0; k < g.nz; ++k) {
    const double* row = u + std::size_t(k) * plane;
    double peak_u = 0.0;
#pragma omp simd reduction(max : peak_u)
    for (std::size_t n = 0; n < plane; ++n) peak_u = std::max(peak_u, row[n]);
    peak = std::max(peak, partition[std::size_t(k)] * peak_u);
  }
  return sample_step(model, state, c, target_cells, threshold, peak);
}

StepSample sample_step(const TransportModel& model, const TransportState& state, int c,
                       const std::vector<std::size_t>& target_cells, double threshold, double peak) {
  const Grid& g = model.grid();
  const MassLedger& l = state.ledger[c];
  StepSample s;
  s.time = state.time;
  const double injected = l.injected > 0.0 ? l.injected : 1.0;
  s.in_tissue = l.injected > 0.0 ? (l.injected - l.removed()) / injected : 0.0;
  s.to_blood = l.to_blood / injected;
  const std::vector<double>& partition = model.coefficients(c).partition;
  const std::size_t plane = g.plane_size();
  const double* u = state.u.component(c);
  s.peak = peak;
  // The target cells are in plane order: the partition changes only at a new plane.
  double peak_in_target = 0.0;
  std::size_t above = 0;
#pragma omp parallel for schedule(static) reduction(max : peak_in_target) reduction(+ : above)
  for (std::size_t t = 0; t < target_cells.size(); ++t) {
    const std::size_t cell = target_cells[t];
    const double value = partition[cell / plane] * u[cell];
    peak_in_target = std::max(peak_in_target, value);
    above += value >= threshold ? 1 : 0;
  }
  s.peak_in_target = peak_in_target;
  s.coverage = target_cells.empty() ? 0.0 : double(above) / double(target_cells.size());
  return s;
}

void RunFiguresTracker::add(const StepSample& s) {
  RunFigures& f = figures_;
  f.max_coverage = std::max(f.max_coverage, s.coverage);
  f.peak = std::max(f.peak, s.peak);
  f.systemic_fraction = s.to_blood;
  longest_next_step_ = std::numeric_limits<double>::infinity();
  if (started_ && s.time > last_.time) {
    const StepSample& before = last_;
    const double dt = s.time - before.time;
    constexpr double max_log_change = 0.1, max_coverage_change = 0.05, near = 4.0;
    const double high = std::max(before.peak_in_target, s.peak_in_target);
    const double low = std::min(before.peak_in_target, s.peak_in_target);
    if (low > 0.0 && high >= threshold_ / near && low <= threshold_ * near && high > low)
      longest_next_step_ = std::min(longest_next_step_, dt * max_log_change / std::log(high / low));
    const double coverage_change = std::abs(s.coverage - before.coverage);
    if (coverage_change > 0.0) longest_next_step_ = std::min(longest_next_step_, dt * max_coverage_change / coverage_change);
    f.coverage_time += 0.5 * (before.coverage + s.coverage) * dt;
    f.time_half_covered += time_at_or_above(before.coverage - 0.5, s.coverage - 0.5, dt);
    // Some target cell at or above threshold: the target peak at or above it, crossing linearly.
    f.time_above_threshold += time_at_or_above(before.peak_in_target - threshold_, s.peak_in_target - threshold_, dt);
    if (f.residence_half_life < 0.0 && before.in_tissue > 0.5 && s.in_tissue <= 0.5)
      f.residence_half_life =
          s.in_tissue > 0.0
              ? before.time + dt * std::log(before.in_tissue / 0.5) / std::log(before.in_tissue / s.in_tissue)
              : before.time + dt * (before.in_tissue - 0.5) / before.in_tissue;
  }
  started_ = true;
  last_ = s;
}

std::vector<double> RunFiguresTracker::memory() const {
  const RunFigures& f = figures_;
  return {started_ ? 1.0 : 0.0, last_.time, last_.in_tissue, last_.to_blood, last_.coverage, last_.peak,
          last_.peak_in_target, f.residence_half_life, f.time_above_threshold, f.max_coverage, f.coverage_time,
          f.time_half_covered, f.peak, f.systemic_fraction};
}

void RunFiguresTracker::restore(const std::vector<double>& m) {
  if (m.size() != 14) throw InputError("run figures: " + std::to_string(m.size()) + " values in the checkpoint, not 14");
  started_ = m[0] != 0.0;
  last_ = StepSample{m[1], m[2], m[3], m[4], m[5], m[6]};
  figures_ = RunFigures{m[7], m[8], m[9], m[10], m[11], m[12], m[13]};
}

}  // namespace mesosim
