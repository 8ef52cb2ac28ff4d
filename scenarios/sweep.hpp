// A sweep file (TOML): a base scenario and the scenario keys to vary, expanded into a list of
// cases, each a set of `--set key=value` overrides of the base. Factors combine as a full factorial
// product: each key of [parameters] (an explicit list, or a range {from, to, count} in one unit),
// each [[zip]] group (lists of equal length varied together) and, if [sampling] is given, a set
// of Latin-hypercube or uniform random samples (seeded, reproducible on every platform) over
// [sampling.ranges]. Values keep the units they were written with ("4 mm"); the scenario reader
// checks them. The format is documented in the README ("Sweeps").
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace mesosim {

struct SweepCase {
  int index = 0;                                              ///< 0-based, stable
  std::string id;                                             ///< "case-0007"
  std::vector<std::pair<std::string, std::string>> values;    ///< swept key -> value (with unit)
};

struct Sweep {
  std::string file;                  ///< the sweep file
  std::string name;
  std::string base;                  ///< base scenario path (resolved relative to the sweep file)
  std::vector<std::string> fixed;    ///< overrides applied to every case ("key=value")
  std::string snapshot_interval;     ///< for each case's run ("" = only the first and last times)
  bool float32 = true;
  std::vector<std::string> keys;     ///< swept keys, in column order
  std::vector<SweepCase> cases;
};

/// Reads and expands a sweep file; InputError naming the file, key and fix on any problem.
Sweep load_sweep(const std::string& path);
/// The same for sweep text held in memory; `path` names it and anchors a relative `base`.
Sweep load_sweep_text(const std::string& text, const std::string& path);

/// "key=value" overrides of one case: its snapshot interval (output.snapshot_interval), the fixed
/// ones, then the swept values.
std::vector<std::string> case_overrides(const Sweep& sweep, const SweepCase& sweep_case);

/// Parses a shard "i/N" (0 <= i < N); InputError otherwise.
std::pair<int, int> parse_shard(const std::string& text);

}  // namespace mesosim
