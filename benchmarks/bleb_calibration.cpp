// Calibration probe of the Darcy bleb (docs/calibration.md): one intradermal injection into the
// shipped forearm preset (30 x 30 x 6 mm block, closed sides, sink bottom) followed for up to an
// hour, printing the bleb against the published targets: a Mantoux wheal 6-10 mm across right after
// 0.1 mL, excess-volume half-life ~18 min, peak pressure 10-100 kPa rising with rate, a wheal that
// grows with volume (thickness saturating beyond ~5 mm) and shrinks as it drains.
// Options as key=value (SI units): volume, rate, depth, cell, e_bleb, end; dermis hydraulics
// (applied to the epidermis and both dermis layers): S0, beta, a, tau, K0, m, half_life; the same
// with a fat_ prefix for the hypodermis (fat_S0, fat_K0, ...); the pressure iteration: picard_tolerance,
// max_picard, pressure_tolerance, pressure_forcing (a converged reference: picard_tolerance=1e-6
// max_picard=1000 pressure_tolerance=1e-11 pressure_forcing=0).
//   bleb_calibration                                  # the shipped forearm values
//   bleb_calibration volume=0.02e-6 rate=0.002e-6 cell=0.2e-3
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "benchmarks/bench_support.hpp"
#include "models/darcy_reservoir.hpp"
#include "scenarios/presets.hpp"

using namespace mesosim;
using namespace mesosim::bench;

