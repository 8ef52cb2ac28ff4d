#include "solver/integrator.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "solver/error.hpp"

namespace mesosim {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// Largest |a - b| and largest |b| over one component, each scaled by the per-depth factor, and
/// the largest scale * b (at least 0): with the partition as the factor, sample_step's peak of b,
/// computed the same way and so bitwise the same.
void max_difference(const Grid& g, const double* a, const double* b, const std::vector<double>& scale,
                    double& max_diff, double& max_value, double& max_signed) {
  const std::size_t plane = g.plane_size();
  double diff = 0.0, value = 0.0, top = 0.0;
#pragma omp parallel for schedule(static) reduction(max : diff, value, top)
  for (int k = 0; k < g.nz; ++k) {
    const double* pa = a + std::size_t(k) * plane;
    const double* pb = b + std::size_t(k) * plane;
    double d = 0.0, v = 0.0, t = 0.0;
#pragma omp simd reduction(max : d, v, t)
    for (std::size_t n = 0; n < plane; ++n) {
      d = std::max(d, std::abs(pa[n] - pb[n]));
      v = std::max(v, std::abs(pb[n]));
      t = std::max(t, pb[n]);
    }
    diff = std::max(diff, d * scale[k]);
    value = std::max(value, v * scale[k]);
    top = std::max(top, scale[k] * t);
  }
  max_diff = diff;
  max_value = value;
  max_signed = top;
}

}  // namespace

Integrator::Integrator(const LayeredOperator& model, const IntegratorSettings& settings)
    : model_(model), settings_(settings), stepper_(make_stepper(settings.scheme, model)) {
  std::ostringstream msg;
  if (settings_.scheme == "explicit") {
    settings_.adaptive = false;
    const double limit = stepper_->max_step();
    if (!(settings_.explicit_safety > 0.0 && settings_.explicit_safety <= 1.0))
      throw InputError("explicit safety factor must be in (0, 1]");
    if (settings_.fixed_step == 0.0) settings_.fixed_step = settings_.explicit_safety * limit;
    if (settings_.fixed_step > limit * (1.0 + 1e-12)) {
      msg << "explicit scheme: time step " << settings_.fixed_step << " s is unstable; the limit for "
          << "this grid and tissue is " << limit << " s. Use a step <= " << limit
          << " s, or scheme = implicit";
      throw InputError(msg.str());
    }
    if (!std::isfinite(settings_.fixed_step))
      throw InputError("explicit scheme: nothing diffuses, so there is no stable limit; give a fixed step");
  }
  if (settings_.adaptive) {
    if (!(settings_.tolerance > 0.0 && settings_.tolerance < 1.0)) {
      msg << "tolerance " << settings_.tolerance << " must be in (0, 1), e.g. 1e-3";
      throw InputError(msg.str());
    }
    if (!(settings_.initial_step > 0.0)) throw InputError("initial step must be positive");
    if (!(settings_.max_step > 0.0)) throw InputError("maximum step must be positive (it limits adaptive steps)");
    const std::size_t n_components = std::size_t(model.n_components());
    component_next_step_.assign(n_components, std::min(settings_.initial_step, settings_.max_step));
    restart_step_ = component_next_step_;
    learning_.assign(n_components, 1);
    coarse_ = TransportState(model);
    const Grid& g = model.grid();
    backup_u_.resize(g.n_cells());
    bool any_binding = false;
    for (int c = 0; c < model.n_components(); ++c) any_binding |= model.coefficients(c).has_binding;
    if (any_binding) backup_bound_.resize(g.n_cells());
  } else if (!(settings_.fixed_step > 0.0)) {
    throw InputError("fixed-step implicit runs need a positive time step; give one or use adaptive stepping");
  }
  if (!settings_.adaptive) next_step_ = settings_.fixed_step;
}

