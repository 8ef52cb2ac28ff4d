// A 7-day single-component diffusion-clearance run: 20 x 20 x 6 mm of four-layer skin in 100 um
// cells (200 x 200 x 60), no-flux top, sinks (c = 0) on the four sides and the bottom. A small
// molecule: D = 3e-10 m^2/s everywhere; blood uptake 5e-4 1/s and lymph 2e-5 1/s in both dermis
// layers, 5e-5 and 5e-6 1/s in the hypodermis, none in the (avascular) epidermis.
// Deposit: 0.05 mL at 10 mg/mL, centred 1 mm deep under the middle of the block. The injected fluid
// fills the interstitial space, so the deposit is a sphere of tissue volume V / phi (phi = 0.30 of
// the reticular dermis at the tip; radius 3.41 mm) cut by the skin surface, holding a uniform fluid
// concentration scaled so that exactly 0.5 mg enters (entered with add_concentration).
// The implicit adaptive scheme (step doubling, tolerance 1e-3) runs the whole week. The explicit
// scheme is timed over a number of steps at its stable limit and EXTRAPOLATED to the week.
// Figure of merit: simulated days per wall second.
//   bench_7day [THREADS] [TOLERANCE] [EXPLICIT_STEPS]     (benchmarks/run_7day.sh: 1 and 2 threads)
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <numbers>

#include "benchmarks/bench_support.hpp"
#include "models/transport_model.hpp"
#include "solver/integrator.hpp"

using namespace mesosim;

namespace {

constexpr double week = 7 * 86400.0;       // s
constexpr double deposit_volume = 0.05e-6;  // m^3 (0.05 mL)
constexpr double syringe_concentration = 10.0;  // kg/m^3 (10 mg/mL)
constexpr double deposit_depth = 1e-3;      // m
constexpr double tip_fluid_fraction = 0.30;  // reticular dermis

using bench::Clock;
using bench::seconds_since;

struct Extremes {
  double lowest = 0, highest = 0;
};

/// Smallest and largest u over the field (parallel over depth planes).
Extremes extremes(const Grid& grid, const TransportState& state) {
  const double* u = state.u.component(0);
  double lowest = 1e300, highest = -1e300;
#pragma omp parallel for schedule(static) reduction(min : lowest) reduction(max : highest)
  for (int k = 0; k < grid.nz; ++k)
    for (std::size_t m = 0; m < grid.plane_size(); ++m) {
      const double value = u[std::size_t(k) * grid.plane_size() + m];
      lowest = std::min(lowest, value);
      highest = std::max(highest, value);
    }
  return {lowest, highest};
}

struct Deposit {
  double radius = 0;         ///< m
  double concentration = 0;  ///< kg/m^3 in the fluid inside the sphere
  double mass = 0;           ///< kg entered
};

/// Adds the deposit to component 0.
Deposit deposit(const TransportModel& model, TransportState& state) {
  const Grid& grid = model.grid();
  Deposit result;
  const double radius = std::cbrt(3.0 * deposit_volume / tip_fluid_fraction / (4.0 * std::numbers::pi));
  result.radius = radius;
  const double x0 = 0.5 * grid.length_x(), y0 = 0.5 * grid.length_y();
  auto inside = [&](double x, double y, double z) {
    return (x - x0) * (x - x0) + (y - y0) * (y - y0) + (z - deposit_depth) * (z - deposit_depth) <= radius * radius;
  };
  // Fluid capacity of the cells whose centres lie inside, so the dose is exactly c V.
  const std::vector<double>& capacity = model.coefficients(0).capacity;
  double fluid_volume = 0.0;
  for (int k = 0; k < grid.nz; ++k)
    for (int j = 0; j < grid.ny; ++j)
      for (int i = 0; i < grid.nx; ++i)
        if (inside(grid.x_centre(i), grid.y_centre(j), grid.z_centre(k)))
          fluid_volume += capacity[k] * grid.cell_volume();
  result.concentration = syringe_concentration * deposit_volume / fluid_volume;
  result.mass = add_concentration(model, state, 0, [&](double x, double y, double z) {
    return inside(x, y, z) ? result.concentration : 0.0;
  });
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc > 4) throw InputError("usage: bench_7day [THREADS] [TOLERANCE] [EXPLICIT_STEPS]");
    if (argc > 1) omp_set_num_threads(bench::parse_int(argv[1], "THREADS", 1, 1024));
    const double tolerance = argc > 2 ? bench::parse_positive(argv[2], "TOLERANCE") : 1e-3;
    const int explicit_steps = argc > 3 ? bench::parse_int(argv[3], "EXPLICIT_STEPS", 1, 1'000'000) : 200;
    const int n_threads = omp_get_max_threads();

    const Grid grid{200, 200, 60, 100e-6, 100e-6};
    Boundaries sides;
    sides.set_x(BoundaryKind::sink);
    sides.set_y(BoundaryKind::sink);
    sides.bottom = BoundaryKind::sink;
    const TransportModel model(grid, sides, bench::layered_skin(grid.depth()), {bench::small_molecule()});
    std::printf("7-day run: %d x %d x %d cells of 100 um (20 x 20 x 6 mm), 1 component, %d thread(s)\n", grid.nx,
                grid.ny, grid.nz, n_threads);

    TransportState state(model);
    const Deposit placed = deposit(model, state);
    const double dose = placed.mass;
    std::printf("deposit: 0.05 mL at 10 mg/mL, 1 mm deep, sphere of V/phi (r = %.2f mm) cut by the surface, fluid "
                "concentration %.2f mg/mL inside: %.4f mg entered\n",
                1e3 * placed.radius, placed.concentration, dose * 1e6);

