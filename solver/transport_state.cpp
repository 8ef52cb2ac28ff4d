#include "solver/transport_state.hpp"

#include "solver/compensated_sum.hpp"

#include <algorithm>
#include <cmath>

namespace mesosim {


TransportState::TransportState(const LayeredOperator& model)
    : u(model.grid(), model.n_components()), ledger(model.n_components()) {
  bool any_binding = false;
  for (int c = 0; c < model.n_components(); ++c) any_binding |= model.coefficients(c).has_binding;
  if (any_binding) bound = Field(model.grid(), model.n_components());
}

void TransportState::assign(const TransportState& other) {
  time = other.time;
  n_steps = other.n_steps;
  // In parallel, in the steppers' static schedule: the adaptive integrator copies the whole
  // state three times per attempted step, and a serial copy was a quarter of a 2-thread run.
  auto parallel_copy = [](const std::vector<double>& from, std::vector<double>& to) {
    const long n = long(from.size());
    const double* source = from.data();
    double* target = to.data();
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; ++i) target[i] = source[i];
  };
  parallel_copy(other.u.raw(), u.raw());
  parallel_copy(other.bound.raw(), bound.raw());
  ledger = other.ledger;
}

double concentration(const LayeredOperator& model, const TransportState& state, int c, int k,
                     std::size_t cell) {
  return model.coefficients(c).partition[k] * state.u(c, cell);
}

double add_concentration(const LayeredOperator& model, TransportState& state, int c,
                         const std::function<double(double, double, double)>& concentration) {
  const Grid& g = model.grid();
  const ComponentCoefficients& co = model.coefficients(c);
  CompensatedSum added;
  for (int k = 0; k < g.nz; ++k)
    for (int j = 0; j < g.ny; ++j)
      for (int i = 0; i < g.nx; ++i) {
        const double value = concentration(g.x_centre(i), g.y_centre(j), g.z_centre(k));
        const double du = value / co.partition[k];
        state.u(c, g.index(i, j, k)) += du;
        added.add(co.capacity[k] * du);
      }
  const double mass = added.value() * g.cell_volume();
  state.ledger[c].injected += mass;
  return mass;
}

void add_mass(const LayeredOperator& model, TransportState& state, int c, int i, int j, int k,
              double mass) {
  const Grid& g = model.grid();
  state.u(c, g.index(i, j, k)) += mass / (model.coefficients(c).capacity[k] * g.cell_volume());
  state.ledger[c].injected += mass;
}

namespace {

/// sum_k weight[k] * sum(plane k of values): each plane summed with its own compensated sum in
/// parallel, the plane totals then added in plane order, so the result does not depend on the
/// thread count.
double weighted_plane_sum(const Grid& g, const double* values, const std::vector<double>* weight) {
  const std::size_t plane = g.plane_size();
  std::vector<double> totals(std::size_t(g.nz), 0.0);
#pragma omp parallel for schedule(static)
  for (int k = 0; k < g.nz; ++k) {
    const double* row = values + std::size_t(k) * plane;
    const double w = weight ? (*weight)[k] : 1.0;
    CompensatedSum total;
    for (std::size_t n = 0; n < plane; ++n) total.add(w * row[n]);
    totals[std::size_t(k)] = total.value();
  }
  CompensatedSum total;
  for (double t : totals) total.add(t);
  return total.value();
}

}  // namespace

double mass_in_fluid(const LayeredOperator& model, const TransportState& state, int c) {
  const Grid& g = model.grid();
  return weighted_plane_sum(g, state.u.component(c), &model.coefficients(c).capacity) * g.cell_volume();
}

double mass_bound(const LayeredOperator& model, const TransportState& state, int c) {
  if (state.bound.empty()) return 0.0;
  const Grid& g = model.grid();
  return weighted_plane_sum(g, state.bound.component(c), nullptr) * g.cell_volume();
}

double ledger_residual(const LayeredOperator& model, const TransportState& state, int c) {
  const MassLedger& l = state.ledger[c];
  if (l.injected == 0.0) return 0.0;
  const double in_tissue = mass_in_fluid(model, state, c) + mass_bound(model, state, c);
  return (l.injected - in_tissue - l.removed()) / l.injected;
}

}  // namespace mesosim
