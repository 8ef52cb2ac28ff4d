// Reference problem R1 for the implicit scheme, kept exactly so other solvers can be compared:
// 100 x 100 x 100 cells of 20 um, no-flux walls, fixed step 0.6 s, 1000 steps; one component
// (D = 1.7e-9 m^2/s, decay 1.7e-3 1/s) or five (D = 1.7e-9, 6e-10, 4e-10, 1e-10, 2e-11 m^2/s;
// decay 1.7e-3, 1.7e-4, 8.3e-5, 1.7e-4, 1.7e-5 1/s); initial Gaussian of sigma = 60 um at the
// centre. Tissue: one layer, fluid fraction 1 (so u = c). The exact solution is the Gaussian of
// variance sigma^2 + 2 D t in each axis, reflected by the six walls (images summed over +-6
// periods), times exp(-k t); both the initial condition and the exact solution are sampled at
// cell centres. Prints wall time per step, updates per second and the relative L2 error.
//   bench_r1 N_COMPONENTS(1|5) [THREADS]      (peak memory: run under /usr/bin/time -v)
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <vector>

#include "solver/integrator.hpp"

using namespace mesosim;

namespace {

/// Gaussian of variance s2 centred at x0 on [0, L] with reflecting walls (method of images).
double reflected_1d(double x, double x0, double s2, double length) {
  double sum = 0.0;
  for (int n = -6; n <= 6; ++n)
    sum += std::exp(-std::pow(x - x0 - 2 * n * length, 2) / (2 * s2)) +
           std::exp(-std::pow(x + x0 - 2 * n * length, 2) / (2 * s2));
  return sum / std::sqrt(2 * std::numbers::pi * s2);
}

}  // namespace

int main(int argc, char** argv) {
  const int n_components = argc > 1 ? std::atoi(argv[1]) : 1;
  if (n_components != 1 && n_components != 5) {
    std::fprintf(stderr, "usage: bench_r1 1|5 [threads]\n");
    return 2;
  }
  if (argc > 2) omp_set_num_threads(std::atoi(argv[2]));
  const double diffusivity[] = {1.7e-9, 6e-10, 4e-10, 1e-10, 2e-11};
  const double decay[] = {1.7e-3, 1.7e-4, 8.3e-5, 1.7e-4, 1.7e-5};
  const Grid grid{100, 100, 100, 20e-6, 20e-6};
  const double length = grid.length_x(), centre = length / 2, sigma = 60e-6, dt = 0.6;
  const int n_steps = 1000;
  std::vector<Component> components;
  for (int c = 0; c < n_components; ++c) {
    SoluteInLayer s;
    s.diffusivity = diffusivity[c];
    s.k_degradation = decay[c];
    std::string name = "R1 component ";
    name += std::to_string(c + 1);
    components.push_back(Component{name, {s}});
  }
  const TransportModel model(grid, Boundaries{}, Tissue{{Layer{"medium", grid.depth(), 1.0}}}, components);
  TransportState state(model);
  std::vector<double> profile0(grid.nx);
  for (int i = 0; i < grid.nx; ++i) profile0[i] = reflected_1d(grid.x_centre(i), centre, sigma * sigma, length);
  for (int c = 0; c < n_components; ++c)
    for (int k = 0; k < grid.nz; ++k)
      for (int j = 0; j < grid.ny; ++j)
        for (int i = 0; i < grid.nx; ++i) state.u(c, grid.index(i, j, k)) = profile0[i] * profile0[j] * profile0[k];

  IntegratorSettings settings;
  settings.adaptive = false;
  settings.fixed_step = dt;
  Integrator integrator(model, settings);
  const auto start = std::chrono::steady_clock::now();
  integrator.advance_to(state, n_steps * dt);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf("R1, %d component(s), %d threads: %ld steps, %.2f ms/step, %.1f M cell-component updates/s\n",
              n_components, omp_get_max_threads(), state.n_steps, 1e3 * wall / n_steps,
              double(grid.n_cells()) * n_components * n_steps / wall * 1e-6);
  const double t = n_steps * dt;
  for (int c = 0; c < n_components; ++c) {
    const double s2 = sigma * sigma + 2 * diffusivity[c] * t;
    std::vector<double> profile(grid.nx);
    for (int i = 0; i < grid.nx; ++i) profile[i] = reflected_1d(grid.x_centre(i), centre, s2, length);
    const double damping = std::exp(-decay[c] * t);
    double err2 = 0.0, ref2 = 0.0;
    for (int k = 0; k < grid.nz; ++k)
      for (int j = 0; j < grid.ny; ++j)
        for (int i = 0; i < grid.nx; ++i) {
          const double exact = damping * profile[i] * profile[j] * profile[k];
          err2 += std::pow(state.u(c, grid.index(i, j, k)) - exact, 2);
          ref2 += exact * exact;
        }
    std::printf("  component %d: D = %.1e m^2/s, k = %.2e 1/s, relative L2 error %.3e, ledger residual %.1e\n", c + 1,
                diffusivity[c], decay[c], std::sqrt(err2 / ref2), ledger_residual(model, state, c));
  }
  return 0;
}
