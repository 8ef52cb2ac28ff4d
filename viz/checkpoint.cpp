#include "viz/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "models/error.hpp"
#include "viz/h5.hpp"

namespace mesosim {

namespace fs = std::filesystem;

namespace {

constexpr const char* format_name = "MesoSim checkpoint 1";

void sync_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw OutputError("cannot reopen " + path.string() + " to flush it to disk");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw OutputError("flushing " + path.string() + " to disk failed (disk full?)");
}

/// Ledger of every component as rows of 4 + n_sides numbers.
std::vector<double> pack_ledgers(const std::vector<MassLedger>& ledgers) {
  std::vector<double> packed;
  for (const MassLedger& l : ledgers) {
    packed.insert(packed.end(), {l.injected, l.to_blood, l.to_lymph, l.degraded});
    packed.insert(packed.end(), l.boundary.begin(), l.boundary.end());
  }
  return packed;
}

}  // namespace

void write_checkpoint(const fs::path& directory, const Checkpoint& checkpoint, const TransportModel& model,
                      const TransportState& state) {
  const fs::path target = directory / "checkpoint.h5";
  const fs::path temporary = directory / ".checkpoint.h5.tmp";
  {
    h5::File file(temporary.string(), h5::Mode::create_truncate);
    const h5::Handle root(H5Oopen(file.id(), "/", H5P_DEFAULT));
    h5::write_attribute(file, root.id(), "format", std::string(format_name));
    h5::write_attribute(file, root.id(), "inputs", checkpoint.inputs_json);
    h5::write_attribute(file, root.id(), "threads", std::vector<long long>{checkpoint.threads});
    const RunPosition& p = checkpoint.position;
    h5::write_attribute(file, root.id(), "position",
                        std::vector<long long>{p.next_output, p.next_injection, p.n_snapshots, p.n_rows});
    h5::write_attribute(file, root.id(), "wall_time", p.wall_time);
    h5::write_attribute(file, root.id(), "time", state.time);
    h5::write_attribute(file, root.id(), "n_steps", std::vector<long long>{state.n_steps});
    const IntegratorMemory& m = checkpoint.integrator;
    h5::write_attribute(file, root.id(), "integrator_reals",
                        std::vector<double>{m.next_step, m.stats.last_step, m.stats.smallest_step,
                                            m.stats.largest_step, m.segment_t0, m.segment_t_end});
    h5::write_attribute(file, root.id(), "integrator_counts",
                        std::vector<long long>{m.stats.n_accepted, m.stats.n_rejected, m.stats.n_stepper_calls,
                                               m.segment_n_steps, m.segment_n_done});
    h5::write_attribute(file, root.id(), "peak_ever", m.peak_ever);
    h5::write_attribute(file, root.id(), "extra_reals", checkpoint.extra_reals);
    h5::write_attribute(file, root.id(), "extra_counts", checkpoint.extra_counts);
    const Grid& g = model.grid();
    const std::vector<hsize_t> dims{hsize_t(model.n_components()), hsize_t(g.nz), hsize_t(g.ny), hsize_t(g.nx)};
    h5::write_dataset(file, "/u", dims, state.u.raw().data());
    if (!state.bound.empty()) h5::write_dataset(file, "/bound", dims, state.bound.raw().data());
    const std::vector<double> ledgers = pack_ledgers(state.ledger);
    h5::write_dataset(file, "/ledger", {hsize_t(model.n_components()), hsize_t(4 + n_sides)}, ledgers.data());
    file.close();
  }
  sync_file(temporary);
  std::error_code ec;
  fs::rename(temporary, target, ec);
  if (ec) throw OutputError("replacing " + target.string() + " failed: " + ec.message());
}

