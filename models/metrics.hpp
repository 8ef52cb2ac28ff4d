// The numbers researchers compare, computed from a transport state (read only):
//   coverage     fraction of the target-layer volume under the treated area whose concentration
//                is at or above the component's threshold;
//   uniformity   coefficient of variation of the concentration over the same cells (std / mean);
//   peak         largest concentration in the tissue, and in the target region;
//   mass         in tissue (fluid + bound), and the ledger's blood / lymph fractions.
// Time-integrated figures (residence half-life, time above threshold, coverage-time, peak) come
// from RunFiguresTracker, fed after every accepted step (summarise() does the same from output rows).
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "models/transport_model.hpp"
#include "solver/transport_state.hpp"

namespace mesosim {

/// Where the treatment is judged: the cells whose centre lies in one of the target layers and
/// within `radius` (laterally) of one of the `centres` (the injection points).
struct TargetRegion {
  std::vector<std::size_t> layers;              ///< indices into the tissue's layers
  std::vector<std::pair<double, double>> centres;  ///< (x, y) of the injections, m
  double radius = 5e-3;                         ///< m
  std::vector<double> threshold;                ///< kg/m^3 per component (therapeutic level)

  /// The cells of the region on this grid (InputError if it holds none).
  std::vector<std::size_t> cells(const TransportModel& model) const;
};

struct ComponentMetrics {
  double time = 0;                 ///< s
  double in_tissue = 0;            ///< fraction of the injected mass (fluid + bound)
  double to_blood = 0, to_lymph = 0, degraded = 0, out_of_box = 0;  ///< fractions of the injected mass
  double peak = 0;                 ///< kg/m^3, anywhere in the tissue
  double peak_in_target = 0;       ///< kg/m^3
  double coverage = 0;             ///< fraction of the target volume at or above threshold
  double uniformity_cv = 0;        ///< std / mean of c over the target (0 if the mean is 0)
};

/// Metrics of component c at the state's time over the given target cells.
ComponentMetrics measure(const TransportModel& model, const TransportState& state, int c,
                         const std::vector<std::size_t>& target_cells, double threshold);
/// The same when the caller already knows the mass of c in the tissue (fluid + bound), kg.
ComponentMetrics measure(const TransportModel& model, const TransportState& state, int c,
                         const std::vector<std::size_t>& target_cells, double threshold, double mass_in_tissue);

/// Figures over a run, from the metrics recorded at the output times (linear interpolation).
struct RunFigures {
  double residence_half_life = -1;  ///< s until half the injected mass has left; -1 if not reached
  double time_above_threshold = 0;  ///< s during which some target cell was at or above threshold
  double max_coverage = 0;          ///< largest coverage seen
  double coverage_time = 0;         ///< s, integral of coverage over time (trapezoid rule)
  double time_half_covered = 0;     ///< s during which coverage >= 0.5 (linear between outputs)
  double peak = 0;                  ///< largest concentration seen, kg/m^3
  double systemic_fraction = 0;     ///< to blood at the end, fraction of the injected mass
};
RunFigures summarise(const std::vector<ComponentMetrics>& series);

/// What the run figures need of one component after a step: cheap enough for every step (the
/// fractions from the ledger, one pass over the target cells, one vectorised max over the field).
struct StepSample {
  double time = 0;            ///< s
  double in_tissue = 0;       ///< fraction of the injected mass: (injected - removed) / injected
  double to_blood = 0;        ///< fraction of the injected mass
  double coverage = 0;        ///< fraction of the target cells at or above threshold
  double peak = 0;            ///< kg/m^3, anywhere in the tissue
  double peak_in_target = 0;  ///< kg/m^3
};
StepSample sample_step(const TransportModel& model, const TransportState& state, int c,
                       const std::vector<std::size_t>& target_cells, double threshold);
/// The same when the caller knows the peak, max(0, partition * u) over the grid, kg/m^3 (e.g. the
/// integrator's error estimate found it after the step): the field is then read only at the target.
StepSample sample_step(const TransportModel& model, const TransportState& state, int c,
                       const std::vector<std::size_t>& target_cells, double threshold, double peak);

/// The run figures of one component kept from every step rather than the output times: coverage
/// integrated by the trapezoid rule between steps, time above threshold and at half coverage up to
/// the linear crossing of the target peak (coverage) between two steps, the residence half-life at
/// the exponential crossing, maxima over every step. Samples at the same time (an injection
/// between two steps) replace the last one without adding time.
class RunFiguresTracker {
 public:
  explicit RunFiguresTracker(double threshold) : threshold_(threshold) {}
  void add(const StepSample& sample);
  const RunFigures& figures() const { return figures_; }
  /// The longest next step, s, that keeps the figures sampled finely enough where they change:
  /// while the target peak is within a factor 4 of the threshold its logarithm may change by at
  /// most 0.1 per step (crossing times, linear between steps, then err by about 1 % of a step),
  /// and the coverage by at most 0.05; judged from the last step's change (infinity: no limit).
  double longest_next_step() const { return longest_next_step_; }
  /// The tracker's memory for a checkpoint, and back (InputError if the size is not the tracker's).
  std::vector<double> memory() const;
  void restore(const std::vector<double>& memory);

 private:
  double threshold_;  // kg/m^3
  bool started_ = false;
  StepSample last_;
  RunFigures figures_;
  double longest_next_step_ = std::numeric_limits<double>::infinity();
};

}  // namespace mesosim
