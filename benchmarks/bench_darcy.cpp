// One 0.05 mL injection at 0.01 mL/s (5 s) of a small molecule at 10 mg/mL, 1 mm deep in the middle
// of 20 x 20 x 6 mm of four-layer skin (sink sides and bottom; S = 1e-4 1/Pa, K = 1.4e-11
// m^2/(Pa s), fluid half-life 18 min in every layer), followed for HOURS, two ways:
//   darcy  the coupled reservoir (DarcyReservoir): the fluid carries the cocktail out; coupled
//          steps until the fluid comes to rest, then the plain adaptive integrator;
//   plain  the instant deposit (sphere of V / phi at the syringe concentration) and the plain
//          adaptive implicit integrator (tolerance 1e-3), as the program runs today.
// Reports steps, wall time and cost per step of each phase, and the cost of the pieces of a coupled
// step (direct pressure solve, advection) timed alone.
//   bench_darcy [THREADS] [HOURS] [CELL_UM] [MAX_EXCESS_CHANGE] [REST_EXCESS] [COMPONENTS] [EXCESS_FLOOR]
//   (benchmarks/run_darcy.sh: 1 and 2 threads at the defaults 3 h, 200 um, 0.1, 1e-4, 1 component;
//   COMPONENTS copies of the small molecule measure the cost per component)
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>

#include "benchmarks/bench_support.hpp"
#include "models/darcy_reservoir.hpp"
#include "models/deposit.hpp"

using namespace mesosim;

