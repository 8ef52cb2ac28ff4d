// A run's checkpoint, DIR/checkpoint.h5: everything needed to continue an interrupted run with
// bitwise the same result (for the same thread count). Every value is kept by name: the state's
// fields as datasets (/u, /bound, /ledger, with the time and step count), and the memory of the
// run, its injection model, integrators and writers as named reals, counts and texts (e.g.
// "darcy.fluid_steps", "instant.integrator.next_step_s"), attributes of /memory listed in
// /memory_keys. Reading a value that is not there is an InputError naming the key and the file.
// Written to a temporary file, flushed to disk and renamed over the previous one, so a checkpoint
// is either the old one or the new one, never half of one. A checkpoint of the old positional
// layout ("MesoSim checkpoint 1") is read too: its values are put under the same names.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "models/transport_model.hpp"
#include "solver/integrator.hpp"
#include "solver/transport_state.hpp"

namespace mesosim {

/// Named values of a checkpoint. Keys are "owner.name" (units in the name where they apply).
class Checkpoint {
 public:
  void put_real(const std::string& key, double value) { reals_[key] = {value}; }
  void put_reals(const std::string& key, const std::vector<double>& values) { reals_[key] = values; }
  void put_count(const std::string& key, long long value) { counts_[key] = {value}; }
  void put_counts(const std::string& key, const std::vector<long long>& values) { counts_[key] = values; }
  void put_text(const std::string& key, const std::string& text) { texts_[key] = text; }

  bool has(const std::string& key) const { return reals_.count(key) || counts_.count(key) || texts_.count(key); }
  /// The value under `key` (InputError naming the key and the file if it is missing or not one value).
  double real(const std::string& key) const;
  const std::vector<double>& reals(const std::string& key) const;
  long long count(const std::string& key) const;
  const std::vector<long long>& counts(const std::string& key) const;
  const std::string& text(const std::string& key) const;
  /// The value, or `fallback` when the checkpoint predates the key.
  double real_or(const std::string& key, double fallback) const { return reals_.count(key) ? real(key) : fallback; }
  long long count_or(const std::string& key, long long fallback) const {
    return counts_.count(key) ? count(key) : fallback;
  }

  /// What messages call the checkpoint (its file once read).
  const std::string& label() const { return label_; }
  void set_label(const std::string& label) { label_ = label; }

 private:
  friend void write_checkpoint(const std::filesystem::path&, const Checkpoint&, const TransportModel&,
                               const TransportState&);
  friend Checkpoint read_checkpoint(const std::filesystem::path&);
  [[noreturn]] void missing(const std::string& key, const char* what) const;
  std::map<std::string, std::vector<double>> reals_;
  std::map<std::string, std::vector<long long>> counts_;
  std::map<std::string, std::string> texts_;
  std::string label_ = "checkpoint";
};

/// An integrator's memory under `prefix` (e.g. "instant.integrator"), and back.
void put_integrator(Checkpoint& checkpoint, const std::string& prefix, const IntegratorMemory& memory);
IntegratorMemory get_integrator(const Checkpoint& checkpoint, const std::string& prefix);

/// Writes DIR/checkpoint.h5 atomically (OutputError on failure; the previous one stays).
void write_checkpoint(const std::filesystem::path& directory, const Checkpoint& checkpoint,
                      const TransportModel& model, const TransportState& state);

/// Reads the named values of DIR/checkpoint.h5 (not the fields); InputError if it is missing,
/// damaged or not a MesoSim checkpoint.
Checkpoint read_checkpoint(const std::filesystem::path& directory);

/// Reads the fields, ledgers and time into `state`, which must come from the same model.
void read_checkpoint_state(const std::filesystem::path& directory, const TransportModel& model, TransportState& state);

}  // namespace mesosim