Checkpoint read_checkpoint(const fs::path& directory) {
  const fs::path path = directory / "checkpoint.h5";
  if (!fs::exists(path))
    throw InputError(path.string() + " does not exist: nothing to resume (was the run started with this "
                     "output directory, and did it write a checkpoint?)");
  h5::File file(path.string(), h5::Mode::read_only);
  std::string format;
  try {
    format = h5::read_string_attribute(file, "/", "format");
  } catch (const InputError&) {
  }
  if (format != format_name) throw InputError(path.string() + " is not a MesoSim checkpoint (format '" + format + "')");
  Checkpoint checkpoint;
  checkpoint.inputs_json = h5::read_string_attribute(file, "/", "inputs");
  const std::vector<long long> threads = h5::read_integers_attribute(file, "/", "threads");
  const std::vector<long long> position = h5::read_integers_attribute(file, "/", "position");
  const std::vector<double> reals = h5::read_doubles_attribute(file, "/", "integrator_reals");
  const std::vector<long long> counts = h5::read_integers_attribute(file, "/", "integrator_counts");
  if (threads.size() != 1 || position.size() != 4 || reals.size() != 6 || counts.size() != 5)
    throw InputError(path.string() + " is damaged (run position or integrator memory has the wrong size)");
  checkpoint.threads = int(threads[0]);
  checkpoint.position = {long(position[0]), long(position[1]), long(position[2]), long(position[3]),
                         h5::read_double_attribute(file, "/", "wall_time")};
  IntegratorMemory& m = checkpoint.integrator;
  m.next_step = reals[0];
  m.stats.last_step = reals[1];
  m.stats.smallest_step = reals[2];
  m.stats.largest_step = reals[3];
  m.segment_t0 = reals[4];
  m.segment_t_end = reals[5];
  m.stats.n_accepted = long(counts[0]);
  m.stats.n_rejected = long(counts[1]);
  m.stats.n_stepper_calls = long(counts[2]);
  m.segment_n_steps = long(counts[3]);
  m.segment_n_done = long(counts[4]);
  m.peak_ever = h5::read_doubles_attribute(file, "/", "peak_ever");
  checkpoint.extra_reals = h5::read_doubles_attribute(file, "/", "extra_reals");
  checkpoint.extra_counts = h5::read_integers_attribute(file, "/", "extra_counts");
  return checkpoint;
}

void read_checkpoint_state(const fs::path& directory, const TransportModel& model, TransportState& state) {
  const fs::path path = directory / "checkpoint.h5";
  h5::File file(path.string(), h5::Mode::read_only);
  const Grid& g = model.grid();
  const std::vector<hsize_t> dims{hsize_t(model.n_components()), hsize_t(g.nz), hsize_t(g.ny), hsize_t(g.nx)};
  auto read_field = [&](const std::string& name, std::vector<double>& target) {
    if (h5::dataset_dims(file, name) != dims)
      throw InputError(path.string() + ": " + name + " does not match the scenario's grid and components; "
                       "the checkpoint belongs to another run");
    std::vector<double> values = h5::read_doubles(file, name);
    target.swap(values);
  };
  read_field("/u", state.u.raw());
  if (!state.bound.empty()) read_field("/bound", state.bound.raw());
  const std::vector<double> ledgers = h5::read_doubles(file, "/ledger");
  if (ledgers.size() != std::size_t(model.n_components()) * (4 + n_sides))
    throw InputError(path.string() + ": /ledger has the wrong size; the checkpoint belongs to another run");
  for (int c = 0; c < model.n_components(); ++c) {
    const double* row = &ledgers[std::size_t(c) * (4 + n_sides)];
    MassLedger& l = state.ledger[c];
    l.injected = row[0];
    l.to_blood = row[1];
    l.to_lymph = row[2];
    l.degraded = row[3];
    for (int s = 0; s < n_sides; ++s) l.boundary[s] = row[4 + s];
  }
  state.time = h5::read_double_attribute(file, "/", "time");
  const std::vector<long long> n_steps = h5::read_integers_attribute(file, "/", "n_steps");
  if (n_steps.size() != 1) throw InputError(path.string() + ": n_steps is damaged");
  state.n_steps = long(n_steps[0]);
}

}  // namespace mesosim