namespace {

using bench::Clock;
using bench::seconds_since;

/// The alternative to the direct pressure solve: Jacobi-preconditioned conjugate gradients on the
/// same 7-point system (S + tau chi) p + tau sum g (p - p_nb) = rhs, matrix-free, from p = 0 to a
/// relative residual of `tolerance`. Returns the iteration count; `p` gets the solution.
int jacobi_cg(const TransportModel& model, double tau, const std::vector<double>& rhs, double tolerance,
              std::vector<double>& p) {
  const Grid& g = model.grid();
  const ComponentCoefficients& co = model.coefficients(0);
  const Boundaries& bc = model.boundaries();
  const std::size_t n = g.n_cells(), plane = g.plane_size();
  auto side = [](BoundaryKind kind) { return kind == BoundaryKind::sink ? 2.0 : 0.0; };
  auto apply = [&](const std::vector<double>& x, std::vector<double>& y, std::vector<double>* diagonal) {
#pragma omp parallel for schedule(static)
    for (int k = 0; k < g.nz; ++k)
      for (int j = 0; j < g.ny; ++j)
        for (int i = 0; i < g.nx; ++i) {
          const std::size_t c = g.index(i, j, k);
          const double lat = tau * co.lateral[k];
          double d = co.capacity[k] + tau * co.sink_lymph[k], off = 0.0;
          auto face = [&](bool inside, std::size_t neighbour, double conductance) {
            d += conductance;
            if (inside) off += conductance * x[neighbour];
          };
          face(i > 0, c - 1, i > 0 ? lat : side(bc.x_low) * lat);
          face(i + 1 < g.nx, c + 1, i + 1 < g.nx ? lat : side(bc.x_high) * lat);
          face(j > 0, c - std::size_t(g.nx), j > 0 ? lat : side(bc.y_low) * lat);
          face(j + 1 < g.ny, c + std::size_t(g.nx), j + 1 < g.ny ? lat : side(bc.y_high) * lat);
          face(k > 0, c - plane, tau * co.vertical[k]);
          face(k + 1 < g.nz, c + plane, tau * co.vertical[k + 1]);
          y[c] = d * x[c] - off;
          if (diagonal) (*diagonal)[c] = d;
        }
  };
  auto dot = [&](const std::vector<double>& a, const std::vector<double>& b) {
    double sum = 0.0;
#pragma omp parallel for schedule(static) reduction(+ : sum)
    for (long m = 0; m < long(n); ++m) sum += a[m] * b[m];
    return sum;
  };
  std::vector<double> r = rhs, z(n), q(n), ap(n), diagonal(n);
  p.assign(n, 0.0);
  apply(p, ap, &diagonal);
  for (std::size_t m = 0; m < n; ++m) z[m] = r[m] / diagonal[m];
  q = z;
  double rz = dot(r, z);
  const double target = tolerance * std::sqrt(dot(rhs, rhs));
  int iterations = 0;
  while (std::sqrt(dot(r, r)) > target && iterations < 100000) {
    apply(q, ap, nullptr);
    const double step = rz / dot(q, ap);
#pragma omp parallel for schedule(static)
    for (long m = 0; m < long(n); ++m) {
      p[m] += step * q[m];
      r[m] -= step * ap[m];
      z[m] = r[m] / diagonal[m];
    }
    const double rz_next = dot(r, z);
#pragma omp parallel for schedule(static)
    for (long m = 0; m < long(n); ++m) q[m] = z[m] + rz_next / rz * q[m];
    rz = rz_next;
    ++iterations;
  }
  return iterations;
}

constexpr double volume = 0.05e-6;     // m^3
constexpr double duration = 5.0;       // s (0.01 mL/s)
constexpr double syringe = 10.0;     // kg/m^3
constexpr double depth = 1e-3;         // m

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc > 8)
      throw InputError(
          "usage: bench_darcy [THREADS] [HOURS] [CELL_UM] [MAX_EXCESS_CHANGE] [REST_EXCESS] [COMPONENTS] [EXCESS_FLOOR]");
    const int n_components = argc > 6 ? bench::parse_int(argv[6], "COMPONENTS", 1, 16) : 1;
    const std::vector<Component> cocktail(std::size_t(n_components), bench::small_molecule());
    const std::vector<double> syringes(std::size_t(n_components), syringe);
    if (argc > 1) omp_set_num_threads(bench::parse_int(argv[1], "THREADS", 1, 1024));
    const double hours = argc > 2 ? bench::parse_positive(argv[2], "HOURS") : 3.0;
    const int cell_um = argc > 3 ? bench::parse_int(argv[3], "CELL_UM", 50, 1000) : 200;
    const double h = cell_um * 1e-6;
    const Grid grid{int(std::lround(20e-3 / h)), int(std::lround(20e-3 / h)), int(std::lround(6e-3 / h)), h, h};
    Boundaries sides;
    sides.set_x(BoundaryKind::sink);
    sides.set_y(BoundaryKind::sink);
    sides.bottom = BoundaryKind::sink;
    const Tissue tissue = bench::layered_skin(grid.depth());
    const double t_end = hours * 3600.0;
    const double x0 = 0.5 * grid.length_x(), y0 = 0.5 * grid.length_y();
    std::printf("darcy benchmark: %d x %d x %d cells of %d um, %d component(s), %d thread(s), %.2f h after a 0.05 mL "
                "injection in 5 s\n",
                grid.nx, grid.ny, grid.nz, cell_um, n_components, omp_get_max_threads(), hours);

    // --- darcy
    DarcySettings settings;
    if (argc > 4) settings.max_excess_change = bench::parse_positive(argv[4], "MAX_EXCESS_CHANGE");
    if (argc > 5) settings.rest_excess = bench::parse_positive(argv[5], "REST_EXCESS");
    if (argc > 7) settings.excess_floor = bench::parse_positive(argv[7], "EXCESS_FLOOR");
    std::printf("coupled steps: %d per injection, then max change of e %.3g of max(peak e, %.1e) per step; rest below "
                "e = %.1e\n",
                settings.steps_per_injection, settings.max_excess_change, settings.excess_floor, settings.rest_excess);
    DarcyReservoir reservoir(grid, sides, tissue, cocktail, settings);
    DarcyInjection injection;
    injection.x = x0;
    injection.y = y0;
    injection.depth = depth;
    injection.volume = volume;
    injection.start = 0.0;
    injection.duration = duration;
    injection.tip_radius = std::max(0.15e-3, 0.75 * h);
    injection.concentration = syringes;
    reservoir.add_injection(injection);
    TransportState solutes = reservoir.make_state();
    // Ledger, bleb and minimum checks after each step are timed apart and left out of the wall times.
    double worst_fluid = 0.0, worst_solute = 0.0, coupled_wall = 0.0, rest_wall = 0.0, lowest = 0.0;
    BlebFigures at_end_of_injection;
    auto last = Clock::now();
    reservoir.advance_to(solutes, t_end, [&](const TransportState& s) {
      const double step_wall = seconds_since(last);
      (reservoir.at_rest() && s.time > reservoir.stats().rest_time ? rest_wall : coupled_wall) += step_wall;
      if (s.time <= duration) at_end_of_injection = reservoir.bleb(0.1);
      worst_fluid = std::max(worst_fluid, std::abs(reservoir.fluid_ledger_residual()));
      worst_solute = std::max(worst_solute, std::abs(reservoir.ledger_residual(s, 0)));
      for (double u : s.u.raw()) lowest = std::min(lowest, u);
      last = Clock::now();
    });
    const double darcy_wall = coupled_wall + rest_wall;
    const DarcyStats& stats = reservoir.stats();
    const MassLedger& ledger = solutes.ledger[0];
    const double dose = ledger.injected;
    std::printf("darcy: %.2f s wall; %ld coupled steps (dt %.3g .. %.3g s) in "
                "%.2f s = %.1f ms/step, fluid at rest after %.0f s (released %.2e of the injected volume); %ld "
                "plain steps after in %.2f s = %.1f ms/step (%ld stepper calls, %.1f ms each)\n",
                darcy_wall, stats.n_coupled_steps, stats.smallest_step, stats.largest_step, coupled_wall,
                1e3 * coupled_wall / double(stats.n_coupled_steps), stats.rest_time,
                stats.released_volume / reservoir.fluid().ledger[0].injected, stats.n_rest_steps, rest_wall,
                stats.n_rest_steps > 0 ? 1e3 * rest_wall / double(stats.n_rest_steps) : 0.0,
                reservoir.rest_integrator().stats().n_stepper_calls,
                reservoir.rest_integrator().stats().n_stepper_calls > 0
                    ? 1e3 * rest_wall / double(reservoir.rest_integrator().stats().n_stepper_calls)
                    : 0.0);
    std::printf("  bleb at 5 s (e >= 0.1): %.2f mm across, %.2f mm thick, peak p %.1f kPa, wheal %.3f mm; worst "
                "ledger residuals fluid %.1e, solute %.1e; lowest u %.1e\n",
                1e3 * at_end_of_injection.diameter, 1e3 * at_end_of_injection.thickness,
                1e-3 * at_end_of_injection.peak_pressure, 1e3 * at_end_of_injection.peak_elevation, worst_fluid,
                worst_solute, lowest);
    std::printf("  after %.2f h: %.5f of the dose in tissue, %.5f to blood, %.5f to lymph, %.5f out of the sides\n",
                hours, reservoir.mass_in_fluid(solutes, 0) / dose, ledger.to_blood / dose, ledger.to_lymph / dose,
                (ledger.removed() - ledger.to_blood - ledger.to_lymph - ledger.degraded) / dose);

    // Pieces of a coupled step, timed alone on this grid.
    const int repeats = 5;
    PressureSolver solver(reservoir.pressure_model());
    std::vector<double> rhs(grid.n_cells(), 1e-3), p(grid.n_cells());
    solver.solve(10.0, rhs.data(), p.data());  // warm-up
    auto piece = Clock::now();
    for (int n = 0; n < repeats; ++n) solver.solve(10.0, rhs.data(), p.data());
    const double solve_ms = 1e3 * seconds_since(piece) / repeats;
    UpwindAdvection advection(reservoir.pressure_model());
    std::vector<double> e(grid.n_cells(), 0.0), e_after(grid.n_cells()), u(grid.n_cells(), 1.0);
    for (std::size_t n = 0; n < grid.n_cells(); ++n) p[n] = 1e3 / (1.0 + double(n % 9973));
    MassLedger fluid_ledger, solute_ledger;
    const ComponentCoefficients& co = reservoir.solute_model().coefficients(0);
    std::vector<double> fp(grid.nz, 1.0);
    piece = Clock::now();
    for (int n = 0; n < repeats; ++n) advection.prepare(10.0, p.data(), e.data(), e_after.data(), fluid_ledger);
    const double prepare_ms = 1e3 * seconds_since(piece) / repeats;
    piece = Clock::now();
    for (int n = 0; n < repeats; ++n)
      advection.advect({co.capacity.data(), fp.data(), co.partition.data()}, e.data(), e_after.data(), u.data(),
                       solute_ledger);
    const double advect_ms = 1e3 * seconds_since(piece) / repeats;
    std::printf("  pieces alone: direct pressure solve %.1f ms, advection prepare (fluid balance + ordering) %.1f "
                "ms, advection of one component %.1f ms\n",
                solve_ms, prepare_ms, advect_ms);
    // The same pressure system by Jacobi-preconditioned CG (residual 1e-8) for the choice of solver.
    for (const double tau : {0.25, 5.0, 60.0}) {
      std::vector<double> direct(grid.n_cells()), iterative;
      for (std::size_t n = 0; n < grid.n_cells(); ++n) rhs[n] = std::exp(-double(n % 977) / 50.0);
      const auto direct_start = Clock::now();
      solver.solve(tau, rhs.data(), direct.data());
      const double direct_ms = 1e3 * seconds_since(direct_start);
      const auto cg_start = Clock::now();
      const int iterations = jacobi_cg(reservoir.pressure_model(), tau, rhs, 1e-8, iterative);
      const double cg_ms = 1e3 * seconds_since(cg_start);
      double difference = 0.0, peak = 0.0;
      for (std::size_t n = 0; n < grid.n_cells(); ++n) {
        difference = std::max(difference, std::abs(direct[n] - iterative[n]));
        peak = std::max(peak, std::abs(direct[n]));
      }
      std::printf("  pressure step dt = %g s: direct %.1f ms; Jacobi CG to 1e-8: %d iterations, %.1f ms (%.1fx), "
                  "max difference %.1e of the peak\n",
                  tau, direct_ms, iterations, cg_ms, cg_ms / direct_ms, difference / peak);
    }

    // --- plain: instant deposit + the adaptive implicit integrator.
    const TransportModel model(grid, sides, tissue, cocktail);
    TransportState state(model);
    Injection deposit{x0, y0, depth, volume, 0.0, "bench", syringes, "instant"};
    deposit_instant(model, state, deposit);
    IntegratorSettings plain_settings;
    Integrator integrator(model, plain_settings);
    const auto plain_start = Clock::now();
    integrator.advance_to(state, t_end);
    const double plain_wall = seconds_since(plain_start);
    const IntegratorStats& plain = integrator.stats();
    const MassLedger& plain_ledger = state.ledger[0];
    std::printf("plain: %.2f s wall, %ld accepted + %ld rejected steps = %.1f ms/step (%ld stepper calls, %.1f ms "
                "each); after %.2f h %.4f of the dose in tissue, %.4f to blood, %.4f to lymph, %.4f out of the "
                "sides\n",
                plain_wall, plain.n_accepted, plain.n_rejected, 1e3 * plain_wall / double(plain.n_accepted),
                plain.n_stepper_calls, 1e3 * plain_wall / double(plain.n_stepper_calls), hours,
                mass_in_fluid(model, state, 0) / plain_ledger.injected, plain_ledger.to_blood / plain_ledger.injected,
                plain_ledger.to_lymph / plain_ledger.injected,
                (plain_ledger.removed() - plain_ledger.to_blood - plain_ledger.to_lymph - plain_ledger.degraded) /
                    plain_ledger.injected);
    std::printf("RESULT threads=%d darcy_wall_s=%.2f coupled_steps=%ld coupled_ms_per_step=%.1f rest_after_s=%.0f "
                "rest_steps=%ld rest_ms_per_call=%.1f plain_wall_s=%.2f plain_steps=%ld plain_ms_per_call=%.1f "
                "solve_ms=%.1f\n",
                omp_get_max_threads(), darcy_wall, stats.n_coupled_steps,
                1e3 * coupled_wall / double(stats.n_coupled_steps), stats.rest_time, stats.n_rest_steps,
                reservoir.rest_integrator().stats().n_stepper_calls > 0
                    ? 1e3 * rest_wall / double(reservoir.rest_integrator().stats().n_stepper_calls)
                    : 0.0,
                plain_wall, plain.n_accepted, 1e3 * plain_wall / double(plain.n_stepper_calls), solve_ms);
    return 0;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_darcy: %s\n", error.what());
    return 2;
  }
}
