#include "io/checkpoint.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "io/h5.hpp"
#include "solver/error.hpp"

namespace mesosim {

namespace fs = std::filesystem;

namespace {

constexpr const char* format_name = "MesoSim checkpoint 2";    // named values
constexpr const char* format_1_name = "MesoSim checkpoint 1";  // positional arrays (read, never written)

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

double Checkpoint::real(const std::string& key) const {
  const std::vector<double>& values = reals(key);
  if (values.size() != 1) missing(key, "one real number");
  return values[0];
}

const std::vector<double>& Checkpoint::reals(const std::string& key) const {
  const auto found = reals_.find(key);
  if (found == reals_.end()) missing(key, "real numbers");
  return found->second;
}

long long Checkpoint::count(const std::string& key) const {
  const std::vector<long long>& values = counts(key);
  if (values.size() != 1) missing(key, "one count");
  return values[0];
}

const std::vector<long long>& Checkpoint::counts(const std::string& key) const {
  const auto found = counts_.find(key);
  if (found == counts_.end()) missing(key, "counts");
  return found->second;
}

const std::string& Checkpoint::text(const std::string& key) const {
  const auto found = texts_.find(key);
  if (found == texts_.end()) missing(key, "a text");
  return found->second;
}

void Checkpoint::missing(const std::string& key, const char* what) const {
  throw InputError(label_ + ": has no '" + key + "' (" + what +
                   "); the checkpoint is damaged or was written by another version of MesoSim");
}

void put_integrator(Checkpoint& c, const std::string& prefix, const IntegratorMemory& m) {
  c.put_real(prefix + ".next_step_s", m.next_step);
  c.put_real(prefix + ".last_step_s", m.stats.last_step);
  c.put_real(prefix + ".smallest_step_s", m.stats.smallest_step);
  c.put_real(prefix + ".largest_step_s", m.stats.largest_step);
  c.put_real(prefix + ".segment_t0_s", m.segment_t0);
  c.put_real(prefix + ".segment_t_end_s", m.segment_t_end);
  c.put_count(prefix + ".n_accepted", m.stats.n_accepted);
  c.put_count(prefix + ".n_rejected", m.stats.n_rejected);
  c.put_count(prefix + ".n_stepper_calls", m.stats.n_stepper_calls);
  c.put_count(prefix + ".segment_n_steps", m.segment_n_steps);
  c.put_count(prefix + ".segment_n_done", m.segment_n_done);
  c.put_reals(prefix + ".peak_ever", m.peak_ever);
  c.put_reals(prefix + ".component_next_step_s", m.component_next_step);
  c.put_reals(prefix + ".restart_step_s", m.restart_step);
  c.put_counts(prefix + ".learning", m.learning);
  c.put_count(prefix + ".n_component_steps", m.stats.n_component_steps);
}

IntegratorMemory get_integrator(const Checkpoint& c, const std::string& prefix) {
  IntegratorMemory m;
  m.next_step = c.real(prefix + ".next_step_s");
  m.stats.last_step = c.real(prefix + ".last_step_s");
  m.stats.smallest_step = c.real(prefix + ".smallest_step_s");
  m.stats.largest_step = c.real(prefix + ".largest_step_s");
  m.segment_t0 = c.real(prefix + ".segment_t0_s");
  m.segment_t_end = c.real(prefix + ".segment_t_end_s");
  m.stats.n_accepted = long(c.count(prefix + ".n_accepted"));
  m.stats.n_rejected = long(c.count(prefix + ".n_rejected"));
  m.stats.n_stepper_calls = long(c.count(prefix + ".n_stepper_calls"));
  m.segment_n_steps = long(c.count(prefix + ".segment_n_steps"));
  m.segment_n_done = long(c.count(prefix + ".segment_n_done"));
  m.peak_ever = c.reals(prefix + ".peak_ever");
  // Written since the integrator steps each component on its own; older checkpoints: empty.
  if (c.has(prefix + ".component_next_step_s")) m.component_next_step = c.reals(prefix + ".component_next_step_s");
  if (c.has(prefix + ".restart_step_s")) m.restart_step = c.reals(prefix + ".restart_step_s");
  if (c.has(prefix + ".learning")) m.learning = c.counts(prefix + ".learning");
  m.stats.n_component_steps = long(c.count_or(prefix + ".n_component_steps", 0));
  return m;
}

void write_checkpoint(const fs::path& directory, const Checkpoint& checkpoint, const TransportModel& model,
                      const TransportState& state) {
  const fs::path target = directory / "checkpoint.h5";
  const fs::path temporary = directory / ".checkpoint.h5.tmp";
  {
    h5::File file(temporary.string(), h5::Mode::create_truncate);
    const h5::Handle root(H5Oopen(file.id(), "/", H5P_DEFAULT));
    h5::write_attribute(file, root.id(), "format", std::string(format_name));
    h5::write_attribute(file, root.id(), "time", state.time);
    h5::write_attribute(file, root.id(), "n_steps", std::vector<long long>{state.n_steps});
    // The named values: one attribute of /memory each, listed with their kind in /memory_keys.
    const h5::Handle memory = h5::create_group(file, "/memory");
    std::vector<std::string> keys;
    for (const auto& [key, values] : checkpoint.reals_) {
      h5::write_attribute(file, memory.id(), key, values);
      keys.push_back("real " + key);
    }
    for (const auto& [key, values] : checkpoint.counts_) {
      h5::write_attribute(file, memory.id(), key, values);
      keys.push_back("count " + key);
    }
    for (const auto& [key, text] : checkpoint.texts_) {
      h5::write_attribute(file, memory.id(), key, text);
      keys.push_back("text " + key);
    }
    h5::write_strings(file, "/memory_keys", keys);
    const Grid& g = model.grid();
    const std::vector<hsize_t> dims{hsize_t(model.n_components()), hsize_t(g.nz), hsize_t(g.ny), hsize_t(g.nx)};
    // Checksummed: a damaged field is an error on resume, never a run continued from wrong numbers
    // (the metadata, /memory included, is checksummed by the file format; io/h5.cpp).
    h5::write_checksummed_dataset(file, "/u", dims, state.u.raw().data());
    if (!state.bound.empty()) h5::write_checksummed_dataset(file, "/bound", dims, state.bound.raw().data());
    const std::vector<double> ledgers = pack_ledgers(state.ledger);
    h5::write_checksummed_dataset(file, "/ledger", {hsize_t(model.n_components()), hsize_t(4 + n_sides)}, ledgers.data());
    file.close();
  }
  sync_file(temporary);
  std::error_code ec;
  fs::rename(temporary, target, ec);
  if (ec) throw OutputError("replacing " + target.string() + " failed: " + ec.message());
}

namespace {

/// A checkpoint of the positional layout (format 1, before named values), put under today's
/// names: run position, integrator memory (for either injection model) and, for the darcy
/// reservoir, its at-rest memory from the two arrays whose layout the length told apart.
void read_format_1(const h5::File& file, const fs::path& path, Checkpoint& c) {
  c.put_text("run.inputs", h5::read_string_attribute(file, "/", "inputs"));
  const std::vector<long long> threads = h5::read_integers_attribute(file, "/", "threads");
  const std::vector<long long> position = h5::read_integers_attribute(file, "/", "position");
  const std::vector<double> reals = h5::read_doubles_attribute(file, "/", "integrator_reals");
  const std::vector<long long> counts = h5::read_integers_attribute(file, "/", "integrator_counts");
  if (threads.size() != 1 || position.size() != 4 || reals.size() != 6 || counts.size() != 5)
    throw InputError(path.string() + " is damaged (run position or integrator memory has the wrong size)");
  c.put_count("run.threads", threads[0]);
  c.put_count("run.next_output", position[0]);
  c.put_count("instant.next_injection", position[1]);
  c.put_count("results.snapshots", position[2]);
  c.put_count("results.rows", position[3]);
  c.put_real("run.wall_time_s", h5::read_double_attribute(file, "/", "wall_time"));
  IntegratorMemory m;
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
  put_integrator(c, "instant.integrator", m);
  const std::vector<double> r = h5::read_doubles_attribute(file, "/", "extra_reals");
  const std::vector<long long> n = h5::read_integers_attribute(file, "/", "extra_counts");
  if (r.empty() && n.empty()) return;  // an instant run
  // Darcy: reals {smallest, largest step, released volume, rest time, fluid ledger (4 + sides),
  // [pressure, advection, diffusion seconds]}; counts {coupled steps, rest steps, fluid steps,
  // /bleb rows, /bleb_per_injection rows, [pressure solves, pressure iterations]}.
  const bool with_statistics = r.size() == 4 + 4 + n_sides + 3 && n.size() == 7;
  if (!with_statistics && (r.size() != 4 + 4 + n_sides || n.size() != 5))
    throw InputError(path.string() + ": the darcy reservoir's memory is missing or damaged");
  put_integrator(c, "darcy.rest", m);
  c.put_real("darcy.stats.smallest_step_s", r[0]);
  c.put_real("darcy.stats.largest_step_s", r[1]);
  c.put_real("darcy.stats.released_volume_m3", r[2]);
  c.put_real("darcy.stats.rest_time_s", r[3]);
  c.put_real("darcy.fluid_ledger.injected_m3", r[4]);
  c.put_real("darcy.fluid_ledger.to_blood_m3", r[5]);
  c.put_real("darcy.fluid_ledger.to_lymph_m3", r[6]);
  c.put_real("darcy.fluid_ledger.degraded_m3", r[7]);
  c.put_reals("darcy.fluid_ledger.boundary_m3", std::vector<double>(r.begin() + 8, r.begin() + 8 + n_sides));
  c.put_count("darcy.stats.n_coupled_steps", n[0]);
  c.put_count("darcy.stats.n_rest_steps", n[1]);
  c.put_count("darcy.fluid_steps", n[2]);
  c.put_count("results.rows/bleb", n[3]);
  c.put_count("results.rows/bleb_per_injection", n[4]);
  if (with_statistics) {
    c.put_real("darcy.stats.pressure_seconds", r[8 + n_sides]);
    c.put_real("darcy.stats.advection_seconds", r[9 + n_sides]);
    c.put_real("darcy.stats.diffusion_seconds", r[10 + n_sides]);
    c.put_count("darcy.stats.n_pressure_solves", n[5]);
    c.put_count("darcy.stats.n_pressure_iterations", n[6]);
  }
}

}  // namespace

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
  Checkpoint checkpoint;
  checkpoint.set_label(path.string());
  if (format == format_1_name) {
    read_format_1(file, path, checkpoint);
    return checkpoint;
  }
  if (format.rfind("MesoSim checkpoint ", 0) == 0 && format != format_name)
    throw InputError(path.string() + " is a MesoSim checkpoint of format '" + format + "', which this build does not "
                     "read (it reads '" + format_1_name + "' and '" + format_name + "'): resume it with the MesoSim "
                     "version that wrote it");
  if (format != format_name) throw InputError(path.string() + " is not a MesoSim checkpoint (format '" + format + "')");
  for (const std::string& entry : h5::read_strings(file, "/memory_keys")) {
    const std::size_t space = entry.find(' ');
    const std::string kind = entry.substr(0, space), key = space == std::string::npos ? "" : entry.substr(space + 1);
    if (kind == "real")
      checkpoint.reals_[key] = h5::read_doubles_attribute(file, "/memory", key);
    else if (kind == "count")
      checkpoint.counts_[key] = h5::read_integers_attribute(file, "/memory", key);
    else if (kind == "text")
      checkpoint.texts_[key] = h5::read_string_attribute(file, "/memory", key);
    else
      throw InputError(path.string() + " is damaged (/memory_keys holds '" + entry + "')");
  }
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
