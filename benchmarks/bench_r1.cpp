// Reference problem R1 for the implicit scheme, kept exactly so other solvers can be compared:
// 100 x 100 x 100 cells of 20 um, no-flux walls everywhere, fixed step 0.6 s, 1000 steps
// (Integrator, scheme "implicit", adaptive off); one component (D = 1.7e-9 m^2/s, decay
// 1.7e-3 1/s) or five (D = 1.7e-9, 6e-10, 4e-10, 1e-10, 2e-11 m^2/s; decay 1.7e-3, 1.7e-4,
// 8.3e-5, 1.7e-4, 1.7e-5 1/s), the decay given as k_degradation. Tissue: one uniform layer of
// fluid fraction 1, so u = c and the capacity is 1. Initial condition: a Gaussian of sigma = 60 um,
// peak 1 kg/m^3, at the centre of the box, entered with add_concentration.
// Exact solution at t = 600 s: per axis the Gaussian of variance sigma^2 + 2 D t reflected by both
// walls (image sources x0 + 2nL and -x0 + 2nL, summed until the next image is > 12 standard
// deviations away), times exp(-k t). The initial condition and the exact solution are both CELL
// AVERAGES (differences of erf), which is what a finite-volume value approximates; the error
// against cell-centre samples of the exact solution is printed too, for comparison.
// Prints per component the relative L2 error, the minimum value, the mass error; per run the wall
// time per step, cell x component updates per second and the peak resident memory.
//   bench_r1 COMPONENTS(1|5) [THREADS]        (benchmarks/run_r1.sh runs all four cases)
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <numbers>
#include <string>
#include <vector>

#include "benchmarks/bench_support.hpp"
#include "models/transport_model.hpp"
#include "solver/integrator.hpp"

using namespace mesosim;

namespace {

constexpr int n_cells_per_axis = 100;
constexpr double cell_size = 20e-6;  // m
constexpr double step = 0.6;         // s
constexpr int n_steps = 1000;
constexpr double sigma = 60e-6;      // m, initial standard deviation
constexpr double diffusivity[] = {1.7e-9, 6e-10, 4e-10, 1e-10, 2e-11};  // m^2/s
constexpr double decay[] = {1.7e-3, 1.7e-4, 8.3e-5, 1.7e-4, 1.7e-5};    // 1/s

/// Image centres of a source at x0 between no-flux walls at 0 and length: x0 + 2nL and -x0 + 2nL
/// for |n| <= n_max, n_max large enough that every omitted image is > 12 standard deviations away.
std::vector<double> image_centres(double x0, double variance, double length) {
  const int n_max = int(std::ceil((length + 12.0 * std::sqrt(variance)) / (2.0 * length))) + 1;
  std::vector<double> centres;
  for (int n = -n_max; n <= n_max; ++n) {
    centres.push_back(x0 + 2.0 * n * length);
    centres.push_back(-x0 + 2.0 * n * length);
  }
  return centres;
}

/// Per-axis factor of the exact solution for each of n cells: the unit-mass Gaussian of the given
/// variance with its images, averaged over cell [i h, (i + 1) h], or sampled at the centre.
std::vector<double> axis_profile(int n, double x0, double variance, double length, bool cell_average) {
  const std::vector<double> centres = image_centres(x0, variance, length);
  const double inv_width = 1.0 / std::sqrt(2.0 * variance);
  std::vector<double> profile(n, 0.0);
  for (int i = 0; i < n; ++i) {
    const double low = i * cell_size, high = (i + 1) * cell_size, mid = (i + 0.5) * cell_size;
    double sum = 0.0;
    for (const double centre : centres)
      sum += cell_average ? 0.5 * (std::erf((high - centre) * inv_width) - std::erf((low - centre) * inv_width))
                          : std::exp(-std::pow((mid - centre) * inv_width, 2)) * inv_width * std::numbers::inv_sqrtpi;
    profile[i] = cell_average ? sum / cell_size : sum;
  }
  return profile;
}

struct Comparison {
  double relative_l2 = 0, minimum = 0, numerical_mass = 0, exact_mass = 0;
};

/// Relative L2 distance between component c of the state and the separable exact solution
/// amplitude x p[i] p[j] p[k]; the minimum of the numerical values; both sums of values.
Comparison compare(const Grid& grid, const TransportState& state, int c, const std::vector<double>& profile,
                   double amplitude) {
  Comparison result;
  result.minimum = 1e300;
  double error2 = 0, exact2 = 0;
  for (int k = 0; k < grid.nz; ++k)
    for (int j = 0; j < grid.ny; ++j)
      for (int i = 0; i < grid.nx; ++i) {
        const double exact = amplitude * profile[i] * profile[j] * profile[k];
        const double value = state.u(c, grid.index(i, j, k));
        error2 += (value - exact) * (value - exact);
        exact2 += exact * exact;
        result.minimum = std::min(result.minimum, value);
        result.numerical_mass += value;
        result.exact_mass += exact;
      }
  result.relative_l2 = std::sqrt(error2 / exact2);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2 || argc > 3)
      throw InputError("usage: bench_r1 COMPONENTS(1|5) [THREADS]");
    const int n_components = bench::parse_int(argv[1], "COMPONENTS", 1, 5);
    if (n_components != 1 && n_components != 5) throw InputError("COMPONENTS: R1 has 1 or 5 components");
    if (argc == 3) omp_set_num_threads(bench::parse_int(argv[2], "THREADS", 1, 1024));

