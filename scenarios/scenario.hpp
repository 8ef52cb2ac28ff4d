// A scenario file (TOML) resolved into SI parameters: domain, tissue layers, components,
// cocktails, injections, time stepping and output. Every dimensional value is a string with a
// unit; every key is checked: an unknown key, a missing required key, a wrong unit or an
// out-of-range value is an InputError naming the file, line and column, the key, the value, what
// is allowed, and the closest known key for a typo. The format is documented in the README
// ("Scenario reference"); scenarios/examples/ holds runnable files.
#pragma once

#include <string>
#include <vector>

#include "models/component.hpp"
#include "models/injection.hpp"
#include "models/metrics.hpp"
#include "models/tissue.hpp"
#include "scenarios/parameters.hpp"
#include "solver/grid.hpp"
#include "solver/integrator.hpp"

namespace mesosim {

struct Scenario {
  std::string file;                   ///< where it came from
  std::string name;                   ///< display name
  Grid grid;
  Boundaries boundaries;
  Tissue tissue;
  std::vector<Component> components;
  std::vector<Injection> injections;
  IntegratorSettings integrator;
  double end_time = 0;                ///< s
  double output_interval = 3600;      ///< s of simulated time between metrics rows ([output] interval)
  double snapshot_interval = 0;       ///< s of simulated time between 3-D snapshots, rounded to whole output
                                      ///< intervals; 0: the geometric schedule (models/output_schedule.hpp)
  double checkpoint_interval = 600;   ///< s of wall time between checkpoints
  std::string output_directory;       ///< empty: results/<file stem>-DATE-TIME
  TargetRegion target;                ///< [metrics]: where coverage and uniformity are judged
  std::vector<ResolvedKey> resolved;  ///< every key read, with its value (SI) and whether it was the default
};

/// Reads and validates a scenario file; `overrides` are "dotted.key=value" strings (--set) applied
/// on top of the file (a value that reads as a TOML number or boolean is one, else a string).
Scenario load_scenario(const std::string& path, const std::vector<std::string>& overrides = {});
/// The same for scenario text held in memory; `label` names it in messages.
Scenario load_scenario_text(const std::string& text, const std::string& label,
                            const std::vector<std::string>& overrides = {});

/// Levenshtein distance between two keys (used for "did you mean").
std::size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace mesosim
