#include "solver/darcy_advection.hpp"

#include <cassert>

#include <omp.h>

#include "solver/error.hpp"

namespace mesosim {

DarcyAdvection::DarcyAdvection(const LayeredOperator& pressure_model, const std::string& scheme)
    : model_(pressure_model), upwind_(pressure_model), scheme_(scheme), limited_(scheme == "limited") {
  if (!limited_ && scheme != "upwind")
    throw InputError("unknown advection scheme '" + scheme + "'; choose 'limited' or 'upwind'");
}

void DarcyAdvection::prepare(double tau, const double* p, const double* e_before, double* e_after,
                             MassLedger& fluid) {
  upwind_.prepare(tau, p, e_before, e_after, fluid);
  if (!limited_) return;
  // The flows are the same for every solute: listed once here, read by each correct().
  const std::vector<std::size_t>& active = upwind_.active();
  first_flow_.resize(active.size() + 1);
  flows_.clear();
  UpwindAdvection::Flow flows[6];
  for (std::size_t a = 0; a < active.size(); ++a) {
    first_flow_[a] = flows_.size();
    const int n_flows = upwind_.inner_flows(active[a], flows);
    flows_.insert(flows_.end(), flows, flows + n_flows);
  }
  first_flow_[active.size()] = flows_.size();
  const std::size_t n_threads = std::size_t(std::max(omp_get_max_threads(), 1));
  const std::size_t n_cells = model_.grid().n_cells();
  if (slots_.size() < n_threads) slots_.resize(n_threads);
  for (Scratch& s : slots_) {
    if (s.start.size() != n_cells) {
      s.start.assign(n_cells, 0.0);
      s.low.assign(n_cells, 0.0);
      s.ratios.assign(2 * n_cells, 1.0);
    }
    s.bounds.resize(2 * active.size());
    s.amounts.resize(flows_.size());
  }
}

void DarcyAdvection::advect(const AdvectedSolute& solute, const double* e_before, const double* e_after, double* u,
                            MassLedger& ledger, int slot, double inflow_concentration) {
  if (!limited_) {
    upwind_.advect(solute, e_before, e_after, u, ledger, inflow_concentration);
    return;
  }
  assert(slot >= 0 && std::size_t(slot) < slots_.size());
  Scratch& s = slots_[std::size_t(slot)];
  for (const std::size_t cell : upwind_.order()) s.start[cell] = u[cell];
  upwind_.advect(solute, e_before, e_after, u, ledger, inflow_concentration);
  correct(solute, e_before, e_after, u, s);
}

void DarcyAdvection::correct(const AdvectedSolute& solute, const double* e_before, const double* e_after, double* u,
                             Scratch& s) const {
  const std::size_t plane = model_.grid().plane_size();
  const std::vector<std::size_t>& order = upwind_.order();
  for (const std::size_t cell : order) s.low[cell] = u[cell];
  // Amounts are alpha u with alpha = capacity + fP e; concentrations c = P u. The antidiffusive
  // amount a face carries from its upwind to its downwind cell, W (c_LW - c_low,up), is computed
  // from (upwind, downwind, W) only, so both cells of a face get bitwise the same value.
  auto antidiffusive = [&](std::size_t up, std::size_t down, double volume) {
    const std::size_t k_up = up / plane, k_down = down / plane;
    const double part_up = solute.partition[k_up];
    const double courant = volume * part_up / (solute.capacity[k_up] + solute.fp[k_up] * e_before[up]);
    const double face = lax_wendroff_face(part_up * s.start[up], solute.partition[k_down] * s.start[down], courant);
    return volume * (face - part_up * s.low[up]);
  };
  // Into `cell` through a face of volume `volume` (> 0 leaves the cell) to `neighbour`.
  auto into = [&](std::size_t cell, std::size_t neighbour, double volume) {
    return volume > 0.0 ? -antidiffusive(cell, neighbour, volume) : antidiffusive(neighbour, cell, -volume);
  };
  // The bound of a cell: the extreme c over it and its flow neighbours, at the start and after the predictor.
  auto widen = [&](std::size_t cell, double& lowest, double& highest) {
    const double part = solute.partition[cell / plane];
    lowest = std::min({lowest, part * s.start[cell], part * s.low[cell]});
    highest = std::max({highest, part * s.start[cell], part * s.low[cell]});
  };
  // The range a cell must stay in: its own and its flow neighbours' c before and after the predictor.
  auto bounds = [&](std::size_t cell, int n_flows, const UpwindAdvection::Flow* flows, double& lowest, double& highest) {
    lowest = highest = solute.partition[cell / plane] * s.low[cell];
    widen(cell, lowest, highest);
    for (int f = 0; f < n_flows; ++f) widen(flows[f].neighbour, lowest, highest);
  };
  // Both passes read only the start, the predictor's values and (pass 2) the ratios, never a value
  // of the same pass: they run in cell index order (memory order), not the flow order, and only
  // over the cells that exchange or drain fluid (upwind_.active()): a quiet cell has no flows and
  // takes no correction, nor does any other cell without flows to other cells. Pass 1 keeps each
  // cell's bound and antidiffusive amounts for pass 2.
  const std::vector<std::size_t>& active = upwind_.active();
  // Pass 1: Zalesak's R+ and R- per cell from its bound and the antidiffusive amounts it would receive.
  for (std::size_t a = 0; a < active.size(); ++a) {
    const std::size_t first = first_flow_[a];
    const int n_flows = int(first_flow_[a + 1] - first);
    if (n_flows == 0) continue;
    const UpwindAdvection::Flow* flows = flows_.data() + first;
    double* amounts = s.amounts.data() + first;
    const std::size_t cell = active[a];
    const int k = int(cell / plane);
    double lowest = 0.0, highest = 0.0;
    bounds(cell, n_flows, flows, lowest, highest);
    s.bounds[2 * a] = lowest;
    s.bounds[2 * a + 1] = highest;
    double gains = 0.0, losses = 0.0;
    for (int f = 0; f < n_flows; ++f) {
      const double amount = into(cell, flows[f].neighbour, flows[f].volume);
      amounts[f] = amount;
      if (amount > 0.0) gains += amount;
      else losses += amount;
    }
    // Room to the bound in amounts: (alpha_after / P)(bound - c_low). A cell left without positive
    // capacity (no fluid model gives one) takes no correction.
    const double per_c = (solute.capacity[k] + solute.fp[k] * e_after[cell]) / solute.partition[k];
    const double c_low = solute.partition[k] * s.low[cell];
    s.ratios[2 * cell] = per_c > 0.0 ? limiter_ratio(per_c * (highest - c_low), gains) : 0.0;
    s.ratios[2 * cell + 1] = per_c > 0.0 ? limiter_ratio(per_c * (lowest - c_low), losses) : 0.0;
  }
  // Pass 2: each face passes min(R+ of the receiver, R- of the giver) of its amount; the result
  // is clamped to the bound, which the limiter already guarantees up to round-off.
  for (std::size_t a = 0; a < active.size(); ++a) {
    const std::size_t first = first_flow_[a];
    const int n_flows = int(first_flow_[a + 1] - first);
    if (n_flows == 0) continue;
    const UpwindAdvection::Flow* flows = flows_.data() + first;
    const double* amounts = s.amounts.data() + first;
    const std::size_t cell = active[a];
    const int k = int(cell / plane);
    double change = 0.0;
    for (int f = 0; f < n_flows; ++f) {
      const std::size_t neighbour = flows[f].neighbour;
      const double amount = amounts[f];
      const double passed = amount > 0.0 ? std::min(s.ratios[2 * cell], s.ratios[2 * neighbour + 1])
                                         : std::min(s.ratios[2 * cell + 1], s.ratios[2 * neighbour]);
      change += passed * amount;
    }
    const double part = solute.partition[k];
    const double value = s.low[cell] + change / (solute.capacity[k] + solute.fp[k] * e_after[cell]);
    u[cell] = std::clamp(value, s.bounds[2 * a] / part, s.bounds[2 * a + 1] / part);
  }
}

}  // namespace mesosim
