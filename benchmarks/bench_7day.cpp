// A 7-day single-component diffusion-clearance run: the lidocaine-like component of the built-in
// case (0.05 mL instant deposit 1.5 mm deep in layered forearm skin) on a 20 x 20 x 6 mm block of
// 100 um cells (200 x 200 x 60). The implicit adaptive scheme runs the whole week; the explicit
// scheme is timed over a number of steps at its stable limit and extrapolated (said so).
//   bench_7day [THREADS] [TOLERANCE] [EXPLICIT_STEPS]
#include <omp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "app/default_case.hpp"
#include "solver/deposit.hpp"
#include "solver/integrator.hpp"

using namespace mesosim;

int main(int argc, char** argv) {
  if (argc > 1) omp_set_num_threads(std::atoi(argv[1]));
  const double tolerance = argc > 2 ? std::atof(argv[2]) : 1e-3;
  const int explicit_steps = argc > 3 ? std::atoi(argv[3]) : 200;
  Scenario setup = make_default_scenario("100 um");
  setup.components.resize(1);
  Injection injection = setup.injections.front();
  injection.concentration.resize(1);
  const TransportModel model(setup.grid, setup.boundaries, setup.tissue, setup.components);
  const double week = 7 * 86400.0;
  std::printf("7-day run: %d x %d x %d cells of 100 um, 1 component, %d threads\n", setup.grid.nx, setup.grid.ny,
              setup.grid.nz, omp_get_max_threads());

  TransportState state(model);
  deposit_instant(model, state, injection);
  IntegratorSettings settings;
  settings.tolerance = tolerance;
  Integrator integrator(model, settings);
  auto start = std::chrono::steady_clock::now();
  integrator.advance_to(state, week);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const IntegratorStats& stats = integrator.stats();
  std::printf("implicit adaptive (tolerance %.0e): %.1f s wall, %ld steps (%ld rejected, %ld step calls), "
              "dt %.3g .. %.3g s, %.3f simulated days per wall second, ledger residual %.1e\n",
              tolerance, wall, stats.n_accepted, stats.n_rejected, stats.n_stepper_calls, stats.smallest_step,
              stats.largest_step, 7.0 / wall, ledger_residual(model, state, 0));

  TransportState explicit_state(model);
  deposit_instant(model, explicit_state, injection);
  ExplicitStepper stepper(model);
  const double dt = model.max_explicit_step();
  stepper.step(explicit_state, dt);  // warm-up
  start = std::chrono::steady_clock::now();
  for (int n = 0; n < explicit_steps; ++n) stepper.step(explicit_state, dt);
  const double per_step = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / explicit_steps;
  const double needed = week / dt;
  std::printf("explicit at its stable step %.3f s: %.2f ms/step measured over %d steps; 7 days need %.3g steps "
              "-> %.0f s (%.1f h) wall, extrapolated; %.2e simulated days per wall second\n",
              dt, 1e3 * per_step, explicit_steps, needed, needed * per_step, needed * per_step / 3600, 7.0 / (needed * per_step));
  return 0;
}