    const Grid grid{n_cells_per_axis, n_cells_per_axis, n_cells_per_axis, cell_size, cell_size};
    const double length = grid.length_x(), centre = 0.5 * length;
    std::vector<Component> components;
    for (int c = 0; c < n_components; ++c) {
      SoluteInLayer solute;
      solute.diffusivity = diffusivity[c];
      solute.k_degradation = decay[c];
      components.push_back(Component{"R1 component " + std::to_string(c + 1), {solute}});
    }
    Layer medium{"uniform medium", grid.depth(), 1.0};
    const TransportModel model(grid, Boundaries{}, Tissue{{medium}}, components);
    TransportState state(model);

    // Peak 1 kg/m^3: the unit-mass Gaussian times (2 pi sigma^2)^(3/2), cell-averaged per axis.
    const double variance0 = sigma * sigma;
    const double peak_to_mass = std::pow(2.0 * std::numbers::pi * variance0, 1.5);
    const std::vector<double> initial = axis_profile(grid.nx, centre, variance0, length, true);
    auto cell_of = [](double position) { return std::clamp(int(position / cell_size), 0, n_cells_per_axis - 1); };
    for (int c = 0; c < n_components; ++c)
      add_concentration(model, state, c, [&](double x, double y, double z) {
        return peak_to_mass * initial[cell_of(x)] * initial[cell_of(y)] * initial[cell_of(z)];
      });

    IntegratorSettings settings;
    settings.scheme = "implicit";
    settings.adaptive = false;
    settings.fixed_step = step;
    Integrator integrator(model, settings);
    const double t_end = n_steps * step;
    const auto start = std::chrono::steady_clock::now();
    integrator.advance_to(state, t_end);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (state.n_steps != n_steps) throw SolverError("R1: expected 1000 steps, took " + std::to_string(state.n_steps));

    const int n_threads = omp_get_max_threads();
    const double ms_per_step = 1e3 * wall / n_steps;
    const double mupd = double(grid.n_cells()) * n_components * n_steps / wall * 1e-6;
    std::printf("R1, %d component(s), %d thread(s): %ld steps of %.1f s to t = %.0f s in %.2f s wall: %.2f ms/step, "
                "%.1f M cell-component updates/s\n",
                n_components, n_threads, state.n_steps, step, state.time, wall, ms_per_step, mupd);
    std::printf("  comp  D m^2/s  k 1/s     dt/dt_expl  rel L2 (cell avg)  rel L2 (centres)  min value   "
                "mass error  ledger residual\n");
    // The explicit limit of component c alone: h^2 / (6 D) for capacity 1.
    double worst = 0.0;
    for (int c = 0; c < n_components; ++c) {
      const double variance = variance0 + 2.0 * diffusivity[c] * t_end;
      const double amplitude = peak_to_mass * std::exp(-decay[c] * t_end);
      const Comparison averaged =
          compare(grid, state, c, axis_profile(grid.nx, centre, variance, length, true), amplitude);
      const Comparison sampled =
          compare(grid, state, c, axis_profile(grid.nx, centre, variance, length, false), amplitude);
      worst = std::max(worst, averaged.relative_l2);
      std::printf("  %4d  %.1e  %.2e  %10.1f  %17.3e  %16.3e  %10.2e  %10.2e  %15.1e\n", c + 1, diffusivity[c],
                  decay[c], step / (cell_size * cell_size / (6.0 * diffusivity[c])), averaged.relative_l2,
                  sampled.relative_l2, averaged.minimum,
                  averaged.numerical_mass / averaged.exact_mass - 1.0, ledger_residual(model, state, c));
    }
    const double peak_mib = bench::peak_rss_mib();
    std::printf("  peak resident memory (getrusage): %.1f MiB\n", peak_mib);
    std::printf("RESULT components=%d threads=%d ms_per_step=%.3f mupd_per_s=%.2f worst_rel_l2=%.3e "
                "peak_rss_mib=%.1f\n",
                n_components, n_threads, ms_per_step, mupd, worst, peak_mib);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench_r1: %s\n", error.what());
    return 2;
  }
  return 0;
}
