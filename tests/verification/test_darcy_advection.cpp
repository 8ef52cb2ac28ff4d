// Advection of the coupled phase (DarcyAdvection), one piece at a time: the two point kernels of
// the limited scheme; a 1-D channel against Ogata-Banks, stepping as the reservoir does (the
// advection of a prescribed uniform flow, then a backward-Euler diffusion sweep), with the
// measured orders asserted (limited >= 1.5, upwind ~1); a step profile at Courant numbers 0.5, 2
// and 10 (no value leaves [0, 1], the solute balances, the limited front is the sharper); a rough
// 3-D pressure field with Courant numbers far above 1 (uniform c kept, bounds, conservation, and
// the same bits whether the solutes are advected on one thread or two).
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "solver/error.hpp"

#include "models/reservoir.hpp"
#include "solver/darcy_advection.hpp"
#include "solver/darcy_line.hpp"

namespace mesosim {
namespace {

/// exp(z^2) erfc(z), to ~1e-8 relative for z >= 0 (asymptotic series beyond z = 5).
double erfcx(double z) {
  if (z < 5.0) return std::exp(z * z) * std::erfc(z);
  double sum = 1.0, term = 1.0;
  for (int n = 1; n <= 8; ++n) {
    term *= -(2.0 * n - 1.0) / (2.0 * z * z);
    sum += term;
  }
  return sum / (z * std::sqrt(M_PI));
}

/// Ogata-Banks: c/c0 = 1/2 [erfc((x - vt)/(2 sqrt(Dt))) + exp(vx/D) erfc((x + vt)/(2 sqrt(Dt)))],
/// the second term as exp(vx/D - z^2) erfcx(z) = exp(-(x - vt)^2 / (4Dt)) erfcx(z) at high Peclet.
double ogata_banks(double x, double t, double v, double diffusivity) {
  const double s = 2.0 * std::sqrt(diffusivity * t);
  const double z = (x + v * t) / s;
  return 0.5 * (std::erfc((x - v * t) / s) + std::exp(-(x - v * t) * (x - v * t) / (s * s)) * erfcx(z));
}

/// A line of n cells of width h along x with a uniform Darcy flux q = 3 um/s (v = 10 um/s in
/// phi = 0.3): fluid enters through the x_low sink face (p = 0 there) and collects in the closed
/// last cell. p_i = -(i + 1/2) q h / K gives W = q dt / h on every face.
struct Channel {
  static constexpr double phi = 0.3, q = 3e-6, v = q / phi, conductivity = 1e-11;
  int n;
  double h;
  Grid grid;
  TransportModel pressure;
  std::vector<double> p, e, e_after;
  std::vector<double> capacity{phi}, one{1.0};
  MassLedger fluid;

