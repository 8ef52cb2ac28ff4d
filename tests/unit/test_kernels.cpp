// Kernels in isolation: the tridiagonal line factor against a dense Eigen solve (closed, sink and
// periodic lines, batched with a stride), TR-BDF2 line conservation, the exact reaction map
// against Eigen's matrix exponential, layer averaging in a cell that holds an interface, and the
// explicit stability limit.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <unsupported/Eigen/MatrixFunctions>
#include <vector>

#include "solver/error.hpp"
#include "solver/integrator.hpp"
#include "solver/line_operator.hpp"
#include "solver/reaction.hpp"
#include "tests/test_support.hpp"

namespace mesosim {
namespace {

LineOperator varied_line(int n, bool start_sink, bool end_sink, bool periodic) {
  LineOperator op = LineOperator::uniform(n, 1.0, 1.0, start_sink, end_sink, periodic);
  for (int i = 0; i < n; ++i) {
    op.alpha[i] = 0.5 + 0.1 * i;
    if (i > 0) op.west[i] = op.east[i - 1] = 1.0 + 0.3 * std::sin(i);
  }
  if (periodic) op.west[0] = op.east[n - 1] = 0.7;
  return op;
}

/// Dense (alpha - theta L) of a LineOperator.
Eigen::MatrixXd dense(const LineOperator& op, double theta) {
  const int n = op.n;
  Eigen::MatrixXd m = Eigen::MatrixXd::Zero(n, n);
  for (int i = 0; i < n; ++i) {
    m(i, i) = op.alpha[i] + theta * (op.west[i] + op.east[i]);
    if (i > 0) m(i, i - 1) -= theta * op.west[i];
    else if (op.periodic) m(i, n - 1) -= theta * op.west[i];
    if (i + 1 < n) m(i, i + 1) -= theta * op.east[i];
    else if (op.periodic) m(i, 0) -= theta * op.east[i];
  }
  return m;
}

TEST(LineFactor, MatchesADenseSolveForEveryKindOfLine) {
  struct Kind {
    bool start_sink, end_sink, periodic;
  };
  for (const Kind kind : {Kind{false, false, false}, Kind{true, false, false}, Kind{true, true, false}, Kind{false, false, true}}) {
    const int n = 9, width = 3, stride = 5;  // batch of 3 lines, rows padded to 5
    const LineOperator op = varied_line(n, kind.start_sink, kind.end_sink, kind.periodic);
    LineFactor factor;
    factor.factor(op, 2.5);
    const Eigen::MatrixXd m = dense(op, 2.5);
    std::vector<double> x(n * stride, -99.0);
    Eigen::MatrixXd rhs(n, width);
    for (int i = 0; i < n; ++i)
      for (int w = 0; w < width; ++w) x[i * stride + w] = rhs(i, w) = std::cos(1.0 + i * 0.7 + w);
    factor.solve(x.data(), stride, width);
    const Eigen::MatrixXd expected = m.fullPivLu().solve(rhs);
    for (int i = 0; i < n; ++i) {
      for (int w = 0; w < width; ++w) EXPECT_NEAR(x[i * stride + w], expected(i, w), 1e-13);
      EXPECT_EQ(x[i * stride + 3], -99.0);  // padding untouched
    }
  }
}

TEST(LineFactor, TrBdf2StepConservesAndBooksBoundaryOutflow) {
  for (const bool sink : {false, true}) {
    const int n = 12, width = 4;
    const LineOperator op = varied_line(n, sink, sink, false);
    const double tau = 3.0;
    LineFactor factor;
    factor.factor(op, tr_bdf2_d * tau);
    std::vector<double> u(n * width), stage(n * width);
    double before = 0.0;
    for (int i = 0; i < n; ++i)
      for (int w = 0; w < width; ++w) {
        u[i * width + w] = 1.0 + std::sin(i + 3.0 * w);
        before += op.alpha[i] * u[i * width + w];
      }
    LineOutflow out;
    tr_bdf2_lines(u.data(), width, width, op, factor, tau, stage.data(), out);
    double after = 0.0;
    for (int i = 0; i < n; ++i)
      for (int w = 0; w < width; ++w) after += op.alpha[i] * u[i * width + w];
    EXPECT_NEAR(before, after + out.start + out.end, 1e-13 * before);
    if (sink) EXPECT_GT(out.start, 0.0);
    else EXPECT_EQ(out.start + out.end, 0.0);
  }
}

TEST(ReactionMap, MatchesTheMatrixExponentialAndBooksTheLosses) {
  const double alpha = 0.3, s_blood = 0.3 * 2e-3, s_lymph = 0.3 * 1e-4, s_deg = 0.3 * 5e-4;
  const double bind_on = 0.3 * 4e-3, k_off = 1e-3, k_cell = 2e-4;
  for (double tau : {1e-3, 10.0, 600.0, 1e5}) {
    const ReactionMap map = make_reaction_map(alpha, s_blood, s_lymph, s_deg, bind_on, k_off, k_cell, tau);
    const double k_s = (s_blood + s_lymph + s_deg) / alpha, k_on = bind_on / alpha;
    Eigen::Matrix2d m;
    m << -(k_s + k_on), k_off, k_on, -(k_off + k_cell);
    const Eigen::Matrix2d e = (m * tau).exp();
    // (A, b) with A = alpha u: compare u' = uu u + ub b for u = 1, b = 0.5.
    const double u0 = 1.0, b0 = 0.5, a0 = alpha * u0;
    const Eigen::Vector2d x = e * Eigen::Vector2d(a0, b0);
    EXPECT_NEAR(map.uu * u0 + map.ub * b0, x[0] / alpha, 1e-12 * (1 + std::abs(x[0] / alpha)));
    EXPECT_NEAR(map.bu * u0 + map.bb * b0, x[1], 1e-12 * (1 + std::abs(x[1])));
    const double lost = (map.blood_u + map.lymph_u + map.degraded_u) * u0 + (map.blood_b + map.lymph_b + map.degraded_b) * b0;
    EXPECT_NEAR(lost, (a0 + b0) - (x[0] + x[1]), 1e-12 * (a0 + b0));
    // Mobile sinks share their removal in proportion to their rates.
    EXPECT_NEAR((map.blood_u * u0 + map.blood_b * b0) / (map.lymph_u * u0 + map.lymph_b * b0), 20.0, 1e-9);
  }
  // Without binding: exactly exp(-k tau).
  const ReactionMap plain = make_reaction_map(0.3, 0.3 * 1e-3, 0.0, 0.0, 0.0, 0.0, 0.0, 100.0);
  EXPECT_DOUBLE_EQ(plain.uu, std::exp(-0.1));
  EXPECT_NEAR(plain.blood_u, 0.3 * -std::expm1(-0.1), 1e-16);
}

TEST(TransportModel, AveragesTheLayersACellSpans) {
  // Interface at 0.13 mm inside cell 1 (0.1..0.2 mm): 30 % of it in layer a, 70 % in layer b.
  const Tissue tissue{{Layer{"a", 0.13e-3, 0.2}, Layer{"b", 0.27e-3, 0.4}}};
  SoluteInLayer a, b;
  a.diffusivity = 1e-9;
  a.k_blood = 1e-3;
  b.diffusivity = 4e-10;
  b.k_blood = 2e-3;
  b.partition = 2.0;
  const Grid grid{2, 2, 4, 1e-4, 1e-4};
  const TransportModel model(grid, Boundaries{}, tissue, {Component{"s", {a, b}}});
  const ComponentCoefficients& co = model.coefficients(0);
  EXPECT_NEAR(co.capacity[1], 0.3 * 0.2 + 0.7 * 0.4 * 2.0, 1e-15);
  EXPECT_NEAR(co.lateral[1] * 1e-8, 0.3 * 0.2 * 1e-9 + 0.7 * 0.8 * 4e-10, 1e-24);
  EXPECT_NEAR(co.sink_blood[1], 0.3 * 0.2 * 1e-3 + 0.7 * 0.8 * 2e-3, 1e-18);
  // Face between centres 0.05 and 0.15 mm: 0.08 mm in a, 0.02 mm in b, in series; the next face
  // lies wholly in b. (vertical[] is conductance / hz, so multiply by hz to compare.)
  const double kappa_a = 0.2 * 1e-9, kappa_b = 0.4 * 2.0 * 4e-10;
  EXPECT_NEAR(co.vertical[1] * 1e-4 / (1.0 / (0.08e-3 / kappa_a + 0.02e-3 / kappa_b)), 1.0, 1e-14);
  EXPECT_NEAR(co.vertical[2] * 1e-4 / (kappa_b / 1e-4), 1.0, 1e-14);
  EXPECT_EQ(co.vertical[0], 0.0);
  EXPECT_EQ(co.vertical[4], 0.0);  // closed bottom
  EXPECT_EQ(model.layer_of_cell(1), 1u);  // centre 0.15 mm is below the interface
  EXPECT_EQ(co.partition[1], 2.0);
}

TEST(ExplicitLimit, IsEnforcedAndKeepsValuesNonNegative) {
  const Grid grid{8, 8, 8, 1e-4, 1e-4};
  Boundaries bc;
  bc.set_x(BoundaryKind::sink);
  bc.set_y(BoundaryKind::periodic);
  bc.bottom = BoundaryKind::sink;
  const TransportModel model(grid, bc, testing::uniform_tissue(grid.depth()), {testing::uniform_component(1, 1e-9, 1e-3)});
  IntegratorSettings too_big;
  too_big.scheme = "explicit";
  too_big.fixed_step = 1.01 * model.max_explicit_step();
  EXPECT_THROW(Integrator(model, too_big), InputError);
  ExplicitStepper stepper(model);
  TransportState state(model);
  add_mass(model, state, 0, 0, 0, 7, 1e-9);  // a corner next to three open faces: the worst cell
  add_mass(model, state, 0, 4, 4, 4, 1e-9);
  for (int n = 0; n < 50; ++n) stepper.step(state, model.max_explicit_step());
  EXPECT_GE(*std::min_element(state.u.raw().begin(), state.u.raw().end()), 0.0);
  EXPECT_THROW(stepper.step(state, 1.001 * model.max_explicit_step()), InputError);
  // A checkerboard at the limit is damped, never amplified (the limit is the sharp bound).
  TransportState board(model);
  add_concentration(model, board, 0, [&](double x, double y, double z) {
    const int parity = int(std::floor(x / 1e-4) + std::floor(y / 1e-4) + std::floor(z / 1e-4)) % 2;
    return parity ? 1.0 : 0.0;
  });
  const double peak_before = *std::max_element(board.u.raw().begin(), board.u.raw().end());
  stepper.step(board, model.max_explicit_step());
  EXPECT_LE(*std::max_element(board.u.raw().begin(), board.u.raw().end()), peak_before);
  EXPECT_GE(*std::min_element(board.u.raw().begin(), board.u.raw().end()), 0.0);
}

TEST(LineFactor, HandlesTheShortestLines) {
  struct Case {
    int n;
    bool start_sink, end_sink, periodic;
  };
  // One cell with two sink ends, two cells with one, and the shortest periodic line (3 cells).
  for (const Case line : {Case{1, true, true, false}, Case{1, false, false, false}, Case{2, true, false, false},
                          Case{3, false, false, true}}) {
    const LineOperator op = varied_line(line.n, line.start_sink, line.end_sink, line.periodic);
    LineFactor factor;
    factor.factor(op, 0.8);
    const Eigen::MatrixXd m = dense(op, 0.8);
    const int width = 2;
    std::vector<double> x(line.n * width);
    Eigen::MatrixXd rhs(line.n, width);
    for (int i = 0; i < line.n; ++i)
      for (int w = 0; w < width; ++w) x[i * width + w] = rhs(i, w) = 1.0 + i - 0.5 * w;
    factor.solve(x.data(), width, width);
    const Eigen::MatrixXd expected = m.fullPivLu().solve(rhs);
    for (int i = 0; i < line.n; ++i)
      for (int w = 0; w < width; ++w) EXPECT_NEAR(x[i * width + w], expected(i, w), 1e-14) << "n = " << line.n;
  }
}

/// Dense L of a LineOperator: (L u)_n = west_n (u_{n-1} - u_n) + east_n (u_{n+1} - u_n).
Eigen::MatrixXd dense_operator(const LineOperator& op) {
  const int n = op.n;
  Eigen::MatrixXd l = Eigen::MatrixXd::Zero(n, n);
  for (int i = 0; i < n; ++i) {
    l(i, i) = -(op.west[i] + op.east[i]);
    if (i > 0) l(i, i - 1) += op.west[i];
    else if (op.periodic) l(i, n - 1) += op.west[i];
    if (i + 1 < n) l(i, i + 1) += op.east[i];
    else if (op.periodic) l(i, 0) += op.east[i];
  }
  return l;
}

TEST(LineFactor, TrBdf2StepMatchesADenseComputationWithAStride) {
  // A batch of 3 lines padded to a stride of 5 (as in the vertical sweep, which steps a whole
  // plane per cell): a periodic line and a line with a sink at one end only.
  for (const bool periodic : {false, true}) {
    const int n = 7, width = 3, stride = 5;
    const LineOperator op = varied_line(n, !periodic, false, periodic);
    const double tau = 1.7, theta = tr_bdf2_d * tau;
    LineFactor factor;
    factor.factor(op, theta);
    std::vector<double> u(n * stride, -99.0), stage(n * width);
    Eigen::MatrixXd u0(n, width);
    for (int i = 0; i < n; ++i)
      for (int w = 0; w < width; ++w) u[i * stride + w] = u0(i, w) = 1.0 + std::cos(0.9 * i + 2.0 * w);
    LineOutflow out;
    tr_bdf2_lines(u.data(), stride, width, op, factor, tau, stage.data(), out);
    // TR-BDF2: (A - theta L) U2 = (A + theta L) u;  (A - theta L) U3 = A (u + (w/d)(U2 - u)).
    const Eigen::MatrixXd alpha = Eigen::VectorXd::Map(op.alpha.data(), n).asDiagonal();
    const Eigen::MatrixXd l = dense_operator(op);
    const auto lu = (alpha - theta * l).fullPivLu();
    const Eigen::MatrixXd u2 = lu.solve((alpha + theta * l) * u0);
    const Eigen::MatrixXd u3 = lu.solve(alpha * (u0 + (tr_bdf2_w / tr_bdf2_d) * (u2 - u0)));
    for (int i = 0; i < n; ++i) {
      for (int w = 0; w < width; ++w) EXPECT_NEAR(u[i * stride + w], u3(i, w), 1e-14) << "periodic " << periodic;
      EXPECT_EQ(u[i * stride + 3], -99.0);  // padding untouched
      EXPECT_EQ(u[i * stride + 4], -99.0);
    }
    // The outflow through the sink end is the TR-BDF2 quadrature of west_0 u_0 over the stages.
    const double expected_start =
        periodic ? 0.0
                 : tau * op.west[0] *
                       (tr_bdf2_w * (u0.row(0).sum() + u2.row(0).sum()) + tr_bdf2_d * u3.row(0).sum());
    EXPECT_NEAR(out.start, expected_start, 1e-14);
    EXPECT_EQ(out.end, 0.0);
    if (!periodic) {
      EXPECT_GT(out.start, 0.1);  // the sink really drained something
    }
  }
}

TEST(LineFactor, TrBdf2RowsMatchesTheBatchKernelOnTransposedLines) {
  // Lines lying contiguous (x lines of a plane), in whole chunks of 16 and a remainder, with a
  // length that is not a multiple of the 8 x 8 transpose blocks; rows padded to a stride.
  for (const int n : {5, 8, 21}) {
    const int n_lines = 2 * line_chunk + 3, stride = n + 3;
    const LineOperator op = varied_line(n, true, false, false);
    const double tau = 1.7;
    LineFactor factor;
    factor.factor(op, tr_bdf2_d * tau);
    std::vector<double> rows(n_lines * stride, -99.0), batch(n * n_lines);
    std::vector<double> stage(std::max(2 * n * line_chunk, n * n_lines));
    for (int j = 0; j < n_lines; ++j)
      for (int i = 0; i < n; ++i) rows[j * stride + i] = batch[i * n_lines + j] = 1.0 + std::cos(0.7 * i + 1.3 * j);
    LineOutflow out_rows, out_batch;
    tr_bdf2_rows(rows.data(), stride, n_lines, op, factor, tau, stage.data(), out_rows);
    tr_bdf2_lines(batch.data(), n_lines, n_lines, op, factor, tau, stage.data(), out_batch);
    for (int j = 0; j < n_lines; ++j) {
      for (int i = 0; i < n; ++i) EXPECT_EQ(rows[j * stride + i], batch[i * n_lines + j]) << "n " << n << " line " << j;
      for (int i = n; i < stride; ++i) EXPECT_EQ(rows[j * stride + i], -99.0);  // padding untouched
    }
    EXPECT_NEAR(out_rows.start, out_batch.start, 1e-14 * out_batch.start);
    EXPECT_GT(out_rows.start, 0.0);
    EXPECT_EQ(out_rows.end, 0.0);
  }
}

TEST(ReactionMap, BooksEachRouteAsTheIntegralOfTheExponential) {
  // Van Loan: exp([[M, I], [0, 0]] tau) = [[exp(M tau), F], [0, I]], F = integral_0^tau exp(M s) ds,
  // so the amount a route removes is its rate times the time integral (F x0) of what it acts on.
  // Reference in long double: Eigen's scaling and squaring loses ~ |M| tau x epsilon, which is
  // 1e-12 in double at |M| tau = 5e4 but 5e-15 in long double.
  using Matrix2l = Eigen::Matrix<long double, 2, 2>;
  using Matrix4l = Eigen::Matrix<long double, 4, 4>;
  struct Rates {
    double k_blood, k_lymph, k_deg, k_on, k_off, k_cell;
  };
  const double alpha = 0.21;  // phi f P of some dermis
  for (const Rates r : {Rates{2e-3, 1e-4, 5e-4, 4e-3, 1e-3, 2e-4},   // binding, every route open
                        Rates{0.0, 3e-5, 0.0, 0.0, 2e-3, 5e-4},        // release and consumption only
                        Rates{1e-3, 0.0, 0.0, 0.5, 1e-6, 0.0}})        // fast, nearly irreversible binding
    for (const double tau : {1e-2, 30.0, 1800.0, 1e5}) {
      const ReactionMap map = make_reaction_map(alpha, alpha * r.k_blood, alpha * r.k_lymph, alpha * r.k_deg,
                                                alpha * r.k_on, r.k_off, r.k_cell, tau);
      Matrix2l m;
      m << -(r.k_blood + r.k_lymph + r.k_deg + r.k_on), r.k_off, r.k_on, -(r.k_off + r.k_cell);
      Matrix4l block = Matrix4l::Zero();
      block.topLeftCorner<2, 2>() = m * (long double)tau;
      block.topRightCorner<2, 2>() = Matrix2l::Identity() * (long double)tau;
      const Matrix4l exp_block = block.exp();
      const Matrix2l e = exp_block.topLeftCorner<2, 2>(), f = exp_block.topRightCorner<2, 2>();
      const double u0 = 1.3, b0 = 0.4;
      const Eigen::Matrix<long double, 2, 1> x0(alpha * u0, b0);
      const Eigen::Matrix<long double, 2, 1> x1 = e * x0, integral = f * x0;  // (int A dt, int b dt)
      const double mobile = double(integral[0]), bound = double(integral[1]);
      const double total = alpha * u0 + b0;
      // A 2 x 2 map built in double should be good to a few hundred ulps of the amounts involved.
      const double tol = 1e-13 * total;
      const std::string where = "k_on " + std::to_string(r.k_on) + ", tau " + std::to_string(tau);
      EXPECT_NEAR(alpha * (map.uu * u0 + map.ub * b0), double(x1[0]), tol) << where;
      EXPECT_NEAR(map.bu * u0 + map.bb * b0, double(x1[1]), tol) << where << ": bound amount";
      EXPECT_NEAR(map.blood_u * u0 + map.blood_b * b0, r.k_blood * mobile, tol) << where;
      EXPECT_NEAR(map.lymph_u * u0 + map.lymph_b * b0, r.k_lymph * mobile, tol) << where;
      EXPECT_NEAR(map.degraded_u * u0 + map.degraded_b * b0, r.k_deg * mobile + r.k_cell * bound, tol) << where;
      // The map alone must conserve: removed + remaining = what there was (no reference needed).
      const double removed = (map.blood_u + map.lymph_u + map.degraded_u) * u0 +
                             (map.blood_b + map.lymph_b + map.degraded_b) * b0;
      const double remaining = alpha * (map.uu * u0 + map.ub * b0) + map.bu * u0 + map.bb * b0;
      EXPECT_NEAR((removed + remaining) / total, 1.0, 1e-14) << where << ": the map creates or loses mass";
      EXPECT_GE(std::min({map.uu, map.ub, map.bu, map.bb}), 0.0) << where;  // exp of a Metzler matrix
    }
}

TEST(TransportModel, AveragesRatesOverThreeLayersInOneCell) {
  // Cell 1 (0.1-0.2 mm) holds 0.02 mm of a, 0.05 of b and 0.03 of c.
  const Tissue tissue{{Layer{"a", 0.12e-3, 0.2}, Layer{"b", 0.05e-3, 0.4}, Layer{"c", 0.13e-3, 0.1}}};
  std::vector<SoluteInLayer> s(3);
  const double fraction[] = {1.0, 0.5, 0.8}, partition[] = {1.0, 2.0, 0.5};
  for (int n = 0; n < 3; ++n) {
    s[n].available_fraction = fraction[n];
    s[n].partition = partition[n];
    s[n].k_lymph = 1e-4 * (n + 1);
    s[n].k_degradation = 3e-4 / (n + 1);
    s[n].k_on = 1e-3 * (n + 2);
    s[n].k_off = 5e-4 * (n + 1);
    s[n].k_cell = 1e-5 * (3 - n);
  }
  const Grid grid{2, 2, 3, 1e-4, 1e-4};
  const TransportModel model(grid, Boundaries{}, tissue, {Component{"s", s}});
  const ComponentCoefficients& co = model.coefficients(0);
  const double share[] = {0.2, 0.5, 0.3};  // of cell 1's height in a, b, c
  auto average = [&](auto value) {
    double total = 0.0;
    for (int n = 0; n < 3; ++n) total += share[n] * value(n);
    return total;
  };
  auto phi_f_p = [&](int n) { return tissue.layers[n].fluid_fraction * fraction[n] * partition[n]; };
  // Volume averages: sinks and binding weighted by the capacity phi f P, release and consumption
  // of the bound amount (per bound amount) by volume alone. 1e-14 relative: a few roundings.
  EXPECT_NEAR(co.capacity[1] / average(phi_f_p), 1.0, 1e-14);
  EXPECT_NEAR(co.sink_lymph[1] / average([&](int n) { return phi_f_p(n) * s[n].k_lymph; }), 1.0, 1e-14);
  EXPECT_NEAR(co.sink_degradation[1] / average([&](int n) { return phi_f_p(n) * s[n].k_degradation; }), 1.0, 1e-14);
  EXPECT_NEAR(co.bind_on[1] / average([&](int n) { return phi_f_p(n) * s[n].k_on; }), 1.0, 1e-14);
  EXPECT_NEAR(co.k_off[1] / average([&](int n) { return s[n].k_off; }), 1.0, 1e-14);
  EXPECT_NEAR(co.k_cell[1] / average([&](int n) { return s[n].k_cell; }), 1.0, 1e-14);
  EXPECT_EQ(co.sink_blood[1], 0.0);
  EXPECT_TRUE(co.has_binding);
  EXPECT_EQ(model.layer_of_cell(1), 1u);  // centre 0.15 mm lies in b (0.12-0.17 mm)
  EXPECT_EQ(co.partition[1], 2.0);
}

TEST(ExplicitLimit, IsSharpAndAnIntegratorRunAtTheLimitStaysNonNegative) {
  const Grid grid{8, 8, 8, 1e-4, 1e-4};
  Boundaries bc;
  bc.set_x(BoundaryKind::sink);
  bc.set_y(BoundaryKind::periodic);
  bc.bottom = BoundaryKind::sink;
  const TransportModel model(grid, bc, testing::uniform_tissue(grid.depth()), {testing::uniform_component(1, 1e-9)});
  const double limit = model.max_explicit_step();
  // Worst cell: x edge (sink face 2 + interior face 1), y periodic (1 + 1), bottom (interior 1 +
  // sink 2): 8 kappa / h^2 out of it. At the limit forward Euler leaves exactly nothing behind
  // there (so the limit is the largest positive step, not a conservative guess), and 1 - 6/8 in
  // an interior cell.
  ExplicitStepper stepper(model);
  TransportState state(model);
  add_mass(model, state, 0, 0, 3, 7, 1e-9);
  add_mass(model, state, 0, 4, 4, 3, 1e-9);
  const double corner = state.u(0, grid.index(0, 3, 7)), inside = state.u(0, grid.index(4, 4, 3));
  stepper.step(state, limit);
  EXPECT_LE(std::abs(state.u(0, grid.index(0, 3, 7))), 1e-14 * corner);  // 1 - 8/8, up to rounding
  EXPECT_NEAR(state.u(0, grid.index(4, 4, 3)) / inside, 0.25, 1e-14);
  // The Integrator accepts exactly the limit and a long run at it stays non-negative.
  IntegratorSettings at_limit = testing::fixed_steps("explicit", limit);
  Integrator integrator(model, at_limit);
  TransportState run(model);
  add_concentration(model, run, 0, [](double x, double y, double z) {
    return (std::fmod(x + y + z, 3e-4) < 1.5e-4) ? 1.0 : 0.0;  // rough stripes: the hardest start
  });
  double lowest = 0.0;
  integrator.advance_to(run, 300 * limit, [&](const TransportState& s) {
    lowest = std::min(lowest, *std::min_element(s.u.raw().begin(), s.u.raw().end()));
  });
  EXPECT_EQ(run.n_steps, 300);
  EXPECT_NEAR(integrator.stats().largest_step / limit, 1.0, 1e-12);
  EXPECT_GE(lowest, 0.0);
  EXPECT_LT(std::abs(ledger_residual(model, run, 0)), 1e-13);  // round-off over 300 steps
}

TEST(ImplicitStepper, AStepFromAnotherStateAndTwoStepsInOneAreBitwiseThePlainSteps) {
  // Two layers, one component without binding and one with, sink sides: the out-of-place first
  // pass must give bitwise the in-place step of a copy, keep the original in the copies, and
  // leave the other component alone; with a source delivering it takes the copying path. Two
  // steps in one call (their middle passes fused) must be bitwise two calls.
  const Tissue tissue{{Layer{"upper", 0.3e-3, 0.3}, Layer{"lower", 0.5e-3, 0.15}}};
  SoluteInLayer upper, lower;
  upper.diffusivity = 3e-10;
  upper.k_blood = 5e-4;
  lower.diffusivity = 1e-10;
  lower.k_lymph = 2e-5;
  lower.partition = 2.0;
  SoluteInLayer bound_upper = upper, bound_lower = lower;
  bound_upper.k_on = 2e-3;
  bound_upper.k_off = 5e-4;
  bound_lower.k_on = 1e-3;
  bound_lower.k_off = 1e-4;
  bound_lower.k_cell = 1e-5;
  const Grid grid{13, 11, 8, 1e-4, 1e-4};
  Boundaries sides;
  sides.set_x(BoundaryKind::sink);
  sides.set_y(BoundaryKind::sink);
  const TransportModel model(grid, sides, tissue,
                             {Component{"free", {upper, lower}}, Component{"binding", {bound_upper, bound_lower}}});
  ASSERT_FALSE(model.coefficients(0).has_binding);
  ASSERT_TRUE(model.coefficients(1).has_binding);
  TransportState from(model);
  for (int c = 0; c < 2; ++c)
    for (std::size_t n = 0; n < grid.n_cells(); ++n) {
      from.u(c, n) = 1.0 + std::sin(0.37 * double(n) + c);
      from.bound(c, n) = c == 1 ? 0.5 + 0.5 * std::cos(0.11 * double(n)) : 0.0;
    }
  from.time = 40.0;
  const std::vector<Source> sources{make_point_source(grid, 6.5e-4, 5.5e-4, 2e-4, 1e-4, 45.0, 55.0, {1e-9, 2e-9})};
  for (const bool with_source : {false, true}) {
    for (int c = 0; c < 2; ++c) {
      const bool binding = c == 1;
      const std::unique_ptr<TimeStepper> in_place = make_stepper("implicit", model);
      const std::unique_ptr<TimeStepper> out_of_place = make_stepper("implicit", model);
      if (with_source) {
        in_place->set_sources(&sources);
        out_of_place->set_sources(&sources);
      }
      TransportState expected = from;
      in_place->step_component(expected, c, 12.5);
      TransportState stepped(model);
      for (std::size_t n = 0; n < grid.n_cells(); ++n) stepped.u(1 - c, n) = 7.0;  // must stay
      stepped.time = from.time;
      stepped.ledger = from.ledger;
      std::vector<double> copy_u(grid.n_cells(), -1.0), copy_bound(grid.n_cells(), -1.0);
      out_of_place->step_component_from(from, stepped, c, 12.5, copy_u.data(), binding ? copy_bound.data() : nullptr);
      for (std::size_t n = 0; n < grid.n_cells(); ++n) {
        ASSERT_EQ(stepped.u(c, n), expected.u(c, n)) << "cell " << n << ", component " << c;
        ASSERT_EQ(copy_u[n], from.u(c, n));
        ASSERT_EQ(stepped.u(1 - c, n), 7.0);
        if (binding) {
          ASSERT_EQ(stepped.bound(c, n), expected.bound(c, n));
          ASSERT_EQ(copy_bound[n], from.bound(c, n));
        }
      }
      const MassLedger& a = stepped.ledger[c];
      const MassLedger& b = expected.ledger[c];
      EXPECT_EQ(a.injected, b.injected);
      EXPECT_EQ(a.to_blood, b.to_blood);
      EXPECT_EQ(a.to_lymph, b.to_lymph);
      EXPECT_EQ(a.degraded, b.degraded);
      EXPECT_EQ(a.through_sides(), b.through_sides());
      EXPECT_EQ(with_source, a.injected > 0.0);
    }
  }
  // Two steps in one call: bitwise two calls, sources outside both steps (fused middle pass),
  // delivering in the second step only, and in both.
  for (const double dt : {2.0, 3.0, 6.0}) {
    for (int c = 0; c < 2; ++c) {
      const std::unique_ptr<TimeStepper> stepper = make_stepper("implicit", model);
      stepper->set_sources(&sources);
      TransportState expected = from, fused = from;
      stepper->step_component(expected, c, dt);
      expected.time = from.time + dt;
      stepper->step_component(expected, c, dt);
      stepper->step_component_twice(fused, c, dt);
      EXPECT_EQ(fused.time, from.time);
      for (std::size_t n = 0; n < grid.n_cells(); ++n) {
        ASSERT_EQ(fused.u(c, n), expected.u(c, n)) << "dt " << dt << ", cell " << n << ", component " << c;
        ASSERT_EQ(fused.bound(c, n), expected.bound(c, n));
      }
      EXPECT_EQ(fused.ledger[c].injected, expected.ledger[c].injected);
      EXPECT_EQ(fused.ledger[c].to_blood, expected.ledger[c].to_blood);
      EXPECT_EQ(fused.ledger[c].to_lymph, expected.ledger[c].to_lymph);
      EXPECT_EQ(fused.ledger[c].degraded, expected.ledger[c].degraded);
      EXPECT_EQ(fused.ledger[c].through_sides(), expected.ledger[c].through_sides());
      EXPECT_EQ(dt > 2.5, fused.ledger[c].injected > 0.0);  // the source starts at 45 s
    }
  }
  // A copy for bound is required exactly when the component binds.
  const std::unique_ptr<TimeStepper> stepper = make_stepper("implicit", model);
  TransportState stepped(model);
  std::vector<double> copy_u(grid.n_cells()), copy_bound(grid.n_cells());
  EXPECT_THROW(stepper->step_component_from(from, stepped, 1, 1.0, copy_u.data(), nullptr), SolverError);
  EXPECT_THROW(stepper->step_component_from(from, stepped, 0, 1.0, copy_u.data(), copy_bound.data()), SolverError);
}

}  // namespace
}  // namespace mesosim
