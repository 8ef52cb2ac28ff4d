#include "simulation/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "simulation/simulation.hpp"

namespace mesosim {

Progress::Progress(const Simulation& sim, const WallClock& wall, bool quiet)
    : wall_(wall), quiet_(quiet), terminal_(isatty(STDOUT_FILENO) != 0), run_start_time_(sim.time()),
      wall_at_start_(wall.now()) {}

void Progress::on_injection_given(const Simulation& sim, std::size_t index, int n_filled) {
  if (quiet_) return;
  const std::vector<Injection>& all = sim.injections();
  const Injection& injection = all[index];
  const long given = long(index) + 1, shown = 6;  // the first few deposits in full, then one line per ten
  if (all.size() > std::size_t(shown + 2) && given > shown) {
    if (given % 10 == 0 || given == long(all.size()))
      std::printf("  injections: %ld of %zu given (t = %.0f s)\n", given, all.size(), sim.time());
  } else {
    const Tissue& tissue = sim.transport().tissue();
    const std::string& layer = tissue.layers[tissue.layer_at(injection.depth)].name;
    std::printf("  injection: %.3f mL at %.2f mm depth (%s), %s deposit over %d cells, t = %.0f s\n",
                injection.volume * 1e6, injection.depth * 1e3, layer.c_str(), sim.injection_model().name().c_str(),
                n_filled, sim.time());
  }
}

void Progress::on_output(const Simulation& sim, const OutputPoint& point) {
  if (quiet_ || point.index == 0) return;
  const TransportState& state = sim.state();
  const double t_end = sim.end_time(), wall = wall_.now();
  const double fraction = state.time / t_end;
  const double rate = (state.time - run_start_time_) / std::max(wall - wall_at_start_, 1e-9);
  const double eta = rate > 0 ? (t_end - state.time) / rate : 0.0;
  double in_tissue = 0.0, injected = 0.0;
  for (int c = 0; c < sim.transport().n_components(); ++c) {
    in_tissue += sim.injection_model().mass_in_fluid(state, c) + mass_bound(sim.transport(), state, c);
    injected += state.ledger[c].injected;
  }
  const double in_tissue_percent = injected > 0 ? 100 * in_tissue / injected : 0.0;
  if (terminal_) {
    const int width = 30, filled = int(fraction * width);
    std::printf("\r  [%s%s] %s  %5.1f%%  %ld steps  %.2f sim-d/wall-s  ETA %.0f s  in tissue %.1f%%   ",
                std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                format_day_time(state.time).c_str(), 100 * fraction, state.n_steps, rate / 86400.0, eta,
                in_tissue_percent);
    std::fflush(stdout);
  } else if (wall - last_log_ >= 5.0 || point.index == sim.n_outputs()) {
    last_log_ = wall;
    std::printf("  %s: %ld steps, %.1f s wall, ETA %.0f s, %.1f%% of the injected mass in tissue\n",
                format_day_time(state.time).c_str(), state.n_steps, wall, eta, in_tissue_percent);
    std::fflush(stdout);
  }
}

void Progress::finish() const {
  if (terminal_ && !quiet_) std::printf("\n");
}

}  // namespace mesosim