double Integrator::error_estimate(int c, const TransportState& coarse, const TransportState& fine) {
  const Grid& g = model_.grid();
  const double richardson = 1.0 / ((1 << stepper_->order()) - 1);
  const ComponentCoefficients& co = model_.coefficients(c);
  double error = 0.0, diff = 0.0, peak = 0.0, ignored = 0.0;
  max_difference(g, coarse.u.component(c), fine.u.component(c), co.partition, diff, peak, fine_peak_);
  peak_ever_[2 * c] = std::max(peak_ever_[2 * c], peak);
  const double scale = std::max(peak, settings_.floor_fraction * peak_ever_[2 * c]);
  if (scale > 0.0) error = std::max(error, richardson * diff / scale);
  if (co.has_binding) {
    const std::vector<double> ones(g.nz, 1.0);
    max_difference(g, coarse.bound.component(c), fine.bound.component(c), ones, diff, peak, ignored);
    peak_ever_[2 * c + 1] = std::max(peak_ever_[2 * c + 1], peak);
    const double bound_scale = std::max(peak, settings_.floor_fraction * peak_ever_[2 * c + 1]);
    if (bound_scale > 0.0) error = std::max(error, richardson * diff / bound_scale);
  }
  return error / settings_.tolerance;
}

void Integrator::restart() {
  if (!settings_.adaptive) return;
  component_next_step_ = restart_step_;
  learning_.assign(learning_.size(), 1);
}

double Integrator::next_step() const {
  if (!settings_.adaptive) return next_step_;
  return *std::min_element(component_next_step_.begin(), component_next_step_.end());
}

void Integrator::accept(TransportState& state, double dt) {
  ++state.n_steps;
  ++stats_.n_accepted;
  stats_.last_step = dt;
}

bool Integrator::advance_to(TransportState& state, double t_end,
                            const std::function<void(const TransportState&)>& on_step) {
  if (t_end < state.time) {
    std::ostringstream msg;
    msg << "cannot advance backwards from t = " << state.time << " s to " << t_end << " s";
    throw SolverError(msg.str());
  }
  if (!settings_.adaptive) {
    // N equal steps of (t_end - t0) / N <= fixed_step, from an integer counter: t_n = t0 + n dt,
    // the last one exactly t_end. fixed_step = T / n gives exactly n steps despite rounding. A
    // segment interrupted by the stop flag is continued with the same t0 and N.
    const bool continuing = segment_n_done_ < segment_n_steps_ && segment_t_end_ == t_end;
    if (!continuing) {
      const double span = t_end - state.time;
      if (span == 0.0) return true;
      long n_steps = std::max(1L, long(std::ceil(span / settings_.fixed_step)));
      if (n_steps > 1 && span / settings_.fixed_step <= double(n_steps - 1) * (1.0 + 1e-12)) --n_steps;
      segment_t0_ = state.time;
      segment_t_end_ = t_end;
      segment_n_steps_ = n_steps;
      segment_n_done_ = 0;
    }
    const double t0 = segment_t0_, span = t_end - t0;
    for (long n = segment_n_done_ + 1; n <= segment_n_steps_; ++n) {
      const double t_next = n == segment_n_steps_ ? t_end : t0 + span * double(n) / double(segment_n_steps_);
      const double dt = t_next - state.time;
      stepper_->step(state, dt);
      stats_.n_stepper_calls += model_.n_components();
      stats_.n_component_steps += model_.n_components();
      stats_.smallest_step = std::min(stats_.smallest_step, dt);
      stats_.largest_step = std::max(stats_.largest_step, dt);
      state.time = t_next;
      segment_n_done_ = n;
      accept(state, dt);
      if (on_step) on_step(state);
      if (n < segment_n_steps_ && stop_requested()) return false;
    }
    return true;
  }
  if (peak_ever_.empty()) peak_ever_.assign(2 * model_.n_components(), 0.0);
  // Segments between source start/end times, so no step straddles a switch.
  while (state.time < t_end) {
    const auto next = std::upper_bound(breakpoints_.begin(), breakpoints_.end(), state.time);
    const double stop = next != breakpoints_.end() && *next < t_end ? *next : t_end;
    if (std::binary_search(source_starts_.begin(), source_starts_.end(), state.time))
      for (double& step : component_next_step_) step = std::min(step, settings_.initial_step);
    if (!advance_adaptive(state, stop, on_step)) return false;
  }
  return true;
}