int main(int argc, char** argv) {
  std::map<std::string, double> option{{"volume", 0.1e-6}, {"rate", 0.01e-6}, {"depth", 1e-3},
                                       {"cell", 0.2e-3},    {"e_bleb", 0.1},     {"end", 3600.0}};
  std::map<std::string, double> dermis, fat;  // overrides of the preset's dermis and hypodermis hydraulics
  DarcySettings settings;
  for (int n = 1; n < argc; ++n) {
    const std::string arg = argv[n];
    const std::size_t eq = arg.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "bleb_calibration: expected key=value, got '%s'\n", argv[n]);
      return 2;
    }
    const std::string key = arg.substr(0, eq);
    const double value = std::atof(arg.c_str() + eq + 1);
    if (option.count(key)) option[key] = value;
    else if (key == "picard_tolerance") settings.picard_tolerance = value;
    else if (key == "max_picard") settings.max_picard_iterations = int(value);
    else if (key == "pressure_tolerance") settings.pressure_tolerance = value;
    else if (key == "pressure_forcing") settings.pressure_forcing = value;
    else if (key.rfind("fat_", 0) == 0) fat[key.substr(4)] = value;
    else if (key == "S0" || key == "beta" || key == "a" || key == "tau" || key == "K0" || key == "m" ||
             key == "half_life")
      dermis[key] = value;
    else {
      std::fprintf(stderr, "bleb_calibration: unknown key '%s'\n", key.c_str());
      return 2;
    }
  }
  const double h = option["cell"], e_bleb = option["e_bleb"], volume = option["volume"];
  const Grid grid{int(std::lround(30e-3 / h)), int(std::lround(30e-3 / h)), int(std::lround(6e-3 / h)), h, h};
  Tissue tissue = tissue_preset("forearm");
  for (Layer& layer : tissue.layers) {
    if (layer.name == "muscle") continue;
    for (const auto& [key, value] : layer.name == "hypodermis" ? fat : dermis) {
      if (key == "S0") layer.storage = value;
      if (key == "beta") layer.pressure_stiffening = value;
      if (key == "a") layer.relaxation_fraction = value;
      if (key == "tau") layer.relaxation_time = value;
      if (key == "K0") layer.hydraulic_conductivity = value;
      if (key == "m") layer.strain_stiffening = value;
      if (key == "half_life") layer.bleb_half_life = value;
    }
  }
  const Layer& reticular = tissue.layers[2];
  Boundaries bc;
  bc.bottom = BoundaryKind::sink;
  DarcyReservoir reservoir(grid, bc, tissue, {component_preset("small_molecule", tissue)}, settings);
  DarcyInjection injection;
  injection.x = injection.y = grid.length_x() / 2;
  injection.depth = option["depth"];
  injection.volume = volume;
  injection.duration = volume / option["rate"];
  injection.concentration = {1.0};
  reservoir.add_injection(injection);
  TransportState solutes = reservoir.make_state();
  std::printf("%s dermis: S0 = %.3g 1/Pa, beta = %.3g, a = %.3g, tau = %.3g s, K0 = %.3g m^2/(Pa s), m = %.3g, "
              "t_half = %.0f s\n%.3g mL at %.3g mL/s (%.1f s), tip %.2f mm deep, e_bleb = %.2f, %d x %d x %d cells\n",
              reticular.name.c_str(), reticular.storage, reticular.pressure_stiffening, reticular.relaxation_fraction,
              reticular.relaxation_time, reticular.hydraulic_conductivity, reticular.strain_stiffening,
              reticular.bleb_half_life, volume * 1e6, option["rate"] * 1e6, injection.duration, injection.depth * 1e3,
              e_bleb, grid.nx, grid.ny, grid.nz);
  const auto start = Clock::now();
  double peak_pressure = 0.0, half_life = -1.0, last_t = 0.0, last_v = volume;
  auto report = [&](double t) {
    const BlebFigures bleb = reservoir.bleb(e_bleb);
    std::printf("t = %6.0f s: excess %.3f of injected, peak p %7.0f Pa, peak e %5.2f, diameter %4.1f mm, "
                "wheal %4.1f mm, thickness %4.2f mm, elevation %4.2f mm, fluid fraction <= %.3f, %ld steps, %ld solves, %.1f s wall\n",
                t, bleb.excess_volume / volume, bleb.peak_pressure, bleb.peak_excess, bleb.diameter * 1e3, bleb.wheal_diameter * 1e3,
                bleb.thickness * 1e3, bleb.peak_elevation * 1e3, bleb.max_fluid_fraction,
                reservoir.stats().n_coupled_steps, reservoir.stats().n_pressure_solves, seconds_since(start));
  };
  for (double t : {injection.duration, 60.0, 300.0, 600.0, 1080.0, 1800.0, 2700.0, 3600.0}) {
    if (t < injection.duration || t > option["end"]) continue;
    reservoir.advance_to(solutes, t, [&](const TransportState& s) {
      const BlebFigures bleb = reservoir.bleb(e_bleb);
      peak_pressure = std::max(peak_pressure, bleb.peak_pressure);
      if (half_life < 0.0 && s.time > injection.duration && bleb.excess_volume <= 0.5 * volume)
        half_life = last_t + (s.time - last_t) * (last_v - 0.5 * volume) / (last_v - bleb.excess_volume);
      last_t = s.time;
      last_v = bleb.excess_volume;
    });
    report(t);
    if (reservoir.at_rest()) break;
  }
  const DarcyStats& stats = reservoir.stats();
  const MassLedger& fluid = reservoir.fluid().ledger[0];
  std::printf("largest pressure %.0f Pa; half the excess volume gone at %.0f s; fluid drained %.3f, through open "
              "sides %.3f of injected; fluid ledger residual %.1e; %ld coupled steps, %ld pressure solves (%ld multigrid-CG "
              "iterations), %.1f s in pressure solves; %ld steps unconverged after %d solves (e moving by up to %.1f %%)\n",
              peak_pressure, half_life, fluid.to_lymph / fluid.injected, fluid.through_sides() / fluid.injected,
              reservoir.fluid_ledger_residual(), stats.n_coupled_steps, stats.n_pressure_solves, stats.n_pressure_iterations,
              stats.pressure_seconds,
              stats.n_unconverged_steps, settings.max_picard_iterations, 100.0 * stats.largest_unconverged_change);
  return 0;
}
