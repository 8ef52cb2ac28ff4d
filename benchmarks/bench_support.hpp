// Shared set-up of the benchmark programs: the four-layer skin they all use, checked parsing of
// command-line numbers (a bad argument is an InputError naming it, never a silent 0) and the
// process's peak resident memory. Benchmark plumbing only; nothing here is part of the engine.
#pragma once

#include <sys/resource.h>

#include <charconv>
#include <chrono>
#include <string>
#include <string_view>
#include <system_error>

#include "models/component.hpp"
#include "models/tissue.hpp"
#include "solver/error.hpp"

namespace mesosim::bench {

/// Epidermis 0.1 mm (phi 0.15), papillary dermis 0.3 mm (0.35), reticular dermis 1.5 mm (0.30),
/// hypodermis (0.15) down to `depth` (m) or at least 0.1 mm thick.
inline Tissue layered_skin(double depth) {
  const double dermis_bottom = 1.9e-3;  // m
  const double hypodermis = depth > dermis_bottom + 1e-4 ? depth - dermis_bottom : 1e-4;
  return Tissue{{Layer{"epidermis", 0.1e-3, 0.15}, Layer{"papillary dermis", 0.3e-3, 0.35},
                 Layer{"reticular dermis", 1.5e-3, 0.30}, Layer{"hypodermis", hypodermis, 0.15}}};
}

/// A small molecule (~300 Da) in layered_skin's four layers: D 3e-10 m^2/s; blood/lymph uptake
/// 5e-4/2e-5 1/s in the dermis, 5e-5/5e-6 1/s in the hypodermis, none in the epidermis.
inline Component small_molecule() {
  SoluteInLayer epidermis, dermis, hypodermis;
  epidermis.diffusivity = dermis.diffusivity = hypodermis.diffusivity = 3e-10;
  dermis.k_blood = 5e-4;
  dermis.k_lymph = 2e-5;
  hypodermis.k_blood = 5e-5;
  hypodermis.k_lymph = 5e-6;
  return Component{"small molecule", {epidermis, dermis, dermis, hypodermis}};
}

using Clock = std::chrono::steady_clock;
/// Wall seconds since `start`.
inline double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Whole-string integer in [low, high]; `what` names the argument in the error.
inline int parse_int(std::string_view text, const char* what, int low, int high) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < low || value > high)
    throw InputError(std::string(what) + ": expected an integer in [" + std::to_string(low) + ", " +
                     std::to_string(high) + "], got '" + std::string(text) + "'");
  return value;
}

/// Whole-string positive number; `what` names the argument in the error.
inline double parse_positive(std::string_view text, const char* what) {
  double value = 0.0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !(value > 0.0))
    throw InputError(std::string(what) + ": expected a positive number, got '" + std::string(text) + "'");
  return value;
}

/// Peak resident set size of this process so far, MiB (Linux reports ru_maxrss in KiB).
inline double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;
}

}  // namespace mesosim::bench
