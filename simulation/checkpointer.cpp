#include "simulation/checkpointer.hpp"

#include <omp.h>

namespace mesosim {

Checkpointer::Checkpointer(const std::filesystem::path& dir, std::string inputs_json, double interval,
                           const WallClock& wall, ResultsWriter& results)
    : dir_(dir), inputs_json_(std::move(inputs_json)), interval_(interval), wall_(wall), results_(results),
      last_(wall.now()) {}

void Checkpointer::on_step(const Simulation& sim) {
  if (wall_.now() - last_ >= interval_) save(sim);
}

void Checkpointer::save(const Simulation& sim) {
  Checkpoint c;
  c.put_text("run.inputs", inputs_json_);
  c.put_count("run.threads", omp_get_max_threads());
  results_.save(c);
  sim.save(c);
  c.put_real("run.wall_time_s", wall_.now());
  write_checkpoint(dir_, c, sim.transport(), sim.state());
  last_ = wall_.now();
}

}  // namespace mesosim