    IntegratorSettings settings;
    settings.scheme = "implicit";
    settings.adaptive = true;
    settings.tolerance = tolerance;
    Integrator integrator(model, settings);
    // After each accepted step the most negative value relative to the current maximum is kept
    // (TR-BDF2 is not positivity-preserving); the check is timed apart and left out of the wall time.
    // Also kept: the same while the maximum is still >= 1e-3 of the deposit concentration.
    double worst_ratio = 0.0, worst_time = 0.0, worst_value = 0.0, check_seconds = 0.0;
    double early_ratio = 0.0, early_time = 0.0;
    const auto start = Clock::now();
    integrator.advance_to(state, week, [&](const TransportState& s) {
      const auto check = Clock::now();
      const Extremes now = extremes(grid, s);
      if (now.highest > 0.0 && now.lowest / now.highest < worst_ratio) {
        worst_ratio = now.lowest / now.highest;
        worst_time = s.time;
        worst_value = now.lowest;
      }
      if (now.highest >= 1e-3 * placed.concentration && now.lowest / now.highest < early_ratio) {
        early_ratio = now.lowest / now.highest;
        early_time = s.time;
      }
      check_seconds += seconds_since(check);
    });
    const double implicit_wall = seconds_since(start) - check_seconds;
    const IntegratorStats& stats = integrator.stats();
    const MassLedger& ledger = state.ledger[0];
    std::printf("implicit adaptive, tolerance %.0e: %.2f s wall (+%.2f s for the minimum checks, not counted), "
                "%ld accepted + %ld rejected steps, %ld stepper calls (%.1f ms each), dt %.3g .. %.3g s, "
                "%.3f simulated days per wall second\n",
                tolerance, implicit_wall, check_seconds, stats.n_accepted, stats.n_rejected, stats.n_stepper_calls,
                1e3 * implicit_wall / double(stats.n_stepper_calls), stats.smallest_step, stats.largest_step,
                7.0 / implicit_wall);
    std::printf("  after 7 days: %.3e of the dose left, %.4f to blood, %.4f to lymph, %.2e out of the sides and "
                "bottom; ledger residual %.1e\n  most negative value / current maximum over the run: %.2e "
                "(u = %.2e kg/m^3 at t = %.0f s; 0 = never negative); while the maximum is >= 1e-3 of the deposit: "
                "%.2e (t = %.0f s)\n",
                mass_in_fluid(model, state, 0) / dose, ledger.to_blood / dose, ledger.to_lymph / dose,
                (ledger.boundary[x_low] + ledger.boundary[x_high] + ledger.boundary[y_low] + ledger.boundary[y_high] +
                 ledger.boundary[bottom]) / dose,
                ledger_residual(model, state, 0), worst_ratio, worst_value, worst_time, early_ratio, early_time);

    // The implicit stepper alone (no step doubling, copies or error estimate), for the share of the
    // adaptive run's time that is the integrator's own.
    const int bare_steps = 10;
    TransportState bare_state(model);
    deposit(model, bare_state);
    SplitImplicitStepper bare(model);
    bare.step(bare_state, 60.0);  // warm-up
    const auto bare_start = Clock::now();
    for (int n = 0; n < bare_steps; ++n) bare.step(bare_state, 60.0);
    const double bare_ms = 1e3 * seconds_since(bare_start) / bare_steps;
    const double call_ms = 1e3 * implicit_wall / double(stats.n_stepper_calls);
    std::printf("  implicit stepper alone: %.1f ms/step; adaptive run: %.1f ms per stepper call, so %.0f%% of its "
                "time is step doubling's copies and error estimates\n",
                bare_ms, call_ms, 100.0 * (1.0 - bare_ms / call_ms));

    // Explicit: a fresh deposit, steps at the stable limit, timed and extrapolated.
    TransportState explicit_state(model);
    deposit(model, explicit_state);
    ExplicitStepper stepper(model);
    const double dt = model.max_explicit_step();
    stepper.step(explicit_state, dt);  // warm-up: first touch of the second buffer
    const auto explicit_start = Clock::now();
    for (int n = 0; n < explicit_steps; ++n) stepper.step(explicit_state, dt);
    const double per_step = seconds_since(explicit_start) / explicit_steps;
    const double steps_needed = std::ceil(week / dt);
    const double explicit_wall = steps_needed * per_step;
    std::printf("explicit at its stable step %.3f s: %.3f ms/step measured over %d steps; 7 days need %.0f steps -> "
                "%.0f s (%.2f h) wall, EXTRAPOLATED; %.4f simulated days per wall second\n",
                dt, 1e3 * per_step, explicit_steps, steps_needed, explicit_wall, explicit_wall / 3600.0,
                7.0 / explicit_wall);
    const double peak_mib = bench::peak_rss_mib();
    std::printf("peak resident memory (getrusage): %.1f MiB\n", peak_mib);
    std::printf("RESULT threads=%d implicit_wall_s=%.2f accepted=%ld rejected=%ld stepper_calls=%ld "
                "days_per_wall_s=%.3f implicit_ms_per_call=%.2f implicit_bare_ms_per_step=%.2f "
                "explicit_dt_s=%.4f explicit_ms_per_step=%.3f explicit_steps_needed=%.0f "
                "explicit_wall_extrapolated_s=%.0f explicit_days_per_wall_s=%.4f peak_rss_mib=%.1f\n",
                n_threads, implicit_wall, stats.n_accepted, stats.n_rejected, stats.n_stepper_calls,
                7.0 / implicit_wall, call_ms, bare_ms, dt, 1e3 * per_step, steps_needed, explicit_wall,
                7.0 / explicit_wall, peak_mib);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_7day: %s\n", error.what());
    return 2;
  }
  return 0;
}