IntegratorMemory Integrator::memory() const {
  IntegratorMemory memory;
  memory.next_step = next_step();
  memory.component_next_step = component_next_step_;
  memory.restart_step = restart_step_;
  memory.learning.assign(learning_.begin(), learning_.end());
  memory.stats = stats_;
  memory.peak_ever = peak_ever_;
  memory.segment_t0 = segment_t0_;
  memory.segment_t_end = segment_t_end_;
  memory.segment_n_steps = segment_n_steps_;
  memory.segment_n_done = segment_n_done_;
  return memory;
}

void Integrator::restore(const IntegratorMemory& memory) {
  if (!memory.peak_ever.empty() && memory.peak_ever.size() != std::size_t(2 * model_.n_components()))
    throw InputError("integrator memory holds " + std::to_string(memory.peak_ever.size()) +
                     " peak values; this model needs " + std::to_string(2 * model_.n_components()));
  if (!memory.component_next_step.empty() &&
      memory.component_next_step.size() != std::size_t(model_.n_components()))
    throw InputError("integrator memory holds " + std::to_string(memory.component_next_step.size()) +
                     " component steps; this model needs " + std::to_string(model_.n_components()));
  if (settings_.adaptive) {
    if (memory.component_next_step.empty())
      component_next_step_.assign(std::size_t(model_.n_components()), memory.next_step);
    else
      component_next_step_ = memory.component_next_step;
    if (memory.restart_step.size() == component_next_step_.size()) restart_step_ = memory.restart_step;
    if (memory.learning.size() == component_next_step_.size()) learning_.assign(memory.learning.begin(), memory.learning.end());
  } else {
    next_step_ = memory.next_step;
  }
  stats_ = memory.stats;
  peak_ever_ = memory.peak_ever;
  segment_t0_ = memory.segment_t0;
  segment_t_end_ = memory.segment_t_end;
  segment_n_steps_ = memory.segment_n_steps;
  segment_n_done_ = memory.segment_n_done;
}

void Integrator::set_sources(const std::vector<Source>* sources) {
  stepper_->set_sources(sources);
  source_starts_.clear();
  breakpoints_.clear();
  if (!sources) return;
  for (const Source& source : *sources) {
    source_starts_.push_back(source.t_start);
    breakpoints_.push_back(source.t_start);
    breakpoints_.push_back(source.t_end);
  }
  std::sort(source_starts_.begin(), source_starts_.end());
  std::sort(breakpoints_.begin(), breakpoints_.end());
}

double Integrator::whole_step() const {
  // Largest step the whole state may take, in units of the smallest proposal: longer steps of the
  // whole state mean fewer stops (and calls of on_step) in which slow components must land.
  constexpr double max_ratio = 8.0;
  const double smallest = std::min(next_step(), settings_.max_step);
  double best = smallest, best_rate = std::numeric_limits<double>::infinity();
  for (const double proposal : component_next_step_) {
    const double candidate = std::min({proposal, settings_.max_step, max_ratio * smallest});
    double n_steps = 0.0;  // component steps to cover one candidate step
    for (const double other : component_next_step_) {
      const double own = std::min(other, settings_.max_step);
      n_steps += own >= candidate * (1.0 - 1e-9) ? 1.0 : std::ceil(candidate / own);
    }
    const double rate = n_steps / candidate;
    if (rate < best_rate) {
      best_rate = rate;
      best = candidate;
    }
  }
  return best;
}