  Channel(int n_cells, double length)
      : n(n_cells), h(length / n_cells), grid{n_cells, 1, 1, h, h}, pressure(make_pressure_model(grid, sides(), column(h))),
        p(n_cells), e(n_cells, 0.0), e_after(n_cells) {
    for (int i = 0; i < n; ++i) p[i] = -(i + 0.5) * q * h / conductivity;
  }
  static Boundaries sides() {
    Boundaries bc;
    bc.x_low = BoundaryKind::sink;
    return bc;
  }
  static Tissue column(double h) {
    Layer layer{"column", h, phi};
    layer.hydraulic_conductivity = conductivity;
    layer.bleb_half_life = 0.0;  // no drainage
    return Tissue{{layer}};
  }
  AdvectedSolute solute() const { return {capacity.data(), one.data(), one.data()}; }
  /// One advection step of dt with c = `inlet` entering.
  void advect(DarcyAdvection& advection, double dt, std::vector<double>& u, MassLedger& ledger, double inlet) {
    advection.prepare(dt, p.data(), e.data(), e_after.data(), fluid);
    advection.advect(solute(), e.data(), e_after.data(), u.data(), ledger, 0, inlet);
    e.swap(e_after);
  }
  /// Solute in the line, per unit cross-section volume (sum of (phi + e) c over cells, cell volumes).
  double amount(const std::vector<double>& u) const {
    double total = 0.0;
    for (int i = 0; i < n; ++i) total += (phi + e[i]) * u[i];
    return total * grid.cell_volume();
  }
};

/// Errors against Ogata-Banks over the first half of the line (c0 = 1).
struct OgataBanksError {
  double l1 = 0.0;       ///< m, integral of |c - exact|
  double largest = 0.0;  ///< largest |c - exact| at a cell centre
};

/// The error after t on n cells, stepping as the coupled solver does: advection of the prescribed
/// flow, then a diffusion_line sweep (backward Euler).
OgataBanksError ogata_banks_error(const std::string& scheme, int n, double length, double t, double courant,
                         double diffusivity) {
  Channel channel(n, length);
  const double h = channel.h, dt = courant * h / Channel::v;
  const int n_steps = int(std::lround(t / dt));
  DarcyAdvection advection(channel.pressure, scheme);
  std::vector<double> u(n, 0.0), work(4 * n);
  std::vector<double> line_capacity(n, Channel::phi), line_fp(n, 1.0), faces(n + 1, Channel::phi * diffusivity / (h * h));
  faces[0] *= 2.0;  // c = 1 half a cell from the first centre
  faces[n] = 0.0;
  DarcyLineCoefficients line;
  line.n = n;
  line.capacity = line_capacity.data();
  line.fp = line_fp.data();
  line.diffusion = faces.data();
  MassLedger ledger;
  for (int m = 0; m < n_steps; ++m) {
    channel.advect(advection, dt, u, ledger, 1.0);
    diffusion_line(line, dt, channel.e.data(), nullptr, 1.0, 0.0, u.data(), 1, work.data());
  }
  const double entered = Channel::q * h * h * n_steps * dt;
  EXPECT_NEAR(-channel.fluid.boundary[x_low], entered, 1e-12 * entered);
  OgataBanksError error;
  for (int i = 0; i < n / 2; ++i) {
    const double difference = std::abs(u[i] - ogata_banks((i + 0.5) * h, n_steps * dt, Channel::v, diffusivity));
    error.l1 += difference * h;
    error.largest = std::max(error.largest, difference);
  }
  return error;
}

TEST(DarcyAdvection, KernelsAreLaxWendroffAndZalesak) {
  // Courant 0.5: a quarter of the jump; 1 and beyond: the upwind value; 0: the face average.
  EXPECT_DOUBLE_EQ(lax_wendroff_face(1.0, 0.0, 0.5), 0.75);
  EXPECT_DOUBLE_EQ(lax_wendroff_face(1.0, 0.0, 0.0), 0.5);
  EXPECT_DOUBLE_EQ(lax_wendroff_face(1.0, 0.0, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(lax_wendroff_face(1.0, 0.0, 10.0), 1.0);
  EXPECT_EQ(lax_wendroff_face(0.3, 0.3, 0.7), 0.3);  // a uniform c gives a face value of c exactly
  // Zalesak's ratio: all that fits, the fitting fraction, nothing without room, 1 without inflow.
  EXPECT_DOUBLE_EQ(limiter_ratio(2.0, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(limiter_ratio(1.0, 4.0), 0.25);
  EXPECT_DOUBLE_EQ(limiter_ratio(-1.0, -4.0), 0.25);
  EXPECT_EQ(limiter_ratio(0.0, 3.0), 0.0);
  EXPECT_EQ(limiter_ratio(0.0, 0.0), 1.0);
}

TEST(DarcyAdvection, AnUnknownSchemeIsAnError) {
  const Channel channel(4, 1e-3);
  EXPECT_EQ(DarcyAdvection(channel.pressure, "upwind").scheme(), "upwind");
  try {
    DarcyAdvection advection(channel.pressure, "tvd");
    ADD_FAILURE() << "accepted an unknown scheme";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("'tvd'"), std::string::npos) << error.what();
  }
}

TEST(DarcyAdvection, LimitedSchemeConvergesToOgataBanksAtSecondOrder) {
  // v = 10 um/s, D = 1e-10 m^2/s: cell Peclet v h / D = 5, 2.5, 1.25 on 1 cm; front at 3 mm after
  // 300 s, 2 sqrt(D t) = 0.35 mm wide (7 to 28 cells); Courant number 0.5 on every grid.
  const double length = 1e-2, t = 300.0, courant = 0.5, diffusivity = 1e-10;
  for (const std::string scheme : {"limited", "upwind"}) {
    const double e1 = ogata_banks_error(scheme, 200, length, t, courant, diffusivity).l1;
    const double e2 = ogata_banks_error(scheme, 400, length, t, courant, diffusivity).l1;
    const double e3 = ogata_banks_error(scheme, 800, length, t, courant, diffusivity).l1;
    const double order1 = std::log2(e1 / e2), order2 = std::log2(e2 / e3);
    std::printf("Ogata-Banks %-7s L1 error: h = 50 um %.3e, 25 um %.3e, 12.5 um %.3e m; orders %.2f %.2f\n",
                scheme.c_str(), e1, e2, e3, order1, order2);
    if (scheme == "limited") {
      EXPECT_GE(order1, 1.5);
      EXPECT_GE(order2, 1.5);
      EXPECT_LT(e3, 2e-6);
    } else {
      EXPECT_GT(order1, 0.6);  // first order, approached from below at these Peclet numbers
      EXPECT_LT(order1, 1.2);
      EXPECT_GT(order2, 0.6);
      EXPECT_LT(order2, 1.2);
    }
  }
}

TEST(DarcyAdvection, UpwindConvergesToOgataBanksAtFirstOrder) {
  // D = 1e-9 m^2/s: cell Peclet 0.5 .. 0.125, the front 1.1 mm wide. Here the diffusion step's
  // backward Euler (first order in time, dt ~ h) dominates the limited scheme's error too, which
  // still stays below upwind's.
  const double length = 1e-2, t = 300.0, courant = 0.5, diffusivity = 1e-9;
  const double e1 = ogata_banks_error("upwind", 200, length, t, courant, diffusivity).largest;
  const double e2 = ogata_banks_error("upwind", 400, length, t, courant, diffusivity).largest;
  const double e3 = ogata_banks_error("upwind", 800, length, t, courant, diffusivity).largest;
  std::printf("Ogata-Banks upwind max error: h = 50 um %.3e, 25 um %.3e, 12.5 um %.3e; ratios %.3f %.3f\n", e1, e2, e3,
              e1 / e2, e2 / e3);
  EXPECT_LT(e3, 0.02);
  EXPECT_NEAR(e1 / e2, 2.0, 0.3);  // first-order upwind in space, backward Euler in time (dt ~ h)
  EXPECT_NEAR(e2 / e3, 2.0, 0.3);
  const double l1 = ogata_banks_error("limited", 200, length, t, courant, diffusivity).largest;
  const double l2 = ogata_banks_error("limited", 400, length, t, courant, diffusivity).largest;
  const double l3 = ogata_banks_error("limited", 800, length, t, courant, diffusivity).largest;
  std::printf("Ogata-Banks limited max error at D = 1e-9: %.3e, %.3e, %.3e; ratios %.3f %.3f\n", l1, l2, l3, l1 / l2,
              l2 / l3);
  EXPECT_LT(l3, 0.2 * e3);
}

/// A step profile (c = 1 in the first quarter, 0 beyond, c = 1 entering) advected without
/// diffusion until the step has moved 2.5 mm: lowest and highest c over all steps, the largest
/// solute balance residual, and the L1 distance to the exactly shifted step (m).
struct StepResult {
  double lowest = 0.0, highest = 0.0, balance = 0.0, error = 0.0;
};
StepResult advect_step(const std::string& scheme, double courant) {
  const int n = 400;
  Channel channel(n, 1e-2);
  const double h = channel.h, dt = courant * h / Channel::v, x0 = 2.5e-3;
  const int n_steps = int(std::lround(2.5e-3 / (Channel::v * dt)));
  DarcyAdvection advection(channel.pressure, scheme);
  std::vector<double> u(n);
  for (int i = 0; i < n; ++i) u[i] = (i + 0.5) * h < x0 ? 1.0 : 0.0;
  StepResult result;
  const double initial = channel.amount(u);
  MassLedger ledger;
  for (int m = 0; m < n_steps; ++m) {
    channel.advect(advection, dt, u, ledger, 1.0);
    result.lowest = std::min(result.lowest, *std::min_element(u.begin(), u.end()));
    result.highest = std::max(result.highest, *std::max_element(u.begin(), u.end()));
    // The solute entered through x_low is booked as a negative loss there.
    result.balance = std::max(result.balance, std::abs(initial - ledger.removed() - channel.amount(u)) / initial);
  }
  const double front = x0 + Channel::v * n_steps * dt;
  for (int i = 0; i < n; ++i) result.error += std::abs(u[i] - ((i + 0.5) * h < front ? 1.0 : 0.0)) * h;
  return result;
}

TEST(DarcyAdvection, StepProfileStaysWithinItsBoundsAtEveryCourantNumber) {
  for (const double courant : {0.5, 2.0, 10.0}) {
    const StepResult limited = advect_step("limited", courant), upwind = advect_step("upwind", courant);
    std::printf("step at Courant %4.1f: limited c in [%.1e, 1 + %.1e], L1 %.3e m (upwind %.3e m); balance %.1e\n",
                courant, limited.lowest, limited.highest - 1.0, limited.error, upwind.error, limited.balance);
    EXPECT_GE(limited.lowest, 0.0) << courant;
    EXPECT_LE(limited.highest, 1.0 + 1e-15) << courant;  // the predictor's round-off
    EXPECT_LE(limited.balance, 1e-13) << courant;
    EXPECT_LE(upwind.balance, 1e-13) << courant;
    EXPECT_LT(limited.error, upwind.error) << courant;
  }
  // Where the Lax-Wendroff flux is stable (Courant <= 1) the limited front is several times sharper.
  EXPECT_LT(advect_step("limited", 0.5).error, 0.3 * advect_step("upwind", 0.5).error);
}

TEST(DarcyAdvection, RoughFlowKeepsUniformConcentrationBoundsAndBalance) {
  // A rough pressure field on a small block with sink sides: face volumes up to ~50 cell volumes
  // per step in every direction (Courant numbers far above 1), capacity changing with the fluid;
  // then the same with a quarter of the pressure (Courant numbers around 1, where the correction acts).
  const Grid grid{7, 6, 5, 1e-4, 1e-4};
  Boundaries bc;
  bc.set_x(BoundaryKind::sink);
  bc.bottom = BoundaryKind::sink;
  Layer upper{"upper", 2e-4, 0.35}, lower{"lower", 3e-4, 0.2};
  upper.storage = 2e-4;
  upper.hydraulic_conductivity = 3e-11;
  upper.bleb_half_life = 600;
  lower.storage = 5e-5;
  lower.hydraulic_conductivity = 6e-11;
  lower.bleb_half_life = 2400;
  const TransportModel pressure = make_pressure_model(grid, bc, Tissue{{upper, lower}});
  const std::size_t n = grid.n_cells();
  std::vector<double> capacity(grid.nz), fp(grid.nz, 1.0), part(grid.nz, 1.0);
  for (int k = 0; k < grid.nz; ++k) capacity[k] = 0.1 + 0.05 * k;
  const AdvectedSolute solute{capacity.data(), fp.data(), part.data()};
  for (const double scale : {2e4, 5e3}) {
    DarcyAdvection advection(pressure, "limited");
    std::vector<double> p(n), e(n, 0.0), e_after(n);
    for (std::size_t m = 0; m < n; ++m)
      p[m] = scale * (1.0 + std::sin(1.3 * double(m)) * std::cos(0.7 * double(m * m % 17)));
    // Enough fluid that no cell runs dry: e_after >= 0.5 where the net outflow is largest.
    MassLedger fluid;
    advection.prepare(2.0, p.data(), e.data(), e_after.data(), fluid);
    for (std::size_t m = 0; m < n; ++m) e[m] = 0.5 + std::max(0.0, -e_after[m]);
    advection.prepare(2.0, p.data(), e.data(), e_after.data(), fluid);
    double largest_courant = 0.0;
    for (const std::size_t cell : advection.upwind().order()) {
      UpwindAdvection::Flow flows[6];
      const int n_flows = advection.upwind().inner_flows(cell, flows);
      for (int f = 0; f < n_flows; ++f)
        largest_courant = std::max(largest_courant, flows[f].volume / (capacity[cell / grid.plane_size()] + e[cell]));
    }
    // Uniform in, uniform out (fluid entering through open sides carries the same c).
    std::vector<double> u(n, 4.0);
    MassLedger ledger;
    advection.advect(solute, e.data(), e_after.data(), u.data(), ledger, 0, 4.0);
    for (std::size_t m = 0; m < n; ++m) EXPECT_NEAR(u[m] / 4.0, 1.0, 1e-13) << m;
    // A rough profile in [0, 1] with c = 0 entering: it stays in [0, 1], and the amount balances
    // drained + side losses; the correction really moved solute (it differs from upwind).
    std::vector<double> rough(n), upwind(n);
    for (std::size_t m = 0; m < n; ++m) rough[m] = upwind[m] = 0.5 + 0.5 * std::sin(2.1 * double(m));
    double before = 0.0, after = 0.0, lowest = 1.0, highest = 0.0, moved = 0.0;
    for (std::size_t m = 0; m < n; ++m) before += (capacity[m / grid.plane_size()] + e[m]) * rough[m];
    MassLedger rough_ledger, upwind_ledger;
    advection.advect(solute, e.data(), e_after.data(), rough.data(), rough_ledger, 0);
    advection.upwind().advect(solute, e.data(), e_after.data(), upwind.data(), upwind_ledger);
    for (std::size_t m = 0; m < n; ++m) {
      lowest = std::min(lowest, rough[m]);
      highest = std::max(highest, rough[m]);
      moved = std::max(moved, std::abs(rough[m] - upwind[m]));
      after += (capacity[m / grid.plane_size()] + e_after[m]) * rough[m];
    }
    std::printf("rough flow (p scale %.0e Pa, largest face Courant number %.0f): c in [%.3f, %.3f], largest change "
                "from upwind %.3f, balance %.1e\n",
                scale, largest_courant, lowest, highest, moved, std::abs(before * grid.cell_volume() - after * grid.cell_volume() -
                                                        rough_ledger.removed()) / (before * grid.cell_volume()));
    EXPECT_GE(lowest, 0.0);
    EXPECT_LE(highest, 1.0);
    EXPECT_GT(moved, 1e-3);
    EXPECT_NEAR(before * grid.cell_volume(), after * grid.cell_volume() + rough_ledger.removed(),
                1e-13 * before * grid.cell_volume());
    EXPECT_EQ(rough_ledger.to_lymph, upwind_ledger.to_lymph);  // the correction moves solute between cells only
    // Four solutes as the reservoir advects them (one per thread at a time, each with its
    // thread's scratch slot) give the bits of one thread.
    auto advect_four = [&](int n_threads) {
      const int saved = omp_get_max_threads();
      omp_set_num_threads(n_threads);
      advection.prepare(2.0, p.data(), e.data(), e_after.data(), fluid);
      std::vector<std::vector<double>> fields(4, std::vector<double>(n));
      std::vector<MassLedger> ledgers(4);
      for (int c = 0; c < 4; ++c)
        for (std::size_t m = 0; m < n; ++m) fields[c][m] = 0.5 + 0.5 * std::sin((1.1 + 0.3 * c) * double(m));
#pragma omp parallel for schedule(dynamic, 1)
      for (int c = 0; c < 4; ++c)
        advection.advect(solute, e.data(), e_after.data(), fields[c].data(), ledgers[c], omp_get_thread_num());
      omp_set_num_threads(saved);
      return fields;
    };
    EXPECT_TRUE(advect_four(1) == advect_four(2));
  }
}

}  // namespace
}  // namespace mesosim
