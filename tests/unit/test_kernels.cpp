// Kernels in isolation: the tridiagonal line factor against a dense Eigen solve (closed, sink and
// periodic lines, batched with a stride), TR-BDF2 line conservation, the exact reaction map
// against Eigen's matrix exponential, layer averaging in a cell that holds an interface, and the
// explicit stability limit.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <unsupported/Eigen/MatrixFunctions>

#include "models/error.hpp"
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

}  // namespace
}  // namespace mesosim