void Integrator::advance_component(TransportState& state, int c, double t_end, double whole_dt, bool whole_clipped) {
  const Grid& g = model_.grid();
  const bool binding = model_.coefficients(c).has_binding;
  const long n = long(g.n_cells());
  // In parallel, in the steppers' static schedule (a serial copy was a quarter of a 2-thread run).
  auto copy = [n](const double* from, double* to) {
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; ++i) to[i] = from[i];
  };
  double& next = component_next_step_[std::size_t(c)];
  const double whole_t0 = state.time;
  while (state.time < t_end) {
    const double t0 = state.time, remaining = t_end - t0;
    const double own = std::min(next, settings_.max_step);
    double dt = own;
    bool clipped = false;
    if (t0 == whole_t0 && own >= whole_dt * (1.0 - 1e-9)) {
      dt = whole_dt;  // the whole step in one: exactly the step the whole state takes
      clipped = whole_clipped || own != whole_dt;
    } else if (dt >= remaining * (1.0 - 1e-9)) {
      dt = remaining;
      clipped = true;
    } else if (dt > 0.5 * remaining) {
      dt = 0.5 * remaining;  // two even steps rather than one long and one tiny
      clipped = true;
    }
    // Coarse: one step of dt from the state into coarse_, whose first pass also keeps the state's
    // values in the backup; fine: two of dt / 2 in place, undone from the backup on rejection.
    const MassLedger ledger = state.ledger[std::size_t(c)];
    coarse_.ledger[std::size_t(c)] = ledger;
    coarse_.time = t0;
    auto start = std::chrono::steady_clock::now();
    stepper_->step_component_from(state, coarse_, c, dt, backup_u_.data(), binding ? backup_bound_.data() : nullptr);
    stepper_->step_component_twice(state, c, 0.5 * dt);
    stats_.n_stepper_calls += 3;
    times_.stepping += seconds_since(start);
    start = std::chrono::steady_clock::now();
    const double error = error_estimate(c, coarse_, state);
    times_.estimate += seconds_since(start);
    const double factor =
        error > 0.0 ? std::clamp(0.9 * std::pow(error, -1.0 / (stepper_->order() + 1)), 0.2, 4.0) : 4.0;
    if (error <= 1.0) {
      state.time = dt == remaining || (t0 == whole_t0 && dt == whole_dt) ? t_end : t0 + dt;
      ++stats_.n_component_steps;
      stats_.smallest_step = std::min(stats_.smallest_step, dt);
      stats_.largest_step = std::max(stats_.largest_step, dt);
      next = clipped ? std::max(next, dt * factor) : dt * factor;
      if (component_hook_) next = std::min(next, std::max(0.25 * dt, component_hook_(state, c, fine_peak_)));
      if (learning_[std::size_t(c)] && error > 0.0) {
        // The step this error says would have met the tolerance, without the usual growth limit
        // (an error of 0, nothing to move yet, says nothing: the next step is asked).
        const double unlimited = 0.9 * std::pow(error, -1.0 / (stepper_->order() + 1));
        restart_step_[std::size_t(c)] =
            std::min(std::max(settings_.initial_step, dt * std::min(unlimited, 16.0)), settings_.max_step);
        learning_[std::size_t(c)] = 0;
      }
    } else {
      start = std::chrono::steady_clock::now();
      copy(backup_u_.data(), state.u.component(c));
      if (binding) copy(backup_bound_.data(), state.bound.component(c));
      times_.copying += seconds_since(start);
      state.ledger[std::size_t(c)] = ledger;
      state.time = t0;
      ++stats_.n_rejected;
      next = dt * factor;
      if (next < settings_.min_step) {
        std::ostringstream msg;
        msg << "adaptive stepping failed at t = " << t0 << " s: the step of component '"
            << model_.component_name(c) << "' fell below " << settings_.min_step << " s (error estimate "
            << error << " x tolerance)";
        throw SolverError(msg.str());
      }
    }
  }
}

bool Integrator::advance_adaptive(TransportState& state, double t_end,
                                  const std::function<void(const TransportState&)>& on_step) {
  while (state.time < t_end) {
    const double t0 = state.time, remaining = t_end - t0;
    double dt = whole_step();
    bool clipped = false, lands = false;
    if (dt >= remaining * (1.0 - 1e-9)) {
      dt = remaining;
      clipped = lands = true;
    } else if (dt > 0.5 * remaining) {
      dt = 0.5 * remaining;  // two even steps rather than one long and one tiny
      clipped = true;
    }
    const double t_next = lands ? t_end : t0 + dt;
    for (int c = 0; c < model_.n_components(); ++c) {
      state.time = t0;
      advance_component(state, c, t_next, dt, clipped);
    }
    state.time = t_next;
    accept(state, dt);
    if (on_step) on_step(state);
    if (state.time < t_end && stop_requested()) return false;
  }
  return true;
}

}  // namespace mesosim
