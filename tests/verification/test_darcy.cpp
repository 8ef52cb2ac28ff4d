// The coupled Darcy reservoir (stage 2, MODEL §2-3): injected fluid carries the cocktail. Checks,
// one piece at a time (the advection schemes alone against Ogata-Banks: test_darcy_advection): the
// upwind kernel and the diffusion sweep; the pressure sweeps against the verified stage-1 stepper
// (first order in dt); then the coupled solver, with the limited and the upwind advection: fluid
// at the tissue's own concentration keeps c uniform in layered tissue, fluid and solute ledgers
// close at every step through injection, drainage and rest, no value goes negative or above the
// syringe at a sharp front, the limited bleb edge is the sharper; mirror symmetry in homogeneous
// tissue, preferential spreading along a conductive layer, determinism.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <cmath>
#include <cstdio>
#include <string>

#include "solver/error.hpp"

#include "models/darcy_reservoir.hpp"
#include "solver/pressure_solver.hpp"
#include "solver/upwind_advection.hpp"
#include "tests/test_support.hpp"

namespace mesosim {
namespace {

/// Three layers differing in phi0, S, K and fluid half-life.
Tissue layered_tissue() {
  Layer upper{"papillary", 0.5e-3, 0.35}, middle{"reticular", 0.7e-3, 0.30}, lower{"fat", 0.6e-3, 0.15};
  upper.storage = 2e-4;
  upper.hydraulic_conductivity = 3e-11;
  upper.bleb_half_life = 600;
  middle.storage = 1e-4;
  middle.hydraulic_conductivity = 1e-11;
  middle.bleb_half_life = 1080;
  lower.storage = 5e-5;
  lower.hydraulic_conductivity = 6e-11;
  lower.bleb_half_life = 2400;
  return Tissue{{upper, middle, lower}};
}

/// 0.5 uL over 2 s at (1.1, 1.0, 0.9) mm, the middle of an 22 x 20 x 18 block of 0.1 mm cells.
DarcyInjection small_injection(std::vector<double> concentration) {
  DarcyInjection injection;
  injection.x = 1.1e-3;
  injection.y = 1.0e-3;
  injection.depth = 0.9e-3;
  injection.volume = 0.5e-9;
  injection.start = 1.0;
  injection.duration = 2.0;
  injection.concentration = std::move(concentration);
  return injection;
}

const Grid small_grid{22, 20, 18, 0.1e-3, 0.1e-3};

/// Sinks on both x sides and at the bottom; y sides and top closed.
Boundaries x_and_bottom_sinks() {
  Boundaries bc;
  bc.set_x(BoundaryKind::sink);
  bc.bottom = BoundaryKind::sink;
  return bc;
}

// ---------------------------------------------------------------- kernels

TEST(DarcyKernels, AdvectionKeepsUniformConcentrationIsExactAndNonNegative) {
  // A rough pressure field on a small block with sink sides: face volumes up to ~50 cell volumes
  // per step in every direction (Courant numbers far above 1), capacity changing with the fluid.
  const Grid grid{7, 6, 5, 1e-4, 1e-4};
  const Boundaries bc = x_and_bottom_sinks();
  const TransportModel pressure = make_pressure_model(grid, bc, layered_tissue());
  UpwindAdvection advection(pressure);
  const std::size_t n = grid.n_cells();
  std::vector<double> p(n), e(n), e_after(n);
  for (std::size_t m = 0; m < n; ++m) {
    p[m] = 2e4 * (1.0 + std::sin(1.3 * double(m)) * std::cos(0.7 * double(m * m % 17)));
    e[m] = 3.0;  // enough fluid that no cell runs dry
  }
  const double tau = 2.0;
  MassLedger fluid;
  advection.prepare(tau, p.data(), e.data(), e_after.data(), fluid);
  double largest = 0.0, fluid_before = 0.0, fluid_after = 0.0;
  for (std::size_t m = 0; m < n; ++m) {
    largest = std::max(largest, std::abs(e_after[m] - e[m]));
    fluid_before += e[m];
    fluid_after += e_after[m];
  }
  std::printf("largest |change of e| in one step: %.1f cell volumes\n", largest);
  EXPECT_GT(largest, 10.0);
  EXPECT_NEAR(fluid_before * grid.cell_volume(), fluid_after * grid.cell_volume() + fluid.removed(),
              1e-13 * fluid_before * grid.cell_volume());
  std::vector<double> capacity(grid.nz), fp(grid.nz, 1.0), part(grid.nz, 1.0);
  for (int k = 0; k < grid.nz; ++k) capacity[k] = 0.1 + 0.05 * k;
  const AdvectedSolute solute{capacity.data(), fp.data(), part.data()};
  // Uniform in, uniform out (fluid entering through open sides carries the same c).
  std::vector<double> u(n, 4.0);
  MassLedger ledger;
  advection.advect(solute, e.data(), e_after.data(), u.data(), ledger, 4.0);
  for (std::size_t m = 0; m < n; ++m) EXPECT_NEAR(u[m] / 4.0, 1.0, 1e-13) << m;
  // A spike: nothing negative, and the amount balances drained + side losses.
  std::vector<double> spike(n, 0.0);
  spike[grid.index(3, 3, 2)] = 1.0;
  MassLedger spike_ledger;
  double before = 0.0, after = 0.0;
  for (std::size_t m = 0; m < n; ++m) before += (capacity[m / grid.plane_size()] + e[m]) * spike[m];
  advection.advect(solute, e.data(), e_after.data(), spike.data(), spike_ledger);
  for (std::size_t m = 0; m < n; ++m) {
    EXPECT_GE(spike[m], 0.0);
    after += (capacity[m / grid.plane_size()] + e_after[m]) * spike[m];
  }
  EXPECT_NEAR(before * grid.cell_volume(), after * grid.cell_volume() + spike_ledger.removed(),
              1e-13 * before * grid.cell_volume());
}

TEST(DarcyKernels, DiffusionSweepIsConservativeKeepsUniformAndNonNegative) {
  const int n = 9;
  std::vector<double> capacity(n), fp(n, 1.0), diffusion(n + 1), e(n);
  for (int m = 0; m < n; ++m) {
    capacity[m] = 0.2 + 0.03 * m;
    e[m] = std::pow(std::sin(m), 2);
  }
  for (int f = 0; f <= n; ++f) diffusion[f] = 1e-2 * (1 + f % 3);
  DarcyLineCoefficients line;
  line.n = n;
  line.capacity = capacity.data();
  line.fp = fp.data();
  line.diffusion = diffusion.data();
  std::vector<double> u(n, 2.5), work(4 * n);
  diffusion_line(line, 1e3, e.data(), nullptr, 2.5, 2.5, u.data(), 1, work.data());
  for (int m = 0; m < n; ++m) EXPECT_NEAR(u[m] / 2.5, 1.0, 1e-14) << m;
  std::vector<double> spike(n, 0.0);
  spike[4] = 1.0;
  const double before = capacity[4] + e[4];
  const DarcyLineOutflow out = diffusion_line(line, 1e3, e.data(), nullptr, 0.0, 0.0, spike.data(), 1, work.data());
  double after = 0.0;
  for (int m = 0; m < n; ++m) {
    EXPECT_GE(spike[m], 0.0);
    after += (capacity[m] + e[m]) * spike[m];
  }
  EXPECT_NEAR(before, after + out.start + out.end, 1e-15);
  // A face scale multiplies the conductance: scale 2 everywhere is diffusion doubled.
  std::vector<double> cell_scale(n, 2.0), face_scale(n + 1), twice(n, 0.0), doubled(n, 0.0);
  excess_face_scale(n, false, cell_scale.data(), face_scale.data());
  twice[2] = doubled[2] = 1.0;
  diffusion_line(line, 1e3, e.data(), face_scale.data(), 0.0, 0.0, twice.data(), 1, work.data());
  std::vector<double> double_diffusion(diffusion);
  for (double& d : double_diffusion) d *= 2.0;
  DarcyLineCoefficients doubled_line = line;
  doubled_line.diffusion = double_diffusion.data();
  diffusion_line(doubled_line, 1e3, e.data(), nullptr, 0.0, 0.0, doubled.data(), 1, work.data());
  for (int m = 0; m < n; ++m) EXPECT_NEAR(twice[m], doubled[m], 1e-15) << m;
  // Harmonic mean of the cells at a face: 1 and 3 give 1.5.
  cell_scale[3] = 1.0;
  cell_scale[4] = 3.0;
  excess_face_scale(n, false, cell_scale.data(), face_scale.data());
  EXPECT_DOUBLE_EQ(face_scale[4], 1.5);
  EXPECT_DOUBLE_EQ(face_scale[0], 2.0);
  // Periodic: the wrapped face is diffusion[0] = diffusion[n]; uniform stays, the amount stays.
  line.periodic = true;
  diffusion[n] = diffusion[0];
  std::vector<double> wrapped(n, 2.5);
  const DarcyLineOutflow none = diffusion_line(line, 1e3, e.data(), nullptr, 0.0, 0.0, wrapped.data(), 1, work.data());
  for (int m = 0; m < n; ++m) EXPECT_NEAR(wrapped[m] / 2.5, 1.0, 1e-14) << m;
  EXPECT_EQ(none.start + none.end, 0.0);
  std::fill(wrapped.begin(), wrapped.end(), 0.0);
  wrapped[0] = 1.0;  // next to the wrapped face
  diffusion_line(line, 1e3, e.data(), nullptr, 0.0, 0.0, wrapped.data(), 1, work.data());
  double total = 0.0;
  for (int m = 0; m < n; ++m) total += (capacity[m] + e[m]) * wrapped[m];
  EXPECT_NEAR(total, capacity[0] + e[0], 1e-14);
  EXPECT_GT(wrapped[n - 1], wrapped[n / 2]);  // it crossed the wrapped face
}

// ---------------------------------------------------------------- pressure

TEST(DarcyPressure, DirectSolveSatisfiesTheSevenPointSystemOnEverySideKind) {
  // Periodic x, sink y_low with closed y_high, sink bottom; layered S, K, chi; a stiff step.
  const Grid grid{9, 7, 12, 1e-4, 0.15e-3};
  Boundaries bc;
  bc.set_x(BoundaryKind::periodic);
  bc.y_low = BoundaryKind::sink;
  bc.bottom = BoundaryKind::sink;
  const TransportModel model = make_pressure_model(grid, bc, layered_tissue());
  PressureSolver solver(model);
  const std::size_t n = grid.n_cells();
  std::vector<double> rhs(n), p(n);
  for (std::size_t m = 0; m < n; ++m) rhs[m] = 2.0 + std::sin(0.37 * double(m));
  const double tau = 50.0;
  solver.solve(tau, rhs.data(), p.data());
  const ComponentCoefficients& co = model.coefficients(0);
  double worst = 0.0;
  for (int k = 0; k < grid.nz; ++k)
    for (int j = 0; j < grid.ny; ++j)
      for (int i = 0; i < grid.nx; ++i) {
        const double pc = p[grid.index(i, j, k)];
        double applied = (co.capacity[k] + tau * co.sink_lymph[k]) * pc;
        auto face = [&](double g, double neighbour) { applied += tau * g * (pc - neighbour); };
        face(co.lateral[k], p[grid.index((i + grid.nx - 1) % grid.nx, j, k)]);
        face(co.lateral[k], p[grid.index((i + 1) % grid.nx, j, k)]);
        face(j > 0 ? co.lateral[k] : 2.0 * co.lateral[k], j > 0 ? p[grid.index(i, j - 1, k)] : 0.0);
        if (j + 1 < grid.ny) face(co.lateral[k], p[grid.index(i, j + 1, k)]);
        if (k > 0) face(co.vertical[k], p[grid.index(i, j, k - 1)]);
        face(co.vertical[k + 1], k + 1 < grid.nz ? p[grid.index(i, j, k + 1)] : 0.0);
        worst = std::max(worst, std::abs(applied - rhs[grid.index(i, j, k)]) / 3.0);  // max |rhs| = 3
      }
  std::printf("direct pressure solve: worst residual %.1e of the largest right-hand side\n", worst);
  EXPECT_LE(worst, 1e-12);
  EXPECT_GT(co.vertical[grid.nz], 0.0);
}

/// Largest |p_darcy - p_stage1| / peak after a 2 s injection, with `steps` coupled steps.
double pressure_difference(int steps) {
  const Tissue tissue = layered_tissue();
  const Boundaries bc = x_and_bottom_sinks();
  DarcySettings settings;
  settings.steps_per_injection = steps;
  DarcyReservoir reservoir(small_grid, bc, tissue, {testing::uniform_component(3, 3e-10)}, settings);
  DarcyInjection injection = small_injection({1.0});
  injection.start = 0.0;
  reservoir.add_injection(injection);
  TransportState solutes = reservoir.make_state();
  reservoir.advance_to(solutes, 2.0);
  // The stage-1 pressure stepper (verified in test_reservoir) with many small implicit steps.
  const TransportModel model = make_pressure_model(small_grid, bc, tissue);
  std::vector<Source> sources{make_point_source(small_grid, injection.x, injection.y, injection.depth,
                                                injection.tip_radius, 0.0, 2.0, {injection.volume / 2.0})};
  TransportState pressure(model);
  Integrator integrator(model, testing::fixed_steps("implicit", 2.0 / 1024));
  integrator.set_sources(&sources);
  integrator.advance_to(pressure, 2.0);
  double worst = 0.0, peak = 0.0;
  for (std::size_t n = 0; n < small_grid.n_cells(); ++n) {
    worst = std::max(worst, std::abs(reservoir.fluid().u(0, n) - pressure.u(0, n)));
    peak = std::max(peak, pressure.u(0, n));
  }
  return worst / peak;
}

TEST(DarcyPressure, SweepsConvergeToTheStageOnePressureAtFirstOrder) {
  const double d1 = pressure_difference(10), d2 = pressure_difference(20), d3 = pressure_difference(40);
  std::printf("pressure vs stage 1 after injection: %.3e, %.3e, %.3e for 10, 20, 40 steps; ratios %.2f %.2f\n", d1,
              d2, d3, d1 / d2, d2 / d3);
  EXPECT_LT(d3, 0.05);
  EXPECT_GT(d1 / d2, 1.6);
  EXPECT_GT(d2 / d3, 1.6);
}

// ---------------------------------------------------------------- coupled solver

/// Concentration field 10 s after a 2 s injection (fluid not yet at rest), with `refinement`
/// times the default steps per injection and 1 / refinement times the default change of e per step.
std::vector<double> coupled_run(double refinement, long& n_steps) {
  const Boundaries bc = x_and_bottom_sinks();
  DarcySettings settings;
  settings.steps_per_injection = int(std::lround(5 * refinement));
  settings.max_excess_change = 0.2 / refinement;
  DarcyReservoir reservoir(small_grid, bc, layered_tissue(), {testing::uniform_component(3, 3e-10, 5e-4)}, settings);
  reservoir.add_injection(small_injection({10.0}));
  TransportState solutes = reservoir.make_state();
  reservoir.advance_to(solutes, 10.0);
  EXPECT_FALSE(reservoir.at_rest());
  n_steps = reservoir.stats().n_coupled_steps;
  return solutes.u.raw();
}

TEST(Darcy, CoupledStepsConvergeAtFirstOrderInTime) {
  long n_reference = 0;
  const std::vector<double> reference = coupled_run(32.0, n_reference);
  const double peak = *std::max_element(reference.begin(), reference.end());
  std::vector<double> errors;
  for (const double refinement : {1.0, 2.0, 4.0}) {
    long n_steps = 0;
    const std::vector<double> u = coupled_run(refinement, n_steps);
    double worst = 0.0;
    for (std::size_t n = 0; n < u.size(); ++n) worst = std::max(worst, std::abs(u[n] - reference[n]));
    errors.push_back(worst / peak);
    std::printf("refinement %.0f: %ld steps, max error / peak %.3e (reference %ld steps)\n", refinement, n_steps,
                worst / peak, n_reference);
  }
  EXPECT_NEAR(errors[0] / errors[1], 2.0, 0.5);
  EXPECT_NEAR(errors[1] / errors[2], 2.0, 0.5);
}

/// Peak e of the check below (the largest excess fluid fraction reached).
double check_uniform_concentration_is_kept(const Boundaries& bc, const Tissue& tissue = layered_tissue(),
                                           const std::string& advection = "limited") {
  SoluteInLayer a, b, c;
  a.diffusivity = 3e-10;
  b.diffusivity = 1e-10;
  c.diffusivity = 5e-10;
  DarcySettings settings;
  settings.at_rest.tolerance = 1e-3;
  settings.advection = advection;
  DarcyReservoir reservoir(small_grid, bc, tissue, {Component{"uniform", {a, b, c}}}, settings);
  const double c0 = 7.0;
  reservoir.add_injection(small_injection({c0}));
  DarcyInjection second = small_injection({c0});
  second.x = 0.5e-3;
  second.depth = 0.3e-3;  // in the upper layer, overlapping the first in time
  second.start = 2.0;
  reservoir.add_injection(second);
  TransportState solutes = reservoir.make_state();
  add_concentration(reservoir.solute_model(), solutes, 0, [&](double, double, double) { return c0; });
  double worst = 0.0, worst_ledger = 0.0, peak_e = 0.0;
  long n_coupled = 0;
  reservoir.advance_to(solutes, 4.0 * 3600.0, [&](const TransportState& s) {
    for (double u : s.u.raw()) worst = std::max(worst, std::abs(u / c0 - 1.0));
    worst_ledger = std::max(worst_ledger, std::abs(reservoir.ledger_residual(s, 0)));
    for (double e : reservoir.excess()) peak_e = std::max(peak_e, e);
    if (!reservoir.at_rest()) ++n_coupled;
  });
  std::printf("uniform c (%s): worst |c/c0 - 1| %.2e over %ld coupled + %ld rest steps; peak e %.2f; ledger %.1e\n",
              advection.c_str(), worst, reservoir.stats().n_coupled_steps, reservoir.stats().n_rest_steps, peak_e, worst_ledger);
  EXPECT_LE(worst, 1e-12);
  EXPECT_GT(peak_e, 0.5);  // the fluid really moved: e well above the phi0 of every layer
  EXPECT_GT(solutes.ledger[0].to_lymph, 0.0);
  EXPECT_TRUE(reservoir.at_rest());
  EXPECT_GT(reservoir.stats().n_rest_steps, 0);
  return peak_e;
}

TEST(Darcy, FluidAtTheTissueConcentrationKeepsItUniformInLayeredTissue) {
  // No solute sinks; the drained fluid (chi p c) takes c with it. No sink sides: they hold c = 0
  // outside. D differs per layer (P = f = 1, so c = u). Closed box, then periodic sides.
  check_uniform_concentration_is_kept(Boundaries{});
  Boundaries periodic;
  periodic.set_x(BoundaryKind::periodic);
  periodic.set_y(BoundaryKind::periodic);
  check_uniform_concentration_is_kept(periodic);
  check_uniform_concentration_is_kept(Boundaries{}, layered_tissue(), "upwind");
}

/// Two sinks-and-binding components, partition and available fraction, sink sides and bottom.
std::vector<Component> demanding_components() {
  SoluteInLayer a, b, c;
  a.diffusivity = 3e-10;
  b.diffusivity = 2e-10;
  b.k_blood = 6e-4;
  b.k_lymph = 3e-5;
  c.diffusivity = 4e-10;
  c.k_blood = 1e-4;
  c.k_degradation = 5e-5;
  Component small{"small", {a, b, c}};
  SoluteInLayer pa = a, pb = b, pc = c;
  pb.partition = 2.0;
  pb.available_fraction = 0.42;
  pc.partition = 0.5;
  pc.available_fraction = 0.56;
  pb.k_on = 2e-3;
  pb.k_off = 4e-4;
  pb.k_cell = 1e-4;
  Component large{"binding", {pa, pb, pc}};
  return {small, large};
}

void check_ledgers_at_every_step(const Boundaries& bc, const Tissue& tissue = layered_tissue(),
                                 const std::string& advection = "limited") {
  DarcySettings settings;
  settings.advection = advection;
  DarcyReservoir reservoir(small_grid, bc, tissue, demanding_components(), settings);
  reservoir.add_injection(small_injection({5.0, 2.0}));
  TransportState solutes = reservoir.make_state();
  double worst_fluid = 0.0, worst_solute = 0.0, lowest = 0.0;
  long n_checked = 0;
  reservoir.advance_to(solutes, 3.0 * 3600.0, [&](const TransportState& s) {
    worst_fluid = std::max(worst_fluid, std::abs(reservoir.fluid_ledger_residual()));
    for (int c = 0; c < 2; ++c) worst_solute = std::max(worst_solute, std::abs(reservoir.ledger_residual(s, c)));
    lowest = std::min({lowest, *std::min_element(s.u.raw().begin(), s.u.raw().end()),
                       *std::min_element(s.bound.raw().begin(), s.bound.raw().end()),
                       *std::min_element(reservoir.excess().begin(), reservoir.excess().end())});
    ++n_checked;
  });
  const MassLedger& fluid = reservoir.fluid().ledger[0];
  std::printf("ledgers (%s) over %ld steps: fluid %.1e, solutes %.1e; fluid to lymph %.3e, sides %.3e m^3, released "
              "at rest %.2e m^3 (at %.0f s)\n",
              advection.c_str(), n_checked, worst_fluid, worst_solute, fluid.to_lymph, fluid.removed() - fluid.to_lymph,
              reservoir.stats().released_volume, reservoir.stats().rest_time);
  EXPECT_LE(worst_fluid, 1e-12);
  EXPECT_LE(worst_solute, 1e-12);
  EXPECT_GE(lowest, 0.0);
  EXPECT_NEAR(fluid.injected, 0.5e-9, 1e-12 * 0.5e-9);
  EXPECT_NEAR(solutes.ledger[0].injected, 0.5e-9 * 5.0, 1e-12 * 2.5e-9);
  for (int side = 0; side < n_sides; ++side)
    if (bc.of(side) == BoundaryKind::sink)
      EXPECT_GT(fluid.boundary[side], 0.0) << side_name(side);
    else
      EXPECT_EQ(fluid.boundary[side], 0.0) << side_name(side);
  EXPECT_TRUE(reservoir.at_rest());
  EXPECT_LT(reservoir.stats().released_volume, 1e-3 * fluid.injected);
  for (int c = 0; c < 2; ++c) {
    EXPECT_GT(solutes.ledger[c].to_lymph, 0.0);  // chi p c (and k_L for "small")
    for (int side = 0; side < n_sides; ++side)
      if (bc.of(side) == BoundaryKind::sink)
        EXPECT_GT(solutes.ledger[c].boundary[side], 0.0) << side_name(side);
      else
        EXPECT_EQ(solutes.ledger[c].boundary[side], 0.0) << side_name(side);
  }
  // At rest the generic ledger (static capacity) agrees: the reservoir holds no fluid any more.
  for (int c = 0; c < 2; ++c) EXPECT_LE(std::abs(mesosim::ledger_residual(reservoir.solute_model(), solutes, c)), 1e-12);
}

TEST(Darcy, FluidAndSoluteLedgersCloseAtEveryStep) {
  Boundaries bc;  // mixed: y_high closed
  bc.set_x(BoundaryKind::sink);
  bc.y_low = BoundaryKind::sink;
  bc.bottom = BoundaryKind::sink;
  check_ledgers_at_every_step(bc);
  check_ledgers_at_every_step(bc, layered_tissue(), "upwind");
  Boundaries periodic;
  periodic.set_x(BoundaryKind::periodic);
  periodic.set_y(BoundaryKind::periodic);
  periodic.bottom = BoundaryKind::sink;
  check_ledgers_at_every_step(periodic);
}

/// The layered tissue with strain-stiffened conductivity K0 exp(m e) in every layer.
Tissue stiffened_tissue(double stiffening = 2.94) {
  Tissue tissue = layered_tissue();
  for (Layer& layer : tissue.layers) layer.strain_stiffening = stiffening;
  return tissue;
}

TEST(Darcy, StrainStiffenedTissueKeepsUniformConcentrationAndClosesEveryLedger) {
  // The multigrid path with Picard-iterated faces: the same exactness as the direct path, and a
  // lower peak e, because the stiffened faces let the fluid out of the tip cells.
  Boundaries periodic;
  periodic.set_x(BoundaryKind::periodic);
  periodic.set_y(BoundaryKind::periodic);
  const double linear_peak = check_uniform_concentration_is_kept(periodic);
  const double stiffened_peak = check_uniform_concentration_is_kept(periodic, stiffened_tissue());
  std::printf("peak e: linear %.2f, stiffened %.2f\n", linear_peak, stiffened_peak);
  EXPECT_LT(stiffened_peak, 0.5 * linear_peak);
  Boundaries mixed;
  mixed.set_x(BoundaryKind::sink);
  mixed.y_low = BoundaryKind::sink;
  mixed.bottom = BoundaryKind::sink;
  check_ledgers_at_every_step(mixed, stiffened_tissue());
}

/// Largest |e| below the layer, |c / c0 - 1| (if c0 > 0) and ledger residual over 60 s with K = 0
/// in the middle layer and two injections: one above it, one into its top cell.
void run_with_an_impermeable_layer(double c0, double& below, double& uniform, double& ledger) {
  Tissue tissue = layered_tissue();
  tissue.layers[1].hydraulic_conductivity = 0.0;
  DarcyReservoir reservoir(small_grid, Boundaries{}, tissue, {testing::uniform_component(3, 3e-10)});
  DarcyInjection above = small_injection({3.0});
  above.depth = 0.25e-3;  // in the upper layer, 0.5 mm thick
  reservoir.add_injection(above);
  DarcyInjection inside = small_injection({3.0});
  inside.x = 1.4e-3;
  inside.depth = 0.55e-3;  // the top cell of the impermeable layer, under the first bleb
  inside.tip_radius = 0.0;
  reservoir.add_injection(inside);
  TransportState solutes = reservoir.make_state();
  if (c0 > 0) add_concentration(reservoir.solute_model(), solutes, 0, [&](double, double, double) { return c0; });
  below = uniform = ledger = 0.0;
  reservoir.advance_to(solutes, 60.0, [&](const TransportState& s) {
    for (int k = 0; k < small_grid.nz; ++k)
      if (small_grid.z_centre(k) > 1.2e-3)  // the lower layer
        for (std::size_t n = 0; n < small_grid.plane_size(); ++n)
          below = std::max(below, std::abs(reservoir.excess()[k * small_grid.plane_size() + n]));
    if (c0 > 0)
      for (double u : s.u.raw()) uniform = std::max(uniform, std::abs(u / c0 - 1.0));
    ledger = std::max({ledger, std::abs(reservoir.fluid_ledger_residual()), std::abs(reservoir.ledger_residual(s, 0))});
  });
}

TEST(Darcy, AnImpermeableLayerStopsTheFluid) {
  // K = 0: the faces into and inside the layer carry no fluid; the flow graph then has zero-volume
  // faces between cells of different pressure, which the ordering must not count as flows.
  double below = 0.0, uniform = 0.0, ledger = 0.0;
  run_with_an_impermeable_layer(3.0, below, uniform, ledger);
  std::printf("impermeable layer, uniform c: largest e below it %.1e; c kept to %.1e; ledgers %.1e\n", below, uniform,
              ledger);
  EXPECT_EQ(below, 0.0);
  EXPECT_LE(uniform, 1e-12);
  EXPECT_LE(ledger, 1e-12);
  run_with_an_impermeable_layer(0.0, below, uniform, ledger);
  std::printf("impermeable layer, empty tissue: ledgers %.1e\n", ledger);
  EXPECT_EQ(below, 0.0);
  EXPECT_LE(ledger, 1e-12);
}

/// Lowest and highest c over a run of 60 s, and the cells of the bleb's edge at the end of the
/// injection (0.05 to 0.95 of the syringe), with a weakly diffusing component (D = 1e-13): the front is sharp.
struct SharpFront {
  double lowest = 0.0, highest = 0.0;
  int n_edge = 0, n_inside = 0;
};
SharpFront run_sharp_front(const std::string& advection, int steps_per_injection) {
  SoluteInLayer slow;
  slow.diffusivity = 1e-13;
  DarcySettings settings;
  settings.steps_per_injection = steps_per_injection;
  settings.advection = advection;
  DarcyReservoir reservoir(small_grid, Boundaries{}, layered_tissue(), {Component{"gel", {slow, slow, slow}}}, settings);
  reservoir.add_injection(small_injection({10.0}));
  TransportState solutes = reservoir.make_state();
  SharpFront front;
  reservoir.advance_to(solutes, 3.0, [&](const TransportState& s) {
    front.lowest = std::min(front.lowest, *std::min_element(s.u.raw().begin(), s.u.raw().end()));
    front.highest = std::max(front.highest, *std::max_element(s.u.raw().begin(), s.u.raw().end()));
  });
  for (double u : solutes.u.raw()) {
    front.n_edge += u > 0.5 && u < 9.5;
    front.n_inside += u >= 9.5;
  }
  reservoir.advance_to(solutes, 60.0, [&](const TransportState& s) {
    front.lowest = std::min(front.lowest, *std::min_element(s.u.raw().begin(), s.u.raw().end()));
    front.highest = std::max(front.highest, *std::max_element(s.u.raw().begin(), s.u.raw().end()));
  });
  return front;
}

TEST(Darcy, NoNegativeConcentrationAtASharpFront) {
  // Long steps (4 per injection): Courant numbers far above 1 near the tip; both schemes.
  for (const std::string advection : {"limited", "upwind"}) {
    const SharpFront front = run_sharp_front(advection, 4);
    std::printf("sharp front (%s): lowest %.3e, highest %.6f (syringe 10)\n", advection.c_str(), front.lowest,
                front.highest);
    EXPECT_GE(front.lowest, 0.0);
    EXPECT_LE(front.highest, 10.0 * (1 + 1e-12));  // maximum principle: never above the syringe
    EXPECT_GT(front.highest, 9.0);
  }
}

TEST(Darcy, LimitedAdvectionKeepsTheBlebEdgeSharper) {
  // The default 20 steps per injection; at its end the edge band (5-95 % of the syringe) is narrower.
  const SharpFront limited = run_sharp_front("limited", 20), upwind = run_sharp_front("upwind", 20);
  std::printf("bleb edge at the end of the injection: %d cells (limited) vs %d (upwind); at >= 95 %%: %d vs %d\n",
              limited.n_edge, upwind.n_edge, limited.n_inside, upwind.n_inside);
  EXPECT_GE(limited.lowest, 0.0);
  EXPECT_LE(limited.highest, 10.0 * (1 + 1e-12));
  EXPECT_LT(limited.n_edge, upwind.n_edge);
  EXPECT_GT(limited.n_inside, upwind.n_inside);
}

/// Largest |c(x) - c(mirror x)| and |c - c(mirror y)| relative to the peak, and the x <-> y
/// exchange difference, in a homogeneous cube with a centred injection.
TEST(Darcy, BlebIsMirrorSymmetricInHomogeneousTissue) {
  const int n = 21;
  const Grid grid{n, n, n, 0.1e-3, 0.1e-3};
  Boundaries bc;
  bc.set_x(BoundaryKind::sink);
  bc.set_y(BoundaryKind::sink);
  Layer layer{"dermis", grid.depth(), 0.3};
  DarcyReservoir reservoir(grid, bc, Tissue{{layer}}, {testing::uniform_component(1, 3e-10, 1e-4)});
  DarcyInjection injection = small_injection({1.0});
  injection.x = injection.y = injection.depth = grid.x_centre(n / 2);
  reservoir.add_injection(injection);
  TransportState solutes = reservoir.make_state();
  reservoir.advance_to(solutes, 3.0);  // the end of the injection
  double peak = 0.0, mirror = 0.0, exchange = 0.0, peak_e = 0.0, mirror_e = 0.0;
  const std::vector<double>& e = reservoir.excess();
  for (int k = 0; k < n; ++k)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i) {
        const double c = solutes.u(0, grid.index(i, j, k)), ec = e[grid.index(i, j, k)];
        peak = std::max(peak, c);
        peak_e = std::max(peak_e, ec);
        mirror = std::max({mirror, std::abs(c - solutes.u(0, grid.index(n - 1 - i, j, k))),
                           std::abs(c - solutes.u(0, grid.index(i, n - 1 - j, k)))});
        mirror_e = std::max({mirror_e, std::abs(ec - e[grid.index(n - 1 - i, j, k)]),
                             std::abs(ec - e[grid.index(i, n - 1 - j, k)])});
        exchange = std::max(exchange, std::abs(c - solutes.u(0, grid.index(j, i, k))));
      }
  std::printf("mirror asymmetry %.1e (c), %.1e (e) of the peak; x<->y exchange (splitting) %.2e\n", mirror / peak,
              mirror_e / peak_e, exchange / peak);
  EXPECT_LE(mirror, 1e-12 * peak);
  EXPECT_LE(mirror_e, 1e-12 * peak_e);
  const BlebFigures bleb = reservoir.bleb(0.02);
  EXPECT_NEAR(bleb.peak_depth, injection.depth, 1e-12);
}

TEST(Darcy, InjectedSoluteSpreadsAlongTheMoreConductiveLayer) {
  Layer conductive{"loose", 1.0e-3, 0.3}, tight{"dense", 1.0e-3, 0.3};
  conductive.hydraulic_conductivity = 1e-10;
  tight.hydraulic_conductivity = 1e-11;
  const Grid grid{41, 41, 20, 0.1e-3, 0.1e-3};
  DarcyReservoir reservoir(grid, Boundaries{}, Tissue{{conductive, tight}}, {testing::uniform_component(2, 3e-10)});
  DarcyInjection injection = small_injection({1.0});
  injection.x = injection.y = grid.x_centre(20);
  injection.depth = 1.0e-3;  // on the interface
  injection.volume = 2e-9;
  injection.duration = 5.0;
  injection.start = 0.0;
  reservoir.add_injection(injection);
  TransportState solutes = reservoir.make_state();
  reservoir.advance_to(solutes, 5.0);
  // Lateral half-width where c >= 10 % of the syringe.
  auto half_width = [&](int k) {
    int i = 20;
    while (i + 1 < grid.nx && solutes.u(0, grid.index(i + 1, 20, k)) >= 0.1) ++i;
    return (i - 20) * grid.hx;
  };
  // 0.35 mm above and below the interface (cell centres 0.65 and 1.35 mm deep).
  const double above = half_width(6), below = half_width(13);
  double upper = 0.0, lower = 0.0;  // same phi in both layers: sum of u ~ solute amount
  for (int k = 0; k < grid.nz; ++k)
    for (std::size_t n = 0; n < grid.plane_size(); ++n) (k < 10 ? upper : lower) += solutes.u(0, k * grid.plane_size() + n);
  std::printf("solute half-width 0.35 mm above the interface %.2f mm, below %.2f mm; solute above / below %.2f\n",
              above * 1e3, below * 1e3, upper / lower);
  EXPECT_GT(above, 1.5 * below);
  EXPECT_GT(upper, 3.0 * lower);
}

TEST(Darcy, AtRestItIsThePlainIntegrator) {
  // Once the fluid is at rest the reservoir hands the solutes to the plain adaptive integrator:
  // from the same state, a separate plain Integrator gives the same field bit for bit.
  const Boundaries bc = x_and_bottom_sinks();
  DarcyReservoir reservoir(small_grid, bc, layered_tissue(), demanding_components());
  reservoir.add_injection(small_injection({5.0, 2.0}));
  TransportState solutes = reservoir.make_state();
  TransportState at_rest;
  reservoir.advance_to(solutes, 600.0, [&](const TransportState& s) {
    if (reservoir.stats().rest_time == s.time && at_rest.u.empty()) at_rest = s;  // just released
  });
  ASSERT_FALSE(at_rest.u.empty());
  std::printf("at rest after %.1f s (%ld coupled steps), then %ld plain steps\n", reservoir.stats().rest_time,
              reservoir.stats().n_coupled_steps, reservoir.stats().n_rest_steps);
  Integrator plain(reservoir.solute_model(), DarcySettings{}.at_rest);
  plain.advance_to(at_rest, 600.0);
  EXPECT_TRUE(at_rest.u.raw() == solutes.u.raw());
  EXPECT_TRUE(at_rest.bound.raw() == solutes.bound.raw());
  EXPECT_GT(reservoir.stats().n_rest_steps, 1);
}

TEST(Darcy, ComesToRestAndWakesUpForTheNextInjection) {
  // Two injections 5 minutes apart (a session): coupled, at rest, coupled again, at rest again;
  // the ledgers close throughout and the second injection is delivered exactly.
  const Boundaries bc = x_and_bottom_sinks();
  DarcyReservoir reservoir(small_grid, bc, layered_tissue(), demanding_components());
  reservoir.add_injection(small_injection({5.0, 2.0}));
  DarcyInjection later = small_injection({1.0, 3.0});
  later.start = 300.0;
  later.x = 0.6e-3;
  reservoir.add_injection(later);
  TransportState solutes = reservoir.make_state();
  double worst = 0.0, first_rest = -1.0;
  reservoir.advance_to(solutes, 900.0, [&](const TransportState& s) {
    worst = std::max({worst, std::abs(reservoir.fluid_ledger_residual()), std::abs(reservoir.ledger_residual(s, 0)),
                      std::abs(reservoir.ledger_residual(s, 1))});
    if (first_rest < 0 && reservoir.at_rest() && reservoir.stats().rest_time == s.time) first_rest = s.time;
  });
  std::printf("first rest at %.1f s, second at %.1f s; %ld coupled, %ld plain steps; worst ledger %.1e\n", first_rest,
              reservoir.stats().rest_time, reservoir.stats().n_coupled_steps, reservoir.stats().n_rest_steps, worst);
  EXPECT_GT(first_rest, 3.0);
  EXPECT_LT(first_rest, 300.0);
  EXPECT_GT(reservoir.stats().rest_time, 302.0);
  EXPECT_TRUE(reservoir.at_rest());
  EXPECT_LE(worst, 1e-12);
  EXPECT_NEAR(reservoir.fluid().ledger[0].injected, 1e-9, 1e-12 * 1e-9);
  EXPECT_NEAR(solutes.ledger[1].injected, 0.5e-9 * (2.0 + 3.0), 1e-12 * 2.5e-9);
}

TEST(Darcy, InjectionsAreCheckedWhenAdded) {
  DarcyReservoir reservoir(small_grid, Boundaries{}, layered_tissue(), demanding_components());
  auto refused = [&](DarcyInjection injection, const char* why) {
    try {
      reservoir.add_injection(injection);
      ADD_FAILURE() << "accepted: " << why;
    } catch (const InputError& error) {
      EXPECT_NE(std::string(error.what()).find(why), std::string::npos) << error.what();
    }
  };
  refused(small_injection({1.0}), "2 components");
  DarcyInjection outside = small_injection({1.0, 1.0});
  outside.x = 5e-3;
  refused(outside, "outside the tissue block");
  DarcyInjection empty = small_injection({1.0, 1.0});
  empty.volume = 0.0;
  refused(empty, "volume must be positive");
  DarcyInjection negative = small_injection({1.0, -1.0});
  refused(negative, "must not be negative");
  TransportState solutes = reservoir.make_state();
  reservoir.advance_to(solutes, 10.0);
  refused(small_injection({1.0, 1.0}), "before the current time");  // starts at 1 s
  // From a scenario's deposit: 0.05 mL at 0.01 mL/s lasts 5 s.
  const DarcyInjection from_scenario =
      darcy_injection(Injection{1e-3, 1e-3, 0.5e-3, 0.05e-6, 20.0, "cocktail", {2.0, 4.0}, "darcy"}, 0.01e-6);
  EXPECT_DOUBLE_EQ(from_scenario.duration, 5.0);
  EXPECT_EQ(from_scenario.start, 20.0);
  EXPECT_EQ(from_scenario.concentration, (std::vector<double>{2.0, 4.0}));
  EXPECT_THROW(darcy_injection(Injection{}, 0.0), InputError);
  DarcySettings unknown;
  unknown.advection = "tvd";
  EXPECT_THROW(DarcyReservoir(small_grid, Boundaries{}, layered_tissue(), demanding_components(), unknown), InputError);
}

/// Everything a stopped and continued run must reproduce bitwise: the solutes (free and bound), the
/// fluid (e, p), the solute and fluid ledgers, the time, step counts and the reservoir's counters.
std::vector<double> darcy_run_bits(const DarcyReservoir& reservoir, const TransportState& s) {
  std::vector<double> values = s.u.raw();
  values.insert(values.end(), s.bound.raw().begin(), s.bound.raw().end());
  values.insert(values.end(), reservoir.excess().begin(), reservoir.excess().end());
  const double* p = reservoir.fluid().u.component(0);
  values.insert(values.end(), p, p + small_grid.n_cells());
  for (const MassLedger& l : {s.ledger[0], s.ledger[1], reservoir.fluid().ledger[0]})
    values.insert(values.end(), {l.injected, l.to_blood, l.to_lymph, l.degraded, l.boundary[x_low], l.boundary[bottom]});
  const DarcyStats& st = reservoir.stats();
  values.insert(values.end(), {s.time, double(s.n_steps), double(st.n_coupled_steps), double(st.n_rest_steps),
                               double(st.n_pressure_solves), double(st.n_pressure_iterations), st.rest_time,
                               st.released_volume});
  return values;
}

/// Two injections 5 minutes apart run to 900 s in one call, or stopped (the stop flag) after the
/// first step to reach each time in `stops` (s) and continued from a checkpoint's memory in a reservoir built afresh: the
/// solutes, the fluid, the ledgers and the counters must be the same bits. `n_coupled` of the
/// stops fall in the coupled phase.
void check_stopped_and_restored_runs_equal_one_run(const Tissue& tissue, const std::vector<double>& stops,
                                                   int n_coupled) {
  const Boundaries bc = x_and_bottom_sinks();
  DarcyInjection later = small_injection({1.0, 3.0});
  later.start = 300.0;
  later.x = 0.6e-3;
  const std::vector<DarcyInjection> injections{small_injection({5.0, 2.0}), later};
  auto fresh = [&]() { return std::make_unique<DarcyReservoir>(small_grid, bc, tissue, demanding_components()); };
  std::unique_ptr<DarcyReservoir> whole = fresh();
  for (const DarcyInjection& injection : injections) whole->add_injection(injection);
  TransportState whole_state = whole->make_state();
  ASSERT_TRUE(whole->advance_to(whole_state, 900.0));
  ASSERT_TRUE(whole->at_rest());

  std::unique_ptr<DarcyReservoir> reservoir = fresh();
  for (const DarcyInjection& injection : injections) reservoir->add_injection(injection);
  TransportState state = reservoir->make_state();
  std::atomic<bool> stop{false};
  std::size_t next_stop = 0;
  int n_coupled_stops = 0;
  auto on_step = [&](const TransportState& s) {
    if (next_stop < stops.size() && s.time >= stops[next_stop]) stop = true;
  };
  reservoir->set_stop_flag(&stop);
  while (!reservoir->advance_to(state, 900.0, on_step)) {
    // A checkpoint: the reservoir's memory and the solute state; then a new reservoir.
    EXPECT_GE(state.time, stops[next_stop]);
    if (!reservoir->at_rest()) ++n_coupled_stops;
    const DarcyReservoir::Memory memory = reservoir->memory();
    const TransportState saved = state;
    reservoir = fresh();
    reservoir->restore(memory, saved.time);
    for (const DarcyInjection& injection : injections) reservoir->resume_injection(injection);
    state = saved;
    stop = false;
    ++next_stop;
    reservoir->set_stop_flag(&stop);
  }
  EXPECT_EQ(next_stop, stops.size());
  EXPECT_EQ(n_coupled_stops, n_coupled);
  EXPECT_TRUE(darcy_run_bits(*whole, whole_state) == darcy_run_bits(*reservoir, state));
  std::printf("stopped and restored %zu times (%d in the coupled phase) in %ld steps (%ld coupled, at rest from "
              "%.1f s): the same bits\n", stops.size(), n_coupled_stops, whole_state.n_steps, whole->stats().n_coupled_steps,
              whole->stats().rest_time);
}

TEST(Darcy, StoppedInTheCoupledPhaseAndRestoredEqualsOneRun) {
  // Stops within the first injection's equal steps (1 to 3 s), twice in a row, after it, at rest
  // (from 28.5 s), within the second injection (300 to 302 s) and after it, for the linear
  // direct path and the stiffened, relaxing multigrid path.
  check_stopped_and_restored_runs_equal_one_run(layered_tissue(), {1.5, 1.5, 3.5, 20.0, 200.0, 301.0, 320.0}, 6);
  check_stopped_and_restored_runs_equal_one_run(stiffened_tissue(), {2.0, 10.0, 200.0, 300.5, 310.0}, 4);
}

/// A stop raised before a coupled step's fluid moves (here: before the step, so the multigrid
/// solve sees it at its first iteration, or the direct solve at its end) abandons the step:
/// advance_to returns false with the solutes, the fluid, the ledgers and the counters as they
/// were, and the run continued from there equals one run, bitwise.
TEST(Darcy, AStopDuringThePressureSolveAbandonsTheStepAndChangesNothing) {
  const Boundaries bc = x_and_bottom_sinks();
  for (const bool stiffened : {false, true}) {
    const Tissue tissue = stiffened ? stiffened_tissue() : layered_tissue();
    DarcyReservoir whole(small_grid, bc, tissue, demanding_components());
    whole.add_injection(small_injection({5.0, 2.0}));
    TransportState whole_state = whole.make_state();
    ASSERT_TRUE(whole.advance_to(whole_state, 600.0));

    DarcyReservoir reservoir(small_grid, bc, tissue, demanding_components());
    reservoir.add_injection(small_injection({5.0, 2.0}));
    TransportState state = reservoir.make_state();
    std::atomic<bool> stop{false};
    reservoir.set_stop_flag(&stop);
    int abandoned = 0;
    // Stopped at the first coupled step (the injection starts at 1 s), within the injection and after it.
    for (const double at : {1.01, 2.5, 10.0}) {
      stop = false;
      ASSERT_FALSE(reservoir.advance_to(state, 600.0, [&](const TransportState& s) {
        if (s.time >= at) stop = true;
      }));
      ASSERT_FALSE(reservoir.at_rest());
      // The flag still raised: the next step is abandoned, nothing changes.
      const std::vector<double> before = darcy_run_bits(reservoir, state);
      ASSERT_FALSE(reservoir.advance_to(state, 600.0));
      EXPECT_TRUE(before == darcy_run_bits(reservoir, state)) << "stop at " << at << " s changed the state";
      ++abandoned;
    }
    stop = false;
    ASSERT_TRUE(reservoir.advance_to(state, 600.0));
    EXPECT_TRUE(darcy_run_bits(whole, whole_state) == darcy_run_bits(reservoir, state));
    std::printf("%s: %d steps abandoned at a raised stop, each leaving the same bits; the run continued "
                "equals one run (%ld coupled steps)\n", stiffened ? "stiffened tissue (multigrid)" : "linear tissue (direct solve)", abandoned, whole.stats().n_coupled_steps);
  }
}

TEST(Darcy, RunsAreBitwiseDeterministicForAThreadCount) {
  auto run = [](int threads) {
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    const Boundaries bc = x_and_bottom_sinks();
    DarcyReservoir reservoir(small_grid, bc, layered_tissue(), demanding_components());
    reservoir.add_injection(small_injection({5.0, 2.0}));
    TransportState solutes = reservoir.make_state();
    reservoir.advance_to(solutes, 600.0);
    omp_set_num_threads(saved);
    std::vector<double> result = solutes.u.raw();
    result.insert(result.end(), reservoir.excess().begin(), reservoir.excess().end());
    result.push_back(solutes.ledger[1].to_lymph);
    result.push_back(reservoir.fluid().ledger[0].boundary[x_high]);
    return result;
  };
  const std::vector<double> first = run(2), second = run(2), single = run(1);
  EXPECT_TRUE(first == second);
  double worst = 0.0, peak = 0.0;
  for (std::size_t n = 0; n < first.size(); ++n) {
    worst = std::max(worst, std::abs(first[n] - single[n]));
    peak = std::max(peak, std::abs(single[n]));
  }
  std::printf("1 vs 2 threads: largest difference %.1e of the peak\n", worst / peak);
  EXPECT_LE(worst, 1e-12 * peak);
}

}  // namespace
}  // namespace mesosim
